// The summary table: aligned columns, latency percentiles, API calls per act, wrongful evictions flagged.

import { describe, expect, test } from 'vitest';
import { formatSummaryTable, formatTable, zeroVerbs } from '../../src/demo/summary.js';

describe('summary', () => {
  test('the summary table aligns columns and flags wrongful evictions', () => {
    expect(
      formatTable(
        ['a', 'n'],
        [
          ['xyz', '5'],
          ['q', '12'],
        ],
        ['l', 'r'],
      ),
    ).toBe('a     n\n---  --\nxyz   5\nq    12');
    const apiCalls = { ...zeroVerbs(), patch: 2, delete: 2, create: 2 };
    const table = formatSummaryTable(
      [
        {
          title: 'act one',
          evictions: [
            { pod: 'a', latencyMs: 10 },
            { pod: 'b', latencyMs: 30 },
          ],
          wrongful: 1,
          apiCalls,
          ok: false,
        },
      ],
      { apiCalls, writesPerEviction: 3, evictions: 2, wrongful: 1, durationMs: 12_345 },
    );
    expect(table).toMatch(/^act one\s+2\s+1\s+10 ms\s+30 ms\s+create 2, patch 2, delete 2\s+FAILED$/m);
    expect(table).toContain('Wrongful evictions: 1 (MUST BE 0)');
    expect(table).toContain('3.0 writes per eviction');
    expect(table).toContain('Finished in 12.3 s');
  });
});
