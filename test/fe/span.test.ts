// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the span rule (DESIGN.md §3, issue 9 items 1 and 3): guardKeySet decides on the whole
 * key set of an epoch. As properties over random key sets with l ≤ 12, every accepted set has a
 * minimum support ≥ k computed independently (the largest set of slots whose columns have rank
 * < d, by enumerating all 2^l slot subsets with rational elimination), exact results equal brute
 * force, and the verdict does not depend on key order or duplicates. Known attacks are refused:
 * the positional 1/3000 key, a key set of rank > 3 that is not class-structured, and a threshold
 * built from two keys that differ in one slot.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GUARD_DEFAULT_K, GuardInputError, guardKeySet } from '../../src/fe/guard.js';
import { spanMinSupport } from '../../src/fe/span.js';

const L = 2976;
const vec = (f: (i: number) => bigint, l = L): bigint[] =>
    Array.from({ length: l }, (_, i) => f(i));
const total = vec(() => 1n);

// ---- independent brute force -------------------------------------------------------------

/** Rank over Q of the given columns (each an array of bigints), by elimination on fractions. */
function rankOfColumns(cols: readonly (readonly bigint[])[]): number {
    // rows of the transposed matrix = columns; rank is the same
    const rows: [bigint, bigint][][] = cols.map((c) => c.map((v) => [v, 1n] as [bigint, bigint]));
    let rank = 0;
    const width = rows[0]?.length ?? 0;
    for (let col = 0; col < width && rank < rows.length; col++) {
        const piv = rows.findIndex((r, i) => i >= rank && r[col]![0] !== 0n);
        if (piv === -1) continue;
        [rows[rank], rows[piv]] = [rows[piv]!, rows[rank]!];
        const p = rows[rank]!;
        for (let i = 0; i < rows.length; i++) {
            if (i === rank) continue;
            const r = rows[i]!;
            const [fn, fd] = r[col]!;
            if (fn === 0n) continue;
            // r -= (r[col] / p[col]) · p
            const [pn, pd] = p[col]!;
            for (let j = 0; j < width; j++) {
                const [an, ad] = r[j]!;
                const [bn, bd] = p[j]!;
                // factor = (fn/fd)/(pn/pd) = fn·pd/(fd·pn)
                const num = an * fd * pn * bd - fn * pd * bn * ad;
                const den = ad * fd * pn * bd;
                const g = gcd(num < 0n ? -num : num, den < 0n ? -den : den) || 1n;
                r[j] = [num / g, den / g];
            }
        }
        rank++;
    }
    return rank;
}
function gcd(a: bigint, b: bigint): bigint {
    while (b !== 0n) [a, b] = [b, a % b];
    return a;
}

/** Minimum support of a non-zero span vector, or Infinity when the span is {0}. */
function bruteMinSupport(keys: readonly (readonly bigint[])[]): number {
    const l = keys[0]!.length;
    const column = (i: number) => keys.map((k) => k[i]!);
    const d = rankOfColumns(Array.from({ length: l }, (_, i) => column(i)));
    if (d === 0) return Infinity;
    let best = 0; // largest slot set whose columns have rank < d
    for (let mask = 0; mask < 1 << l; mask++) {
        let size = 0;
        const cols: bigint[][] = [];
        for (let i = 0; i < l; i++)
            if (mask & (1 << i)) {
                size++;
                cols.push(column(i));
            }
        if (size <= best) continue;
        if (size === 0 || rankOfColumns(cols) < d) best = size;
    }
    return l - best;
}

function rankOf(keys: readonly (readonly bigint[])[]): number {
    const l = keys[0]!.length;
    return rankOfColumns(Array.from({ length: l }, (_, i) => keys.map((k) => k[i]!)));
}

// ---- generators ----------------------------------------------------------------------------

/** Small key sets: l in 4..10, 1–5 keys, entries from a small alphabet so that ties and dependencies occur. */
const smallSet = fc
    .record({
        l: fc.integer({ min: 4, max: 10 }),
        m: fc.integer({ min: 1, max: 5 }),
        alphabet: fc.constantFrom(
            [0n, 1n],
            [0n, 1n, 2n],
            [-1n, 0n, 1n, 3n],
            [-2n, -1n, 0n, 1n, 2n, 3000n],
        ),
        seed: fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        combos: fc.array(
            fc.tuple(fc.integer({ min: -2, max: 2 }), fc.integer({ min: -2, max: 2 })),
            {
                maxLength: 2,
            },
        ),
    })
    .map(({ l, m, alphabet, seed, combos }) => {
        const keys: bigint[][] = Array.from({ length: m }, (_, j) =>
            Array.from(
                { length: l },
                (_, i) => alphabet[(seed[j * 12 + i] ?? 0) % alphabet.length]!,
            ),
        );
        // dependent keys: combinations of the first two (do not raise the rank)
        for (const [a, b] of combos)
            if (keys.length >= 2)
                keys.push(keys[0]!.map((v, i) => BigInt(a) * v + BigInt(b) * keys[1]![i]!));
        return keys;
    });

// ---- tests ---------------------------------------------------------------------------------

describe('guardKeySet: the span rule', () => {
    it('refuses the positional attack (1 and 3000 beside a flat weight) with the total key, naming support 2', () => {
        const spy = vec((i) => (i === 100 ? 1n : i === 101 ? 3000n : 2n));
        const v = guardKeySet([total, spy]);
        assert.equal(v.allowed, false);
        assert.equal(v.code, 'small-support');
        assert.equal(v.rank, 2);
        assert.equal(v.minSupport, 2);
        assert.deepEqual(v.witness?.slots, [100, 101]);
        assert.match(v.reason, /non-zero on only 2 slots \(100, 101\) of 2976/);
        // the witness is a real combination with that support
        const c = v.witness.coefficients;
        const combo = total.map((t, i) => c[0]! * t + c[1]! * spy[i]!);
        assert.equal(combo.filter((x) => x !== 0n).length, 2);
        // and the attack key alone is fine: it is non-zero everywhere and one key reveals one sum
        assert.equal(guardKeySet([spy]).allowed, true);
    });

    it('is a function of the key set: order, duplicates and dependent keys change nothing', () => {
        const hourOf = (i: number) => Math.floor((i % 96) / 4);
        const dayNight = vec((i) => (hourOf(i) >= 6 && hourOf(i) < 22 ? 350n : 200n));
        const firstDay = vec((i) => (i < 96 ? 9n : 1n));
        // energy-then-narrow and narrow-then-energy: the same verdict (issue 9, item 3)
        const sets = [
            [total, dayNight, firstDay],
            [firstDay, dayNight, total],
            [dayNight, total, firstDay, dayNight],
            [dayNight, total, firstDay, dayNight.map((x, i) => x + 2n * firstDay[i]!)],
        ];
        const verdicts = sets.map((s) => guardKeySet(s));
        for (const v of verdicts) {
            assert.equal(v.allowed, verdicts[0]!.allowed);
            assert.equal(v.code, verdicts[0]!.code);
            assert.equal(v.rank, verdicts[0]!.rank);
            assert.equal(v.minSupport, verdicts[0]!.minSupport);
            assert.equal(
                v.reason.replace(/of the \d+ keys?/, ''),
                verdicts[0]!.reason.replace(/of the \d+ keys?/, ''),
            );
        }
        assert.equal(verdicts[0]!.rank, 3, 'a duplicate or a combination does not raise d');
        // the class rule alone would refuse (the first day splits into classes of 32 and 64 slots), but no
        // combination isolates fewer than the whole first day: firstDay − total is 8 on its 96 slots
        assert.equal(verdicts[0]!.allowed, true, verdicts[0]!.reason);
        assert.equal(verdicts[0]!.method, 'span-exact');
        assert.equal(verdicts[0]!.minSupport, 96);
        assert.equal(guardKeySet(sets[0]!, { k: 97 }).allowed, false);
    });

    it('allows 12 class-structured keys with wide zones by the class rule', () => {
        const keys = Array.from({ length: 12 }, (_, j) =>
            vec((i) => BigInt(Math.floor(i / (96 * (1 + (j % 3)))) % (j + 2))),
        );
        const v = guardKeySet(keys);
        assert.equal(v.allowed, true, v.reason);
        assert.equal(v.method, 'class-rule');
        assert.ok((v.minSupport ?? 0) >= GUARD_DEFAULT_K);
    });

    it('refuses a non-class-structured set of rank 4, and computes rank 3 exactly', () => {
        const a = vec((i) => BigInt(i % 7));
        const b = vec((i) => BigInt((i * i) % 11));
        const c = vec((i) => BigInt((i * 5 + 3) % 13));
        const v4 = guardKeySet([total, a, b, c]);
        assert.equal(v4.allowed, false);
        assert.equal(v4.code, 'too-complex');
        assert.equal(v4.rank, 4);
        assert.match(v4.reason, /span 4 or more dimensions/);
        const v3 = guardKeySet([total, a, b]);
        assert.equal(v3.rank, 3);
        assert.equal(v3.method, 'span-exact');
        assert.equal(v3.allowed, true, v3.reason);
    });

    it('ignores all-zero keys and slots where every key is zero', () => {
        const zero = vec(() => 0n);
        assert.equal(guardKeySet([zero]).allowed, true);
        const gaps = vec((i) => (i < 3 ? 0n : 1n));
        assert.equal(guardKeySet([gaps, zero]).allowed, true);
        const v = guardKeySet([gaps, total]);
        assert.equal(v.allowed, false);
        assert.equal(v.minSupport, 3);
        assert.deepEqual(v.witness?.slots, [0, 1, 2]);
    });

    it('throws for k below 4 and malformed input; an empty set is allowed', () => {
        assert.throws(() => guardKeySet([total], { k: 3 }), GuardInputError);
        assert.throws(() => guardKeySet([total, [1n]]), GuardInputError);
        assert.throws(() => guardKeySet([[1, 2] as unknown as bigint[]]), GuardInputError);
        assert.equal(guardKeySet([]).allowed, true);
    });
});

describe('span rule properties (l ≤ 10, brute force over all slot subsets)', () => {
    it('spanMinSupport is exact: it equals brute force whenever rank ≤ 3', () => {
        fc.assert(
            fc.property(smallSet, (keys) => {
                const s = spanMinSupport(keys);
                const brute = bruteMinSupport(keys);
                const d = rankOf(keys);
                if (d === 0) return s.kind === 'zero';
                if (d > 3) return s.kind === 'too-complex';
                assert.equal(s.kind, 'computed');
                assert.equal(s.rank, d);
                assert.equal(s.exact, true);
                assert.equal(s.minSupport, brute, JSON.stringify(keys.map((k) => k.map(String))));
                // the witness is a span vector with that support
                const v = keys[0]!.map((_, i) =>
                    keys.reduce((acc, k, j) => acc + s.witness.coefficients[j]! * k[i]!, 0n),
                );
                assert.equal(v.filter((x) => x !== 0n).length, brute);
                return true;
            }),
            { numRuns: 300 },
        );
    });

    it('every accepted key set has minimum support ≥ k; refusals for small support are exact', () => {
        fc.assert(
            fc.property(smallSet, fc.integer({ min: 4, max: 10 }), (keys, k) => {
                const v = guardKeySet(keys, { k });
                const brute = bruteMinSupport(keys);
                if (v.allowed)
                    assert.ok(
                        brute >= k,
                        `accepted with minimum support ${brute} < k = ${k}: ${v.reason}`,
                    );
                if (v.code === 'small-support') {
                    assert.equal(v.minSupport, brute);
                    assert.ok(brute < k);
                }
                if (v.code === 'too-complex') assert.ok(rankOf(keys) >= 4);
                return true;
            }),
            { numRuns: 300 },
        );
    });

    it('the verdict does not depend on key order or duplicated keys', () => {
        fc.assert(
            fc.property(smallSet, fc.integer({ min: 4, max: 10 }), fc.nat(), (keys, k, r) => {
                const shuffled = [...keys].sort(
                    (a, b) =>
                        ((a.length * 31 + r) % 7) - ((b.length + r) % 5) || (r % 2 === 0 ? 1 : -1),
                );
                const reordered = [...shuffled.reverse(), keys[r % keys.length]!];
                const a = guardKeySet(keys, { k });
                const b = guardKeySet(reordered, { k });
                assert.equal(b.allowed, a.allowed);
                assert.equal(b.code, a.code);
                assert.equal(b.rank, a.rank);
                assert.equal(b.minSupport, a.minSupport);
                assert.deepEqual(b.witness?.slots, a.witness?.slots);
                return true;
            }),
            { numRuns: 200 },
        );
    });

    it('refuses two keys that differ in fewer than k slots, whatever the rest looks like', () => {
        fc.assert(
            fc.property(
                fc.array(fc.integer({ min: -1000, max: 1000 }), { minLength: 12, maxLength: 12 }),
                fc.integer({ min: 0, max: 11 }),
                fc.integer({ min: 1, max: 5 }),
                (base, at, bump) => {
                    const y1 = base.map(BigInt);
                    const y2 = y1.map((v, i) => (i === at ? v + BigInt(bump) : v));
                    const v = guardKeySet([y1, y2], { k: 4 });
                    assert.equal(v.allowed, false);
                    assert.equal(v.minSupport, 1);
                    assert.deepEqual(v.witness?.slots, [at]);
                    return true;
                },
            ),
            { numRuns: 100 },
        );
    });
});

describe('span rule: the cut search and the integer fast path (l = 300, many directions)', () => {
    /** total, a random key, and the random key plus a bump on `s` slots: d = 3, minimum ≤ s. */
    const planted = fc
        .record({
            values: fc.array(fc.integer({ min: -5000, max: 5000 }), {
                minLength: 300,
                maxLength: 300,
            }),
            bumpAt: fc.array(fc.integer({ min: 0, max: 299 }), { minLength: 1, maxLength: 120 }),
            bump: fc.integer({ min: 1, max: 7 }),
            mix: fc.integer({ min: -3, max: 3 }),
        })
        .map(({ values, bumpAt, bump, mix }) => {
            const at = new Set(bumpAt);
            const t = values.map(() => 1n);
            const y = values.map(BigInt);
            const z = y.map((v, i) => v + BigInt(mix) * t[i]! + (at.has(i) ? BigInt(bump) : 0n));
            return { keys: [t, y, z], s: at.size };
        });

    it('with a bound, every minimum below it is found exactly; above it, the bound holds', () => {
        fc.assert(
            fc.property(planted, fc.integer({ min: 4, max: 150 }), ({ keys, s }, below) => {
                const full = spanMinSupport(keys);
                const cut = spanMinSupport(keys, { below });
                assert.equal(full.kind, 'computed');
                assert.equal(cut.kind, 'computed');
                assert.equal(full.exact, true);
                assert.ok(full.minSupport <= s);
                if (full.minSupport < below) {
                    assert.equal(cut.exact, true);
                    assert.equal(cut.minSupport, full.minSupport);
                } else {
                    assert.ok(cut.minSupport >= full.minSupport, 'the cut finds a real vector');
                    if (cut.exact) assert.equal(cut.minSupport, full.minSupport);
                }
                return true;
            }),
            { numRuns: 40 },
        );
    });

    it('the integer fast path (hashed ratios, early stop) agrees with the BigInt path on the same span', () => {
        fc.assert(
            fc.property(planted, fc.integer({ min: 4, max: 150 }), ({ keys }, below) => {
                // Scaling a key by 2^40 keeps the span (and every support) but forces the BigInt path.
                const scaled = [keys[0]!, keys[1]!.map((v) => v * 2n ** 40n), keys[2]!];
                for (const opts of [{}, { below }]) {
                    const a = spanMinSupport(keys, opts);
                    const b = spanMinSupport(scaled, opts);
                    assert.ok(a.kind === 'computed' && b.kind === 'computed');
                    if (a.minSupport < below || b.minSupport < below || a.exact)
                        assert.equal(a.minSupport, b.minSupport);
                    assert.ok(
                        a.minSupport >= below || a.exact,
                        'a minimum below the bound is exact',
                    );
                }
                return true;
            }),
            { numRuns: 25 },
        );
    });

    it('large weights (BigInt path) give the same minimum as small ones (integer-Number path)', () => {
        fc.assert(
            fc.property(planted, ({ keys }) => {
                const big = 2n ** 40n;
                const scaled = [keys[0]!, keys[1]!.map((v) => v * big + 1n), keys[2]!];
                const a = spanMinSupport([keys[0]!, keys[1]!.map((v) => v * 3n + 1n), keys[2]!]);
                const b = spanMinSupport(scaled);
                assert.ok(a.kind === 'computed' && b.kind === 'computed');
                assert.equal(b.minSupport, a.minSupport);
                return true;
            }),
            { numRuns: 15 },
        );
    });
});

describe('span rule: hashing edge cases of the integer fast path', () => {
    it('merges a plane member whose normal components share a large factor (a 2^26-size prime)', () => {
        const P = 67108859n; // a prime just below 2^26, the integer fast path's coordinate bound
        // u = (2, 1, 0); v = (1, (P+1)/2, P): u × v = (P, −2P, P); r = (2v − u)/P = (0, 1, 2) is on plane(u, v)
        const cols: bigint[][] = [];
        for (let i = 0; i < 200; i++) cols.push([2n, 1n, 0n]); // heaviest: the cut search starts (and ends) at u
        for (let i = 0; i < 30; i++) cols.push([1n, (P + 1n) / 2n, P], [0n, 1n, 2n]);
        // noise: 170 columns off that plane (normal (1, −2, 1)), so more than 160 directions
        for (let i = 0; cols.length < 430; i++) {
            const c = [BigInt(i + 3), BigInt((i * i) % 997) + 5n, BigInt((i * 7) % 503) - 20n];
            if (c[0]! - 2n * c[1]! + c[2]! !== 0n) cols.push(c);
        }
        const keys = [0, 1, 2].map((c) => cols.map((col) => col[c]!));
        const full = spanMinSupport(keys);
        assert.ok(full.kind === 'computed' && full.exact);
        assert.ok(full.minSupport <= 170, 'the plane of u, v and r misses only the noise');
        // only u is searched (its 200 slots reach the bound): v and r must land on one plane through u
        const cut = spanMinSupport(keys, { below: 190 });
        assert.ok(cut.kind === 'computed');
        assert.equal(cut.exact, true);
        assert.equal(cut.minSupport, full.minSupport);
        // the BigInt path (coordinates pushed above 2^26, same span) agrees
        const big = [keys[0]!, keys[1]!.map((v, i) => v + 2n ** 40n * keys[0]![i]!), keys[2]!];
        const b = spanMinSupport(big, { below: 190 });
        assert.equal(b.kind === 'computed' && b.minSupport, full.minSupport);
    });
});
