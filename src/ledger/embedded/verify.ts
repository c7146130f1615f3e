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
 * Memory: one SHA-256 digest per live state key (state is compared by digest).
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import type { Anchor } from './anchor.js';
import { decodeData, splitStoredBlock } from './block.js';
import type { TxRecord } from './block.js';
import { compareKeys, equalBytes, fromHex, toHex } from './codec.js';
import { ed25519PublicKey, sha256, verifyEd25519 } from './crypto.js';
import type { Ed25519Backend } from './crypto.js';
import { decodeProposal, transactionId } from './envelope.js';
import { blockNumberOf, decodeTxLocation, LedgerStore, txIdKey } from './store.js';

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
    }>,
): Promise<VerifyResult> {
    const anchors = _anchorMap(options.anchors ?? []);
    const source =
        options.enginePublicKey === undefined ? 'recorded' : (options.engineKeySource ?? 'given');
    const snapshot = store.db.snapshot();
    try {
        return await _verify(store, snapshot, {
            expectedKey: options.enginePublicKey,
            source,
            anchors,
            backend: options.ed25519 ?? 'node',
        });
    } finally {
        await snapshot.close();
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

type _Snapshot = ReturnType<LedgerStore['db']['snapshot']>;
type _Rebuilt = Map<string, { digest: Uint8Array; block: bigint }>;
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
    readonly rebuilt: _Rebuilt;
}

async function _verify(
    store: LedgerStore,
    snapshot: _Snapshot,
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
        rebuilt: new Map(),
    };
    let previousHash: Uint8Array = new Uint8Array(32);
    let expected = 0n;
    for await (const [key, value] of store.blocks.iterator({ snapshot })) {
        if (expected >= meta.height) {
            return bad({
                block: expected,
                reason: `blocks lie beyond the recorded height ${meta.height}`,
            });
        }
        const checked = await _checkBlock(ctx, expected, previousHash, key, value);
        if ('reason' in checked) return bad(checked);
        const anchored = anchors.get(expected);
        if (anchored !== undefined && !equalBytes(anchored, checked.hash)) {
            return bad({
                block: expected,
                reason: `block ${expected} is not the block of the receipt/checkpoint given for it (hash ${toHex(checked.hash).slice(0, 16)}…, anchor ${toHex(anchored).slice(0, 16)}…): the chain was rewritten from here`,
            });
        }
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
        if (w.valueHash === null) ctx.rebuilt.delete(w.key);
        else ctx.rebuilt.set(w.key, { digest: w.valueHash, block: n });
    }
    return undefined;
}

/** Compare the stored state with the replayed write sets, key by key in key order. */
async function _compareState(ctx: _Context): Promise<_Failure | undefined> {
    const { rebuilt } = ctx;
    const keys = [...rebuilt.keys()].sort(compareKeys);
    const show = (k: string): string => JSON.stringify(k);
    const missing = (k: string): _Failure => ({
        reason: `state mismatch: key ${show(k)} (written in block ${rebuilt.get(k)?.block}) is missing from the state`,
        badKey: k,
    });
    let i = 0;
    for await (const [key, value] of ctx.store.state.iterator({ snapshot: ctx.snapshot })) {
        const want = keys[i];
        if (want !== undefined && compareKeys(want, key) < 0) return missing(want);
        if (want !== key) {
            return {
                reason: `state mismatch: key ${show(key)} is in the state but no block wrote it`,
                badKey: key,
            };
        }
        const entry = rebuilt.get(key);
        const digest = sha256(value);
        if (entry === undefined || !equalBytes(entry.digest, digest)) {
            return {
                reason:
                    `state mismatch: value of key ${show(key)} differs from the write set of block ${entry?.block} ` +
                    `(stored digest ${toHex(digest).slice(0, 16)}…)`,
                badKey: key,
            };
        }
        i++;
    }
    const rest = keys[i];
    return rest === undefined ? undefined : missing(rest);
}
