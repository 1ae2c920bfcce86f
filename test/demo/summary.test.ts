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
      {
        apiCalls,
        writesPerEviction: 3,
        cancellationEvents: 0,
        breakerEvents: 0,
        breakerRecordReads: 0,
        breakerRecordWrites: 0,
        evictions: 2,
        wrongful: 1,
        durationMs: 12_345,
      },
    );
    expect(table).toMatch(/^act one\s+2\s+1\s+10 ms\s+30 ms\s+create 2, patch 2, delete 2\s+FAILED$/m);
    expect(table).toContain('Wrongful evictions: 1 (MUST BE 0)');
    expect(table).toContain('3.0 writes per eviction (status patch + event + delete; upstream: 4 calls with a GET)\n');
    expect(table).not.toContain('breaker');
    expect(table).toContain('Finished in 12.3 s');
  });

  test('accounts for the breaker: the writes that are not evictions, its record, and act 5 in numbers', () => {
    const apiCalls = { ...zeroVerbs(), get: 15, patch: 4 };
    const table = formatSummaryTable(
      [],
      {
        apiCalls,
        writesPerEviction: 3,
        cancellationEvents: 7,
        breakerEvents: 2,
        breakerRecordReads: 15,
        breakerRecordWrites: 3,
        evictions: 9,
        wrongful: 0,
        durationMs: 30_000,
      },
      {
        limit: 8,
        windowMinutes: 10,
        usedBefore: 5,
        evictedBeforeOpen: 3,
        heldAtOpen: 8,
        cancelledByRuleDelete: 7,
        releasedByReset: 1,
      },
    );
    expect(table).toContain(
      '3.0 writes per eviction (status patch + event + delete; upstream: 4 calls with a GET); ' +
        'besides: 7 "Cancelling deletion" events, 2 EvictionBreakerOpen events',
    );
    expect(table).toContain("The breaker's record (a ConfigMap): 15 reads (every 2 s, in the get column), 3 writes");
    expect(table).toContain(
      'The breaker: 8 evictions allowed in 10 min, 5 used by acts 1–4; the runaway rule got 3, then it opened ' +
        'holding 8; deleting the rule cancelled 7, the reset released 1',
    );
  });
});
