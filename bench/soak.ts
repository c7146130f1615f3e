// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:soak` — memory of a long-running engine + provider process while readings
 * accumulate (issue 15). The embedded engine runs with M meters (default 1,000) submitting signed,
 * encrypted readings one day (96 slots) per transaction, round after round, and the provider folds
 * every reading from the ledger's event stream; when a meter's period is complete the meter closes
 * it and the provider bills it (decrypt, prove, post). One meter in ten has no agreement with this
 * provider (another supplier's customer): its readings reach the provider's stream, too.
 *
 * The meters' ciphertexts and signatures are produced by the meter-side code (setup, Encryptor,
 * Ed25519) in a child process before the clock starts and cached on disk (`--cache`), so this
 * process holds only what the engine, the provider and the ledger clients hold. Every `--sample`
 * seconds it records RSS, heap used (after a full GC when run with --expose-gc, so it is the
 * retained heap) and the readings stored so far. It prints the least-squares slope of memory over
 * stored readings after warm-up (the first `--warmup` fraction of readings is ignored) and the peak
 * RSS, beside the targets (slope ≤ 16 B/reading, peak ≤ 512 MB). With `--out PREFIX` it writes
 * PREFIX.json and PREFIX.svg (memory over readings; throughput over time).
 *
 * Options: --readings N (default 2,000,000), --meters M (1000), --sample S (2), --warmup F (0.2),
 * --concurrency C (64 meters in flight), --cache DIR, --out PREFIX, --snapshots DIR (heap snapshots
 * at 40 % and 80 % of the readings), --max-lag L (2 × 96 × M: a meter waits while the provider is
 * more than L readings behind, so the provider gets its turns in this process), --baseline 0 (skip
 * the baseline). Each sample splits RSS into anonymous and file-backed parts (/proc/self/status)
 * beside V8's external and arrayBuffers; after the run a baseline writes the meters' request bytes
 * straight to a LevelDB store opened with the engine's options, in the same process. A run prints a progress line
 * every 15 samples on stderr; `--replot LOG --out PREFIX` makes the figures and plot from those
 * lines when a run had to be stopped early.
 */
import '../test/ledger/fixtures/quiet.js';
import { fork } from 'node:child_process';
import {
    closeSync,
    existsSync,
    mkdirSync,
    mkdtempSync,
    openSync,
    readFileSync,
    readSync,
    renameSync,
    rmSync,
    writeFileSync,
    writeSync,
} from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeHeapSnapshot } from 'node:v8';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { embeddedEngine, type Participant } from '../src/apps/engines.js';
import { blockKey, LedgerStore } from '../src/ledger/embedded/store.js';
import { dlogSolvers } from '../src/apps/demo/demo.js';
import { ENERGY_TARIFF } from '../src/apps/demo/tariffs.js';
import {
    closePayload,
    ed25519Signer,
    readingPayload,
    type ReadingInput,
} from '../src/contract/index.js';
import { nextPeriodId, periodSlots } from '../src/contract/tariff/index.js';
import type { AnyGroup } from '../src/fe/groups.js';
import type { DlogSolver } from '../src/fe/ipfe.js';
import { Encryptor, setup } from '../src/fe/ipfe.js';
import { ristretto255 as g } from '../src/fe/ristretto255.js';
import { Customer } from '../src/roles/customer/customer.js';
import { Wallet } from '../src/roles/customer/wallet.js';
import { hpkeKeyPair } from '../src/roles/hpke.js';
import { Provider } from '../src/roles/provider/provider.js';
import { arg, printTable } from './timing.js';

const CHANNEL = '1-0:1.8.0';
const FIRST_PERIOD = '2024-03';
const ZONE = 'Europe/Berlin';
const DAY = 96;
const MAX_PER_SLOT = 20_000;
const SEED = 'soak';

const derive = (label: string): Uint8Array => sha256(utf8ToBytes(`femeter-soak/${SEED}/${label}`));
const meterId = (i: number): string => `meter-${String(i).padStart(5, '0')}`;
const customerId = (i: number): string => `customer-${String(i).padStart(5, '0')}`;
/** One meter in ten is another provider's customer. */
const agreed = (i: number): boolean => i % 10 !== 9;

/** The periods (and slots in each) that `slots` readings per meter span. */
function plan(slots: number): { period: string; count: number; full: boolean }[] {
    const out: { period: string; count: number; full: boolean }[] = [];
    let p = FIRST_PERIOD;
    for (let left = slots; left > 0; p = nextPeriodId(p)) {
        const l = periodSlots(p, ZONE, 15).slotCount;
        out.push({ period: p, count: Math.min(l, left), full: left >= l });
        left -= l;
    }
    return out;
}

/** A line of a meter's file: one day of readings, or the close of a period. */
type Line =
    | { readonly kind: 'readings'; readonly items: ReadingInput[] }
    | {
          readonly kind: 'close';
          readonly period: string;
          readonly count: number;
          readonly digest: string;
          readonly signature: string;
      };

// ---- child: the meters' side, written to one file per meter ---------------------------------------

function generate(dir: string, meters: number, slots: number): void {
    mkdirSync(dir, { recursive: true });
    for (let i = 0; i < meters; i++) {
        const file = join(dir, `${meterId(i)}.jsonl`);
        if (existsSync(file)) continue;
        const id = meterId(i);
        const signer = ed25519Signer(derive(`${id}/signing`));
        const root = Wallet.fromSeed(derive(`${customerId(i)}/root`)).seed;
        const fd = openSync(`${file}.tmp`, 'w');
        let seq = 0;
        for (const { period, count, full } of plan(slots)) {
            const l = periodSlots(period, ZONE, 15).slotCount;
            const { mpk } = setup(g, root, { meter: id, channel: CHANNEL, period }, l);
            const enc = new Encryptor(g, mpk, derive(`${id}/enc`), {
                maxReading: BigInt(MAX_PER_SLOT),
                precompute: true,
            });
            const c0 = g.encode(enc.open());
            const all = new Uint8Array((l + 1) * 32);
            all.set(c0, 0);
            for (let day = 0; day * DAY < count; day++) {
                const items: ReadingInput[] = [];
                for (let slot = day * DAY; slot < Math.min(count, day * DAY + DAY); slot++) {
                    const x = BigInt((slot * 37 + i * 11) % 900);
                    const c = g.encode(enc.slot(slot, x));
                    all.set(c, (slot + 1) * 32);
                    const first = slot === 0;
                    seq++;
                    const sig = signer.sign(
                        readingPayload({
                            meter: id,
                            channel: CHANNEL,
                            period,
                            slot,
                            c,
                            c0: first ? c0 : undefined,
                            seq,
                            status: 0,
                        }),
                    );
                    items.push({
                        channel: CHANNEL,
                        period,
                        slot,
                        seq,
                        status: 0,
                        c: bytesToHex(c),
                        ...(first ? { c0: bytesToHex(c0) } : {}),
                        sig: bytesToHex(sig),
                    });
                }
                writeSync(fd, JSON.stringify({ kind: 'readings', items } satisfies Line) + '\n');
            }
            if (full) {
                const digest = sha256(all);
                const signature = signer.sign(closePayload(id, CHANNEL, period, l, digest));
                const line: Line = {
                    kind: 'close',
                    period,
                    count: l,
                    digest: bytesToHex(digest),
                    signature: bytesToHex(signature),
                };
                writeSync(fd, JSON.stringify(line) + '\n');
            }
        }
        closeSync(fd);
        renameSync(`${file}.tmp`, file);
        if (i % 50 === 49) process.stderr.write(`generated ${i + 1}/${meters} meters\n`);
    }
}

/** Reads a meter's file one line at a time; holds only a byte offset between reads. */
class LineReader {
    readonly #path: string;
    #offset = 0;
    #done = false;
    constructor(path: string) {
        this.#path = path;
    }
    next(): Line | undefined {
        const b = this.nextBytes();
        return b === undefined ? undefined : (JSON.parse(b.toString('utf8')) as Line);
    }
    /** The next line's bytes (without the newline). */
    nextBytes(): Buffer | undefined {
        if (this.#done) return undefined;
        const fd = openSync(this.#path, 'r');
        try {
            const chunks: Buffer[] = [];
            let pos = this.#offset;
            for (;;) {
                const buf = Buffer.allocUnsafe(64 * 1024);
                const n = readSync(fd, buf, 0, buf.length, pos);
                if (n === 0) {
                    this.#done = true;
                    return undefined;
                }
                const nl = buf.subarray(0, n).indexOf(10);
                if (nl !== -1) {
                    chunks.push(buf.subarray(0, nl));
                    this.#offset = pos + nl + 1;
                    return Buffer.concat(chunks);
                }
                chunks.push(buf.subarray(0, n));
                pos += n;
            }
        } finally {
            closeSync(fd);
        }
    }
}

// ---- parent: engine + provider, measured ------------------------------------------------------------

interface Sample {
    /** Seconds since metering started. */
    t: number;
    /** Readings durably stored so far. */
    readings: number;
    /** Readings the provider has taken from the event stream. */
    seen: number;
    rss: number;
    heapUsed: number;
    heapTotal: number;
    /** Memory of ArrayBuffers and other objects outside the V8 heap. */
    external: number;
    /** The part of `external` held by ArrayBuffers (Buffers, Uint8Arrays). */
    arrayBuffers?: number;
    /** Anonymous resident memory (JS heap, malloc arenas, native allocations; /proc/self/status RssAnon). */
    rssAnon?: number;
    /** File-backed resident memory (mapped code and LevelDB tables; RssFile). */
    rssFile?: number;
}

/** Memory now (after a full GC when run with --expose-gc); `t0` is the phase's start. */
function memorySample(t0: number, readings: number, seen: number): Sample {
    (globalThis as { gc?: () => void }).gc?.();
    const m = process.memoryUsage();
    return {
        t: (performance.now() - t0) / 1000,
        readings,
        seen,
        rss: m.rss,
        heapUsed: m.heapUsed,
        heapTotal: m.heapTotal,
        external: m.external,
        arrayBuffers: m.arrayBuffers,
        ...procRss(),
    };
}

/** RssAnon and RssFile of this process in bytes (Linux), or undefined elsewhere. */
function procRss(): { rssAnon: number; rssFile: number } | undefined {
    try {
        const st = readFileSync('/proc/self/status', 'utf8');
        const kb = (k: string): number =>
            Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(st)?.[1]);
        const r = { rssAnon: kb('RssAnon') * 1024, rssFile: kb('RssFile') * 1024 };
        return Number.isFinite(r.rssAnon) && Number.isFinite(r.rssFile) ? r : undefined;
    } catch {
        return undefined;
    }
}

/** The progress line printed every 15 samples (what `--replot` reads back). */
function progressLine(s: Sample): string {
    const mb = (b: number | undefined): string => ((b ?? NaN) / MB).toFixed(0);
    return `${s.t.toFixed(0)} s: ${s.readings} stored, ${s.seen} seen by the provider; RSS ${mb(s.rss)} MB, heap ${mb(s.heapUsed)}/${mb(s.heapTotal)} MB, external ${mb(s.external)} MB, array buffers ${mb(s.arrayBuffers)} MB, anon ${mb(s.rssAnon)} MB, file ${mb(s.rssFile)} MB\n`;
}

/** Slope of `key` over stored readings, samples after the warm-up fraction. */
function slopeAfter(samples: readonly Sample[], warmup: number, key: keyof Sample): number {
    const last = samples.at(-1)?.readings ?? 0;
    const after = samples.filter((s) => s.readings >= warmup * last && s[key] !== undefined);
    return slope(
        after.map((s) => s.readings),
        after.map((s) => s[key]!),
    );
}

/**
 * The baseline: every meter's request lines written to a fresh store (LedgerStore, the engine's
 * LevelDB options) under sequential keys, one `sync` batch per line, meters round-robin as in the
 * run; memory sampled as in the run. RSS figures are growth from the baseline's start.
 */
async function baseline(
    cache: string,
    meters: number,
    sampleS: number,
    warmup: number,
): Promise<{
    readings: number;
    seconds: number;
    bytes: number;
    rssSlope: number;
    anonSlope: number;
    fileSlope: number;
    peakGrowth: number;
    samples: Sample[];
}> {
    const dir = mkdtempSync(join(tmpdir(), 'femeter-soak-baseline-'));
    const store = await LedgerStore.open(join(dir, 'leveldb'));
    const samples: Sample[] = [];
    let readings = 0;
    let bytes = 0;
    const t0 = performance.now();
    const take = (): void => {
        samples.push(memorySample(t0, readings, readings));
    };
    take();
    const timer = setInterval(take, sampleS * 1000);
    try {
        const readers = Array.from(
            { length: meters },
            (_, i) => new LineReader(join(cache, `${meterId(i)}.jsonl`)),
        );
        let key = 0n;
        for (let active = true; active;) {
            active = false;
            for (const r of readers) {
                const line = r.nextBytes();
                if (line === undefined) continue;
                active = true;
                const parsed = JSON.parse(line.toString('utf8')) as Line;
                if (parsed.kind === 'readings') readings += parsed.items.length;
                bytes += line.length;
                const ops = store.db.batch();
                ops.put(blockKey(key++), line, { sublevel: store.blocks });
                await ops.write({ sync: true });
            }
        }
        take();
    } finally {
        clearInterval(timer);
        await store.close();
        rmSync(dir, { recursive: true, force: true });
    }
    const start = samples[0]!.rss;
    const rel = samples.map((s) => ({
        ...s,
        rss: s.rss - start,
        rssAnon: (s.rssAnon ?? NaN) - (samples[0]!.rssAnon ?? NaN),
        rssFile: (s.rssFile ?? NaN) - (samples[0]!.rssFile ?? NaN),
    }));
    return {
        readings,
        seconds: (performance.now() - t0) / 1000,
        bytes,
        rssSlope: slopeAfter(rel, warmup, 'rss'),
        anonSlope: slopeAfter(rel, warmup, 'rssAnon'),
        fileSlope: slopeAfter(rel, warmup, 'rssFile'),
        peakGrowth: Math.max(...rel.map((s) => s.rss)),
        samples: rel,
    };
}

/** Least-squares slope of y over x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
    const n = xs.length;
    if (n < 2) return NaN;
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    let sxy = 0;
    let sxx = 0;
    for (let i = 0; i < n; i++) {
        sxy += (xs[i]! - mx) * (ys[i]! - my);
        sxx += (xs[i]! - mx) ** 2;
    }
    return sxx === 0 ? NaN : sxy / sxx;
}

async function pool<T>(items: readonly T[], n: number, fn: (t: T) => Promise<void>): Promise<void> {
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.max(1, Math.min(n, items.length)) }, async () => {
            while (next < items.length) await fn(items[next++]!);
        }),
    );
}

const MB = 1024 * 1024;

async function main(): Promise<void> {
    const total = Number(arg('readings', '2000000'));
    const meters = Number(arg('meters', '1000'));
    const sampleS = Number(arg('sample', '2'));
    const warmup = Number(arg('warmup', '0.2'));
    const concurrency = Number(arg('concurrency', '64'));
    const maxLag = Number(arg('max-lag', String(2 * meters * DAY)));
    const baselineOn = arg('baseline', '1') !== '0';
    const out = arg('out', '');
    const snapshotDir = arg('snapshots', '');
    let snapshotsTaken = 0;
    const slots = Math.ceil(total / meters);
    const cache = arg('cache', join(tmpdir(), `femeter-soak-${SEED}-${meters}x${slots}`));
    for (const [k, v] of Object.entries({ total, meters, sampleS, concurrency, maxLag }))
        if (!Number.isFinite(v) || v <= 0) throw new RangeError(`--${k} must be a positive number`);
    console.log(
        `femeter bench:soak — ${cpus().length} cores, node ${process.version}; ${meters} meters × ${slots} slots = ${meters * slots} readings, periods ${plan(
            slots,
        )
            .map((p) => `${p.period}${p.full ? '' : ` (${p.count} slots)`}`)
            .join(', ')}`,
    );

    // 1. The meters' readings, made by the meter code in a child process (cached).
    if (!existsSync(join(cache, 'complete'))) {
        const t0 = performance.now();
        const child = fork(fileURLToPath(import.meta.url), [
            '--generate',
            cache,
            '--meters',
            String(meters),
            '--slots',
            String(slots),
        ]);
        const code = await new Promise<number | null>((res) => child.on('exit', res));
        if (code !== 0) throw new Error(`reading generator exited with ${code}`);
        writeFileSync(join(cache, 'complete'), '');
        console.log(`readings generated in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
    }

    // 2. Engine, parties, meters, mpks, agreements.
    const dir = mkdtempSync(join(tmpdir(), 'femeter-soak-'));
    const engine = await embeddedEngine(join(dir, 'ledger'), derive('engine'));
    try {
        const t0 = performance.now();
        const op = await engine.connect('operator', 'operator');
        await op.api.bootstrap('operator', 'Metering point operator');
        const providerP = await engine.connect('provider', 'operator');
        const hpke = await hpkeKeyPair(derive('provider-hpke'));
        await op.api.registerParty({
            id: 'provider',
            role: 'provider',
            name: 'Soak provider',
            identity: providerP.identity,
            hpkePublicKey: hpke.publicKeyHex,
        });
        await providerP.api.publishTariff(ENERGY_TARIFF('provider'));
        const periods = plan(slots);
        const meterParts: Participant[] = [];
        await pool(
            Array.from({ length: meters }, (_, i) => i),
            8,
            async (i) => {
                const cust = await engine.connect(customerId(i), 'customers');
                await op.api.registerParty({
                    id: customerId(i),
                    role: 'customer',
                    name: `Household ${i}`,
                    identity: cust.identity,
                });
                const mp = await engine.connect(meterId(i), 'customers');
                await op.api.registerMeter({
                    id: meterId(i),
                    owner: customerId(i),
                    identity: mp.identity,
                    signingKey: bytesToHex(
                        ed25519Signer(derive(`${meterId(i)}/signing`)).publicKey,
                    ),
                    channels: [{ id: CHANNEL, unit: 'Wh', medium: 'electricity' }],
                    maxPerSlot: MAX_PER_SLOT,
                    software: { id: 'soak', digest: bytesToHex(sha256(new Uint8Array())) },
                });
                meterParts[i] = mp;
                const customer = new Customer({
                    api: cust.api,
                    partyId: customerId(i),
                    wallet: Wallet.fromSeed(derive(`${customerId(i)}/root`)),
                    dlog: () => {
                        throw new Error('the soak customers decrypt nothing');
                    },
                });
                await customer.publishMpks(meterId(i), CHANNEL, FIRST_PERIOD, periods.length);
                if (agreed(i))
                    await customer.acceptTariff({
                        meter: meterId(i),
                        channel: CHANNEL,
                        provider: 'provider',
                        tariff: { id: 'provider.energy', version: 1 },
                        periods: periods.map((p) => p.period),
                    });
                if (i % 100 === 99) process.stderr.write(`set up ${i + 1}/${meters} meters\n`);
            },
        );
        console.log(
            `setup (parties, meters, mpks, agreements): ${((performance.now() - t0) / 1000).toFixed(0)} s`,
        );

        // 3. The provider follows the event stream from block 0 and bills what closes.
        let dlog: ((gr: AnyGroup) => DlogSolver<unknown>) | undefined;
        const dlogCache = join(tmpdir(), 'femeter-soak-dlog');
        const provider = new Provider({
            api: providerP.api,
            partyId: 'provider',
            hpke,
            dlog: (gr) => {
                if (dlog === undefined) throw new Error('dlog table not loaded');
                return dlog(gr);
            },
        });
        if (periods.some((p) => p.full)) dlog = await dlogSolvers(dlogCache, 20);
        let seen = 0;
        let bills = 0;
        const run = { stop: false };
        const events = await providerP.api.client.events({ startBlock: 0n });
        const dec = new TextDecoder();
        const providerState = { done: false };
        const providerLoop = (async (): Promise<void> => {
            try {
                for await (const ev of events) {
                    if (ev.eventName === 'readings')
                        seen += (JSON.parse(dec.decode(ev.payload)) as { items: unknown[] }).items
                            .length;
                    for (const epoch of await provider.onEvent(ev)) {
                        const [m, ch, p] = epoch.split('|') as [string, string, string];
                        bills += (await provider.bill(m, ch, p)).length;
                    }
                    if (run.stop) break;
                }
            } finally {
                providerState.done = true;
                events.close();
            }
        })();

        // 4. Metering, sampled.
        let stored = 0;
        let lagMax = 0;
        let lagWaitS = 0;
        const samples: Sample[] = [];
        const gc = (globalThis as { gc?: () => void }).gc;
        const tm = performance.now();
        const sample = (): void => {
            samples.push(memorySample(tm, stored, seen));
            lagMax = Math.max(lagMax, stored - seen);
            if (samples.length % 15 === 0) process.stderr.write(progressLine(samples.at(-1)!));
        };
        sample();
        const timer = setInterval(() => {
            sample();
            // --snapshots DIR: a heap snapshot at 40 % and 80 % of the readings (compare them by
            // constructor in DevTools' Comparison view to see what grows)
            while (
                snapshotDir !== '' &&
                snapshotsTaken < 2 &&
                stored >= total * (0.4 * (snapshotsTaken + 1))
            ) {
                const f = writeHeapSnapshot(
                    join(snapshotDir, `soak-${++snapshotsTaken}-${stored}.heapsnapshot`),
                );
                process.stderr.write(`heap snapshot ${f}\n`);
            }
        }, sampleS * 1000);
        const readers = Array.from(
            { length: meters },
            (_, i) => new LineReader(join(cache, `${meterId(i)}.jsonl`)),
        );
        for (let active = true; active;) {
            active = false;
            // one round: every meter submits its next day (and closes a period that it completed)
            await pool(
                Array.from({ length: meters }, (_, i) => i),
                concurrency,
                async (i) => {
                    for (;;) {
                        const line = readers[i]!.next();
                        if (line === undefined) return;
                        active = true;
                        const api = meterParts[i]!.api;
                        if (line.kind === 'close') {
                            await api.closePeriod({
                                meter: meterId(i),
                                channel: CHANNEL,
                                period: line.period,
                                count: line.count,
                                digest: line.digest,
                                signature: line.signature,
                            });
                            return;
                        }
                        // Fair turns for the provider in this process: a meter waits while the provider
                        // is more than --max-lag readings behind (it would otherwise take the CPU).
                        if (stored - seen > maxLag) {
                            const w0 = performance.now();
                            while (stored - seen > maxLag && !providerState.done)
                                await new Promise((r) => setTimeout(r, 20));
                            lagWaitS += (performance.now() - w0) / 1000 / concurrency;
                        }
                        await api.submitReadings(meterId(i), line.items);
                        stored += line.items.length;
                        const last = line.items.at(-1)!;
                        if (last.slot !== periodSlots(last.period, ZONE, 15).slotCount - 1) return;
                    }
                },
            );
        }
        const meteringS = (performance.now() - tm) / 1000;
        const lagAtEnd = stored - seen;
        // let the provider catch up with the stream
        const tc = performance.now();
        while (seen < stored && !providerState.done) await new Promise((r) => setTimeout(r, 50));
        const catchUpS = (performance.now() - tc) / 1000;
        run.stop = true;
        sample();
        clearInterval(timer);
        events.close();
        await providerLoop;

        // 5. Figures.
        const fit = (k: keyof Sample): number => slopeAfter(samples, warmup, k);
        const rssSlope = fit('rss');
        const heapSlope = fit('heapUsed');
        const peakSampled = Math.max(...samples.map((s) => s.rss));
        const peakKernel = process.resourceUsage().maxRSS * 1024;
        const rate = stored / meteringS;
        // 6. Baseline, same process, after the run: the meters' request bytes (the same JSON lines)
        // written straight to a LevelDB store opened with the engine's options, one sync batch per
        // day of a meter — what the storage layer alone costs in memory per reading.
        const base = baselineOn ? await baseline(cache, meters, sampleS, warmup) : undefined;
        const mb = (b: number): string => `${(b / MB).toFixed(0)} MB`;
        const bs = (x: number | undefined): string =>
            x === undefined || Number.isNaN(x) ? '—' : `${x.toFixed(1)} B/reading`;
        printTable(
            ['figure', 'measured', 'target'],
            [
                ['readings stored', String(stored), '≥ 2,000,000'],
                ['metering time', `${meteringS.toFixed(0)} s`, ''],
                ['throughput', `${rate.toFixed(0)} readings/s`, ''],
                ['bills posted by the provider', String(bills), ''],
                [
                    `RSS slope after ${(warmup * 100).toFixed(0)} % warm-up`,
                    `${rssSlope.toFixed(1)} B/reading`,
                    '≤ 16 B/reading',
                ],
                [
                    `heap-used slope${gc ? ' (after full GC)' : ''}`,
                    `${heapSlope.toFixed(1)} B/reading`,
                    '',
                ],
                ['  anonymous RSS slope (heap, malloc, native)', bs(fit('rssAnon')), ''],
                ['  file-backed RSS slope (code, mapped tables)', bs(fit('rssFile')), ''],
                [
                    '  external slope (of which array buffers)',
                    `${bs(fit('external'))} (${bs(fit('arrayBuffers'))})`,
                    '',
                ],
                ['peak RSS (sampled)', mb(peakSampled), '≤ 512 MB'],
                ['peak RSS (kernel maxrss)', mb(peakKernel), '≤ 512 MB'],
                ['provider lag at the end of metering', `${lagAtEnd} readings`, ''],
                ['provider lag, largest sampled', `${lagMax} readings (--max-lag ${maxLag})`, ''],
                ['meters waiting for the provider', `${lagWaitS.toFixed(0)} s`, ''],
                ['provider catch-up after metering', `${catchUpS.toFixed(1)} s`, ''],
                ['samples', `${samples.length} every ${sampleS} s`, ''],
                ...(base === undefined
                    ? []
                    : [
                          [
                              'baseline: raw LevelDB writes, same bytes, same process',
                              `${base.readings} readings, ${base.seconds.toFixed(0)} s`,
                              '',
                          ],
                          ['baseline RSS slope', bs(base.rssSlope), ''],
                          [
                              'baseline anonymous / file-backed RSS slope',
                              `${bs(base.anonSlope)} / ${bs(base.fileSlope)}`,
                              '',
                          ],
                          ['baseline RSS growth, peak − start', mb(base.peakGrowth), ''],
                      ]),
            ],
        );
        if (out !== '') {
            mkdirSync(dirname(out), { recursive: true });
            const result = {
                date: new Date().toISOString(),
                node: process.version,
                cores: cpus().length,
                mallocArenaMax: process.env.MALLOC_ARENA_MAX ?? null,
                meters,
                slotsPerMeter: slots,
                readings: stored,
                bills,
                meteringSeconds: meteringS,
                readingsPerSecond: rate,
                warmupFraction: warmup,
                rssSlopeBytesPerReading: rssSlope,
                heapSlopeBytesPerReading: heapSlope,
                rssAnonSlopeBytesPerReading: fit('rssAnon'),
                rssFileSlopeBytesPerReading: fit('rssFile'),
                externalSlopeBytesPerReading: fit('external'),
                arrayBuffersSlopeBytesPerReading: fit('arrayBuffers'),
                heapAfterFullGc: gc !== undefined,
                maxLag,
                providerLagAtEndOfMetering: lagAtEnd,
                providerLagLargestSampled: lagMax,
                meterSecondsWaitingForProvider: lagWaitS,
                providerCatchUpSeconds: catchUpS,
                baseline: base,
                peakRssSampled: peakSampled,
                peakRssKernel: peakKernel,
                targets: { slopeBytesPerReading: 16, peakRss: 512 * MB },
                samples,
            };
            writeFileSync(`${out}.json`, JSON.stringify(result, null, 1));
            writeFileSync(
                `${out}.svg`,
                plotSvg(samples, { rssSlope, heapSlope, peakKernel, warmup }, base?.samples),
            );
            console.log(`results written to ${out}.json and ${out}.svg`);
        }
    } finally {
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
    }
}

// ---- plot ------------------------------------------------------------------------------------------

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;');

/** A line chart with labelled axes; series share the x axis. */
function chart(
    x0: number,
    y0: number,
    w: number,
    h: number,
    title: string,
    xLabel: string,
    yLabel: string,
    xs: readonly number[],
    series: readonly { name: string; color: string; ys: readonly number[] }[],
    yMaxHint = 0,
): string {
    const xMax = Math.max(1, ...xs);
    const yMax =
        Math.max(yMaxHint, 1, ...series.flatMap((s) => s.ys).filter(Number.isFinite)) * 1.05;
    const px = (x: number): number => x0 + (x / xMax) * w;
    const py = (y: number): number => y0 + h - (y / yMax) * h;
    const parts: string[] = [];
    parts.push(
        `<text x="${x0 + w / 2}" y="${y0 - 10}" text-anchor="middle" font-weight="bold">${esc(title)}</text>`,
    );
    parts.push(`<rect x="${x0}" y="${y0}" width="${w}" height="${h}" fill="none" stroke="#444"/>`);
    for (let k = 0; k <= 5; k++) {
        const yv = (yMax * k) / 5;
        const xv = (xMax * k) / 5;
        parts.push(`<line x1="${x0}" x2="${x0 + w}" y1="${py(yv)}" y2="${py(yv)}" stroke="#ddd"/>`);
        parts.push(
            `<text x="${x0 - 6}" y="${py(yv) + 4}" text-anchor="end" font-size="11">${yv.toFixed(yMax < 10 ? 1 : 0)}</text>`,
        );
        parts.push(
            `<text x="${px(xv)}" y="${y0 + h + 16}" text-anchor="middle" font-size="11">${xv >= 1e5 ? `${(xv / 1e6).toFixed(2)}M` : xv.toFixed(0)}</text>`,
        );
    }
    parts.push(
        `<text x="${x0 + w / 2}" y="${y0 + h + 36}" text-anchor="middle">${esc(xLabel)}</text>`,
    );
    parts.push(
        `<text transform="translate(${x0 - 48},${y0 + h / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`,
    );
    series.forEach((s, k) => {
        const pts = xs.map((x, i) => `${px(x).toFixed(1)},${py(s.ys[i]!).toFixed(1)}`).join(' ');
        parts.push(
            `<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="1.5"/>`,
        );
        parts.push(
            `<rect x="${x0 + 10}" y="${y0 + 10 + k * 16}" width="10" height="10" fill="${s.color}"/>`,
        );
        parts.push(
            `<text x="${x0 + 26}" y="${y0 + 19 + k * 16}" font-size="12">${esc(s.name)}</text>`,
        );
    });
    return parts.join('\n');
}

function plotSvg(
    samples: readonly Sample[],
    f: { rssSlope: number; heapSlope: number; peakKernel: number; warmup: number },
    base?: readonly Sample[],
): string {
    const perS = (k: 'readings' | 'seen'): number[] =>
        samples.map((s, i) =>
            i === 0 ? 0 : (s[k] - samples[i - 1]![k]) / Math.max(1e-9, s.t - samples[i - 1]!.t),
        );
    const opt = (k: keyof Sample): number[] => samples.map((s) => (s[k] ?? NaN) / MB);
    /** RSS and its anonymous and file-backed parts (when sampled), in MB. */
    const rssSeries = (ss: readonly Sample[]): { name: string; color: string; ys: number[] }[] => [
        { name: 'RSS', color: '#c0392b', ys: ss.map((s) => s.rss / MB) },
        ...(ss.some((s) => s.rssAnon !== undefined)
            ? [
                  {
                      name: 'anonymous RSS',
                      color: '#d68910',
                      ys: ss.map((s) => (s.rssAnon ?? NaN) / MB),
                  },
                  {
                      name: 'file-backed RSS',
                      color: '#7d3c98',
                      ys: ss.map((s) => (s.rssFile ?? NaN) / MB),
                  },
              ]
            : []),
    ];
    const W = base === undefined ? 1100 : 1640;
    const H = 420;
    const memory = chart(
        80,
        60,
        420,
        280,
        'Memory over stored readings',
        'readings stored',
        'MB',
        samples.map((s) => s.readings),
        [
            ...rssSeries(samples),
            { name: 'heap used', color: '#2874a6', ys: opt('heapUsed') },
            { name: 'external', color: '#17a589', ys: opt('external') },
            { name: 'target peak 512 MB', color: '#999', ys: samples.map(() => 512) },
        ],
    );
    const tput = chart(
        620,
        60,
        420,
        280,
        'Throughput over time',
        'seconds since metering started',
        'readings stored per second',
        samples.map((s) => s.t),
        [
            { name: 'stored/s', color: '#1e8449', ys: perS('readings') },
            { name: 'folded by the provider/s', color: '#2874a6', ys: perS('seen') },
        ],
    );
    const baseChart =
        base === undefined
            ? ''
            : chart(
                  1160,
                  60,
                  420,
                  280,
                  'Baseline: raw LevelDB writes, same bytes',
                  'readings written',
                  'MB of growth since its start',
                  base.map((s) => s.readings),
                  rssSeries(base),
              );
    const note = `RSS slope ${f.rssSlope.toFixed(1)} B/reading, heap slope ${f.heapSlope.toFixed(1)} B/reading (after ${(f.warmup * 100).toFixed(0)} % warm-up); peak RSS ${(f.peakKernel / MB).toFixed(0)} MB`;
    return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="13">
<rect width="100%" height="100%" fill="white"/>
${memory}
${tput}
${baseChart}
<text x="${W / 2}" y="${H - 14}" text-anchor="middle">${esc(note)}</text>
</svg>
`;
}

/**
 * `--replot LOG --out PREFIX`: figures and plot from the progress lines a run printed on stderr
 * (every 15 samples, MB resolution) — for a run that was stopped before its end.
 */
function replot(log: string, out: string, warmup: number): void {
    const re =
        /^(\d+) s: (\d+) stored, (\d+) seen by the provider; RSS (\d+) MB, heap (\d+)\/(\d+) MB, external (\d+) MB(?:, array buffers (\d+) MB, anon (\d+) MB, file (\d+) MB)?$/;
    const samples: Sample[] = [];
    for (const line of readFileSync(log, 'utf8').split('\n')) {
        const m = re.exec(line.trim());
        if (m === null) continue;
        const [t, readings, seen, rss, heapUsed, heapTotal, external, ab, anon, file] = (
            m.slice(1) as (string | undefined)[]
        ).map((v) => (v === undefined ? undefined : Number(v)));
        samples.push({
            t: t!,
            readings: readings!,
            seen: seen!,
            rss: rss! * MB,
            heapUsed: heapUsed! * MB,
            heapTotal: heapTotal! * MB,
            external: external! * MB,
            ...(ab === undefined ? {} : { arrayBuffers: ab * MB }),
            ...(anon === undefined ? {} : { rssAnon: anon * MB }),
            ...(file === undefined ? {} : { rssFile: file * MB }),
        });
    }
    if (samples.length < 2) throw new Error(`${log}: fewer than two progress lines`);
    const stored = samples.at(-1)!.readings;
    const after = samples.filter((x) => x.readings >= warmup * stored);
    const xs = after.map((x) => x.readings);
    const rssSlope = slope(
        xs,
        after.map((x) => x.rss),
    );
    const heapSlope = slope(
        xs,
        after.map((x) => x.heapUsed),
    );
    const split = after.every((x) => x.rssAnon !== undefined && x.rssFile !== undefined);
    const anonSlope = split
        ? slope(
              xs,
              after.map((x) => x.rssAnon ?? 0),
          )
        : undefined;
    const fileSlope = split
        ? slope(
              xs,
              after.map((x) => x.rssFile ?? 0),
          )
        : undefined;
    const peak = Math.max(...samples.map((x) => x.rss));
    console.log(
        `${stored} readings stored in ${samples.at(-1)!.t} s (run stopped early: progress lines only); RSS slope ${rssSlope.toFixed(1)} B/reading${anonSlope === undefined ? '' : ` (anonymous ${anonSlope.toFixed(1)}, file-backed ${fileSlope!.toFixed(1)})`}, heap slope ${heapSlope.toFixed(1)} B/reading after ${(warmup * 100).toFixed(0)} % warm-up; peak RSS ${(peak / MB).toFixed(0)} MB`,
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
        `${out}.json`,
        JSON.stringify(
            {
                date: new Date().toISOString(),
                source: `progress lines of ${log} (MB resolution; the run was stopped before its end)`,
                readings: stored,
                warmupFraction: warmup,
                rssSlopeBytesPerReading: rssSlope,
                heapSlopeBytesPerReading: heapSlope,
                ...(anonSlope === undefined
                    ? {}
                    : {
                          rssAnonSlopeBytesPerReading: anonSlope,
                          rssFileSlopeBytesPerReading: fileSlope,
                      }),
                peakRssSampled: peak,
                targets: { slopeBytesPerReading: 16, peakRss: 512 * MB },
                samples,
            },
            null,
            1,
        ),
    );
    writeFileSync(
        `${out}.svg`,
        plotSvg(samples, { rssSlope, heapSlope, peakKernel: peak, warmup }),
    );
    console.log(`results written to ${out}.json and ${out}.svg`);
}

if (process.argv.includes('--replot')) {
    replot(arg('replot', ''), arg('out', 'bench-results/soak'), Number(arg('warmup', '0.2')));
} else if (process.argv.includes('--generate')) {
    generate(arg('generate', ''), Number(arg('meters', '0')), Number(arg('slots', '0')));
} else {
    main().catch((e: unknown) => {
        console.error(e);
        process.exitCode = 1;
    });
}
