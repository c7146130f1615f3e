// SPDX-License-Identifier: Apache-2.0
/** Chaum–Pedersen bill proofs: completeness and every way a forged bill must fail. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
    assertBill,
    Encryptor,
    keyDer,
    keyImage,
    ProofError,
    proveBill,
    setup,
    verifyBill,
    weightedSum,
} from './exports.js';
import { groupsUnderTest, seed } from './helpers.js';

for (const { label, group: g } of groupsUnderTest().filter((x) => x.fast)) {
    describe(`bill proof on ${label}`, () => {
        const ctx = { meter: 'm', channel: 'c', period: '2024-01' };
        const l = 8;
        const { msk, mpk } = setup(g, seed(3), ctx, l);
        const enc = new Encryptor(g, mpk, seed(4), { maxReading: 100n });
        const x = [5n, 0n, 7n, 100n, 3n, 3n, 9n, 1n];
        const C = x.map((xi, i) => enc.slot(i, xi));
        const y = [1n, 2n, -3n, 1n, 1n, 1n, 0n, 4n];
        const key = keyDer(g, msk, y);
        const m = x.reduce((s, v, i) => s + v * y[i]!, 0n);
        const st = {
            ...ctx,
            tariff: 'flat@1',
            m,
            K: keyImage(g, mpk, y),
            C0: enc.open(),
            S: weightedSum(g, y, C),
        };
        const proof = proveBill(g, key.sk, st);
        it('verifies for the true m', () => {
            assert.ok(verifyBill(g, st, proof));
            assertBill(g, st, proof);
        });
        it('fails for m ± 1, another context, a swapped ciphertext, tampered c or s', () => {
            assert.ok(!verifyBill(g, { ...st, m: m + 1n }, proof));
            assert.ok(!verifyBill(g, { ...st, m: m - 1n }, proof));
            assert.ok(!verifyBill(g, { ...st, period: '2024-02' }, proof));
            assert.ok(!verifyBill(g, { ...st, tariff: 'flat@2' }, proof));
            assert.ok(!verifyBill(g, { ...st, meter: 'm2' }, proof));
            const swapped = [...C];
            [swapped[0], swapped[1]] = [C[1]!, C[0]!];
            assert.ok(!verifyBill(g, { ...st, S: weightedSum(g, y, swapped) }, proof));
            assert.ok(!verifyBill(g, st, { c: proof.c, s: (proof.s + 1n) % g.order }));
            assert.ok(!verifyBill(g, st, { c: (proof.c + 1n) % g.order, s: proof.s }));
            assert.ok(!verifyBill(g, st, { c: g.order, s: proof.s }));
            assert.throws(() => {
                assertBill(g, { ...st, m: m + 1n }, proof);
            }, ProofError);
        });
        it('the prover refuses a false statement', () => {
            assert.throws(() => proveBill(g, key.sk, { ...st, m: m + 1n }), ProofError);
        });
    });
}
