// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:e2e` — the whole pipeline on the embedded ledger (meters encrypt, sign and submit;
 * the contract checks and commits durably; the provider folds from the event stream and bills with
 * proofs; customers and the auditor check everything), run twice: with folding, and with folding
 * disabled (bills from scratch). Printed beside the seed paper's Fabric 1.4 figures (~2 readings/s
 * sustained, ~500 ms per stored reading). Options: --customers N (default 10), --period P,
 * --out PATH (default bench-results/e2e.json).
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir, homedir, cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { embeddedEngine } from '../src/apps/engines.js';
import { runDemo, type DemoReport } from '../src/apps/demo/demo.js';
import { arg, fmtMs, printTable } from './timing.js';

process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'error';
const customers = Number(arg('customers', '10'));
const period = arg('period', '2024-03');
const out = arg('out', 'bench-results/e2e.json');
const shared = process.env.FEMETER_SHARED ?? join(process.cwd(), '..', 'shared', 'data');
const cache = join(process.env.FEMETER_CACHE ?? join(homedir(), '.cache', 'femeter'), 'dlog');

async function once(fold: boolean): Promise<DemoReport> {
    const dir = mkdtempSync(join(tmpdir(), 'femeter-bench-e2e-'));
    const engine = await embeddedEngine(join(dir, 'ledger'), sha256(utf8ToBytes('bench')));
    try {
        return await runDemo({
            engine,
            dataDir: dir,
            sharedData: shared,
            customers,
            period,
            fold,
            cacheDir: cache,
            dlogLogT: 20,
        });
    } finally {
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
    }
}

const median = (xs: number[]): number =>
    [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

async function main(): Promise<void> {
    console.log(
        `femeter bench:e2e — ${customers} meters × one month (${period}), embedded ledger, ${cpus().length} cores, node ${process.version}`,
    );
    const folded = await once(true);
    const scratch = await once(false);
    const rows = [
        [
            'readings/s through the pipeline (metering phase)',
            folded.readingsPerSecond.toFixed(0),
            scratch.readingsPerSecond.toFixed(0),
            '~2',
        ],
        [
            'time per stored reading (1 / throughput)',
            fmtMs(1000 / folded.readingsPerSecond),
            fmtMs(1000 / scratch.readingsPerSecond),
            '~500 ms',
        ],
        [
            'meter-months simulated per second (metering phase)',
            (customers / ((folded.timings.metering ?? 1) / 1000)).toFixed(2),
            (customers / ((scratch.timings.metering ?? 1) / 1000)).toFixed(2),
            '—',
        ],
        [
            'provider time per bill at close (median, incl. proof)',
            fmtMs(median(folded.billMsFolded)),
            fmtMs(median(scratch.billMsFolded)),
            '—',
        ],
        [
            'billing phase incl. posting + on-ledger verification',
            fmtMs(folded.timings.billing),
            fmtMs(scratch.timings.billing),
            '—',
        ],
        ['all bills exact and proofs valid', String(folded.ok), String(scratch.ok), '—'],
    ];
    printTable(['figure', 'folded (default)', 'folding disabled', 'seed paper (Fabric 1.4)'], rows);
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
        out,
        JSON.stringify(
            {
                date: new Date().toISOString(),
                customers,
                period,
                folded: { ...folded, audit: undefined, totalsKwh: undefined },
                scratch: { ...scratch, audit: undefined, totalsKwh: undefined },
            },
            (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
            1,
        ),
    );
    console.log(`results written to ${out}`);
    if (!folded.ok || !scratch.ok) process.exitCode = 1;
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
