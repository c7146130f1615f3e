// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/block
 * Blocks of the embedded engine: hash-chained, signed by the engine's Ed25519 key.
 *
 *   header    = "FMBK" ‖ v1 ‖ number (u64) ‖ previousHash ‖ dataHash ‖ timestamp (ms) ‖ txCount
 *   hash      = SHA-256(header);  previousHash of block 0 = 32 zero bytes
 *   dataHash  = SHA-256(data),    data = txCount ‖ tx records
 *   signature = Ed25519(engine key, hash)
 *   stored    = header (length-prefixed) ‖ signature ‖ data
 *
 * A tx record carries the signed envelope (payload + creator signature), its txId, a validation code, and for a
 * valid tx its write set (sorted by key; a null value is a delete) and its chaincode event. A tx the contract
 * refused is recorded with its code and message and no writes or event: like Fabric's invalid transactions it is
 * in the block (so its txId is spent and the refusal is auditable) but not in the state.
 */

import {
    brotliCompress,
    brotliCompressSync,
    brotliDecompressSync,
    constants as zlibConstants,
} from 'node:zlib';

import { CodecError, Reader, Writer, fromHex, toHex } from './codec.js';
import { sha256 } from './crypto.js';

const _MAGIC = new Uint8Array([0x46, 0x4d, 0x42, 0x4b]); // "FMBK"
const _VERSION = 1;
/**
 * previousHash of block 0.
 *
 * @example
 * ```ts
 * equalBytes((await ledger.getBlock(0n))!.previousHash, GENESIS_PREVIOUS_HASH); // true
 * ```
 */
export const GENESIS_PREVIOUS_HASH = new Uint8Array(32);

/**
 * Outcome of a recorded transaction.
 *
 * @example
 * ```ts
 * if (tx.validationCode !== 'VALID') console.log('refused:', tx.message);
 * ```
 */
export type ValidationCode = 'VALID' | 'CONTRACT_ERROR' | 'UNKNOWN_TRANSACTION' | 'BAD_ARGUMENTS';
const _CODES: readonly ValidationCode[] = [
    'VALID',
    'CONTRACT_ERROR',
    'UNKNOWN_TRANSACTION',
    'BAD_ARGUMENTS',
];

/** Longest contract message kept for a refused transaction (longer ones are cut, marked with `…`). */
export const MAX_REFUSAL_MESSAGE = 240;

/**
 * The record of a refused transaction: txId, payload hash, code, and the message cut to
 * {@link MAX_REFUSAL_MESSAGE} characters. Payload and signature are not kept.
 */
export function refusalRecord(
    txId: string,
    payloadHash: Uint8Array,
    validationCode: Exclude<ValidationCode, 'VALID'>,
    message: string,
): TxRecord {
    const cut =
        message.length > MAX_REFUSAL_MESSAGE
            ? `${message.slice(0, MAX_REFUSAL_MESSAGE - 1)}…`
            : message;
    return {
        txId,
        payload: new Uint8Array(0),
        payloadHash,
        signature: new Uint8Array(0),
        validationCode,
        message: cut,
        writes: [],
        event: undefined,
    };
}

/**
 * One entry of a write set: `value === null` deletes the key.
 *
 * @example
 * ```ts
 * for (const { key, value } of tx.writes) value === null ? deleted.add(key) : written.set(key, value);
 * ```
 */
export interface WriteOp {
    readonly key: string;
    readonly value: Uint8Array | null;
}

/**
 * One entry of a block's write set: the key and SHA-256 of the value written (`null` deletes the key). Blocks
 * commit to values by hash; the values themselves live once, in state (`verify` checks state against these).
 *
 * @example
 * ```ts
 * for (const { key, valueHash } of tx.writes) if (valueHash === null) deleted.add(key);
 * ```
 */
export interface BlockWrite {
    readonly key: string;
    readonly valueHash: Uint8Array | null;
}

/** A block's write entry for a write op (hash of the value). */
export function blockWrite(op: WriteOp): BlockWrite {
    return { key: op.key, valueHash: op.value === null ? null : sha256(op.value) };
}

/**
 * The chaincode event of a transaction.
 *
 * @example
 * ```ts
 * if (tx.event) console.log(tx.event.name, tx.event.payload.length);
 * ```
 */
export interface TxEvent {
    readonly name: string;
    readonly payload: Uint8Array;
}

/**
 * A transaction as stored in a block.
 *
 * @example
 * ```ts
 * const tx = (await ledger.getBlock(n))!.txs[0]!;
 * const proposal = decodeProposal(tx.payload, { maxArgs: 1024 });
 * ```
 */
export interface TxRecord {
    readonly txId: string;
    /**
     * The signed payload bytes (decode with `decodeProposal`) of a valid transaction. Empty for a refused one:
     * a refusal keeps only `payloadHash`, its code and a bounded message, so refusals cannot fill the disk.
     */
    readonly payload: Uint8Array;
    /** SHA-256 of the payload (what the creator signed). */
    readonly payloadHash: Uint8Array;
    /** The creator's signature of a valid transaction; empty for a refused one. */
    readonly signature: Uint8Array;
    readonly validationCode: ValidationCode;
    /** The contract's message for a refused transaction (at most {@link MAX_REFUSAL_MESSAGE} characters). */
    readonly message: string | undefined;
    readonly writes: readonly BlockWrite[];
    readonly event: TxEvent | undefined;
}

/**
 * The signed part of a block.
 *
 * @example
 * ```ts
 * const hash = sha256(encodeHeader({ number, previousHash, dataHash, timestamp: Date.now(), txCount }));
 * ```
 */
export interface BlockHeader {
    readonly number: bigint;
    readonly previousHash: Uint8Array;
    readonly dataHash: Uint8Array;
    /** Engine clock at commit, ms since the Unix epoch (informative; contracts never see it). */
    readonly timestamp: number;
    readonly txCount: number;
}

/**
 * A decoded block.
 *
 * @example
 * ```ts
 * const block = await ledger.getBlock(0n);
 * console.log(block?.number, toHex(block!.hash), block?.txs.length);
 * ```
 */
export interface Block extends BlockHeader {
    /** SHA-256 of the encoded header. */
    readonly hash: Uint8Array;
    /** The engine's Ed25519 signature over `hash`. */
    readonly signature: Uint8Array;
    readonly txs: readonly TxRecord[];
}

/**
 * Canonical bytes of a header.
 *
 * @example
 * ```ts
 * const hash = sha256(encodeHeader(header));
 * ```
 */
export function encodeHeader(h: BlockHeader): Uint8Array {
    return new Writer(96)
        .fixed(_MAGIC)
        .u8(_VERSION)
        .u64(h.number)
        .fixed(h.previousHash)
        .fixed(h.dataHash)
        .varint(h.timestamp)
        .varint(h.txCount)
        .finish();
}

function _decodeHeader(bytes: Uint8Array): BlockHeader {
    const r = new Reader(bytes);
    const magic = r.fixed(4);
    if (magic[0] !== 0x46 || magic[1] !== 0x4d || magic[2] !== 0x42 || magic[3] !== 0x4b) {
        throw new CodecError('not a block header (bad magic)');
    }
    const version = r.u8();
    if (version !== _VERSION) throw new CodecError(`unsupported block version ${version}`);
    const number = r.u64();
    const previousHash = r.fixed(32);
    const dataHash = r.fixed(32);
    const timestamp = r.varint();
    const txCount = r.varint();
    r.end();
    return { number, previousHash, dataHash, timestamp, txCount };
}

/**
 * Canonical bytes of the block data (the tx records).
 *
 * @example
 * ```ts
 * const data = encodeData(txs); const dataHash = sha256(data);
 * ```
 */
export function encodeData(txs: readonly TxRecord[]): Uint8Array {
    let estimate = 16;
    for (const tx of txs) {
        estimate += tx.payload.length + 160;
        for (const w of tx.writes) estimate += w.key.length * 3 + 44;
        if (tx.event !== undefined)
            estimate += tx.event.name.length * 3 + tx.event.payload.length + 12;
    }
    const w = new Writer(estimate).varint(txs.length);
    for (const tx of txs) {
        const code = _CODES.indexOf(tx.validationCode);
        if (code < 0) throw new CodecError(`unknown validation code ${tx.validationCode}`);
        w.fixed(fromHex(tx.txId)).u8(code);
        if (tx.validationCode === 'VALID') w.bytes(tx.payload).bytes(tx.signature);
        else w.fixed(tx.payloadHash).str(tx.message ?? '');
        w.varint(tx.writes.length);
        for (const op of tx.writes) {
            w.str(op.key);
            if (op.valueHash === null) w.u8(1);
            else w.u8(0).fixed(op.valueHash);
        }
        if (tx.event === undefined) w.u8(0);
        else w.u8(1).str(tx.event.name).bytes(tx.event.payload);
    }
    return w.finish();
}

const _EMPTY = new Uint8Array(0);

/**
 * Decode block data. Byte fields are views into `data`.
 * @throws {CodecError} on malformed data
 *
 * @example
 * ```ts
 * const txs = decodeData(data);
 * ```
 */
export function decodeData(data: Uint8Array): TxRecord[] {
    const r = new Reader(data);
    const n = r.varint();
    const txs: TxRecord[] = [];
    for (let i = 0; i < n; i++) {
        const txId = toHex(r.fixed(32));
        const validationCode = _CODES[r.u8()];
        if (validationCode === undefined) throw new CodecError('unknown validation code');
        let payload: Uint8Array = _EMPTY;
        let payloadHash: Uint8Array;
        let signature: Uint8Array = _EMPTY;
        let message: string | undefined;
        if (validationCode === 'VALID') {
            payload = r.bytes();
            signature = r.bytes();
            payloadHash = sha256(payload);
        } else {
            payloadHash = r.fixed(32);
            message = r.str();
            if (message.length > MAX_REFUSAL_MESSAGE)
                throw new CodecError('refusal message too long');
        }
        const wn = r.varint();
        const writes: BlockWrite[] = [];
        for (let j = 0; j < wn; j++) {
            const key = r.str();
            const kind = r.u8();
            if (kind === 1) writes.push({ key, valueHash: null });
            else if (kind === 0) writes.push({ key, valueHash: r.fixed(32) });
            else throw new CodecError('bad write kind');
        }
        const hasEvent = r.u8();
        let event: TxEvent | undefined;
        if (hasEvent === 1) event = { name: r.str(), payload: r.bytes() };
        else if (hasEvent !== 0) throw new CodecError('bad event flag');
        txs.push({ txId, payload, payloadHash, signature, validationCode, message, writes, event });
    }
    r.end();
    return txs;
}

/** Data at least this long is stored Brotli-compressed (quality 1: ~0.15 ms for a 40 KB block). */
const _COMPRESS_FROM = 256;
/** Largest decompressed block data accepted when reading (guards against a planted decompression bomb). */
export const MAX_STORED_BLOCK_DATA = 512 * 1024 * 1024;
const _RAW = 0;
const _BROTLI = 1;

/**
 * Stored form of a block: header, signature, then the data — Brotli-compressed when that pays (the header's
 * `dataHash` is over the uncompressed data; compression is storage only). Signed readings arrive as a hex batch in
 * the payload and their ciphertexts again in the event; Brotli takes the hex back to about its binary size and
 * finds the event's copies in the payload.
 *
 * @example
 * ```ts
 * const stored = encodeStoredBlock(headerBytes, signature, data);
 * ```
 */
export function encodeStoredBlock(
    headerBytes: Uint8Array,
    signature: Uint8Array,
    data: Uint8Array,
): Uint8Array {
    const packed =
        data.length >= _COMPRESS_FROM ? brotliCompressSync(data, brotliOptions(data)) : undefined;
    return assembleStoredBlock(headerBytes, signature, data, packed);
}

/**
 * {@link encodeStoredBlock} with the compression run on libuv's thread pool (the same bytes), so
 * the engine's thread keeps executing transactions while a block is packed.
 *
 * @example
 * ```ts
 * const stored = await encodeStoredBlockAsync(headerBytes, signature, data);
 * ```
 */
export async function encodeStoredBlockAsync(
    headerBytes: Uint8Array,
    signature: Uint8Array,
    data: Uint8Array,
): Promise<Uint8Array> {
    const packed =
        data.length >= _COMPRESS_FROM
            ? await new Promise<Uint8Array>((resolve, reject) => {
                  brotliCompress(data, brotliOptions(data), (err, out) => {
                      if (err) reject(err);
                      else resolve(out);
                  });
              })
            : undefined;
    return assembleStoredBlock(headerBytes, signature, data, packed);
}

function brotliOptions(data: Uint8Array): { params: Record<number, number> } {
    return {
        params: {
            [zlibConstants.BROTLI_PARAM_QUALITY]: 1,
            [zlibConstants.BROTLI_PARAM_SIZE_HINT]: data.length,
        },
    };
}

function assembleStoredBlock(
    headerBytes: Uint8Array,
    signature: Uint8Array,
    data: Uint8Array,
    packed: Uint8Array | undefined,
): Uint8Array {
    const brotli = packed !== undefined && packed.length < data.length;
    const body = brotli ? packed : data;
    return new Writer(headerBytes.length + signature.length + body.length + 9)
        .bytes(headerBytes)
        .fixed(signature)
        .u8(brotli ? _BROTLI : _RAW)
        .fixed(body)
        .finish();
}

/**
 * The three stored parts of a block, undecoded.
 *
 * @example
 * ```ts
 * const { header, headerBytes, signature, data } = splitStoredBlock(stored);
 * ```
 */
export interface StoredBlockParts {
    readonly headerBytes: Uint8Array;
    readonly header: BlockHeader;
    readonly signature: Uint8Array;
    readonly data: Uint8Array;
}

/**
 * Split a stored block into header, signature and data, decoding the header only.
 * @throws {CodecError} on malformed bytes
 *
 * @example
 * ```ts
 * const { header, data } = splitStoredBlock(bytes);
 * ```
 */
export function splitStoredBlock(stored: Uint8Array): StoredBlockParts {
    const r = new Reader(stored);
    const headerBytes = r.bytes(1024);
    const signature = r.fixed(64);
    const kind = r.u8();
    const body = r.fixed(r.remaining);
    let data: Uint8Array;
    if (kind === _RAW) data = body;
    else if (kind === _BROTLI) {
        try {
            data = new Uint8Array(
                brotliDecompressSync(body, { maxOutputLength: MAX_STORED_BLOCK_DATA }),
            );
        } catch (err) {
            throw new CodecError(`block data does not decompress: ${(err as Error).message}`);
        }
    } else throw new CodecError(`unknown block data encoding ${kind}`);
    return { headerBytes, header: _decodeHeader(headerBytes), signature, data };
}

/**
 * Decode a stored block completely (no checks of hashes or signatures: that is `verify`'s job).
 * @throws {CodecError} on malformed bytes
 *
 * @example
 * ```ts
 * const block = decodeStoredBlock(bytes);
 * ```
 */
export function decodeStoredBlock(stored: Uint8Array): Block {
    const parts = splitStoredBlock(stored);
    const txs = decodeData(parts.data);
    if (txs.length !== parts.header.txCount) throw new CodecError('tx count does not match header');
    return { ...parts.header, hash: sha256(parts.headerBytes), signature: parts.signature, txs };
}
