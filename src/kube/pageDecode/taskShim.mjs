// piscina task file used when the pool is started from TypeScript sources (vitest, `tsx` runs): pool
// threads do not inherit the parent's loader hooks, so this installs tsx's ESM loader first and then
// re-exports the real task. Compiled builds point piscina at dist/kube/pageDecode/task.js instead.
import { register } from 'tsx/esm/api';

register();
const task = await import('./task.ts');

export default task.default;
