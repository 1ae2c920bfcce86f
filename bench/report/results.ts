// Reading bench/results/*.json for the report: well-formed result files only, typed access to the raw
// numbers inside them (which are `unknown` JSON), and Markdown tables.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type BenchResult, type Cell, formatCell, type ResultTable } from '../harness.js';

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null;

function isBenchResult(v: unknown): v is BenchResult {
  return isObject(v) && typeof v.name === 'string' && Array.isArray(v.tables) && isObject(v.machine);
}

/** Reads every well-formed result file; malformed ones are reported and skipped. */
export function loadResults(dir: string): Map<string, BenchResult> {
  const out = new Map<string, BenchResult>();
  if (!existsSync(dir)) return out;
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()) {
    const parsed: unknown = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    if (isBenchResult(parsed)) out.set(parsed.name, parsed);
    else console.warn(`skipping ${file}: not a benchmark result`);
  }
  return out;
}

export function markdownTable(columns: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  return [
    `| ${columns.map(esc).join(' | ')} |`,
    `|${columns.map((_, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map((c) => esc(formatCell(c))).join(' | ')} |`),
  ].join('\n');
}

export const renderTable = (t: ResultTable): string => `**${t.title}**\n\n${markdownTable(t.columns, t.rows)}`;

// ---- Typed access to the raw numbers the goals and charts need ---------------------------------------------

export const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
export const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
export const field = (v: unknown, ...path: string[]): unknown => {
  let cur = v;
  for (const key of path) cur = isObject(cur) ? cur[key] : undefined;
  return cur;
};
