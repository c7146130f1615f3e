// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the one Ed25519 module (fe/ed25519): keys that are all-zero, of small order, with a
 * torsion component or non-canonically encoded are refused at registration and in verification;
 * the forged "R = small-order, S = 0" signature, a small-order R, a torsioned R and a non-canonical
 * S are refused by both backends, while an unchecked verifier (shown beside) would accept them.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha512 } from '@noble/hashes/sha2.js';
import {
    ED25519_SMALL_ORDER_POINTS,
    Ed25519KeyError,
    assertValidEd25519PublicKey,
    ed25519PublicKey,
    ed25519Signer,
    isValidEd25519PublicKey,
    signEd25519,
    verifyEd25519,
    verifyEd25519Many,
    type Ed25519Backend,
    type Ed25519Triple,
} from '../../src/fe/ed25519.js';
import { loadNative } from '../../src/fe/native.js';

const BACKENDS: readonly Ed25519Backend[] = ['node', 'noble'];
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const P = 2n ** 255n - 19n;
const Point = ed25519.Point;

function le(n: bigint, len = 32): Uint8Array {
    return Uint8Array.from({ length: len }, (_, i) => Number((n >> BigInt(8 * i)) & 0xffn));
}
function fromLe(b: Uint8Array): bigint {
    let n = 0n;
    for (let i = b.length - 1; i >= 0; i--) n = (n << 8n) | BigInt(b[i] ?? 0);
    return n;
}
function concat(...parts: Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((a, p) => a + p.length, 0));
    let o = 0;
    for (const p of parts) {
        out.set(p, o);
        o += p.length;
    }
    return out;
}
/** k = SHA-512(R ‖ A ‖ M) mod L. */
function challenge(r: Uint8Array, a: Uint8Array, m: Uint8Array): bigint {
    return fromLe(sha512(concat(r, a, m))) % L;
}
/** The clamped secret scalar of an RFC 8032 seed. */
function secretScalar(seed: Uint8Array): bigint {
    return ed25519.utils.getExtendedPublicKey(seed).scalar;
}
/** A signature (R, S) with R = R0 + T for a chosen nonce r and torsion point T, valid cofactored only. */
function signWithR(seed: Uint8Array, m: Uint8Array, r: bigint, torsion?: Uint8Array): Uint8Array {
    const a = secretScalar(seed);
    const A = ed25519PublicKey(seed);
    let R = Point.BASE.multiply(r);
    if (torsion !== undefined) R = R.add(Point.fromBytes(torsion));
    const rb = R.toBytes();
    const s = (r + challenge(rb, A, m) * a) % L;
    return concat(rb, le(s));
}

const seed = Uint8Array.from({ length: 32 }, (_, i) => i + 1);
const msg = new TextEncoder().encode('femeter/v1/reading test');

describe('Ed25519 public keys', () => {
    it('accepts a fresh key and signs/verifies on both backends, with the same signatures', () => {
        const pk = ed25519PublicKey(seed);
        assert.ok(isValidEd25519PublicKey(pk));
        assertValidEd25519PublicKey(pk, 'test.key');
        const sigs = BACKENDS.map((b) => signEd25519(msg, seed, b));
        assert.deepEqual(sigs[0], sigs[1], 'RFC 8032 signatures are deterministic');
        for (const b of BACKENDS) {
            const s = ed25519Signer(seed, b);
            assert.deepEqual(s.publicKey, pk);
            for (const v of BACKENDS)
                assert.ok(verifyEd25519(pk, msg, s.sign(msg), v), `${b}/${v}`);
            assert.equal(verifyEd25519(pk, concat(msg, msg), s.sign(msg), b), false);
        }
    });

    it('the eight small-order points are what the module refuses: distinct, on the curve, order dividing 8', () => {
        const seen = new Set<string>();
        for (const enc of ED25519_SMALL_ORDER_POINTS) {
            const pt = Point.fromBytes(enc, false);
            assert.ok(pt.isSmallOrder());
            assert.ok(pt.multiplyUnsafe(8n).is0());
            assert.deepEqual(pt.toBytes(), enc, 'canonical encoding');
            seen.add(pt.toHex());
        }
        assert.equal(seen.size, 8);
        // and the 8-torsion subgroup has exactly 8 points: every T·k for an order-8 T is listed
        const t8 = Point.fromBytes(ED25519_SMALL_ORDER_POINTS[4]!, false);
        for (let k = 0n; k < 8n; k++)
            assert.ok(seen.has((k === 0n ? Point.ZERO : t8.multiplyUnsafe(k)).toHex()));
    });

    it('refuses the all-zero key, each small-order point, torsioned and non-canonical keys', () => {
        const refusedKey = (key: Uint8Array, why: RegExp): void => {
            assert.equal(isValidEd25519PublicKey(key), false);
            assert.throws(
                () => {
                    assertValidEd25519PublicKey(key, 'RegisterMeter.signingKey');
                },
                (e: unknown) =>
                    e instanceof Ed25519KeyError &&
                    e.field === 'RegisterMeter.signingKey' &&
                    why.test(e.message),
            );
        };
        refusedKey(new Uint8Array(32), /small order/);
        for (const p of ED25519_SMALL_ORDER_POINTS) refusedKey(p, /small order/);
        // a valid key plus a point of order 8: on the curve, not small order, but torsioned
        const mixed = Point.fromBytes(ed25519PublicKey(seed))
            .add(Point.fromBytes(ED25519_SMALL_ORDER_POINTS[4]!))
            .toBytes();
        refusedKey(mixed, /prime-order subgroup/);
        // non-canonical: y ≥ p (p itself, p + 1), and x = 0 with the sign bit (identity, (0, −1))
        refusedKey(le(P), /canonical|small order|curve/);
        refusedKey(le(P + 1n), /canonical/);
        const identityNeg = le(1n);
        identityNeg[31] = 0x80;
        refusedKey(identityNeg, /curve|canonical/);
        const minusOneNeg = le(P - 1n);
        minusOneNeg[31]! |= 0x80;
        refusedKey(minusOneNeg, /curve|canonical/);
        // non-canonical encodings y + p (y < 19) of points on the curve
        let tried = 0;
        for (let y = 0n; y < 19n; y++) {
            for (const sign of [0, 0x80]) {
                const canon = le(y);
                canon[31]! |= sign;
                if (!isOnCurve(canon)) continue;
                const alias = le(y + P);
                alias[31]! |= sign;
                refusedKey(alias, /canonical/);
                tried++;
            }
        }
        assert.ok(tried > 0, 'some y < 19 is on the curve (so the alias test ran)');
        // not on the curve, wrong lengths, not bytes
        let off = 2n;
        while (isOnCurve(le(off))) off++;
        refusedKey(le(off), /curve/);
        assert.equal(isValidEd25519PublicKey(new Uint8Array(31)), false);
        assert.equal(isValidEd25519PublicKey('00'.repeat(32)), false);
        assert.throws(() => {
            assertValidEd25519PublicKey(new Uint8Array(33));
        }, Ed25519KeyError);
    });
});

function isOnCurve(b: Uint8Array): boolean {
    try {
        Point.fromBytes(b, false);
        return true;
    } catch {
        return false;
    }
}

describe('Ed25519 verification rule', () => {
    it('refuses "R = small-order point, S = 0" under every small-order key (an unchecked verifier accepts it)', () => {
        const zeroS = new Uint8Array(32);
        let acceptedByLax = 0;
        for (const A of ED25519_SMALL_ORDER_POINTS) {
            for (const R of ED25519_SMALL_ORDER_POINTS) {
                const sig = concat(R, zeroS);
                for (const b of BACKENDS) assert.equal(verifyEd25519(A, msg, sig, b), false);
                if (ed25519.verify(sig, msg, A, { zip215: true })) acceptedByLax++;
            }
        }
        // the forgery is real: ZIP-215 (cofactored, no key check) accepts every pair
        assert.equal(acceptedByLax, 64);
    });

    it('refuses a small-order R even from the key holder (R = identity, S = k·a)', () => {
        const A = ed25519PublicKey(seed);
        const R = ED25519_SMALL_ORDER_POINTS[0]!; // identity
        const s = (challenge(R, A, msg) * secretScalar(seed)) % L;
        const sig = concat(R, le(s));
        assert.ok(ed25519.verify(sig, msg, A, { zip215: false }), 'valid for RFC 8032 strict');
        for (const b of BACKENDS) assert.equal(verifyEd25519(A, msg, sig, b), false, b);
    });

    it('refuses a torsioned R on both backends (cofactored verifiers accept it): backends agree', () => {
        const A = ed25519PublicKey(seed);
        for (const t of ED25519_SMALL_ORDER_POINTS.slice(1)) {
            const sig = signWithR(seed, msg, 123456789n, t);
            assert.ok(ed25519.verify(sig, msg, A, { zip215: false }), 'cofactored equation holds');
            for (const b of BACKENDS) assert.equal(verifyEd25519(A, msg, sig, b), false, b);
        }
        const good = signWithR(seed, msg, 123456789n);
        for (const b of BACKENDS) assert.ok(verifyEd25519(A, msg, good, b), b);
    });

    it('refuses a non-canonical S (S + L) and a non-canonical R encoding', () => {
        const A = ed25519PublicKey(seed);
        const sig = signEd25519(msg, seed);
        const s = fromLe(sig.subarray(32));
        const malleable = concat(sig.subarray(0, 32), le(s + L));
        for (const b of BACKENDS) assert.equal(verifyEd25519(A, msg, malleable, b), false, b);
        const sEqL = concat(sig.subarray(0, 32), le(L));
        for (const b of BACKENDS) assert.equal(verifyEd25519(A, msg, sEqL, b), false, b);
        // R = identity written non-canonically as y = p + 1
        const badR = concat(le(P + 1n), new Uint8Array(32));
        for (const b of BACKENDS) assert.equal(verifyEd25519(A, msg, badR, b), false, b);
    });

    it('never throws on hostile input', () => {
        const A = ed25519PublicKey(seed);
        const sig = signEd25519(msg, seed);
        for (const b of BACKENDS) {
            assert.equal(verifyEd25519(A, msg, sig.subarray(0, 63), b), false);
            assert.equal(verifyEd25519(A.subarray(1), msg, sig, b), false);
            assert.equal(verifyEd25519(new Uint8Array(32).fill(0xff), msg, sig, b), false);
            assert.equal(verifyEd25519(A, msg, new Uint8Array(64).fill(0xff), b), false);
        }
        assert.throws(() => ed25519Signer(new Uint8Array(31)), TypeError);
    });
});

describe('verifyEd25519Many (batch verification)', () => {
    const A = ed25519PublicKey(seed);
    const signer = ed25519Signer(seed);
    const batch = (n: number): Ed25519Triple[] =>
        Array.from({ length: n }, (_, i) => {
            const message = new TextEncoder().encode(`reading ${i}`);
            return { publicKey: A, message, signature: signer.sign(message) };
        });
    const single = (ts: readonly Ed25519Triple[], b: Ed25519Backend): boolean[] =>
        ts.map((t) => verifyEd25519(t.publicKey, t.message, t.signature, b));

    it('the native addon exposes batch verification when it is built', (t) => {
        if (loadNative() === undefined) {
            if (process.env.FEMETER_REQUIRE_NATIVE === '1') assert.fail('native addon required');
            t.skip('native addon not built: verifyEd25519Many verifies one by one');
            return;
        }
        const ts = batch(8);
        const n = loadNative()!;
        const cat = (xs: Uint8Array[]): Uint8Array => concat(...xs);
        const lens = Uint32Array.from(ts.map((x) => x.message.length));
        const pks = cat(ts.map((x) => x.publicKey));
        const msgs = cat(ts.map((x) => x.message));
        const sigs = cat(ts.map((x) => x.signature));
        assert.equal(n.ed25519VerifyBatch(pks, msgs, lens, sigs), true);
        const bad = sigs.slice();
        bad[64 * 3 + 40]! ^= 1;
        assert.equal(n.ed25519VerifyBatch(pks, msgs, lens, bad), false);
        assert.equal(
            n.ed25519VerifyBatch(
                new Uint8Array(0),
                new Uint8Array(0),
                new Uint32Array(0),
                new Uint8Array(0),
            ),
            true,
        );
        // inconsistent lengths are refused with the argument named
        assert.throws(() => n.ed25519VerifyBatch(pks.subarray(1), msgs, lens, sigs), /publicKeys/);
        assert.throws(() => n.ed25519VerifyBatch(pks, msgs, lens, sigs.subarray(1)), /signatures/);
        assert.throws(() => n.ed25519VerifyBatch(pks, msgs.subarray(1), lens, sigs), /messages/);
        assert.throws(
            () =>
                n.ed25519VerifyBatch(pks, msgs, new Uint8Array(8) as unknown as Uint32Array, sigs),
            /messageLengths/,
        );
    });

    it('one bad signature in 96 is named; the others pass; same verdicts as one by one', () => {
        const ts = batch(96);
        assert.deepEqual(verifyEd25519Many(ts), new Array<boolean>(96).fill(true));
        const bad = ts.map((x) => ({ ...x }));
        const sig = bad[50]!.signature.slice();
        sig[40]! ^= 1;
        bad[50] = { ...bad[50]!, signature: sig };
        const got = verifyEd25519Many(bad);
        assert.deepEqual(
            got.flatMap((ok, i) => (ok ? [] : [i])),
            [50],
        );
        assert.deepEqual(got, single(bad, 'noble'));
        assert.deepEqual(verifyEd25519Many(bad, 'noble'), got);
    });

    it('refuses a torsioned R that passes the cofactored equation (batch equations alone may accept it)', () => {
        const ts = batch(12);
        // R = rB + T (T of order 2, 4 or 8): valid for a cofactored verifier (8·(SB − R − kA) = 0),
        // refused by the rule (the native torsion check of every R is variable-time [ℓ]R)
        for (const [i, t] of ts.entries()) {
            const torsioned = signWithR(
                seed,
                t.message,
                1000n + BigInt(i),
                ED25519_SMALL_ORDER_POINTS[1 + (i % 7)], // torsion of order 2, 4 and 8
            );
            const withBad = ts.map((x, j) => (j === i ? { ...x, signature: torsioned } : x));
            const got = verifyEd25519Many(withBad);
            assert.deepEqual(
                got.flatMap((ok, j) => (ok ? [] : [j])),
                [i],
                `torsioned R at ${i}`,
            );
        }
        // two torsioned R whose torsion parts cancel (T and −T) are both refused
        const t8 = Point.fromBytes(ED25519_SMALL_ORDER_POINTS[4]!, false);
        const plus = signWithR(seed, ts[0]!.message, 77n, t8.toBytes());
        const minus = signWithR(seed, ts[1]!.message, 78n, t8.negate().toBytes());
        const pair = [
            { ...ts[0]!, signature: plus },
            { ...ts[1]!, signature: minus },
            ...ts.slice(2),
        ];
        assert.deepEqual(verifyEd25519Many(pair).slice(0, 3), [false, false, true]);
    });

    it('malformed key and signature lengths, foreign keys and empty input never throw', () => {
        const ts = batch(10);
        const hostile: Ed25519Triple[] = [
            ...ts,
            { ...ts[0]!, publicKey: A.subarray(1) },
            { ...ts[1]!, signature: ts[1]!.signature.subarray(0, 63) },
            { ...ts[2]!, signature: concat(ts[2]!.signature, new Uint8Array(1)) },
            { ...ts[3]!, publicKey: new Uint8Array(32) },
            { ...ts[4]!, publicKey: new Uint8Array(32).fill(0xff) },
            { ...ts[5]!, publicKey: ed25519PublicKey(new Uint8Array(32).fill(9)) },
            { ...ts[6]!, signature: new Uint8Array(64).fill(0xff) },
        ];
        const got = verifyEd25519Many(hostile);
        assert.deepEqual(got, [
            ...new Array<boolean>(10).fill(true),
            ...new Array<boolean>(7).fill(false),
        ]);
        assert.deepEqual(got, single(hostile, 'node'));
        assert.deepEqual(verifyEd25519Many([]), []);
    });
});
