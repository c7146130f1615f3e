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
    /** The slot classes of `keys` when the caller has them already ({@link refinePartition}). */
    readonly partition?: SlotPartition;
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
    const { reps, sizes } = classReps(opts.partition ?? refinePartition(keys));
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
        // Exact integer Numbers when every coordinate is below 2^26 (cross products stay below 2^53).
        const numeric = list.every((x) => x.v.every((c) => c >= -NUM_LIMIT && c <= NUM_LIMIT));
        let best: number;
        if (numeric) {
            const found = bestPlaneNumeric(candidates, list);
            best = found.weight;
            normal = normalise(cross(found.u.v, found.v.v)) ?? [0n, 0n, 1n];
        } else {
            const found = bestPlane(
                candidates,
                list,
                (x) => x.v,
                (a, b) => normalise(cross(a, b)),
                (a, b) => compareVec(a, b) < 0,
            );
            best = found.weight;
            normal = found.normal;
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

/**
 * The heaviest plane through some candidate direction: for each candidate u, the planes through u
 * are keyed by the normalised normal u × v of every other direction v. Ties go to the smallest
 * normal, so the result does not depend on the order of the input keys.
 */
function bestPlane<T extends number | bigint>(
    candidates: readonly Direction[],
    list: readonly Direction[],
    coords: (d: Direction) => T[],
    plane: (a: T[], b: T[]) => T[] | null,
    less: (a: readonly T[], b: readonly T[]) => boolean,
): { weight: number; normal: T[] } {
    const vecs = new Map<Direction, T[]>(list.map((d) => [d, coords(d)]));
    let weight = -1;
    let normal: T[] = [];
    for (const u of candidates) {
        const uv = vecs.get(u) ?? [];
        const planes = new Map<string, { n: T[]; weight: number }>();
        for (const v of list) {
            if (v === u) continue;
            const n = plane(uv, vecs.get(v) ?? []);
            if (n === null) continue; // distinct directions are never parallel; defensive
            const key = n.join(',');
            const p = planes.get(key);
            if (p === undefined) planes.set(key, { n, weight: v.weight });
            else p.weight += v.weight;
        }
        for (const p of planes.values()) {
            const w = u.weight + p.weight;
            if (w > weight || (w === weight && less(p.n, normal))) {
                weight = w;
                normal = p.n;
            }
        }
    }
    return { weight, normal };
}

const NUM_LIMIT = 2n ** 26n;

/** A prime below 2^26: residues multiply to exact integers below 2^52. */
const HASH_P = 67108859;

/** x^-1 mod HASH_P for 0 < x < HASH_P (extended Euclid on exact integer Numbers). */
function invModP(x: number): number {
    let r0 = HASH_P;
    let r1 = x;
    let t0 = 0;
    let t1 = 1;
    while (r1 !== 0) {
        const q = Math.floor(r0 / r1);
        [r0, r1] = [r1, r0 - q * r1];
        [t0, t1] = [t1, t0 - q * t1];
    }
    return ((t0 % HASH_P) + HASH_P) % HASH_P;
}

/**
 * {@link bestPlane} on exact integer Numbers (every coordinate below 2^26 in absolute value, so
 * every cross-product component is an integer below 2^53). A plane through u is identified by the
 * normal n = u × v, and n by its two components (a, b) other than a coordinate t with u_t ≠ 0
 * (n·u = 0 fixes the third), up to a common factor. Planes are hashed by the scale-free residue
 * a·b^-1 mod a prime (all inverses of one u in one batch), and a hash match is confirmed exactly
 * (a·b' = a'·b in BigInt), so the result is exact. Ties go to the plane found first; the
 * iteration order is canonical, so the result does not depend on key order. Typed arrays, reused
 * across candidates, keep the inner loop free of allocation.
 */
function bestPlaneNumeric(
    candidates: readonly Direction[],
    list: readonly Direction[],
): { weight: number; u: Direction; v: Direction } {
    const D = list.length;
    const P = HASH_P;
    const xs = Float64Array.from(list, (d) => Number(d.v[0] ?? 0n));
    const ys = Float64Array.from(list, (d) => Number(d.v[1] ?? 0n));
    const zs = Float64Array.from(list, (d) => Number(d.v[2] ?? 0n));
    const ws = Float64Array.from(list, (d) => d.weight);
    const at = new Map<Direction, number>(list.map((d, i) => [d, i]));
    // per v: the pair (ea, eb) and its residues; prefix products for the batch inversion
    const ea = new Float64Array(D);
    const eb = new Float64Array(D);
    const ra = new Float64Array(D);
    const rb = new Float64Array(D);
    const prefix = new Float64Array(D + 1);
    // planes through the current u: representative direction pv, weight pw, hash chain next
    const pw = new Float64Array(D);
    const pv = new Int32Array(D);
    const next = new Int32Array(D);
    const heads = new Map<number, number>();
    let weight = -1;
    let bestU = 0;
    let bestV = 0;
    for (const u of candidates) {
        const iu = at.get(u) ?? 0;
        const u0 = xs[iu] ?? 0;
        const u1 = ys[iu] ?? 0;
        const u2 = zs[iu] ?? 0;
        const t = u0 !== 0 ? 0 : u1 !== 0 ? 1 : 2;
        prefix[0] = 1;
        for (let j = 0; j < D; j++) {
            const v0 = xs[j] ?? 0;
            const v1 = ys[j] ?? 0;
            const v2 = zs[j] ?? 0;
            const n0 = u1 * v2 - u2 * v1;
            const n1 = u2 * v0 - u0 * v2;
            const n2 = u0 * v1 - u1 * v0;
            let a = t === 0 ? n1 : n0;
            let b = t === 2 ? n1 : n2;
            let am = ((a % P) + P) % P;
            let bm = ((b % P) + P) % P;
            if (am === 0 && bm === 0 && (a !== 0 || b !== 0)) {
                // both multiples of P: divide by the gcd, after which P no longer divides both
                let g = a < 0 ? -a : a;
                let r = b < 0 ? -b : b;
                while (r !== 0) [g, r] = [r, g % r];
                a /= g;
                b /= g;
                am = ((a % P) + P) % P;
                bm = ((b % P) + P) % P;
            }
            ea[j] = a;
            eb[j] = b;
            ra[j] = am;
            rb[j] = bm;
            prefix[j + 1] = bm === 0 ? (prefix[j] ?? 1) : ((prefix[j] ?? 1) * bm) % P;
        }
        // inv holds (b_0 … b_j)^-1 while walking back; residue key = a·b^-1, or P for b ≡ 0
        let inv = invModP(prefix[D] ?? 1);
        heads.clear();
        let count = 0;
        for (let j = D - 1; j >= 0; j--) {
            const bm = rb[j] ?? 0;
            let key: number;
            if (bm === 0)
                key = P; // b = 0 (mod P): the plane a:0, or a zero pair skipped below
            else {
                key = ((ra[j] ?? 0) * ((inv * (prefix[j] ?? 1)) % P)) % P;
                inv = (inv * bm) % P;
            }
            if (j === iu) continue;
            const a = ea[j] ?? 0;
            const b = eb[j] ?? 0;
            if (a === 0 && b === 0) continue; // parallel: distinct directions never are; defensive
            let p = heads.get(key) ?? -1;
            while (p !== -1) {
                const a2 = ea[pv[p] ?? 0] ?? 0;
                const b2 = eb[pv[p] ?? 0] ?? 0;
                if (BigInt(a) * BigInt(b2) === BigInt(a2) * BigInt(b)) break;
                p = next[p] ?? -1;
            }
            if (p !== -1) {
                pw[p] = (pw[p] ?? 0) + (ws[j] ?? 0);
                // keep the lowest direction index as the representative (canonical tie-break)
                pv[p] = j;
                continue;
            }
            pw[count] = ws[j] ?? 0;
            pv[count] = j;
            next[count] = heads.get(key) ?? -1;
            heads.set(key, count);
            count++;
        }
        const wu = ws[iu] ?? 0;
        for (let p = 0; p < count; p++) {
            const w = wu + (pw[p] ?? 0);
            if (w > weight || (w === weight && bestU === iu && (pv[p] ?? 0) < bestV)) {
                weight = w;
                bestU = iu;
                bestV = pv[p] ?? 0;
            }
        }
    }
    return { weight, u: list[bestU]!, v: list[bestV]! };
}

interface Direction {
    readonly v: bigint[];
    weight: number;
    first: number;
}

/** A partition of the slots: class id of every slot (numbered by first slot), number of classes. */
export interface SlotPartition {
    readonly classOf: Int32Array;
    readonly count: number;
}

const INT32_LO = -(2n ** 31n);
const INT32_HI = 2n ** 31n - 1n;

/**
 * Partition refinement: slots i and j share a class iff every key has the same weight at both.
 * Each key splits every class by weight; when all weights of the key are int32 one Map keyed by
 * (class, weight) packed into an exact integer Number serves all classes, else one Map per class.
 * Class ids are numbered in order of their first slot. O(m·l).
 * @example
 * refinePartition([[1n, 1n, 2n], [5n, 6n, 5n]]).count; // 3
 */
export function refinePartition(keys: readonly (readonly bigint[])[]): SlotPartition {
    const l = keys[0]?.length ?? 0;
    let classOf = new Int32Array(l);
    let count = l === 0 ? 0 : 1;
    for (const key of keys) {
        if (count === l) break; // all classes are single slots already: nothing left to split
        const next = new Int32Array(l);
        let nextCount = 0;
        if (count < 2 ** 21 && key.every((w) => w >= INT32_LO && w <= INT32_HI)) {
            // (class, weight) → class * 2^32 + (weight + 2^31) < 2^53 while classes < 2^21
            const table = new Map<number, number>();
            for (let i = 0; i < l; i++) {
                const packed = (classOf[i] ?? 0) * 4294967296 + (Number(key[i] ?? 0n) + 2147483648);
                let id = table.get(packed);
                if (id === undefined) table.set(packed, (id = nextCount++));
                next[i] = id;
            }
        } else {
            const tables: (Map<bigint, number> | undefined)[] = new Array<
                Map<bigint, number> | undefined
            >(count);
            for (let i = 0; i < l; i++) {
                const c = classOf[i] ?? 0;
                let t = tables[c];
                if (t === undefined) tables[c] = t = new Map<bigint, number>();
                const w = key[i] ?? 0n;
                let id = t.get(w);
                if (id === undefined) t.set(w, (id = nextCount++));
                next[i] = id;
            }
        }
        classOf = next;
        count = nextCount;
    }
    return { classOf, count };
}

/** One representative slot and the size of every class. */
function classReps(p: SlotPartition): { reps: number[]; sizes: number[] } {
    const reps = new Array<number>(p.count).fill(-1);
    const sizes = new Array<number>(p.count).fill(0);
    for (let i = 0; i < p.classOf.length; i++) {
        const c = p.classOf[i] ?? 0;
        if (reps[c] === -1) reps[c] = i;
        sizes[c] = (sizes[c] ?? 0) + 1;
    }
    return { reps, sizes };
}

/**
 * Indices of keys that form a basis of the span, the first independent ones in a canonical order
 * (keys sorted by their weights), at most `cap` of them. Fraction-free elimination on the
 * distinct columns; basis rows are divided by their content so entries stay small.
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
        }
        const pivot = x.findIndex((v) => v !== 0n);
        if (pivot === -1) continue; // dependent (at most cap − 1 steps: entries stay small)
        echelon.push({ row: primitive(x), pivot });
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

function compareVec<T extends number | bigint>(a: readonly T[], b: readonly T[]): number {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
        const x = a[i]!;
        const y = b[i]!;
        if (x !== y) return x < y ? -1 : 1;
    }
    return a.length - b.length;
}
