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
 *   one of them, so every minimum below t is still found exactly). With such a bound the scan of
 *   the planes through u also stops once every one of them already misses ≥ t slots of the
 *   directions scanned (heaviest first), so a set with no small support costs about O(t²), not
 *   O(t·D); a plane that misses fewer than t slots is never cut short, so it is found exactly.
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

    // Column of every class in basis coordinates, merged by projective direction. When every
    // coordinate is below 2^26 the columns are exact integer Numbers (and so are the cross
    // products of the plane search); else bigint.
    const small = basis.every((j) => {
        const key = keys[j] ?? [];
        return reps.every((r) => {
            const w = key[r] ?? 0n;
            return w >= -NUM_LIMIT && w <= NUM_LIMIT;
        });
    });
    const { list, zeros } = small
        ? directionsNumeric(keys, basis, reps, sizes)
        : directionsBig(keys, basis, reps, sizes);
    // Heaviest first, ties by first slot: a canonical order that does not depend on key order.
    list.sort((a, b) => b.weight - a.weight || a.first - b.first);

    let normal: bigint[];
    let exact = true;
    if (d === 1) {
        normal = [1n];
    } else if (d === 2) {
        const u = list[0] === undefined ? [1n, 0n] : bigOf(list[0]);
        normal = [-(u[1] ?? 0n), u[0] ?? 0n];
    } else {
        const nonZero = l - zeros;
        let candidates = list.length;
        if (opts.below !== undefined && list.length > SPAN_EXHAUSTIVE_DIRECTIONS) {
            let acc = 0;
            let cut = 0;
            while (cut < list.length && acc < opts.below) acc += list[cut++]?.weight ?? 0;
            if (cut < list.length) {
                candidates = cut;
                exact = false;
            }
        }
        // Columns with large weights may still have small directions (a large common factor).
        const numeric =
            small ||
            list.every((x) => (x.big ?? []).every((c) => c >= -NUM_LIMIT && c <= NUM_LIMIT));
        if (numeric && !small) for (const x of list) x.num = (x.big ?? []).map(Number);
        let best: number;
        if (numeric) {
            const found = bestPlaneNumeric(candidates, list, exact ? undefined : opts.below);
            best = found.weight;
            normal = normalise(cross(bigOf(found.u), bigOf(found.v))) ?? [0n, 0n, 1n];
        } else {
            const found = bestPlane(
                list.slice(0, candidates),
                list,
                bigOf,
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

/** Veltkamp splitter for doubles: 2^27 + 1. */
const SPLITTER = 134217729;

/**
 * Whether a·d = c·b exactly, for integers below 2^53 in absolute value (held exactly in doubles):
 * each product is taken as an unevaluated sum hi + lo of two doubles (Dekker's exact product), and
 * two reals are equal iff their rounded values and their rounding errors are.
 */
function sameRatio(a: number, b: number, c: number, d: number): boolean {
    const p = a * d;
    const q = c * b;
    if (p !== q) return false;
    return productError(a, d, p) === productError(c, b, q);
}

/** x·y − fl(x·y), exactly (Dekker's TwoProduct with Veltkamp splitting; no overflow below 2^53). */
function productError(x: number, y: number, xy: number): number {
    let t = SPLITTER * x;
    const xh = t - (t - x);
    const xl = x - xh;
    t = SPLITTER * y;
    const yh = t - (t - y);
    const yl = y - yh;
    return xl * yl - (xy - xh * yh - xl * yh - xh * yl);
}

/**
 * {@link bestPlane} over the first `candidates` directions of `list`, on exact integer Numbers
 * (every coordinate below 2^26 in absolute value, so
 * every cross-product component is an integer below 2^53). A plane through u is identified by the
 * normal n = u × v, and n by its two components (a, b) other than a coordinate t with u_t ≠ 0
 * (n·u = 0 fixes the third), up to a common factor. Planes are hashed by the double fl(a / b),
 * which is scale-free because IEEE division is correctly rounded (λa/λb rounds like a/b), in an
 * open-addressing table stamped per candidate (no clearing, no allocation); a hash match is
 * confirmed exactly (a·b' = a'·b by exact products), so the result is exact. Ties go to the plane
 * found first; the iteration order is canonical, so the result does not depend on key order.
 */
function bestPlaneNumeric(
    candidates: number,
    list: readonly Direction[],
    missBelow?: number,
): { weight: number; u: Direction; v: Direction } {
    const D = list.length;
    const xs = new Float64Array(D);
    const ys = new Float64Array(D);
    const zs = new Float64Array(D);
    const ws = new Float64Array(D);
    for (let i = 0; i < D; i++) {
        const dir = list[i]!;
        const num = dir.num ?? [];
        xs[i] = num[0] ?? 0;
        ys[i] = num[1] ?? 0;
        zs[i] = num[2] ?? 0;
        ws[i] = dir.weight;
    }
    // the pair (a, b) of every v for the current u
    const ea = new Float64Array(D);
    const eb = new Float64Array(D);
    // planes through the current u: representative direction pv, weight pw, key pk
    const pw = new Float64Array(D);
    const pv = new Int32Array(D);
    const pk = new Float64Array(D);
    // open addressing: slot → plane index, valid when its stamp is the current candidate's
    let size = 16;
    while (size < 2 * D) size *= 2;
    const mask = size - 1;
    const slotPlane = new Int32Array(size);
    const slotStamp = new Int32Array(size);
    const bits = new Float64Array(1);
    const words = new Int32Array(bits.buffer);
    let stamp = 0;
    let weight = -1;
    let bestU = 0;
    let bestV = 0;
    for (let iu = 0; iu < candidates; iu++) {
        stamp++;
        const u0 = xs[iu] ?? 0;
        const u1 = ys[iu] ?? 0;
        const u2 = zs[iu] ?? 0;
        const t = u0 !== 0 ? 0 : u1 !== 0 ? 1 : 2;
        let count = 0;
        // weight of the directions scanned so far, and of the heaviest plane among them
        let scanned = 0;
        let heaviest = 0;
        for (let j = 0; j < D; j++) {
            if (j === iu) continue;
            // Every plane through u already misses ≥ scanned − heaviest of the scanned weight: when
            // that reaches missBelow none can miss less, so the rest of u's planes need not be found.
            if (missBelow !== undefined && scanned - heaviest >= missBelow) break;
            scanned += ws[j] ?? 0;
            const v0 = xs[j] ?? 0;
            const v1 = ys[j] ?? 0;
            const v2 = zs[j] ?? 0;
            const n0 = u1 * v2 - u2 * v1;
            const n1 = u2 * v0 - u0 * v2;
            const n2 = u0 * v1 - u1 * v0;
            const a = t === 0 ? n1 : n0;
            const b = t === 2 ? n1 : n2;
            if (b === 0 && a === 0) continue; // parallel: distinct directions never are; defensive
            // +0 turns −0 into 0; every b = 0 pair is the one plane a:0
            const key = b === 0 ? Infinity : a / b + 0;
            ea[j] = a;
            eb[j] = b;
            bits[0] = key;
            let h = Math.imul((words[0] ?? 0) ^ Math.imul(words[1] ?? 0, 0x27d4eb2d), 0x9e3779b1);
            h = (h ^ (h >>> 15)) & mask;
            for (;;) {
                if (slotStamp[h] !== stamp) {
                    slotStamp[h] = stamp;
                    slotPlane[h] = count;
                    pw[count] = ws[j] ?? 0;
                    if ((ws[j] ?? 0) > heaviest) heaviest = ws[j] ?? 0;
                    pv[count] = j;
                    pk[count] = key;
                    count++;
                    break;
                }
                const p = slotPlane[h] ?? 0;
                const r = pv[p] ?? 0;
                if (pk[p] === key && sameRatio(a, b, ea[r] ?? 0, eb[r] ?? 0)) {
                    const w = (pw[p] ?? 0) + (ws[j] ?? 0);
                    pw[p] = w;
                    if (w > heaviest) heaviest = w;
                    break;
                }
                h = (h + 1) & mask;
            }
        }
        const wu = ws[iu] ?? 0;
        for (let p = 0; p < count; p++) {
            const w = wu + (pw[p] ?? 0);
            // pv holds the lowest direction index of each plane (the first one seen)
            if (w > weight || (w === weight && bestU === iu && (pv[p] ?? 0) < bestV)) {
                weight = w;
                bestU = iu;
                bestV = pv[p] ?? 0;
            }
        }
    }
    return { weight, u: list[bestU]!, v: list[bestV]! };
}

/** A projective direction of columns: its normal form (bigint, or exact Numbers), slots, first slot. */
interface Direction {
    big: bigint[] | undefined;
    num: number[] | undefined;
    weight: number;
    first: number;
}

/** The direction's normal form as bigints. */
function bigOf(d: Direction): bigint[] {
    return (d.big ??= (d.num ?? []).map((x) => BigInt(x)));
}

/** Directions of the class columns (bigint arithmetic), and the number of slots with a zero column. */
function directionsBig(
    keys: readonly (readonly bigint[])[],
    basis: readonly number[],
    reps: readonly number[],
    sizes: readonly number[],
): { list: Direction[]; zeros: number } {
    const dirs = new Map<string, Direction>();
    let zeros = 0;
    for (let c = 0; c < reps.length; c++) {
        const rep = reps[c] ?? 0;
        const size = sizes[c] ?? 0;
        const n = normalise(basis.map((j) => keys[j]?.[rep] ?? 0n));
        if (n === null) {
            zeros += size;
            continue;
        }
        const key = n.join(',');
        const have = dirs.get(key);
        if (have === undefined) dirs.set(key, { big: n, num: undefined, weight: size, first: rep });
        else {
            have.weight += size;
            if (rep < have.first) have.first = rep;
        }
    }
    return { list: [...dirs.values()], zeros };
}

/**
 * {@link directionsBig} on exact integer Numbers, for columns whose coordinates are all below 2^26
 * in absolute value: the same directions in the same normal form (content 1, first non-zero
 * entry positive).
 */
function directionsNumeric(
    keys: readonly (readonly bigint[])[],
    basis: readonly number[],
    reps: readonly number[],
    sizes: readonly number[],
): { list: Direction[]; zeros: number } {
    const d = basis.length;
    const k0 = keys[basis[0] ?? 0] ?? [];
    const k1 = d > 1 ? (keys[basis[1] ?? 0] ?? []) : [];
    const k2 = d > 2 ? (keys[basis[2] ?? 0] ?? []) : [];
    // open addressing on the normal form (int32 coordinates): slot → index in `list` + 1
    let size = 16;
    while (size < 2 * reps.length) size *= 2;
    const mask = size - 1;
    const slots = new Int32Array(size);
    const list: Direction[] = [];
    let zeros = 0;
    for (let c = 0; c < reps.length; c++) {
        const rep = reps[c] ?? 0;
        const weight = sizes[c] ?? 0;
        let x0 = Number(k0[rep] ?? 0n);
        let x1 = d > 1 ? Number(k1[rep] ?? 0n) : 0;
        let x2 = d > 2 ? Number(k2[rep] ?? 0n) : 0;
        if (x0 === 0 && x1 === 0 && x2 === 0) {
            zeros += weight;
            continue;
        }
        let g = gcdNum(gcdNum(Math.abs(x0), Math.abs(x1)), Math.abs(x2));
        if ((x0 !== 0 ? x0 : x1 !== 0 ? x1 : x2) < 0) g = -g;
        // + 0 turns −0 into 0
        x0 = x0 / g + 0;
        x1 = x1 / g + 0;
        x2 = x2 / g + 0;
        let h = Math.imul(x0, 0x9e3779b1) ^ Math.imul(x1, 0x85ebca6b) ^ Math.imul(x2, 0xc2b2ae35);
        h = (h ^ (h >>> 15)) & mask;
        for (;;) {
            const at = slots[h] ?? 0;
            if (at === 0) {
                const num = d === 1 ? [x0] : d === 2 ? [x0, x1] : [x0, x1, x2];
                list.push({ big: undefined, num, weight, first: rep });
                slots[h] = list.length;
                break;
            }
            const have = list[at - 1]!;
            const n = have.num ?? [];
            if (n[0] === x0 && (n[1] ?? 0) === x1 && (n[2] ?? 0) === x2) {
                have.weight += weight;
                if (rep < have.first) have.first = rep;
                break;
            }
            h = (h + 1) & mask;
        }
    }
    return { list, zeros };
}

/** gcd of non-negative exact integer Numbers. */
function gcdNum(a: number, b: number): number {
    while (b !== 0) [a, b] = [b, a % b];
    return a;
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
