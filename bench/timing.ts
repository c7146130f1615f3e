// SPDX-License-Identifier: Apache-2.0
/** Small timing helpers shared by the benchmarks (median of repeated runs, bounded by time). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';

/** Median milliseconds per call of `fn`, over at least `minRuns` and until `budgetMs` is spent (max `maxRuns`). */
export function measure(
    fn: () => unknown,
    opts: { minRuns?: number; maxRuns?: number; budgetMs?: number } = {},
): { ms: number; runs: number } {
    const minRuns = opts.minRuns ?? 3;
    const maxRuns = opts.maxRuns ?? 1000;
    const budget = opts.budgetMs ?? 500;
    const samples: number[] = [];
    const t0 = performance.now();
    fn(); // warm-up
    while (
        samples.length < maxRuns &&
        (samples.length < minRuns || performance.now() - t0 < budget)
    ) {
        const s = performance.now();
        fn();
        samples.push(performance.now() - s);
    }
    samples.sort((a, b) => a - b);
    return { ms: samples[Math.floor(samples.length / 2)]!, runs: samples.length };
}

/** Format milliseconds with sensible precision. */
export function fmtMs(ms: number | undefined): string {
    if (ms === undefined || Number.isNaN(ms)) return '—';
    if (ms < 0.01) return `${(ms * 1000).toFixed(2)} µs`;
    if (ms < 1) return `${(ms * 1000).toFixed(0)} µs`;
    if (ms < 1000) return `${ms.toFixed(ms < 10 ? 2 : 1)} ms`;
    return `${(ms / 1000).toFixed(2)} s`;
}

/** Print a table with padded columns. */
export function printTable(header: readonly string[], rows: readonly (readonly string[])[]): void {
    const widths = header.map((h, i) =>
        Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)),
    );
    const line = (r: readonly string[]): string =>
        r.map((c, i) => c.padEnd(widths[i]!)).join(' | ');
    console.log(line(header));
    console.log(widths.map((w) => '-'.repeat(w)).join('-|-'));
    for (const r of rows) console.log(line(r));
}

/** Read `--name value` from argv. */
export function arg(name: string, fallback: string): string {
    const i = process.argv.indexOf(`--${name}`);
    return i !== -1 && process.argv[i + 1] !== undefined ? process.argv[i + 1]! : fallback;
}

/** {@link measure} for an async `fn`: median milliseconds per call. */
export async function measureAsync(
    fn: () => Promise<unknown>,
    opts: { minRuns?: number; maxRuns?: number; budgetMs?: number } = {},
): Promise<{ ms: number; runs: number }> {
    const minRuns = opts.minRuns ?? 3;
    const maxRuns = opts.maxRuns ?? 1000;
    const budget = opts.budgetMs ?? 500;
    const samples: number[] = [];
    const t0 = performance.now();
    await fn(); // warm-up
    while (
        samples.length < maxRuns &&
        (samples.length < minRuns || performance.now() - t0 < budget)
    ) {
        const s = performance.now();
        await fn();
        samples.push(performance.now() - s);
    }
    samples.sort((a, b) => a - b);
    return { ms: samples[Math.floor(samples.length / 2)]!, runs: samples.length };
}

/** Write a benchmark's results as JSON to `path` (date, node, cores added), and say where. */
export function writeResults(path: string, fields: Readonly<Record<string, unknown>>): void {
    mkdirSync(dirname(path), { recursive: true });
    const head = { date: new Date().toISOString(), node: process.version, cpus: cpus().length };
    writeFileSync(path, JSON.stringify({ ...head, ...fields }, null, 1));
    console.log(`\nresults written to ${path}`);
}
