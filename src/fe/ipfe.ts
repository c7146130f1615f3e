// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/ipfe
 * DDH-based inner-product functional encryption of Abdalla, Bourse, De Caro and Pointcheval,
 * "Simple Functional Encryption Schemes for Inner Products", PKC 2015 (https://eprint.iacr.org/2015/017),
 * written once against {@link Group} and streamed over a billing period (DESIGN.md §2):
 *
 *   Setup(l):      s_i = KDF(root seed; meter, channel, period, i)    H_i = s_i·G     mpk = (H_1..H_l)
 *   KeyDer(y):     sk_y = Σ y_i·s_i mod q                              (y_i may be negative)
 *   Key check:     sk_y·G == Σ y_i·H_i                                 (anyone with mpk)
 *   Enc (streamed) C_0 = r·G at period open, C_i = r·H_i + x_i·G per slot, r = KDF(meter seed; meter, channel, period)
 *   Dec:           D = Σ y_i·C_i − sk_y·C_0 = <x,y>·G,  m = dlog_G(D) with |m| <= Σ|y_i|·B_x
 *
 * Security: s-IND-CPA under DDH; NOT authenticated — authenticity comes from the meter's signature
 * over (meter, channel, period, slot, C_i). Each period is its own key epoch (its own msk), so keys
 * of different periods never combine. Because r is derived, a resent slot is byte-identical.
 */
import { DlogBoundError, KeyCheckError, RangeCheckError } from './errors.js';
import { mod } from './group.js';
import type { Group } from './group.js';
import { deriveScalars, LABELS } from './kdf.js';

/** Identifies one key epoch: a meter channel's billing period. */
export interface EpochContext {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
}

/** Largest vector length accepted anywhere (a 31-day month of 5-minute slots, with room). */
export const MAX_SLOTS = 10_000;
/** Largest |y_i| accepted (weights are integer prices/flags). */
export const MAX_WEIGHT = (1n << 48n) - 1n;

/** Master secret key of one epoch: s_1..s_l. */
export interface MasterSecretKey {
    readonly ctx: EpochContext;
    readonly s: readonly bigint[];
}
/** Master public key of one epoch: H_1..H_l (G is the group generator). */
export interface MasterPublicKey<E> {
    readonly ctx: EpochContext;
    readonly H: readonly E[];
}
/** Functional key for weights y. */
export interface FunctionalKey {
    readonly ctx: EpochContext;
    readonly y: readonly bigint[];
    readonly sk: bigint;
}

function ctxTuple(c: EpochContext): string[] {
    return [c.meter, c.channel, c.period];
}

function checkLength(l: number): void {
    if (!Number.isSafeInteger(l) || l < 1 || l > MAX_SLOTS)
        throw new RangeCheckError(`vector length must be in [1, ${MAX_SLOTS}], got ${l}`);
}

/** Check a weight vector: integers with |y_i| <= MAX_WEIGHT. */
export function checkWeights(y: readonly bigint[], l: number): void {
    if (y.length !== l)
        throw new RangeCheckError(
            `weight vector has ${y.length} entries, the epoch has ${l} slots`,
        );
    y.forEach((v, i) => {
        if (typeof v !== 'bigint' || v > MAX_WEIGHT || v < -MAX_WEIGHT)
            throw new RangeCheckError(`weight y[${i}] out of range (|y| <= 2^48-1)`);
    });
}

/** Setup: derive msk and mpk of one epoch from the customer's 32-byte root seed. */
export function setup<E>(
    group: Group<E>,
    rootSeed: Uint8Array,
    ctx: EpochContext,
    l: number,
): { msk: MasterSecretKey; mpk: MasterPublicKey<E> } {
    checkLength(l);
    const s = deriveScalars(group, rootSeed, LABELS.masterKey, ctxTuple(ctx), l);
    // H_i = s_i·G
    const H = group.mulBaseMany(s);
    return { msk: { ctx, s }, mpk: { ctx, H } };
}

/** KeyDer: sk_y = Σ y_i·s_i mod q. */
export function keyDer<E>(
    group: Group<E>,
    msk: MasterSecretKey,
    y: readonly bigint[],
): FunctionalKey {
    checkWeights(y, msk.s.length);
    let sk = 0n;
    for (let i = 0; i < y.length; i++) sk += y[i]! * msk.s[i]!;
    return { ctx: msk.ctx, y: [...y], sk: mod(sk, group.order) };
}

/** K_y = Σ y_i·H_i: the public image of a functional key (used by key check and proofs). Variable-time. */
export function keyImage<E>(group: Group<E>, mpk: MasterPublicKey<E>, y: readonly bigint[]): E {
    checkWeights(y, mpk.H.length);
    return group.msmVartime(
        mpk.H,
        y.map((v) => mod(v, group.order)),
    );
}

/** Key check: throws KeyCheckError unless sk_y·G == Σ y_i·H_i. */
export function checkKey<E>(group: Group<E>, mpk: MasterPublicKey<E>, key: FunctionalKey): void {
    if (key.y.length !== mpk.H.length)
        throw new KeyCheckError(`key has ${key.y.length} weights, mpk has ${mpk.H.length} slots`);
    if (!group.equals(group.mulBase(key.sk), keyImage(group, mpk, key.y))) {
        throw new KeyCheckError(
            `functional key for ${key.ctx.meter}/${key.ctx.channel}/${key.ctx.period} does not match the published mpk: refuse it and ask the customer to re-issue`,
        );
    }
}

/** Per-period encryption randomness r, derived from the meter's seed so a restarted meter resumes byte-identically. */
export function encRandomness<E>(
    group: Group<E>,
    meterSeed: Uint8Array,
    ctx: EpochContext,
): bigint {
    let r = deriveScalars(group, meterSeed, LABELS.encRandomness, ctxTuple(ctx), 1)[0]!;
    if (r === 0n) r = 1n; // probability 2^-252; keeps C_0 != identity
    return r;
}

/**
 * Streaming encryptor of one epoch. `open()` gives C_0; `slot(i, x)` gives C_i. With `precompute`
 * the pads r·H_i are computed in one batch at open, so a slot costs one small fixed-base
 * multiplication and one addition.
 */
export class Encryptor<E> {
    readonly #group: Group<E>;
    readonly #mpk: MasterPublicKey<E>;
    readonly #r: bigint;
    readonly #maxReading: bigint;
    #pads: E[] | undefined;

    constructor(
        group: Group<E>,
        mpk: MasterPublicKey<E>,
        meterSeed: Uint8Array,
        opts: Readonly<{ maxReading: bigint; precompute?: boolean }>,
    ) {
        this.#group = group;
        this.#mpk = mpk;
        this.#r = encRandomness(group, meterSeed, mpk.ctx);
        this.#maxReading = opts.maxReading;
        if (opts.precompute) this.#pads = group.mulMany(mpk.H, this.#r); // r·H_i for all i
    }
    /** C_0 = r·G */
    open(): E {
        return this.#group.mulBase(this.#r);
    }
    /** C_i = r·H_i + x_i·G for slot i (0-based), 0 <= x_i <= maxReading. */
    slot(i: number, x: bigint): E {
        const g = this.#group;
        if (!Number.isSafeInteger(i) || i < 0 || i >= this.#mpk.H.length)
            throw new RangeCheckError(`slot ${i} outside [0, ${this.#mpk.H.length})`);
        if (typeof x !== 'bigint' || x < 0n || x > this.#maxReading)
            throw new RangeCheckError(`reading ${x} outside [0, ${this.#maxReading}]`);
        const pad = this.#pads?.[i] ?? g.mul(this.#mpk.H[i]!, this.#r);
        return g.addMulBase(pad, x);
    }
}

/**
 * Fold Σ y_i·C_i incrementally (the provider's running sum). Adding the same slot twice is refused.
 */
export class Accumulator<E> {
    readonly #group: Group<E>;
    readonly #y: readonly bigint[];
    #sum: E;
    readonly #seen: Uint8Array;
    #count = 0;

    constructor(group: Group<E>, y: readonly bigint[]) {
        checkWeights(y, y.length);
        this.#group = group;
        this.#y = y;
        this.#sum = group.identity;
        this.#seen = new Uint8Array(y.length);
    }
    /** Add y_i·C_i. */
    add(i: number, Ci: E): void {
        if (!Number.isSafeInteger(i) || i < 0 || i >= this.#y.length)
            throw new RangeCheckError(`slot ${i} outside [0, ${this.#y.length})`);
        if (this.#seen[i]) throw new RangeCheckError(`slot ${i} already folded`);
        const w = this.#y[i]!;
        if (w !== 0n)
            this.#sum = this.#group.add(
                this.#sum,
                this.#group.msmVartime([Ci], [mod(w, this.#group.order)]),
            );
        this.#seen[i] = 1;
        this.#count++;
    }
    /** Add Σ y_i·C_i for many slots at once (one multi-scalar multiplication). */
    addMany(indices: readonly number[], Cs: readonly E[]): void {
        if (indices.length !== Cs.length)
            throw new RangeCheckError('addMany: indices and ciphertexts differ in length');
        const q = this.#group.order;
        const pts: E[] = [];
        const ks: bigint[] = [];
        const fresh = new Set<number>();
        indices.forEach((i, j) => {
            if (!Number.isSafeInteger(i) || i < 0 || i >= this.#y.length)
                throw new RangeCheckError(`slot ${i} outside [0, ${this.#y.length})`);
            if (this.#seen[i] || fresh.has(i))
                throw new RangeCheckError(`slot ${i} already folded`);
            fresh.add(i);
            const w = this.#y[i]!;
            if (w !== 0n) {
                pts.push(Cs[j]!);
                ks.push(mod(w, q));
            }
        });
        if (pts.length > 0) this.#sum = this.#group.add(this.#sum, this.#group.msmVartime(pts, ks));
        for (const i of fresh) this.#seen[i] = 1;
        this.#count += fresh.size;
    }
    /** Whether slot i was folded. */
    has(i: number): boolean {
        return this.#seen[i] === 1;
    }
    /** Number of slots folded. */
    get count(): number {
        return this.#count;
    }
    /** Σ y_i·C_i so far. */
    get value(): E {
        return this.#sum;
    }
    /** The folded slots (one byte per slot, 1 = folded), to persist beside {@link value}. */
    seen(): Uint8Array {
        return this.#seen.slice();
    }
    /**
     * An accumulator resumed from a persisted sum and its folded slots (see {@link seen}).
     * @throws {RangeCheckError} when `seen` does not have one 0/1 byte per weight.
     */
    static resume<E>(
        group: Group<E>,
        y: readonly bigint[],
        sum: E,
        seen: Uint8Array,
    ): Accumulator<E> {
        if (seen.length !== y.length || seen.some((b) => b > 1))
            throw new RangeCheckError(
                `resume: ${seen.length} folded-slot flags for ${y.length} weights`,
            );
        const a = new Accumulator(group, y);
        a.#sum = sum;
        a.#seen.set(seen);
        a.#count = seen.reduce((n, b) => n + b, 0);
        return a;
    }
}

/** Σ y_i·C_i from scratch over all slots (MSM). */
export function weightedSum<E>(group: Group<E>, y: readonly bigint[], C: readonly E[]): E {
    checkWeights(y, C.length);
    return group.msmVartime(
        C,
        y.map((v) => mod(v, group.order)),
    );
}

/** Bound on |<x,y>| for readings in [0, B_x]: Σ|y_i|·B_x. */
export function innerProductBound(y: readonly bigint[], maxReading: bigint): bigint {
    return y.reduce((s, v) => s + (v < 0n ? -v : v), 0n) * maxReading;
}

/** A discrete-log solver (see {@link ./dlog.ts}). */
export interface DlogSolver<E> {
    solve(D: E, bound: bigint): bigint;
}

/**
 * Dec given the folded sum: D = Σ y_i·C_i − sk_y·C_0, m = dlog(D). Throws DlogBoundError when
 * |m| would exceed `bound` (never a wrong number).
 */
export function decryptFolded<E>(
    group: Group<E>,
    key: FunctionalKey,
    C0: E,
    folded: E,
    dlog: DlogSolver<E>,
    bound: bigint,
): bigint {
    const D = group.sub(folded, group.mul(C0, key.sk));
    const m = dlog.solve(D, bound);
    if (m > bound || m < -bound) throw new DlogBoundError(bound);
    return m;
}

/** Dec from scratch over all ciphertexts. */
export function decrypt<E>(
    group: Group<E>,
    key: FunctionalKey,
    C0: E,
    C: readonly E[],
    dlog: DlogSolver<E>,
    bound: bigint,
): bigint {
    return decryptFolded(group, key, C0, weightedSum(group, key.y, C), dlog, bound);
}

/** The customer's view: x_i = dlog(C_i − s_i·C_0), one slot at a time (bound = the meter's maximum). */
export function decryptSlot<E>(
    group: Group<E>,
    msk: MasterSecretKey,
    i: number,
    C0: E,
    Ci: E,
    dlog: DlogSolver<E>,
    maxReading: bigint,
): bigint {
    const s = msk.s[i];
    if (s === undefined) throw new RangeCheckError(`slot ${i} outside the epoch`);
    const m = dlog.solve(group.sub(Ci, group.mul(C0, s)), maxReading);
    if (m < 0n || m > maxReading) throw new DlogBoundError(maxReading);
    return m;
}
