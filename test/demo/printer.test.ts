// What the demo prints: timestamps since the start, colour only when the terminal (or the env) asks.

import { describe, expect, test } from 'vitest';
import { elapsedStamp, TimestampedPrinter, wantsColor } from '../../src/demo/printer.js';

describe('printing', () => {
  test('lines carry the time since the start, colour only when asked for', () => {
    let out = '';
    let now = 1_000;
    const plain = new TimestampedPrinter({ write: (t) => (out += t), color: false, startedAt: 1_000, now: () => now });
    now = 13_340;
    plain.line('evicted team-00/trainer-n1-g3', 'good');
    expect(out).toBe(' +12.3s  evicted team-00/trainer-n1-g3\n');
    out = '';
    new TimestampedPrinter({ write: (t) => (out += t), color: true, startedAt: 0, now: () => 0 }).line('x', 'bad');
    expect(out).toContain('\u001b[31mx\u001b[39m');
    expect(elapsedStamp(-5)).toBe('+0.0s');
  });

  test('colour follows the terminal, NO_COLOR and FORCE_COLOR', () => {
    expect(wantsColor({ isTTY: true }, {})).toBe(true);
    expect(wantsColor({ isTTY: false }, {})).toBe(false);
    expect(wantsColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(wantsColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(wantsColor({ isTTY: true }, { TERM: 'dumb' })).toBe(false);
  });
});
