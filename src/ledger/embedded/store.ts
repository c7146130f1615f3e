// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/store
 * The LevelDB layout of the embedded engine (classic-level, one database in `<path>/leveldb`):
 *
 * | sublevel | key                                  | value                                         |
 * |----------|--------------------------------------|-----------------------------------------------|
 * | `meta`   | `format`, `channel`, `engineKey`, `height`, `lastHash` | see {@link LedgerMeta}              |
 * | `blocks` | block number, u64 big-endian (sorts numerically) | stored block (block.ts)              |
 * | `state`  | state key, UTF-8 (sorts by code point, as Fabric) | value bytes                          |
 * | `txids`  | 32 raw bytes of the txId             | block number (u64 BE) ‖ index in block (u32 BE) |
 *
 * Every commit writes one block, its state changes, its txId entries and the new `height`/`lastHash` in a
 * single `batch(…, { sync: true })`: after a crash the database holds a prefix of the chain, never part of a
 * block. There is no separate event index: events live in their blocks, and a stream decodes blocks in order
 * (a block decodes by slicing, without copying), which keeps each event's bytes stored once.
 */

import { ClassicLevel } from 'classic-level';

import { CodecError, fromHex } from './codec.js';

/**
 * Value of the `format` meta key.
 *
 * @example
 * ```ts
 * new TextDecoder().decode(await store.meta.get('format')); // STORE_FORMAT
 * ```
 */
export const STORE_FORMAT = 'femeter-embedded-ledger/2';
/**
 * Names of the sublevels (tests open the database directly with these).
 *
 * @example
 * ```ts
 * const state = db.sublevel<string, Uint8Array>(SUBLEVELS.state, { keyEncoding: 'utf8', valueEncoding: 'view' });
 * ```
 */
export const SUBLEVELS = Object.freeze({
    meta: 'meta',
    blocks: 'blocks',
    state: 'state',
    txids: 'txids',
});

/**
 * What the `meta` sublevel holds.
 *
 * @example
 * ```ts
 * const { height, lastHash } = (await store.readMeta())!;
 * ```
 */
export interface LedgerMeta {
    readonly channel: string;
    readonly enginePublicKey: Uint8Array;
    /** Number of committed blocks (the next block's number). */
    readonly height: bigint;
    /** Hash of the last block's header (32 zero bytes when empty). */
    readonly lastHash: Uint8Array;
}

/**
 * Location of a transaction.
 *
 * @example
 * ```ts
 * const { blockNumber, index } = decodeTxLocation(value);
 * ```
 */
export interface TxLocation {
    readonly blockNumber: bigint;
    readonly index: number;
}

type _Sub<K> = ReturnType<typeof _sublevel<K>>;
function _sublevel<K>(
    db: ClassicLevel<Uint8Array, Uint8Array>,
    name: string,
    keyEncoding: 'utf8' | 'view',
) {
    return db.sublevel<K, Uint8Array>(name, { keyEncoding, valueEncoding: 'view' });
}

/**
 * 8-byte big-endian key of block `n`.
 *
 * @example
 * ```ts
 * blockKey(1n); // Uint8Array [0,0,0,0,0,0,0,1]
 * ```
 */
export function blockKey(n: bigint): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, n);
    return b;
}

/**
 * Inverse of {@link blockKey}.
 *
 * @example
 * ```ts
 * blockNumberOf(blockKey(7n)); // 7n
 * ```
 */
export function blockNumberOf(key: Uint8Array): bigint {
    if (key.length !== 8) throw new CodecError('block key must be 8 bytes');
    return new DataView(key.buffer, key.byteOffset, 8).getBigUint64(0);
}

/**
 * 12-byte value of a txId entry.
 *
 * @example
 * ```ts
 * decodeTxLocation(encodeTxLocation({ blockNumber: 3n, index: 1 }));
 * ```
 */
export function encodeTxLocation(loc: TxLocation): Uint8Array {
    const b = new Uint8Array(12);
    const v = new DataView(b.buffer);
    v.setBigUint64(0, loc.blockNumber);
    v.setUint32(8, loc.index);
    return b;
}

/**
 * Inverse of {@link encodeTxLocation}.
 * @throws {CodecError} unless 12 bytes
 *
 * @example
 * ```ts
 * const { blockNumber, index } = decodeTxLocation(value);
 * ```
 */
export function decodeTxLocation(b: Uint8Array): TxLocation {
    if (b.length !== 12) throw new CodecError('tx location must be 12 bytes');
    const v = new DataView(b.buffer, b.byteOffset, 12);
    return { blockNumber: v.getBigUint64(0), index: v.getUint32(8) };
}

/**
 * Key of a txId entry (its 32 raw bytes).
 *
 * @example
 * ```ts
 * txIdKey(result.transactionId);
 * ```
 */
export function txIdKey(txId: string): Uint8Array {
    const b = fromHex(txId);
    if (b.length !== 32) throw new CodecError('txId must be 32 bytes of hex');
    return b;
}

/** LevelDB's open (memory-mapped) table files at most; see {@link LedgerStore.open}. */
export const STORE_MAX_OPEN_FILES = 64;
/** LevelDB's block cache (uncompressed table blocks, LRU), in bytes; see {@link LedgerStore.open}. */
export const STORE_CACHE_BYTES = 8 * 1024 * 1024;
/** LevelDB's memtable size before it is written to a table, in bytes; see {@link LedgerStore.open}. */
export const STORE_WRITE_BUFFER_BYTES = 16 * 1024 * 1024;

const _utf8 = new TextEncoder();
const _utf8d = new TextDecoder();

/**
 * The opened database and its sublevels.
 *
 * @example
 * ```ts
 * const store = await LedgerStore.open('./data/ledger/leveldb');
 * const meta = await store.readMeta();
 * await store.close();
 * ```
 */
export class LedgerStore {
    readonly db: ClassicLevel<Uint8Array, Uint8Array>;
    readonly meta: _Sub<string>;
    readonly blocks: _Sub<Uint8Array>;
    readonly state: _Sub<string>;
    readonly txids: _Sub<Uint8Array>;

    private constructor(db: ClassicLevel<Uint8Array, Uint8Array>) {
        this.db = db;
        this.meta = _sublevel<string>(db, SUBLEVELS.meta, 'utf8');
        this.blocks = _sublevel<Uint8Array>(db, SUBLEVELS.blocks, 'view');
        this.state = _sublevel<string>(db, SUBLEVELS.state, 'utf8');
        this.txids = _sublevel<Uint8Array>(db, SUBLEVELS.txids, 'view');
    }

    /**
     * Open (creating if missing) the LevelDB directory `location`.
     * @throws if another process holds the database open
     */
    static async open(
        location: string,
        options: Readonly<{ createIfMissing?: boolean }> = {},
    ): Promise<LedgerStore> {
        const db = new ClassicLevel<Uint8Array, Uint8Array>(location, {
            keyEncoding: 'view',
            valueEncoding: 'view',
            createIfMissing: options.createIfMissing ?? true,
            // Memory outside the JS heap is bounded by these options, whatever the ledger's size (issue 15):
            // memtables ≤ 2 × STORE_WRITE_BUFFER_BYTES (the active one and the one being written out), block
            // cache ≤ STORE_CACHE_BYTES, mapped tables ≤ STORE_MAX_OPEN_FILES × 2 MB (file-backed, reclaimable).
            // Larger memtable: fewer level-0 compactions under sustained batched writes.
            writeBufferSize: STORE_WRITE_BUFFER_BYTES,
            cacheSize: STORE_CACHE_BYTES,
            // LevelDB memory-maps every table file it keeps open (up to 1000 by default), and the pages it
            // touched count as resident memory: RSS then grows with the ledger (2 MB per table). At most
            // this many open tables (≈ 2 MB each mapped) bounds that; older blocks are read by reopening.
            maxOpenFiles: STORE_MAX_OPEN_FILES,
        });
        await db.open();
        return new LedgerStore(db);
    }

    /** Read the meta record, or undefined for a fresh database. `snapshot` reads a consistent view. */
    async readMeta(
        snapshot?: ReturnType<ClassicLevel['snapshot']>,
    ): Promise<LedgerMeta | undefined> {
        const opts = snapshot === undefined ? {} : { snapshot };
        const [format, channel, engineKey, height, lastHash] = await this.meta.getMany(
            ['format', 'channel', 'engineKey', 'height', 'lastHash'],
            opts,
        );
        if (format === undefined) return undefined;
        if (_utf8d.decode(format) !== STORE_FORMAT) {
            throw new CodecError(`unknown ledger format ${JSON.stringify(_utf8d.decode(format))}`);
        }
        if (
            channel === undefined ||
            engineKey?.length !== 32 ||
            height?.length !== 8 ||
            lastHash?.length !== 32
        ) {
            throw new CodecError('ledger meta record is incomplete');
        }
        return {
            channel: _utf8d.decode(channel),
            enginePublicKey: engineKey,
            height: blockNumberOf(height),
            lastHash,
        };
    }

    /** Write the meta record of a new ledger (durably). */
    async initMeta(channel: string, enginePublicKey: Uint8Array): Promise<void> {
        const ops = this.db.batch();
        ops.put('format', _utf8.encode(STORE_FORMAT), { sublevel: this.meta });
        ops.put('channel', _utf8.encode(channel), { sublevel: this.meta });
        ops.put('engineKey', enginePublicKey, { sublevel: this.meta });
        ops.put('height', blockKey(0n), { sublevel: this.meta });
        ops.put('lastHash', new Uint8Array(32), { sublevel: this.meta });
        await ops.write({ sync: true });
    }

    async close(): Promise<void> {
        await this.db.close();
    }
}
