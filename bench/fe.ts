// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:fe` — figures of the FE core per group and vector length, every implementation
 * side by side and beside a naive baseline measured in the same run (ristretto255: the native dalek
 * accelerator when built, libsodium WebAssembly, and pure-JS @noble/curves as the baseline; ffdhe:
 * OpenSSL through node:crypto vs BigInt square-and-multiply).
 * Options: --quick (l = 96 only, smaller dlog tables), --logT N (dlog table 2^N, default 22 with the
 * native backend, 18 without), --out PATH (also write JSON results there, e.g.
 * bench-results/fe.json; nothing is written without it). No assertions: figures only.
 * Baseline operations that would take minutes are measured on a sample and scaled (marked "≈").
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir, cpus } from 'node:os';
import { generateKeyPairSync, sign } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import {
    BsgsTable,
    checkKey,
    decrypt,
    decryptFolded,
    Encryptor,
    keyDer,
    keyImage,
    dlogTableLog2,
    initBackends,
    loadWasm,
    makeFfdhe,
    makeRistretto255,
    proveBill,
    setup,
    verifyBill,
    weightedSum,
    innerProductBound,
    type AnyGroup,
} from '../src/fe/index.js';
import { loadOrBuildTable } from '../src/fe/dlog-file.js';
import { checkKeySet } from '../src/fe/guard.js';
import { arg, fmtMs, measure, printTable } from './timing.js';

const quick = process.argv.includes('--quick');
const logT = Number(arg('logT', String(dlogTableLog2(await initBackends()) + (quick ? -2 : 2))));
const out = arg('out', '');
const cacheDir = join(process.env.FEMETER_CACHE ?? join(homedir(), '.cache', 'femeter'), 'dlog');
const lengths = quick ? [96] : [96, 2976];
const MAXREAD = 10_000n; // Wh per 15 min: 40 kW

/** One implementation of a group under test; `sample`: slow, measured on ≤ 16 slots and scaled. */
interface Impl {
    label: string;
    group: AnyGroup;
    sample: boolean;
}
interface Row {
    op: string;
    target?: string;
    /** ms per implementation label */
    ms: Record<string, number | undefined>;
    /** "≈ " where the figure was scaled from a sample */
    note: Record<string, string>;
}
interface GroupResult {
    group: string;
    implementations: string[];
    baseline: string;
    l: number;
    rows: Row[];
    bytesPerCiphertext: number;
}

const seed = new Uint8Array(32).fill(1);
const meterSeed = new Uint8Array(32).fill(2);
const nodeKey = generateKeyPairSync('ed25519').privateKey;
const nobleKey = ed25519.utils.randomSecretKey();

/** Time `fn` on a group; when a single call is expensive, time `sample` calls of `one` and scale by `n`. */
function timed(fn: () => unknown, budgetMs = 400): number {
    return measure(fn, { minRuns: 2, maxRuns: 200, budgetMs }).ms;
}

function benchGroup(
    impls: readonly Impl[],
    l: number,
    tables: Map<AnyGroup, BsgsTable<unknown>>,
): GroupResult {
    const ctx = { meter: 'bench', channel: '1-0:1.8.0', period: '2024-01' };
    const y = Array.from({ length: l }, (_, i) =>
        BigInt(200 + ((i * 7) % 150) - (i % 97 === 0 ? 400 : 0)),
    ); // ToU-like prices, some negative
    const x = Array.from({ length: l }, (_, i) => BigInt((i * 131) % 400));
    const rows: Row[] = [];
    const perGroup = (g: AnyGroup, scaleSample: boolean) => {
        const r: Record<string, number> = {};
        const n = scaleSample ? Math.min(l, 16) : l;
        const t0 = performance.now();
        const { msk, mpk } = setup(g, seed, ctx, n);
        r.setup = ((performance.now() - t0) * l) / n;
        r.keyder = (timed(() => keyDer(g, msk, y.slice(0, n))) * l) / n;
        const key = keyDer(g, msk, y.slice(0, n));
        r.keycheck =
            (timed(() => {
                checkKey(g, mpk, key);
            }) *
                l) /
            n;
        const enc = new Encryptor(g, mpk, meterSeed, { maxReading: MAXREAD, precompute: true });
        const C0 = enc.open();
        let i = 0;
        const msg = new Uint8Array(120);
        r['enc+sign'] = timed(() => {
            const c = enc.slot(i++ % n, x[i % n]!);
            msg.set(g.encode(c).subarray(0, 32));
            return scaleSample ? ed25519.sign(msg, nobleKey) : sign(null, msg, nodeKey);
        });
        const encNoPre = new Encryptor(g, mpk, meterSeed, { maxReading: MAXREAD });
        r['enc (no precompute)'] = timed(() => encNoPre.slot(i++ % n, 5n));
        const C = x.slice(0, n).map((xi, j) => enc.slot(j, xi));
        const Cbytes = C.map((c) => g.encode(c));
        const table = tables.get(g)!; // each backend solves with a table built by itself
        const bound = innerProductBound(y.slice(0, n), MAXREAD);
        // from scratch = decode every ciphertext + Σ y_i·C_i + sk·C_0 + dlog
        r['decrypt from scratch'] =
            (timed(() =>
                decrypt(
                    g,
                    key,
                    C0,
                    Cbytes.map((b, j) => g.decode(b, `C${j}`)),
                    table,
                    bound,
                ),
            ) *
                l) /
            n;
        const S = weightedSum(g, key.y, C);
        r['decrypt folded'] = timed(() => decryptFolded(g, key, C0, S, table, bound));
        const m = decryptFolded(g, key, C0, S, table, bound);
        const K = keyImage(g, mpk, key.y);
        const st = { ...ctx, tariff: 't@1', m, K, C0, S };
        r.prove = timed(() => proveBill(g, key.sk, st));
        const proof = proveBill(g, key.sk, st);
        // verify as a third party does: decode mpk and ciphertexts, K_y and Σ y_i·C_i by MSM, check proof
        const mpkBytes = mpk.H.map((h) => g.encode(h));
        r['verify (from ledger data)'] =
            (timed(() => {
                const H = mpkBytes.map((b, j) => g.decode(b, `H${j}`));
                const Cs = Cbytes.map((b, j) => g.decode(b, `C${j}`));
                return verifyBill(
                    g,
                    {
                        ...st,
                        K: g.msmVartime(
                            H,
                            key.y.map((v) => ((v % g.order) + g.order) % g.order),
                        ),
                        S: weightedSum(g, key.y, Cs),
                    },
                    proof,
                );
            }) *
                l) /
            n;
        return r;
    };
    const results = impls.map((im) => perGroup(im.group, im.sample));
    const targets: Record<string, string> = {
        setup: l === 2976 ? '≤ 100 ms' : '',
        'enc+sign': '≤ 0.1 ms',
        'decrypt folded': '≤ 5 ms',
        'decrypt from scratch': l === 2976 ? '≤ 50 ms' : '',
        keyder: '≤ 5 ms',
        'verify (from ledger data)': '≤ 50 ms',
    };
    const scaledOps = [
        'setup',
        'keyder',
        'keycheck',
        'decrypt from scratch',
        'verify (from ledger data)',
    ];
    for (const op of Object.keys(results[0]!))
        rows.push({
            op,
            target: targets[op] ?? '',
            ms: Object.fromEntries(impls.map((im, i) => [im.label, results[i]![op]])),
            note: Object.fromEntries(
                impls.map((im) => [
                    im.label,
                    im.sample && l > 16 && scaledOps.includes(op) ? '≈ ' : '',
                ]),
            ),
        });
    return {
        group: impls[0]!.group.name,
        implementations: impls.map((im) => im.label),
        baseline: impls[impls.length - 1]!.label,
        l,
        rows,
        bytesPerCiphertext: impls[0]!.group.elementBytes,
    };
}

/** Baseline for the guard: the obvious implementation, a Map keyed by each slot's joined weight string. */
function naiveClasses(keys: readonly (readonly bigint[])[]): number {
    const sizes = new Map<string, number>();
    const l = keys[0]!.length;
    for (let i = 0; i < l; i++) {
        const k = keys.map((key) => key[i]!.toString()).join(',');
        sizes.set(k, (sizes.get(k) ?? 0) + 1);
    }
    return [...sizes.values()].filter((n) => n < 96).length;
}

let guardJson: Record<string, unknown> = {};

async function main(): Promise<void> {
    console.log(
        `femeter bench:fe — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, dlog table 2^${logT}`,
    );
    // ristretto255: every backend that loads, fastest first; noble (the baseline) last, on samples.
    await loadWasm();
    const rist: Impl[] = [];
    for (const b of ['native', 'wasm'] as const) {
        try {
            rist.push({ label: b, group: makeRistretto255(b), sample: false });
        } catch {
            console.log(`(ristretto255 ${b} backend unavailable in this process)`);
        }
    }
    rist.push({ label: 'noble', group: makeRistretto255('noble'), sample: true });
    const sets: Impl[][] = [rist];
    for (const n of ['ffdhe2048', 'ffdhe3072', 'ffdhe4096'] as const)
        sets.push([
            { label: 'OpenSSL', group: makeFfdhe(n), sample: false },
            { label: 'BigInt', group: makeFfdhe(n, 'bigint'), sample: true },
        ]);
    const results: GroupResult[] = [];
    const dlogRows: string[][] = [];
    const dlogJson: Record<string, unknown>[] = [];
    for (const impls of sets) {
        const name = impls[0]!.group.name;
        const small = name === 'ristretto255' ? logT : Math.min(logT, 18);
        const tables = new Map<AnyGroup, BsgsTable<unknown>>();
        const built: { im: Impl; source: string; buildMs: number }[] = [];
        for (const im of impls) {
            if (im.sample) {
                tables.set(im.group, BsgsTable.build(im.group, 10));
                continue;
            }
            // the first builds (or loads) the cached table; the others load the same file
            const t0 = performance.now();
            const { table, source } = await loadOrBuildTable(im.group, small, cacheDir);
            tables.set(im.group, table);
            built.push({ im, source, buildMs: performance.now() - t0 });
        }
        for (const l of lengths) {
            const r = benchGroup(impls, l, tables);
            results.push(r);
            const base = impls[impls.length - 1]!.label;
            const fast = impls.filter((im) => !im.sample).map((im) => im.label);
            console.log(
                `\n${name}, l = ${l}: ${r.implementations.join(' | ')} (baseline ${base}); ${r.bytesPerCiphertext} bytes per ciphertext element`,
            );
            printTable(
                [
                    'operation',
                    'target',
                    ...r.implementations.map((x) => (x === base ? `baseline (${x})` : x)),
                    ...fast.map((x) => `${x} speed-up`),
                ],
                r.rows.map((row) => [
                    row.op,
                    row.target ?? '',
                    ...r.implementations.map((x) => `${row.note[x] ?? ''}${fmtMs(row.ms[x])}`),
                    ...fast.map((x) =>
                        row.ms[x] && row.ms[base]
                            ? `${(row.ms[base] / row.ms[x]).toFixed(1)}×`
                            : '',
                    ),
                ]),
            );
        }
        // dlog worst case: m at ±bound is the last place an outward search looks.
        for (const { im, source, buildMs } of built) {
            const fast = im.group;
            const table = tables.get(fast)!;
            for (const bits of [32, 40]) {
                const bound = (1n << BigInt(bits)) - 1n;
                const D = fast.mulBase(fast.order - bound); // m = −bound
                const steps = Number((2n * bound) / BigInt(table.size)) + 2;
                let ms: number;
                let note = '';
                if (
                    steps <= 3_000_000 &&
                    ((fast.name === 'ristretto255' && im.label === 'native') || bits === 32)
                ) {
                    const s = performance.now();
                    const m = table.solve(D, bound);
                    ms = performance.now() - s;
                    if (m !== -bound) throw new Error('dlog returned a wrong value');
                } else {
                    // time 20,000 giant steps and scale to the steps this bound needs
                    const s = performance.now();
                    fast.stepKeys(fast.generator, fast.mulBase(123_456_789n), 20_000);
                    ms = ((performance.now() - s) / 20_000) * steps;
                    note = '≈ ';
                }
                dlogRows.push([
                    `${fast.name} (${im.label})`,
                    `2^${bits}`,
                    `2^${table.logT}`,
                    `${source} in ${fmtMs(buildMs)}`,
                    `${note}${fmtMs(ms)}`,
                    bits === 40 ? '≤ 1 s' : '',
                ]);
                dlogJson.push({
                    group: fast.name,
                    implementation: im.label,
                    boundBits: bits,
                    tableLog2: table.logT,
                    tableSource: source,
                    tableMs: buildMs,
                    worstCaseMs: ms,
                    scaled: note !== '',
                });
            }
        }
    }
    // privacy guard: 12 keys of one epoch (l = 2976) — hashing classes vs the naive pairwise comparison
    {
        const l = 2976;
        const keys = Array.from({ length: 12 }, (_, k) =>
            Array.from({ length: l }, (_, i) =>
                BigInt(k === 0 ? 1 : 100 + ((Math.floor(i / 96) + k) % 4) * 10),
            ),
        );
        const cand = keys.pop()!;
        const fast = measure(() => checkKeySet(keys, cand, { mode: 'class', k: 96 }), {
            minRuns: 3,
            budgetMs: 300,
        }).ms;
        // worst case: 11 issued keys with all-distinct weights (every slot its own class)
        const distinct = Array.from({ length: 11 }, (_, j) =>
            Array.from({ length: l }, (_, i) => BigInt(i * (j + 1))),
        );
        const worst = measure(() => checkKeySet(distinct, cand, { mode: 'class', k: 96 }), {
            minRuns: 3,
            budgetMs: 300,
        }).ms;
        const naive = measure(() => naiveClasses([...keys, cand]), {
            minRuns: 1,
            maxRuns: 2,
            budgetMs: 100,
        }).ms;
        console.log('\nprivacy guard, 12 keys × 2976 slots (target ≤ 10 ms)');
        printTable(
            ['implementation', 'time'],
            [
                ['hashing slot weight tuples (fe/guard)', fmtMs(fast)],
                ['fe/guard, worst case: all-distinct weights', fmtMs(worst)],
                ['baseline: Map keyed by joined weight strings', fmtMs(naive)],
            ],
        );
        guardJson = { keys: 12, slots: l, ms: fast, worstMs: worst, naiveMs: naive };
    }
    console.log(
        '\nbounded discrete log, worst case (m = −bound, searched last; ≈ = scaled from 20,000 timed giant steps)',
    );
    printTable(['group', 'bound', 'table', 'table load/build', 'worst case', 'target'], dlogRows);
    if (out === '') {
        console.log('\n(figures only; pass --out bench-results/fe.json to record them)');
        return;
    }
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
        out,
        JSON.stringify(
            {
                date: new Date().toISOString(),
                node: process.version,
                cpus: cpus().length,
                results,
                dlog: dlogJson,
                guard: guardJson,
            },
            null,
            1,
        ),
    );
    console.log(`\nresults written to ${out}`);
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
