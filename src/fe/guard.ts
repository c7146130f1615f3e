// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/guard
 * Privacy guard for functional keys (DESIGN.md §3). Keys of one epoch combine linearly: a provider
 * holding keys for y^(1) … y^(m) learns <x, v> for every v in their row span. The customer's
 * software asks this guard before issuing a key for a candidate vector.
 *
 * Class rule (mode "class"): slots i and j are in one class when every key of the epoch, the
 * candidate included, has the same weight at i and at j. Every v in the span is constant on
 * classes, so the provider learns at most the sum of x over each class. Refuse when a class whose
 * weight tuple is non-zero has fewer than k slots (default k = 96, one day of 15-minute slots;
 * never below 4). This stops positional encoding: weights 1 and 3000 on two slots beside a flat
 * weight elsewhere, with the total-energy key, would put those two slots in classes of one.
 *
 * Indexed mode (dynamic tariffs whose weights follow a public price series the provider does not
 * choose; the caller has already recomputed the weights from the series): instead of the class
 * rule, cap the number of keys per epoch (default 2: energy total and cost), refuse any key with
 * a non-zero weight on fewer than k slots, and apply the span rule of {@link guardKeySet} to the
 * set (a threshold tariff beside the total key has no sparse key but a sparse difference).
 *
 * Whole key sets ({@link guardKeySet}, the rule the contract and the customer apply): the span
 * rule of DESIGN.md §3 — every non-zero vector in the span of all keys of the epoch must be
 * non-zero on at least k slots; the class rule decides when it suffices, span.ts computes the
 * minimum exactly up to span dimension 3, larger non-class-structured sets are refused.
 * {@link checkKeySet} (candidate against issued keys, with a caller-chosen mode) is the older
 * per-key rule, kept until the contract and the customer call {@link guardKeySet}.
 *
 * Cost: O(m·l) for m keys of length l. Classes are found by partition refinement: each key splits
 * every class by weight through a hash map, so no pair of slots is ever compared. Pure function of
 * public data (weight vectors); variable time is fine.
 */

import { FeError } from './errors.js';
import { refinePartition, spanMinSupport, type SpanWitness } from './span.js';

/** Default minimum class size: one day of 15-minute slots. */
export const GUARD_DEFAULT_K = 96;
/** k may be configured, but never below this. */
export const GUARD_MIN_K = 4;
/** Default cap on keys per epoch in indexed mode: energy total and cost. */
export const GUARD_DEFAULT_MAX_INDEXED_KEYS = 2;
/** Slots listed in an offending class (the size says how many there are in all). */
export const GUARD_REPORTED_SLOTS = 8;

/** "class": the class rule; "indexed": key cap plus support size, for weights from a public index. */
export type GuardMode = 'class' | 'indexed';

/** Options of {@link checkKeySet}. */
export interface GuardOptions {
    /** Minimum class (or support) size, integer ≥ {@link GUARD_MIN_K}; default {@link GUARD_DEFAULT_K}. */
    readonly k?: number;
    readonly mode: GuardMode;
    /** Indexed mode only: most keys per epoch, candidate included (default {@link GUARD_DEFAULT_MAX_INDEXED_KEYS}). */
    readonly maxKeysPerEpoch?: number;
}

/** A set of slots the refusal is about. */
export interface OffendingClass {
    /** The first slots of the class (at most {@link GUARD_REPORTED_SLOTS}), ascending. */
    readonly slots: readonly number[];
    /** Number of slots in the class. */
    readonly size: number;
    /** Weight of each key on the class: existing keys in order, then the candidate. */
    readonly weight: readonly bigint[];
}

/** Why the guard decided as it did. */
export type GuardCode =
    'ok' | 'small-class' | 'too-many-keys' | 'sparse-key' | 'small-support' | 'too-complex';

/** The guard's decision, recorded on the ledger as the consent record. */
export interface GuardDecision {
    readonly allowed: boolean;
    readonly code: GuardCode;
    /** One sentence for the customer and the consent record. */
    readonly reason: string;
    /** The smallest offending class (code "small-class") or the support of the sparse key (code "sparse-key"). */
    readonly offendingClass?: OffendingClass;
    /** Index of the offending key for "sparse-key": existing keys 0 … n−1, candidate n. */
    readonly offendingKey?: number;
    /** Class mode: number of classes of the key set with the candidate. */
    readonly classCount?: number;
}

/** The guard was called with arguments it cannot decide on (never a refusal: fix the call). */
export class GuardInputError extends FeError {
    constructor(message: string) {
        super('FE_GUARD_INPUT', message);
    }
}

/** Partition of slots into classes. */
export interface SlotClasses {
    /** Class id of every slot; ids are numbered in order of their first slot. */
    readonly classOf: Int32Array;
    /** Number of classes. */
    readonly count: number;
}

/**
 * Decides whether a candidate key may join the keys already issued in its epoch.
 * @param existing - weight vectors of the keys already issued for this epoch.
 * @param candidate - weight vector of the requested key, same length.
 * @param opts - mode, k (default 96, ≥ 4), key cap for indexed mode.
 * @returns `{ allowed, code, reason, offendingClass?, offendingKey?, classCount? }`.
 * @throws {GuardInputError} for k below 4, vectors of different lengths, empty vectors, non-bigint weights.
 * @example
 * const total = new Array<bigint>(2976).fill(1n);
 * const spy = total.map((_, i) => (i === 0 ? 1n : i === 1 ? 3000n : 2n));
 * checkKeySet([total], spy, { mode: 'class' }).allowed; // false: slots 0 and 1 are classes of one
 */
export function checkKeySet(
    existing: readonly (readonly bigint[])[],
    candidate: readonly bigint[],
    opts: GuardOptions,
): GuardDecision {
    const k = opts.k ?? GUARD_DEFAULT_K;
    if (!Number.isSafeInteger(k) || k < GUARD_MIN_K) {
        throw new GuardInputError(
            `guard k must be an integer ≥ ${GUARD_MIN_K}, got ${String(k)}; the default is ${GUARD_DEFAULT_K}`,
        );
    }
    const mode: unknown = opts.mode; // a JavaScript caller may pass anything
    if (mode !== 'class' && mode !== 'indexed') {
        throw new GuardInputError(`guard mode must be "class" or "indexed", got ${String(mode)}`);
    }
    const keys = [...existing, candidate];
    validateKeys(keys);
    if (opts.mode === 'class') return classRule(keys, k); // the class rule implies the span rule
    const d = indexedRule(keys, k, opts.maxKeysPerEpoch);
    if (!d.allowed) return d;
    // The key cap alone lets keys combine into a threshold (issue 9): apply the span rule too.
    const v = guardKeySet(keys, { k });
    if (v.allowed) return d;
    const w = v.witness;
    return {
        allowed: false,
        code: v.code === 'too-complex' ? 'too-complex' : 'small-support',
        reason: v.reason,
        ...(w !== undefined
            ? {
                  offendingClass: {
                      slots: w.slots,
                      size: w.support,
                      weight: keys.map((key) => key[w.slots[0] ?? 0] ?? 0n),
                  },
              }
            : v.smallestClass !== undefined
              ? { offendingClass: v.smallestClass }
              : {}),
    };
}

/**
 * Slot classes of a key set: slots i, j share a class iff every key has the same weight at i and j.
 * @param keys - weight vectors of equal length ≥ 1.
 * @returns the class of every slot and the number of classes.
 * @throws {GuardInputError} for vectors of different lengths or non-bigint weights.
 * @example
 * slotClasses([[1n, 1n, 2n], [5n, 6n, 5n]]).count; // 3
 */
export function slotClasses(keys: readonly (readonly bigint[])[]): SlotClasses {
    validateKeys(keys);
    return refine(keys);
}

function validateKeys(keys: readonly (readonly bigint[])[]): void {
    const first = keys[0];
    if (first === undefined || !Array.isArray(first) || first.length === 0) {
        throw new GuardInputError('guard needs weight vectors with at least one slot');
    }
    const l = first.length;
    keys.forEach((key, j) => {
        if (!Array.isArray(key) || key.length !== l) {
            throw new GuardInputError(
                `key ${j} has ${Array.isArray(key) ? key.length : 'no'} weights, key 0 has ${l}; all keys of an epoch have one weight per slot`,
            );
        }
        for (let i = 0; i < l; i++) {
            if (typeof key[i] !== 'bigint')
                throw new GuardInputError(`key ${j}, slot ${i}: weight must be a bigint`);
        }
    });
}

/** Partition refinement (fe/span): slots share a class iff every key has the same weight at both. */
function refine(keys: readonly (readonly bigint[])[]): SlotClasses {
    return refinePartition(keys);
}

function classRule(keys: readonly (readonly bigint[])[], k: number): GuardDecision {
    const { classOf, count } = refine(keys);
    const size = new Int32Array(count);
    const firstSlot = new Int32Array(count).fill(-1);
    for (let i = 0; i < classOf.length; i++) {
        const c = classOf[i] ?? 0;
        size[c] = (size[c] ?? 0) + 1;
        if (firstSlot[c] === -1) firstSlot[c] = i;
    }
    // Smallest offending class; ties go to the class with the lowest first slot (ids follow first slots).
    let worst = -1;
    for (let c = 0; c < count; c++) {
        const s = size[c] ?? 0;
        if (s >= k) continue;
        const at = firstSlot[c] ?? 0;
        if (!keys.some((key) => key[at] !== 0n)) continue; // an all-zero class reveals nothing
        if (worst === -1 || s < (size[worst] ?? 0)) worst = c;
    }
    if (worst === -1) {
        return {
            allowed: true,
            code: 'ok',
            reason: `allowed: each of the ${count} slot classes with a non-zero weight has at least ${k} slots`,
            classCount: count,
        };
    }
    const slots: number[] = [];
    for (let i = 0; i < classOf.length && slots.length < GUARD_REPORTED_SLOTS; i++)
        if (classOf[i] === worst) slots.push(i);
    const at = firstSlot[worst] ?? 0;
    const weight = keys.map((key) => key[at] ?? 0n);
    const n = size[worst] ?? 0;
    return {
        allowed: false,
        code: 'small-class',
        reason:
            `refused: slot${n === 1 ? '' : 's'} ${listSlots(slots, n)} form${n === 1 ? 's' : ''} a class of ${n} ` +
            `slot${n === 1 ? '' : 's'} (fewer than k = ${k}) with weights (${weight.join(', ')}); together with the keys ` +
            `already issued this key would reveal the energy of those slots. Ask for a tariff whose zones each ` +
            `cover at least ${k} slots of the period.`,
        offendingClass: { slots, size: n, weight },
        classCount: count,
    };
}

function indexedRule(
    keys: readonly (readonly bigint[])[],
    k: number,
    maxKeys = GUARD_DEFAULT_MAX_INDEXED_KEYS,
): GuardDecision {
    if (!Number.isSafeInteger(maxKeys) || maxKeys < 1) {
        throw new GuardInputError(`maxKeysPerEpoch must be an integer ≥ 1, got ${String(maxKeys)}`);
    }
    if (keys.length > maxKeys) {
        return {
            allowed: false,
            code: 'too-many-keys',
            reason:
                `refused: ${keys.length - 1} key${keys.length === 2 ? '' : 's'} already issued for this epoch and an ` +
                `indexed tariff allows at most ${maxKeys}; a further key for the same period would let the keys ` +
                `combine into finer functions.`,
        };
    }
    for (let j = 0; j < keys.length; j++) {
        const key = keys[j] ?? [];
        const slots: number[] = [];
        let n = 0;
        for (let i = 0; i < key.length; i++) {
            if (key[i] !== 0n) {
                n++;
                if (slots.length < GUARD_REPORTED_SLOTS) slots.push(i);
            }
        }
        if (n > 0 && n < k) {
            const at = slots[0] ?? 0;
            return {
                allowed: false,
                code: 'sparse-key',
                reason:
                    `refused: ${j === keys.length - 1 ? 'the candidate key' : `issued key ${j}`} has a non-zero weight on only ${n} ` +
                    `slot${n === 1 ? '' : 's'} (${listSlots(slots, n)}), fewer than k = ${k}; it would reveal the energy of ` +
                    `those few slots.`,
                offendingClass: { slots, size: n, weight: keys.map((key2) => key2[at] ?? 0n) },
                offendingKey: j,
            };
        }
    }
    return {
        allowed: true,
        code: 'ok',
        reason: `allowed: ${keys.length} of at most ${maxKeys} keys for this epoch, none with a non-zero weight on fewer than ${k} slots`,
    };
}

function listSlots(slots: readonly number[], total: number): string {
    return total > slots.length ? `${slots.join(', ')}, …` : slots.join(', ');
}

/** Why {@link guardKeySet} decided as it did. */
export type KeySetCode = 'ok' | 'small-support' | 'too-complex';

/** How {@link guardKeySet} reached its decision. */
export type KeySetMethod = 'class-rule' | 'span-exact';

/** Options of {@link guardKeySet}. */
export interface KeySetGuardOptions {
    /** Minimum support, integer ≥ {@link GUARD_MIN_K}; default {@link GUARD_DEFAULT_K}. */
    readonly k?: number;
}

/**
 * The decision on a whole key set. `allowed`, `code`, `method`, `rank`, `minSupport`, `reason`
 * and the slots of `smallestClass` and `witness` depend only on the set of weight vectors (not
 * their order, not duplicates); `witness.coefficients` and `smallestClass.weight` list the keys
 * as passed.
 */
export interface KeySetVerdict {
    readonly allowed: boolean;
    readonly code: KeySetCode;
    /** One sentence for the customer and the consent record. */
    readonly reason: string;
    /** The k the set was judged against. */
    readonly k: number;
    readonly method: KeySetMethod;
    /** Span dimension d (the rank, not the number of keys); 4 means "at least 4"; absent when the class rule decided. */
    readonly rank?: number;
    /**
     * Smallest support of a non-zero span vector: exact when `method` is "span-exact" and the set
     * is refused, or when `minSupportExact` is true; otherwise a proven lower bound.
     */
    readonly minSupport?: number;
    readonly minSupportExact?: boolean;
    /** A span vector with support `minSupport` (span-exact only). */
    readonly witness?: SpanWitness;
    /** Number of slot classes (slots with equal weights in every key). */
    readonly classCount: number;
    /** The smallest class with a non-zero weight (always given when it has fewer than k slots). */
    readonly smallestClass?: OffendingClass;
}

/**
 * The privacy guard on the whole key set of an epoch (DESIGN.md §3): every non-zero vector in the
 * span of `keys` (all providers', all functions', surveys', the candidate included) must be
 * non-zero on at least k slots.
 * - Class rule first (sufficient): if every class with a non-zero weight has ≥ k slots, allow.
 * - Otherwise the minimum support is computed exactly when the span dimension d ≤ 3
 *   ({@link spanMinSupport}); refuse when it is below k.
 * - Otherwise (d ≥ 4 and the class rule fails) refuse: the bound is not computed.
 * The decision is a function of the set: acceptance order and duplicates do not matter.
 * @param keys - the weight vectors of every key of the epoch, equal length ≥ 1.
 * @param opts - k (default 96, never below 4).
 * @returns the verdict; a refusal names the smallest support found (and its first slots) or the
 *   offending class.
 * @throws {GuardInputError} for k below 4, vectors of different lengths, empty vectors, non-bigint weights.
 * @example
 * const total = new Array<bigint>(2976).fill(1n);
 * const spy = total.map((_, i) => (i === 0 ? 1n : i === 1 ? 3000n : 2n));
 * guardKeySet([total, spy]).minSupport; // 2: spy − 2·total is non-zero on slots 0 and 1 only
 */
export function guardKeySet(
    keys: readonly (readonly bigint[])[],
    opts: KeySetGuardOptions = {},
): KeySetVerdict {
    const k = opts.k ?? GUARD_DEFAULT_K;
    if (!Number.isSafeInteger(k) || k < GUARD_MIN_K) {
        throw new GuardInputError(
            `guard k must be an integer ≥ ${GUARD_MIN_K}, got ${String(k)}; the default is ${GUARD_DEFAULT_K}`,
        );
    }
    // Checked through an `unknown` alias: narrowing `keys` itself would widen it to any[].
    const untrusted: unknown = keys;
    if (!Array.isArray(untrusted))
        throw new GuardInputError('guard needs an array of weight vectors');
    if (keys.length === 0) {
        return {
            allowed: true,
            code: 'ok',
            reason: 'allowed: no keys in this epoch',
            k,
            method: 'class-rule',
            classCount: 0,
        };
    }
    validateKeys(keys);
    const l = keys[0]?.length ?? 0;
    const { classOf, count } = refine(keys);
    const smallest = smallestNonZeroClass(keys, classOf, count);
    if (smallest === undefined || smallest.size >= k) {
        return {
            allowed: true,
            code: 'ok',
            reason:
                smallest === undefined
                    ? 'allowed: every key is zero on every slot'
                    : `allowed: each of the ${count} slot classes with a non-zero weight has at least ${k} slots ` +
                      `(smallest ${smallest.size}), so every combination of the keys covers at least ${smallest.size} slots`,
            k,
            method: 'class-rule',
            ...(smallest === undefined ? {} : { minSupport: smallest.size }),
            minSupportExact: false,
            classCount: count,
            ...(smallest === undefined ? {} : { smallestClass: smallest }),
        };
    }
    const span = spanMinSupport(keys, {
        below: k,
        maxSlots: GUARD_REPORTED_SLOTS,
        partition: { classOf, count },
    });
    if (span.kind === 'too-complex') {
        return {
            allowed: false,
            code: 'too-complex',
            reason:
                `refused: the keys of this epoch span ${span.rank} or more dimensions and slot${smallest.size === 1 ? '' : 's'} ` +
                `${listSlots(smallest.slots, smallest.size)} form a class of only ${smallest.size} (fewer than k = ${k}); ` +
                `the guard computes the span bound exactly only up to 3 dimensions. Keep at most three ` +
                `independent functions per epoch when one of them follows a price index, or use zones of at least ${k} slots.`,
            k,
            method: 'span-exact',
            rank: span.rank,
            classCount: count,
            smallestClass: smallest,
        };
    }
    if (span.kind === 'zero') {
        // cannot happen: a non-zero class exists; kept total for the type checker
        return {
            allowed: true,
            code: 'ok',
            reason: 'allowed: every key is zero on every slot',
            k,
            method: 'span-exact',
            rank: 0,
            classCount: count,
        };
    }
    const w = span.witness;
    if (span.minSupport < k) {
        return {
            allowed: false,
            code: 'small-support',
            reason:
                `refused: a combination of the ${keys.length} key${keys.length === 1 ? '' : 's'} of this epoch ` +
                `(span dimension ${span.rank}) is non-zero on only ${w.support} slot${w.support === 1 ? '' : 's'} ` +
                `(${listSlots(w.slots, w.support)}) of ${l}, fewer than k = ${k}; together they would reveal the energy ` +
                `of those slots.`,
            k,
            method: 'span-exact',
            rank: span.rank,
            minSupport: span.minSupport,
            minSupportExact: true,
            witness: w,
            classCount: count,
            smallestClass: smallest,
        };
    }
    return {
        allowed: true,
        code: 'ok',
        reason: span.exact
            ? `allowed: every non-zero combination of the keys (span dimension ${span.rank}) covers at least ` +
              `${span.minSupport} of ${l} slots (k = ${k})`
            : `allowed: every non-zero combination of the keys (span dimension ${span.rank}) covers at least ` +
              `${k} of ${l} slots`,
        k,
        method: 'span-exact',
        rank: span.rank,
        minSupport: span.exact ? span.minSupport : k,
        minSupportExact: span.exact,
        ...(span.exact ? { witness: w } : {}),
        classCount: count,
        smallestClass: smallest,
    };
}

/** Smallest class on which some key is non-zero; ties go to the lowest first slot. */
function smallestNonZeroClass(
    keys: readonly (readonly bigint[])[],
    classOf: Int32Array,
    count: number,
): OffendingClass | undefined {
    const size = new Int32Array(count);
    const firstSlot = new Int32Array(count).fill(-1);
    for (let i = 0; i < classOf.length; i++) {
        const c = classOf[i] ?? 0;
        size[c] = (size[c] ?? 0) + 1;
        if (firstSlot[c] === -1) firstSlot[c] = i;
    }
    let worst = -1;
    for (let c = 0; c < count; c++) {
        const at = firstSlot[c] ?? 0;
        if (!keys.some((key) => key[at] !== 0n)) continue;
        const s = size[c] ?? 0;
        if (
            worst === -1 ||
            s < (size[worst] ?? 0) ||
            (s === size[worst] && at < (firstSlot[worst] ?? 0))
        )
            worst = c;
    }
    if (worst === -1) return undefined;
    const slots: number[] = [];
    for (let i = 0; i < classOf.length && slots.length < GUARD_REPORTED_SLOTS; i++)
        if (classOf[i] === worst) slots.push(i);
    const at = firstSlot[worst] ?? 0;
    return { slots, size: size[worst] ?? 0, weight: keys.map((key) => key[at] ?? 0n) };
}
