// SPDX-License-Identifier: Apache-2.0
/**
 * @module bench/ledger
 * Throughput of the embedded ledger engine, beside a baseline measured in the same run.
 *
 * Engine: C concurrent submitters (C = 1, 4, 16, 64), each its own identity, submit the fixture contract's
 * `PutMany` with R records per transaction (R = 1 "single" and R = 64 "batched"), records of ~150 bytes, and wait
 * for each submit to be durable before the next. Reported: transactions/s and records/s committed, p50/p99 submit
 * latency, bytes on disk per record (data directory after a full compaction and close).
 *
 * Baseline: the same C writers put the same records (same keys, same value bytes) straight into classic-level,
 * one `batch(…, { sync: true })` per transaction, no envelope, signature, contract, block or index. LevelDB
 * group-commits concurrent synchronous batches itself, so this is the best the storage can do.
 *
 * Also measured: Ed25519 and SHA-256 with node:crypto and with noble (the engine uses node:crypto; see
 * src/ledger/embedded/crypto.ts).
 *
 * Usage: node dist/bench/ledger.js [--seconds 2] [--out results.json] [--concurrency 1,4,16,64] [--records 1,64]
 *        [--systems engine,baseline] [--crypto no]
 */

import '../test/ledger/fixtures/quiet.js';

import { readdir, rm, stat, mkdtemp, writeFile } from 'node:fs/promises';
import { createHash, randomBytes } from 'node:crypto';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';

import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { ClassicLevel } from 'classic-level';

import { identities, ledgers, signers } from '../src/ledger/index.js';
import {
    ed25519PrivateKeyObject,
    signEd25519,
    signEd25519WithKey,
    verifyEd25519,
} from '../src/ledger/embedded/crypto.js';
import { contracts } from '../test/ledger/fixtures/kv-contract.js';

interface Settings {
    readonly seconds: number;
    readonly out: string | undefined;
    readonly concurrency: readonly number[];
    readonly records: readonly number[];
    readonly valueBytes: number;
    readonly systems: readonly string[];
    readonly crypto: boolean;
}

function _arg(name: string): string | undefined {
    const i = process.argv.indexOf(`--${name}`);
    return i >= 0 ? process.argv[i + 1] : undefined;
}

function _list(s: string | undefined, fallback: readonly number[]): readonly number[] {
    return s === undefined ? fallback : s.split(',').map((x) => Number.parseInt(x, 10));
}

const SETTINGS: Settings = {
    seconds: Number(_arg('seconds') ?? process.env.BENCH_SECONDS ?? 2),
    out: _arg('out'),
    concurrency: _list(_arg('concurrency'), [1, 4, 16, 64]),
    records: _list(_arg('records'), [1, 64]),
    valueBytes: 150,
    systems: (_arg('systems') ?? 'engine,baseline').split(','),
    crypto: _arg('crypto') !== 'no',
};

interface RunResult {
    readonly system: 'engine' | 'baseline';
    readonly concurrency: number;
    readonly recordsPerTx: number;
    readonly txs: number;
    readonly records: number;
    readonly seconds: number;
    readonly txPerSecond: number;
    readonly recordsPerSecond: number;
    readonly p50ms: number;
    readonly p99ms: number;
    readonly blocks?: number;
    readonly bytesOnDisk: number;
    readonly bytesPerRecord: number;
}

/** `count` record values of exactly `n` ASCII bytes each (base64 of fresh random bytes, like ciphertexts). */
function _values(count: number, n: number): string[] {
    const raw = randomBytes(Math.ceil((n * 3) / 4) * count).toString('base64');
    return Array.from({ length: count }, (_, i) => raw.slice(i * n, (i + 1) * n));
}

function _percentile(sorted: readonly number[], p: number): number {
    if (sorted.length === 0) return Number.NaN;
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

async function _du(dir: string): Promise<number> {
    let total = 0;
    for (const entry of await readdir(dir, { withFileTypes: true })) {
        const p = join(dir, entry.name);
        if (entry.isDirectory()) total += await _du(p);
        else if (entry.isFile()) total += (await stat(p)).size;
    }
    return total;
}

async function _compact(location: string): Promise<void> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(location, {
        keyEncoding: 'view',
        valueEncoding: 'view',
    });
    await db.open();
    await db.compactRange(new Uint8Array([0]), new Uint8Array(64).fill(0xff));
    await db.close();
}

/** Run `concurrency` loops until the deadline; each iteration is one transaction of `recordsPerTx` records. */
async function _drive(
    concurrency: number,
    seconds: number,
    once: (worker: number, seq: number) => Promise<void>,
): Promise<{ latencies: number[]; txs: number; elapsed: number }> {
    const latencies: number[] = [];
    const start = performance.now();
    const deadline = start + seconds * 1000;
    let txs = 0;
    await Promise.all(
        Array.from({ length: concurrency }, async (_, worker) => {
            for (let seq = 0; performance.now() < deadline; seq++) {
                const t0 = performance.now();
                await once(worker, seq);
                latencies.push(performance.now() - t0);
                txs++;
            }
        }),
    );
    return {
        latencies: latencies.sort((a, b) => a - b),
        txs,
        elapsed: (performance.now() - start) / 1000,
    };
}

/** What a run drove, in figures, and the bytes it left in `dir` once its LevelDB is compacted. */
async function _figures(
    dir: string,
    recordsPerTx: number,
    { latencies, txs, elapsed }: Awaited<ReturnType<typeof _drive>>,
): Promise<Omit<RunResult, 'system' | 'concurrency' | 'blocks' | 'bytesPerRecord'>> {
    await _compact(join(dir, 'leveldb'));
    const records = txs * recordsPerTx;
    return {
        recordsPerTx,
        txs,
        records,
        seconds: elapsed,
        txPerSecond: txs / elapsed,
        recordsPerSecond: records / elapsed,
        p50ms: _percentile(latencies, 50),
        p99ms: _percentile(latencies, 99),
        bytesOnDisk: await _du(dir),
    };
}

/** The records of one transaction: distinct keys (meter/sequence/index) and fresh random values. */
function _items(worker: number, seq: number, recordsPerTx: number): [string, string][] {
    const values = _values(recordsPerTx, SETTINGS.valueBytes);
    return values.map((value, i) => [
        `m${String(worker).padStart(4, '0')}/${String(seq).padStart(8, '0')}/${String(i).padStart(3, '0')}`,
        value,
    ]);
}

async function runEngine(concurrency: number, recordsPerTx: number): Promise<RunResult> {
    const dir = await mkdtemp(join(tmpdir(), 'femeter-bench-ledger-'));
    try {
        const ledger = await ledgers.embedded({ path: dir, contracts });
        const clients = Array.from({ length: concurrency }, (_, i) => {
            const key = identities.newPrivateKey();
            return ledger.connect({
                identity: identities.ed25519(`Org${i % 4}MSP`, key),
                signer: signers.ed25519(key),
            });
        });
        // Warm-up (JIT, LevelDB files), not measured: written under other keys.
        await Promise.all(
            clients.map((c, w) => c.submit('PutMany', JSON.stringify(_items(w, 99_999_999, 1)))),
        );
        const heightBefore = ledger.height;
        const run = await _drive(concurrency, SETTINGS.seconds, async (w, seq) => {
            const client = clients[w];
            if (client === undefined) throw new Error('no client');
            await client.submit('PutMany', JSON.stringify(_items(w, seq, recordsPerTx)));
        });
        const blocks = Number(ledger.height - heightBefore);
        await ledger.close();
        const f = await _figures(dir, recordsPerTx, run);
        return {
            system: 'engine',
            concurrency,
            ...f,
            blocks,
            bytesPerRecord: f.bytesOnDisk / (f.records + concurrency),
        };
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}

async function runBaseline(concurrency: number, recordsPerTx: number): Promise<RunResult> {
    const dir = await mkdtemp(join(tmpdir(), 'femeter-bench-level-'));
    try {
        const db = new ClassicLevel<string, Uint8Array>(join(dir, 'leveldb'), {
            keyEncoding: 'utf8',
            valueEncoding: 'view',
            writeBufferSize: 16 * 1024 * 1024,
        });
        await db.open();
        const utf8 = new TextEncoder();
        const run = await _drive(concurrency, SETTINGS.seconds, async (w, seq) => {
            const ops = _items(w, seq, recordsPerTx).map(([key, value]) => ({
                type: 'put' as const,
                key,
                value: utf8.encode(value),
            }));
            await db.batch(ops, { sync: true });
        });
        await db.close();
        const f = await _figures(dir, recordsPerTx, run);
        return {
            system: 'baseline',
            concurrency,
            ...f,
            bytesPerRecord: f.bytesOnDisk / f.records,
        };
    } finally {
        await rm(dir, { recursive: true, force: true });
    }
}

interface CryptoResult {
    readonly op: string;
    readonly node: number;
    readonly noble: number;
    readonly unit: string;
}

function _opsPerSecond(fn: () => void, ms = 300): number {
    for (let i = 0; i < 20; i++) fn();
    const start = performance.now();
    let n = 0;
    while (performance.now() - start < ms) {
        fn();
        n++;
    }
    return n / ((performance.now() - start) / 1000);
}

function runCrypto(): CryptoResult[] {
    const sk = ed25519.utils.randomSecretKey();
    const pk = ed25519.getPublicKey(sk);
    const digest = new Uint8Array(32).fill(7);
    const sig = ed25519.sign(digest, sk);
    const keyObject = ed25519PrivateKeyObject(sk);
    const block = randomBytes(1 << 20);
    return [
        {
            op: 'ed25519 sign (32-byte digest)',
            node: _opsPerSecond(() => signEd25519WithKey(digest, keyObject)),
            noble: _opsPerSecond(() => signEd25519(digest, sk, 'noble')),
            unit: 'ops/s',
        },
        {
            op: 'ed25519 verify (strict)',
            node: _opsPerSecond(() => verifyEd25519(pk, digest, sig, 'node')),
            noble: _opsPerSecond(() => verifyEd25519(pk, digest, sig, 'noble')),
            unit: 'ops/s',
        },
        {
            op: 'sha256 of 1 MiB block data',
            node: _opsPerSecond(() => createHash('sha256').update(block).digest()),
            noble: _opsPerSecond(() => nobleSha256(block)),
            unit: 'MiB/s',
        },
    ];
}

function _fmt(n: number, digits = 0): string {
    return n.toLocaleString('en-US', {
        maximumFractionDigits: digits,
        minimumFractionDigits: digits,
    });
}

async function main(): Promise<void> {
    console.log(
        `femeter ledger bench: ${SETTINGS.seconds} s per run, concurrency ${SETTINGS.concurrency.join('/')}, ` +
            `records/tx ${SETTINGS.records.join('/')}, ~${SETTINGS.valueBytes}-byte records; ` +
            `node ${process.version}, ${cpus().length} cores`,
    );
    const crypto = SETTINGS.crypto ? runCrypto() : [];
    console.log('\ncrypto (node:crypto vs noble, same run):');
    for (const c of crypto) {
        console.log(
            `  ${c.op.padEnd(32)} node ${_fmt(c.node).padStart(9)}  noble ${_fmt(c.noble).padStart(9)} ${c.unit}`,
        );
    }
    const results: RunResult[] = [];
    for (const recordsPerTx of SETTINGS.records) {
        for (const concurrency of SETTINGS.concurrency) {
            if (SETTINGS.systems.includes('engine'))
                results.push(await runEngine(concurrency, recordsPerTx));
            if (SETTINGS.systems.includes('baseline'))
                results.push(await runBaseline(concurrency, recordsPerTx));
        }
    }
    console.log(
        '\nsystem    rec/tx  conc      tx/s     rec/s   p50 ms   p99 ms  tx/block  bytes/rec',
    );
    for (const r of results) {
        console.log(
            [
                r.system.padEnd(8),
                String(r.recordsPerTx).padStart(7),
                String(r.concurrency).padStart(5),
                _fmt(r.txPerSecond).padStart(9),
                _fmt(r.recordsPerSecond).padStart(9),
                _fmt(r.p50ms, 2).padStart(8),
                _fmt(r.p99ms, 2).padStart(8),
                (r.blocks === undefined ? '-' : _fmt(r.txs / Math.max(1, r.blocks), 1)).padStart(9),
                _fmt(r.bytesPerRecord, 0).padStart(10),
            ].join(' '),
        );
    }
    if (SETTINGS.out !== undefined) {
        const json = {
            settings: SETTINGS,
            node: process.version,
            cores: cpus().length,
            crypto,
            results,
        };
        await writeFile(SETTINGS.out, JSON.stringify(json, null, 2) + '\n');
        console.log(`\nresults written to ${SETTINGS.out}`);
    }
}

main().catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
});
