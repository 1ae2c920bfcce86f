// `sim` asks for the heap a large cluster needs: Node's default limit (≈ 4 GB) holds 150k pods but
// not a million (measured: 4.5 GB resident at 1M pods and 130k slices).

import { describe, expect, it } from 'vitest';
import { reexecWithHeap, simHeapNeedMb } from '../../src/cli/simHeap.js';

describe('simHeapNeedMb', () => {
  it('fits 150k pods in the default heap and asks more than 4.5 GB for a million', () => {
    expect(simHeapNeedMb(150_000, 2_000, 8)).toBeLessThan(4_000);
    expect(simHeapNeedMb(1_000_000, 130_000, 8)).toBeGreaterThan(4_500);
    expect(simHeapNeedMb(2_000_000, 130_000, 8)).toBeGreaterThan(simHeapNeedMb(1_000_000, 130_000, 8));
  });

  it('does not re-execute when the heap suffices', async () => {
    const lines: string[] = [];
    await expect(reexecWithHeap(64, (l) => lines.push(l))).resolves.toBe(false);
    expect(lines).toEqual([]);
  });
});
