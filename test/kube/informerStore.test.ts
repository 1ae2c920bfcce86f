// The informer's store and dispatch: a relist emits adds and updates (in list order) before deletions,
// inside one burst; the same resourceVersion twice is one object; late handlers get the store replayed;
// a throwing handler is counted and the others still run.

import { describe, expect, it } from 'vitest';
import { InformerStore } from '../../src/kube/informerStore.js';
import { RecordMap } from '../../src/kube/recordMap.js';
import { RecordingLogger } from '../../src/shared/logger.js';
import type { PodRecord } from '../../src/shared/types.js';
import { podRecord } from '../support/records.js';

function store() {
  const events: string[] = [];
  let handlerErrors = 0;
  const log = new RecordingLogger();
  const s = new InformerStore<PodRecord>('v1/pods', log, () => handlerErrors++);
  s.setBurstHooks({ begin: () => events.push('begin'), end: () => events.push('end') });
  s.addEventHandler(
    {
      added: (p) => events.push(`added ${p.name}@${p.resourceVersion}`),
      updated: (o, c) => events.push(`updated ${o.name}@${o.resourceVersion}→${c.resourceVersion}`),
      deleted: (p) => events.push(`deleted ${p.name}`),
    },
    false,
  );
  return { s, events, log, errors: () => handlerErrors };
}

const pod = (name: string, rv = '1') => podRecord({ name, resourceVersion: rv });
const listOf = (...pods: PodRecord[]) => new Map(pods.map((p) => [`${p.namespace}/${p.name}`, p]));

describe('InformerStore', () => {
  it('replaces the store as one burst: listed objects first, deletions after, unchanged ones silent', () => {
    const { s, events } = store();
    s.replace(listOf(pod('a'), pod('b')));
    events.length = 0;
    s.replace(listOf(pod('c'), pod('a', '2'), pod('b')));
    expect(events).toEqual(['begin', 'added c@1', 'updated a@1→2', 'end']);
    events.length = 0;
    s.replace(listOf(pod('c')));
    expect(events).toEqual(['begin', 'deleted a', 'deleted b', 'end']);
    expect([...s.records.keys()]).toEqual(['default/c']);
  });

  it('replaceInSlices: the same events in the same single burst, spread over turns', async () => {
    const sliced = store();
    const whole = store();
    const first = Array.from({ length: 300 }, (_, i) => pod(`p${String(i).padStart(3, '0')}`));
    const second = [...first.slice(100).map((p, i) => (i % 2 === 0 ? pod(p.name, '2') : p)), pod('q')];
    let turns = 0;
    const slicing = {
      sliceMs: 0,
      yieldTurn: async () => {
        turns++;
        await new Promise<void>((resolve) => setImmediate(resolve));
      },
    };
    for (const list of [first, second]) {
      whole.s.replace(listOf(...list));
      await sliced.s.replaceInSlices(RecordMap.of(list), slicing);
    }
    expect(sliced.events).toEqual(whole.events);
    expect(sliced.events.filter((e) => e === 'begin')).toHaveLength(2);
    expect(turns).toBeGreaterThan(2);
    expect([...sliced.s.records.keys()]).toEqual([...whole.s.records.keys()]);
  });

  it('applies watch upserts and deletes, ignoring a replayed resourceVersion', () => {
    const { s, events } = store();
    s.upsert(pod('a'));
    s.upsert(pod('a'));
    s.upsert(pod('a', '2'));
    s.delete('default/a');
    s.delete('default/a');
    expect(events).toEqual(['added a@1', 'updated a@1→2', 'deleted a']);
    expect(s.records.size).toBe(0);
  });

  it('replays the store to a late handler when asked', () => {
    const { s } = store();
    s.upsert(pod('a'));
    s.upsert(pod('b'));
    const seen: string[] = [];
    s.addEventHandler({ added: (p) => seen.push(p.name) }, true);
    s.addEventHandler({ added: (p) => seen.push(`late ${p.name}`) }, false);
    expect(seen).toEqual(['a', 'b']);
    expect(s.records.get('default/b')?.name).toBe('b');
  });

  it('counts and logs a throwing handler without starving the others', () => {
    const { s, events, log, errors } = store();
    s.addEventHandler(
      {
        added: () => {
          throw new Error('boom');
        },
      },
      false,
    );
    s.addEventHandler({ added: (p) => events.push(`third ${p.name}`) }, false);
    s.upsert(pod('a'));
    expect(events).toEqual(['added a@1', 'third a']);
    expect(errors()).toBe(1);
    expect(log.lines.some((l) => l.level === 'error' && l.fields.handler === 'added')).toBe(true);
  });
});
