// The engine's rule cache: a missing timeAdded stamped and kept while the taint stays the same, the
// evicting set (NoExecute only) with the selectors a change touches, and the select-everything warning
// logged once per rule generation.

import { describe, expect, it } from 'vitest';
import { KnownRules } from '../../../src/main/engine/knownRules.js';
import { RecordingLogger } from '../../../src/shared/logger.js';
import { ruleReason } from '../../../src/shared/reasons.js';
import { deviceTaint, ruleRecord } from '../../support/records.js';

const rule = (effect: string, extra = {}) =>
  ruleRecord({ name: 'r', uid: 'r-uid', selector: { driver: 'd' }, taint: deviceTaint({ effect }), ...extra });

describe('KnownRules', () => {
  it('stamps a missing timeAdded with now, and keeps the earlier stamp for the same taint', () => {
    const rules = new KnownRules(new RecordingLogger());
    const first = rules.store(rule('NoExecute'), null, 100);
    expect(first.taint.timeAdded).toBe(100);
    expect(rules.store(rule('NoExecute', { resourceVersion: '2' }), first, 200).taint.timeAdded).toBe(100);
    expect(rules.get('r')?.resourceVersion).toBe('2');
    rules.remove('r');
    expect(rules.get('r')).toBeUndefined();
  });

  it('keeps only NoExecute rules evicting, and returns the selectors a change touches', () => {
    const rules = new KnownRules(new RecordingLogger());
    const none = rule('None');
    const evicting = rule('NoExecute', { selector: { driver: 'd', pool: 'p' } });
    expect(rules.replaceEvicting(null, none)).toEqual([]);
    expect(rules.evicting).toEqual([]);
    expect(rules.replaceEvicting(none, evicting)).toEqual([{ driver: 'd', pool: 'p' }]);
    expect(rules.evicting).toEqual([{ rule: evicting, reason: ruleReason('r', 'r-uid') }]);
    // A late removal of an older incarnation leaves the current one evicting.
    rules.replaceEvicting({ ...evicting, uid: 'old-uid' }, null);
    expect(rules.evicting).toHaveLength(1);
    expect(rules.replaceEvicting(evicting, null)).toEqual([{ driver: 'd', pool: 'p' }]);
    expect(rules.evicting).toEqual([]);
  });

  it('warns once per generation about an empty selector, never about an absent one', () => {
    const log = new RecordingLogger();
    const rules = new KnownRules(log);
    const everything = rule('NoExecute', { selector: {} });
    rules.warnIfSelectsEverything(everything);
    rules.warnIfSelectsEverything(everything);
    rules.warnIfSelectsEverything({ ...everything, generation: 2 });
    rules.warnIfSelectsEverything(rule('NoExecute', { selector: null }));
    expect(log.lines.filter((l) => l.level === 'warn').map((l) => l.fields.generation)).toEqual([1, 2]);
  });
});
