// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/mcfe-codec
 * Versioned, canonical binary serialization of the grid-aggregate objects ({@link ./mcfe.ts},
 * {@link ./dmcfe-keygen.ts}), in the style of {@link ./codec.ts}. Layout (big-endian integers):
 *
 *   header      magic[4] | version u8 (=1) | group id u8
 *   id          u16 length | UTF-8 (1..128 bytes, well-formed)
 *   epoch       id aggregate | id channel | id epoch
 *   ciphertext  header("FMMC") epoch | id member | id slot | element c            (c != identity)
 *   DH key      header("FMDH") epoch | id member | element P                      (P != identity)
 *   key share   header("FMKS") epoch | id member | φ[32] | scalar d1 | scalar d2
 *   dk          header("FMDK") epoch | u32 n | n × (id member | i64 weight) | scalar d1 | scalar d2
 *
 * Decoders reject wrong magic/version/group, truncated or trailing bytes, out-of-range lengths,
 * malformed identifiers, members out of canonical order or duplicated, out-of-range weights,
 * non-canonical scalars and invalid or identity elements, each with a DecodeError naming the field.
 */
import { DecodeError, FeError } from './errors.js';
import type { Group } from './group.js';
import { MAX_WEIGHT } from './ipfe.js';
import { FUNCTION_DIGEST_BYTES, type KeyShare, type MemberPublicKey } from './dmcfe-keygen.js';
import {
    checkId,
    checkMembers,
    MAX_ID_BYTES,
    MAX_MEMBERS,
    type AggregationEpoch,
    type McfeCiphertext,
    type McfeFunctionalKey,
} from './mcfe.js';
import { header, readHeader, Reader, Writer } from './wire.js';

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

function writeId(w: Writer, v: string, field: string): void {
    try {
        checkId(v, field);
    } catch (e) {
        throw new DecodeError(field, (e as Error).message);
    }
    const b = enc.encode(v);
    w.u16(b.length).bytes(b);
}

function readId(r: Reader, what: string, field: string): string {
    const n = r.u16(`${field}.length`);
    if (n < 1 || n > MAX_ID_BYTES)
        throw new DecodeError(`${what}.${field}`, `length ${n} outside 1..${MAX_ID_BYTES}`);
    const b = r.take(n, field);
    let v: string;
    try {
        v = dec.decode(b);
    } catch {
        throw new DecodeError(`${what}.${field}`, 'not valid UTF-8');
    }
    return v;
}

function writeEpoch(w: Writer, e: AggregationEpoch): void {
    writeId(w, e.aggregate, 'aggregate');
    writeId(w, e.channel, 'channel');
    writeId(w, e.epoch, 'epoch');
}

function readEpoch(r: Reader, what: string): AggregationEpoch {
    return {
        aggregate: readId(r, what, 'aggregate'),
        channel: readId(r, what, 'channel'),
        epoch: readId(r, what, 'epoch'),
    };
}

function writeScalars<E>(w: Writer, g: Group<E>, d: readonly [bigint, bigint]): void {
    w.bytes(g.encodeScalar(d[0])).bytes(g.encodeScalar(d[1]));
}

function readScalars<E>(r: Reader, g: Group<E>, what: string): [bigint, bigint] {
    const d1 = g.decodeScalar(r.take(g.scalarBytes, 'd1'), `${what}.d1`);
    const d2 = g.decodeScalar(r.take(g.scalarBytes, 'd2'), `${what}.d2`);
    return [d1, d2];
}

/** Serialize one member's ciphertext of one label. */
export function encodeMcfeCiphertext<E>(group: Group<E>, ct: McfeCiphertext<E>): Uint8Array {
    const w = header(new Writer(), 'FMMC', group);
    writeEpoch(w, ct.label);
    writeId(w, ct.member, 'member');
    writeId(w, ct.label.slot, 'slot');
    return w.bytes(group.encode(ct.c)).finish();
}

/** Parse and validate a ciphertext (c canonical, in the group, not the identity). */
export function decodeMcfeCiphertext<E>(group: Group<E>, bytes: Uint8Array): McfeCiphertext<E> {
    const r = new Reader(bytes, 'ciphertext');
    readHeader(r, 'FMMC', group, 'ciphertext');
    const e = readEpoch(r, 'ciphertext');
    const member = readId(r, 'ciphertext', 'member');
    const slot = readId(r, 'ciphertext', 'slot');
    const c = group.decode(r.take(group.elementBytes, 'c'), 'ciphertext.c');
    r.end();
    return { label: { ...e, slot }, member, c };
}

/** Serialize a member's published DH key. */
export function encodeMemberPublicKey<E>(group: Group<E>, pk: MemberPublicKey<E>): Uint8Array {
    const w = header(new Writer(), 'FMDH', group);
    writeEpoch(w, pk.epoch);
    writeId(w, pk.member, 'member');
    return w.bytes(group.encode(pk.P)).finish();
}

/** Parse and validate a member's DH key (P canonical, in the group, not the identity). */
export function decodeMemberPublicKey<E>(group: Group<E>, bytes: Uint8Array): MemberPublicKey<E> {
    const r = new Reader(bytes, 'dhkey');
    readHeader(r, 'FMDH', group, 'dhkey');
    const epoch = readEpoch(r, 'dhkey');
    const member = readId(r, 'dhkey', 'member');
    const P = group.decode(r.take(group.elementBytes, 'P'), 'dhkey.P');
    r.end();
    return { epoch, member, P };
}

/** Serialize a key share (confidential: send it encrypted to the recipient only). */
export function encodeKeyShare<E>(group: Group<E>, s: KeyShare): Uint8Array {
    if (!(s.fn instanceof Uint8Array) || s.fn.length !== FUNCTION_DIGEST_BYTES)
        throw new DecodeError('share.fn', `function digest must be ${FUNCTION_DIGEST_BYTES} bytes`);
    const w = header(new Writer(), 'FMKS', group);
    writeEpoch(w, s.epoch);
    writeId(w, s.member, 'member');
    w.bytes(s.fn);
    writeScalars(w, group, s.d);
    return w.finish();
}

/** Parse a key share. */
export function decodeKeyShare<E>(group: Group<E>, bytes: Uint8Array): KeyShare {
    const r = new Reader(bytes, 'share');
    readHeader(r, 'FMKS', group, 'share');
    const epoch = readEpoch(r, 'share');
    const member = readId(r, 'share', 'member');
    const fn = r.take(FUNCTION_DIGEST_BYTES, 'fn').slice();
    const d = readScalars(r, group, 'share');
    r.end();
    return { epoch, member, fn, d };
}

/** Serialize an aggregate functional key (secret: store encrypted). */
export function encodeMcfeFunctionalKey<E>(group: Group<E>, key: McfeFunctionalKey): Uint8Array {
    if (key.weights.length !== key.members.length)
        throw new DecodeError('dk.weights', 'one weight per member');
    const w = header(new Writer(), 'FMDK', group);
    writeEpoch(w, key.epoch);
    w.u32(key.members.length);
    key.members.forEach((m, i) => {
        writeId(w, m, `members[${i}]`);
        w.i64(key.weights[i]!);
    });
    writeScalars(w, group, key.dk);
    return w.finish();
}

/** Parse an aggregate functional key (members canonical and distinct, weights in range). */
export function decodeMcfeFunctionalKey<E>(group: Group<E>, bytes: Uint8Array): McfeFunctionalKey {
    const r = new Reader(bytes, 'dk');
    readHeader(r, 'FMDK', group, 'dk');
    const epoch = readEpoch(r, 'dk');
    const n = r.u32('n');
    if (n < 1 || n > MAX_MEMBERS)
        throw new DecodeError('dk.n', `member count ${n} outside 1..${MAX_MEMBERS}`);
    const members: string[] = [];
    const weights: bigint[] = [];
    for (let i = 0; i < n; i++) {
        members.push(readId(r, 'dk', `members[${i}]`));
        const y = r.i64(`weights[${i}]`);
        if (y > MAX_WEIGHT || y < -MAX_WEIGHT)
            throw new DecodeError(`dk.weights[${i}]`, 'weight out of range');
        weights.push(y);
    }
    const dk = readScalars(r, group, 'dk');
    r.end();
    validate('dk', () => {
        checkMembers(members);
    });
    return { epoch, members, weights, dk };
}

/** Turn a range/shape error into a DecodeError naming the object. */
function validate(what: string, check: () => void): void {
    try {
        check();
    } catch (e) {
        if (e instanceof FeError && !(e instanceof DecodeError))
            throw new DecodeError(what, e.message);
        throw e;
    }
}
