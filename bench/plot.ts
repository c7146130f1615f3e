// SPDX-License-Identifier: Apache-2.0
/**
 * @module bench/plot
 * Plot a `bench:fabric --out FILE.json` result to `FILE.svg` beside it: readings/s (log scale)
 * against readings per transaction, one line per engine (femeter contract) and the key-value
 * baseline chaincode of the same run drawn dashed, axes labelled. No plotting dependency: the SVG is
 * written as text.
 *
 * Usage: node dist/bench/plot.js bench-results/fabric-baseline.json [more.json …]
 */
import { readFileSync, writeFileSync } from 'node:fs';

interface Point {
    readonly perTx: number;
    readonly readingsPerSecond: number;
}
interface Result {
    readonly engine: string;
    readonly batched: readonly Point[];
    readonly baseline?: { readonly batched: readonly Point[] };
}
interface Series {
    readonly label: string;
    readonly points: readonly Point[];
    readonly dashed: boolean;
    readonly colour: string;
}

const W = 640;
const H = 400;
const M = { left: 70, right: 180, top: 40, bottom: 50 };
const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd'];
const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

function plot(file: string): string {
    const doc = JSON.parse(readFileSync(file, 'utf8')) as {
        date: string;
        machine: { cores: number; cpu?: string };
        results: readonly Result[];
    };
    const series: Series[] = [];
    for (const [i, r] of doc.results.entries()) {
        const colour = COLOURS[i % COLOURS.length] ?? '#000';
        series.push({ label: `femeter, ${r.engine}`, points: r.batched, dashed: false, colour });
        if (r.baseline)
            series.push({
                label: `key-value baseline, ${r.engine}`,
                points: r.baseline.batched,
                dashed: true,
                colour,
            });
    }
    const all = series.flatMap((s) => s.points);
    if (all.length === 0) throw new Error(`${file}: no batched figures to plot`);
    const xs = all.map((p) => p.perTx);
    const ys = all.map((p) => p.readingsPerSecond);
    const lx = (v: number): number => Math.log10(v);
    const [x0, x1] = [lx(Math.min(...xs)) - 0.1, lx(Math.max(...xs)) + 0.1];
    const [y0, y1] = [Math.floor(lx(Math.min(...ys))), Math.ceil(lx(Math.max(...ys)))];
    const px = (v: number): number => M.left + ((lx(v) - x0) / (x1 - x0)) * (W - M.left - M.right);
    const py = (v: number): number =>
        H - M.bottom - ((lx(v) - y0) / (y1 - y0 || 1)) * (H - M.top - M.bottom);
    const out: string[] = [
        `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
        `<rect width="${W}" height="${H}" fill="white"/>`,
        `<text x="${M.left}" y="20" font-size="14">${esc(`bench:fabric, ${doc.date.slice(0, 16)}, ${doc.machine.cores} cores`)}</text>`,
        `<line x1="${M.left}" y1="${H - M.bottom}" x2="${W - M.right}" y2="${H - M.bottom}" stroke="black"/>`,
        `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${H - M.bottom}" stroke="black"/>`,
        `<text x="${(M.left + W - M.right) / 2}" y="${H - 12}" text-anchor="middle">readings (records) per transaction (log)</text>`,
        `<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">readings/s committed (log)</text>`,
    ];
    for (const x of [...new Set(xs)].sort((a, b) => a - b))
        out.push(
            `<text x="${px(x)}" y="${H - M.bottom + 16}" text-anchor="middle">${x}</text>`,
            `<line x1="${px(x)}" y1="${H - M.bottom}" x2="${px(x)}" y2="${H - M.bottom + 4}" stroke="black"/>`,
        );
    for (let e = y0; e <= y1; e++)
        out.push(
            `<text x="${M.left - 6}" y="${py(10 ** e) + 4}" text-anchor="end">${(10 ** e).toLocaleString('en')}</text>`,
            `<line x1="${M.left}" y1="${py(10 ** e)}" x2="${W - M.right}" y2="${py(10 ** e)}" stroke="#ddd"/>`,
        );
    for (const [i, s] of series.entries()) {
        const pts = [...s.points].sort((a, b) => a.perTx - b.perTx);
        out.push(
            `<polyline fill="none" stroke="${s.colour}" stroke-width="2"${s.dashed ? ' stroke-dasharray="6 4"' : ''} points="${pts.map((p) => `${px(p.perTx).toFixed(1)},${py(p.readingsPerSecond).toFixed(1)}`).join(' ')}"/>`,
        );
        for (const p of pts)
            out.push(
                `<circle cx="${px(p.perTx).toFixed(1)}" cy="${py(p.readingsPerSecond).toFixed(1)}" r="3" fill="${s.colour}"/>`,
                `<text x="${(px(p.perTx) + 5).toFixed(1)}" y="${(py(p.readingsPerSecond) - 5).toFixed(1)}" font-size="10">${Math.round(p.readingsPerSecond)}</text>`,
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
