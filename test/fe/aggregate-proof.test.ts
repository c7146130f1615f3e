// SPDX-License-Identifier: Apache-2.0
/**
 * Grid aggregate proofs (fe/aggregate-proof): completeness on MCFE decryptions, soundness against
 * a wrong value, slot, key commitment or ciphertext sum, malformed encodings; and the verification
 * equations re-computed independently on @noble/curves' ristretto255 with the documented
 * Fiat–Shamir hash (TupleHash256-XOF over group name and transcript, 64 bytes, little-endian mod ℓ).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ristretto255 as noble } from '@noble/curves/ed25519.js';
import { tuplehash256xof } from '@noble/hashes/sha3-addons.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import {
    decodeAggregateProof,
    encodeAggregateProof,
    keyCommitment,
    proveAggregate,
    verifyAggregate,
    type AggregateStatement,
} from '../../src/fe/aggregate-proof.js';
import { ProofError } from '../../src/fe/errors.js';
import { LABELS } from '../../src/fe/kdf.js';
import {
    BsgsTable,
    clientKey,
    hashLabel,
    McfeEncryptor,
    mcfeDecrypt,
    mcfeKeyDer,
    sortMembers,
    weightedCiphertextSum,
} from './exports.js';
import { groupsUnderTest, seed } from './helpers.js';

const epoch = { aggregate: 'feeder-1', channel: '1-0:1.8.0', epoch: '2024-03' };

for (const { label: gl, group: g, fast } of groupsUnderTest()) {
    if (!fast) continue;
    describe(`aggregate proof on ${gl}`, () => {
        const members = sortMembers(['m-a', 'm-b', 'm-c', 'm-d', 'm-e']);
        const keys = members.map((m, i) => clientKey(g, seed(40 + i), epoch, members, m));
        const key = mcfeKeyDer(
            g,
            keys,
            members.map(() => 1n),
        );
        const table = BsgsTable.build(g, 10);
        const K = keyCommitment(g, key.dk);
        const statement = (slot: string, xs: readonly bigint[]): AggregateStatement<unknown> => {
            const label = { ...epoch, slot };
            const lp = hashLabel(g, label);
            const cts = keys.map((k, i) =>
                new McfeEncryptor(g, k, { maxReading: 1000n }).encrypt(slot, xs[i]!),
            );
            const m = mcfeDecrypt(g, key, lp, cts, table, 5000n);
            const S = weightedCiphertextSum(g, key.members, key.weights, slot, cts);
            return { label, m, K, u: lp.u, S };
        };

        it('proves the decrypted sum, and nothing else', () => {
            fc.assert(
                fc.property(
                    fc.array(fc.bigInt({ min: 0n, max: 1000n }), { minLength: 5, maxLength: 5 }),
                    (xs) => {
                        const st = statement('2024-03-01T00:15:00Z', xs);
                        assert.equal(
                            st.m,
                            xs.reduce((s, x) => s + x, 0n),
                        );
                        const p = proveAggregate(g, key.dk, st);
                        assert.ok(verifyAggregate(g, st, p));
                        assert.ok(!verifyAggregate(g, { ...st, m: st.m + 1n }, p));
                        assert.ok(
                            !verifyAggregate(
                                g,
                                { ...st, label: { ...st.label, slot: '2024-03-01T00:30:00Z' } },
                                p,
                            ),
                        );
                        assert.ok(!verifyAggregate(g, { ...st, S: g.add(st.S, g.generator) }, p));
                        assert.ok(!verifyAggregate(g, { ...st, K: [st.K[1], st.K[0]] }, p));
                        assert.ok(
                            !verifyAggregate(g, st, {
                                c: p.c,
                                z: [p.z[0], (p.z[1] + 1n) % g.order],
                            }),
                        );
                        assert.ok(!verifyAggregate(g, st, { c: g.order, z: p.z }));
                        assert.throws(
                            () => proveAggregate(g, key.dk, { ...st, m: st.m + 1n }),
                            ProofError,
                        );
                        assert.throws(
                            () => proveAggregate(g, [key.dk[0], key.dk[1] + 1n], st),
                            ProofError,
                        );
                    },
                ),
                { numRuns: 10 },
            );
        });

        it('encodes as three canonical scalars; other lengths and non-canonical scalars are refused', () => {
            const st = statement('2024-03-02T00:00:00Z', [1n, 2n, 3n, 4n, 5n]);
            const p = proveAggregate(g, key.dk, st);
            const b = encodeAggregateProof(g, p);
            assert.equal(b.length, 3 * g.scalarBytes);
            assert.deepEqual(decodeAggregateProof(g, b), p);
            assert.throws(() => decodeAggregateProof(g, b.subarray(1)));
            assert.throws(() => decodeAggregateProof(g, new Uint8Array(b.length).fill(0xff)));
        });
    });
}

describe('aggregate proof, independent re-computation on @noble/curves ristretto255', () => {
    const g = groupsUnderTest().find((x) => x.group.name === 'ristretto255')!.group;
    it('the verification equations and the challenge hash hold as documented', () => {
        const members = sortMembers(['h1', 'h2', 'h3', 'h4', 'h5']);
        const keys = members.map((m, i) => clientKey(g, seed(60 + i), epoch, members, m));
        const key = mcfeKeyDer(
            g,
            keys,
            members.map(() => 1n),
        );
        const slot = '2024-03-05T12:00:00Z';
        const lp = hashLabel(g, { ...epoch, slot });
        const xs = [5n, 17n, 0n, 999n, 42n];
        const cts = keys.map((k, i) =>
            new McfeEncryptor(g, k, { maxReading: 1000n }).encrypt(slot, xs[i]!),
        );
        const S = weightedCiphertextSum(g, key.members, key.weights, slot, cts);
        const m = 1063n;
        const K = keyCommitment(g, key.dk);
        const st = { label: { ...epoch, slot }, m, K, u: lp.u, S };
        const p = proveAggregate(g, key.dk, st);
        const P = (e: unknown) => noble.Point.fromBytes(g.encode(e));
        const G = noble.Point.BASE;
        const q = noble.Point.Fn.ORDER;
        const neg = (k: bigint) => (q - (k % q)) % q;
        const mul = (pt: typeof G, k: bigint) => (k === 0n ? noble.Point.ZERO : pt.multiply(k));
        const D = P(S).add(mul(G, neg(m)));
        const A1 = mul(G, p.z[0]).add(mul(P(K[0]), neg(p.c)));
        const A2 = mul(G, p.z[1]).add(mul(P(K[1]), neg(p.c)));
        const B = mul(P(lp.u[0]), p.z[0])
            .add(mul(P(lp.u[1]), p.z[1]))
            .add(mul(D, neg(p.c)));
        const parts = [
            'ristretto255',
            epoch.aggregate,
            epoch.channel,
            epoch.epoch,
            slot,
            m.toString(),
            ...[G, P(K[0]), P(K[1]), P(lp.u[0]), P(lp.u[1]), D, A1, A2, B].map((x) => x.toBytes()),
        ].map((x) => (typeof x === 'string' ? utf8ToBytes(x) : x));
        const h = tuplehash256xof(parts, {
            dkLen: 64,
            personalization: utf8ToBytes(LABELS.aggregateProofChallenge),
        });
        const c = BigInt('0x' + Buffer.from([...h].reverse()).toString('hex')) % q;
        assert.equal(c, p.c);
        // D = k1·u1 + k2·u2 and K = dk·G, independently
        assert.ok(D.equals(mul(P(lp.u[0]), key.dk[0]).add(mul(P(lp.u[1]), key.dk[1]))));
        assert.ok(P(K[0]).equals(mul(G, key.dk[0])));
    });
});
