// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:gateway` — N concurrent meter clients sending real signed, encrypted readings
 * through the HTTP gateway (`femeter serve`, on 127.0.0.1) versus straight into the embedded
 * engine in-process, in the same run and with the same code path (the roles' FemeterApi over a
 * LedgerClient; only the client differs). Readings are encrypted and signed before the clock
 * starts; each transaction is signed by the meter's ledger key in both cases. The gateway runs in
 * this process too (2-core machines: a separate process would only add scheduling noise), so the
 * figure is the cost of HTTP, JSON/base64, the gateway's own signature check and policy.
 * Target (issue 12): at 96 readings per request the gateway keeps ≥ 80 % of the in-process rate.
 * Options: --seconds S per cell (default 3), --meters LIST (default 16,64), --per-tx LIST (default
 * 96,1), --rounds R (default 3: cells alternate and the median of each side is kept), --out PATH
 * (default bench-results/gateway.json), --separate (also the gateway in a process of its own).
 */
import '../test/ledger/fixtures/quiet.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { Engine } from '../src/apps/engines.js';
import { gatewayEngine, remoteEngine } from '../src/apps/gateway/engine.js';
import { runEngine, type Cell } from './readings.js';
import { arg, printTable } from './timing.js';

const OUT = arg('out', 'bench-results/gateway.json');
const METERS = arg('meters', '16,64')
    .split(',')
    .map((x) => Number(x));
const PER_TX = arg('per-tx', '96,1')
    .split(',')
    .map((x) => Number(x));
/** Alternate in-process and gateway cells this many times and keep the median of each (the
 * machine is shared: interleaving keeps a load change from favouring one side). */
const ROUNDS = Number(arg('rounds', '3'));
const TARGET = 0.8;
/** Also measure the gateway in its own process (the deployed layout; it then has a core of its own). */
const SEPARATE = process.argv.includes('--separate');

const CHILD = fileURLToPath(new URL('../test/gateway/serve-child.js', import.meta.url));

/** The gateway (and its ledger) in a process of its own, as deployed; the meters stay here. */
async function separateGateway(path: string, secret: Uint8Array): Promise<Engine> {
    const child = spawn(process.execPath, [CHILD, path, '0', bytesToHex(secret)], {
        stdio: ['ignore', 'pipe', 'inherit'],
    });
    const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const line = out.split('\n').find((l) => l.startsWith('{"url":'));
            if (line !== undefined) resolve((JSON.parse(line) as { url: string }).url);
        });
        child.once('exit', (code) => {
            reject(new Error(`gateway process exited with ${code}`));
        });
    });
    const remote = await remoteEngine(url, secret);
    return {
        ...remote,
        async close() {
            await remote.close();
            const exited = new Promise((r) => child.once('exit', r));
            child.kill('SIGTERM');
            await exited;
        },
    };
}

const median = (cells: Cell[], f: (c: Cell) => number): Cell =>
    [...cells].sort((a, b) => f(a) - f(b))[Math.floor(cells.length / 2)]!;

async function main(): Promise<void> {
    console.log(
        `femeter bench: readings through the gateway vs in-process — ${cpus().length} cores, node ${process.version}`,
    );
    const viaGateway = (path: string, secret: Uint8Array) =>
        gatewayEngine(path, secret, { rateLimit: { max: 1e9, timeWindowMs: 60_000 } });
    const rows: { perTx: number; meters: number; local: Cell; remote: Cell; separate?: Cell }[] =
        [];
    for (const perTx of PER_TX) {
        for (const meters of METERS) {
            const locals: Cell[] = [];
            const remotes: Cell[] = [];
            const separates: Cell[] = [];
            for (let r = 0; r < ROUNDS; r++) {
                locals.push(await runEngine(meters, perTx));
                remotes.push(
                    await runEngine(meters, perTx, viaGateway, 'through the gateway (HTTP)'),
                );
                if (SEPARATE)
                    separates.push(
                        await runEngine(meters, perTx, separateGateway, 'gateway process (HTTP)'),
                    );
                process.stderr.write('.');
            }
            const rate = (c: Cell): number => c.readingsPerSec;
            rows.push({
                perTx,
                meters,
                local: median(locals, rate),
                remote: median(remotes, rate),
                ...(SEPARATE ? { separate: median(separates, rate) } : {}),
            });
        }
    }
    process.stderr.write('\n');
    printTable(
        [
            'readings/req',
            'meters',
            'in-process r/s',
            'gateway r/s',
            'ratio',
            'p99 in-proc ms',
            'p99 gateway ms',
            ...(SEPARATE ? ['gateway process r/s', 'ratio', 'p99 ms'] : []),
        ],
        rows.map((r) => [
            String(r.perTx),
            String(r.meters),
            r.local.readingsPerSec.toFixed(0),
            r.remote.readingsPerSec.toFixed(0),
            `${((100 * r.remote.readingsPerSec) / r.local.readingsPerSec).toFixed(0)} %`,
            r.local.p99.toFixed(1),
            r.remote.p99.toFixed(1),
            ...(r.separate
                ? [
                      r.separate.readingsPerSec.toFixed(0),
                      `${((100 * r.separate.readingsPerSec) / r.local.readingsPerSec).toFixed(0)} %`,
                      r.separate.p99.toFixed(1),
                  ]
                : []),
        ]),
    );
    const at96 = rows.filter((r) => r.perTx === 96);
    const worst = Math.min(...at96.map((r) => r.remote.readingsPerSec / r.local.readingsPerSec));
    console.log(
        `target: ≥ ${TARGET * 100} % of in-process at 96 readings/request — worst ${(worst * 100).toFixed(0)} % → ${worst >= TARGET ? 'met' : 'NOT met'}`,
    );
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(OUT, JSON.stringify({ date: new Date().toISOString(), rows }, null, 1));
    console.log(`results written to ${OUT}`);
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
