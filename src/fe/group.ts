// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/group
 * The one interface every scheme in femeter is written against: an additive group of prime order q
 * with generator G (DESIGN.md §2). Implementations: ristretto255 (default, {@link ./ristretto255.ts})
 * and the RFC 7919 finite-field groups ffdhe2048/3072/4096 ({@link ./ffdhe.ts}), where the group
 * "addition" is multiplication mod p and "k·P" is P^k mod p.
 *
 * Elements are opaque, immutable values of type `E`; only a group's own methods may touch them.
 * Scalars are `bigint` in [0, q). Bytes cross the API as `Uint8Array`.
 */

/** Names of the supported groups. */
export type GroupName = 'ristretto255' | 'ffdhe2048' | 'ffdhe3072' | 'ffdhe4096';

/** One-byte identifiers used in serialized objects. Never renumber. */
export const GROUP_IDS: Readonly<Record<GroupName, number>> = Object.freeze({
    ristretto255: 1,
    ffdhe2048: 2,
    ffdhe3072: 3,
    ffdhe4096: 4,
});

/** Options for decoding an element read from outside. */
export interface DecodeOptions {
    /** Accept the identity element (default false: the protocol never sends it legitimately). */
    readonly allowIdentity?: boolean;
}

/** A prime-order group. */
export interface Group<E> {
    readonly name: GroupName;
    /** Group order q (prime). */
    readonly order: bigint;
    /** Length of a canonical element encoding. */
    readonly elementBytes: number;
    /** Length of a canonical scalar encoding (big-endian for ffdhe, little-endian for ristretto255). */
    readonly scalarBytes: number;
    /** Bytes of uniform input reduced mod q to get a scalar with bias < 2^-128 ("wide reduction"). */
    readonly wideBytes: number;
    /** Generator G. */
    readonly generator: E;
    /** Identity (0·G). */
    readonly identity: E;

    add(a: E, b: E): E;
    sub(a: E, b: E): E;
    neg(a: E): E;
    /** k·G. Constant-time in k where the backend offers it (ristretto255); use for secret scalars. */
    mulBase(k: bigint): E;
    /** p + k·G (the meter's C_i = r·H_i + x_i·G). Constant-time in k where the backend offers it. */
    addMulBase(p: E, k: bigint): E;
    /** k·P for a variable point P. Constant-time in k where the backend offers it. */
    mul(p: E, k: bigint): E;
    /** [k_i·G]: many fixed-base multiplications (key setup H_i = s_i·G). */
    mulBaseMany(ks: readonly bigint[]): E[];
    /** [k·P_i]: one scalar times many points (the meter's pads r·H_i). */
    mulMany(ps: readonly E[], k: bigint): E[];
    /**
     * Σ k_i·P_i. Variable-time: only for public points and public scalars (bills, key checks,
     * proof verification). Scalars above q/2 are treated as negative small numbers where it helps.
     */
    msmVartime(ps: readonly E[], ks: readonly bigint[]): E;
    equals(a: E, b: E): boolean;
    isIdentity(a: E): boolean;

    /** Canonical encoding of an element. */
    encode(a: E): Uint8Array;
    /** Decode and validate (canonical, in the group, not the identity unless allowed). Throws DecodeError naming `field`. */
    decode(bytes: Uint8Array, field: string, opts?: DecodeOptions): E;
    /** Decode n consecutive encodings; faster than n calls where the backend batches. */
    decodeMany(bytes: Uint8Array, n: number, field: string, opts?: DecodeOptions): E[];

    /** Canonical scalar encoding. */
    encodeScalar(k: bigint): Uint8Array;
    /** Decode a canonical scalar (rejects values >= q). */
    decodeScalar(bytes: Uint8Array, field: string): bigint;
    /** Reduce `wideBytes` uniform bytes to a scalar mod q. */
    scalarFromWide(bytes: Uint8Array): bigint;

    /**
     * Fingerprints for baby-step giant-step: for j = 0..count-1, 64 bits taken from the canonical
     * encoding of (start + j·step). Variable-time; public data only.
     */
    stepKeys(start: E, step: E, count: number): BigUint64Array;
}

/** Reduce a possibly negative integer into [0, q). */
export function mod(a: bigint, q: bigint): bigint {
    const r = a % q;
    return r < 0n ? r + q : r;
}

/** Interpret a scalar in [0, q) as the signed integer of least absolute value. */
export function signedScalar(k: bigint, q: bigint): bigint {
    return k > q >> 1n ? k - q : k;
}
