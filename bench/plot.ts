// SPDX-License-Identifier: Apache-2.0
/**
 * @module bench/plot
 * Plot a `bench:fabric --out FILE.json` result to `FILE.svg` beside it: readings/s (log scale)
 * against readings per transaction, one line per engine (femeter contract) and the key-value
 * baseline chaincode of the same run drawn dashed, axes labelled. No plotting dependency: the SVG is
 * written as text.
 *
 * Usage: node dist/bench/plot.js bench-results/fabric-baseline.json [more.json …]
 * {@link linePlot} is shared with the other benches (bench/readings.ts `--plot`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';

interface Point {
    readonly perTx: number;
    readonly readingsPerSecond: number;
    /** Meters (clients) of the cell: a line per count when a run has several (`--batch-meters`). */
    readonly clients?: number;
}
interface Result {
    readonly engine: string;
    readonly batched: readonly Point[];
    readonly baseline?: { readonly batched: readonly Point[] };
}

/** One line of a {@link linePlot}: points (x, y), drawn dashed for a baseline. */
export interface PlotSeries {
    readonly label: string;
    readonly points: readonly { readonly x: number; readonly y: number }[];
    readonly dashed: boolean;
    readonly colour: string;
}

/** Plot area width; the canvas is as wide as the area plus the margins (the legend's labels). */
const AREA = 390;
const H = 400;
const MARGIN = { left: 70, right: 180, top: 40, bottom: 50 };
export const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/**
 * An SVG line plot, x on a log scale; y on a log scale (`logY`, decades) or linear from 0, with an
 * optional horizontal target line. Axes labelled, each point annotated with its value.
 */
export function linePlot(o: {
    readonly title: string;
    readonly xLabel: string;
    readonly yLabel: string;
    readonly series: readonly PlotSeries[];
    readonly logY: boolean;
    readonly target?: { readonly y: number; readonly label: string };
}): string {
    const all = o.series.flatMap((s) => s.points);
    if (all.length === 0) throw new Error(`${o.title}: nothing to plot`);
    // the legend sits right of the area: room for its longest label (~6.5 px a character at 12 px)
    const legend = Math.max(0, ...o.series.map((s) => s.label.length));
    const M = { ...MARGIN, right: Math.max(MARGIN.right, 48 + Math.ceil(legend * 6.5)) };
    const W = M.left + AREA + M.right;
    const xs = all.map((p) => p.x);
    const ys = [...all.map((p) => p.y), ...(o.target ? [o.target.y] : [])];
    const lx = (v: number): number => Math.log10(v);
    const [x0, x1] = [lx(Math.min(...xs)) - 0.1, lx(Math.max(...xs)) + 0.1];
    const fy = o.logY ? lx : (v: number): number => v;
    const [y0, y1] = o.logY
        ? [Math.floor(lx(Math.min(...ys))), Math.ceil(lx(Math.max(...ys)))]
        : [0, Math.max(...ys) * 1.1];
    const px = (v: number): number => M.left + ((lx(v) - x0) / (x1 - x0)) * (W - M.left - M.right);
    const py = (v: number): number =>
        H - M.bottom - ((fy(v) - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
        `<rect width="${W}" height="${H}" fill="white"/>`,
        `<text x="${M.left}" y="20" font-size="14">${esc(o.title)}</text>`,
        `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
        `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
        `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">${esc(o.xLabel)}</text>`,
        `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${esc(o.yLabel)}</text>`,
    ];
    for (const x of [...new Set(xs)].sort((a, b) => a - b))
        out.push(
            `<text x="${px(x)}" y="${H - M.bottom + 16}" text-anchor="middle">${x}</text>`,
            `<line x1="${px(x)}" y1="${H - M.bottom}" x2="${px(x)}" y2="${H - M.bottom + 4}" stroke="black"/>`,
        );
    const ticks: number[] = [];
    if (o.logY) for (let e = y0; e <= y1; e++) ticks.push(10 ** e);
    else {
        const step = 10 ** Math.floor(Math.log10(y1 / 2 || 1));
        for (let v = 0; v <= y1; v += step) ticks.push(v);
    }
    for (const t of ticks)
        out.push(
            `<text x="${M.left - 6}" y="${py(t) + 4}" text-anchor="end">${t.toLocaleString('en')}</text>`,
            `<line x1="${M.left}" y1="${py(t)}" x2="${W - M.right}" y2="${py(t)}" stroke="#ddd"/>`,
        );
    if (o.target)
        out.push(
            `<line x1="${M.left}" y1="${py(o.target.y)}" x2="${W - M.right}" y2="${py(o.target.y)}" stroke="#2ca02c" stroke-dasharray="2 3"/>`,
            `<text x="${W - M.right - 4}" y="${py(o.target.y) - 4}" text-anchor="end" font-size="10" fill="#2ca02c">${esc(o.target.label)}</text>`,
        );
    for (const [i, s] of o.series.entries()) {
        const pts = [...s.points].sort((a, b) => a.x - b.x);
        out.push(
            `<polyline fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`,
        );
        for (const p of pts)
            out.push(
                `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3" fill="${s.colour}"/>`,
                `<text x="${(px(p.x) + 5).toFixed(1)}" y="${(py(p.y) - 5).toFixed(1)}" font-size="10">${Math.round(p.y)}</text>`,
            );
        const ly = M.top + 10 + i * 18;
        out.push(
            `<line x1="${W - M.right + 10}" y1="${ly}" x2="${W - M.right + 34}" y2="${ly}" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''}/>`,
            `<text x="${W - M.right + 38}" y="${ly + 4}">${esc(s.label)}</text>`,
        );
    }
    out.push('</svg>');
    return out.join('\n') + '\n';
}

function plot(file: string): string {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
        date: string;
        machine: { cores: number; cpu?: string };
        results: readonly Result[];
    };
    const series: PlotSeries[] = [];
    const xy = (ps: readonly Point[], m: number | undefined): { x: number; y: number }[] =>
        ps
            .filter((p) => (p.clients ?? m) === m)
            .map((p) => ({ x: p.perTx, y: p.readingsPerSecond }));
    let i = 0;
    for (const r of doc.results) {
        const counts = [...new Set(r.batched.map((p) => p.clients))];
        for (const m of counts) {
            const colour = COLOURS[i++ % COLOURS.length] ?? '#000';
            const of = counts.length > 1 ? `, ${m} meters` : '';
            series.push({
                label: `femeter, ${r.engine}${of}`,
                points: xy(r.batched, m),
                dashed: false,
                colour,
            });
            if (r.baseline)
                series.push({
                    label: `key-value baseline, ${r.engine}${of}`,
                    points: xy(r.baseline.batched, m),
                    dashed: true,
                    colour,
                });
        }
    }
    return linePlot({
        title: `bench:fabric, ${doc.date.slice(0, 16)}, ${doc.machine.cores} cores`,
        xLabel: 'readings (records) per transaction (log)',
        yLabel: 'readings/s committed (log)',
        series,
        logY: true,
    });
}

function main(): void {
    const files = process.argv.slice(2);
    if (files.length === 0) {
        console.error('usage: node dist/bench/plot.js RESULT.json [...]');
        process.exitCode = 2;
    }
    for (const f of files) {
        const svg = f.replace(/\.json$/, '') + '.svg';
        writeFileSync(svg, plot(f));
        console.log(`${f} -> ${svg}`);
    }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
    main();
