// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/wire
 * Byte-level helpers shared by the binary codecs of the FE core ({@link ./codec.ts},
 * {@link ./mcfe-codec.ts}): a writer, a bounds-checked reader, and the common object header
 * magic[4] | version u8 (=1) | group id u8. Internal: not re-exported by the package index.
 */
import { DecodeError } from './errors.js';
import { GROUP_IDS, type Group } from './group.js';

const VERSION = 1;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Appends big-endian integers and byte strings; `finish()` concatenates. */
export class Writer {
    readonly #parts: Uint8Array[] = [];
    bytes(b: Uint8Array): this {
        this.#parts.push(b);
        return this;
    }
    u8(n: number): this {
        return this.bytes(Uint8Array.of(n));
    }
    u16(n: number): this {
        const b = new Uint8Array(2);
        new DataView(b.buffer).setUint16(0, n);
        return this.bytes(b);
    }
    u32(n: number): this {
        const b = new Uint8Array(4);
        new DataView(b.buffer).setUint32(0, n);
        return this.bytes(b);
    }
    i64(n: bigint): this {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigInt64(0, n);
        return this.bytes(b);
    }
    finish(): Uint8Array {
        const out = new Uint8Array(this.#parts.reduce((n, p) => n + p.length, 0));
        let o = 0;
        for (const p of this.#parts) {
            out.set(p, o);
            o += p.length;
        }
        return out;
    }
}

/** Reads what {@link Writer} wrote, refusing truncation with a DecodeError naming the field. */
export class Reader {
    #o = 0;
    readonly #b: Uint8Array;
    readonly #view: DataView;
    readonly #what: string;
    constructor(b: Uint8Array, what: string) {
        if (!(b instanceof Uint8Array)) throw new DecodeError(what, 'expected Uint8Array');
        this.#b = b;
        this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
        this.#what = what;
    }
    take(n: number, field: string): Uint8Array {
        if (this.#o + n > this.#b.length)
            throw new DecodeError(
                `${this.#what}.${field}`,
                `truncated: need ${n} bytes at offset ${this.#o}, have ${this.#b.length - this.#o}`,
            );
        const out = this.#b.subarray(this.#o, this.#o + n);
        this.#o += n;
        return out;
    }
    u8(field: string): number {
        return this.take(1, field)[0]!;
    }
    u16(field: string): number {
        const b = this.take(2, field);
        return (b[0]! << 8) | b[1]!;
    }
    u32(field: string): number {
        this.take(4, field);
        return this.#view.getUint32(this.#o - 4);
    }
    i64(field: string): bigint {
        this.take(8, field);
        return this.#view.getBigInt64(this.#o - 8);
    }
    end(): void {
        if (this.#o !== this.#b.length)
            throw new DecodeError(this.#what, `${this.#b.length - this.#o} trailing bytes`);
    }
}

/** Object header: magic[4] | version u8 | group id u8. */
export function header(w: Writer, magic: string, group: Group<unknown>): Writer {
    return w.bytes(enc.encode(magic)).u8(VERSION).u8(GROUP_IDS[group.name]);
}

/** Read and check an object header. */
export function readHeader(r: Reader, magic: string, group: Group<unknown>, what: string): void {
    const m = dec.decode(r.take(4, 'magic'));
    if (m !== magic)
        throw new DecodeError(
            `${what}.magic`,
            `expected "${magic}", got "${m.replace(/[^\x20-\x7e]/g, '?')}"`,
        );
    const v = r.u8('version');
    if (v !== VERSION)
        throw new DecodeError(
            `${what}.version`,
            `unsupported version ${v} (this build reads ${VERSION})`,
        );
    const id = r.u8('group');
    if (id !== GROUP_IDS[group.name])
        throw new DecodeError(`${what}.group`, `group id ${id} does not match ${group.name}`);
}

/** Whether two byte strings are equal (public data: not constant-time). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
    return a instanceof Uint8Array && a.length === b.length && a.every((x, i) => x === b[i]);
}
