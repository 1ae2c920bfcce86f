// A small SVG chart writer for bench/REPORT.md: grouped bar charts, line charts (several series, optional
// log x axis) and CDFs. Self-contained markup with no scripts or external fonts, so GitHub renders it
// and no chart service is involved.

export interface Series {
  readonly name: string;
  readonly points: readonly { readonly x: number; readonly y: number }[];
}

export interface BarGroup {
  readonly label: string;
  /** One value per series name, in `seriesNames` order. */
  readonly values: readonly number[];
}

const WIDTH = 640;
const HEIGHT = 360;
const MARGIN = { top: 40, right: 20, bottom: 56, left: 72 };
const PLOT_W = WIDTH - MARGIN.left - MARGIN.right;
const PLOT_H = HEIGHT - MARGIN.top - MARGIN.bottom;
const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#e15759', '#76b7b2', '#edc948', '#b07aa1'];

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** 1, 2, 5 × 10^k ticks covering [0, max]. */
export function niceTicks(max: number, count = 5): number[] {
  if (!(max > 0)) return [0, 1];
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = 0; v <= max + step * 1e-9; v += step) ticks.push(Number(v.toPrecision(12)));
  if (ticks[ticks.length - 1]! < max) ticks.push(Number((ticks[ticks.length - 1]! + step).toPrecision(12)));
  return ticks;
}

export function formatTick(v: number): string {
  const abs = Math.abs(v);
  if (abs >= 1e6) return `${Number((v / 1e6).toPrecision(3))}M`;
  if (abs >= 1e3) return `${Number((v / 1e3).toPrecision(3))}k`;
  return String(Number(v.toPrecision(3)));
}

function frame(title: string, xLabel: string, yLabel: string, body: string[]): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="Helvetica, Arial, sans-serif" font-size="12">`,
    `<rect width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${WIDTH / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
    ...body,
    `<text x="${MARGIN.left + PLOT_W / 2}" y="${HEIGHT - 12}" text-anchor="middle">${escapeXml(xLabel)}</text>`,
    `<text transform="translate(16 ${MARGIN.top + PLOT_H / 2}) rotate(-90)" text-anchor="middle">${escapeXml(yLabel)}</text>`,
    '</svg>',
    '',
  ].join('\n');
}

function yAxis(ticks: readonly number[], yMax: number): string[] {
  const out: string[] = [];
  for (const t of ticks) {
    const y = MARGIN.top + PLOT_H - (t / yMax) * PLOT_H;
    out.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#e0e0e0"/>`,
      `<text x="${MARGIN.left - 6}" y="${(y + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`,
    );
  }
  out.push(
    `<line x1="${MARGIN.left}" x2="${MARGIN.left}" y1="${MARGIN.top}" y2="${MARGIN.top + PLOT_H}" stroke="#333"/>`,
    `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${MARGIN.top + PLOT_H}" y2="${MARGIN.top + PLOT_H}" stroke="#333"/>`,
  );
  return out;
}

function legend(names: readonly string[]): string[] {
  return names.map((name, i) => {
    const x = MARGIN.left + 10;
    const y = MARGIN.top + 10 + i * 16;
    return `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${COLORS[i % COLORS.length]}"/><text x="${x + 14}" y="${y}">${escapeXml(name)}</text>`;
  });
}

/** Grouped bars: one group per label, one bar per series; an optional dashed reference line (e.g. a goal). */
export function barChart(opts: {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly seriesNames: readonly string[];
  readonly groups: readonly BarGroup[];
  readonly reference?: { readonly value: number; readonly label: string };
}): string {
  const max = Math.max(...opts.groups.flatMap((g) => g.values), opts.reference?.value ?? 0);
  const ticks = niceTicks(max);
  const yMax = ticks[ticks.length - 1]!;
  const body = yAxis(ticks, yMax);
  const groupW = PLOT_W / Math.max(1, opts.groups.length);
  const barW = (groupW * 0.7) / Math.max(1, opts.seriesNames.length);
  opts.groups.forEach((g, gi) => {
    const x0 = MARGIN.left + gi * groupW + groupW * 0.15;
    g.values.forEach((v, si) => {
      const h = (v / yMax) * PLOT_H;
      const x = x0 + si * barW;
      const y = MARGIN.top + PLOT_H - h;
      body.push(
        `<rect x="${x.toFixed(1)}" y="${y.toFixed(1)}" width="${(barW - 2).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLORS[si % COLORS.length]}"><title>${escapeXml(`${g.label} ${opts.seriesNames[si] ?? ''}: ${v}`)}</title></rect>`,
        `<text x="${(x + barW / 2).toFixed(1)}" y="${(y - 4).toFixed(1)}" text-anchor="middle" font-size="10">${formatTick(v)}</text>`,
      );
    });
    body.push(
      `<text x="${(MARGIN.left + gi * groupW + groupW / 2).toFixed(1)}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle">${escapeXml(g.label)}</text>`,
    );
  });
  if (opts.reference !== undefined) {
    const y = MARGIN.top + PLOT_H - (opts.reference.value / yMax) * PLOT_H;
    body.push(
      `<line x1="${MARGIN.left}" x2="${MARGIN.left + PLOT_W}" y1="${y.toFixed(1)}" y2="${y.toFixed(1)}" stroke="#c00" stroke-dasharray="6 4"/>`,
      `<text x="${MARGIN.left + PLOT_W - 4}" y="${(y - 5).toFixed(1)}" text-anchor="end" fill="#c00">${escapeXml(opts.reference.label)}</text>`,
    );
  }
  if (opts.seriesNames.length > 1) body.push(...legend(opts.seriesNames));
  return frame(opts.title, opts.xLabel, opts.yLabel, body);
}

/** Lines with point markers; `logX` for axes spanning decades (latency percentiles, sizes). */
export function lineChart(opts: {
  readonly title: string;
  readonly xLabel: string;
  readonly yLabel: string;
  readonly series: readonly Series[];
  readonly logX?: boolean;
  readonly xMin?: number;
}): string {
  const all = opts.series.flatMap((s) => s.points);
  const ticks = niceTicks(Math.max(...all.map((p) => p.y)));
  const yMax = ticks[ticks.length - 1]!;
  const xs = all.map((p) => p.x);
  const logX = opts.logX === true;
  const lo = logX ? Math.max(1e-3, Math.min(...xs.filter((x) => x > 0))) : (opts.xMin ?? 0);
  const xTicks = logX
    ? (() => {
        const out: number[] = [];
        for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(Math.max(...xs))); e++) out.push(10 ** e);
        return out;
      })()
    : niceTicks(Math.max(...xs));
  const xLo = logX ? xTicks[0]! : lo;
  const xHi = xTicks[xTicks.length - 1]!;
  const sx = (x: number): number => {
    const f = logX
      ? (Math.log10(Math.max(x, xLo)) - Math.log10(xLo)) / (Math.log10(xHi) - Math.log10(xLo) || 1)
      : (x - xLo) / (xHi - xLo || 1);
    return MARGIN.left + f * PLOT_W;
  };
  const sy = (y: number): number => MARGIN.top + PLOT_H - (y / yMax) * PLOT_H;
  const body = yAxis(ticks, yMax);
  for (const t of xTicks)
    body.push(
      `<text x="${sx(t).toFixed(1)}" y="${MARGIN.top + PLOT_H + 18}" text-anchor="middle">${formatTick(t)}</text>`,
    );
  opts.series.forEach((s, i) => {
    const color = COLORS[i % COLORS.length]!;
    const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    body.push(`<polyline points="${pts}" fill="none" stroke="${color}" stroke-width="2"/>`);
    if (s.points.length <= 20)
      for (const p of s.points)
        body.push(`<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="${color}"/>`);
  });
  if (opts.series.length > 1) body.push(...legend(opts.series.map((s) => s.name)));
  return frame(opts.title, opts.xLabel, opts.yLabel, body);
}

/** Cumulative distribution: latency (x, log scale) against the share of evictions at or below it. */
export function cdfChart(opts: {
  readonly title: string;
  readonly xLabel: string;
  readonly series: readonly {
    readonly name: string;
    readonly points: readonly { readonly percentile: number; readonly ms: number }[];
  }[];
}): string {
  return lineChart({
    title: opts.title,
    xLabel: opts.xLabel,
    yLabel: 'share of evictions (%)',
    logX: true,
    series: opts.series.map((s) => ({ name: s.name, points: s.points.map((p) => ({ x: p.ms, y: p.percentile })) })),
  });
}
