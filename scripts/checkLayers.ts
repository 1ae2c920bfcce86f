// The import rules of src/, checked on every `npm test` (pretest): imports only run downward through
// the layers, and no module imports itself through a cycle. A rule broken here fails the run with the
// offending import named, file and line.
//
//   cli ──▶ demo ──▶ load ──▶ sim ─┐
//                 └─▶ main ─────────┼─▶ workers ──▶ kube ──▶ shared
//
// A folder may import from its own folder and from any folder listed under it in ALLOWED.
//
// It also checks that every package the compiled code loads is a production dependency: the image
// (deploy/Dockerfile) runs `npm prune --omit=dev`, so an import of a devDependency would only fail
// there, at run time. Type-only imports are erased by the compiler and may name any package; the .mjs
// files are dev-only loaders that the build does not emit.

import { builtinModules } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** Which top-level folders of src/ each one may import (besides itself). */
export const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  cli: ['demo', 'load', 'sim', 'main', 'workers', 'kube', 'shared'],
  demo: ['load', 'sim', 'main', 'workers', 'kube', 'shared'],
  load: ['sim', 'main', 'workers', 'kube', 'shared'],
  sim: ['kube', 'shared'],
  main: ['workers', 'kube', 'shared'],
  workers: ['kube', 'shared'],
  kube: ['shared'],
  shared: [],
};

export interface Violation {
  readonly file: string;
  readonly line: number;
  readonly message: string;
}

const IMPORT = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"](\.{1,2}\/[^'"]+)['"]|import\(\s*['"](\.{1,2}\/[^'"]+)['"]\s*\)/g;

/** The line of an import match; the match may start with the whitespace before its keyword. */
const lineOf = (text: string, m: RegExpExecArray): number =>
  text.slice(0, m.index + (m[0].length - m[0].trimStart().length)).split('\n').length;

/** Relative imports of a module's text, with their line numbers. */
export function importsOf(text: string): { spec: string; line: number }[] {
  const found: { spec: string; line: number }[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (spec !== undefined) found.push({ spec, line: lineOf(text, m) });
  }
  return found;
}

const PACKAGE_IMPORT =
  /(?:^|[\s;])(import|export)\s+(type\s)?[^'";]*?from\s*['"]([^'"./][^'"]*)['"]|import\(\s*['"]([^'"./][^'"]*)['"]\s*\)|(?:^|[\s;])import\s*['"]([^'"./][^'"]*)['"]/g;
const BUILTINS = new Set(builtinModules);

/** Packages a module loads at run time (not type-only, not Node's builtins), with their lines. */
export function packagesOf(text: string): { name: string; line: number }[] {
  const found: { name: string; line: number }[] = [];
  for (const m of text.matchAll(PACKAGE_IMPORT)) {
    if (m[2] !== undefined) continue;
    const spec = m[3] ?? m[4] ?? m[5];
    if (spec === undefined || spec.startsWith('node:')) continue;
    const parts = spec.split('/');
    if (BUILTINS.has(parts[0] ?? spec)) continue;
    const name = spec.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] ?? spec);
    found.push({ name, line: lineOf(text, m) });
  }
  return found;
}

/** Imports of packages that are not in `dependencies`, in the TypeScript sources the build compiles. */
export function checkPackages(srcRoot: string, dependencies: ReadonlySet<string>): Violation[] {
  const violations: Violation[] = [];
  for (const file of walk(srcRoot).filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts')))
    for (const { name, line } of packagesOf(readFileSync(file, 'utf8')))
      if (!dependencies.has(name))
        violations.push({
          file: path.relative(srcRoot, file),
          line,
          message: `imports ${name}, which is not in package.json "dependencies" (the image prunes the others)`,
        });
  return violations;
}

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return walk(p);
    return /\.(ts|mjs)$/.test(e.name) ? [p] : [];
  });
}

/** `src/<layer>/…` → layer. */
const layerOf = (srcRoot: string, file: string): string => path.relative(srcRoot, file).split(path.sep)[0] ?? '';

export function checkLayers(srcRoot: string): Violation[] {
  const violations: Violation[] = [];
  const files = walk(srcRoot);
  const known = new Set(files);
  const graph = new Map<string, string[]>();
  for (const file of files) {
    const from = layerOf(srcRoot, file);
    const edges: string[] = [];
    for (const { spec, line } of importsOf(readFileSync(file, 'utf8'))) {
      const target = path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts'));
      if (!known.has(target)) {
        // A .js import of a .mjs file, or a path outside src/ (package.json is read, not imported).
        const alt = path.resolve(path.dirname(file), spec);
        if (known.has(alt)) edges.push(alt);
        continue;
      }
      edges.push(target);
      const to = layerOf(srcRoot, target);
      const rel = path.relative(srcRoot, file);
      if (!(from in ALLOWED)) violations.push({ file: rel, line, message: `unknown layer "${from}"` });
      else if (to !== from && !ALLOWED[from]?.includes(to))
        violations.push({ file: rel, line, message: `${from} must not import ${to} (${spec})` });
    }
    graph.set(file, edges);
  }
  // Cycles: depth-first search with colours; each cycle is reported once, at its first edge.
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (file: string): void => {
    state.set(file, 'open');
    stack.push(file);
    for (const next of graph.get(file) ?? []) {
      const s = state.get(next);
      if (s === 'open') {
        const cycle = [...stack.slice(stack.indexOf(next)), next].map((f) => path.relative(srcRoot, f));
        violations.push({ file: cycle[0] ?? '', line: 0, message: `import cycle: ${cycle.join(' → ')}` });
      } else if (s === undefined) visit(next);
    }
    stack.pop();
    state.set(file, 'done');
  };
  for (const file of files) if (!state.has(file)) visit(file);
  return violations;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const srcRoot = path.resolve(process.argv[2] ?? 'src');
  const manifest = JSON.parse(readFileSync(path.join(srcRoot, '..', 'package.json'), 'utf8')) as {
    dependencies?: Record<string, string>;
  };
  const violations = [
    ...checkLayers(srcRoot),
    ...checkPackages(srcRoot, new Set(Object.keys(manifest.dependencies ?? {}))),
  ];
  for (const v of violations) process.stderr.write(`${v.file}${v.line > 0 ? `:${v.line}` : ''}: ${v.message}\n`);
  if (violations.length > 0) {
    process.stderr.write(`checkLayers: ${violations.length} violation(s)\n`);
    process.exit(1);
  }
  process.stdout.write('checkLayers: imports run downward, no cycles, only production dependencies loaded\n');
}
