// SPDX-License-Identifier: Apache-2.0
/** Frozen grid-aggregate vectors, checked against the library on both backends and an independent computation. */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ristretto255 as nobleR, ristretto255_hasher } from '@noble/curves/ed25519.js';
import { tuplehash256 } from '@noble/hashes/sha3-addons.js';
import {
    BsgsTable,
    decodeKeyShare,
    decodeMcfeCiphertext,
    decodeMcfeFunctionalKey,
    decodeMemberPublicKey,
    encodeKeyShare,
    mcfeDecrypt,
    sortMembers,
} from './exports.js';
import { groupsUnderTest, hex, unhex } from './helpers.js';
import { kdfIndependent, tupleIndependent } from './independent.js';
import { makeMcfeVector, MCFE_VECTOR_PATH, type McfeVector } from './mcfe-vectors.js';

const v = JSON.parse(readFileSync(MCFE_VECTOR_PATH, 'utf8')) as McfeVector;
const Point = nobleR.Point;
const q = Point.Fn.ORDER;
const B = Point.BASE;
const modq = (a: bigint): bigint => ((a % q) + q) % q;

describe('grid-aggregate known-answer vectors (ristretto255)', () => {
    it('the library reproduces the frozen file exactly', () => {
        assert.deepEqual(makeMcfeVector(), v);
    });

    for (const { label, group: g } of groupsUnderTest().filter(
        (x) => x.group.name === 'ristretto255',
    )) {
        it(`${label}: frozen objects decode and the frozen key decrypts the frozen ciphertexts`, () => {
            const ct = decodeMcfeCiphertext(g, unhex(v.ciphertext));
            assert.equal(hex(g.encode(ct.c)), v.c[0]![0]);
            assert.equal(hex(g.encode(decodeMemberPublicKey(g, unhex(v.dhkey)).P)), v.P[0]);
            const share = decodeKeyShare(g, unhex(v.keyShare));
            assert.deepEqual(
                share.d.map((d) => d.toString(16)),
                v.share[0],
            );
            assert.equal(hex(encodeKeyShare(g, share)), v.keyShare);
            const dk = decodeMcfeFunctionalKey(g, unhex(v.functionalKey));
            assert.deepEqual(dk.members, v.members);
            const table = BsgsTable.build(g, 12);
            v.slots.forEach((slot, j) => {
                const cts = v.c.map((r, i) => g.decode(unhex(r[j]!), `c[${i}][${j}]`));
                assert.equal(
                    mcfeDecrypt(g, dk, { ...v.epoch, slot }, cts, table, 50_000n).toString(),
                    v.sum[j],
                );
            });
        });
    }

    it('an independent computation (noble ristretto255, KMAC, TupleHash directly) agrees', () => {
        const { aggregate, channel, epoch } = v.epoch;
        assert.deepEqual(sortMembers(v.members), v.members);
        const seeds = v.rootSeeds.map(unhex);
        const te = new TextEncoder();
        // ρ = TupleHash256(ristretto255, aggregate, channel, epoch, n, members…; S = femeter/v1/mcfe/roster)
        const rho = tuplehash256(
            ['ristretto255', aggregate, channel, epoch, String(v.members.length), ...v.members].map(
                (p) => te.encode(p),
            ),
            { dkLen: 32, personalization: te.encode('femeter/v1/mcfe/roster') },
        );
        assert.equal(hex(rho), v.roster);
        // s_i = KMAC256(root seed; ristretto255, aggregate, channel, epoch, ρ, member; S = femeter/v1/mcfe/s)
        const s = v.members.map((m, i) =>
            kdfIndependent(
                seeds[i]!,
                'femeter/v1/mcfe/s',
                ['ristretto255', aggregate, channel, epoch, rho, m],
                2,
                64,
                q,
                true,
            ),
        );
        assert.deepEqual(
            s.map((p) => p.map((k) => k.toString(16))),
            v.s,
        );
        // u_ℓ = hash_to_ristretto255(tuple(ristretto255, aggregate, channel, epoch, slot); DST …/u1, …/u2)
        const u = v.slots.map((slot) => {
            const msg = tupleIndependent(['ristretto255', aggregate, channel, epoch, slot]);
            return [1, 2].map((k) =>
                ristretto255_hasher.hashToCurve(msg, { DST: `femeter/v1/mcfe/label/u${k}` }),
            );
        });
        assert.deepEqual(
            u.map((p) => p.map((pt) => hex(pt.toBytes()))),
            v.u,
        );
        // c_{i,ℓ} = s_i1·u1 + s_i2·u2 + x·G
        const x = v.x.map((r) => r.map(BigInt));
        v.members.forEach((_, i) => {
            v.slots.forEach((_, j) => {
                const xij = x[i]![j]!;
                const c = u[j]![0]!.multiply(s[i]![0]!)
                    .add(u[j]![1]!.multiply(s[i]![1]!))
                    .add(xij === 0n ? Point.ZERO : B.multiply(xij));
                assert.equal(hex(c.toBytes()), v.c[i]![j]);
            });
        });
        // DH keys: a_i = KMAC256(root seed; ristretto255, aggregate, channel, epoch, member; S = femeter/v1/dmcfe/dh)
        const a = v.members.map(
            (m, i) =>
                kdfIndependent(
                    seeds[i]!,
                    'femeter/v1/dmcfe/dh',
                    ['ristretto255', aggregate, channel, epoch, m],
                    1,
                    64,
                    q,
                    true,
                )[0]!,
        );
        assert.deepEqual(
            a.map((k) => k.toString(16)),
            v.a,
        );
        const P = a.map((k) => B.multiply(k));
        assert.deepEqual(
            P.map((p) => hex(p.toBytes())),
            v.P,
        );
        // φ = TupleHash256(ristretto255, aggregate, channel, epoch, n, members…, i64 weights…; S = femeter/v1/dmcfe/function)
        const w = v.weights.map((y) => {
            const b = new Uint8Array(8);
            new DataView(b.buffer).setBigInt64(0, BigInt(y));
            return b;
        });
        const phi = tuplehash256(
            [
                ...[
                    'ristretto255',
                    aggregate,
                    channel,
                    epoch,
                    String(v.members.length),
                    ...v.members,
                ].map((p) => te.encode(p)),
                ...w,
            ],
            { dkLen: 32, personalization: te.encode('femeter/v1/dmcfe/function') },
        );
        assert.equal(hex(phi), v.fn);
        // shares: d_i = y_i·s_i + Σ_{j≠i} ±KMAC256(a_i·P_j; ristretto255, φ, id_lo, id_hi, P_lo, P_hi)
        const n = v.members.length;
        const d = v.members.map((mi, i) => {
            const y = BigInt(v.weights[i]!);
            const acc = [y * s[i]![0]!, y * s[i]![1]!];
            for (let j = 0; j < n; j++) {
                if (j === i) continue;
                const lo = Math.min(i, j);
                const hi = Math.max(i, j);
                const K = P[j]!.multiply(a[i]!);
                const m = kdfIndependent(
                    K.toBytes(),
                    'femeter/v1/dmcfe/mask',
                    [
                        'ristretto255',
                        phi,
                        v.members[lo]!,
                        v.members[hi]!,
                        P[lo]!.toBytes(),
                        P[hi]!.toBytes(),
                    ],
                    2,
                    64,
                    q,
                    true,
                );
                const sign = mi < v.members[j]! ? 1n : -1n; // ASCII ids: JS order = bytewise order
                acc[0]! += sign * m[0]!;
                acc[1]! += sign * m[1]!;
            }
            return acc.map(modq);
        });
        assert.deepEqual(
            d.map((p) => p.map((k) => k.toString(16))),
            v.share,
        );
        // dk = Σ shares = Σ y_i·s_i (the masks cancel)
        const dk = [0, 1].map((k) => modq(d.reduce((acc, p) => acc + p[k]!, 0n)));
        assert.deepEqual(
            dk,
            [0, 1].map((k) =>
                modq(s.reduce((acc, p, i) => acc + BigInt(v.weights[i]!) * p[k]!, 0n)),
            ),
        );
        assert.deepEqual(
            dk.map((k) => k.toString(16)),
            v.dk,
        );
        // Dec: Σ c − <dk, u> = (Σ x)·G
        v.slots.forEach((_, j) => {
            let S = Point.ZERO;
            for (let i = 0; i < n; i++) S = S.add(Point.fromBytes(unhex(v.c[i]![j]!)));
            const D = S.subtract(u[j]![0]!.multiply(dk[0]!).add(u[j]![1]!.multiply(dk[1]!)));
            assert.ok(D.equals(B.multiply(BigInt(v.sum[j]!))));
        });
    });
});
