// SPDX-License-Identifier: Apache-2.0
/** Frozen known-answer vectors, checked against the library and an independent computation. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ristretto255 as nobleR } from '@noble/curves/ed25519.js';
import {
    decodeFunctionalKey,
    decodeMpk,
    decodeProof,
    encodeMpk,
    encRandomness,
    Encryptor,
    FFDHE_P_FOR_TESTS,
    groupByName,
    keyDer,
    keyImage,
    modPowBigInt,
    setup,
    verifyBill,
    weightedSum,
} from './exports.js';
import { hex, unhex } from './helpers.js';
import { kdfIndependent } from './independent.js';
import { VECTOR_PATH, type Vector } from './vectors.js';

const vectors = JSON.parse(readFileSync(VECTOR_PATH, 'utf8')) as Vector[];

describe('known-answer vectors', () => {
    it('cover every group', () => {
        assert.deepEqual(
            vectors.map((v) => v.group),
            ['ristretto255', 'ffdhe2048', 'ffdhe3072', 'ffdhe4096'],
        );
    });
    for (const v of vectors) {
        it(`${v.group}: library reproduces every value`, () => {
            const g = groupByName(v.group);
            const x = v.x.map(BigInt);
            const y = v.y.map(BigInt);
            const { msk, mpk } = setup(g, unhex(v.rootSeed), v.ctx, 4);
            assert.deepEqual(
                msk.s.map((s) => s.toString(16)),
                v.s,
            );
            assert.deepEqual(
                mpk.H.map((h) => hex(g.encode(h))),
                v.H,
            );
            assert.equal(hex(encodeMpk(g, mpk)), v.mpk);
            assert.equal(encRandomness(g, unhex(v.meterSeed), v.ctx).toString(16), v.r);
            const enc = new Encryptor(g, mpk, unhex(v.meterSeed), { maxReading: 4000n });
            assert.equal(hex(g.encode(enc.open())), v.C0);
            assert.deepEqual(
                x.map((xi, i) => hex(g.encode(enc.slot(i, xi)))),
                v.C,
            );
            const key = keyDer(g, msk, y);
            assert.equal(key.sk.toString(16), v.sk);
            assert.deepEqual(decodeFunctionalKey(g, unhex(v.key)), key);
            const C = v.C.map((c, i) => g.decode(unhex(c), `C[${i}]`));
            const st = {
                ...v.ctx,
                tariff: 'vector@1',
                m: BigInt(v.m),
                K: keyImage(g, decodeMpk(g, unhex(v.mpk)), y),
                C0: g.decode(unhex(v.C0), 'C0'),
                S: weightedSum(g, y, C),
            };
            assert.ok(verifyBill(g, st, decodeProof(g, unhex(v.proof))));
            assert.ok(!verifyBill(g, { ...st, m: st.m + 1n }, decodeProof(g, unhex(v.proof))));
        });
        it(`${v.group}: independent computation agrees`, () => {
            const g = groupByName(v.group);
            const q = g.order;
            const le = v.group === 'ristretto255';
            const s = kdfIndependent(
                unhex(v.rootSeed),
                'femeter/v1/ipfe/msk',
                [v.group, v.ctx.meter, v.ctx.channel, v.ctx.period],
                4,
                g.wideBytes,
                q,
                le,
            );
            assert.deepEqual(
                s.map((k) => k.toString(16)),
                v.s,
            );
            const [r] = kdfIndependent(
                unhex(v.meterSeed),
                'femeter/v1/ipfe/r',
                [v.group, v.ctx.meter, v.ctx.channel, v.ctx.period],
                1,
                g.wideBytes,
                q,
                le,
            );
            assert.equal(r!.toString(16), v.r);
            const x = v.x.map(BigInt);
            const y = v.y.map(BigInt);
            const sk = ((y.reduce((acc, yi, i) => acc + yi * s[i]!, 0n) % q) + q) % q;
            assert.equal(sk.toString(16), v.sk);
            assert.equal(v.m, x.reduce((acc, xi, i) => acc + xi * y[i]!, 0n).toString());
            if (le) {
                const B = nobleR.Point.BASE;
                s.forEach((si, i) => {
                    assert.equal(hex(B.multiply(si).toBytes()), v.H[i]);
                });
                assert.equal(hex(B.multiply(r!).toBytes()), v.C0);
                x.forEach((xi, i) => {
                    const Ci = B.multiply(s[i]!)
                        .multiply(r!)
                        .add(xi === 0n ? nobleR.Point.ZERO : B.multiply(xi));
                    assert.equal(hex(Ci.toBytes()), v.C[i]);
                });
            } else {
                const p = FFDHE_P_FOR_TESTS(v.group);
                const be = (n: bigint): string => n.toString(16).padStart(g.elementBytes * 2, '0');
                s.forEach((si, i) => {
                    assert.equal(be(modPowBigInt(2n, si, p)), v.H[i]);
                });
                assert.equal(be(modPowBigInt(2n, r!, p)), v.C0);
                x.forEach((xi, i) => {
                    assert.equal(
                        be(
                            (modPowBigInt(modPowBigInt(2n, s[i]!, p), r!, p) *
                                modPowBigInt(2n, xi, p)) %
                                p,
                        ),
                        v.C[i],
                    );
                });
            }
        });
    }
});
