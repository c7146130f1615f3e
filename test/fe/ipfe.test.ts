// SPDX-License-Identifier: Apache-2.0
/** The scheme end to end on every group: correctness, binding, folding, bounds, key check. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
    Accumulator,
    BsgsTable,
    checkKey,
    decrypt,
    decryptFolded,
    decryptSlot,
    DlogBoundError,
    Encryptor,
    innerProductBound,
    KeyCheckError,
    keyDer,
    RangeCheckError,
    setup,
    weightedSum,
    type AnyGroup,
} from './exports.js';
import { groupsUnderTest, seed } from './helpers.js';

const ctx = { meter: 'meter-1', channel: '1-0:1.8.0', period: '2024-03' };
const tables = new Map<AnyGroup, BsgsTable<unknown>>();
const tableFor = (g: AnyGroup): BsgsTable<unknown> => {
    let t = tables.get(g);
    if (!t) tables.set(g, (t = BsgsTable.build(g, 10)));
    return t;
};

for (const { label, group: g, fast } of groupsUnderTest()) {
    const l = fast ? 24 : 6;
    const B = 500n;
    describe(`ipfe on ${label}`, () => {
        const { msk, mpk } = setup(g, seed(1), ctx, l);
        it('Dec(KeyDer(y), Enc(x)) = <x,y> for random x, y (negative weights included)', () => {
            const enc = new Encryptor(g, mpk, seed(2), { maxReading: B, precompute: true });
            const C0 = enc.open();
            fc.assert(
                fc.property(
                    fc.array(fc.bigInt({ min: 0n, max: B }), { minLength: l, maxLength: l }),
                    fc.array(fc.bigInt({ min: -40n, max: 40n }), { minLength: l, maxLength: l }),
                    (x, y) => {
                        const C = x.map((xi, i) => enc.slot(i, xi));
                        const key = keyDer(g, msk, y);
                        checkKey(g, mpk, key);
                        const m = decrypt(g, key, C0, C, tableFor(g), innerProductBound(y, B));
                        assert.equal(
                            m,
                            x.reduce((s, xi, i) => s + xi * y[i]!, 0n),
                        );
                    },
                ),
                { numRuns: fast ? 8 : 2 },
            );
        });
        it('a key for y does not decrypt another y2 (function binding)', () => {
            const enc = new Encryptor(g, mpk, seed(2), { maxReading: B });
            const C0 = enc.open();
            const x = Array.from({ length: l }, (_, i) => BigInt((i * 13) % 100));
            const C = x.map((xi, i) => enc.slot(i, xi));
            const y = Array.from({ length: l }, () => 1n);
            const y2 = y.map((v, i) => (i === 0 ? 2n : v));
            const key = keyDer(g, msk, y);
            // Using y2's weights with y's key leaves r·(K_y2 − K_y) in D: a random element, not in the bound.
            assert.throws(
                () => decrypt(g, { ...key, y: y2 }, C0, C, tableFor(g), innerProductBound(y2, B)),
                DlogBoundError,
            );
            assert.throws(() => {
                checkKey(g, mpk, { ...key, y: y2 });
            }, KeyCheckError);
            assert.throws(() => {
                checkKey(g, mpk, { ...key, sk: key.sk ^ 1n });
            }, KeyCheckError);
        });
        it('folding equals from-scratch and re-encryption is byte-identical (idempotent resend)', () => {
            const e1 = new Encryptor(g, mpk, seed(2), { maxReading: B, precompute: true });
            const e2 = new Encryptor(g, mpk, seed(2), { maxReading: B }); // a restarted meter, no precompute
            assert.deepEqual(g.encode(e1.open()), g.encode(e2.open()));
            const x = Array.from({ length: l }, (_, i) => BigInt(i * 3));
            const C = x.map((xi, i) => e1.slot(i, xi));
            x.forEach((xi, i) => {
                assert.deepEqual(g.encode(e2.slot(i, xi)), g.encode(C[i]));
            });
            const y = Array.from({ length: l }, (_, i) => BigInt((i % 4) - 1));
            const acc = new Accumulator(g, y);
            [...C.keys()].reverse().forEach((i) => {
                acc.add(i, C[i]);
            });
            assert.throws(() => {
                acc.add(0, C[0]);
            }, /already folded/);
            assert.equal(acc.count, l);
            assert.ok(g.equals(acc.value, weightedSum(g, y, C)));
            const key = keyDer(g, msk, y);
            assert.equal(
                decryptFolded(g, key, e1.open(), acc.value, tableFor(g), innerProductBound(y, B)),
                x.reduce((s, v, i) => s + v * y[i]!, 0n),
            );
            assert.equal(decryptSlot(g, msk, 5, e1.open(), C[5], tableFor(g), B), x[5]);
        });
        it('refuses readings outside [0, B] and slots outside the epoch', () => {
            const enc = new Encryptor(g, mpk, seed(2), { maxReading: B });
            assert.throws(() => enc.slot(0, B + 1n), RangeCheckError);
            assert.throws(() => enc.slot(0, -1n), RangeCheckError);
            assert.throws(() => enc.slot(l, 1n), RangeCheckError);
            assert.throws(() => keyDer(g, msk, [1n]), /weight vector/);
            assert.throws(
                () =>
                    keyDer(
                        g,
                        msk,
                        Array.from({ length: l }, () => 1n << 50n),
                    ),
                /out of range/,
            );
        });
        it('other periods derive independent keys', () => {
            const other = setup(g, seed(1), { ...ctx, period: '2024-04' }, l);
            assert.ok(!g.equals(other.mpk.H[0], mpk.H[0]));
            const again = setup(g, seed(1), ctx, l);
            assert.ok(g.equals(again.mpk.H[l - 1], mpk.H[l - 1]));
        });
    });
}

describe('bounded discrete log', () => {
    for (const { label, group: g } of groupsUnderTest().filter((x) => x.fast)) {
        it(`finds |m| = bound and refuses bound + 1 (${label})`, () => {
            const t = BsgsTable.build(g, 6);
            const bound = 1000n;
            for (const m of [0n, 1n, -1n, 63n, 64n, -64n, -65n, bound, -bound]) {
                assert.equal(t.solve(g.mulBase(((m % g.order) + g.order) % g.order), bound), m);
            }
            for (const m of [bound + 1n, -(bound + 1n), 5000n]) {
                assert.throws(
                    () => t.solve(g.mulBase(((m % g.order) + g.order) % g.order), bound),
                    (e: unknown) => e instanceof DlogBoundError && e.bound === bound,
                );
            }
            assert.throws(() => t.solve(g.mulBase(123456789n), 10_000n), DlogBoundError);
            assert.equal(t.solve(g.mulBase(0n), 0n), 0n);
            assert.throws(() => t.solve(g.generator, -1n), RangeCheckError);
        });
    }
});
