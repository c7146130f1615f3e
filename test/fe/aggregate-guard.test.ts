// SPDX-License-Identifier: Apache-2.0
/** Aggregate guard: only plain sums over ≥ N households; groups of one channel and epoch disjoint. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
    AGGREGATE_DEFAULT_MIN_MEMBERS,
    AGGREGATE_MIN_MEMBERS_FLOOR,
    AggregateGuardError,
    assertAggregateFunction,
    checkAggregateFunction,
    checkDisjointGroups,
    sortMembers,
} from '../../src/fe/index.js';
import { GuardInputError } from '../../src/fe/guard.js';

const meters = (n: number, p = 'm'): string[] =>
    sortMembers(Array.from({ length: n }, (_, i) => `${p}-${String(i).padStart(4, '0')}`));
const ones = (n: number): bigint[] => new Array<bigint>(n).fill(1n);

describe('aggregate guard: weights and group size', () => {
    it('allows the plain sum over ≥ 10 members by default, ≥ minMembers when configured (never < 5)', () => {
        assert.equal(AGGREGATE_DEFAULT_MIN_MEMBERS, 10);
        assert.equal(AGGREGATE_MIN_MEMBERS_FLOOR, 5);
        assert.equal(checkAggregateFunction(meters(10), ones(10)).allowed, true);
        assert.equal(checkAggregateFunction(meters(1000), ones(1000)).allowed, true);
        const nine = checkAggregateFunction(meters(9), ones(9));
        assert.equal(nine.code, 'too-few-members');
        assert.equal(checkAggregateFunction(meters(5), ones(5), { minMembers: 5 }).allowed, true);
        assert.equal(
            checkAggregateFunction(meters(4), ones(4), { minMembers: 5 }).code,
            'too-few-members',
        );
        for (const bad of [4, 0, -1, 5.5, Number.NaN])
            assert.throws(
                () => checkAggregateFunction(meters(10), ones(10), { minMembers: bad }),
                GuardInputError,
            );
    });
    it('refuses any weight vector that is not all ones, naming the member', () => {
        fc.assert(
            fc.property(
                fc.integer({ min: 10, max: 40 }),
                fc.nat(),
                fc.bigInt({ min: -(1n << 47n), max: 1n << 47n }).filter((w) => w !== 1n),
                (n, at, w) => {
                    const m = meters(n);
                    const y = ones(n);
                    y[at % n] = w;
                    const d = checkAggregateFunction(m, y);
                    assert.equal(d.allowed, false);
                    assert.equal(d.code, 'weight-not-one');
                    assert.equal(d.member, m[at % n]);
                    assert.throws(() => {
                        assertAggregateFunction(m, y);
                    }, AggregateGuardError);
                },
            ),
            { numRuns: 200 },
        );
    });
    it('refuses bad member lists and length mismatches', () => {
        const m = meters(10);
        assert.equal(checkAggregateFunction([...m].reverse(), ones(10)).code, 'bad-members');
        assert.equal(
            checkAggregateFunction([...m.slice(0, 9), m[8]!], ones(10)).code,
            'bad-members',
        );
        assert.equal(checkAggregateFunction(m, ones(9)).code, 'length-mismatch');
        assert.equal(checkAggregateFunction([], []).code, 'bad-members');
        assert.throws(
            () => {
                assertAggregateFunction(m, ones(11));
            },
            (e: unknown) =>
                e instanceof AggregateGuardError &&
                e.code === 'FE_AGGREGATE_GUARD' &&
                e.decision.code === 'length-mismatch',
        );
    });
});

/** Whether the unit vector e_j lies in the span of the rows (Gaussian elimination mod a prime). */
function unitInSpan(rows: number[][], j: number): boolean {
    const P = (1n << 61n) - 1n;
    const inv = (a: bigint): bigint => {
        let r = 1n;
        let b = a % P;
        let e = P - 2n;
        while (e > 0n) {
            if (e & 1n) r = (r * b) % P;
            b = (b * b) % P;
            e >>= 1n;
        }
        return r;
    };
    const n = rows[0]?.length ?? 0;
    // rank(rows) == rank(rows + e_j) iff e_j in span
    const rank = (m: bigint[][]): number => {
        const a = m.map((r) => [...r]);
        let rk = 0;
        for (let c = 0; c < n && rk < a.length; c++) {
            const p = a.findIndex((r, i) => i >= rk && r[c]! % P !== 0n);
            if (p === -1) continue;
            [a[rk], a[p]] = [a[p]!, a[rk]!];
            const iv = inv(a[rk]![c]!);
            for (let i = 0; i < a.length; i++) {
                if (i === rk || a[i]![c] === 0n) continue;
                const f = (a[i]![c]! * iv) % P;
                a[i] = a[i]!.map((v, k) => (((v - f * a[rk]![k]!) % P) + P) % P);
            }
            rk++;
        }
        return rk;
    };
    const big = rows.map((r) => r.map(BigInt));
    const e = Array.from({ length: n }, (_, k) => (k === j ? 1n : 0n));
    return rank(big) === rank([...big, e]);
}

describe('aggregate guard: groups of one channel and epoch', () => {
    it('refuses overlapping groups (two sums that difference to one household)', () => {
        const all = meters(11);
        const a = { id: 'feeder-a', members: all.slice(0, 11) };
        const b = { id: 'feeder-b', members: all.slice(1, 11) };
        assert.ok(unitInSpan([all.map(() => 1), all.map((_, i) => (i ? 1 : 0))], 0)); // the attack works…
        const d = checkDisjointGroups([a, b]); // …and is refused
        assert.equal(d.code, 'overlapping-groups');
        assert.equal(d.member, all[1]);
        assert.equal(checkDisjointGroups([a, a]).allowed, false);
    });
    it('property: whatever groups, changes and re-registrations are tried, an allowed configuration never isolates a household', () => {
        const universe = meters(16, 'h');
        const arbGroups = fc.array(
            fc.record({
                id: fc.constantFrom('g1', 'g2', 'g3', 'g4'),
                members: fc.subarray(universe, { minLength: 1 }),
            }),
            { minLength: 1, maxLength: 6 },
        );
        fc.assert(
            fc.property(arbGroups, fc.integer({ min: 5, max: 10 }), (tries, min) => {
                // re-registration under an id replaces the group (the registry keeps the last one)
                const registry = new Map<string, string[]>();
                for (const t of tries) {
                    const candidate = [...registry.entries()]
                        .filter(([id]) => id !== t.id)
                        .map(([id, members]) => ({ id, members }));
                    candidate.push({ id: t.id, members: t.members });
                    const ok =
                        checkDisjointGroups(candidate).allowed &&
                        checkAggregateFunction(t.members, ones(t.members.length), {
                            minMembers: min,
                        }).allowed;
                    if (ok) registry.set(t.id, t.members);
                }
                const rows = [...registry.values()].map((ms) =>
                    universe.map((u) => (ms.includes(u) ? 1 : 0)),
                );
                if (rows.length === 0) return;
                universe.forEach((_, j) => {
                    assert.equal(unitInSpan(rows, j), false);
                });
            }),
            { numRuns: 300 },
        );
    });
});
