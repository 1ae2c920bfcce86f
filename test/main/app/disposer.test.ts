// Releasing a partial build: newest first, every release attempted even when one fails, the failures
// reported by name, and nothing released twice.

import { describe, expect, it } from 'vitest';
import { Disposer } from '../../../src/main/app/disposer.js';

describe('Disposer', () => {
  it('releases newest first, isolates failures and reports them by name', async () => {
    const d = new Disposer();
    const order: string[] = [];
    const transport = d.add('transport', { id: 't' }, (p) => void order.push(p.id));
    d.add('informers', 'i', () => {
      order.push('i');
      throw new Error('stuck');
    });
    d.add('runtime', 'r', async () => void order.push('r'));
    expect(transport).toEqual({ id: 't' });
    expect(d.size).toBe(3);
    const failures = await d.releaseAll();
    expect(order).toEqual(['r', 'i', 't']);
    expect(failures.map((f) => [f.what, (f.error as Error).message])).toEqual([['informers', 'stuck']]);
    expect(d.size).toBe(0);
    expect(await d.releaseAll()).toEqual([]);
    expect(order).toHaveLength(3);
  });
});
