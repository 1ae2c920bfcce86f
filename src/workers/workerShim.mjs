// Worker entry used when the runtime itself runs from TypeScript sources (vitest, `tsx` dev runs):
// worker threads do not inherit the parent's loader hooks, so this plain-JS file installs tsx's ESM
// loader in the new thread and then loads the real entry. Compiled builds start
// dist/workers/workerMain.js directly and never load this file.
import { register } from 'tsx/esm/api';

register();
await import('./workerMain.ts');
