// The layer check that `npm test` runs before the suite: it must catch an upward import, a cycle and a
// devDependency loaded at run time, name where they are, and accept the real src/.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { checkLayers, checkPackages, importsOf, packagesOf } from '../../scripts/checkLayers.js';

let root: string | null = null;
afterEach(() => {
  if (root !== null) rmSync(root, { recursive: true, force: true });
  root = null;
});

function tree(files: Record<string, string>): string {
  root = mkdtempSync(path.join(tmpdir(), 'layers-'));
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), text);
  }
  return root;
}

describe('checkLayers', () => {
  it('reads static, type-only, re-export and dynamic imports with their lines', () => {
    const text = [
      "import { a } from './a.js';",
      "import type { B } from '../b.js';",
      "export { c } from './c.js';",
      "const d = await import('./d.js');",
      "import fs from 'node:fs';",
    ].join('\n');
    expect(importsOf(text)).toEqual([
      { spec: './a.js', line: 1 },
      { spec: '../b.js', line: 2 },
      { spec: './c.js', line: 3 },
      { spec: './d.js', line: 4 },
    ]);
  });

  it('flags an import that runs upward, with file and line', () => {
    const src = tree({
      'shared/types.ts': 'export type X = 1;\n',
      'workers/queue.ts': "import type { X } from '../shared/types.js';\nimport { log } from '../main/log.js';\n",
      'main/log.ts': 'export const log = 1;\n',
    });
    expect(checkLayers(src)).toEqual([
      { file: path.join('workers', 'queue.ts'), line: 2, message: 'workers must not import main (../main/log.js)' },
    ]);
  });

  it('flags a cycle, even between files of one layer', () => {
    const src = tree({
      'main/a.ts': "import { b } from './b.js';\nexport const a = 1;\n",
      'main/b.ts': "import { a } from './a.js';\nexport const b = 2;\n",
    });
    const found = checkLayers(src);
    expect(found).toHaveLength(1);
    expect(found[0]?.message).toMatch(/^import cycle: main\/a\.ts → main\/b\.ts → main\/a\.ts$/);
  });

  it('accepts the real src/', () => {
    expect(checkLayers(fileURLToPath(new URL('../../src', import.meta.url)))).toEqual([]);
  });
});

describe('checkPackages', () => {
  it('reads the packages a module loads at run time, not type-only imports or builtins', () => {
    const text = [
      "import { Piscina } from 'piscina';",
      "import type { Dispatcher } from 'undici';",
      "import { type Logger, pino } from 'pino';",
      "export { z } from 'zod';",
      "const k8s = await import('@kubernetes/client-node/dist/config.js');",
      "import 'side-effect-pkg';",
      "import fs from 'node:fs';",
      "import path from 'path';",
      "import { a } from './a.js';",
    ].join('\n');
    expect(packagesOf(text)).toEqual([
      { name: 'piscina', line: 1 },
      { name: 'pino', line: 3 },
      { name: 'zod', line: 4 },
      { name: '@kubernetes/client-node', line: 5 },
      { name: 'side-effect-pkg', line: 6 },
    ]);
  });

  it('flags a package that the image would not have, with file and line', () => {
    const src = tree({
      'main/a.ts': "import { x } from 'prod-pkg';\nimport { y } from 'dev-only';\n",
      'workers/shim.mjs': "import { register } from 'dev-only';\n",
    });
    expect(checkPackages(src, new Set(['prod-pkg']))).toEqual([
      {
        file: path.join('main', 'a.ts'),
        line: 2,
        message: 'imports dev-only, which is not in package.json "dependencies" (the image prunes the others)',
      },
    ]);
  });

  it('accepts the real src/ against the real package.json', () => {
    const manifest = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      dependencies: Record<string, string>;
    };
    const src = fileURLToPath(new URL('../../src', import.meta.url));
    expect(checkPackages(src, new Set(Object.keys(manifest.dependencies)))).toEqual([]);
    // And the check has something to check: without the dependencies, every package import is flagged.
    expect(checkPackages(src, new Set()).length).toBeGreaterThan(10);
  });
});
