// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:ledger` (second part) — real signed, encrypted readings through the femeter
 * contract on the embedded engine: C meters (1, 4, 16, 64) submit SubmitReadings with R readings per
 * transaction (1 = one per 15-minute slot as it happens; 96 = a day's catch-up batch) and wait for
 * each to be durable. The contract checks every reading (meter identity, Ed25519 signature, point
 * validity, write-once slot, sequence number, period bounds). Readings are encrypted and signed
 * before the clock starts: this measures the ledger. Baseline in the same run: each reading's binary
 * form (contract/reading-batch, as the meter submits it) written straight into classic-level under a
 * key of its own, one `batch(…, { sync: true })` per transaction.
 * Bytes per reading are measured after a full LevelDB compaction of each data directory.
 * Options: --seconds S per cell (default 3), --out PATH (write the figures there as JSON; nothing is
 * written without it; --plot needs it, the sweep's files go beside it),
 * --meters 1,4,16,64 and --per-tx 1,96 (the cells to run), --pipeline 96 (readings per transaction
 * at which the whole pipeline also runs: each meter encrypts and signs its readings inside the
 * timed loop, in the same process; '' for none). The raw floor per reading is printed beside.
 * --plot: also sweep readings per transaction (--sweep 1,8,32,96,480 at --sweep-meters 16 meters),
 * femeter and the baseline of the same run, and write two plots beside OUT: `<OUT>-sweep-rate.svg`
 * (readings/s against readings/tx, log–log) and `<OUT>-sweep-bytes.svg` (bytes on disk per reading
 * against readings/tx, target 160 drawn), with the figures in `<OUT>-sweep.json`.
 */
import '../test/ledger/fixtures/quiet.js';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bytesToHex, hexToBytes } from '../src/contract/validate.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { ClassicLevel } from 'classic-level';
import { embeddedEngine, type Engine, type Participant } from '../src/apps/engines.js';
import {
    ed25519Signer,
    readingBatchHex,
    readingPayload,
    type ReadingInput,
} from '../src/contract/index.js';
import { periodSlots } from '../src/contract/tariff/index.js';
import { encodeMpk } from '../src/fe/codec.js';
import { ristretto255 as g } from '../src/fe/ristretto255.js';
import { Encryptor, setup } from '../src/fe/ipfe.js';
import { arg, printTable } from './timing.js';
import { COLOURS, linePlot } from './plot.js';

const SECONDS = Number(arg('seconds', '3'));
/** Where to write the figures (JSON); nothing is written unless asked. */
const OUT = arg('out', '');
const PERIOD = '2024-03';
const CHANNEL = '1-0:1.8.0';
const L = periodSlots(PERIOD).slotCount;
const METERS = arg('meters', '1,4,16,64').split(',').map(Number);
const PER_TX = arg('per-tx', '1,96').split(',').map(Number);
const PLOT = process.argv.includes('--plot');
const SWEEP = arg('sweep', '1,8,32,96,480').split(',').map(Number);
const SWEEP_METERS = Number(arg('sweep-meters', '16'));
const PIPELINE = arg('pipeline', '96').split(',').filter(Boolean).map(Number);
const PIPELINE_SYSTEM = 'femeter whole pipeline (meters encrypt+sign, embedded)';
/** The raw floor per reading: C_i, the signature, slot (u32), seq (u64) and flags (u8). */
const FLOOR_BYTES = g.elementBytes + 64 + 4 + 8 + 1;

/** Compact a closed LevelDB directory fully, so its size is what the data needs. */
async function compact(path: string): Promise<void> {
    const db = new ClassicLevel(path);
    await db.open();
    await db.compactRange('\u0000', '\uffff', { keyEncoding: 'utf8' });
    await db.close();
}

/** Logical bytes (key + value) per part of the engine's LevelDB: blocks, state (reading chunks and the rest), txid index, meta. */
export interface Breakdown {
    blocks: number;
    chunks: number;
    state: number;
    txids: number;
    meta: number;
}

/** {@link Breakdown} of a closed engine database (sublevel keys are `!name!key`). */
async function breakdown(path: string): Promise<Breakdown> {
    const db = new ClassicLevel<Uint8Array, Uint8Array>(path, {
        keyEncoding: 'view',
        valueEncoding: 'view',
    });
    await db.open();
    const out: Breakdown = { blocks: 0, chunks: 0, state: 0, txids: 0, meta: 0 };
    const dec = new TextDecoder();
    try {
        for await (const [k, v] of db.iterator()) {
            const head = dec.decode(k.subarray(0, 16));
            const n = k.length + v.length;
            if (head.startsWith('!blocks!')) out.blocks += n;
            else if (head.startsWith('!txids!')) out.txids += n;
            else if (head.startsWith('!state!\u0000rchunk\u0000')) out.chunks += n;
            else if (head.startsWith('!state!')) out.state += n;
            else out.meta += n;
        }
    } finally {
        await db.close();
    }
    return out;
}

function du(dir: string): number {
    let n = 0;
    for (const f of readdirSync(dir, { recursive: true }) as string[]) {
        const s = statSync(join(dir, f));
        if (s.isFile()) n += s.size;
    }
    return n;
}

export interface Cell {
    system: string;
    concurrency: number;
    perTx: number;
    readingsPerSec: number;
    txPerSec: number;
    p50: number;
    p99: number;
    bytesPerReading: number;
    /** CPU time of the whole process (all threads) per reading during the timed part, µs. */
    cpuUsPerReading: number;
    /** femeter rows: logical bytes per reading by part (keys + values, before LevelDB's own overhead). */
    breakdown?: Breakdown;
}

export function pct(xs: number[], p: number): number {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((s.length * p) / 100))] ?? NaN;
}

/** A meter for the period: encrypts and signs its reading of a slot when asked (as a meter does). */
function meterSource(
    meterId: string,
    seed: Uint8Array,
    signer: ReturnType<typeof ed25519Signer>,
): (slot: number) => ReadingInput {
    const { mpk } = setup(g, seed, { meter: meterId, channel: CHANNEL, period: PERIOD }, L);
    const enc = new Encryptor(g, mpk, seed, { maxReading: 20_000n, precompute: true });
    const c0 = g.encode(enc.open());
    return (slot) => {
        const c = g.encode(enc.slot(slot, BigInt(slot % 500)));
        const first = slot === 0;
        const sig = signer.sign(
            readingPayload({
                meter: meterId,
                channel: CHANNEL,
                period: PERIOD,
                slot,
                c,
                c0: first ? c0 : undefined,
                seq: slot + 1,
                status: 0,
            }),
        );
        return {
            channel: CHANNEL,
            period: PERIOD,
            slot,
            seq: slot + 1,
            status: 0,
            c: bytesToHex(c),
            ...(first ? { c0: bytesToHex(c0) } : {}),
            sig: bytesToHex(sig),
        };
    };
}

/** Pre-generate the signed readings of one meter for the period. */
export function meterReadings(
    meterId: string,
    seed: Uint8Array,
    signer: ReturnType<typeof ed25519Signer>,
): ReadingInput[] {
    const make = meterSource(meterId, seed, signer);
    return Array.from({ length: L }, (_, slot) => make(slot));
}

/**
 * Readings/s of `concurrency` meters sending `perTx` readings per transaction to an engine
 * (embedded by default). With `pipeline`, each meter encrypts and signs its readings inside the
 * timed loop (the whole pipeline, client and ledger in one process); otherwise they are prepared
 * before the clock starts (the engine alone).
 */
export async function runEngine(
    concurrency: number,
    perTx: number,
    open: (path: string, secret: Uint8Array) => Promise<Engine> = embeddedEngine,
    system = 'femeter contract (embedded)',
    pipeline = false,
    seconds = SECONDS,
): Promise<Cell> {
    const dir = mkdtempSync(join(tmpdir(), 'femeter-bench-readings-'));
    const secret = sha256(new Uint8Array([1]));
    let engine = await open(join(dir, 'ledger'), secret);
    try {
        const op = await engine.connect('operator', 'operator');
        await op.api.bootstrap('operator', 'op');
        const cust = await engine.connect('customer', 'customers');
        await op.api.registerParty({
            id: 'customer',
            role: 'customer',
            name: 'c',
            identity: cust.identity,
        });
        const meters: {
            id: string;
            p: Participant;
            reading: (slot: number) => ReadingInput;
        }[] = [];
        for (let i = 0; i < concurrency; i++) {
            const id = `m${i}`;
            const seed = sha256(new Uint8Array([2, i]));
            const signer = ed25519Signer(seed);
            const p = await engine.connect(id, 'customers');
            await op.api.registerMeter({
                id,
                owner: 'customer',
                identity: p.identity,
                signingKey: bytesToHex(signer.publicKey),
                channels: [{ id: CHANNEL, unit: 'Wh', medium: 'electricity' }],
                maxPerSlot: 20_000,
                software: { id: 'bench', digest: bytesToHex(sha256(new Uint8Array())) },
            });
            const { mpk } = setup(g, seed, { meter: id, channel: CHANNEL, period: PERIOD }, L);
            await cust.api.publishMpk(id, CHANNEL, PERIOD, bytesToHex(encodeMpk(g, mpk)));
            const make = meterSource(id, seed, signer);
            if (pipeline) meters.push({ id, p, reading: make });
            else {
                const ready = Array.from({ length: L }, (_, slot) => make(slot));
                meters.push({ id, p, reading: (slot) => ready[slot]! });
            }
        }
        // Size of the set-up ledger (parties, meters, mpks) compacted, then reopen for the measured part.
        await engine.close();
        await compact(join(dir, 'ledger', 'leveldb'));
        const before = du(dir);
        const parts0 = await breakdown(join(dir, 'ledger', 'leveldb'));
        engine = await open(join(dir, 'ledger'), secret);
        for (const m of meters) m.p = await engine.connect(m.id, 'customers');
        const lat: number[] = [];
        let readings = 0;
        let txs = 0;
        const t0 = performance.now();
        const cpu0 = process.cpuUsage();
        const deadline = t0 + seconds * 1000;
        await Promise.all(
            meters.map(async (m) => {
                for (let i = 0; i < L && performance.now() < deadline; i += perTx) {
                    const s = performance.now();
                    const batch = Array.from({ length: Math.min(perTx, L - i) }, (_, j) =>
                        m.reading(i + j),
                    );
                    await m.p.api.submitReadings(m.id, batch);
                    lat.push(performance.now() - s);
                    readings += batch.length;
                    txs++;
                }
            }),
        );
        const secs = (performance.now() - t0) / 1000;
        const cpu = process.cpuUsage(cpu0);
        await engine.close();
        await compact(join(dir, 'ledger', 'leveldb'));
        const bytes = du(dir) - before;
        const parts1 = await breakdown(join(dir, 'ledger', 'leveldb'));
        const per = (k: keyof Breakdown): number => (parts1[k] - parts0[k]) / readings;
        return {
            ...cell(system, concurrency, perTx, { readings, txs, secs, lat, cpu, bytes }),
            breakdown: {
                blocks: per('blocks'),
                chunks: per('chunks'),
                state: per('state'),
                txids: per('txids'),
                meta: per('meta'),
            },
        };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

/** A cell's figures from what its run counted (`lat`: each transaction's milliseconds). */
function cell(
    system: string,
    concurrency: number,
    perTx: number,
    r: {
        readings: number;
        txs: number;
        secs: number;
        lat: number[];
        cpu: NodeJS.CpuUsage;
        bytes: number;
    },
): Cell {
    return {
        system,
        concurrency,
        perTx,
        readingsPerSec: r.readings / r.secs,
        txPerSec: r.txs / r.secs,
        p50: pct(r.lat, 50),
        p99: pct(r.lat, 99),
        bytesPerReading: r.bytes / r.readings,
        cpuUsPerReading: (r.cpu.user + r.cpu.system) / r.readings,
    };
}

/**
 * The raw classic-level baseline of {@link runEngine}'s cell: each reading's binary form (the
 * `sample`'s, cycled) under a key of its own, one synced batch of `perTx` per transaction, from
 * `concurrency` writers.
 */
export async function runBaseline(
    concurrency: number,
    perTx: number,
    sample: ReadingInput[],
    seconds = SECONDS,
): Promise<Cell> {
    const dir = mkdtempSync(join(tmpdir(), 'femeter-bench-raw-'));
    const db = new ClassicLevel<string, Uint8Array>(dir, { valueEncoding: 'view' });
    await db.open();
    // the binary form each reading travels in (a one-reading batch: what the meter submits)
    const values = sample.map((r) => hexToBytes(readingBatchHex([r])));
    const lat: number[] = [];
    let readings = 0;
    let txs = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const deadline = t0 + seconds * 1000;
    await Promise.all(
        Array.from({ length: concurrency }, async (_, w) => {
            for (let i = 0; performance.now() < deadline; i += perTx) {
                const ops = Array.from({ length: perTx }, (__, j) => ({
                    type: 'put' as const,
                    key: `w${w}/${String(i + j).padStart(8, '0')}`,
                    value: values[(i + j) % values.length] ?? new Uint8Array(0),
                }));
                const s = performance.now();
                await db.batch(ops, { sync: true });
                lat.push(performance.now() - s);
                readings += perTx;
                txs++;
            }
        }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    await db.close();
    await compact(dir);
    const bytes = du(dir);
    rmSync(dir, { recursive: true, force: true });
    return cell('baseline: raw classic-level', concurrency, perTx, {
        readings,
        txs,
        secs,
        lat,
        cpu,
        bytes,
    });
}

async function main(): Promise<void> {
    if (PLOT && OUT === '')
        throw new Error('--plot writes its files beside --out PATH: give --out');
    console.log(
        `femeter bench: signed readings through the contract — ${cpus().length} cores, node ${process.version}, ${SECONDS} s per cell`,
    );
    const sample = meterReadings(
        'sample',
        sha256(new Uint8Array([9])),
        ed25519Signer(sha256(new Uint8Array([9]))),
    );
    const cells: Cell[] = [];
    for (const perTx of PER_TX) {
        for (const c of METERS) {
            cells.push(await runEngine(c, perTx));
            if (PIPELINE.includes(perTx))
                cells.push(await runEngine(c, perTx, embeddedEngine, PIPELINE_SYSTEM, true));
            cells.push(await runBaseline(c, perTx, sample));
            process.stderr.write('.');
        }
    }
    process.stderr.write('\n');
    printTable(
        [
            'system',
            'readings/tx',
            'meters',
            'readings/s',
            'tx/s',
            'p50 ms',
            'p99 ms',
            'bytes/reading',
            'CPU µs/reading',
        ],
        cells.map((x) => [
            x.system,
            String(x.perTx),
            String(x.concurrency),
            x.readingsPerSec.toFixed(0),
            x.txPerSec.toFixed(0),
            x.p50.toFixed(1),
            x.p99.toFixed(1),
            x.bytesPerReading.toFixed(0),
            x.cpuUsPerReading.toFixed(0),
        ]),
    );
    const parts = cells.filter((x) => x.breakdown !== undefined);
    if (parts.length > 0) {
        console.log(
            '\nbytes per reading by part (keys + values; "on disk" adds LevelDB overhead):',
        );
        printTable(
            [
                'system',
                'readings/tx',
                'blocks',
                'state: reading chunks',
                'state: other',
                'txid index',
                'meta',
                'on disk',
            ],
            parts.map((x) => [
                x.system,
                String(x.perTx),
                x.breakdown!.blocks.toFixed(1),
                x.breakdown!.chunks.toFixed(1),
                x.breakdown!.state.toFixed(1),
                x.breakdown!.txids.toFixed(1),
                x.breakdown!.meta.toFixed(1),
                x.bytesPerReading.toFixed(0),
            ]),
        );
    }
    console.log(
        `raw floor per reading: ${FLOOR_BYTES} B (C_i ${g.elementBytes} + signature 64 + slot 4 + seq 8 + flags 1); the baseline rows store that binary form under a key of its own`,
    );
    console.log(
        'targets (DESIGN.md §7): ≥ 20,000 signed readings/s durable at 96/tx, 16 meters (engine only), ≥ 5,000/s whole pipeline; ≤ 160 bytes per reading on disk (after compaction)',
    );
    console.log(
        `machine: ${cpus().length} cores, load average ${loadavg()
            .map((x) => x.toFixed(1))
            .join(' / ')} at the end (other jobs share it: compare rows of one run only)`,
    );
    if (OUT === '') return;
    mkdirSync(dirname(OUT), { recursive: true });
    writeFileSync(
        OUT,
        JSON.stringify(
            {
                date: new Date().toISOString(),
                cores: cpus().length,
                loadavg: loadavg(),
                floorBytesPerReading: FLOOR_BYTES,
                cells,
            },
            null,
            1,
        ),
    );
    console.log(`results written to ${OUT}`);
    if (PLOT) await sweep(sample);
}

/** The --plot sweep: readings/tx against readings/s and bytes/reading, femeter and baseline. */
async function sweep(sample: ReadingInput[]): Promise<void> {
    const cells: Cell[] = [];
    for (const perTx of SWEEP) {
        cells.push(await runEngine(SWEEP_METERS, perTx));
        cells.push(await runBaseline(SWEEP_METERS, perTx, sample));
        process.stderr.write('.');
    }
    process.stderr.write('\n');
    const base = OUT.replace(/\.json$/, '');
    const date = new Date().toISOString();
    writeFileSync(
        `${base}-sweep.json`,
        JSON.stringify({ date, cores: cpus().length, meters: SWEEP_METERS, cells }, null, 1),
    );
    const series = (y: (c: Cell) => number): Parameters<typeof linePlot>[0]['series'] =>
        [...new Set(cells.map((c) => c.system))].map((system, i) => ({
            label: system.startsWith('baseline') ? 'raw classic-level' : 'femeter (embedded)',
            points: cells.filter((c) => c.system === system).map((c) => ({ x: c.perTx, y: y(c) })),
            dashed: system.startsWith('baseline'),
            colour: COLOURS[i % COLOURS.length] ?? '#000',
        }));
    const title = (what: string): string =>
        `bench:ledger ${what}, ${SWEEP_METERS} meters, ${date.slice(0, 16)}, ${cpus().length} cores`;
    for (const [file, what, yLabel, y, logY, target] of [
        [
            'rate',
            'throughput',
            'signed readings/s durable (log)',
            (c: Cell) => c.readingsPerSec,
            true,
            { y: 20_000, label: 'target 20,000/s at 96/tx' },
        ],
        [
            'bytes',
            'storage',
            'bytes on disk per reading (compacted)',
            (c: Cell) => c.bytesPerReading,
            false,
            { y: 160, label: 'target 160 B' },
        ],
    ] as const)
        writeFileSync(
            `${base}-sweep-${file}.svg`,
            linePlot({
                title: title(what),
                xLabel: 'readings per transaction (log)',
                yLabel,
                series: series(y),
                logY,
                target,
            }),
        );
    printTable(
        [
            'sweep: readings/tx',
            'femeter readings/s',
            'baseline readings/s',
            'femeter B/reading',
            'baseline B/reading',
        ],
        SWEEP.map((perTx) => {
            const f = cells.find((c) => c.perTx === perTx && !c.system.startsWith('baseline'));
            const b = cells.find((c) => c.perTx === perTx && c.system.startsWith('baseline'));
            return [
                String(perTx),
                f?.readingsPerSec.toFixed(0) ?? '-',
                b?.readingsPerSec.toFixed(0) ?? '-',
                f?.bytesPerReading.toFixed(0) ?? '-',
                b?.bytesPerReading.toFixed(0) ?? '-',
            ];
        }),
    );
    console.log(
        `sweep written to ${base}-sweep.json, ${base}-sweep-rate.svg, ${base}-sweep-bytes.svg`,
    );
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
    main().catch((e: unknown) => {
        console.error(e);
        process.exitCode = 1;
    });
