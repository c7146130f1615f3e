// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/engine
 * The embedded ledger engine: runs the fabric-contract-api contract in-process over a LevelDB store, with signed
 * envelopes, replay protection, hash-chained signed blocks, group commit and an event stream.
 *
 * Life of a submitted transaction:
 * 1. Admission (in the caller's turn, no waiting): size ≤ `maxEnvelopeBytes`, canonical payload, channel, creator
 *    key, Ed25519 signature over SHA-256(payload), MSP membership. Refusals throw {@link EndorseError} and leave no
 *    trace. A full queue throws {@link SubmitError} `OVERLOADED`.
 * 2. Execution, strictly one transaction at a time in arrival order (serialisable: each sees every earlier
 *    transaction, durable or still in the pipeline). A txId already committed or pending is refused
 *    (`DUPLICATE_TXID`). The contract runs against the committed state (Fabric semantics: no read-your-writes).
 *    Its write set goes into an in-memory overlay that the next transactions read through.
 * 3. Group commit: executed transactions collect in the open batch; whenever the writer is idle it takes the whole
 *    open batch (at most `maxBlockTxs` transactions / `maxBlockBytes`) as one block, signs it and writes block +
 *    state + txIds + height in ONE `batch(…, { sync: true })`. While that fsync runs, execution continues into the
 *    next batch; the block size therefore adapts to load (1 tx when idle, hundreds under load).
 * 4. When the batch is durable every submit in it resolves (valid) or rejects with EndorseError (contract refused;
 *    recorded in the block as invalid, state untouched, txId spent). If the write fails, the engine stops: the
 *    batch and every later executed tx reject with {@link CommitError}, queued ones with SubmitError `FAILED`.
 *
 * Evaluate runs the contract on a LevelDB snapshot of durable state, concurrently with the pipeline.
 */

import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { writeFileAtomic } from '../atomicfile.js';
import type {
    CommittedTransaction,
    ConnectOptions,
    EventsOptions,
    Identity,
    Ledger,
    LedgerClient,
    SubmitResult,
} from '../client.js';
import { CommitError, EndorseError, LedgerError, SubmitError } from '../errors.js';
import type { Block, TxRecord, ValidationCode } from './block.js';
import {
    decodeStoredBlock,
    encodeData,
    encodeHeader,
    encodeStoredBlockAsync,
    blockWrite,
    refusalRecord,
} from './block.js';
import { CodecError, compareKeys, equalBytes, fromHex, toHex } from './codec.js';
import {
    ed25519PrivateKeyObject,
    ed25519PublicKey,
    randomEd25519PrivateKey,
    sha256,
    signEd25519,
    signEd25519WithKey,
} from './crypto.js';
import type { Ed25519Backend } from './crypto.js';
import { ContractHost } from '../inprocess/dispatch.js';
import type { ContractClass } from '../inprocess/dispatch.js';
import type { Proposal, SignedEnvelope } from './envelope.js';
import { decodeProposal } from './envelope.js';
import { EventStream } from './events.js';
import type { BlockEvents, EventSource } from './events.js';
import { EmbeddedClientIdentity } from './identity.js';
import { blockKey, decodeTxLocation, encodeTxLocation, LedgerStore, txIdKey } from './store.js';
import { EmbeddedStub } from '../inprocess/stub.js';
import type { StateCursor, StateView } from '../inprocess/stub.js';
import { verifyStore } from './verify.js';
import { admit } from './admission.js';
import type { AdmissionPolicy } from './admission.js';
import { EmbeddedClient } from './client.js';
import { blockEventsOf } from './events.js';
import { MergedCursor } from './overlay.js';
import type { OverlayEntry } from './overlay.js';
import { Batch, writeBytes } from './pipeline.js';
import type { Pending } from './pipeline.js';
import type { EngineKeySource, VerifyOptions, VerifyResult } from './verify.js';
import { signCheckpoint } from './anchor.js';
import { VerifyPool, type PreverifyHook } from './verify-pool.js';
import { availableParallelism } from 'node:os';
import type { SignedCheckpoint } from './anchor.js';

/**
 * Default bounds; each is an option.
 *
 * @example
 * ```ts
 * await ledgers.embedded({ path, contracts, maxBlockTxs: EMBEDDED_DEFAULTS.maxBlockTxs * 2 });
 * ```
 */
export const EMBEDDED_DEFAULTS = Object.freeze({
    channel: 'femeter',
    /** Transactions per block at most (the writer takes fewer when it is free sooner). */
    maxBlockTxs: 1000,
    /** Approximate bytes of transaction data per block at most (a single larger tx still gets its own block). */
    maxBlockBytes: 16 * 1024 * 1024,
    /** Largest accepted payload + signature. */
    maxEnvelopeBytes: 4 * 1024 * 1024,
    /** Most arguments per transaction. */
    maxArgs: 1024,
    /** Most admitted-but-not-executed transactions; beyond it submit throws OVERLOADED (backpressure, no drop). */
    maxPending: 50_000,
    /** Most bytes of admitted-but-not-executed envelopes (same backpressure). */
    maxPendingBytes: 256 * 1024 * 1024,
    /** A contract call that takes longer fails (like Fabric's chaincode execute timeout). */
    executeTimeoutMs: 30_000,
    /** A signed checkpoint of the tip is written every this many blocks (see `checkpointFile`). */
    checkpointEvery: 1000,
});

const _ENGINE_KEY_FILE = 'engine.key';
const _CHECKPOINT_FILE = 'checkpoint.json';
const _LEVELDB_DIR = 'leveldb';
/** Longest stretch of back-to-back executions before the executor yields to the event loop. */
const _YIELD_EVERY_MS = 4;
/** Recent blocks whose events are kept in memory for live streams (at most this many, and this many bytes). */
const _EVENT_CACHE_BLOCKS = 256;
const _EVENT_CACHE_BYTES = 32 * 1024 * 1024;

/**
 * Options of {@link EmbeddedLedger.open} / `ledgers.embedded`.
 *
 * @example
 * ```ts
 * const ledger = await ledgers.embedded({
 *     path: './data/ledger',
 *     contracts: [FemeterContract],
 *     msps: { OperatorMSP: [operatorPublicKey], MeterMSP: '*' },
 * });
 * ```
 */
export interface EmbeddedLedgerOptions {
    /** Data directory (created if missing): `leveldb/` and `engine.key`. */
    readonly path: string;
    /** Contract classes; the `@Default()` one or else the first is the default contract. */
    readonly contracts: readonly ContractClass[];
    /**
     * The engine's 32-byte Ed25519 secret key that signs blocks. Default: `<path>/engine.key` (hex, mode 0600),
     * created on first open. A key that does not match the ledger's recorded public key is refused.
     */
    readonly engineKey?: Uint8Array;
    /** Channel name every envelope must carry (fixed at creation). Default `femeter`. */
    readonly channel?: string;
    /**
     * Admission by MSP: mspId → the Ed25519 public keys allowed to act for it, or `'*'` for any key. Omitted: any
     * mspId with any valid key is admitted (contracts must then authorise by registered key, never by mspId alone).
     */
    readonly msps?: Readonly<Record<string, readonly Uint8Array[] | '*'>>;
    readonly maxBlockTxs?: number;
    readonly maxBlockBytes?: number;
    readonly maxEnvelopeBytes?: number;
    readonly maxArgs?: number;
    readonly maxPending?: number;
    readonly maxPendingBytes?: number;
    readonly executeTimeoutMs?: number;
    /**
     * Every `checkpointEvery` blocks the engine signs (channel, block number, block hash) with its key and
     * replaces `checkpointFile` (default `<path>/checkpoint.json`) with it. The operator copies it out of the data
     * directory (or points this option elsewhere); `openCheckpoint(file, engineKey)` turns it into an anchor for
     * `verify`. {@link EmbeddedLedger.checkpoint} signs one on demand.
     */
    readonly checkpointEvery?: number;
    readonly checkpointFile?: string;
    /**
     * Largest payload + signature per transaction name (as sent, e.g. `SubmitReadings`); names not listed are
     * bounded by `maxEnvelopeBytes`. Refused at admission (`TOO_LARGE`), nothing stored.
     */
    readonly maxTxBytes?: Readonly<Record<string, number>>;
    /**
     * Refuse a creator before ordering, nothing stored (`ACCESS_DENIED` with the returned reason); e.g. a key the
     * contract has not registered. `state.get` reads durable state. Runs after the signature check.
     */
    readonly creatorCheck?: (
        creator: Identity,
        txName: string,
        state: { get(key: string): Uint8Array | undefined },
    ) => string | undefined;
    /** Ed25519 implementation for transaction and block signatures. Default `node`. */
    readonly ed25519?: Ed25519Backend;
    /**
     * Worker threads that verify the Ed25519 signatures a transaction will check before it is ordered, for
     * contracts with a static `preverify` hook (verify-pool.ts). Started with the first such
     * transaction, ended by `close`. Default: `FEMETER_VERIFY_WORKERS` from the environment, else the number of
     * CPUs, at most 4; 0 turns it off.
     */
    readonly verifyWorkers?: number;
}

/**
 * Where a transaction is and how it ended.
 *
 * @example
 * ```ts
 * const info = await ledger.getTransaction(txId);
 * if (info?.validationCode === 'VALID') console.log(`in block ${info.blockNumber}`);
 * ```
 */
export interface TransactionInfo {
    readonly transactionId: string;
    readonly blockNumber: bigint;
    readonly index: number;
    readonly validationCode: ValidationCode;
    readonly message: string | undefined;
}

/** A rejection reason that is an Error. */
function _asError(err: unknown): Error {
    return err instanceof Error ? err : new Error(String(err));
}

function _positiveInt(value: number | undefined, fallback: number, name: string): number {
    const v = value ?? fallback;
    if (!Number.isSafeInteger(v) || v <= 0)
        throw new RangeError(`"${name}" must be a positive integer, got ${v}`);
    return v;
}

/**
 * The embedded ledger. Open with `ledgers.embedded(options)` or {@link EmbeddedLedger.open}.
 *
 * @example
 * ```ts
 * const ledger = await EmbeddedLedger.open({ path: './data/ledger', contracts: [FemeterContract] });
 * const privateKey = identities.newPrivateKey();
 * const identity = identities.ed25519('OperatorMSP', privateKey);
 * const client = ledger.connect({ identity, signer: signers.ed25519(privateKey) });
 * const { blockNumber } = await client.submit('RegisterParty', partyJson);
 * const report = await ledger.verify();
 * await ledger.close();
 * ```
 */
export class EmbeddedLedger implements Ledger {
    readonly #path: string;
    readonly #store: LedgerStore;
    readonly #host: ContractHost;
    readonly #signBlock: (hash: Uint8Array) => Uint8Array;
    readonly #enginePublicKey: Uint8Array;
    readonly #channel: string;
    readonly #msps: ReadonlyMap<string, ReadonlySet<string> | '*'> | undefined;
    readonly #limits: {
        readonly maxBlockTxs: number;
        readonly maxBlockBytes: number;
        readonly maxEnvelopeBytes: number;
        readonly maxArgs: number;
        readonly maxPending: number;
        readonly maxPendingBytes: number;
        readonly executeTimeoutMs: number;
    };
    readonly #backend: Ed25519Backend;
    readonly #admission: AdmissionPolicy;
    readonly #engineKeySource: EngineKeySource;
    readonly #checkpointEvery: bigint;
    readonly #checkpointFile: string;
    /** The checkpoint file write in flight (one at a time; a newer one waits for it). */
    #checkpointWrite: Promise<void> = Promise.resolve();

    // Pipeline.
    readonly #queue: Pending[] = [];
    #queueHead = 0;
    #queuedBytes = 0;
    #open: Batch;
    #batchSeq = 0;
    #executing = false;
    #writing: Promise<void> | undefined;
    readonly #overlay = new Map<string, OverlayEntry>();
    readonly #pendingTxIds = new Set<string>();

    // Chain tip (durable).
    #height: bigint;
    #tipHash: Uint8Array;

    // Lifecycle and readers.
    #closing: Promise<void> | undefined;
    #closed = false;
    #failed: LedgerError | undefined;
    readonly #waiters = new Set<() => void>();
    readonly #eventCache = new Map<bigint, { events: BlockEvents; bytes: number }>();
    #eventCacheBytes = 0;
    readonly #streams = new Set<EventStream>();
    readonly #activeReads = new Set<Promise<unknown>>();
    readonly #liveView: StateView;

    // Checks made in worker threads before ordering (verify-pool.ts).
    readonly #preverifyHook: PreverifyHook | undefined;
    readonly #verifyWorkers: number;
    #pool: VerifyPool | undefined;

    private constructor(
        options: Readonly<EmbeddedLedgerOptions>,
        store: LedgerStore,
        host: ContractHost,
        engineKey: Uint8Array,
        meta: { channel: string; height: bigint; lastHash: Uint8Array },
    ) {
        this.#path = options.path;
        this.#engineKeySource = options.engineKey === undefined ? 'data-directory' : 'given';
        this.#checkpointEvery = BigInt(
            _positiveInt(
                options.checkpointEvery,
                EMBEDDED_DEFAULTS.checkpointEvery,
                'checkpointEvery',
            ),
        );
        this.#checkpointFile = options.checkpointFile ?? join(options.path, _CHECKPOINT_FILE);
        this.#store = store;
        this.#host = host;
        this.#enginePublicKey = ed25519PublicKey(engineKey);
        if ((options.ed25519 ?? 'node') === 'node') {
            const keyObject = ed25519PrivateKeyObject(engineKey);
            this.#signBlock = (hash) => signEd25519WithKey(hash, keyObject);
        } else {
            this.#signBlock = (hash) => signEd25519(hash, engineKey, 'noble');
        }
        this.#channel = meta.channel;
        this.#height = meta.height;
        this.#tipHash = meta.lastHash;
        this.#backend = options.ed25519 ?? 'node';
        const limit = (
            name: keyof typeof EMBEDDED_DEFAULTS & keyof EmbeddedLedgerOptions,
        ): number =>
            _positiveInt(
                options[name] as number | undefined,
                EMBEDDED_DEFAULTS[name] as number,
                name,
            );
        this.#limits = {
            maxBlockTxs: limit('maxBlockTxs'),
            maxBlockBytes: limit('maxBlockBytes'),
            maxEnvelopeBytes: limit('maxEnvelopeBytes'),
            maxArgs: limit('maxArgs'),
            maxPending: limit('maxPending'),
            maxPendingBytes: limit('maxPendingBytes'),
            executeTimeoutMs: limit('executeTimeoutMs'),
        };
        if (options.msps !== undefined) {
            const msps = new Map<string, ReadonlySet<string> | '*'>();
            for (const [mspId, keys] of Object.entries(options.msps)) {
                msps.set(mspId, keys === '*' ? '*' : new Set(keys.map((k) => toHex(k))));
            }
            this.#msps = msps;
        }
        const maxTxBytes = new Map<string, number>();
        for (const [name, cap] of Object.entries(options.maxTxBytes ?? {}))
            maxTxBytes.set(name, _positiveInt(cap, cap, `maxTxBytes.${name}`));
        const check = options.creatorCheck;
        const durable = { get: (key: string) => this.#store.state.getSync(key) };
        this.#admission = Object.freeze({
            channel: this.#channel,
            maxEnvelopeBytes: this.#limits.maxEnvelopeBytes,
            maxArgs: this.#limits.maxArgs,
            backend: this.#backend,
            msps: this.#msps,
            maxTxBytes,
            creatorCheck:
                check === undefined
                    ? undefined
                    : (creator: Identity, txName: string) => check(creator, txName, durable),
        });
        this.#open = new Batch(++this.#batchSeq);
        this.#preverifyHook = options.contracts
            .map((c) => (c as { preverify?: unknown }).preverify)
            .find((h): h is PreverifyHook => typeof h === 'function');
        const fromEnv = process.env.FEMETER_VERIFY_WORKERS;
        const vw =
            options.verifyWorkers ??
            (fromEnv === undefined ? Math.min(4, availableParallelism()) : Number(fromEnv));
        if (!Number.isSafeInteger(vw) || vw < 0)
            throw new RangeError(`"verifyWorkers" must be a non-negative integer, got ${vw}`);
        this.#verifyWorkers = vw;
        this.#liveView = {
            get: (key) => {
                const o = this.#overlay.get(key);
                if (o !== undefined) return o.value === null ? undefined : new Uint8Array(o.value);
                return this.#store.state.getSync(key);
            },
            range: (start, end) => this.#liveRange(start, end),
        };
    }

    /**
     * Open (or create) an embedded ledger in `options.path`.
     * @throws {TypeError | RangeError} on bad options
     * @throws if the directory holds a ledger of another channel or signed by another engine key, or is locked by
     *   another process
     */
    static async open(options: Readonly<EmbeddedLedgerOptions>): Promise<EmbeddedLedger> {
        if (typeof options.path !== 'string' || options.path.length === 0) {
            throw new TypeError('"path" expected a non-empty string');
        }
        const host = await ContractHost.load(options.contracts);
        await mkdir(options.path, { recursive: true });
        const store = await LedgerStore.open(join(options.path, _LEVELDB_DIR));
        try {
            let meta = await store.readMeta();
            const engineKey = await EmbeddedLedger.#engineKeyFor(options, meta !== undefined);
            const publicKey = ed25519PublicKey(engineKey);
            const channel = options.channel ?? meta?.channel ?? EMBEDDED_DEFAULTS.channel;
            if (meta === undefined) {
                await store.initMeta(channel, publicKey);
                meta = await store.readMeta();
                if (meta === undefined) throw new Error('ledger meta record was not written');
            }
            if (!equalBytes(meta.enginePublicKey, publicKey)) {
                throw new Error(
                    `${options.path}: the engine key does not match the key this ledger was created with`,
                );
            }
            await EmbeddedLedger.#checkTip(store, meta.height, meta.lastHash, options.path);
            if (meta.channel !== channel) {
                const [have, want] = [JSON.stringify(meta.channel), JSON.stringify(channel)];
                throw new Error(`${options.path}: ledger is for channel ${have}, not ${want}`);
            }
            return new EmbeddedLedger(options, store, host, engineKey, meta);
        } catch (err) {
            await store.close();
            throw err;
        }
    }

    /** Cheap consistency check at open: the recorded tip is the last stored block. Full check: verify(). */
    static async #checkTip(
        store: LedgerStore,
        height: bigint,
        lastHash: Uint8Array,
        path: string,
    ): Promise<void> {
        const beyond = await store.blocks.get(blockKey(height));
        let ok = beyond === undefined;
        if (ok && height > 0n) {
            const last = await store.blocks.get(blockKey(height - 1n));
            ok = last !== undefined && equalBytes(decodeStoredBlock(last).hash, lastHash);
        }
        if (!ok)
            throw new Error(
                `${path}: the ledger's recorded tip does not match its blocks; run verify`,
            );
    }

    static async #engineKeyFor(
        options: Readonly<EmbeddedLedgerOptions>,
        exists: boolean,
    ): Promise<Uint8Array> {
        if (options.engineKey !== undefined) {
            if (!(options.engineKey instanceof Uint8Array) || options.engineKey.length !== 32) {
                throw new TypeError('"engineKey" expected a 32-byte Uint8Array');
            }
            return new Uint8Array(options.engineKey);
        }
        const file = join(options.path, _ENGINE_KEY_FILE);
        try {
            const key = fromHex((await readFile(file, 'utf8')).trim());
            if (key.length !== 32) throw new Error(`${file}: expected 32 bytes of hex`);
            return key;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        }
        if (exists)
            throw new Error(
                `${file} is missing: the engine key of this ledger is needed to sign new blocks`,
            );
        const key = randomEd25519PrivateKey();
        await writeFileAtomic(file, toHex(key) + '\n', 0o600);
        return key;
    }

    /** The data directory. */
    get path(): string {
        return this.#path;
    }
    /** The channel every envelope must name. */
    get channel(): string {
        return this.#channel;
    }
    /** Number of durable blocks (the next block's number). */
    get height(): bigint {
        return this.#height;
    }
    /** Public key that verifies block signatures. */
    get enginePublicKey(): Uint8Array {
        return new Uint8Array(this.#enginePublicKey);
    }
    /** Names of the hosted contracts, the default first. */
    get contractNames(): string[] {
        return this.#host.contractNames;
    }

    /**
     * A client that signs as `identity` with `signer`.
     *
     * @example
     * ```ts
     * const client = ledger.connect({ identity, signer });
     * await client.submit('Put', 'k', 'v');
     * ```
     */
    connect(options: Readonly<ConnectOptions>): LedgerClient {
        return new EmbeddedClient(this, options.identity, options.signer);
    }

    /**
     * Admit, execute and durably commit a signed envelope (what a gateway forwards).
     * @throws {EndorseError} refused (see {@link LedgerErrorCode}); nothing was recorded unless the contract refused
     * @throws {SubmitError} closed, failed or overloaded
     * @throws {CommitError} the block could not be written
     */
    submitSigned(envelope: SignedEnvelope): Promise<SubmitResult> {
        try {
            this.#assertAccepting();
            const { proposal, txId, payloadHash } = admit(envelope, this.#admission);
            const size = envelope.payload.length + envelope.signature.length;
            const { maxPending, maxPendingBytes } = this.#limits;
            if (this.#pendingCount() >= maxPending || this.#queuedBytes + size > maxPendingBytes) {
                throw new SubmitError(
                    'OVERLOADED',
                    `too many transactions pending (${this.#pendingCount()})`,
                    {
                        transactionId: txId,
                    },
                );
            }
            const prepared = this.#preverify(proposal);
            return new Promise<SubmitResult>((resolve, reject) => {
                this.#queuedBytes += size;
                this.#queue.push({
                    envelope,
                    proposal,
                    txId,
                    payloadHash,
                    prepared,
                    resolve,
                    reject,
                });
                this.#runExecutor();
            });
        } catch (err) {
            return Promise.reject(_asError(err));
        }
    }

    /**
     * Admit and execute a signed envelope against durable state without recording anything.
     * @throws {EndorseError} refused by the engine or the contract
     * @throws {SubmitError} closed or failed
     */
    evaluateSigned(envelope: SignedEnvelope): Promise<Uint8Array> {
        try {
            this.#assertAccepting();
            const { proposal, txId } = admit(envelope, this.#admission);
            return this.#track(this.#evaluate(proposal, txId));
        } catch (err) {
            return Promise.reject(_asError(err));
        }
    }

    /**
     * Chaincode events from a position (see {@link EventsOptions}), then live.
     *
     * @example
     * ```ts
     * const stream = await ledger.events({ startBlock: 0n });
     * for await (const e of stream) { ... }
     * ```
     */
    events(options: Readonly<EventsOptions> = {}): Promise<EventStream> {
        try {
            if (this.#closed) throw new SubmitError('CLOSED', 'the ledger is closed');
            const source: EventSource = {
                height: () => this.#height,
                blockEvents: (n) => this.#blockEvents(n),
                subscribe: (wake) => {
                    this.#waiters.add(wake);
                    return () => this.#waiters.delete(wake);
                },
                terminal: () => ({
                    closed: this.#closed || this.#closing !== undefined,
                    error: this.#failed,
                }),
            };
            const stream: EventStream = new EventStream(source, options, () =>
                this.#streams.delete(stream),
            );
            this.#streams.add(stream);
            return Promise.resolve(stream);
        } catch (err) {
            return Promise.reject(_asError(err));
        }
    }

    /**
     * A committed block, decoded, or undefined beyond the height.
     *
     * @example
     * ```ts
     * const block = await ledger.getBlock(0n);
     * ```
     */
    async getBlock(n: bigint): Promise<Block | undefined> {
        if (this.#closed) throw new SubmitError('CLOSED', 'the ledger is closed');
        if (typeof n !== 'bigint') throw new TypeError('"n" expected a bigint');
        if (n < 0n || n >= this.#height) return undefined;
        const bytes = await this.#store.blocks.get(blockKey(n));
        return bytes === undefined ? undefined : decodeStoredBlock(bytes);
    }

    /** A committed transaction by id through the `txids` index (undefined: unknown or malformed id). */
    async #locate(
        txId: string,
    ): Promise<{ blockNumber: bigint; index: number; tx: TxRecord } | undefined> {
        if (this.#closed) throw new SubmitError('CLOSED', 'the ledger is closed');
        let key: Uint8Array;
        try {
            key = txIdKey(txId);
        } catch {
            return undefined;
        }
        const loc = await this.#store.txids.get(key);
        if (loc === undefined) return undefined;
        const { blockNumber, index } = decodeTxLocation(loc);
        const tx = (await this.getBlock(blockNumber))?.txs[index];
        return tx?.txId === txId ? { blockNumber, index, tx } : undefined;
    }

    /**
     * Where a committed transaction is and how it ended, or undefined if unknown.
     *
     * @example
     * ```ts
     * const info = await ledger.getTransaction(result.transactionId);
     * ```
     */
    async getTransaction(txId: string): Promise<TransactionInfo | undefined> {
        const found = await this.#locate(txId);
        if (found === undefined) return undefined;
        const { blockNumber, index, tx } = found;
        return {
            transactionId: txId,
            blockNumber,
            index,
            validationCode: tx.validationCode,
            message: tx.message,
        };
    }

    /**
     * The request of a committed valid transaction (through the `txids` index), or undefined when
     * the id is unknown, malformed or names a refused transaction.
     *
     * @example
     * ```ts
     * const tx = await ledger.getCommittedTransaction(result.transactionId);
     * ```
     */
    async getCommittedTransaction(txId: string): Promise<CommittedTransaction | undefined> {
        const found = await this.#locate(txId);
        if (found?.tx.validationCode !== 'VALID') return undefined;
        const { blockNumber, tx } = found;
        const p = decodeProposal(tx.payload, { maxArgs: this.#limits.maxArgs });
        return {
            transactionId: txId,
            blockNumber,
            txName: p.txName,
            args: p.args,
            creatorMspId: p.creator.mspId,
        };
    }

    /**
     * Re-check the whole chain and state on a consistent snapshot (writes may continue meanwhile).
     *
     * @example
     * ```ts
     * const { ok, firstBadBlock, reason } = await ledger.verify();
     * ```
     */
    verify(options: Readonly<VerifyOptions> = {}): Promise<VerifyResult> {
        if (this.#closed) return Promise.reject(new SubmitError('CLOSED', 'the ledger is closed'));
        return this.#track(
            verifyStore(this.#store, {
                enginePublicKey: options.enginePublicKey ?? this.#enginePublicKey,
                engineKeySource:
                    options.enginePublicKey === undefined ? this.#engineKeySource : 'given',
                anchors: options.anchors,
                ed25519: options.ed25519 ?? this.#backend,
                workDir: options.workDir,
            }),
        );
    }

    /**
     * A checkpoint of the current tip signed with the engine key (undefined while the chain is empty). Copy it
     * somewhere the data directory's writers cannot reach; `openCheckpoint(cp, enginePublicKey)` makes it an anchor.
     *
     * @example
     * ```ts
     * const cp = ledger.checkpoint();
     * await writeFile('/secure/femeter-checkpoint.json', JSON.stringify(cp));
     * ```
     */
    checkpoint(): SignedCheckpoint | undefined {
        if (this.#height === 0n) return undefined;
        const anchor = { blockNumber: this.#height - 1n, blockHash: this.#tipHash };
        return signCheckpoint(this.#channel, anchor, this.#enginePublicKey, this.#signBlock);
    }

    /** Replace the checkpoint file with a checkpoint of the tip (after the previous write finished). */
    #publishCheckpoint(): void {
        const cp = this.checkpoint();
        if (cp === undefined) return;
        const file = this.#checkpointFile;
        const write = this.#checkpointWrite.then(() =>
            writeFileAtomic(file, JSON.stringify(cp, null, 2) + '\n', 0o644),
        );
        // A failed checkpoint write does not stop the ledger (the chain is durable); the next one retries.
        this.#checkpointWrite = write.catch((err: unknown) => {
            process.emitWarning(
                `femeter: checkpoint ${cp.blockNumber} not written to ${file}: ${String(err)}`,
            );
        });
        void this.#track(this.#checkpointWrite);
    }

    /**
     * Stop accepting, finish every admitted transaction (commit it and answer its caller), end event streams and
     * close the database. Idempotent.
     */
    close(): Promise<void> {
        this.#closing ??= this.#close();
        return this.#closing;
    }

    async #close(): Promise<void> {
        // Let the pipeline drain: everything admitted is executed, written and answered.
        const busy = (): boolean =>
            this.#executing ||
            this.#writing !== undefined ||
            this.#pendingCount() > 0 ||
            this.#open.items.length > 0;
        while (busy()) {
            if (this.#failed !== undefined) break;
            if (this.#writing !== undefined) await this.#writing;
            else await new Promise((r) => setImmediate(r));
            this.#kickWriter();
        }
        this.#wakeAll();
        for (const s of [...this.#streams]) s.close();
        await Promise.allSettled([...this.#activeReads]);
        this.#closed = true;
        await this.#pool?.close();
        await this.#store.close();
    }

    // ---- admission ------------------------------------------------------------------------------------------

    #assertAccepting(): void {
        if (this.#closed || this.#closing !== undefined)
            throw new SubmitError('CLOSED', 'the ledger is closed');
        if (this.#failed !== undefined) {
            throw new SubmitError(
                'FAILED',
                `the ledger stopped after a storage failure: ${this.#failed.message}`,
                {
                    cause: this.#failed,
                },
            );
        }
    }

    // ---- execution ------------------------------------------------------------------------------------------

    /** Start the checks workers can make before the transaction executes; undefined when there are none. */
    #preverify(proposal: Proposal): Promise<void> | undefined {
        if (this.#preverifyHook === undefined || this.#verifyWorkers === 0) return undefined;
        let tasks;
        try {
            const ci = new EmbeddedClientIdentity(proposal.creator);
            tasks = this.#preverifyHook(proposal.txName, proposal.args, {
                get: (key) => this.#store.state.getSync(key),
                creator: { mspId: ci.getMSPID(), id: ci.getID() },
            });
        } catch {
            return undefined; // malformed: the contract refuses it with its own message
        }
        if (tasks === undefined) return undefined;
        this.#pool ??= new VerifyPool(this.#verifyWorkers);
        return 'module' in tasks ? this.#pool.run(tasks) : this.#pool.runAll(tasks);
    }

    #pendingCount(): number {
        return this.#queue.length - this.#queueHead;
    }

    #dequeue(): Pending | undefined {
        const p = this.#queue[this.#queueHead];
        if (p === undefined) return undefined;
        this.#queue[this.#queueHead] = undefined as unknown as Pending;
        this.#queueHead++;
        this.#queuedBytes -= p.envelope.payload.length + p.envelope.signature.length;
        if (this.#queueHead > 1024 && this.#queueHead * 2 > this.#queue.length) {
            this.#queue.splice(0, this.#queueHead);
            this.#queueHead = 0;
        }
        return p;
    }

    #runExecutor(): void {
        if (this.#executing) return;
        this.#executing = true;
        void this.#executeLoop().finally(() => {
            this.#executing = false;
            this.#kickWriter();
            if (this.#pendingCount() > 0 && this.#failed === undefined) this.#runExecutor();
        });
    }

    async #executeLoop(): Promise<void> {
        let lastYield = performance.now();
        while (this.#pendingCount() > 0 && this.#failed === undefined) {
            // Contract calls resolve as microtasks; yield now and then so I/O (the writer's fsync completion,
            // incoming requests) is not starved by a long queue.
            if (performance.now() - lastYield > _YIELD_EVERY_MS) {
                await new Promise((resolve) => setImmediate(resolve));
                lastYield = performance.now();
            }
            const { maxBlockTxs, maxBlockBytes } = this.#limits;
            const full =
                this.#open.items.length >= maxBlockTxs || this.#open.bytes >= maxBlockBytes;
            if (full) {
                if (this.#writing === undefined) this.#kickWriter();
                else await this.#writing;
                continue;
            }
            const p = this.#dequeue();
            if (p === undefined) break;
            try {
                await this.#execute(p);
            } catch (err) {
                // An engine bug, not a contract error: refuse this tx, keep going.
                const message = `engine error: ${(err as Error).message}`;
                p.reject(
                    new EndorseError('CONTRACT_ERROR', message, {
                        transactionId: p.txId,
                        cause: err,
                    }),
                );
            }
            this.#kickWriter();
        }
    }

    async #execute(p: Pending): Promise<void> {
        if (p.prepared !== undefined) await p.prepared;
        if (
            this.#pendingTxIds.has(p.txId) ||
            this.#store.txids.getSync(txIdKey(p.txId)) !== undefined
        ) {
            const message = `transaction ${p.txId} was already submitted`;
            p.reject(new EndorseError('DUPLICATE_TXID', message, { transactionId: p.txId }));
            return;
        }
        const stub = new EmbeddedStub({ proposal: p.proposal, txId: p.txId, view: this.#liveView });
        const outcome = await this.#invoke(stub, p.proposal);
        const { writes, event } = await stub.seal();
        if (this.#failed !== undefined) {
            p.reject(
                new CommitError('STORAGE', this.#failed.message, {
                    transactionId: p.txId,
                    cause: this.#failed,
                }),
            );
            return;
        }
        const batch = this.#open;
        let record: TxRecord;
        let error: EndorseError | undefined;
        if (outcome.ok) {
            record = {
                txId: p.txId,
                payload: p.envelope.payload,
                payloadHash: p.payloadHash,
                signature: p.envelope.signature,
                validationCode: 'VALID',
                message: undefined,
                writes: writes.map(blockWrite),
                event,
            };
            for (const w of writes) {
                this.#overlay.set(w.key, { value: w.value, seq: batch.seq });
                batch.stateOps.set(w.key, w.value);
            }
        } else {
            // A refusal spends the txId and is recorded without its payload (hash, code, bounded message).
            const { code, error: contractError } = outcome;
            record = refusalRecord(p.txId, p.payloadHash, code, contractError.message);
            error = new EndorseError(code, contractError.message, {
                transactionId: p.txId,
                contractError,
            });
        }
        this.#pendingTxIds.add(p.txId);
        batch.items.push({
            pending: p,
            record,
            result: outcome.ok ? outcome.payload : new Uint8Array(0),
            error,
        });
        batch.bytes +=
            record.payload.length +
            (record.writes.length > 0 ? writeBytes(writes) : 0) +
            (event?.payload.length ?? 0) +
            128;
    }

    async #invoke(stub: EmbeddedStub, proposal: Proposal): ReturnType<ContractHost['invoke']> {
        const ci = new EmbeddedClientIdentity(proposal.creator);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<Awaited<ReturnType<ContractHost['invoke']>>>((resolve) => {
            timer = setTimeout(() => {
                resolve({
                    ok: false,
                    code: 'CONTRACT_ERROR',
                    error: {
                        message: `transaction timed out after ${this.#limits.executeTimeoutMs} ms`,
                    },
                });
            }, this.#limits.executeTimeoutMs);
        });
        try {
            return await Promise.race([
                this.#host.invoke(stub, ci, proposal.txName, proposal.args),
                timeout,
            ]);
        } finally {
            clearTimeout(timer);
        }
    }

    #liveRange(start: string, end: string): StateCursor {
        // Snapshot the overlay entries in range now; the LevelDB iterator snapshots durable state now, too.
        const overlay: [string, Uint8Array | null][] = [];
        for (const [key, { value }] of this.#overlay) {
            if (compareKeys(key, start) >= 0 && (end === '' || compareKeys(key, end) < 0))
                overlay.push([key, value]);
        }
        overlay.sort((a, b) => compareKeys(a[0], b[0]));
        const it = this.#store.state.iterator(
            end === '' ? { gte: start } : { gte: start, lt: end },
        );
        return new MergedCursor(overlay, it);
    }

    async #evaluate(proposal: Proposal, txId: string): Promise<Uint8Array> {
        const snapshot = this.#store.db.snapshot();
        try {
            const view: StateView = {
                get: (key) => this.#store.state.getSync(key, { snapshot }),
                range: (start, end) => {
                    const bounds =
                        end === '' ? { gte: start, snapshot } : { gte: start, lt: end, snapshot };
                    return new MergedCursor([], this.#store.state.iterator(bounds));
                },
            };
            const stub = new EmbeddedStub({ proposal, txId, view });
            const outcome = await this.#invoke(stub, proposal);
            await stub.seal();
            if (!outcome.ok) {
                const { code, error: contractError } = outcome;
                throw new EndorseError(code, contractError.message, {
                    transactionId: txId,
                    contractError,
                });
            }
            return outcome.payload;
        } finally {
            await snapshot.close();
        }
    }

    #track<T>(p: Promise<T>): Promise<T> {
        this.#activeReads.add(p);
        const done = (): void => {
            this.#activeReads.delete(p);
        };
        p.then(done, done);
        return p;
    }

    // ---- group commit ---------------------------------------------------------------------------------------

    #kickWriter(): void {
        if (
            this.#writing !== undefined ||
            this.#open.items.length === 0 ||
            this.#failed !== undefined
        )
            return;
        const batch = this.#open;
        this.#open = new Batch(++this.#batchSeq);
        this.#writing = this.#write(batch).finally(() => {
            this.#writing = undefined;
            this.#kickWriter();
            if (this.#pendingCount() > 0) this.#runExecutor();
        });
    }

    async #write(batch: Batch): Promise<void> {
        const number = this.#height;
        let hash: Uint8Array;
        let events: BlockEvents;
        try {
            const records = batch.items.map((i) => i.record);
            const data = encodeData(records);
            const headerBytes = encodeHeader({
                number,
                previousHash: this.#tipHash,
                dataHash: sha256(data),
                timestamp: Date.now(),
                txCount: records.length,
            });
            hash = sha256(headerBytes);
            const signature = this.#signBlock(hash);
            const stored = await encodeStoredBlockAsync(headerBytes, signature, data);
            const { db, blocks, state, txids, meta } = this.#store;
            const ops = db.batch();
            ops.put(blockKey(number), stored, { sublevel: blocks });
            for (const [key, value] of batch.stateOps) {
                if (value === null) ops.del(key, { sublevel: state });
                else ops.put(key, value, { sublevel: state });
            }
            records.forEach((r, index) => {
                ops.put(txIdKey(r.txId), encodeTxLocation({ blockNumber: number, index }), {
                    sublevel: txids,
                });
            });
            ops.put('height', blockKey(number + 1n), { sublevel: meta });
            ops.put('lastHash', hash, { sublevel: meta });
            events = blockEventsOf(number, records);
            await ops.write({ sync: true });
        } catch (err) {
            this.#fail(batch, err);
            return;
        }
        // Durable: advance the tip, release the overlay, answer the submitters, wake event streams.
        this.#height = number + 1n;
        this.#tipHash = hash;
        if (this.#height % this.#checkpointEvery === 0n) this.#publishCheckpoint();
        this.#cacheEvents(number, events);
        for (const key of batch.stateOps.keys()) {
            if (this.#overlay.get(key)?.seq === batch.seq) this.#overlay.delete(key);
        }
        for (const { pending, result, error } of batch.items) {
            this.#pendingTxIds.delete(pending.txId);
            if (error !== undefined) pending.reject(error);
            else
                pending.resolve({
                    transactionId: pending.txId,
                    blockNumber: number,
                    blockHash: new Uint8Array(hash),
                    result,
                });
        }
        this.#wakeAll();
    }

    #fail(batch: Batch, cause: unknown): void {
        const reason = cause instanceof Error ? cause.message : String(cause);
        const message = `block ${this.#height} could not be written: ${reason}`;
        this.#failed = new CommitError('STORAGE', message, { cause });
        const commitError = (transactionId: string): CommitError =>
            new CommitError('STORAGE', message, { transactionId, cause });
        for (const { pending } of [...batch.items, ...this.#open.items])
            pending.reject(commitError(pending.txId));
        this.#open = new Batch(++this.#batchSeq);
        for (let p = this.#dequeue(); p !== undefined; p = this.#dequeue()) {
            p.reject(new SubmitError('FAILED', message, { transactionId: p.txId, cause }));
        }
        this.#overlay.clear();
        this.#pendingTxIds.clear();
        this.#wakeAll();
    }

    #wakeAll(): void {
        const waiters = [...this.#waiters];
        this.#waiters.clear();
        for (const w of waiters) w();
    }

    #cacheEvents(n: bigint, events: BlockEvents): void {
        let bytes = events.txIds.length * 64;
        for (const { event } of events.events)
            bytes += event.payload.length + event.eventName.length + 64;
        this.#eventCache.set(n, { events, bytes });
        this.#eventCacheBytes += bytes;
        // Map iteration is insertion order: evict the oldest blocks first.
        for (const [k, v] of this.#eventCache) {
            if (
                this.#eventCache.size <= _EVENT_CACHE_BLOCKS &&
                this.#eventCacheBytes <= _EVENT_CACHE_BYTES
            )
                break;
            this.#eventCache.delete(k);
            this.#eventCacheBytes -= v.bytes;
        }
    }

    async #blockEvents(n: bigint): Promise<BlockEvents> {
        const cached = this.#eventCache.get(n);
        if (cached !== undefined) return cached.events;
        const bytes = await this.#store.blocks.get(blockKey(n));
        if (bytes === undefined) throw new CodecError(`block ${n} is missing`);
        return blockEventsOf(n, decodeStoredBlock(bytes).txs);
    }
}
