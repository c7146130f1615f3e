// SPDX-License-Identifier: Apache-2.0
/** Serialization: round trips and every hostile input a decoder can get. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
    decodeFunctionalKey,
    decodeMpk,
    decodeProof,
    encodeFunctionalKey,
    encodeMpk,
    encodeProof,
    keyDer,
    MAX_SLOTS,
    setup,
} from './exports.js';
import { assertRejectsTruncations, groupsUnderTest, seed } from './helpers.js';

for (const { label, group: g } of groupsUnderTest().filter((x) => x.fast)) {
    describe(`codec on ${label}`, () => {
        const ctx = { meter: 'mtr', channel: 'ch', period: '2024-02' };
        const { msk, mpk } = setup(g, seed(5), ctx, 3);
        const key = keyDer(g, msk, [1n, -2n, 3n]);
        const mpkBytes = encodeMpk(g, mpk);
        const keyBytes = encodeFunctionalKey(g, key);
        const proofBytes = encodeProof(g, { c: 5n, s: 7n });

        it('round-trips', () => {
            const m2 = decodeMpk(g, mpkBytes);
            assert.deepEqual(m2.ctx, ctx);
            m2.H.forEach((h, i) => {
                assert.ok(g.equals(h, mpk.H[i]));
            });
            assert.deepEqual(decodeFunctionalKey(g, keyBytes), key);
            assert.deepEqual(decodeProof(g, proofBytes), { c: 5n, s: 7n });
            assert.deepEqual(encodeMpk(g, m2), mpkBytes);
        });
        it('rejects every truncation and trailing bytes', () => {
            for (const [name, bytes, decode] of [
                ['mpk', mpkBytes, (b: Uint8Array) => decodeMpk(g, b)],
                ['key', keyBytes, (b: Uint8Array) => decodeFunctionalKey(g, b)],
                ['proof', proofBytes, (b: Uint8Array) => decodeProof(g, b)],
            ] as const)
                assertRejectsTruncations(name, bytes, decode);
        });
        it('rejects wrong magic, version, group', () => {
            const bad = (i: number, v: number): Uint8Array => {
                const b = mpkBytes.slice();
                b[i] = v;
                return b;
            };
            assert.throws(() => decodeMpk(g, bad(0, 0x58)), /magic/);
            assert.throws(() => decodeMpk(g, bad(4, 2)), /version/);
            assert.throws(() => decodeMpk(g, bad(5, 99)), /group/);
            assert.throws(() => decodeMpk(g, keyBytes), /magic/);
        });
        it('rejects oversized and zero lengths before allocating', () => {
            const ctxLen = 3 * 2 + 3 + 2 + 7;
            const lOff = 6 + ctxLen;
            const set32 = (v: number): Uint8Array => {
                const b = mpkBytes.slice();
                new DataView(b.buffer).setUint32(lOff, v);
                return b;
            };
            assert.throws(() => decodeMpk(g, set32(0)), /vector length 0/);
            assert.throws(() => decodeMpk(g, set32(MAX_SLOTS + 1)), /vector length/);
            assert.throws(() => decodeMpk(g, set32(0xffffffff)), /vector length/);
            const ctxBad = mpkBytes.slice();
            new DataView(ctxBad.buffer).setUint16(6, 500);
            assert.throws(() => decodeMpk(g, ctxBad), /context\.meter/);
            const utf = mpkBytes.slice();
            utf[8] = 0xff;
            assert.throws(() => decodeMpk(g, utf), /UTF-8/);
        });
        it('rejects identity and off-group elements in an mpk', () => {
            const idEnc = g.encode(g.identity);
            const b = mpkBytes.slice();
            b.set(idEnc, b.length - g.elementBytes);
            assert.throws(() => decodeMpk(g, b), /mpk\.H\[2\].*identity/);
            const c = mpkBytes.slice();
            c.fill(0xff, c.length - g.elementBytes);
            assert.throws(() => decodeMpk(g, c), /mpk\.H\[2\]/);
        });
        it('rejects non-canonical scalars in keys and proofs', () => {
            const b = keyBytes.slice();
            b.fill(0xff, b.length - g.scalarBytes);
            assert.throws(() => decodeFunctionalKey(g, b), /key\.sk/);
            const p = proofBytes.slice();
            p.fill(0xff, 6, 6 + g.scalarBytes);
            assert.throws(() => decodeProof(g, p), /proof\.c/);
        });
    });
}
