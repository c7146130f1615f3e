// SPDX-License-Identifier: Apache-2.0
/**
 * @module bench/fabric
 * `npm run bench:fabric` — the seed paper's ledger measurements, on this machine, for the femeter
 * contract on Hyperledger Fabric 2.5 (the local native network: 1 orderer, 2 peers, chaincode as a
 * service, everything on the same cores) beside the embedded engine in the same run, with the same
 * workload and the same client code (the typed FemeterApi over each engine's LedgerClient):
 *
 * 1. time to store one reading: one meter, one reading per transaction, each submit waits for the
 *    commit; p50 and mean;
 * 2. tx/s with 1, 2, 4, 8, 16, 32 concurrent meter clients (each its own identity, closed loop, one
 *    reading per transaction, `--seconds` per level or at most 400 transactions per meter) with p50 /
 *    p99 latency — the paper saw ~500 ms per reading and a breakdown from 8 clients;
 * 3. readings/s with batching: 16 meters submitting a month of readings in transactions of 96 (one
 *    day, what the demo's meters send) and 480 readings; on Fabric, right after each, the baseline:
 *    a trivial key-value chaincode (`bench/fabric-kv-contract.ts`, deployed for the run on the same
 *    network) storing the same records (each reading in femeter's request encoding — its one-reading
 *    binary batch, hex — as one value under its own key, same count per transaction, same meters
 *    encrypting and signing them in the client), and femeter's share of it (issue 11 target: ≥ 50 %);
 * 4. the provider: fetch and bill 50 values (GetReadings of 50 stored readings, Σ y_i·C_i, sk_y·C_0,
 *    discrete log, proof) and one meter-month (2972 slots, the same, then PostBill, which the contract
 *    verifies before storing).
 *
 * Every meter encrypts (C_i = r·H_i + x_i·G) and signs each reading itself right before submitting,
 * like a real meter (≈ 0.1 ms per reading, included in the figures on both engines).
 *
 * Fabric network: the one at `--connection` / `$FEMETER_FABRIC_CONNECTION` /
 * `~/.cache/femeter/fabric-net/connection.json` if it exists; otherwise this bench brings up its own
 * (scripts/fabric/build + up in `$FEMETER_FABRIC_BENCH_DIR` or `~/.cache/femeter/fabric-bench`, ports
 * `$FEMETER_FABRIC_BASE_PORT` or 17350+, with enough client users for the meters unless
 * `$FEMETER_FABRIC_USERS_CUSTOMERS` says otherwise) and takes it down at the end. A fresh chaincode
 * `bench-…` is deployed for the run and stopped afterwards.
 *
 * Batched cells (3.) run every `--batches` × `--batch-meters` pair, fresh meters each. On Fabric each
 * cell (femeter and its baseline alike) also reports what it cost the network, read from outside
 * (bench/fabric-probe.ts): mean latency of each phase from the orderer's and peers' Prometheus
 * metrics (endorsement, orderer validation, block fill, raft persist, peer validate+commit), CPU
 * seconds of each node and µs of chaincode-server CPU per reading, and bytes on disk per stored
 * reading (each peer's block files + state LevelDB + history LevelDB, and the orderer's block files;
 * LevelDB sizes as the peers left them, not compacted).
 *
 * `--presigned`: in the batched cells (femeter and baseline alike) each meter encrypts and signs its
 * readings before the clock starts, as bench/readings.ts's engine-only figures do: on the shared
 * cores of this machine the meters' work (≈ 0.1–0.2 ms a reading) otherwise competes with the
 * network's, while real meters do it on their own hardware. Without it they do it while sending.
 *
 * Usage: node dist/bench/fabric.js [--seconds 4] [--concurrency 1,2,4,8,16,32] [--batches 96,480]
 *        [--batch-meters 16[,64…]] [--single 40] [--engines embedded,fabric] [--connection PATH]
 *        [--skip single,sweep,provider,baseline] [--presigned] [--out bench-results/fabric.json]
 * Results are written as JSON only with `--out`.
 */
import '../test/ledger/fixtures/quiet.js'; // before the contract loads: fabric-contract-api logs every decorator at info

import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { embeddedEngine, fabricEngine, type Engine } from '../src/apps/engines.js';
import { dlogSolvers } from '../src/apps/demo/demo.js';
import { ENERGY_TARIFF } from '../src/apps/demo/tariffs.js';
import {
    closePayload,
    ed25519Signer,
    periodDigest,
    readingBatchHex,
    readingPayload,
    type ReadingInput,
} from '../src/contract/index.js';
import { periodSlots } from '../src/contract/tariff/index.js';
import { encodeMpk, encodeProof } from '../src/fe/codec.js';
import { groupByName } from '../src/fe/groups.js';
import {
    decryptFolded,
    Encryptor,
    innerProductBound,
    keyDer,
    setup,
    weightedSum,
    type DlogSolver,
} from '../src/fe/ipfe.js';
import { proveBill } from '../src/fe/proof.js';
import type { FemeterApi } from '../src/roles/api.js';
import { defaultConnectionPath, FabricLedger } from '../src/ledger/fabric/index.js';
import { clientUsers } from '../src/ledger/fabric/connection.js';
import {
    deployChaincode,
    freshChaincodeName,
    repositoryRoot,
    stopChaincode,
} from '../src/apps/fabric/deploy.js';
import { Customer } from '../src/roles/customer/customer.js';
import { Wallet } from '../src/roles/customer/wallet.js';
import { hpkeKeyPair } from '../src/roles/hpke.js';
import { arg, fmtMs, printTable } from './timing.js';
import {
    chaincodeCpuSeconds,
    diskPerReading,
    formatCost,
    formatDisk,
    ledgerSizes,
    networkCost,
    snapshotNodes,
    type DiskPerReading,
    type NetworkCost,
    type Nodes,
} from './fabric-probe.js';

const list = (s: string): number[] => s.split(',').map((x) => Number.parseInt(x, 10));
const SETTINGS = {
    seconds: Number(arg('seconds', '4')),
    concurrency: list(arg('concurrency', '1,2,4,8,16,32')),
    batches: list(arg('batches', '96,480')),
    batchMeters: list(arg('batch-meters', '16')),
    single: Number(arg('single', '40')),
    maxTxPerMeter: 400,
    engines: arg('engines', 'embedded,fabric').split(','),
    connection: arg('connection', defaultConnectionPath()),
    skip: new Set(arg('skip', '').split(',').filter(Boolean)),
    presigned: process.argv.includes('--presigned'),
    out: arg('out', ''),
};
const CHANNEL = '1-0:1.8.0';
const PERIOD = '2024-03';
const MAX = 20_000;
const SLOTS = periodSlots(PERIOD, 'Europe/Berlin', 15).slotCount; // 2972
const g = groupByName('ristretto255');
const derive = (label: string): Uint8Array => sha256(utf8ToBytes(`femeter-bench-fabric/${label}`));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Value of slot i of a meter: small and deterministic. */
const valueOf = (meter: string, slot: number): bigint =>
    BigInt(((slot + 1) * 37 + meter.length * 11) % 900);

/** A meter that encrypts and signs each reading right before sending it. */
class BenchMeter {
    readonly id: string;
    readonly api: FemeterApi;
    readonly #enc: Encryptor<unknown>;
    readonly #signer: ReturnType<typeof ed25519Signer>;
    readonly #c0: Uint8Array;
    /** Readings encrypted and signed ahead by {@link prepare}, from slot `next` on. */
    #ready: ReadingInput[] = [];
    next = 0;
    constructor(id: string, api: FemeterApi, customerSeed: Uint8Array) {
        this.id = id;
        this.api = api;
        const { mpk } = setup(
            g,
            customerSeed,
            { meter: id, channel: CHANNEL, period: PERIOD },
            SLOTS,
        );
        this.#enc = new Encryptor(g, mpk, derive(`${id}/enc`), {
            maxReading: BigInt(MAX),
            precompute: true,
        });
        this.#signer = ed25519Signer(derive(`${id}/sign`));
        this.#c0 = g.encode(this.#enc.open());
    }
    get publicKey(): string {
        return bytesToHex(this.#signer.publicKey);
    }
    get c0(): unknown {
        return this.#enc.open();
    }
    /** Encrypt and sign the next `n` readings now, for {@link take} to hand out later. */
    prepare(n: number): void {
        const from = this.next;
        this.#ready = this.take(n);
        this.next = from;
    }
    /** The next n readings (slot = seq − 1): prepared ones first, the rest encrypted and signed now. */
    take(n: number): ReadingInput[] {
        const out: ReadingInput[] = [];
        while (this.#ready.length > 0 && this.#ready[0]!.slot < this.next) this.#ready.shift();
        for (let k = 0; k < n && this.next < SLOTS; k++, this.next++) {
            if (this.#ready[0]?.slot === this.next) {
                out.push(this.#ready.shift()!);
                continue;
            }
            const slot = this.next;
            const c = g.encode(this.#enc.slot(slot, valueOf(this.id, slot)));
            const c0 = slot === 0 ? this.#c0 : undefined;
            const seq = slot + 1;
            const sig = this.#signer.sign(
                readingPayload({
                    meter: this.id,
                    channel: CHANNEL,
                    period: PERIOD,
                    slot,
                    c,
                    c0,
                    seq,
                    status: 0,
                }),
            );
            out.push({
                channel: CHANNEL,
                period: PERIOD,
                slot,
                seq,
                status: 0,
                c: bytesToHex(c),
                ...(c0 ? { c0: bytesToHex(c0) } : {}),
                sig: bytesToHex(sig),
            });
        }
        return out;
    }
    sign(message: Uint8Array): string {
        return bytesToHex(this.#signer.sign(message));
    }
}

interface World {
    readonly operator: FemeterApi;
    readonly provider: FemeterApi;
    readonly meters: BenchMeter[];
    readonly customers: Customer[];
}

async function pool<T>(
    items: readonly T[],
    n: number,
    fn: (t: T, i: number) => Promise<void>,
): Promise<void> {
    let next = 0;
    await Promise.all(
        Array.from({ length: Math.min(n, items.length) }, async () => {
            while (next < items.length) {
                const i = next++;
                await fn(items[i]!, i);
            }
        }),
    );
}

/** Operator, provider with the energy tariff, and `n` customers with one meter each (mpk published). */
async function buildWorld(engine: Engine, n: number): Promise<World> {
    const operator = await engine.connect('operator', 'operator');
    await operator.api.bootstrap('operator', 'Operator');
    const provider = await engine.connect('provider', 'operator');
    const hpke = await hpkeKeyPair(derive('provider/hpke'));
    await operator.api.registerParty({
        id: 'provider',
        role: 'provider',
        name: 'Provider',
        identity: provider.identity,
        hpkePublicKey: hpke.publicKeyHex,
    });
    await provider.api.publishTariff(ENERGY_TARIFF('provider'));
    const meters: BenchMeter[] = [];
    const customers: Customer[] = [];
    await pool(
        Array.from({ length: n }, (_, i) => i),
        8,
        async (i) => {
            const cid = `cust-${i}`;
            const mid = `meter-${i}`;
            const cp = await engine.connect(cid, 'customers');
            await operator.api.registerParty({
                id: cid,
                role: 'customer',
                name: cid,
                identity: cp.identity,
            });
            const mp = await engine.connect(mid, 'customers');
            const seed = derive(`${cid}/root`);
            const meter = new BenchMeter(mid, mp.api, seed);
            await operator.api.registerMeter({
                id: mid,
                owner: cid,
                identity: mp.identity,
                signingKey: meter.publicKey,
                channels: [{ id: CHANNEL, unit: 'Wh', medium: 'electricity' }],
                maxPerSlot: MAX,
                software: { id: 'bench-meter/1', digest: bytesToHex(sha256(utf8ToBytes('bench'))) },
            });
            const customer = new Customer({
                api: cp.api,
                partyId: cid,
                wallet: Wallet.fromSeed(seed),
                dlog: () => ({ solve: () => 0n }),
            });
            const { mpk } = setup(g, seed, { meter: mid, channel: CHANNEL, period: PERIOD }, SLOTS);
            await cp.api.publishMpk(mid, CHANNEL, PERIOD, bytesToHex(encodeMpk(g, mpk)));
            meters[i] = meter;
            customers[i] = customer;
        },
    );
    return { operator: operator.api, provider: provider.api, meters, customers };
}

const percentile = (xs: readonly number[], p: number): number => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? NaN;
};

interface Sweep {
    readonly clients: number;
    readonly txs: number;
    readonly seconds: number;
    readonly txPerSecond: number;
    readonly p50ms: number;
    readonly p99ms: number;
    readonly errors: number;
    /** CPU of this bench process (the meters' encrypt + sign, the client, all threads) per reading, µs. */
    readonly clientCpuUsPerReading: number;
}

/** `clients` meters in a closed loop, `perTx` readings per transaction, for `seconds` (or until done). */
async function closedLoop(
    meters: readonly BenchMeter[],
    perTx: number,
    seconds: number,
    maxTxPerMeter: number,
): Promise<Sweep & { readings: number }> {
    const lat: number[] = [];
    let errors = 0;
    let readings = 0;
    const t0 = performance.now();
    const cpu0 = process.cpuUsage();
    const end = t0 + seconds * 1000;
    await Promise.all(
        meters.map(async (m) => {
            for (let k = 0; k < maxTxPerMeter && performance.now() < end && m.next < SLOTS; k++) {
                const batch = m.take(perTx);
                const s = performance.now();
                try {
                    await m.api.submitReadings(m.id, batch);
                    lat.push(performance.now() - s);
                    readings += batch.length;
                } catch (e) {
                    errors++;
                    if (errors <= 3)
                        console.error(`  ${m.id}: ${(e as Error).message.slice(0, 200)}`);
                    m.next -= batch.length; // resend later
                    await sleep(50);
                }
            }
        }),
    );
    const secs = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    return {
        clients: meters.length,
        clientCpuUsPerReading: readings > 0 ? (cpu.user + cpu.system) / readings : NaN,
        txs: lat.length,
        seconds: secs,
        txPerSecond: lat.length / secs,
        p50ms: percentile(lat, 0.5),
        p99ms: percentile(lat, 0.99),
        errors,
        readings,
    };
}

interface ProviderTimes {
    readonly values: number;
    readonly fetchMs: number;
    readonly computeMs: number;
    readonly postMs: number | undefined;
    readonly m: string;
    readonly correct: boolean;
}

/**
 * The provider's work for one meter: fetch the stored readings, Σ y_i·C_i, decrypt with sk_y·C_0
 * and the discrete log, prove; for a whole closed month also post (the contract verifies the proof).
 */
async function providerBill(
    w: World,
    index: number,
    values: number,
    dlog: DlogSolver<unknown>,
): Promise<ProviderTimes> {
    const meter = w.meters[index]!;
    const seed = derive(`cust-${index}/root`);
    const { msk } = setup(g, seed, { meter: meter.id, channel: CHANNEL, period: PERIOD }, SLOTS);
    const full = values === SLOTS;
    const y = Array.from({ length: SLOTS }, (_, i) => (i < values ? 1n : 0n)); // energy over the first `values` slots
    const key = keyDer(g, msk, y); // for a full month: what the customer seals to the provider in AcceptTariff
    if (full)
        await w.customers[index]!.acceptTariff({
            meter: meter.id,
            channel: CHANNEL,
            provider: 'provider',
            tariff: { id: 'provider.energy', version: 1 },
            periods: [PERIOD],
        });
    while (meter.next < values)
        await meter.api.submitReadings(meter.id, meter.take(Math.min(480, values - meter.next)));
    if (full) {
        const stored = await meter.api.getReadings(meter.id, CHANNEL, PERIOD);
        const digest = periodDigest(
            bytesToHex(g.encode(meter.c0)),
            stored.map((r) => r.c),
            g.elementBytes,
        );
        await meter.api.closePeriod({
            meter: meter.id,
            channel: CHANNEL,
            period: PERIOD,
            count: SLOTS,
            digest: bytesToHex(digest),
            signature: meter.sign(closePayload(meter.id, CHANNEL, PERIOD, SLOTS, digest)),
        });
    }
    // -- timed: the provider
    let t = performance.now();
    const readings = await w.provider.getReadings(meter.id, CHANNEL, PERIOD);
    const periodRec = await w.provider.getPeriod(meter.id, CHANNEL, PERIOD);
    const fetchMs = performance.now() - t;
    t = performance.now();
    const C = readings.map((r) => g.decode(hexToBytes(r.c), 'C'));
    const C0 = g.decode(hexToBytes(periodRec!.c0!), 'C0');
    const yUsed = y.slice(0, C.length);
    const S = weightedSum(g, yUsed, C);
    const m = decryptFolded(g, key, C0, S, dlog, innerProductBound(y, BigInt(MAX)));
    const proof = proveBill(g, key.sk, {
        meter: meter.id,
        channel: CHANNEL,
        period: PERIOD,
        tariff: 'provider.energy@1',
        m,
        K: g.mulBase(key.sk),
        C0,
        S,
    });
    const computeMs = performance.now() - t;
    let postMs: number | undefined;
    if (full) {
        t = performance.now();
        await w.provider.postBill({
            meter: meter.id,
            channel: CHANNEL,
            period: PERIOD,
            tariff: { id: 'provider.energy', version: 1 },
            m: m.toString(),
            proof: bytesToHex(encodeProof(g, proof)),
        });
        postMs = performance.now() - t;
    }
    let expected = 0n;
    for (let i = 0; i < values; i++) expected += valueOf(meter.id, i);
    return {
        values: readings.length,
        fetchMs,
        computeMs,
        postMs,
        m: m.toString(),
        correct: m === expected,
    };
}

/** What one Fabric cell cost the network (bench/fabric-probe.ts). */
interface CellCost {
    readonly network: NetworkCost;
    /** Bytes on disk per stored reading: each peer's ledger, and the orderer's blocks. */
    readonly disk: DiskPerReading | undefined;
    /** CPU of the chaincode server over the cell, µs per reading. */
    readonly chaincodeCpuUsPerReading: number | undefined;
}

interface Probe {
    readonly nodes: Nodes;
    readonly dataDir: string;
}

function networkProbe(ledger: FabricLedger): Probe {
    const p = ledger.profile;
    return {
        dataDir: p.dataDir,
        nodes: {
            // in connection.json, not in the typed profile (the engine never talks to it)
            orderer:
                (
                    JSON.parse(readFileSync(join(p.dataDir, 'connection.json'), 'utf8')) as {
                        orderer: { operationsEndpoint?: string };
                    }
                ).orderer.operationsEndpoint ?? '',
            peers: Object.values(p.organizations).map((o) => ({
                name: o.name,
                endpoint: o.peer.operationsEndpoint,
            })),
        },
    };
}

/** Run a cell between two looks at the network (metrics, ledger sizes, chaincode CPU). */
async function measure<T extends { readonly readings: number }>(
    probe: Probe | undefined,
    chaincode: string | undefined,
    run: () => Promise<T>,
): Promise<[T, CellCost | undefined]> {
    if (!probe) return [await run(), undefined];
    const cc0 = chaincode ? chaincodeCpuSeconds(probe.dataDir, chaincode) : undefined;
    const m0 = await snapshotNodes(probe.nodes);
    const d0 = ledgerSizes(probe.dataDir);
    const r = await run();
    await sleep(300); // the last blocks reach both peers' ledgers
    const cc1 = chaincode ? chaincodeCpuSeconds(probe.dataDir, chaincode) : undefined;
    const m1 = await snapshotNodes(probe.nodes);
    const d1 = ledgerSizes(probe.dataDir);
    return [
        r,
        {
            network: networkCost(m0, m1),
            disk: diskPerReading(d0, d1, r.readings),
            chaincodeCpuUsPerReading:
                cc0 !== undefined && cc1 !== undefined && r.readings > 0
                    ? (1e6 * (cc1 - cc0)) / r.readings
                    : undefined,
        },
    ];
}

const formatCostCc = (c: CellCost): string =>
    `${formatDisk(c.disk)}; chaincode CPU ${c.chaincodeCpuUsPerReading?.toFixed(0) ?? '?'} µs/reading`;

/**
 * How many readings a meter signs ahead with `--presigned` for a batched cell of 2 × --seconds: more
 * than a closed-loop meter can commit in it (≤ 40 transactions a second), at most the period.
 */
const presignBudget = (perTx: number): number =>
    Math.min(SLOTS, perTx * Math.ceil(SETTINGS.seconds * 2 * 40));

/** One batched figure of the key-value baseline. */
interface BaselineRun {
    readonly perTx: number;
    readonly clients: number;
    readonly readings: number;
    readonly seconds: number;
    readonly readingsPerSecond: number;
    readonly txPerSecond: number;
    readonly p50ms: number;
    readonly errors: number;
    readonly valueBytes: number;
    readonly clientCpuUsPerReading: number;
}

/** The key-value baseline chaincode, deployed for the run on the femeter engine's network. */
interface Baseline {
    readonly chaincode: string;
    run(perTx: number, clients: number): Promise<BaselineRun>;
    close(): Promise<void>;
}

async function openBaseline(ledger: FabricLedger, meters: number): Promise<Baseline> {
    // every client user of the org holds one meter of femeter's part or one of this baseline's
    const profile = ledger.profile;
    const connectionPath = join(profile.dataDir, 'connection.json');
    const chaincode = freshChaincodeName('kvbase');
    await deployChaincode({
        dataDir: profile.dataDir,
        name: chaincode,
        entry: join(repositoryRoot(), 'dist', 'bench', 'fabric-kv-contract.js'),
    });
    const kv = await FabricLedger.open({ connectionPath, chaincode });
    const org = kv.profile.organizations.CustomersMSP;
    if (org === undefined) throw new Error('no CustomersMSP in the connection profile');
    const users = clientUsers(org).slice(-meters); // the last users: femeter's bench takes the first
    const clients = await Promise.all(users.map((u) => kv.connectUser('CustomersMSP', u)));
    let round = 0;
    return {
        chaincode,
        async run(perTx, n) {
            round++;
            const active = clients.slice(0, n);
            const lat: number[] = [];
            let readings = 0;
            let errors = 0;
            let valueBytes = 0;
            // the same records as femeter's meters send, encrypted and signed while sending
            // (the meters' set-up — mpk, precomputed tables — is outside the timed window)
            const meters = active.map(
                (_, i) =>
                    new BenchMeter(
                        `kv-${round}-${i}`,
                        undefined as unknown as FemeterApi,
                        derive(`kv-${round}-${i}/root`),
                    ),
            );
            if (SETTINGS.presigned) for (const m of meters) m.prepare(presignBudget(perTx));
            const t0 = performance.now();
            const cpu0 = process.cpuUsage();
            const end = t0 + SETTINGS.seconds * 2000;
            await Promise.all(
                active.map(async (client, i) => {
                    const m = meters[i]!;
                    while (performance.now() < end && m.next < SLOTS) {
                        const batch = m.take(perTx);
                        // each record is the reading as femeter's request carries it (its
                        // binary batch encoding, hex), one key per reading
                        const items = batch.map((r) => [`${m.id}~${r.slot}`, readingBatchHex([r])]);
                        valueBytes = items[0]![1]!.length;
                        const s = performance.now();
                        try {
                            await client.submit('PutMany', JSON.stringify(items));
                            lat.push(performance.now() - s);
                            readings += batch.length;
                        } catch (e) {
                            errors++;
                            if (errors <= 3)
                                console.error(
                                    `  kv ${m.id}: ${(e as Error).message.slice(0, 200)}`,
                                );
                            await sleep(50);
                        }
                    }
                }),
            );
            const seconds = (performance.now() - t0) / 1000;
            const cpu = process.cpuUsage(cpu0);
            return {
                perTx,
                clientCpuUsPerReading: readings > 0 ? (cpu.user + cpu.system) / readings : NaN,
                clients: n,
                readings,
                seconds,
                readingsPerSecond: readings / seconds,
                txPerSecond: lat.length / seconds,
                p50ms: percentile(lat, 0.5),
                errors,
                valueBytes,
            };
        },
        async close() {
            await Promise.all(clients.map((c) => c.close()));
            await kv.close();
            await stopChaincode({ dataDir: profile.dataDir, name: chaincode });
        },
    };
}

interface EngineResult {
    readonly engine: string;
    readonly setupSeconds: number;
    readonly single: { readonly samples: number; readonly p50ms: number; readonly meanMs: number };
    readonly sweep: Sweep[];
    readonly batched: (Sweep & {
        readonly perTx: number;
        readonly readings: number;
        readonly readingsPerSecond: number;
        readonly cost?: CellCost;
    })[];
    readonly provider50: ProviderTimes | undefined;
    readonly providerMonth: ProviderTimes | undefined;
    readonly baseline?: {
        readonly chaincode: string;
        readonly batched: (BaselineRun & { cost?: CellCost })[];
    };
    readonly adapterStats?: unknown;
}

async function runEngine(
    name: string,
    engine: Engine,
    dlog: DlogSolver<unknown>,
    ledger?: FabricLedger,
    engineChaincode?: string,
): Promise<EngineResult> {
    const s = SETTINGS;
    const nSweep = s.skip.has('sweep') ? 0 : Math.max(...s.concurrency);
    const n =
        (s.skip.has('single') ? 0 : 1) +
        nSweep +
        s.batches.length * s.batchMeters.reduce((a, b) => a + b, 0) +
        (s.skip.has('provider') ? 0 : 2);
    console.log(
        `\n[${name}] setting up ${n} customers with meters (registration, mpk publication)…`,
    );
    const t0 = performance.now();
    const w = await buildWorld(engine, n);
    const setupSeconds = (performance.now() - t0) / 1000;
    console.log(`[${name}] set up in ${setupSeconds.toFixed(1)} s`);
    let next = 0;
    const take = (k: number): BenchMeter[] => w.meters.slice(next, (next += k));

    // 1. one reading, one transaction, wait for the commit
    const lat: number[] = [];
    if (!s.skip.has('single')) {
        const single = take(1)[0]!;
        const budget = performance.now() + s.seconds * 2000;
        for (let i = 0; i < s.single && performance.now() < budget; i++) {
            const batch = single.take(1);
            const t = performance.now();
            await single.api.submitReadings(single.id, batch);
            lat.push(performance.now() - t);
        }
    }
    const singleRes = {
        samples: lat.length,
        p50ms: percentile(lat, 0.5),
        meanMs: lat.reduce((a, b) => a + b, 0) / lat.length,
    };
    if (lat.length)
        console.log(
            `[${name}] time to store one reading: p50 ${fmtMs(singleRes.p50ms)} (${lat.length} sequential submits)`,
        );

    // 2. concurrency sweep, one reading per transaction
    const sweepMeters = take(nSweep);
    const sweep: Sweep[] = [];
    for (const c of nSweep ? s.concurrency : []) {
        const r = await closedLoop(sweepMeters.slice(0, c), 1, s.seconds, s.maxTxPerMeter);
        sweep.push(r);
        console.log(
            `[${name}] ${String(c).padStart(2)} clients: ${r.txPerSecond.toFixed(1)} tx/s, p50 ${fmtMs(r.p50ms)}, p99 ${fmtMs(r.p99ms)}${r.errors ? `, ${r.errors} errors` : ''}`,
        );
    }

    // 3. batched readings, each beside the key-value baseline (Fabric) right after it, each cell
    //    with what it cost the network (latency phases, CPU, bytes on disk per reading)
    const maxMeters = Math.max(...s.batchMeters);
    const baseline =
        ledger && !s.skip.has('baseline') ? await openBaseline(ledger, maxMeters) : undefined;
    const probe = ledger ? networkProbe(ledger) : undefined;
    const batched: EngineResult['batched'] = [];
    const baselineRuns: (BaselineRun & { cost?: CellCost })[] = [];
    try {
        for (const perTx of s.batches) {
            for (const nm of s.batchMeters) {
                const meters = take(nm);
                if (s.presigned) for (const m of meters) m.prepare(presignBudget(perTx));
                const [r, cost] = await measure(probe, engineChaincode, () =>
                    closedLoop(meters, perTx, s.seconds * 2, Number.MAX_SAFE_INTEGER),
                );
                batched.push({ ...r, perTx, readingsPerSecond: r.readings / r.seconds, cost });
                console.log(
                    `[${name}] ${nm} meters × ${perTx} readings/tx: ${(r.readings / r.seconds).toFixed(0)} readings/s (${r.txPerSecond.toFixed(1)} tx/s, p50 ${fmtMs(r.p50ms)})${r.errors ? `, ${r.errors} errors` : ''}`,
                );
                if (cost)
                    console.log(
                        `    ${formatCost(cost.network)}\n    ${formatCostCc(cost)}, bench client CPU ${r.clientCpuUsPerReading.toFixed(0)} µs/reading`,
                    );
                if (baseline) {
                    const [k, kCost] = await measure(probe, baseline.chaincode, () =>
                        baseline.run(perTx, nm),
                    );
                    baselineRuns.push({ ...k, cost: kCost });
                    const share = (100 * r.readings) / r.seconds / k.readingsPerSecond;
                    console.log(
                        `[${name}] baseline key-value chaincode, ${nm} clients × ${perTx} records/tx of ${k.valueBytes} B: ${k.readingsPerSecond.toFixed(0)} records/s (${k.txPerSecond.toFixed(1)} tx/s, p50 ${fmtMs(k.p50ms)})${k.errors ? `, ${k.errors} errors` : ''} — femeter ${share.toFixed(0)} % of it (target ≥ 50 %)`,
                    );
                    if (kCost)
                        console.log(
                            `    ${formatCost(kCost.network)}\n    ${formatCostCc(kCost)}, bench client CPU ${k.clientCpuUsPerReading.toFixed(0)} µs/reading`,
                        );
                }
            }
        }
    } finally {
        await baseline?.close();
    }

    // 4. provider
    let provider50: ProviderTimes | undefined;
    let providerMonth: ProviderTimes | undefined;
    if (!s.skip.has('provider')) {
        const [m50, mMonth] = take(2).map((m) => w.meters.indexOf(m));
        provider50 = await providerBill(w, m50!, 50, dlog);
        providerMonth = await providerBill(w, mMonth!, SLOTS, dlog);
        console.log(
            `[${name}] provider, 50 values: fetch ${fmtMs(provider50.fetchMs)} + bill ${fmtMs(provider50.computeMs)}; one meter-month: fetch ${fmtMs(providerMonth.fetchMs)} + bill ${fmtMs(providerMonth.computeMs)} + post ${fmtMs(providerMonth.postMs)}`,
        );
    }
    const stats = ledger?.stats();
    return {
        engine: name,
        setupSeconds,
        single: singleRes,
        sweep,
        batched,
        provider50,
        providerMonth,
        ...(baseline ? { baseline: { chaincode: baseline.chaincode, batched: baselineRuns } } : {}),
        ...(stats ? { adapterStats: stats } : {}),
    };
}

function script(name: string, env: NodeJS.ProcessEnv, ...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            join(repositoryRoot(), 'scripts', 'fabric', name),
            args,
            { env, timeout: 600_000, maxBuffer: 16 << 20 },
            (err, out, errOut) => {
                if (err)
                    reject(new Error(`scripts/fabric/${name}: ${err.message}\n${out}${errOut}`));
                else resolve(out + errOut);
            },
        );
    });
}

async function main(): Promise<void> {
    console.log(
        `femeter bench:fabric — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}; period ${PERIOD} (${SLOTS} slots)`,
    );
    const cache = process.env.FEMETER_CACHE ?? join(homedir(), '.cache', 'femeter');
    const dlog = (await dlogSolvers(join(cache, 'dlog'), 20))(g);
    const results: EngineResult[] = [];
    let network: { connection: string; own: boolean; env?: NodeJS.ProcessEnv } | undefined;
    try {
        for (const name of SETTINGS.engines) {
            if (name === 'embedded') {
                const dir = mkdtempSync(join(tmpdir(), 'femeter-bench-fabric-'));
                const engine = await embeddedEngine(join(dir, 'ledger'), derive('engine'));
                try {
                    results.push(await runEngine('embedded', engine, dlog));
                } finally {
                    await engine.close();
                    rmSync(dir, { recursive: true, force: true });
                }
            } else if (name === 'fabric') {
                if (existsSync(SETTINGS.connection)) {
                    network = { connection: SETTINGS.connection, own: false };
                    console.log(`\n[fabric] using the running network of ${SETTINGS.connection}`);
                } else {
                    const dir = process.env.FEMETER_FABRIC_BENCH_DIR ?? join(cache, 'fabric-bench');
                    // two client users per femeter meter (customer + meter), one per baseline client
                    const users =
                        2 *
                            (SETTINGS.batches.length *
                                SETTINGS.batchMeters.reduce((a, b) => a + b, 0) +
                                Math.max(...SETTINGS.concurrency) +
                                3) +
                        Math.max(...SETTINGS.batchMeters);
                    const env = {
                        ...process.env,
                        FEMETER_FABRIC_DIR: dir,
                        FEMETER_FABRIC_BASE_PORT: process.env.FEMETER_FABRIC_BASE_PORT ?? '17350',
                        FEMETER_FABRIC_USERS_CUSTOMERS:
                            process.env.FEMETER_FABRIC_USERS_CUSTOMERS ??
                            String(Math.max(250, users)),
                    };
                    console.log(
                        `\n[fabric] no network at ${SETTINGS.connection}: bringing one up in ${dir}`,
                    );
                    await script('build', env);
                    await script('down', env);
                    await script('up', env);
                    network = { connection: join(dir, 'connection.json'), own: true, env };
                }
                const engine = await fabricEngine(network.connection, { freshChaincode: 'bench' });
                console.log(
                    `[fabric] chaincode ${engine.chaincode}, BatchTimeout ${engine.ledger.profile.orderer.batchTimeout}, endorsement ${engine.ledger.profile.chaincodes[engine.chaincode]?.endorsementPolicy}`,
                );
                try {
                    results.push(
                        await runEngine('fabric', engine, dlog, engine.ledger, engine.chaincode),
                    );
                } finally {
                    await engine.close();
                }
            } else {
                throw new Error(`unknown engine ${name} (embedded, fabric)`);
            }
        }
    } finally {
        if (network?.own && network.env)
            await script('down', network.env).catch((e: unknown) => {
                console.error(String(e));
            });
    }

    const by = (e: string): EngineResult | undefined => results.find((r) => r.engine === e);
    const emb = by('embedded');
    const fab = by('fabric');
    const col = (f: (r: EngineResult) => string): [string, string] => [
        emb ? f(emb) : '—',
        fab ? f(fab) : '—',
    ];
    const rows: string[][] = [];
    if (!SETTINGS.skip.has('single'))
        rows.push([
            'time to store one reading (p50, sequential, commit awaited)',
            ...col((r) => fmtMs(r.single.p50ms)),
            '~500 ms',
        ]);
    for (const [i, c] of SETTINGS.skip.has('sweep') ? [] : SETTINGS.concurrency.entries()) {
        rows.push([
            `${c} concurrent meter clients, 1 reading/tx: tx/s (p50 / p99)`,
            ...col((r) => {
                const x = r.sweep[i];
                return x
                    ? `${x.txPerSecond.toFixed(0)} (${fmtMs(x.p50ms)} / ${fmtMs(x.p99ms)})`
                    : '—';
            }),
            c === 8 ? 'breakdown from 8 clients' : '',
        ]);
    }
    const cells = SETTINGS.batches.flatMap((b) => SETTINGS.batchMeters.map((nm) => [b, nm]));
    for (const [i, [b, nm]] of cells.entries()) {
        rows.push([
            `${nm} meters, ${b} readings/tx: readings/s`,
            ...col((r) => r.batched[i]?.readingsPerSecond.toFixed(0) ?? '—'),
            i === 0 ? '~2 sustained' : '',
        ]);
        if (fab?.baseline?.batched[i]) {
            const k = fab.baseline.batched[i];
            const f = fab.batched[i]!.readingsPerSecond;
            rows.push([
                `  baseline: key-value chaincode, same records, ${b}/tx: records/s (femeter's share)`,
                '—',
                `${k.readingsPerSecond.toFixed(0)} (${((100 * f) / k.readingsPerSecond).toFixed(0)} %)`,
                '',
            ]);
        }
        const fd = fab?.batched[i]?.cost?.disk;
        const kd = fab?.baseline?.batched[i]?.cost?.disk;
        if (fd)
            rows.push([
                `  bytes on disk per reading, each peer (femeter / baseline), ${b}/tx`,
                '—',
                `${fd.peerTotal.toFixed(0)} / ${kd?.peerTotal.toFixed(0) ?? '—'}`,
                '',
            ]);
    }
    const prov = (f: (p50: ProviderTimes, month: ProviderTimes) => string) => (r: EngineResult) =>
        r.provider50 && r.providerMonth ? f(r.provider50, r.providerMonth) : '—';
    if (!SETTINGS.skip.has('provider')) {
        rows.push([
            'provider: fetch + bill 50 values',
            ...col(prov((p) => `${fmtMs(p.fetchMs + p.computeMs)} (fetch ${fmtMs(p.fetchMs)})`)),
            '',
        ]);
        rows.push([
            'provider: fetch + bill one meter-month (2972)',
            ...col(prov((_, m) => `${fmtMs(m.fetchMs + m.computeMs)} (fetch ${fmtMs(m.fetchMs)})`)),
            '',
        ]);
        rows.push([
            '  + PostBill (contract verifies the proof), commit',
            ...col(prov((_, m) => fmtMs(m.postMs))),
            '',
        ]);
        rows.push(['bills exact', ...col(prov((p, m) => String(p.correct && m.correct))), '']);
    }
    console.log('');
    printTable(['figure', 'embedded', 'Fabric 2.5 (local)', 'seed paper (Fabric 1.4)'], rows);

    if (SETTINGS.out) {
        mkdirSync(dirname(SETTINGS.out), { recursive: true });
        writeFileSync(
            SETTINGS.out,
            JSON.stringify(
                {
                    date: new Date().toISOString(),
                    machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
                    settings: {
                        ...SETTINGS,
                        skip: [...SETTINGS.skip],
                        connection: network?.connection,
                    },
                    fabric: fab
                        ? {
                              network: {
                                  connection: network?.connection,
                                  broughtUpByBench: network?.own ?? false,
                              },
                          }
                        : undefined,
                    paper: {
                        msPerReading: 500,
                        breakdownFromClients: 8,
                        readingsPerSecondSustained: 2,
                    },
                    results,
                },
                null,
                1,
            ) + '\n',
        );
        console.log(`results written to ${SETTINGS.out}`);
    }
    if (results.some((r) => r.provider50?.correct === false || r.providerMonth?.correct === false))
        process.exitCode = 1;
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
