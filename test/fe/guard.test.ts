// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the privacy guard (DESIGN.md §3): the positional-encoding attack is refused, honest
 * time-of-use and indexed tariffs pass, k below 4 and malformed input throw, and, as properties,
 * every allowed key set has only classes of at least k slots (checked by brute force), refusals
 * name the smallest offending class, and decisions do not depend on slot order.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
    GUARD_DEFAULT_K,
    GuardInputError,
    checkKeySet,
    slotClasses,
    type GuardDecision,
} from '../../src/fe/guard.js';

const L = 2976; // slots of a 31-day month

function vec(f: (i: number) => bigint, l = L): bigint[] {
    return Array.from({ length: l }, (_, i) => f(i));
}

const total = vec(() => 1n);
/** 15-minute slot of a 31-day month → hour of day. */
const hourOf = (i: number): number => Math.floor((i % 96) / 4);
const dayNight = vec((i) => (hourOf(i) >= 6 && hourOf(i) < 22 ? 350n : 200n));

describe('class rule', () => {
    it('refuses the positional-encoding attack of DESIGN §3 and names the class', () => {
        // weights 1 and 3000 on two slots next to a flat weight elsewhere, plus the total-energy key
        const spy = vec((i) => (i === 100 ? 1n : i === 101 ? 3000n : 2n));
        const d = checkKeySet([total], spy, { mode: 'class' });
        assert.equal(d.allowed, false);
        assert.equal(d.code, 'small-class');
        assert.equal(d.offendingClass?.size, 1);
        assert.deepEqual(d.offendingClass.slots, [100]);
        assert.deepEqual(d.offendingClass.weight, [1n, 1n]);
        assert.match(d.reason, /slot 100 forms a class of 1 slot/);
        assert.equal(d.classCount, 3);
        // the candidate alone is refused too, and so is the attack issued first with the total after it
        assert.equal(checkKeySet([], spy, { mode: 'class' }).allowed, false);
        assert.equal(checkKeySet([spy], total, { mode: 'class' }).allowed, false);
    });

    it('allows a day/night tariff beside the total-energy key', () => {
        const d = checkKeySet([total], dayNight, { mode: 'class' });
        assert.equal(d.allowed, true, d.reason);
        assert.equal(d.code, 'ok');
        assert.equal(d.classCount, 2);
        assert.equal(d.offendingClass, undefined);
    });

    it('refuses a zone narrower than k, and a key set whose intersection is narrower', () => {
        // a 15-minute "zone" on each day gives classes of 31 slots < 96
        const narrow = vec((i) => (i % 96 === 40 ? 500n : 300n));
        const d = checkKeySet([total], narrow, { mode: 'class' });
        assert.equal(d.allowed, false);
        assert.equal(d.offendingClass?.size, 31);
        assert.deepEqual(d.offendingClass.slots.slice(0, 3), [40, 136, 232]);
        assert.equal(d.offendingClass.slots.length, 8);
        assert.match(d.reason, /…/);
        // each key alone has wide classes, their combination splits off one day of peak hours
        const firstDayPeak = vec((i) => (i < 96 ? 9n : 1n));
        assert.equal(checkKeySet([], firstDayPeak, { mode: 'class' }).allowed, true);
        const split = checkKeySet([firstDayPeak], dayNight, { mode: 'class' });
        assert.equal(split.allowed, false);
        assert.equal(split.offendingClass?.size, 32); // first day, 22:00–06:00: 8 h × 4
    });

    it('ignores small classes whose weights are all zero', () => {
        const gaps = vec((i) => (i < 3 ? 0n : 1n));
        assert.equal(checkKeySet([], gaps, { mode: 'class' }).allowed, true);
        const withTotal = checkKeySet([total], gaps, { mode: 'class' });
        assert.equal(withTotal.allowed, false, 'the total key gives those slots a non-zero weight');
        assert.equal(withTotal.offendingClass?.size, 3);
    });

    it('uses k = 96 by default and honours a configured k ≥ 4', () => {
        assert.equal(GUARD_DEFAULT_K, 96);
        const zone95 = vec((i) => (i < 95 ? 2n : 1n));
        const zone96 = vec((i) => (i < 96 ? 2n : 1n));
        assert.equal(checkKeySet([], zone95, { mode: 'class' }).allowed, false);
        assert.equal(checkKeySet([], zone96, { mode: 'class' }).allowed, true);
        assert.equal(checkKeySet([], zone95, { mode: 'class', k: 95 }).allowed, true);
        const four = vec((i) => (i < 4 ? 2n : 1n));
        assert.equal(checkKeySet([], four, { mode: 'class', k: 4 }).allowed, true);
    });

    it('throws for k below 4 and for malformed input', () => {
        for (const k of [3, 0, -1, 2.5, Number.NaN, Number.POSITIVE_INFINITY]) {
            assert.throws(
                () => checkKeySet([], total, { mode: 'class', k }),
                GuardInputError,
                String(k),
            );
            assert.throws(
                () => checkKeySet([], total, { mode: 'indexed', k }),
                GuardInputError,
                String(k),
            );
        }
        assert.throws(
            () => checkKeySet([total], total.slice(1), { mode: 'class' }),
            GuardInputError,
        );
        assert.throws(() => checkKeySet([], [], { mode: 'class' }), GuardInputError);
        assert.throws(
            () => checkKeySet([], [1, 2, 3, 4] as unknown as bigint[], { mode: 'class', k: 4 }),
            GuardInputError,
        );
        assert.throws(() => checkKeySet([], total, { mode: 'spy' as 'class' }), GuardInputError);
        assert.throws(
            () => checkKeySet([null as unknown as bigint[]], total, { mode: 'class' }),
            GuardInputError,
        );
    });
});

describe('indexed mode', () => {
    // hourly spot prices: a different weight every hour, so the class rule alone would refuse
    const cost = vec((i) => BigInt(200 + ((Math.floor(i / 4) * 37) % 300) - 150));

    it('allows the energy and cost keys of a dynamic tariff that the class rule refuses', () => {
        assert.equal(checkKeySet([total], cost, { mode: 'class' }).allowed, false);
        const d = checkKeySet([total], cost, { mode: 'indexed' });
        assert.equal(d.allowed, true, d.reason);
    });

    it('caps the keys per epoch', () => {
        const d = checkKeySet([total, cost], dayNight, { mode: 'indexed' });
        assert.equal(d.allowed, false);
        assert.equal(d.code, 'too-many-keys');
        assert.equal(
            checkKeySet([total, cost], dayNight, { mode: 'indexed', maxKeysPerEpoch: 3 }).allowed,
            true,
        );
        assert.throws(
            () => checkKeySet([], total, { mode: 'indexed', maxKeysPerEpoch: 0 }),
            GuardInputError,
        );
    });

    it('refuses keys with a non-zero weight on fewer than k slots', () => {
        const sparse = vec((i) => (i >= 10 && i < 60 ? 300n : 0n));
        const d = checkKeySet([total], sparse, { mode: 'indexed' });
        assert.equal(d.allowed, false);
        assert.equal(d.code, 'sparse-key');
        assert.equal(d.offendingKey, 1);
        assert.equal(d.offendingClass?.size, 50);
        assert.equal(d.offendingClass.slots[0], 10);
        assert.match(d.reason, /candidate key/);
        assert.equal(
            checkKeySet(
                [],
                vec(() => 0n),
                { mode: 'indexed' },
            ).allowed,
            true,
            'an all-zero key reveals nothing',
        );
    });
});

describe('properties', () => {
    /** Brute-force classes: O(l²) pairwise comparison, independent of the implementation. */
    function bruteClasses(keys: bigint[][]): number[][] {
        const l = keys[0]?.length ?? 0;
        const classes: number[][] = [];
        const done = new Array<boolean>(l).fill(false);
        for (let i = 0; i < l; i++) {
            if (done[i]) continue;
            const cls = [i];
            for (let j = i + 1; j < l; j++) {
                if (!done[j] && keys.every((k) => k[i] === k[j])) {
                    cls.push(j);
                    done[j] = true;
                }
            }
            classes.push(cls);
        }
        return classes;
    }

    const keySet = fc
        .record({
            l: fc.integer({ min: 1, max: 48 }),
            m: fc.integer({ min: 1, max: 4 }),
            k: fc.integer({ min: 4, max: 10 }),
        })
        .chain(({ l, m, k }) =>
            fc.record({
                keys: fc.array(
                    fc.array(fc.bigInt({ min: -2n, max: 2n }), { minLength: l, maxLength: l }),
                    { minLength: m, maxLength: m },
                ),
                k: fc.constant(k),
            }),
        );

    it('an allowed key set has only non-zero classes of at least k slots; a refusal names the smallest', () => {
        fc.assert(
            fc.property(keySet, ({ keys, k }) => {
                const existing = keys.slice(0, -1);
                const candidate = keys[keys.length - 1] ?? [];
                const d: GuardDecision = checkKeySet(existing, candidate, { mode: 'class', k });
                const small = bruteClasses(keys).filter(
                    (c) => c.length < k && keys.some((key) => key[c[0] ?? 0] !== 0n),
                );
                if (d.allowed) return small.length === 0;
                const smallest = Math.min(...small.map((c) => c.length));
                const named = small.find((c) => c[0] === d.offendingClass?.slots[0]);
                return (
                    small.length > 0 &&
                    d.offendingClass?.size === smallest &&
                    named?.length === smallest
                );
            }),
            { numRuns: 300 },
        );
    });

    it('finds the same classes as brute force', () => {
        fc.assert(
            fc.property(keySet, ({ keys }) => {
                const { classOf, count } = slotClasses(keys);
                const brute = bruteClasses(keys);
                return (
                    count === brute.length &&
                    brute.every((c) => c.every((s) => classOf[s] === classOf[c[0] ?? 0]))
                );
            }),
            { numRuns: 200 },
        );
    });

    it('decides the same whatever the order of the slots', () => {
        fc.assert(
            fc.property(
                keySet.chain((s) =>
                    fc.record({
                        s: fc.constant(s),
                        perm: fc.shuffledSubarray([...Array((s.keys[0] ?? []).length).keys()], {
                            minLength: (s.keys[0] ?? []).length,
                        }),
                    }),
                ),
                ({ s, perm }) => {
                    const permuted = s.keys.map((key) => perm.map((p) => key[p] ?? 0n));
                    const a = checkKeySet(s.keys.slice(0, -1), s.keys[s.keys.length - 1] ?? [], {
                        mode: 'class',
                        k: s.k,
                    });
                    const b = checkKeySet(
                        permuted.slice(0, -1),
                        permuted[permuted.length - 1] ?? [],
                        { mode: 'class', k: s.k },
                    );
                    return (
                        a.allowed === b.allowed && a.offendingClass?.size === b.offendingClass?.size
                    );
                },
            ),
            { numRuns: 200 },
        );
    });
});

describe('indexed mode applies the span rule (issue 9)', () => {
    it('refuses the threshold key beside the total key: no key is sparse, their difference is', () => {
        // weight 2 in one hour (4 slots), 1 elsewhere: non-zero everywhere, minus the total = one hour
        const threshold = vec((i) => (i >= 400 && i < 404 ? 2n : 1n));
        const d = checkKeySet([total], threshold, { mode: 'indexed' });
        assert.equal(d.allowed, false);
        assert.equal(d.code, 'small-support');
        assert.equal(d.offendingClass?.size, 4);
        assert.deepEqual(d.offendingClass.slots, [400, 401, 402, 403]);
        // and in the other order
        assert.equal(checkKeySet([threshold], total, { mode: 'indexed' }).allowed, false);
    });
});

describe('worst case (timing: npm run bench:fe)', () => {
    it('12 keys × 2976 slots of all-distinct weights: every slot is its own class, refused', () => {
        const candidate = vec((i) => BigInt(Math.floor(i / 96)));
        const distinct = Array.from({ length: 11 }, (_, j) => vec((i) => BigInt(i * (j + 1))));
        const d = checkKeySet(distinct, candidate, { mode: 'class' });
        assert.equal(d.allowed, false);
        assert.equal(d.offendingClass?.size, 1);
    });
});
