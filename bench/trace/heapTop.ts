// Prints the allocation sites holding the most live heap in a `--heap-prof` profile (e.g. the one
// bench/scale.ts --heap-prof writes at the controller's exit): self and, per our own frame, inclusive.
//
//   node --import tsx bench/trace/heapTop.ts <file.heapprofile> [top]

import { readFileSync } from 'node:fs';

interface HeapNode {
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly selfSize: number;
  readonly children: readonly HeapNode[];
}

const [path, topArg] = process.argv.slice(2);
if (path === undefined) throw new Error('usage: heapTop.ts <file.heapprofile> [top]');
const top = Number(topArg ?? 20);
const head = (JSON.parse(readFileSync(path, 'utf8')) as { head: HeapNode }).head;
const short = (url: string) => url.replace(/^file:\/\/.*?\/(src|dist|bench|node_modules)\//, '$1/');
const name = (n: HeapNode) =>
  `${n.callFrame.functionName || '(anonymous)'} ${short(n.callFrame.url)}${n.callFrame.url ? `:${n.callFrame.lineNumber + 1}` : ''}`;
const self = new Map<string, number>();
const viaOurs = new Map<string, number>();
let total = 0;
function walk(n: HeapNode, stack: string[]): void {
  total += n.selfSize;
  const key = name(n);
  self.set(key, (self.get(key) ?? 0) + n.selfSize);
  const ours = /\/(src|dist)\//.test(n.callFrame.url) ? key : undefined;
  const next = ours === undefined ? stack : [...stack, ours];
  // Attribute to the innermost frame of ours.
  const inner = next.at(-1) ?? '(no frame of ours)';
  viaOurs.set(inner, (viaOurs.get(inner) ?? 0) + n.selfSize);
  for (const c of n.children) walk(c, next);
}
walk(head, []);
const mb = (b: number) => (b / 2 ** 20).toFixed(1);
console.log(`live sampled heap: ${mb(total)} MB`);
const print = (title: string, m: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top))
    console.log(`  ${mb(v).padStart(7)} MB  ${((100 * v) / total).toFixed(1).padStart(5)} %  ${k}`);
};
print('by allocating frame (self)', self);
print('by innermost frame of ours', viaOurs);
