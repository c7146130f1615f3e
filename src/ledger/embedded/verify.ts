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
 * Memory: one SHA-256 digest per live state key (state is compared by digest).
 */

import { readFile } from 'node:fs/promises';
import { join } from 'node:path';

import { splitStoredBlock, decodeData } from './block.js';
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
    /** Ed25519 implementation. Default `node`. */
    readonly ed25519?: Ed25519Backend;
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
export async function verifyLedger(path: string, options: Readonly<VerifyOptions> = {}): Promise<VerifyResult> {
    const store = await LedgerStore.open(join(path, 'leveldb'), { createIfMissing: false });
    try {
        let key = options.enginePublicKey;
        if (key === undefined) {
            try {
                key = ed25519PublicKey(fromHex((await readFile(join(path, 'engine.key'), 'utf8')).trim()));
            } catch (err) {
                if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
            }
        }
        return await verifyStore(store, { enginePublicKey: key, ed25519: options.ed25519 });
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
    options: Readonly<{ enginePublicKey?: Uint8Array | undefined; ed25519?: Ed25519Backend | undefined }>,
): Promise<VerifyResult> {
    const snapshot = store.db.snapshot();
    try {
        return await _verify(store, snapshot, options.enginePublicKey, options.ed25519 ?? 'node');
    } finally {
        await snapshot.close();
    }
}

type _Snapshot = ReturnType<LedgerStore['db']['snapshot']>;

async function _verify(
    store: LedgerStore,
    snapshot: _Snapshot,
    expectedKey: Uint8Array | undefined,
    backend: Ed25519Backend,
): Promise<VerifyResult> {
    let blocks = 0;
    let txs = 0;
    const bad = (n: bigint | undefined, reason: string, badKey?: string): VerifyResult => ({
        ok: false,
        blocks,
        txs,
        ...(n === undefined ? {} : { firstBadBlock: n }),
        reason,
        ...(badKey === undefined ? {} : { badKey }),
    });

    let meta;
    try {
        meta = await store.readMeta(snapshot);
    } catch (err) {
        return bad(undefined, `ledger meta record is damaged: ${(err as Error).message}`);
    }
    if (meta === undefined) return bad(undefined, 'not an embedded ledger (no meta record)');
    const engineKey = expectedKey ?? meta.enginePublicKey;
    if (!equalBytes(meta.enginePublicKey, engineKey)) {
        return bad(undefined, 'the ledger records a different engine public key than expected');
    }

    const rebuilt = new Map<string, { digest: Uint8Array; block: bigint }>();
    let previousHash = new Uint8Array(32);
    let expected = 0n;
    for await (const [k, v] of store.blocks.iterator({ snapshot })) {
        let n: bigint;
        try {
            n = blockNumberOf(k);
        } catch {
            return bad(expected, 'a block key is malformed');
        }
        if (n !== expected) return bad(expected, `block ${expected} is missing`);
        if (n >= meta.height) return bad(n, `block ${n} lies beyond the recorded height ${meta.height}`);
        let parts;
        let records;
        try {
            parts = splitStoredBlock(v);
            records = decodeData(parts.data);
        } catch (err) {
            return bad(n, `block ${n} does not decode: ${(err as Error).message}`);
        }
        const { header, headerBytes, signature, data } = parts;
        if (header.number !== n) return bad(n, `block ${n} says it is block ${header.number}`);
        if (!equalBytes(header.previousHash, previousHash)) {
            return bad(n, `block ${n}: previousHash does not match the hash of block ${n - 1n}`);
        }
        if (!equalBytes(sha256(data), header.dataHash)) return bad(n, `block ${n}: dataHash does not match its data`);
        if (records.length !== header.txCount) return bad(n, `block ${n}: header counts ${header.txCount} txs, data has ${records.length}`);
        const hash = sha256(headerBytes);
        if (!verifyEd25519(signature, hash, engineKey, backend)) return bad(n, `block ${n}: engine signature is invalid`);

        const locations = await store.txids.getMany(
            records.map((r) => txIdKey(r.txId)),
            { snapshot },
        );
        for (let i = 0; i < records.length; i++) {
            const tx = records[i];
            if (tx === undefined) continue;
            const where = `block ${n} tx ${i} (${tx.txId})`;
            let proposal;
            try {
                proposal = decodeProposal(tx.payload, { maxArgs: _MAX_ARGS_STORED });
            } catch (err) {
                return bad(n, `${where}: payload does not decode: ${(err as Error).message}`);
            }
            if (transactionId(proposal.nonce, proposal.creator) !== tx.txId) return bad(n, `${where}: txId does not match nonce and creator`);
            if (proposal.channel !== meta.channel) return bad(n, `${where}: envelope is for channel ${JSON.stringify(proposal.channel)}`);
            if (!verifyEd25519(tx.signature, sha256(tx.payload), proposal.creator.credentials, backend)) {
                return bad(n, `${where}: creator signature is invalid`);
            }
            const loc = locations[i];
            const at = loc === undefined ? undefined : decodeTxLocation(loc);
            if (at === undefined) return bad(n, `${where}: txId is missing from the txId index`);
            if (at.blockNumber !== n || at.index !== i) {
                return bad(n, `${where}: txId also appears at block ${at.blockNumber} tx ${at.index} (duplicate txId or damaged index)`);
            }
            if (tx.validationCode !== 'VALID') {
                if (tx.writes.length > 0 || tx.event !== undefined) return bad(n, `${where}: invalid tx carries writes or an event`);
                continue;
            }
            let previousKey: string | undefined;
            for (const w of tx.writes) {
                if (previousKey !== undefined && compareKeys(previousKey, w.key) >= 0) {
                    return bad(n, `${where}: write set is not sorted or repeats a key`);
                }
                previousKey = w.key;
                if (w.value === null) rebuilt.delete(w.key);
                else rebuilt.set(w.key, { digest: sha256(w.value), block: n });
            }
        }
        previousHash = new Uint8Array(hash);
        expected++;
        blocks++;
        txs += records.length;
    }
    if (expected !== meta.height) return bad(expected, `block ${expected} is missing (recorded height ${meta.height})`);
    if (!equalBytes(previousHash, meta.lastHash)) {
        return bad(expected === 0n ? undefined : expected - 1n, 'recorded lastHash does not match the last block');
    }

    let indexed = 0;
    for await (const _ of store.txids.keys({ snapshot })) indexed++;
    if (indexed !== txs) return bad(undefined, `the txId index has ${indexed} entries for ${txs} transactions`);

    return (await _compareState(store, snapshot, rebuilt, bad)) ?? { ok: true, blocks, txs };
}

async function _compareState(
    store: LedgerStore,
    snapshot: _Snapshot,
    rebuilt: Map<string, { digest: Uint8Array; block: bigint }>,
    bad: (n: bigint | undefined, reason: string, badKey?: string) => VerifyResult,
): Promise<VerifyResult | undefined> {
    const keys = [...rebuilt.keys()].sort(compareKeys);
    const show = (k: string): string => JSON.stringify(k);
    let i = 0;
    for await (const [key, value] of store.state.iterator({ snapshot })) {
        const want = keys[i];
        if (want !== undefined && compareKeys(want, key) < 0) {
            const block = rebuilt.get(want)?.block;
            return bad(undefined, `state mismatch: key ${show(want)} (written in block ${block}) is missing from the state`, want);
        }
        if (want !== key) return bad(undefined, `state mismatch: key ${show(key)} is in the state but no block wrote it`, key);
        const entry = rebuilt.get(key);
        if (entry === undefined || !equalBytes(entry.digest, sha256(value))) {
            return bad(
                undefined,
                `state mismatch: value of key ${show(key)} differs from the write set of block ${entry?.block} (digest ${toHex(sha256(value)).slice(0, 16)}…)`,
                key,
            );
        }
        i++;
    }
    const missing = keys[i];
    if (missing !== undefined) {
        return bad(undefined, `state mismatch: key ${show(missing)} (written in block ${rebuilt.get(missing)?.block}) is missing from the state`, missing);
    }
    return undefined;
}
