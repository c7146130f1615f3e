// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/verify
 * Full audit of an embedded ledger, on one consistent LevelDB snapshot:
 *
 * 1. blocks 0 … height−1 all present, in order, each decoding canonically;
 * 2. per block: number, previousHash = hash of the previous header, dataHash = SHA-256(data), the engine's
 *    Ed25519 signature over the header hash;
 * 3. per valid transaction: txId = SHA-256(nonce ‖ creator), the channel, the creator's signature over
 *    SHA-256(payload); per transaction (refusals keep only txId, payload hash, code, message): the txId index pointing at exactly this position (so no txId occurs twice), invalid
 *    transactions carrying no writes or event, write sets sorted and without duplicates;
 * 4. meta: height and lastHash match the chain's tip; the txId index has no extra entries;
 * 5. anchors (receipts, opened signed checkpoints, kept outside the data directory): the chain reaches each
 *    anchored block and holds exactly that block there — a chain cut at its tail and re-sealed (meta and state
 *    rebuilt) passes 1–4 and 6 but not this;
 * 6. state: replaying the write sets of all valid transactions gives exactly the stored state, key by key.
 *
 * The first failure is reported: `firstBadBlock` for 1–3 (and 4 where a block is to blame), `badKey` for 5.
 *
 * Memory does not grow with the ledger (issue 15): the replayed state (a SHA-256 digest per live key) is kept
 * in a scratch LevelDB on disk, written block by block, and compared with the stored state by walking both in
 * key order. With `workDir` the scratch database, the hash of every checked block and the progress (next
 * block, hash of the last checked block) are kept there, so a later verification resumes after the last block
 * checked — once it has checked that this block, and every anchored block already checked, is still the same
 * block (else it starts over). Anchors at heights already checked are compared with the hashes recorded when
 * those blocks were checked; the state is always compared in full. A resumed check trusts the blocks it checked
 * before: blocks rewritten in that prefix without touching its last block or an anchored block are found only
 * by a check without `workDir` (or with a fresh one).
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ClassicLevel } from 'classic-level';

import type { Anchor } from './anchor.js';
import { decodeData, splitStoredBlock } from './block.js';
import type { TxRecord } from './block.js';
import { compareKeys, equalBytes, fromHex, toHex } from './codec.js';
import { ed25519PublicKey, sha256, verifyEd25519 } from './crypto.js';
import type { Ed25519Backend } from './crypto.js';
import { decodeProposal, transactionId } from './envelope.js';
import {
    blockKey,
    blockNumberOf,
    decodeTxLocation,
    LedgerStore,
    STORE_CACHE_BYTES,
    STORE_MAX_OPEN_FILES,
    txIdKey,
} from './store.js';

/**
 * Options of a verification.
 *
 * @example
 * ```ts
 * await ledgers.verify(path, { enginePublicKey: trustedEngineKey });
 * ```
 */
export interface VerifyOptions {
    /**
     * Public key the blocks must be signed with. Default: the engine's own (for `verifyLedger(path)`: derived
     * from `<path>/engine.key` if present, else the key recorded in the ledger, which only proves consistency).
     */
    readonly enginePublicKey?: Uint8Array;
    /**
     * Blocks known from outside the data directory (submit receipts, signed checkpoints opened with
     * `openCheckpoint`): the chain must reach each and hold exactly that block there.
     */
    readonly anchors?: readonly Anchor[];
    /** Ed25519 implementation. Default `node`. */
    readonly ed25519?: Ed25519Backend;
    /**
     * Directory for the replayed state and the progress, kept between runs: a later verification with the same
     * `workDir` resumes after the last block checked. Default: a temporary directory, removed afterwards.
     */
    readonly workDir?: string;
}

/**
 * Where the engine public key that checked the block signatures came from: `given` (the caller's, e.g. from a
 * signed checkpoint's distribution), `data-directory` (`engine.key` beside the data: proves nothing against
 * someone who can write there) or `recorded` (the ledger's own meta record: consistency only).
 */
export type EngineKeySource = 'given' | 'data-directory' | 'recorded';

/**
 * Outcome of a verification.
 *
 * @example
 * ```ts
 * const r = await ledger.verify();
 * if (!r.ok) console.error(r.firstBadBlock ?? r.badKey, r.reason);
 * ```
 */
export interface VerifyResult {
    readonly ok: boolean;
    /** Blocks checked completely. */
    readonly blocks: number;
    /** Transactions in those blocks. */
    readonly txs: number;
    /** The first block found bad (missing, unlinked, tampered, badly signed, holding a bad tx). */
    readonly firstBadBlock?: bigint;
    /** What is wrong, for a human. */
    readonly reason?: string;
    /** The first state key whose stored value differs from the replayed write sets. */
    readonly badKey?: string;
    /** Where the engine key came from; only `given` together with anchors defends against tail truncation. */
    readonly engineKeySource: EngineKeySource;
    /** Anchors checked (all matched when ok). */
    readonly anchors: number;
}

/** Largest number of arguments accepted when re-decoding stored payloads (admission was stricter). */
const _MAX_ARGS_STORED = 1 << 20;

/**
 * Verify the ledger stored in `path` (which must not be open in another process).
 *
 * @example
 * ```ts
 * const result = await verifyLedger('./data/ledger');
 * if (!result.ok) console.error(`block ${result.firstBadBlock}: ${result.reason}`);
 * ```
 */
export async function verifyLedger(
    path: string,
    options: Readonly<VerifyOptions> = {},
): Promise<VerifyResult> {
    const store = await LedgerStore.open(join(path, 'leveldb'), { createIfMissing: false });
    try {
        let key = options.enginePublicKey;
        let source: EngineKeySource = 'given';
        if (key === undefined) {
            try {
                key = ed25519PublicKey(
                    fromHex((await readFile(join(path, 'engine.key'), 'utf8')).trim()),
                );
                source = 'data-directory';
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
            }
        }
        return await verifyStore(store, {
            enginePublicKey: key,
            engineKeySource: source,
            anchors: options.anchors,
            ed25519: options.ed25519,
            workDir: options.workDir,
        });
    } finally {
        await store.close();
    }
}

/**
 * Verify an opened store (used by `EmbeddedLedger.verify()` and {@link verifyLedger}).
 *
 * @example
 * ```ts
 * const result = await verifyStore(store, { enginePublicKey });
 * ```
 */
export async function verifyStore(
    store: LedgerStore,
    options: Readonly<{
        enginePublicKey?: Uint8Array | undefined;
        /** Default: `given` when a key is given, else `recorded`. */
        engineKeySource?: EngineKeySource | undefined;
        anchors?: readonly Anchor[] | undefined;
        ed25519?: Ed25519Backend | undefined;
        workDir?: string | undefined;
    }>,
): Promise<VerifyResult> {
    const anchors = _anchorMap(options.anchors ?? []);
    const source =
        options.enginePublicKey === undefined ? 'recorded' : (options.engineKeySource ?? 'given');
    const dir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'femeter-verify-')));
    try {
        const replay = await _Replay.open(dir);
        try {
            const snapshot = store.db.snapshot();
            try {
                return await _verify(store, snapshot, replay, {
                    expectedKey: options.enginePublicKey,
                    source,
                    anchors,
                    backend: options.ed25519 ?? 'node',
                });
            } finally {
                await snapshot.close();
            }
        } finally {
            await replay.close();
        }
    } finally {
        if (options.workDir === undefined) await rm(dir, { recursive: true, force: true });
    }
}

/** Anchors by block number; two different hashes for one block are refused up front. */
function _anchorMap(anchors: readonly Anchor[]): Map<bigint, Uint8Array> {
    const map = new Map<bigint, Uint8Array>();
    for (const a of anchors) {
        const shape = a as Partial<Anchor> | null;
        if (
            typeof shape?.blockNumber !== 'bigint' ||
            shape.blockNumber < 0n ||
            !(shape.blockHash instanceof Uint8Array) ||
            shape.blockHash.length !== 32
        ) {
            throw new TypeError(
                'an anchor must be { blockNumber: bigint ≥ 0, blockHash: 32 bytes }',
            );
        }
        const seen = map.get(a.blockNumber);
        if (seen !== undefined && !equalBytes(seen, a.blockHash)) {
            throw new TypeError(`two anchors name different hashes for block ${a.blockNumber}`);
        }
        map.set(a.blockNumber, a.blockHash);
    }
    return map;
}

/** Where a verification got to (kept in the scratch database with the replayed state). */
interface _Progress {
    /** Decimal number of the next block to check. */
    readonly next: string;
    /** Hex hash of the last block checked. */
    readonly hash: string;
    readonly txs: number;
    readonly engineKey: string;
    readonly channel: string;
}

/** A state write of the block being checked: key and SHA-256(value), or null for a delete. */
interface _Op {
    readonly key: string;
    readonly valueHash: Uint8Array | null;
}

/**
 * The scratch database of a verification: sublevel `s` is the replayed state (key -> SHA-256(value) ‖ 8-byte
 * block number), `h` the hash of every checked block (for anchors on a resumed check), `m` the progress.
 */
class _Replay {
    readonly #db: ClassicLevel<string, Uint8Array>;
    readonly state;
    readonly #hashes;
    readonly #meta;
    private constructor(db: ClassicLevel<string, Uint8Array>) {
        this.#db = db;
        this.state = db.sublevel<string, Uint8Array>('s', { valueEncoding: 'view' });
        this.#hashes = db.sublevel<string, Uint8Array>('h', { valueEncoding: 'view' });
        this.#meta = db.sublevel('m', { valueEncoding: 'utf8' });
    }
    static async open(dir: string): Promise<_Replay> {
        const db = new ClassicLevel<string, Uint8Array>(join(dir, 'replay'), {
            valueEncoding: 'view',
            // the same memory bounds as the ledger's own store (store.ts), whatever the ledger's size
            maxOpenFiles: STORE_MAX_OPEN_FILES,
            cacheSize: STORE_CACHE_BYTES,
        });
        await db.open();
        return new _Replay(db);
    }
    static #hashKey(n: bigint): string {
        return n.toString(16).padStart(16, '0');
    }
    async progress(): Promise<_Progress | undefined> {
        const p = await this.#meta.get('progress');
        return p === undefined ? undefined : (JSON.parse(p) as _Progress);
    }
    /** The hash recorded for checked block `n`, if any. */
    blockHash(n: bigint): Promise<Uint8Array | undefined> {
        return this.#hashes.get(_Replay.#hashKey(n));
    }
    async clear(): Promise<void> {
        await this.#db.clear();
    }
    /** Apply block `n`'s write sets (in order), record its hash and the progress, atomically. */
    async apply(
        n: bigint,
        hash: Uint8Array,
        ops: readonly _Op[],
        progress: _Progress,
    ): Promise<void> {
        const b = this.#db.batch();
        for (const op of ops) {
            if (op.valueHash === null) b.del(op.key, { sublevel: this.state });
            else {
                const v = new Uint8Array(40);
                v.set(op.valueHash, 0);
                new DataView(v.buffer).setBigUint64(32, n);
                b.put(op.key, v, { sublevel: this.state });
            }
        }
        b.put(_Replay.#hashKey(n), hash, { sublevel: this.#hashes });
        b.put('progress', JSON.stringify(progress), { sublevel: this.#meta });
        await b.write();
    }
    close(): Promise<void> {
        return this.#db.close();
    }
}

type _Snapshot = ReturnType<LedgerStore['db']['snapshot']>;
/** A failure found while checking: the bad block (if a block is to blame), why, and the bad state key. */
interface _Failure {
    readonly block?: bigint | undefined;
    readonly reason: string;
    readonly badKey?: string;
}

interface _Context {
    readonly store: LedgerStore;
    readonly snapshot: _Snapshot;
    readonly engineKey: Uint8Array;
    readonly channel: string;
    readonly backend: Ed25519Backend;
    readonly replay: _Replay;
    /** Write sets of the block being checked, in order. */
    readonly ops: _Op[];
}

async function _verify(
    store: LedgerStore,
    snapshot: _Snapshot,
    replay: _Replay,
    trust: {
        readonly expectedKey: Uint8Array | undefined;
        readonly source: EngineKeySource;
        readonly anchors: ReadonlyMap<bigint, Uint8Array>;
        readonly backend: Ed25519Backend;
    },
): Promise<VerifyResult> {
    const { expectedKey, backend, anchors } = trust;
    let blocks = 0;
    let txs = 0;
    const common = { engineKeySource: trust.source, anchors: anchors.size };
    const bad = (f: _Failure): VerifyResult => ({
        ok: false,
        ...common,
        blocks,
        txs,
        ...(f.block === undefined ? {} : { firstBadBlock: f.block }),
        reason: f.reason,
        ...(f.badKey === undefined ? {} : { badKey: f.badKey }),
    });

    let meta;
    try {
        meta = await store.readMeta(snapshot);
    } catch (err) {
        return bad({ reason: `ledger meta record is damaged: ${(err as Error).message}` });
    }
    if (meta === undefined) return bad({ reason: 'not an embedded ledger (no meta record)' });
    const engineKey = expectedKey ?? meta.enginePublicKey;
    if (!equalBytes(meta.enginePublicKey, engineKey)) {
        return bad({ reason: 'the ledger records a different engine public key than expected' });
    }

    const ctx: _Context = {
        store,
        snapshot,
        engineKey,
        channel: meta.channel,
        backend,
        replay,
        ops: [],
    };
    const notAnchored = (n: bigint, hash: Uint8Array, anchor: Uint8Array): _Failure => ({
        block: n,
        reason: `block ${n} is not the block of the receipt/checkpoint given for it (hash ${toHex(hash).slice(0, 16)}…, anchor ${toHex(anchor).slice(0, 16)}…): the chain was rewritten from here`,
    });
    let previousHash: Uint8Array = new Uint8Array(32);
    let expected = 0n;
    const resumed = await _resume(ctx, meta.height, anchors.keys());
    if (resumed === undefined) await replay.clear();
    else {
        // Anchors inside the prefix checked before: compare with the hashes recorded then, in block order.
        const below = [...anchors]
            .filter(([n]) => n < resumed.next)
            .sort(([a], [b]) => (a < b ? -1 : 1));
        for (const [n, anchor] of below) {
            const hash = resumed.hashes.get(n);
            if (hash === undefined) return bad({ block: n, reason: `block ${n}: is missing` });
            if (!equalBytes(anchor, hash)) return bad(notAnchored(n, hash, anchor));
        }
        expected = resumed.next;
        blocks = Number(resumed.next);
        txs = resumed.txs;
        previousHash = resumed.hash;
    }
    for await (const [key, value] of store.blocks.iterator({ snapshot, gte: blockKey(expected) })) {
        if (expected >= meta.height) {
            return bad({
                block: expected,
                reason: `blocks lie beyond the recorded height ${meta.height}`,
            });
        }
        ctx.ops.length = 0;
        const checked = await _checkBlock(ctx, expected, previousHash, key, value);
        if ('reason' in checked) return bad(checked);
        const anchored = anchors.get(expected);
        if (anchored !== undefined && !equalBytes(anchored, checked.hash)) {
            return bad(notAnchored(expected, checked.hash, anchored));
        }
        await replay.apply(expected, checked.hash, ctx.ops, {
            next: (expected + 1n).toString(),
            hash: toHex(checked.hash),
            txs: txs + checked.txs,
            engineKey: toHex(engineKey),
            channel: meta.channel,
        });
        previousHash = checked.hash;
        expected++;
        blocks++;
        txs += checked.txs;
    }
    let furthest = -1n;
    for (const n of anchors.keys()) if (n > furthest) furthest = n;
    if (furthest >= expected) {
        return bad({
            block: expected,
            reason: `the chain is truncated: it ends before block ${expected} but a receipt/checkpoint names block ${furthest}`,
        });
    }
    if (expected !== meta.height) {
        return bad({
            block: expected,
            reason: `block ${expected} is missing (recorded height ${meta.height})`,
        });
    }
    if (!equalBytes(previousHash, meta.lastHash)) {
        const block = expected === 0n ? undefined : expected - 1n;
        return bad({ block, reason: 'recorded lastHash does not match the last block' });
    }

    let indexed = 0;
    for await (const _ of store.txids.keys({ snapshot })) indexed++;
    if (indexed !== txs)
        return bad({ reason: `the txId index has ${indexed} entries for ${txs} transactions` });

    const mismatch = await _compareState(ctx);
    return mismatch === undefined ? { ok: true, ...common, blocks, txs } : bad(mismatch);
}

/**
 * Where a check with this scratch database may resume: only where the prefix checked before is still this
 * ledger's (same engine key and channel; the last checked block and every anchored checked block unchanged:
 * same header hash, data still matching its dataHash).
 * Returns undefined to start over.
 */
async function _resume(
    ctx: _Context,
    height: bigint,
    anchored: Iterable<bigint>,
): Promise<
    | { next: bigint; hash: Uint8Array; txs: number; hashes: ReadonlyMap<bigint, Uint8Array> }
    | undefined
> {
    let done;
    try {
        done = await ctx.replay.progress();
    } catch {
        return undefined;
    }
    if (done === undefined) return undefined;
    try {
        const next = BigInt(done.next);
        if (
            next <= 0n ||
            next > height ||
            done.engineKey !== toHex(ctx.engineKey) ||
            done.channel !== ctx.channel ||
            !Number.isSafeInteger(done.txs)
        ) {
            return undefined;
        }
        const hashes = new Map<bigint, Uint8Array>();
        for (const n of new Set([next - 1n, ...[...anchored].filter((a) => a < next)])) {
            const recorded = await ctx.replay.blockHash(n);
            const stored = await ctx.store.blocks.get(blockKey(n), { snapshot: ctx.snapshot });
            if (recorded === undefined || stored === undefined) return undefined;
            const parts = splitStoredBlock(stored);
            if (
                !equalBytes(sha256(parts.headerBytes), recorded) ||
                !equalBytes(sha256(parts.data), parts.header.dataHash)
            ) {
                return undefined;
            }
            hashes.set(n, recorded);
        }
        const hash = fromHex(done.hash);
        const last = hashes.get(next - 1n);
        if (last === undefined || !equalBytes(last, hash)) return undefined;
        return { next, hash, txs: done.txs, hashes };
    } catch {
        return undefined;
    }
}

/** Check block `n` (stored under `key`) and collect its write sets in ctx.ops. */
async function _checkBlock(
    ctx: _Context,
    n: bigint,
    previousHash: Uint8Array,
    key: Uint8Array,
    value: Uint8Array,
): Promise<_Failure | { hash: Uint8Array; txs: number }> {
    const fail = (reason: string): _Failure => ({ block: n, reason: `block ${n}: ${reason}` });
    let stored: bigint;
    try {
        stored = blockNumberOf(key);
    } catch {
        return fail('a block key is malformed');
    }
    if (stored !== n) return fail('is missing');
    let parts;
    let records;
    try {
        parts = splitStoredBlock(value);
        records = decodeData(parts.data);
    } catch (err) {
        return fail(`does not decode: ${(err as Error).message}`);
    }
    const { header, headerBytes, signature, data } = parts;
    if (header.number !== n) return fail(`says it is block ${header.number}`);
    if (!equalBytes(header.previousHash, previousHash)) {
        return fail(`previousHash does not match the hash of block ${n - 1n}`);
    }
    if (!equalBytes(sha256(data), header.dataHash)) return fail('dataHash does not match its data');
    if (records.length !== header.txCount) {
        return fail(`header counts ${header.txCount} txs, data has ${records.length}`);
    }
    const hash = sha256(headerBytes);
    if (!verifyEd25519(ctx.engineKey, hash, signature, ctx.backend))
        return fail('engine signature is invalid');

    const locations = await ctx.store.txids.getMany(
        records.map((r) => txIdKey(r.txId)),
        { snapshot: ctx.snapshot },
    );
    for (let i = 0; i < records.length; i++) {
        const tx = records[i];
        const loc = locations[i];
        if (tx === undefined) continue;
        const reason = _checkTx(
            ctx,
            n,
            i,
            tx,
            loc === undefined ? undefined : decodeTxLocation(loc),
        );
        if (reason !== undefined) return fail(`tx ${i} (${tx.txId}): ${reason}`);
    }
    return { hash: new Uint8Array(hash), txs: records.length };
}

/** Check one transaction; apply its write set if valid. Returns why it is bad, or undefined. */
function _checkTx(
    ctx: _Context,
    n: bigint,
    i: number,
    tx: TxRecord,
    at: { blockNumber: bigint; index: number } | undefined,
): string | undefined {
    if (tx.validationCode !== 'VALID') {
        // A refusal keeps only txId, payload hash, code and message: nothing to re-check but its place.
        if (tx.payload.length > 0 || tx.signature.length > 0) return 'a refusal carries a payload';
    } else {
        let proposal;
        try {
            proposal = decodeProposal(tx.payload, { maxArgs: _MAX_ARGS_STORED });
        } catch (err) {
            return `payload does not decode: ${(err as Error).message}`;
        }
        if (transactionId(proposal.nonce, proposal.creator) !== tx.txId)
            return 'txId does not match nonce and creator';
        if (proposal.channel !== ctx.channel)
            return `envelope is for channel ${JSON.stringify(proposal.channel)}`;
        if (
            !verifyEd25519(proposal.creator.credentials, tx.payloadHash, tx.signature, ctx.backend)
        ) {
            return 'creator signature is invalid';
        }
    }
    if (at === undefined) return 'txId is missing from the txId index';
    if (at.blockNumber !== n || at.index !== i) {
        return `txId also appears at block ${at.blockNumber} tx ${at.index} (duplicate txId or damaged index)`;
    }
    if (tx.validationCode !== 'VALID') {
        return tx.writes.length > 0 || tx.event !== undefined
            ? 'invalid tx carries writes or an event'
            : undefined;
    }
    let previousKey: string | undefined;
    for (const w of tx.writes) {
        if (previousKey !== undefined && compareKeys(previousKey, w.key) >= 0) {
            return 'write set is not sorted or repeats a key';
        }
        previousKey = w.key;
        ctx.ops.push({ key: w.key, valueHash: w.valueHash });
    }
    return undefined;
}

/** Compare the stored state with the replayed write sets, key by key, walking both in key order. */
async function _compareState(ctx: _Context): Promise<_Failure | undefined> {
    const show = (k: string): string => JSON.stringify(k);
    const blockOf = (v: Uint8Array): bigint =>
        new DataView(v.buffer, v.byteOffset, v.byteLength).getBigUint64(32);
    const missing = (k: string, v: Uint8Array): _Failure => ({
        reason: `state mismatch: key ${show(k)} (written in block ${blockOf(v)}) is missing from the state`,
        badKey: k,
    });
    const want = ctx.replay.state.iterator();
    try {
        for await (const [key, value] of ctx.store.state.iterator({ snapshot: ctx.snapshot })) {
            const next = await want.next();
            if (next !== undefined && compareKeys(next[0], key) < 0)
                return missing(next[0], next[1]);
            if (next?.[0] !== key) {
                return {
                    reason: `state mismatch: key ${show(key)} is in the state but no block wrote it`,
                    badKey: key,
                };
            }
            const digest = sha256(value);
            if (!equalBytes(next[1].subarray(0, 32), digest)) {
                return {
                    reason:
                        `state mismatch: value of key ${show(key)} differs from the write set of block ${blockOf(next[1])} ` +
                        `(stored digest ${toHex(digest).slice(0, 16)}…)`,
                    badKey: key,
                };
            }
        }
        const rest = await want.next();
        return rest === undefined ? undefined : missing(rest[0], rest[1]);
    } finally {
        await want.close();
    }
}
