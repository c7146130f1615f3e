// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/reading-batch
 * The compact binary forms of signed readings (issue 11): the batch a meter submits
 * (`SubmitReadings { meter, batch }`, `batch` lower-case hex of the bytes below) and the chunk the
 * contract keeps in state per meter channel, period and day of slots. Every multi-byte integer is
 * big-endian; E is the element size of the meter's group (32 for ristretto255), fixed by the
 * registered meter and never by the bytes themselves, so a batch has exactly one reading.
 *
 *   batch  = version (u8 = 1) ‖ runs (u16 ≥ 1) ‖ run…
 *   run    = channel length (u8, 1..32) ‖ channel (UTF-8) ‖ period length (u8 = 7) ‖ period
 *            (ASCII "YYYY-MM") ‖ count (u16 ≥ 1) ‖ entry…
 *   entry  = slot (u32) ‖ seq (u64, 1..2^53−1) ‖ flags (u8) ‖ C_i (E) ‖ [C_0 (E)] ‖ signature (64)
 *   flags  = status bits 0..2 (STATUS), bit 7 = C_0 follows; bits 3..6 must be zero
 *
 *   chunk  = version (u8 = 2) ‖ tx count (u8, 1..96) ‖ tx id (32)… ‖ entry′… in increasing slot
 *            order, no slot twice
 *   entry′ = slot offset in the chunk (u8) ‖ flags (u8) ‖ tx index (u8, < tx count) ‖
 *            seq delta (LEB128 varint ≥ 1 of |seq − previous entry's seq|, 0 before the first) ‖
 *            C_i (E) ‖ [C_0 (E)]
 *   flags′ = flags, plus bit 6 = the seq is below the previous entry's (the delta is subtracted)
 *
 * The chunk keeps no signature (issue 11, docs/SCALE.md §5c): each entry names, through the
 * chunk's table of distinct transaction ids, the transaction that carried the reading, and the
 * signature is read from that transaction's SubmitReadings batch by whoever checks it
 * (roles/signed-readings.ts). The table lists each id once, in first-use order, and every id is
 * used; the varint is at most 8 bytes and canonical (no trailing zero group). Version 1 chunks
 * (with signatures, no transaction ids) are refused: their entries cannot name a transaction, and
 * ledgers written before this format must be re-created.
 *
 * Decoding is strict: short or trailing bytes, unknown flag bits, zero counts, seq or slot out of
 * range, a slot twice in one batch, and more than {@link MAX_BATCH} readings are refused with a
 * ContractError naming the offset. What the meter signs is unchanged (signing.ts `readingPayload`,
 * domain-separated and length-prefixed): the encoding is transport and storage only.
 */
import { ContractError } from './errors.js';
import { STATUS_MASK } from './signing.js';
import { parsePeriodId } from './tariff/index.js';
import { bytesToHex, hexInto, hexToBytes } from './hex.js';

/** Most readings in one transaction. */
export const MAX_BATCH = 1000;
/** Slots per state chunk (a day of 15-minute slots). */
export const CHUNK_SLOTS = 96;
/** Largest slot index a reading may name (a period has fewer slots; the contract checks the exact bound). */
export const MAX_SLOT = 99_999;
const BATCH_VERSION = 1;
const CHUNK_VERSION = 2;
/** Bytes of a transaction id in a chunk's table (the hex id of both engines is SHA-256). */
export const TX_ID_BYTES = 32;
const MAX_VARINT_BYTES = 8;
const FLAG_C0 = 0x80;
const SIG_BYTES = 64;
const MAX_CHANNEL_BYTES = 32;

/** One reading in binary form (as decoded from a batch, or to encode into one). */
export interface BinaryReading {
    readonly channel: string;
    readonly period: string;
    readonly slot: number;
    readonly seq: number;
    readonly status: number;
    readonly c: Uint8Array;
    readonly c0?: Uint8Array | undefined;
    readonly sig: Uint8Array;
}

/** One reading with hex byte fields (contract/readings `ReadingInput`, what the roles hold). */
export interface HexReading {
    readonly channel: string;
    readonly period: string;
    readonly slot: number;
    readonly seq: number;
    readonly status: number;
    readonly c: string;
    readonly c0?: string;
    readonly sig: string;
}

/**
 * The `batch` field of a SubmitReadings request for these readings (lower-case hex of the binary
 * batch, reading-batch.ts), in their order. The element size is taken from the ciphertexts.
 * @example api.client.submit('SubmitReadings', JSON.stringify({ meter, batch: readingBatchHex(rs) }))
 */
export function readingBatchHex(readings: readonly HexReading[]): string {
    const e = (readings[0]?.c.length ?? 0) / 2;
    // every hex field decoded into one buffer (views into it, no allocation per field)
    const len = (h: unknown): number => (typeof h === 'string' ? h.length >> 1 : 0);
    let total = 0;
    for (const r of readings) total += len(r.c) + len(r.c0) + len(r.sig);
    const fields = new Uint8Array(total);
    let at = 0;
    const field = (h: string): Uint8Array => {
        const v = hexInto(h, fields, at);
        at += v.length;
        return v;
    };
    return bytesToHex(
        encodeReadingBatch(
            readings.map((r) => ({
                channel: r.channel,
                period: r.period,
                slot: r.slot,
                seq: r.seq,
                status: r.status,
                c: field(r.c),
                c0: r.c0 === undefined ? undefined : field(r.c0),
                sig: field(r.sig),
            })),
            e,
        ),
    );
}

/** A stored reading of a chunk: no signature, but the id of the transaction that carried it. */
export interface ChunkEntry {
    readonly slot: number;
    readonly seq: number;
    readonly status: number;
    readonly c: Uint8Array;
    readonly c0?: Uint8Array | undefined;
    /** The carrying transaction's id, lower-case hex of {@link TX_ID_BYTES} bytes. */
    readonly tx: string;
}

const bad = (what: string, why: string): ContractError =>
    new ContractError('BAD_REQUEST', `${what}: ${why}`);

const utf8 = new TextEncoder();
const utf8Strict = new TextDecoder('utf-8', { fatal: true });

class Cursor {
    #o = 0;
    readonly #b: Uint8Array;
    readonly #v: DataView;
    readonly #what: string;
    constructor(b: Uint8Array, what: string) {
        this.#b = b;
        this.#v = new DataView(b.buffer, b.byteOffset, b.byteLength);
        this.#what = what;
    }
    get offset(): number {
        return this.#o;
    }
    get remaining(): number {
        return this.#b.length - this.#o;
    }
    #need(n: number, field: string): void {
        if (this.#b.length - this.#o < n)
            throw bad(this.#what, `truncated at byte ${this.#o} (${field})`);
    }
    u8(field: string): number {
        this.#need(1, field);
        return this.#v.getUint8(this.#o++);
    }
    u16(field: string): number {
        this.#need(2, field);
        const v = this.#v.getUint16(this.#o);
        this.#o += 2;
        return v;
    }
    u32(field: string): number {
        this.#need(4, field);
        const v = this.#v.getUint32(this.#o);
        this.#o += 4;
        return v;
    }
    /** A u64 that must be a safe integer in [min, 2^53 − 1]. */
    safeU64(field: string, min: number): number {
        this.#need(8, field);
        const hi = this.#v.getUint32(this.#o);
        const lo = this.#v.getUint32(this.#o + 4);
        if (hi > 0x1fffff) throw bad(this.#what, `${field} at byte ${this.#o} exceeds 2^53 − 1`);
        const v = hi * 2 ** 32 + lo;
        if (v < min) throw bad(this.#what, `${field} at byte ${this.#o} is below ${min}`);
        this.#o += 8;
        return v;
    }
    /** A canonical LEB128 varint of at most {@link MAX_VARINT_BYTES} bytes (≤ 2^56 − 1). */
    varint(field: string): number {
        const at = this.#o;
        let v = 0;
        let scale = 1;
        for (let i = 0; i < MAX_VARINT_BYTES; i++) {
            const b = this.u8(field);
            v += (b & 0x7f) * scale;
            scale *= 128;
            if ((b & 0x80) === 0) {
                if (b === 0 && i > 0)
                    throw bad(this.#what, `${field} at byte ${at} is not minimally encoded`);
                return v;
            }
        }
        throw bad(this.#what, `${field} at byte ${at} is longer than ${MAX_VARINT_BYTES} bytes`);
    }
    bytes(n: number, field: string): Uint8Array {
        this.#need(n, field);
        const out = this.#b.slice(this.#o, this.#o + n);
        this.#o += n;
        return out;
    }
    end(): void {
        if (this.#o !== this.#b.length)
            throw bad(this.#what, `${this.#b.length - this.#o} trailing bytes at byte ${this.#o}`);
    }
}

class Out {
    #b: Uint8Array;
    #v: DataView;
    #o = 0;
    constructor(size: number) {
        this.#b = new Uint8Array(size);
        this.#v = new DataView(this.#b.buffer);
    }
    #room(n: number): void {
        if (this.#o + n <= this.#b.length) return;
        const next = new Uint8Array(Math.max(this.#b.length * 2, this.#o + n));
        next.set(this.#b);
        this.#b = next;
        this.#v = new DataView(next.buffer);
    }
    u8(x: number): this {
        this.#room(1);
        this.#v.setUint8(this.#o++, x);
        return this;
    }
    u16(x: number): this {
        this.#room(2);
        this.#v.setUint16(this.#o, x);
        this.#o += 2;
        return this;
    }
    u32(x: number): this {
        this.#room(4);
        this.#v.setUint32(this.#o, x);
        this.#o += 4;
        return this;
    }
    u64(x: number): this {
        this.#room(8);
        this.#v.setUint32(this.#o, Math.floor(x / 2 ** 32));
        this.#v.setUint32(this.#o + 4, x >>> 0);
        this.#o += 8;
        return this;
    }
    /** LEB128 of a non-negative safe integer. */
    varint(x: number): this {
        let v = x;
        while (v >= 0x80) {
            this.u8((v % 128) | 0x80);
            v = Math.floor(v / 128);
        }
        return this.u8(v);
    }
    bytes(b: Uint8Array): this {
        this.#room(b.length);
        this.#b.set(b, this.#o);
        this.#o += b.length;
        return this;
    }
    finish(): Uint8Array {
        return this.#b.slice(0, this.#o);
    }
}

function flagsOf(status: number, hasC0: boolean, what: string): number {
    if (!Number.isInteger(status) || status < 0 || status > STATUS_MASK)
        throw bad(what, `status ${status} outside 0..${STATUS_MASK}`);
    return status | (hasC0 ? FLAG_C0 : 0);
}

function readFlags(r: Cursor, what: string): { status: number; hasC0: boolean } {
    const at = r.offset;
    const f = r.u8('flags');
    if ((f & ~(FLAG_C0 | STATUS_MASK)) !== 0)
        throw bad(what, `flags 0x${f.toString(16)} at byte ${at} has unknown bits`);
    return { status: f & STATUS_MASK, hasC0: (f & FLAG_C0) !== 0 };
}

function checkLen(b: Uint8Array, n: number, what: string): void {
    if (!(b instanceof Uint8Array) || b.length !== n) throw bad(what, `expected ${n} bytes`);
}

/**
 * Encode readings as one batch, in the given order (consecutive readings of one channel and
 * period share a run).
 * @throws {ContractError} BAD_REQUEST for a value the format cannot carry.
 * @example encodeReadingBatch([{ channel, period, slot: 0, seq: 1, status: 0, c, c0, sig }], 32)
 */
export function encodeReadingBatch(
    readings: readonly BinaryReading[],
    elementBytes: number,
): Uint8Array {
    const what = 'reading batch';
    if (readings.length < 1 || readings.length > MAX_BATCH)
        throw bad(what, `expected 1..${MAX_BATCH} readings, got ${readings.length}`);
    const runs: { channel: string; period: string; items: BinaryReading[] }[] = [];
    for (const r of readings) {
        const last = runs[runs.length - 1];
        if (last?.channel === r.channel && last.period === r.period && last.items.length < 0xffff)
            last.items.push(r);
        else runs.push({ channel: r.channel, period: r.period, items: [r] });
    }
    const w = new Out(3 + readings.length * (13 + 2 * elementBytes + SIG_BYTES));
    w.u8(BATCH_VERSION).u16(runs.length);
    for (const run of runs) {
        const ch = utf8.encode(run.channel);
        if (ch.length < 1 || ch.length > MAX_CHANNEL_BYTES)
            throw bad(what, `channel must be 1..${MAX_CHANNEL_BYTES} bytes`);
        const p = utf8.encode(run.period);
        if (p.length !== 7) throw bad(what, `period ${run.period} is not YYYY-MM`);
        w.u8(ch.length).bytes(ch).u8(p.length).bytes(p).u16(run.items.length);
        for (const r of run.items) {
            if (!Number.isInteger(r.slot) || r.slot < 0 || r.slot > MAX_SLOT)
                throw bad(what, `slot ${r.slot} outside 0..${MAX_SLOT}`);
            if (!Number.isSafeInteger(r.seq) || r.seq < 1)
                throw bad(what, `seq ${r.seq} is not a positive safe integer`);
            checkLen(r.c, elementBytes, `${what}: C_i`);
            if (r.c0 !== undefined) checkLen(r.c0, elementBytes, `${what}: C_0`);
            checkLen(r.sig, SIG_BYTES, `${what}: signature`);
            w.u32(r.slot)
                .u64(r.seq)
                .u8(flagsOf(r.status, r.c0 !== undefined, what))
                .bytes(r.c);
            if (r.c0 !== undefined) w.bytes(r.c0);
            w.bytes(r.sig);
        }
    }
    return w.finish();
}

/**
 * Decode a submitted batch strictly (see the module notes). Checks the format only; the contract
 * checks the readings against the ledger (channel registered, slot in its period, points valid,
 * signatures, sequence numbers).
 * @throws {ContractError} BAD_REQUEST naming the offending byte offset.
 */
export function decodeReadingBatch(bytes: Uint8Array, elementBytes: number): BinaryReading[] {
    const what = 'SubmitReadings.batch';
    const r = new Cursor(bytes, what);
    const version = r.u8('version');
    if (version !== BATCH_VERSION)
        throw bad(what, `unsupported version ${version} (expected ${BATCH_VERSION})`);
    const runs = r.u16('run count');
    if (runs < 1) throw bad(what, 'no runs');
    const out: BinaryReading[] = [];
    const seen = new Set<string>();
    for (let i = 0; i < runs; i++) {
        const chLen = r.u8('channel length');
        if (chLen < 1 || chLen > MAX_CHANNEL_BYTES)
            throw bad(what, `run ${i}: channel length ${chLen} outside 1..${MAX_CHANNEL_BYTES}`);
        let channel: string;
        try {
            channel = utf8Strict.decode(r.bytes(chLen, 'channel'));
        } catch (e) {
            if (e instanceof ContractError) throw e;
            throw bad(what, `run ${i}: channel is not UTF-8`);
        }
        const pLen = r.u8('period length');
        if (pLen !== 7) throw bad(what, `run ${i}: period length ${pLen}, expected 7 (YYYY-MM)`);
        const period = String.fromCharCode(...r.bytes(pLen, 'period'));
        try {
            parsePeriodId(period);
        } catch (e) {
            throw new ContractError('BAD_REQUEST', `${what}: run ${i}: ${(e as Error).message}`, {
                cause: e,
            });
        }
        const count = r.u16('reading count');
        if (count < 1) throw bad(what, `run ${i} has no readings`);
        if (out.length + count > MAX_BATCH)
            throw bad(
                what,
                `more than ${MAX_BATCH} readings exceed the batch limit; split the batch`,
            );
        for (let j = 0; j < count; j++) {
            const at = r.offset;
            const slot = r.u32('slot');
            if (slot > MAX_SLOT) throw bad(what, `slot ${slot} at byte ${at} exceeds ${MAX_SLOT}`);
            const seq = r.safeU64('seq', 1);
            const { status, hasC0 } = readFlags(r, what);
            const c = r.bytes(elementBytes, 'C_i');
            const c0 = hasC0 ? r.bytes(elementBytes, 'C_0') : undefined;
            const sig = r.bytes(SIG_BYTES, 'signature');
            const k = `${channel}\u0000${period}\u0000${slot}`;
            if (seen.has(k))
                throw bad(
                    what,
                    `${channel} ${period} slot ${slot} appears twice in the batch (byte ${at})`,
                );
            seen.add(k);
            out.push({ channel, period, slot, seq, status, c, c0, sig });
        }
    }
    r.end();
    return out;
}

/** The chunk (state record) number of a slot, and the slot's offset in it. */
export function chunkOf(slot: number): { chunk: number; offset: number } {
    return { chunk: Math.floor(slot / CHUNK_SLOTS), offset: slot % CHUNK_SLOTS };
}

const FLAG_SEQ_DOWN = 0x40;
const TX_HEX = /^[0-9a-f]{64}$/;

/**
 * Encode a chunk's entries (any order; stored by increasing slot). All slots must lie in `chunk`;
 * every entry's `tx` must be a lower-case hex transaction id of {@link TX_ID_BYTES} bytes.
 * @example encodeChunk(0, [{ slot: 0, seq: 1, status: 0, c, c0, tx: ctx.stub.getTxID() }], 32)
 */
export function encodeChunk(
    chunk: number,
    entries: readonly ChunkEntry[],
    elementBytes: number,
): Uint8Array {
    const sorted = [...entries].sort((a, b) => a.slot - b.slot);
    const txs = new Map<string, number>();
    for (const e of sorted) {
        if (!TX_HEX.test(e.tx))
            throw new ContractError(
                'BAD_REQUEST',
                `chunk ${chunk}: transaction id ${e.tx} is not lower-case hex of ${TX_ID_BYTES} bytes`,
            );
        if (!txs.has(e.tx)) txs.set(e.tx, txs.size);
    }
    if (txs.size < 1 || txs.size > CHUNK_SLOTS)
        throw new ContractError('BAD_REQUEST', `chunk ${chunk}: ${txs.size} transactions`);
    const w = new Out(2 + txs.size * TX_ID_BYTES + sorted.length * (6 + 2 * elementBytes));
    w.u8(CHUNK_VERSION).u8(txs.size);
    for (const t of txs.keys()) w.bytes(hexToBytes(t));
    let prev = -1;
    let prevSeq = 0;
    for (const e of sorted) {
        const { chunk: c, offset } = chunkOf(e.slot);
        if (c !== chunk || e.slot === prev)
            throw new ContractError('BAD_REQUEST', `chunk ${chunk}: slot ${e.slot} does not fit`);
        if (!Number.isSafeInteger(e.seq) || e.seq < 1)
            throw new ContractError('BAD_REQUEST', `chunk ${chunk}: seq ${e.seq} out of range`);
        prev = e.slot;
        if (e.seq === prevSeq)
            throw new ContractError('BAD_REQUEST', `chunk ${chunk}: seq ${e.seq} used twice`);
        const down = e.seq < prevSeq;
        w.u8(offset)
            .u8(
                flagsOf(e.status, e.c0 !== undefined, `chunk ${chunk}`) |
                    (down ? FLAG_SEQ_DOWN : 0),
            )
            .u8(txs.get(e.tx) ?? 0)
            .varint(Math.abs(e.seq - prevSeq));
        prevSeq = e.seq;
        w.bytes(e.c);
        if (e.c0 !== undefined) w.bytes(e.c0);
    }
    return w.finish();
}

/** Decode a stored chunk (written by {@link encodeChunk}; still checked strictly). */
export function decodeChunk(chunk: number, bytes: Uint8Array, elementBytes: number): ChunkEntry[] {
    const what = `stored reading chunk ${chunk}`;
    const r = new Cursor(bytes, what);
    const version = r.u8('version');
    if (version !== CHUNK_VERSION)
        throw bad(
            what,
            `unsupported version ${version} (expected ${CHUNK_VERSION}; a ledger written before the signature-free chunks must be re-created)`,
        );
    const txCount = r.u8('transaction count');
    if (txCount < 1 || txCount > CHUNK_SLOTS)
        throw bad(what, `transaction count ${txCount} outside 1..${CHUNK_SLOTS}`);
    const txs: string[] = [];
    for (let i = 0; i < txCount; i++) {
        const t = bytesToHex(r.bytes(TX_ID_BYTES, 'transaction id'));
        if (txs.includes(t)) throw bad(what, `transaction id ${t} listed twice`);
        txs.push(t);
    }
    const used = new Set<number>();
    const out: ChunkEntry[] = [];
    let prev = -1;
    let prevSeq = 0;
    while (r.remaining > 0) {
        const offset = r.u8('slot offset');
        if (offset >= CHUNK_SLOTS || offset <= prev)
            throw bad(what, `slot offset ${offset} out of order or range`);
        prev = offset;
        const fAt = r.offset;
        const f = r.u8('flags');
        if ((f & ~(FLAG_C0 | FLAG_SEQ_DOWN | STATUS_MASK)) !== 0)
            throw bad(what, `flags 0x${f.toString(16)} at byte ${fAt} has unknown bits`);
        const status = f & STATUS_MASK;
        const hasC0 = (f & FLAG_C0) !== 0;
        const at = r.offset;
        const ti = r.u8('transaction index');
        const tx = txs[ti];
        if (tx === undefined)
            throw bad(what, `transaction index ${ti} at byte ${at} outside 0..${txCount - 1}`);
        used.add(ti);
        const seqAt = r.offset;
        const delta = r.varint('seq delta');
        if (delta === 0) throw bad(what, `seq delta at byte ${seqAt} is zero`);
        const seq = (f & FLAG_SEQ_DOWN) !== 0 ? prevSeq - delta : prevSeq + delta;
        if (!Number.isSafeInteger(seq) || seq < 1)
            throw bad(what, `seq ${seq} at byte ${seqAt} outside 1..2^53 − 1`);
        prevSeq = seq;
        const c = r.bytes(elementBytes, 'C_i');
        const c0 = hasC0 ? r.bytes(elementBytes, 'C_0') : undefined;
        out.push({ slot: chunk * CHUNK_SLOTS + offset, seq, status, c, c0, tx });
    }
    r.end();
    if (used.size !== txCount) throw bad(what, 'a listed transaction id is not used by any entry');
    return out;
}
