// Item-by-item decoding must be indistinguishable from parsing the page whole: the same records, the
// same malformed items, the same failures (notJson, notList), for well-formed lists and for every
// kind of odd or broken body.

import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { scanList } from '../../../src/kube/pageDecode/listScanner.js';
import { decodeListPage, decodeWhole } from '../../../src/kube/pageDecode/pageDecoder.js';
import { projectPod } from '../../../src/shared/projection/pod.js';

const enc = new TextEncoder();
const same = (text: string) => {
  const bytes = enc.encode(text);
  expect(decodeListPage(bytes, projectPod)).toEqual(decodeWhole(bytes, projectPod));
};

const pod = (i: number, extra: Record<string, unknown> = {}) => ({
  metadata: { name: `p-${i}`, namespace: 'ns', uid: `u-${i}`, resourceVersion: String(i) },
  spec: { nodeName: 'n{"]}', resourceClaims: [{ name: 'gpu', resourceClaimName: `c-\\"${i}` }] },
  ...extra,
});

describe('item-by-item list decoding', () => {
  it('finds the items of a list, wherever the members are and however spaced', () => {
    const body = ` \n{ "kind" : "PodList", "items" : [ ${JSON.stringify(pod(1))} ,\t${JSON.stringify(pod(2))} ], "metadata":{"resourceVersion":"9"} }\r\n`;
    const scanned = scanList(enc.encode(body));
    expect(scanned?.items).toHaveLength(2);
    expect([...(scanned?.members.keys() ?? [])]).toEqual(['kind', 'metadata']);
    same(body);
    const page = decodeListPage(enc.encode(body), projectPod);
    expect(page.ok && page.items.map((p) => p.name)).toEqual(['p-1', 'p-2']);
  });

  it.each([
    ['empty items', '{"metadata":{},"items":[]}'],
    ['null items', '{"metadata":{"continue":"x"},"items":null}'],
    ['no items', '{"metadata":{}}'],
    ['items not an array', '{"metadata":{},"items":{"a":1}}'],
    ['no metadata', `{"items":[${JSON.stringify(pod(1))}]}`],
    ['metadata not an object', `{"metadata":[],"items":[]}`],
    ['empty object', '{}'],
    ['an array', '[1,2]'],
    ['a string', '"x"'],
    ['empty body', ''],
    ['truncated', `{"metadata":{},"items":[${JSON.stringify(pod(1)).slice(0, 30)}`],
    ['trailing comma', `{"metadata":{},"items":[${JSON.stringify(pod(1))},]}`],
    ['missing comma', `{"metadata":{},"items":[${JSON.stringify(pod(1))} ${JSON.stringify(pod(2))}]}`],
    ['garbage after', '{"metadata":{},"items":[]} x'],
    ['bad scalar in an unused member', '{"kind":tru,"metadata":{},"items":[]}'],
    ['bad item', '{"metadata":{},"items":[{"a":}]}'],
    ['mismatched brackets in an item', '{"metadata":{},"items":[{"a":[}]]}'],
    ['duplicate items', `{"metadata":{},"items":[],"items":[${JSON.stringify(pod(1))}]}`],
    ['duplicate metadata', '{"metadata":{"continue":"a"},"items":[],"metadata":{"continue":"b"}}'],
    ['scalar items', '{"metadata":{},"items":[1,"x",null,true]}'],
    ['escaped key', '{"met\\u0061data":{"resourceVersion":"3"},"items":[]}'],
    ['unicode', `{"metadata":{},"items":[${JSON.stringify(pod(1, { x: 'ünï€😀' }))}]}`],
  ])('%s', (_name, body) => same(body));

  it('agrees with a whole parse on arbitrary JSON and on truncated or spliced list bodies', () => {
    const list = (items: unknown[]) => JSON.stringify({ kind: 'PodList', metadata: { resourceVersion: '1' }, items });
    fc.assert(
      fc.property(
        fc.array(
          fc.oneof(
            fc.json(),
            fc.integer({ min: 0, max: 99 }).map((i) => JSON.stringify(pod(i))),
          ),
          {
            maxLength: 5,
          },
        ),
        fc.nat(),
        fc.nat(),
        (parts, cut, at) => {
          const items = parts.map((p) => JSON.parse(p) as unknown);
          const whole = list(items);
          same(whole);
          same(whole.slice(0, cut % (whole.length + 1)));
          const i = at % (whole.length + 1);
          same(`${whole.slice(0, i)}${parts[0] ?? ','}${whole.slice(i)}`);
        },
      ),
      { numRuns: 400 },
    );
  });
});
