// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:mcfe` — figures of the grid aggregate (MCFE with labels + decentralised key shares)
 * on ristretto255, beside the per-household IPFE figures measured in the same run, each on the
 * native dalek accelerator and on the pure-JS @noble/curves baseline.
 * Options: --quick (N = 10, 100 only), --logT N (dlog table 2^N, default 20, cached on disk),
 * --out PATH (JSON, default bench-results/mcfe.json). No assertions beyond correctness checks of
 * the decrypted sums: figures only.
 * What is measured, and how key shares are sized for N = 1000: bench/mcfe-costs.ts.
 */
import { cpus } from 'node:os';
import { makeRistretto255 } from '../src/fe/index.js';
import { loadOrBuildTable } from '../src/fe/dlog-file.js';
import {
    aggregateDecryptCost,
    cacheDir,
    ipfeCosts,
    keygenCosts,
    L,
    MAXREAD,
    mcfeMeterCosts,
    roster,
    type G,
} from './mcfe-costs.js';
import { arg, fmtMs, printTable, writeResults } from './timing.js';

const quick = process.argv.includes('--quick');
const logT = Number(arg('logT', '20'));
const out = arg('out', 'bench-results/mcfe.json');
const sizes = quick ? [10, 100] : [10, 100, 1000];

async function benchBackend(g: G): Promise<Record<string, number>> {
    const { table } = await loadOrBuildTable(g, logT, cacheDir);
    const r: Record<string, number> = { ...ipfeCosts(g, table), ...mcfeMeterCosts(g) };
    for (const n of sizes) {
        const ro = roster(g, n);
        Object.assign(r, keygenCosts(g, ro), aggregateDecryptCost(g, ro, table));
    }
    return r;
}

async function main(): Promise<void> {
    console.log(
        `femeter bench:mcfe — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, dlog table 2^${logT}, ${L} slots, readings ≤ ${MAXREAD}`,
    );
    const nat = makeRistretto255('auto');
    const noble = makeRistretto255('noble');
    const fast = await benchBackend(nat);
    const base = await benchBackend(noble);
    const label = nat.backend === 'native' ? 'native (dalek)' : 'noble (native not built)';
    printTable(
        ['operation (ristretto255)', label, 'baseline noble (pure JS)', 'speed-up'],
        Object.keys(fast).map((op) => [
            op,
            fmtMs(fast[op]),
            fmtMs(base[op]),
            fast[op] && base[op] ? `${(base[op] / fast[op]).toFixed(1)}×` : '',
        ]),
    );
    writeResults(out, { logT, slots: L, backend: nat.backend, fast, baseline: base });
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
