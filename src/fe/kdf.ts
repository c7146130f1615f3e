// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/kdf
 * Domain-separated derivation of scalars (NIST SP 800-185 primitives from @noble/hashes):
 * - secret scalars from a seed: KMAC256-XOF(key = seed, msg = TupleEncode(context), S = label),
 *   squeezed to n·wideBytes bytes and reduced mod q in `wideBytes` chunks (wide reduction: bias < 2^-128);
 * - public hashes to a scalar (Fiat–Shamir challenges): TupleHash256-XOF(parts, S = label), wide-reduced.
 * Contexts are tuples of byte strings; TupleHash/KMAC encodings are injective, so (meter, channel,
 * period) = ("a", "bc") never collides with ("ab", "c").
 */
import { kmac256xof, tuplehash256xof } from '@noble/hashes/sha3-addons.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { RangeCheckError } from './errors.js';
import type { Group } from './group.js';

/** Domain labels (the "customization strings" S). Never change them: they define every derived key. */
export const LABELS = Object.freeze({
    masterKey: 'femeter/v1/ipfe/msk',
    encRandomness: 'femeter/v1/ipfe/r',
    proofNonce: 'femeter/v1/proof/nonce',
    proofChallenge: 'femeter/v1/proof/challenge',
    /** MCFE client key s_i ∈ Z_q^2 of one member in one aggregation epoch ({@link ./mcfe.ts}). */
    mcfeClientKey: 'femeter/v1/mcfe/s',
    /** Digest of an aggregation group's roster (epoch and canonical member list). */
    mcfeRoster: 'femeter/v1/mcfe/roster',
    /** Hash-to-group of an MCFE label (suffixed /u1, /u2 for the two coordinates of u_ℓ). */
    mcfeLabel: 'femeter/v1/mcfe/label',
    /** A member's Diffie–Hellman key for the pairwise masks of decentralised key generation. */
    dmcfeDhKey: 'femeter/v1/dmcfe/dh',
    /** Pairwise mask of a key share (keyed by the DH shared secret). */
    dmcfeMask: 'femeter/v1/dmcfe/mask',
    /** Digest of an aggregate function (epoch, members, weights). */
    dmcfeFunction: 'femeter/v1/dmcfe/function',
    /** Fiat–Shamir nonce and challenge of a grid aggregate's proof ({@link ./aggregate-proof.ts}). */
    aggregateProofNonce: 'femeter/v1/aggregate-proof/nonce',
    aggregateProofChallenge: 'femeter/v1/aggregate-proof/challenge',
});

/** Unambiguous encoding of a tuple of strings/bytes (u32 length prefix per part). */
export function encodeTuple(parts: readonly (string | Uint8Array)[]): Uint8Array {
    // ASCII strings (labels, ids, numbers: the common case) are their own UTF-8 bytes
    const bs = parts.map((p) => (typeof p !== 'string' || isAscii(p) ? p : utf8ToBytes(p)));
    const out = new Uint8Array(bs.reduce((n, b) => n + 4 + b.length, 0));
    const view = new DataView(out.buffer);
    let o = 0;
    for (const b of bs) {
        view.setUint32(o, b.length);
        if (typeof b === 'string')
            for (let i = 0; i < b.length; i++) out[o + 4 + i] = b.charCodeAt(i);
        else out.set(b, o + 4);
        o += 4 + b.length;
    }
    return out;
}

function isAscii(s: string): boolean {
    for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) > 0x7f) return false;
    return true;
}

/**
 * Derive `count` secret scalars from a seed for a context.
 * @param seed at least 32 bytes of secret key material
 * @example deriveScalars(group, seed, LABELS.masterKey, ['meter-1', '1-0:1.8.0', '2024-03'], 2972)
 */
export function deriveScalars<E>(
    group: Group<E>,
    seed: Uint8Array,
    label: string,
    context: readonly (string | Uint8Array)[],
    count: number,
): bigint[] {
    if (!(seed instanceof Uint8Array) || seed.length < 32)
        throw new RangeCheckError('seed must be at least 32 bytes');
    if (!Number.isSafeInteger(count) || count < 0)
        throw new RangeCheckError('count must be a non-negative integer');
    const w = group.wideBytes;
    const msg = encodeTuple([group.name, ...context]);
    const out = kmac256xof(seed, msg, { dkLen: w * count, personalization: utf8ToBytes(label) });
    const ks: bigint[] = [];
    for (let i = 0; i < count; i++) ks.push(group.scalarFromWide(out.subarray(i * w, (i + 1) * w)));
    return ks;
}

/** Hash public data to a scalar (Fiat–Shamir). */
export function hashToScalar<E>(
    group: Group<E>,
    label: string,
    parts: readonly (string | Uint8Array)[],
): bigint {
    const msgs = [group.name, ...parts].map((p) => (typeof p === 'string' ? utf8ToBytes(p) : p));
    return group.scalarFromWide(
        tuplehash256xof(msgs, { dkLen: group.wideBytes, personalization: utf8ToBytes(label) }),
    );
}
