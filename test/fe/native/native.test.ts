// SPDX-License-Identifier: Apache-2.0
/**
 * The native ristretto255 accelerator (src/fe/native.ts, native/) cross-checked against
 * @noble/curves on RFC 9496 vectors and random inputs. Sizes above 1024 items cross the addon's
 * batching boundary, sizes above 512 its thread split.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { pippenger } from '@noble/curves/abstract/curve.js';
import { loadNative, nativeAddonPath, MAX_STEP_KEYS } from '../../../src/fe/native.js';
import {
    concat,
    Fn,
    hex,
    L,
    nativeOrSkip,
    nobleMul,
    Point,
    randomPoint,
    randomScalar,
    randomSmallScalar,
    RFC_MULTIPLES,
    scalarBytes,
    split,
    unhex,
    type NoblePoint,
} from './support.js';

const RUNS = 25;
const arbScalar = fc.bigInt({ min: 0n, max: L - 1n });
const arbPoint = arbScalar.map((k) => nobleMul(Point.BASE, k));
const enc = (p: NoblePoint): Uint8Array => p.toBytes();
const encAll = (ps: readonly NoblePoint[]): Uint8Array => concat(ps.map(enc));
const sum = (ps: readonly NoblePoint[]): NoblePoint => ps.reduce((a, p) => a.add(p), Point.ZERO);
const isPlainUint8Array = (v: unknown): boolean =>
    v instanceof Uint8Array && Object.getPrototypeOf(v) === Uint8Array.prototype;

describe('native loader', () => {
    it('loads the built addon and reports its version', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        assert.match(n.version(), /^femeter-native \d+\.\d+\.\d+ \(curve25519-dalek 5/);
        assert.ok(nativeAddonPath()?.endsWith('femeter_native.node'));
    });

    it('returns undefined when FEMETER_NO_NATIVE=1', (t) => {
        if (!nativeOrSkip(t)) return;
        const saved = process.env.FEMETER_NO_NATIVE;
        process.env.FEMETER_NO_NATIVE = '1';
        try {
            assert.equal(loadNative(), undefined);
        } finally {
            if (saved === undefined) delete process.env.FEMETER_NO_NATIVE;
            else process.env.FEMETER_NO_NATIVE = saved;
        }
    });

    it('returns plain Uint8Arrays (not Buffers) and accepts Buffers and offset views', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const b = unhex(RFC_MULTIPLES[1]!);
        const out = n.add(b, b);
        assert.ok(isPlainUint8Array(out));
        assert.equal(hex(out), RFC_MULTIPLES[2]);
        assert.ok(isPlainUint8Array(n.mulBaseMany(new Uint8Array(0))));
        assert.ok(isPlainUint8Array(n.stepKeys(b, b, 3)));
        // A Buffer input and a view at a non-zero offset into a larger buffer.
        assert.equal(hex(n.add(Buffer.from(b), b)), RFC_MULTIPLES[2]);
        const big = new Uint8Array(7 + 64 + 5);
        big.set(b, 7);
        big.set(unhex(RFC_MULTIPLES[3]!), 39);
        const view = big.subarray(7, 7 + 64);
        assert.equal(hex(n.addMany(view)), RFC_MULTIPLES[4]);
        assert.equal(n.decodeCheck(view), -1);
    });
});

describe('native vs RFC 9496 vectors', () => {
    it('mulBase(k), mul(B, k), decodeCheck and stepKeys reproduce k·B for k = 0..15', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const B = unhex(RFC_MULTIPLES[1]!);
        RFC_MULTIPLES.forEach((want, k) => {
            assert.equal(hex(n.mulBase(scalarBytes(BigInt(k)))), want, `mulBase(${k})`);
            assert.equal(hex(n.mul(B, scalarBytes(BigInt(k)))), want, `mul(B, ${k})`);
        });
        const all = concat(RFC_MULTIPLES.map(unhex));
        assert.equal(n.decodeCheck(all), -1);
        assert.equal(
            hex(n.mulBaseMany(concat(RFC_MULTIPLES.map((_, k) => scalarBytes(BigInt(k)))))),
            hex(all),
        );
        const keys = n.stepKeys(new Uint8Array(32), B, 16);
        assert.deepEqual(
            split(keys, 8).map(hex),
            RFC_MULTIPLES.map((h) => h.slice(0, 16)),
        );
    });
});

describe('native vs @noble/curves (random inputs)', () => {
    it('decodeCheck accepts every valid encoding, including the identity', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        fc.assert(
            fc.property(
                fc.array(arbPoint, { maxLength: 8 }),
                (ps) => n.decodeCheck(encAll([Point.ZERO, ...ps])) === -1,
            ),
            { numRuns: RUNS },
        );
    });

    it('add and sub', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        fc.assert(
            fc.property(arbPoint, arbPoint, (a, b) => {
                assert.equal(hex(n.add(enc(a), enc(b))), hex(enc(a.add(b))));
                assert.equal(hex(n.sub(enc(a), enc(b))), hex(enc(a.subtract(b))));
                assert.equal(hex(n.sub(enc(a), enc(a))), hex(enc(Point.ZERO)));
            }),
            { numRuns: RUNS },
        );
    });

    it('mul and mulBase, including scalars 0, 1, ℓ−1 and the identity point', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const edge = fc.constantFrom(0n, 1n, 2n, L - 1n, L - 2n);
        fc.assert(
            fc.property(arbPoint, fc.oneof(arbScalar, edge), (p, k) => {
                assert.equal(hex(n.mul(enc(p), scalarBytes(k))), hex(enc(nobleMul(p, k))));
                assert.equal(hex(n.mulBase(scalarBytes(k))), hex(enc(nobleMul(Point.BASE, k))));
                assert.equal(hex(n.mul(enc(Point.ZERO), scalarBytes(k))), hex(enc(Point.ZERO)));
            }),
            { numRuns: RUNS },
        );
    });

    it('mulBaseMany over 0, 1, 5 and 1500 scalars (with zeros)', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        for (const count of [0, 1, 5, 1500]) {
            const ks = Array.from({ length: count }, (_, i) =>
                i % 97 === 3 ? 0n : randomScalar(),
            );
            const got = n.mulBaseMany(concat(ks.map(scalarBytes)));
            assert.equal(got.length, 32 * count);
            assert.equal(
                hex(got),
                hex(encAll(ks.map((k) => nobleMul(Point.BASE, k)))),
                `count ${count}`,
            );
        }
    });

    it('mulMany over 0, 1, 3 and 1100 points (with identities), and with scalar 0', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        for (const count of [0, 1, 3, 1100]) {
            const ps = Array.from({ length: count }, (_, i) =>
                i % 101 === 7 ? Point.ZERO : randomPoint(),
            );
            const r = randomScalar();
            const got = n.mulMany(encAll(ps), scalarBytes(r));
            assert.equal(hex(got), hex(encAll(ps.map((p) => nobleMul(p, r)))), `count ${count}`);
            if (count > 0 && count < 10) {
                assert.equal(
                    hex(n.mulMany(encAll(ps), scalarBytes(0n))),
                    hex(encAll(ps.map(() => Point.ZERO))),
                );
            }
        }
    });

    it('msmVartime with 16-bit and full scalars on 0, 1, 96 points; property on small sets', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        assert.equal(hex(n.msmVartime(new Uint8Array(0), new Uint8Array(0))), hex(enc(Point.ZERO)));
        for (const count of [1, 96]) {
            const ps = Array.from({ length: count }, randomPoint);
            for (const gen of [() => randomSmallScalar(16), randomScalar]) {
                const ks = ps.map(() => gen());
                const want = sum(ps.map((p, i) => nobleMul(p, ks[i]!)));
                assert.equal(
                    hex(n.msmVartime(encAll(ps), concat(ks.map(scalarBytes)))),
                    hex(enc(want)),
                    `count ${count}`,
                );
            }
        }
        fc.assert(
            fc.property(
                fc.array(
                    fc.tuple(arbPoint, fc.oneof(arbScalar, fc.bigInt({ min: 0n, max: 0xffffn }))),
                    { maxLength: 6 },
                ),
                (pairs) => {
                    const want = sum(pairs.map(([p, k]) => nobleMul(p, k)));
                    const got = n.msmVartime(
                        encAll(pairs.map(([p]) => p)),
                        concat(pairs.map(([, k]) => scalarBytes(k))),
                    );
                    assert.equal(hex(got), hex(enc(want)));
                },
            ),
            { numRuns: 15 },
        );
    });

    it('msmVartime over 2976 points (Pippenger path) matches noble pippenger', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const count = 2976;
        // Distinct points cheaply: P_i = P_0 + i·D.
        const d = randomPoint();
        const ps: NoblePoint[] = [randomPoint()];
        for (let i = 1; i < count; i++) ps.push(ps[i - 1]!.add(d));
        const pts = encAll(ps);
        for (const gen of [
            () => randomSmallScalar(16),
            () => randomSmallScalar(32),
            randomScalar,
        ]) {
            const ks = ps.map(() => gen());
            ks[5] = 0n;
            const want = pippenger(Point, ps, ks);
            assert.equal(hex(n.msmVartime(pts, concat(ks.map(scalarBytes)))), hex(enc(want)));
        }
    });

    it('addMany over 0, 1, 2 and 700 points', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        for (const count of [0, 1, 2, 700]) {
            const ps = Array.from({ length: count }, (_, i) =>
                i === 1 ? Point.ZERO : randomPoint(),
            );
            assert.equal(hex(n.addMany(encAll(ps))), hex(enc(sum(ps))), `count ${count}`);
        }
    });

    it('stepKeys matches the first 8 bytes of enc(start + j·step)', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const check = (start: NoblePoint, step: NoblePoint, count: number): void => {
            const got = n.stepKeys(enc(start), enc(step), count);
            assert.equal(got.length, 8 * count);
            let cur = start;
            for (let j = 0; j < count; j++) {
                assert.equal(
                    hex(got.subarray(8 * j, 8 * j + 8)),
                    hex(enc(cur).subarray(0, 8)),
                    `j = ${j}`,
                );
                cur = cur.add(step);
            }
        };
        check(randomPoint(), randomPoint(), 0);
        check(randomPoint(), randomPoint(), 1);
        check(Point.ZERO, Point.BASE, 40);
        check(randomPoint(), Point.ZERO, 5);
        // The walk passes through the identity at j = 5.
        const step = randomPoint();
        check(step.multiply(5n).negate(), step, 12);
        check(randomPoint(), randomPoint(), 2100);
        fc.assert(
            fc.property(arbPoint, arbPoint, fc.integer({ min: 0, max: 20 }), (a, b, c) => {
                check(a, b, c);
            }),
            { numRuns: 10 },
        );
    });

    it('stepKeys over 40000 keys (multi-threaded split) agrees with noble at sampled indices', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const count = 40000;
        const start = randomPoint();
        const step = randomPoint();
        const got = n.stepKeys(enc(start), enc(step), count);
        assert.equal(got.length, 8 * count);
        const idx = [0, 1, 1023, 1024, 16383, 16384, 19999, 20000, 20001, 32768, count - 1];
        for (let s = 0; s < 20; s++) idx.push(Math.floor(Math.random() * count));
        for (const j of idx) {
            const want = enc(start.add(nobleMul(step, BigInt(j)))).subarray(0, 8);
            assert.equal(hex(got.subarray(8 * j, 8 * j + 8)), hex(want), `j = ${j}`);
        }
        // Consistent with a walk started part-way.
        const tail = n.stepKeys(enc(start.add(nobleMul(step, 30000n))), enc(step), 10000);
        assert.equal(hex(got.subarray(8 * 30000)), hex(tail));
    });

    it('scalars are little-endian: Fn.toBytes round trip through mulBase', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const k = randomScalar();
        assert.equal(hex(n.mulBase(Fn.toBytes(k))), hex(enc(nobleMul(Point.BASE, k))));
        assert.ok(MAX_STEP_KEYS >= 1 << 24);
    });
});
