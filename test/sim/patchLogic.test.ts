import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../src/sim/json.js';
import { jsonPatch, mergePatch } from '../../src/sim/patch.js';
import { kindSchemaName, type TypeNode } from '../../src/sim/schema/index.js';
import { strategicMerge } from '../../src/sim/strategic.js';

const POD: TypeNode = { kind: 'struct', def: kindSchemaName('', 'v1', 'Pod') };

import { matchFields, matchLabels, parseFieldSelector, parseLabelSelector } from '../../src/sim/selectors.js';

describe('patch algorithms', () => {
  it('merge patch (RFC 7386) merges objects, replaces arrays and deletes on null', () => {
    const target: JsonObject = { a: { b: 1, c: [1, 2] }, d: 'x' };
    expect(mergePatch(target, { a: { c: [3], e: true }, d: null })).toEqual({ a: { b: 1, c: [3], e: true } });
    expect(target).toEqual({ a: { b: 1, c: [1, 2] }, d: 'x' });
  });

  it('strategic merge (schema-driven): keyed lists merge by key, $patch: delete removes an element, finalizers merge as a set', () => {
    const pod: JsonObject = {
      metadata: { finalizers: ['a'] },
      spec: {
        containers: [
          { name: 'main', image: 'v1' },
          { name: 'side', image: 's' },
        ],
        tolerations: [{ key: 'x' }],
      },
      status: { conditions: [{ type: 'Ready', status: 'True' }] },
    };
    const out = strategicMerge(
      pod,
      {
        metadata: { finalizers: ['b', 'a'] },
        spec: {
          containers: [
            { name: 'main', image: 'v2' },
            { name: 'side', $patch: 'delete' },
          ],
          tolerations: [{ key: 'y' }],
        },
        status: { conditions: [{ type: 'DisruptionTarget', status: 'True' }] },
      },
      POD,
    );
    expect(out).toEqual({
      metadata: { finalizers: ['a', 'b'] },
      spec: { containers: [{ name: 'main', image: 'v2' }], tolerations: [{ key: 'y' }] },
      status: {
        conditions: [
          { type: 'Ready', status: 'True' },
          { type: 'DisruptionTarget', status: 'True' },
        ],
      },
    });
    expect(
      strategicMerge({ spec: { hostname: 'a', subdomain: 'b' } }, { spec: { $patch: 'replace', nodeName: 'c' } }, POD),
    ).toEqual({ spec: { nodeName: 'c' } });
    expect(
      strategicMerge(
        { metadata: { finalizers: ['a', 'b'] } },
        { metadata: { '$deleteFromPrimitiveList/finalizers': ['a'] } },
        POD,
      ),
    ).toEqual({
      metadata: { finalizers: ['b'] },
    });
  });

  it('json patch (RFC 6902): move, copy, escaped pointers, array indices and failures', () => {
    const doc: JsonObject = { a: { 'x/y': 1, 'm~n': 2 }, list: [1, 2, 3] };
    expect(
      jsonPatch(doc, [
        { op: 'move', from: '/a/x~1y', path: '/moved' },
        { op: 'copy', from: '/a/m~0n', path: '/list/0' },
        { op: 'remove', path: '/list/3' },
        { op: 'replace', path: '/list/1', value: 9 },
      ]),
    ).toEqual({ a: { 'm~n': 2 }, moved: 1, list: [2, 9, 2] });
    expect(doc).toEqual({ a: { 'x/y': 1, 'm~n': 2 }, list: [1, 2, 3] });
    expect(() => jsonPatch(doc, [{ op: 'remove', path: '/nope' }])).toThrow(/missing/);
    expect(() => jsonPatch(doc, [{ op: 'add', path: '/list/7', value: 1 }])).toThrow(/out of range/);
    expect(() => jsonPatch(doc, [{ op: 'replace', path: '/b', value: 1 }])).toThrow(/missing/);
    expect(() => jsonPatch(doc, [{ op: 'frobnicate', path: '/a' }])).toThrow(/unsupported/);
  });
});

describe('selectors', () => {
  it('parses and matches label selectors like kube-apiserver', () => {
    const labels = { app: 'web', tier: 'front' };
    const m = (s: string, l: Record<string, string> | undefined = labels) => matchLabels(parseLabelSelector(s), l);
    expect(m('')).toBe(true);
    expect(m('app=web,tier==front')).toBe(true);
    expect(m('app=db')).toBe(false);
    expect(m('app in (db,web)')).toBe(true);
    expect(m('app notin (db, web)')).toBe(false);
    expect(m('missing!=x')).toBe(true);
    expect(m('tier,!missing')).toBe(true);
    expect(m('!tier')).toBe(false);
    expect(m('app', {})).toBe(false);
    expect(matchLabels(parseLabelSelector('app'), undefined)).toBe(false);
    expect(() => parseLabelSelector('a in (b')).toThrow();
  });

  it('parses field selectors and rejects unsupported fields', () => {
    const fields = { 'metadata.name': 'a', 'spec.nodeName': 'n1' };
    const supported = ['metadata.name', 'spec.nodeName'];
    expect(matchFields(parseFieldSelector('spec.nodeName=n1', supported), fields)).toBe(true);
    expect(matchFields(parseFieldSelector('spec.nodeName!=n1', supported), fields)).toBe(false);
    expect(matchFields(parseFieldSelector('spec.nodeName==n1,metadata.name=b', supported), fields)).toBe(false);
    expect(matchFields(parseFieldSelector('spec.nodeName=', supported), { 'metadata.name': 'a' })).toBe(true);
    expect(() => parseFieldSelector('spec.hostname=x', supported)).toThrow(/not supported/);
  });
});
