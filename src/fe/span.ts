// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/span
 * Smallest support of a non-zero vector in the row span of integer weight vectors (DESIGN.md §3):
 * the minimum distance of the code the keys of an epoch span over the rationals. A provider
 * holding keys y^(1) … y^(m) learns <x, v> for every v in their span; if some non-zero v is
 * non-zero on only s slots, it learns a function of those s readings alone.
 *
 * Let d be the rank (span dimension) and write every slot's column (y^(1)_i … y^(m)_i) in the
 * coordinates of d independent keys. The vector v = Σ n_t·b^(t) is zero exactly on the slots whose
 * column is orthogonal to n, i.e. lies in the hyperplane n^⊥. So the minimum support is
 * l − (most slots whose columns lie in one hyperplane through the origin, zero columns included):
 * - d = 1: the support of the one basis vector;
 * - d = 2: hyperplanes are lines: l − zero columns − the largest set of columns on one line;
 * - d = 3: hyperplanes are planes, each spanned by two non-parallel column directions. For a
 *   direction u the planes through u are found by hashing the normalised normal u × v of every
 *   other direction v, so the cost is O(|Q|·D) for D distinct directions and a set Q of candidate
 *   directions: Q is all directions (exact) or, when only "is the minimum below t" matters, the
 *   heaviest directions whose slots add up to ≥ t (a plane missing fewer than t slots must contain
 *   one of them, so every minimum below t is still found exactly).
 * - d ≥ 4 is not computed (the general problem is NP-hard); the caller decides.
 *
 * Exact integer arithmetic only: bigint throughout, with gcds of values below 2^53 done on exact
 * integer Numbers. Pure function of public data; variable time is fine.
 */

/** Largest span dimension computed exactly. */
export const SPAN_MAX_EXACT_RANK = 3;
/** Up to this many distinct column directions, d = 3 is always enumerated in full. */
export const SPAN_EXHAUSTIVE_DIRECTIONS = 160;

/** A vector of the span and its support. */
export interface SpanWitness {
    /** Coefficient of every input key: v = Σ coefficients[j]·keys[j] (zero for unused keys). */
    readonly coefficients: readonly bigint[];
    /** Number of slots where v is non-zero. */
    readonly support: number;
    /** The first slots (ascending, at most `maxSlots`) where v is non-zero. */
    readonly slots: readonly number[];
}

/** What {@link spanMinSupport} found. */
export type SpanSupport =
    /** Every key is zero: the span holds only the zero vector. */
    | { readonly kind: 'zero'; readonly rank: 0 }
    /** d ≥ 4: not computed. `rank` is 4, meaning "at least 4". */
    | { readonly kind: 'too-complex'; readonly rank: 4 }
    /**
     * d ≤ 3. `exact`: `minSupport` is the minimum support. Otherwise (only when a `below` bound was
     * given) the minimum is known to be ≥ `below`, and `minSupport` is the smallest found (an upper bound).
     */
    | {
          readonly kind: 'computed';
          readonly rank: 1 | 2 | 3;
          readonly exact: boolean;
          readonly minSupport: number;
          /** A span vector with support `minSupport`. */
          readonly witness: SpanWitness;
      };

/** Options of {@link spanMinSupport}. */
export interface SpanOptions {
    /**
     * Only minima below this need to be exact: for d = 3 with many directions the search is cut to
     * what can reach it. Default: exact always.
     */
    readonly below?: number;
    /** Slots listed in the witness (default 8). */
    readonly maxSlots?: number;
}

/**
 * Minimum support of a non-zero vector in the row span of `keys` (all of length l ≥ 1, bigint
 * weights; the caller validates). Depends only on the set of keys: order and duplicates change
 * nothing but the indices in the witness.
 * @example
 * const total = [1n, 1n, 1n, 1n];
 * spanMinSupport([total, [1n, 1n, 1n, 2n]]); // { kind: 'computed', rank: 2, minSupport: 1, … }
 */
export function spanMinSupport(
    keys: readonly (readonly bigint[])[],
    opts: SpanOptions = {},
): SpanSupport {
    const l = keys[0]?.length ?? 0;
    const maxSlots = opts.maxSlots ?? 8;
    // Columns are compared per distinct column ("class"): one representative slot per class.
    const { reps, sizes } = distinctColumns(keys, l);
    const basis = independentKeys(keys, reps, SPAN_MAX_EXACT_RANK + 1);
    const d = basis.length;
    if (d === 0) return { kind: 'zero', rank: 0 };
    if (d > SPAN_MAX_EXACT_RANK) return { kind: 'too-complex', rank: 4 };

    // Column of every class in basis coordinates, merged by projective direction.
    const dirs = new Map<string, Direction>();
    let zeros = 0;
    for (let c = 0; c < reps.length; c++) {
        const rep = reps[c] ?? 0;
        const col = basis.map((j) => keys[j]?.[rep] ?? 0n);
        const size = sizes[c] ?? 0;
        const n = normalise(col);
        if (n === null) {
            zeros += size;
            continue;
        }
        const key = n.join(',');
        const have = dirs.get(key);
        if (have === undefined) dirs.set(key, { v: n, weight: size, first: rep });
        else {
            have.weight += size;
            if (rep < have.first) have.first = rep;
        }
    }
    // Heaviest first, ties by first slot: a canonical order that does not depend on key order.
    const list = [...dirs.values()].sort((a, b) => b.weight - a.weight || a.first - b.first);

    let normal: bigint[];
    let exact = true;
    if (d === 1) {
        normal = [1n];
    } else if (d === 2) {
        const u = list[0]?.v ?? [1n, 0n];
        normal = [-(u[1] ?? 0n), u[0] ?? 0n];
    } else {
        const nonZero = l - zeros;
        let candidates = list;
        if (opts.below !== undefined && list.length > SPAN_EXHAUSTIVE_DIRECTIONS) {
            let acc = 0;
            let cut = 0;
            while (cut < list.length && acc < opts.below) acc += list[cut++]?.weight ?? 0;
            if (cut < list.length) {
                candidates = list.slice(0, cut);
                exact = false;
            }
        }
        let best = -1;
        normal = [0n, 0n, 1n];
        for (const u of candidates) {
            const planes = new Map<string, { n: bigint[]; weight: number }>();
            for (const v of list) {
                if (v === u) continue;
                const n = normalise(cross(u.v, v.v));
                if (n === null) continue; // distinct directions are never parallel; defensive
                const key = n.join(',');
                const p = planes.get(key);
                if (p === undefined) planes.set(key, { n, weight: v.weight });
                else p.weight += v.weight;
            }
            for (const p of planes.values()) {
                const w = u.weight + p.weight;
                if (w > best || (w === best && compareVec(p.n, normal) < 0)) {
                    best = w;
                    normal = p.n;
                }
            }
        }
        // The search found the true maximum when it was complete, or when it beat the bound.
        if (!exact && nonZero - best < (opts.below ?? 0)) exact = true;
    }
    const coefficients = new Array<bigint>(keys.length).fill(0n);
    basis.forEach((j, t) => (coefficients[j] = normal[t] ?? 0n));
    const slots: number[] = [];
    let support = 0;
    for (let i = 0; i < l; i++) {
        let s = 0n;
        for (let t = 0; t < d; t++) s += (normal[t] ?? 0n) * (keys[basis[t] ?? 0]?.[i] ?? 0n);
        if (s !== 0n) {
            support++;
            if (slots.length < maxSlots) slots.push(i);
        }
    }
    return {
        kind: 'computed',
        rank: d as 1 | 2 | 3,
        exact,
        minSupport: support,
        witness: { coefficients, support, slots },
    };
}

interface Direction {
    readonly v: bigint[];
    weight: number;
    first: number;
}

/** One representative slot and the size of every distinct column, by partition refinement. */
function distinctColumns(
    keys: readonly (readonly bigint[])[],
    l: number,
): { reps: number[]; sizes: number[] } {
    let classOf = new Int32Array(l);
    let count = 1;
    for (const key of keys) {
        if (count === l) break;
        const next = new Int32Array(l);
        const tables: (Map<bigint, number> | undefined)[] = new Array<
            Map<bigint, number> | undefined
        >(count);
        let nextCount = 0;
        for (let i = 0; i < l; i++) {
            const c = classOf[i] ?? 0;
            let t = tables[c];
            if (t === undefined) tables[c] = t = new Map<bigint, number>();
            const w = key[i] ?? 0n;
            let id = t.get(w);
            if (id === undefined) t.set(w, (id = nextCount++));
            next[i] = id;
        }
        classOf = next;
        count = nextCount;
    }
    const reps = new Array<number>(count).fill(-1);
    const sizes = new Array<number>(count).fill(0);
    for (let i = 0; i < l; i++) {
        const c = classOf[i] ?? 0;
        if (reps[c] === -1) reps[c] = i;
        sizes[c] = (sizes[c] ?? 0) + 1;
    }
    return { reps, sizes };
}

/**
 * Indices of keys that form a basis of the span, the first independent ones in a canonical order
 * (keys sorted by their weights), at most `cap` of them. Fraction-free elimination on the
 * distinct columns; rows are divided by their content so entries stay small.
 */
function independentKeys(
    keys: readonly (readonly bigint[])[],
    reps: readonly number[],
    cap: number,
): number[] {
    const order = keys.map((_, j) => j).sort((a, b) => compareVec(keys[a] ?? [], keys[b] ?? []));
    const echelon: { row: bigint[]; pivot: number }[] = [];
    const chosen: number[] = [];
    for (const j of order) {
        const key = keys[j] ?? [];
        let x = reps.map((i) => key[i] ?? 0n);
        for (const { row, pivot } of echelon) {
            const a = x[pivot] ?? 0n;
            if (a === 0n) continue;
            const p = row[pivot] ?? 1n;
            x = x.map((v, i) => p * v - a * (row[i] ?? 0n));
            x = primitive(x);
        }
        const pivot = x.findIndex((v) => v !== 0n);
        if (pivot === -1) continue;
        echelon.push({ row: x, pivot });
        chosen.push(j);
        if (chosen.length >= cap) break;
    }
    return chosen;
}

function cross(a: readonly bigint[], b: readonly bigint[]): bigint[] {
    const [a0 = 0n, a1 = 0n, a2 = 0n] = a;
    const [b0 = 0n, b1 = 0n, b2 = 0n] = b;
    return [a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0];
}

/** Divides a vector by the gcd of its entries (content); zero vectors are returned unchanged. */
function primitive(x: bigint[]): bigint[] {
    let g = 0n;
    for (const v of x) {
        if (v !== 0n) g = gcd(g, v < 0n ? -v : v);
        if (g === 1n) return x;
    }
    return g <= 1n ? x : x.map((v) => v / g);
}

/** Projective normal form: divided by the content, first non-zero entry positive; null for zero. */
function normalise(x: bigint[]): bigint[] | null {
    const lead = x.find((v) => v !== 0n);
    if (lead === undefined) return null;
    const p = primitive(x);
    return lead < 0n ? p.map((v) => -v) : p;
}

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** gcd of non-negative integers; exact integer Numbers when both are below 2^53. */
function gcd(a: bigint, b: bigint): bigint {
    if (a <= SAFE && b <= SAFE) {
        let x = Number(a);
        let y = Number(b);
        while (y !== 0) [x, y] = [y, x % y];
        return BigInt(x);
    }
    while (b !== 0n) [a, b] = [b, a % b];
    return a;
}

function compareVec(a: readonly bigint[], b: readonly bigint[]): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        const x = a[i] ?? 0n;
        const y = b[i] ?? 0n;
        if (x !== y) return x < y ? -1 : 1;
    }
    return a.length - b.length;
}
