// SPDX-License-Identifier: Apache-2.0
/** Group laws, encodings and hostile decoding for every group and backend. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ristretto255 as nobleR } from '@noble/curves/ed25519.js';
import { DecodeError, FFDHE_P_FOR_TESTS, jacobiForTests, modPowBigInt, mod } from './exports.js';
import { groupsUnderTest, unhex } from './helpers.js';

// RFC 9496 §A.2: encodings that must be rejected, grouped by why.
const RISTRETTO_BAD = {
    'non-canonical field element': [
        '00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
        'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        'f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ],
    'negative field element': [
        '0100000000000000000000000000000000000000000000000000000000000000',
        '01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ],
};

for (const { label, group: g, fast } of groupsUnderTest()) {
    const runs = fast ? 20 : 3;
    const scalar = fc.bigInt({ min: 0n, max: g.order - 1n });
    describe(`group ${label}`, () => {
        it('aG + bG = (a+b)G and b(aG) = (ab)G', () => {
            fc.assert(
                fc.property(scalar, scalar, (a, b) => {
                    assert.ok(
                        g.equals(g.add(g.mulBase(a), g.mulBase(b)), g.mulBase(mod(a + b, g.order))),
                    );
                    assert.ok(g.equals(g.mul(g.mulBase(a), b), g.mulBase(mod(a * b, g.order))));
                    assert.ok(
                        g.equals(g.sub(g.mulBase(a), g.mulBase(b)), g.mulBase(mod(a - b, g.order))),
                    );
                    assert.ok(g.isIdentity(g.add(g.mulBase(a), g.neg(g.mulBase(a)))));
                    assert.ok(
                        g.equals(g.addMulBase(g.mulBase(a), b), g.mulBase(mod(a + b, g.order))),
                    );
                }),
                { numRuns: runs },
            );
        });
        it('encode/decode round-trips and is canonical', () => {
            fc.assert(
                fc.property(fc.bigInt({ min: 1n, max: g.order - 1n }), (a) => {
                    const P = g.mulBase(a);
                    const b = g.encode(P);
                    assert.equal(b.length, g.elementBytes);
                    assert.deepEqual(g.encode(g.decode(b, 'P')), b);
                }),
                { numRuns: runs },
            );
        });
        it('msm equals the naive sum, with negative and zero weights', () => {
            const pts = [3n, 5n, 7n, 11n].map((k) => g.mulBase(k * 1234567n));
            const ks = [0n, 1n, g.order - 2n, 1000n];
            let naive = g.identity;
            pts.forEach((P, i) => (naive = g.add(naive, g.mul(P, ks[i]!))));
            assert.ok(g.equals(g.msmVartime(pts, ks), naive));
            assert.ok(g.isIdentity(g.msmVartime([], [])));
            assert.throws(() => g.msmVartime(pts, ks.slice(1)), /points but/);
        });
        it('mulBaseMany / mulMany agree with single multiplications', () => {
            const ks = [1n, 2n, g.order - 1n, 99n];
            g.mulBaseMany(ks).forEach((P, i) => {
                assert.ok(g.equals(P, g.mulBase(ks[i]!)));
            });
            const P = g.mulBase(77n);
            g.mulMany([P, g.generator], 5n).forEach((Q, i) => {
                assert.ok(g.equals(Q, g.mul(i === 0 ? P : g.generator, 5n)));
            });
        });
        it('stepKeys fingerprints start + j·step', () => {
            const start = g.mulBase(10n);
            const keys = g.stepKeys(start, g.generator, 5);
            const again = g.stepKeys(g.mulBase(13n), g.generator, 2);
            assert.equal(keys[3], again[0]);
            assert.equal(keys[4], again[1]);
            assert.notEqual(keys[0], keys[1]);
        });
        it('rejects out-of-range scalars', () => {
            assert.throws(() => g.mulBase(g.order), /scalar/);
            assert.throws(() => g.mulBase(-1n), /scalar/);
            assert.throws(
                () =>
                    g.decodeScalar(
                        g.encodeScalar(0n).map(() => 0xff),
                        's',
                    ),
                DecodeError,
            );
        });
        it('hostile decodings: wrong length, identity, garbage', () => {
            const good = g.encode(g.mulBase(5n));
            for (const bad of [
                new Uint8Array(0),
                good.subarray(1),
                new Uint8Array(g.elementBytes + 1),
            ]) {
                assert.throws(() => g.decode(bad, 'P'), DecodeError);
            }
            assert.throws(() => g.decode(g.encode(g.identity), 'P'), /identity/);
            assert.ok(g.isIdentity(g.decode(g.encode(g.identity), 'P', { allowIdentity: true })));
            assert.throws(() => g.decode('nope' as unknown as Uint8Array, 'P'), DecodeError);
            assert.throws(
                () => g.decodeMany(new Uint8Array(g.elementBytes * 2 - 1), 2, 'C'),
                DecodeError,
            );
            const two = new Uint8Array(g.elementBytes * 2);
            two.set(good, 0);
            two.set(g.encode(g.identity), g.elementBytes);
            assert.throws(() => g.decodeMany(two, 2, 'C'), /C\[1\]/);
        });
        if (g.name === 'ristretto255') {
            for (const [why, list] of Object.entries(RISTRETTO_BAD)) {
                it(`RFC 9496 bad encodings: ${why}`, () => {
                    for (const h of list) {
                        assert.throws(() => g.decode(unhex(h), 'P'), DecodeError, h);
                        assert.throws(() => nobleR.Point.fromHex(h)); // the reference agrees
                    }
                });
            }
            it('matches @noble/curves on the first 16 multiples of G', () => {
                for (let k = 1n; k <= 16n; k++)
                    assert.deepEqual(
                        g.encode(g.mulBase(k)),
                        nobleR.Point.BASE.multiply(k).toBytes(),
                    );
            });
        } else {
            it('rejects 0, p, values above p and non-residues (off-group)', () => {
                const p = FFDHE_P_FOR_TESTS(g.name);
                const q = (p - 1n) / 2n;
                const be = (v: bigint): Uint8Array =>
                    unhex(v.toString(16).padStart(g.elementBytes * 2, '0'));
                assert.throws(() => g.decode(be(0n), 'P'), /\[1, p\)/);
                assert.throws(() => g.decode(be(p), 'P'), /\[1, p\)/);
                assert.throws(() => g.decode(be(p - 1n), 'P'), /subgroup/); // -1 is a non-residue for p ≡ 3 mod 4
                let n = 3n;
                while (modPowBigInt(n, q, p) === 1n) n++;
                assert.equal(jacobiForTests(n, p), -1);
                assert.throws(() => g.decode(be(n), 'P'), /subgroup/);
                assert.equal(modPowBigInt(2n, q, p), 1n); // g = 2 has order q
                assert.equal(p.toString(16).slice(0, 16), 'ffffffffffffffff'); // RFC 7919 fixed top 64 bits
                assert.equal(p.toString(16).slice(-16), 'ffffffffffffffff');
            });
        }
    });
}
