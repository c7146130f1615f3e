// SPDX-License-Identifier: Apache-2.0
/**
 * One behaviour suite run over every available ristretto255 backend (noble, wasm, native): the
 * frozen known-answer vectors, RFC 9496 vectors and invalid encodings, libsodium's edge cases
 * (identity results, zero scalars) and hostile input, each answered exactly as the Group contract
 * says and byte-identically to the noble reference.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ristretto255 as nobleR } from '@noble/curves/ed25519.js';
import { pippenger } from '@noble/curves/abstract/curve.js';
import {
    BACKEND_ORDER,
    backendChoice,
    DecodeError,
    decodeFunctionalKey,
    decodeMpk,
    decodeProof,
    encodeMpk,
    Encryptor,
    keyDer,
    keyImage,
    RangeCheckError,
    setup,
    verifyBill,
    weightedSum,
} from './exports.js';
import { hex, ristrettoBackends, unhex } from './helpers.js';
import { VECTOR_PATH, type Vector } from './vectors.js';
import { ALL_BAD, RFC_MULTIPLES, rawLE } from './native/support.js';

const vector = (JSON.parse(readFileSync(VECTOR_PATH, 'utf8')) as Vector[]).find(
    (v) => v.group === 'ristretto255',
)!;
const backends = ristrettoBackends();
const noble = backends[0]!;
const Q = noble.order;
const P_FIELD = 2n ** 255n - 19n;

describe('ristretto255 backends available', () => {
    it('noble and wasm (an npm dependency) always load; the selection follows the documented order', () => {
        assert.deepEqual(
            backends.slice(0, 2).map((g) => g.backend),
            ['noble', 'wasm'],
        );
        assert.deepEqual(BACKEND_ORDER, ['native', 'wasm', 'noble']);
        assert.ok(BACKEND_ORDER.includes(backendChoice().backend));
    });
    it('runs on the backend CI expects ($FEMETER_EXPECT_BACKEND, when set)', (t) => {
        const want = process.env.FEMETER_EXPECT_BACKEND;
        if (!want) {
            t.skip('FEMETER_EXPECT_BACKEND not set');
            return;
        }
        assert.equal(backendChoice().backend, want);
    });
});

for (const g of backends) {
    const enc = (e: unknown): string => hex(g.encode(e as never));
    const ref = (k: bigint): string => hex(noble.encode(noble.mulBase(k)));
    describe(`ristretto255/${g.backend}`, () => {
        it('reproduces the frozen known-answer vector (setup, encrypt, keys, proof)', () => {
            const x = vector.x.map(BigInt);
            const y = vector.y.map(BigInt);
            const { msk, mpk } = setup(g, unhex(vector.rootSeed), vector.ctx, 4);
            assert.deepEqual(mpk.H.map(enc), vector.H);
            assert.equal(hex(encodeMpk(g, mpk)), vector.mpk);
            const e = new Encryptor(g, mpk, unhex(vector.meterSeed), {
                maxReading: 4000n,
                precompute: true,
            });
            assert.equal(enc(e.open()), vector.C0);
            assert.deepEqual(
                x.map((xi, i) => enc(e.slot(i, xi))),
                vector.C,
            );
            const key = keyDer(g, msk, y);
            assert.deepEqual(decodeFunctionalKey(g, unhex(vector.key)), key);
            const C = g.decodeMany(unhex(vector.C.join('')), 4, 'C');
            const st = {
                ...vector.ctx,
                tariff: 'vector@1',
                m: BigInt(vector.m),
                K: keyImage(g, decodeMpk(g, unhex(vector.mpk)), y),
                C0: g.decode(unhex(vector.C0), 'C0'),
                S: weightedSum(g, y, C),
            };
            const proof = decodeProof(g, unhex(vector.proof));
            assert.ok(verifyBill(g, st, proof));
            assert.ok(!verifyBill(g, { ...st, m: st.m + 1n }, proof));
            // the bill: S − sk·C0 = m·G
            assert.ok(g.equals(g.sub(st.S, g.mul(st.C0, key.sk)), g.mulBase(st.m)));
        });

        it('RFC 9496 multiples 0·B … 15·B through every multiplication', () => {
            RFC_MULTIPLES.forEach((want, k) => {
                const K = BigInt(k);
                assert.equal(enc(g.mulBase(K)), want, `mulBase(${k})`);
                assert.equal(enc(g.mul(g.generator, K)), want, `mul(B, ${k})`);
                assert.equal(enc(g.mulMany([g.generator], K)[0]), want);
                assert.equal(enc(g.msmVartime([g.generator], [K])), want);
            });
            assert.deepEqual(
                g.mulBaseMany(RFC_MULTIPLES.map((_, k) => BigInt(k))).map(enc),
                RFC_MULTIPLES,
            );
            const all = g.decodeMany(unhex(RFC_MULTIPLES.slice(1).join('')), 15, 'B');
            assert.deepEqual(all.map(enc), RFC_MULTIPLES.slice(1));
            const keys = g.stepKeys(g.identity, g.generator, 16);
            assert.deepEqual(
                [...keys].map((v) => v.toString(16).padStart(16, '0')),
                RFC_MULTIPLES.map((h) => hex(unhex(h).subarray(0, 8).reverse())),
            );
        });

        it('zero scalars and the identity: results are the identity, never an error', () => {
            const P = g.mulBase(1234n);
            assert.ok(g.isIdentity(g.mulBase(0n)));
            assert.ok(g.isIdentity(g.mul(P, 0n)));
            assert.ok(g.isIdentity(g.mul(g.identity, 5n)));
            assert.ok(g.isIdentity(g.mul(g.identity, 0n)));
            assert.ok(g.mulMany([P, g.identity, P], 0n).every((e) => g.isIdentity(e)));
            const mixed = g.mulMany([P, g.identity, g.generator], 7n);
            assert.deepEqual(mixed.map(enc), [ref(1234n * 7n), hex(new Uint8Array(32)), ref(7n)]);
            assert.deepEqual(g.mulBaseMany([0n, 1n, 0n]).map(enc), [
                hex(new Uint8Array(32)),
                ref(1n),
                hex(new Uint8Array(32)),
            ]);
            assert.ok(g.isIdentity(g.sub(P, P)));
            assert.ok(g.isIdentity(g.add(P, g.neg(P))));
            assert.ok(g.isIdentity(g.neg(g.identity)));
            assert.ok(g.isIdentity(g.msmVartime([], [])));
            assert.ok(g.isIdentity(g.msmVartime([P, P], [0n, 0n])));
            assert.ok(g.isIdentity(g.msmVartime([P, P], [1n, Q - 1n])));
            assert.ok(g.isIdentity(g.msmVartime([g.identity], [5n])));
            assert.ok(g.equals(g.add(g.identity, P), P));
            // P + k·G in one call (the meter's C_i): zero scalar, identity point, cancellation
            assert.ok(g.equals(g.addMulBase(P, 0n), P));
            assert.equal(enc(g.addMulBase(g.identity, 7n)), ref(7n));
            assert.ok(g.isIdentity(g.addMulBase(g.neg(P), 1234n)));
            assert.equal(enc(g.addMulBase(P, 99n)), ref(1234n + 99n));
            // q − 1 is −1: (q−1)·P = −P, as a secret scalar (mul) and as a public weight (msm)
            assert.equal(enc(g.mul(P, Q - 1n)), enc(g.neg(P)));
            assert.equal(enc(g.mulBase(Q - 1n)), ref(Q - 1n));
            assert.equal(enc(g.msmVartime([P], [Q - 1n])), enc(g.neg(P)));
        });

        it('scalars outside [0, q) are refused with RangeCheckError', () => {
            const P = g.mulBase(3n);
            for (const k of [-1n, Q, Q + 1n, 2n ** 256n]) {
                assert.throws(() => g.mulBase(k), RangeCheckError);
                assert.throws(() => g.mul(P, k), RangeCheckError);
                assert.throws(() => g.addMulBase(P, k), RangeCheckError);
                assert.throws(() => g.mulMany([P], k), RangeCheckError);
                assert.throws(() => g.mulBaseMany([1n, k]), RangeCheckError);
                assert.throws(() => g.msmVartime([P], [k]), RangeCheckError);
                assert.throws(() => g.encodeScalar(k), RangeCheckError);
            }
            assert.throws(() => g.decodeScalar(rawLE(Q), 's'), DecodeError);
            assert.throws(() => g.msmVartime([P], []), RangeCheckError);
        });

        it('invalid encodings (RFC 9496 §A.2, high bit, non-canonical aliases) are refused', () => {
            const aliases = [0n, 2n, 4n, 18n].map((s) => rawLE(P_FIELD + s));
            for (const bad of [...ALL_BAD, ...aliases]) {
                assert.throws(() => g.decode(bad, 'P'), DecodeError, hex(bad));
                assert.throws(
                    () => g.decode(bad, 'P', { allowIdentity: true }),
                    DecodeError,
                    hex(bad),
                );
                const many = new Uint8Array(96);
                many.set(unhex(RFC_MULTIPLES[2]!), 0);
                many.set(unhex(RFC_MULTIPLES[3]!), 32);
                many.set(bad, 64);
                assert.throws(() => g.decodeMany(many, 3, 'C'), /C\[2\]/);
            }
            assert.throws(() => g.decode(new Uint8Array(32), 'P'), /identity/);
            assert.ok(g.isIdentity(g.decode(new Uint8Array(32), 'P', { allowIdentity: true })));
            for (const len of [0, 31, 33]) assert.throws(() => g.decode(new Uint8Array(len), 'P'));
            assert.throws(() => g.decodeMany(new Uint8Array(64), 3, 'C'), DecodeError);
        });

        it('random operations are byte-identical to noble, in every representation mix', () => {
            const scalar = fc.bigInt({ min: 0n, max: Q - 1n });
            const weight = fc.bigInt({ min: -70000n, max: 70000n });
            fc.assert(
                fc.property(
                    scalar,
                    scalar,
                    fc.array(weight, { minLength: 1, maxLength: 6 }),
                    (a, b, ws) => {
                        const A = g.mulBase(a);
                        const B = g.mul(g.generator, b);
                        const nA = noble.mulBase(a);
                        const nB = noble.mulBase(b);
                        assert.equal(enc(g.add(A, B)), hex(noble.encode(noble.add(nA, nB))));
                        assert.equal(enc(g.sub(A, B)), hex(noble.encode(noble.sub(nA, nB))));
                        assert.equal(enc(g.mul(A, b)), hex(noble.encode(noble.mul(nA, b))));
                        const ks = ws.map((w) => ((w % Q) + Q) % Q);
                        const pts = ws.map((_, i) => (i % 2 ? A : B));
                        const npts = ws.map((_, i) => (i % 2 ? nA : nB));
                        const S = g.msmVartime(pts, ks); // may be held as a noble point (wasm)
                        const nS = noble.msmVartime(npts, ks);
                        assert.equal(enc(S), hex(noble.encode(nS)));
                        // results of msm feed every other operation
                        assert.equal(enc(g.add(S, A)), hex(noble.encode(noble.add(nS, nA))));
                        assert.equal(enc(g.sub(A, S)), hex(noble.encode(noble.sub(nA, nS))));
                        assert.equal(enc(g.neg(S)), hex(noble.encode(noble.neg(nS))));
                        assert.equal(enc(g.mul(S, a)), hex(noble.encode(noble.mul(nS, a))));
                        assert.ok(g.equals(S, g.decode(g.encode(S), 'S', { allowIdentity: true })));
                        assert.equal(g.isIdentity(S), noble.isIdentity(nS));
                        assert.ok(!g.equals(g.add(S, g.generator), S));
                    },
                ),
                { numRuns: 15 },
            );
        });

        it("msmVartime equals @noble/curves' own pippenger for sizes 1–300 and 1–253-bit weights", () => {
            const Pt = nobleR.Point;
            let seed = 7n;
            const next = (): bigint =>
                (seed = (seed * 6364136223846793005n + 1442695040888963407n) % 2n ** 64n);
            for (const [n, bits] of [
                [1, 5],
                [2, 253],
                [5, 1],
                [40, 17],
                [40, 253],
                [300, 20],
                [300, 48],
            ] as const) {
                const pts = Array.from({ length: n }, () =>
                    Pt.BASE.multiply((next() % (Q - 1n)) + 1n),
                );
                const ks = pts.map((_, i) => {
                    const raw = (next() << 192n) | (next() << 128n) | (next() << 64n) | next();
                    const k = (raw % (1n << BigInt(bits))) % Q;
                    return i % 3 === 0 ? (Q - k) % Q : k; // a third negative
                });
                const want = hex(pippenger(Pt, pts, ks).toBytes());
                const elems = g.decodeMany(
                    unhex(pts.map((p) => hex(p.toBytes())).join('')),
                    n,
                    'P',
                );
                assert.equal(enc(g.msmVartime(elems, ks)), want, `n = ${n}, ${bits} bits`);
            }
        });

        it('stepKeys of long runs equal noble encodings', () => {
            const start = g.mulBase(987654321n);
            const step = g.mulBase(12345n);
            const keys = g.stepKeys(start, step, 300);
            const want = noble.stepKeys(noble.mulBase(987654321n), noble.mulBase(12345n), 300);
            assert.deepEqual([...keys], [...want]);
            assert.equal(g.stepKeys(start, step, 0).length, 0);
            assert.throws(() => g.stepKeys(start, step, -1), RangeCheckError);
        });
    });
}
