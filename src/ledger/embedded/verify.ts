// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/verify
 * Full audit of an embedded ledger, on one consistent LevelDB snapshot:
 *
 * 1. blocks 0 … height−1 all present, in order, each decoding canonically;
 * 2. per block: number, previousHash = hash of the previous header, dataHash = SHA-256(data), the engine's
 *    Ed25519 signature over the header hash;
 * 3. per transaction: txId = SHA-256(nonce ‖ creator), the channel, the creator's signature over
 *    SHA-256(payload), the txId index pointing at exactly this position (so no txId occurs twice), invalid
 *    transactions carrying no writes or event, write sets sorted and without duplicates;
 * 4. meta: height and lastHash match the chain's tip; the txId index has no extra entries;
 * 5. state: replaying the write sets of all valid transactions gives exactly the stored state, key by key.
 *
 * The first failure is reported: `firstBadBlock` for 1–3 (and 4 where a block is to blame), `badKey` for 5.
 *
 * Memory does not grow with the ledger (issue 15): the replayed state (a SHA-256 digest per live key) is kept
 * in a scratch LevelDB on disk, written block by block, and compared with the stored state by walking both in
 * key order. With `workDir` the scratch database and the progress (next block, hash of the last checked
 * block) are kept there, so a later verification resumes after the last block checked — once it has
 * checked that this block is still the same.
 */

import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { ClassicLevel } from 'classic-level';

import { decodeData, splitStoredBlock } from './block.js';
import type { TxRecord } from './block.js';
import { compareKeys, equalBytes, fromHex, toHex } from './codec.js';
import { ed25519PublicKey, sha256, verifyEd25519 } from './crypto.js';
import type { Ed25519Backend } from './crypto.js';
import { decodeProposal, transactionId } from './envelope.js';
import { blockKey, blockNumberOf, decodeTxLocation, LedgerStore, txIdKey } from './store.js';

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
    /** Ed25519 implementation. Default `node`. */
    readonly ed25519?: Ed25519Backend;
    /**
     * Directory for the replayed state and the progress, kept between runs: a later verification with the same
     * `workDir` resumes after the last block checked. Default: a temporary directory, removed afterwards.
     */
    readonly workDir?: string;
}

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
        if (key === undefined) {
            try {
                key = ed25519PublicKey(
                    fromHex((await readFile(join(path, 'engine.key'), 'utf8')).trim()),
                );
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
            }
        }
        return await verifyStore(store, {
            enginePublicKey: key,
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
        ed25519?: Ed25519Backend | undefined;
        workDir?: string | undefined;
    }>,
): Promise<VerifyResult> {
    const dir = options.workDir ?? (await mkdtemp(join(tmpdir(), 'femeter-verify-')));
    const replay = await _Replay.open(dir);
    const snapshot = store.db.snapshot();
    try {
        return await _verify(
            store,
            snapshot,
            options.enginePublicKey,
            options.ed25519 ?? 'node',
            replay,
        );
    } finally {
        await snapshot.close();
        await replay.close();
        if (options.workDir === undefined) await rm(dir, { recursive: true, force: true });
    }
}

/** Where a verification got to (kept in the scratch database with the replayed state). */
interface _Progress {
    readonly next: string;
    readonly hash: string;
    readonly txs: number;
    readonly engineKey: string;
    readonly channel: string;
}

/** The replayed state on disk: key -> SHA-256(value) ‖ 8-byte block number; plus the progress. */
class _Replay {
    readonly #db: ClassicLevel<string, Uint8Array>;
    readonly state;
    readonly #meta;
    private constructor(db: ClassicLevel<string, Uint8Array>) {
        this.#db = db;
        this.state = db.sublevel<string, Uint8Array>('s', { valueEncoding: 'view' });
        this.#meta = db.sublevel('m', { valueEncoding: 'utf8' });
    }
    static async open(dir: string): Promise<_Replay> {
        const db = new ClassicLevel<string, Uint8Array>(join(dir, 'replay'), {
            valueEncoding: 'view',
        });
        await db.open();
        return new _Replay(db);
    }
    async progress(): Promise<_Progress | undefined> {
        const p = await this.#meta.get('progress');
        return p === undefined ? undefined : (JSON.parse(p) as _Progress);
    }
    async clear(): Promise<void> {
        await this.#db.clear();
    }
    /** Apply one block's write sets (in order) and record the progress, atomically. */
    async apply(ops: readonly _Op[], progress: _Progress): Promise<void> {
        const b = this.#db.batch();
        for (const op of ops) {
            if (op.value === null) b.del(op.key, { sublevel: this.state });
            else b.put(op.key, op.value, { sublevel: this.state });
        }
        b.put('progress', JSON.stringify(progress), { sublevel: this.#meta });
        await b.write();
    }
    close(): Promise<void> {
        return this.#db.close();
    }
}

interface _Op {
    readonly key: string;
    readonly value: Uint8Array | null;
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
    expectedKey: Uint8Array | undefined,
    backend: Ed25519Backend,
    replay: _Replay,
): Promise<VerifyResult> {
    let blocks = 0;
    let txs = 0;
    const bad = (f: _Failure): VerifyResult => ({
        ok: false,
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
    let previousHash: Uint8Array = new Uint8Array(32);
    let expected = 0n;
    const done = await replay.progress();
    if (done !== undefined) {
        // Resume only where the checked prefix is still this ledger's: same key, channel and block hash.
        const next = BigInt(done.next);
        const last =
            next > 0n ? await store.blocks.get(blockKey(next - 1n), { snapshot }) : undefined;
        let same = false;
        try {
            same =
                next <= meta.height &&
                done.engineKey === toHex(engineKey) &&
                done.channel === meta.channel &&
                last !== undefined &&
                toHex(sha256(splitStoredBlock(last).headerBytes)) === done.hash;
        } catch {
            same = false;
        }
        if (same) {
            expected = next;
            blocks = Number(next);
            txs = done.txs;
            previousHash = fromHex(done.hash);
        } else {
            await replay.clear();
        }
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
        previousHash = checked.hash;
        expected++;
        blocks++;
        txs += checked.txs;
        await replay.apply(ctx.ops, {
            next: expected.toString(),
            hash: toHex(previousHash),
            txs,
            engineKey: toHex(engineKey),
            channel: meta.channel,
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
    return mismatch === undefined ? { ok: true, blocks, txs } : bad(mismatch);
}

/** Check block `n` (stored under `key`) and fold its write sets into ctx.rebuilt. */
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
        !verifyEd25519(proposal.creator.credentials, sha256(tx.payload), tx.signature, ctx.backend)
    ) {
        return 'creator signature is invalid';
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
        if (w.value === null) ctx.ops.push({ key: w.key, value: null });
        else {
            const v = new Uint8Array(40);
            v.set(sha256(w.value), 0);
            new DataView(v.buffer).setBigUint64(32, n);
            ctx.ops.push({ key: w.key, value: v });
        }
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
            if (next === undefined || next[0] !== key) {
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
