// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/codec
 * The canonical binary encoding of everything the embedded engine signs or hashes (transaction payloads, block
 * headers, block data). Canonical by construction: a fixed field order per record, integers as unsigned LEB128
 * varints with the shortest form required on decode, byte strings and UTF-8 strings length-prefixed, no optional
 * padding, no trailing bytes. One value therefore has exactly one encoding, and decoding then re-encoding gives the
 * same bytes, so a hash or signature over the encoding is a hash or signature over the value.
 *
 * varint(n) = 7 bits per byte, low group first, high bit set on all but the last byte (as in protobuf).
 */

import { LedgerError } from '../errors.js';

/** Largest integer a varint may carry: 2^53 − 1, so it always fits a JS number exactly. */
const MAX_VARINT = Number.MAX_SAFE_INTEGER;

const _encoder = new TextEncoder();
const _decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/**
 * Bytes that do not decode: truncated, non-minimal, out of range, invalid UTF-8, trailing data.
 *
 * @example
 * ```ts
 * try { decodeProposal(bytes, { maxArgs: 8 }); } catch (e) { if (e instanceof CodecError) refuse(e.message); }
 * ```
 */
export class CodecError extends LedgerError {
    constructor(message: string) {
        super('MALFORMED', message);
    }
}

/**
 * Whether `s` is well-formed UTF-16 (no lone surrogates), i.e. survives a UTF-8 round trip unchanged.
 *
 * @example
 * ```ts
 * isWellFormed('abc'); // true
 * isWellFormed('\uD800'); // false
 * ```
 */
export function isWellFormed(s: string): boolean {
    const native = (s as unknown as { isWellFormed?: () => boolean }).isWellFormed;
    if (typeof native === 'function') return native.call(s);
    return !/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(s);
}

/**
 * UTF-8 bytes of a well-formed string.
 * @throws {CodecError} on a lone surrogate (TextEncoder would silently replace it and change the value)
 *
 * @example
 * ```ts
 * utf8('é'); // Uint8Array [0xc3, 0xa9]
 * ```
 */
export function utf8(s: string): Uint8Array {
    if (!isWellFormed(s)) throw new CodecError('string is not well-formed UTF-16 (lone surrogate)');
    return _encoder.encode(s);
}

/**
 * Appends canonical fields to a growing buffer.
 *
 * @example
 * ```ts
 * const bytes = new Writer().str('PutMany').varint(2).bytes(nonce).finish();
 * ```
 */
export class Writer {
    #buf: Uint8Array;
    #len = 0;

    constructor(initialCapacity = 256) {
        this.#buf = new Uint8Array(initialCapacity);
    }

    #reserve(n: number): void {
        const need = this.#len + n;
        if (need <= this.#buf.length) return;
        let cap = this.#buf.length * 2;
        while (cap < need) cap *= 2;
        const next = new Uint8Array(cap);
        next.set(this.#buf.subarray(0, this.#len));
        this.#buf = next;
    }

    u8(n: number): this {
        if (!Number.isInteger(n) || n < 0 || n > 0xff)
            throw new CodecError(`u8 out of range: ${n}`);
        this.#reserve(1);
        this.#buf[this.#len++] = n;
        return this;
    }

    /** Unsigned 64-bit big-endian (fixed width: block numbers in headers). */
    u64(n: bigint): this {
        if (n < 0n || n > 0xffff_ffff_ffff_ffffn) throw new CodecError(`u64 out of range: ${n}`);
        this.#reserve(8);
        new DataView(this.#buf.buffer, this.#buf.byteOffset).setBigUint64(this.#len, n);
        this.#len += 8;
        return this;
    }

    varint(n: number): this {
        if (!Number.isInteger(n) || n < 0 || n > MAX_VARINT)
            throw new CodecError(`varint out of range: ${n}`);
        this.#reserve(8);
        while (n >= 0x80) {
            this.#buf[this.#len++] = (n % 0x80) | 0x80;
            n = Math.floor(n / 0x80);
        }
        this.#buf[this.#len++] = n;
        return this;
    }

    /** Raw bytes of a length both sides know (hashes, signatures). */
    fixed(b: Uint8Array): this {
        this.#reserve(b.length);
        this.#buf.set(b, this.#len);
        this.#len += b.length;
        return this;
    }

    /** Length-prefixed bytes. */
    bytes(b: Uint8Array): this {
        return this.varint(b.length).fixed(b);
    }

    /** Length-prefixed UTF-8 string. @throws {CodecError} on a lone surrogate */
    str(s: string): this {
        return this.bytes(utf8(s));
    }

    /** The encoded bytes (a view of the internal buffer; the writer must not be used afterwards). */
    finish(): Uint8Array {
        return this.#buf.subarray(0, this.#len);
    }
}

/**
 * Reads canonical fields; every read checks bounds and canonical form. Returned byte strings are views into the
 * input (no copy).
 *
 * @example
 * ```ts
 * const r = new Reader(bytes);
 * const name = r.str(); const count = r.varint(); r.end();
 * ```
 */
export class Reader {
    readonly #buf: Uint8Array;
    #pos = 0;

    constructor(buf: Uint8Array) {
        this.#buf = buf;
    }

    get position(): number {
        return this.#pos;
    }

    get remaining(): number {
        return this.#buf.length - this.#pos;
    }

    u8(): number {
        const b = this.#buf[this.#pos];
        if (b === undefined) throw new CodecError('truncated: u8');
        this.#pos++;
        return b;
    }

    u64(): bigint {
        if (this.remaining < 8) throw new CodecError('truncated: u64');
        const v = new DataView(this.#buf.buffer, this.#buf.byteOffset).getBigUint64(this.#pos);
        this.#pos += 8;
        return v;
    }

    varint(): number {
        let result = 0;
        let scale = 1;
        for (let i = 0; ; i++) {
            const b = this.#buf[this.#pos];
            if (b === undefined) throw new CodecError('truncated: varint');
            this.#pos++;
            result += (b & 0x7f) * scale;
            if (result > MAX_VARINT) throw new CodecError('varint out of range');
            if ((b & 0x80) === 0) {
                if (b === 0 && i > 0) throw new CodecError('non-minimal varint');
                return result;
            }
            scale *= 0x80;
        }
    }

    /** `n` raw bytes. */
    fixed(n: number): Uint8Array {
        if (this.remaining < n) throw new CodecError(`truncated: expected ${n} bytes`);
        const out = this.#buf.subarray(this.#pos, this.#pos + n);
        this.#pos += n;
        return out;
    }

    /** Length-prefixed bytes, at most `max` long. */
    bytes(max = Number.MAX_SAFE_INTEGER): Uint8Array {
        const n = this.varint();
        if (n > max) throw new CodecError(`field too long: ${n} > ${max}`);
        return this.fixed(n);
    }

    /** Length-prefixed UTF-8 string of at most `maxBytes` bytes; invalid UTF-8 is refused. */
    str(maxBytes = Number.MAX_SAFE_INTEGER): string {
        const b = this.bytes(maxBytes);
        try {
            return _decoder.decode(b);
        } catch {
            throw new CodecError('invalid UTF-8');
        }
    }

    /** Assert that everything was consumed. */
    end(): void {
        if (this.remaining !== 0) throw new CodecError(`${this.remaining} trailing bytes`);
    }
}

/**
 * Lower-case hex of bytes.
 *
 * @example
 * ```ts
 * toHex(new Uint8Array([1, 255])); // '01ff'
 * ```
 */
export function toHex(b: Uint8Array): string {
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('hex');
}

/**
 * Bytes of a lower- or upper-case hex string of even length.
 * @throws {CodecError} on odd length or a non-hex character
 *
 * @example
 * ```ts
 * fromHex('01ff'); // Uint8Array [1, 255]
 * ```
 */
export function fromHex(s: string): Uint8Array {
    if (s.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(s)) throw new CodecError('invalid hex');
    return new Uint8Array(Buffer.from(s, 'hex'));
}

/**
 * Byte-wise equality.
 *
 * @example
 * ```ts
 * equalBytes(a, b);
 * ```
 */
export function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(b);
}

/**
 * Compare two strings in the order LevelDB and Fabric's state database sort keys: by UTF-8 bytes, which is
 * Unicode code point order (JS `<` compares UTF-16 code units and differs above U+FFFF).
 *
 * @example
 * ```ts
 * compareKeys('\uFFFF', '\u{10000}'); // -1 (JS '<' would say the opposite)
 * ```
 */
export function compareKeys(a: string, b: string): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        const x = a.charCodeAt(i);
        const y = b.charCodeAt(i);
        if (x === y) continue;
        // Surrogates (0xD800–0xDFFF) encode code points above 0xFFFF and sort after 0xE000–0xFFFF.
        const xs = x >= 0xd800 && x <= 0xdfff;
        const ys = y >= 0xd800 && y <= 0xdfff;
        if (xs !== ys) return xs ? 1 : -1;
        return x < y ? -1 : 1;
    }
    return a.length - b.length < 0 ? -1 : a.length === b.length ? 0 : 1;
}
