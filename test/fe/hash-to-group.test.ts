// SPDX-License-Identifier: Apache-2.0
/** Hash to the group: the native path equals noble's hash_to_ristretto255; ffdhe lands in the subgroup. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ristretto255_hasher } from '@noble/curves/ed25519.js';
import fc from 'fast-check';
import { hashToGroup, makeRistretto255, RangeCheckError } from './exports.js';
import { loadNative } from '../../src/fe/native.js';
import { groupsUnderTest, hex } from './helpers.js';

describe('hashToGroup', () => {
    it('ristretto255 on every backend equals @noble/curves hash_to_ristretto255 with the same DST', (t) => {
        const groups = [makeRistretto255('noble')];
        if (loadNative() === undefined) t.diagnostic('native addon not built: noble only');
        else groups.push(makeRistretto255('native'));
        fc.assert(
            fc.property(
                fc.uint8Array({ maxLength: 200 }),
                fc.constantFrom('a', 'femeter/v1/mcfe/label/u2'),
                (msg, dst) => {
                    const want = hex(ristretto255_hasher.hashToCurve(msg, { DST: dst }).toBytes());
                    for (const g of groups)
                        assert.equal(hex(g.encode(hashToGroup(g, dst, msg))), want);
                },
            ),
            { numRuns: 60 },
        );
    });
    it('the native element derivation refuses input that is not n×64 bytes', (t) => {
        const nat = loadNative();
        if (nat === undefined) {
            t.skip('native addon not built');
            return;
        }
        assert.throws(() => nat.fromUniformBytesMany(new Uint8Array(63)), /multiple of 64/);
        assert.throws(
            () => nat.fromUniformBytesMany('x' as unknown as Uint8Array),
            /must be a Uint8Array/,
        );
        assert.equal(nat.fromUniformBytesMany(new Uint8Array(0)).length, 0);
        assert.equal(nat.fromUniformBytesMany(new Uint8Array(128)).length, 64);
    });
    for (const { label, group: g } of groupsUnderTest().filter((x) => x.fast))
        it(`${label}: deterministic, domain-separated, valid non-identity elements`, () => {
            const m = new TextEncoder().encode('label');
            const a = hashToGroup(g, 'dst-1', m);
            assert.ok(g.equals(a, hashToGroup(g, 'dst-1', m)));
            assert.ok(!g.equals(a, hashToGroup(g, 'dst-2', m)));
            assert.ok(!g.equals(a, hashToGroup(g, 'dst-1', new Uint8Array(0))));
            assert.ok(!g.isIdentity(a));
            // re-decoding the encoding validates membership (ffdhe: a quadratic residue)
            assert.ok(g.equals(g.decode(g.encode(a), 'a'), a));
            assert.throws(() => hashToGroup(g, '', m), RangeCheckError);
            assert.throws(() => hashToGroup(g, 'x'.repeat(256), m), RangeCheckError);
        });
});
