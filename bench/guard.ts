// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:guard` — the privacy guard on whole key sets (fe/guard `guardKeySet`, DESIGN.md
 * §3, target §7: ≤ 10 ms with 12 keys), each case beside a naive baseline measured in the same run:
 * - class rule (12 time-of-use keys): baseline groups slots by a Map keyed by joined weight strings;
 * - span rule, d = 2 (total + a dynamic tariff on real day-ahead prices): baseline compares every
 *   distinct column direction with every slot (O(D·l) cross products) instead of hashing;
 * - span rule, d = 3 (total + two dynamic tariffs; and 12 keys of rank 3): baseline enumerates the
 *   planes through every pair of directions (O(D²), exact for every minimum) instead of only those
 *   that can reach k; and a worst case where every slot has its own direction (a 15-minute series).
 * Prices: de-day-ahead-prices.csv from FEMETER_SHARED (default ../shared/data). No assertions.
 * guardKeySet: median wall time and mean CPU time over repeated calls; baselines: one call each.
 * Options: --period YYYY-MM (default 2024-01).
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { guardKeySet } from '../src/fe/guard.js';
import { spanMinSupport } from '../src/fe/span.js';
import {
    energyWeights,
    parseTariff,
    periodSlots,
    tariffWeights,
} from '../src/contract/tariff/index.js';
import { parseDayAheadCsv, seriesForPeriod } from '../src/roles/index-publisher/index.js';
import { arg, fmtMs, measure, printTable } from './timing.js';

const K = 96;
const periodId = arg('period', '2024-01');
const dataDir = resolve(process.env.FEMETER_SHARED ?? join('..', 'shared', 'data'));
const prices = parseDayAheadCsv(readFileSync(join(dataDir, 'de-day-ahead-prices.csv'), 'utf8'));
const period = periodSlots(periodId);
const series = seriesForPeriod(prices, period);
const l = period.slotCount;

const dynamic = (factorNum: number, factorDen: number, markup: number) =>
    tariffWeights(
        parseTariff({
            format: 'femeter-tariff/1',
            id: `dyn-${factorNum}-${factorDen}`,
            version: 1,
            name: 'dynamic',
            provider: 'acme',
            timeZone: 'Europe/Berlin',
            currencyUnit: 'nEUR',
            kind: 'indexed',
            series: series.id,
            markup,
            factorNum,
            factorDen,
            rounding: 'half-even',
        }),
        period,
        series,
    );

const total = energyWeights(period);
const spot = dynamic(119, 100, 180_000);
const bare = dynamic(1, 1, 0);
const hourOf = (i: number) => Math.floor((i % 96) / 4);
const dayOf = (i: number) => Math.floor(i / 96);
const tou = Array.from({ length: 12 }, (_, k) =>
    Array.from({ length: l }, (_, i) =>
        BigInt(k === 0 ? 1 : 100 + ((dayOf(i) + (hourOf(i) >= 8 ? k : 0)) % 4) * 10),
    ),
);
const rank3of12 = [
    total,
    spot,
    bare,
    ...Array.from({ length: 9 }, (_, j) =>
        total.map((t, i) => BigInt(j + 1) * t + BigInt(j % 3) * spot[i]! - bare[i]!),
    ),
];

/** Worst case for d = 3: every slot its own direction (as with a 15-minute price series), deterministic pseudo-random weights. */
let seed = 12345;
const next = (): bigint => {
    seed = (seed * 1103515245 + 12345) % 2147483648;
    return BigInt((seed % 60001) - 30000);
};
const distinct = [total, total.map(() => next()), total.map(() => next())];

/** CPU milliseconds per call (process CPU time over `runs` calls after a warm-up): stable on a loaded machine. */
function cpuMs(fn: () => unknown, runs: number): number {
    fn();
    const c0 = process.cpuUsage();
    for (let i = 0; i < runs; i++) fn();
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1000 / runs;
}

/** Baseline for the class rule: slots grouped by the joined string of their weights. */
function naiveClassRule(keys: readonly (readonly bigint[])[]): boolean {
    const sizes = new Map<string, { n: number; zero: boolean }>();
    for (let i = 0; i < l; i++) {
        const key = keys.map((k) => k[i]!.toString()).join(',');
        const c = sizes.get(key) ?? { n: 0, zero: keys.every((k) => k[i] === 0n) };
        c.n++;
        sizes.set(key, c);
    }
    return [...sizes.values()].every((c) => c.zero || c.n >= K);
}

/** Baseline for d = 2: for each distinct direction, count the slots parallel to it by cross products. */
function naiveRank2(a: readonly bigint[], b: readonly bigint[]): number {
    const seen = new Set<string>();
    let best = 0;
    for (let i = 0; i < l; i++) {
        const u0 = a[i]!;
        const u1 = b[i]!;
        if (u0 === 0n && u1 === 0n) continue;
        const id = `${u0},${u1}`;
        if (seen.has(id)) continue;
        seen.add(id);
        let n = 0;
        for (let j = 0; j < l; j++) {
            const v0 = a[j]!;
            const v1 = b[j]!;
            if (u0 * v1 - u1 * v0 === 0n) n++;
        }
        best = Math.max(best, n);
    }
    return l - best;
}

interface Case {
    name: string;
    keys: readonly (readonly bigint[])[];
    baselineName: string;
    baseline: () => unknown;
}
const cases: Case[] = [
    {
        name: '12 time-of-use keys (class rule)',
        keys: tou,
        baselineName: 'Map of joined weight strings',
        baseline: () => naiveClassRule(tou),
    },
    {
        name: 'total + dynamic (d = 2)',
        keys: [total, spot],
        baselineName: 'cross product per direction × slot',
        baseline: () => naiveRank2(total, spot),
    },
    {
        name: 'total + 2 dynamic (d = 3)',
        keys: [total, spot, bare],
        baselineName: 'all plane pairs (exhaustive)',
        baseline: () => spanMinSupport([total, spot, bare]),
    },
    {
        name: '12 keys of rank 3 (2 dynamic)',
        keys: rank3of12,
        baselineName: 'all plane pairs (exhaustive)',
        baseline: () => spanMinSupport(rank3of12),
    },
    {
        name: 'worst case: all slots distinct (d = 3)',
        keys: distinct,
        baselineName: 'all plane pairs (exhaustive)',
        baseline: () => spanMinSupport(distinct),
    },
];

console.log(
    `privacy guard on whole key sets, l = ${l} (${periodId}, ${series.intervalMinutes}-minute prices), k = ${K}; target ≤ 10 ms with 12 keys`,
);
const rows: string[][] = [];
for (const c of cases) {
    const v = guardKeySet(c.keys, { k: K });
    const fast = measure(() => guardKeySet(c.keys, { k: K }), { minRuns: 5, budgetMs: 400 }).ms;
    const fastCpu = cpuMs(() => guardKeySet(c.keys, { k: K }), 20);
    // baselines run once (the slowest take seconds): wall and CPU of that one call
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    c.baseline();
    const base = performance.now() - t0;
    const cu = process.cpuUsage(c0);
    const baseCpu = (cu.user + cu.system) / 1000;
    rows.push([
        c.name,
        String(c.keys.length),
        v.rank === undefined ? '—' : String(v.rank),
        `${v.allowed ? 'allowed' : 'refused'} (${v.method}, min support ${v.minSupportExact ? '=' : '≥'} ${v.minSupport ?? '—'})`,
        `${fmtMs(fast)} / ${fmtMs(fastCpu)}`,
        `${fmtMs(base)} / ${fmtMs(baseCpu)} (${c.baselineName})`,
    ]);
}
printTable(
    ['key set', 'keys', 'd', 'verdict', 'guardKeySet wall / CPU', 'baseline wall / CPU'],
    rows,
);
console.log(
    'wall: median of timed runs; CPU: process CPU time per call (includes GC threads), the steadier figure when other work shares the cores',
);
