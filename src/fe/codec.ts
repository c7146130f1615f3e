// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/codec
 * Versioned, canonical binary serialization of FE objects, with hard size limits checked before any
 * allocation. Layout (big-endian integers):
 *
 *   header   magic[4] | version u8 (=1) | group id u8
 *   context  3 × (u16 length | UTF-8)          meter, channel, period; each 1..128 bytes
 *   mpk      header("FMPK") context | u32 l | l × element
 *   key      header("FMFK") context | u32 l | l × i64 weight | scalar
 *   proof    header("FMPF") | scalar c | scalar s
 *
 * Decoders reject wrong magic/version/group, truncated or trailing bytes, out-of-range lengths,
 * non-canonical scalars and invalid or identity elements, each with a DecodeError naming the field.
 */
import { DecodeError } from './errors.js';
import type { Group } from './group.js';
import {
    checkWeights,
    MAX_SLOTS,
    MAX_WEIGHT,
    type EpochContext,
    type FunctionalKey,
    type MasterPublicKey,
} from './ipfe.js';
import type { BillProof } from './proof.js';
import { header, readHeader, Reader, Writer } from './wire.js';

const MAX_CTX_FIELD = 128;
const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function writeCtx(w: Writer, c: EpochContext): void {
    for (const [k, v] of [
        ['meter', c.meter],
        ['channel', c.channel],
        ['period', c.period],
    ] as const) {
        const b = enc.encode(v);
        if (b.length < 1 || b.length > MAX_CTX_FIELD)
            throw new DecodeError(`context.${k}`, `must be 1..${MAX_CTX_FIELD} bytes`);
        w.u16(b.length).bytes(b);
    }
}

function readCtx(r: Reader, what: string): EpochContext {
    const f = (k: string): string => {
        const n = r.u16(`context.${k}.length`);
        if (n < 1 || n > MAX_CTX_FIELD)
            throw new DecodeError(
                `${what}.context.${k}`,
                `length ${n} outside 1..${MAX_CTX_FIELD}`,
            );
        try {
            return dec.decode(r.take(n, `context.${k}`));
        } catch (e) {
            if (e instanceof DecodeError) throw e;
            throw new DecodeError(`${what}.context.${k}`, 'not valid UTF-8');
        }
    };
    return { meter: f('meter'), channel: f('channel'), period: f('period') };
}

function readLength(r: Reader, what: string): number {
    const l = r.u32('l');
    if (l < 1 || l > MAX_SLOTS)
        throw new DecodeError(`${what}.l`, `vector length ${l} outside 1..${MAX_SLOTS}`);
    return l;
}

/** Serialize an mpk. */
export function encodeMpk<E>(group: Group<E>, mpk: MasterPublicKey<E>): Uint8Array {
    const w = header(new Writer(), 'FMPK', group);
    writeCtx(w, mpk.ctx);
    w.u32(mpk.H.length);
    for (const h of mpk.H) w.bytes(group.encode(h));
    return w.finish();
}

/** Parse and validate an mpk (every H_i canonical, in the group, not the identity). */
export function decodeMpk<E>(group: Group<E>, bytes: Uint8Array): MasterPublicKey<E> {
    const r = new Reader(bytes, 'mpk');
    readHeader(r, 'FMPK', group, 'mpk');
    const ctx = readCtx(r, 'mpk');
    const l = readLength(r, 'mpk');
    const H = group.decodeMany(r.take(l * group.elementBytes, 'H'), l, 'mpk.H');
    r.end();
    return { ctx, H };
}

/** Serialize a functional key (weights and sk_y: secret, store encrypted). */
export function encodeFunctionalKey<E>(group: Group<E>, key: FunctionalKey): Uint8Array {
    const w = header(new Writer(), 'FMFK', group);
    writeCtx(w, key.ctx);
    w.u32(key.y.length);
    for (const v of key.y) w.i64(v);
    w.bytes(group.encodeScalar(key.sk));
    return w.finish();
}

/** Parse a functional key. */
export function decodeFunctionalKey<E>(group: Group<E>, bytes: Uint8Array): FunctionalKey {
    const r = new Reader(bytes, 'key');
    readHeader(r, 'FMFK', group, 'key');
    const ctx = readCtx(r, 'key');
    const l = readLength(r, 'key');
    const y: bigint[] = [];
    for (let i = 0; i < l; i++) {
        const v = r.i64(`y[${i}]`);
        if (v > MAX_WEIGHT || v < -MAX_WEIGHT)
            throw new DecodeError(`key.y[${i}]`, 'weight out of range');
        y.push(v);
    }
    checkWeights(y, l);
    const sk = group.decodeScalar(r.take(group.scalarBytes, 'sk'), 'key.sk');
    r.end();
    return { ctx, y, sk };
}

/** Serialize a bill proof. */
export function encodeProof<E>(group: Group<E>, p: BillProof): Uint8Array {
    return header(new Writer(), 'FMPF', group)
        .bytes(group.encodeScalar(p.c))
        .bytes(group.encodeScalar(p.s))
        .finish();
}

/** Parse a bill proof. */
export function decodeProof<E>(group: Group<E>, bytes: Uint8Array): BillProof {
    const r = new Reader(bytes, 'proof');
    readHeader(r, 'FMPF', group, 'proof');
    const c = group.decodeScalar(r.take(group.scalarBytes, 'c'), 'proof.c');
    const s = group.decodeScalar(r.take(group.scalarBytes, 's'), 'proof.s');
    r.end();
    return { c, s };
}
