// SPDX-License-Identifier: Apache-2.0
/** Serialization of grid-aggregate objects: round trips and hostile bytes. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
    clientKey,
    combineKeyShares,
    decodeKeyShare,
    decodeMcfeCiphertext,
    decodeMcfeFunctionalKey,
    decodeMemberPublicKey,
    DecodeError,
    encodeKeyShare,
    encodeMcfeCiphertext,
    encodeMcfeFunctionalKey,
    encodeMemberPublicKey,
    keyShare,
    labelOf,
    McfeEncryptor,
    memberDhKey,
    sortMembers,
} from './exports.js';
import { assertRejectsTruncations, groupsUnderTest, seed } from './helpers.js';

const epoch = { aggregate: 'feeder-1', channel: '1-0:2.8.0', epoch: '2025-01' };

for (const { label, group: g } of groupsUnderTest().filter((x) => x.fast)) {
    describe(`mcfe codec on ${label}`, () => {
        const members = sortMembers(Array.from({ length: 10 }, (_, i) => `m${i}`));
        const keys = members.map((m, i) => clientKey(g, seed(60 + i), epoch, members, m));
        const dh = members.map((m, i) => memberDhKey(g, seed(60 + i), epoch, m));
        const fn = { epoch, members, weights: members.map(() => 1n) };
        const shares = keys.map((k, i) =>
            keyShare(
                g,
                fn,
                k,
                dh[i]!.secret,
                dh.map((d) => d.pub),
            ),
        );
        const dk = combineKeyShares(g, fn, shares);
        const slot = '2025-01-01T00:00Z';
        const ct = {
            label: labelOf(epoch, slot),
            member: members[0]!,
            c: new McfeEncryptor(g, keys[0]!, { maxReading: 10n }).encrypt(slot, 3n),
        };
        const objs = [
            [
                'ciphertext',
                encodeMcfeCiphertext(g, ct),
                (b: Uint8Array) => decodeMcfeCiphertext(g, b),
            ],
            [
                'dhkey',
                encodeMemberPublicKey(g, dh[0]!.pub),
                (b: Uint8Array) => decodeMemberPublicKey(g, b),
            ],
            ['share', encodeKeyShare(g, shares[0]!), (b: Uint8Array) => decodeKeyShare(g, b)],
            [
                'dk',
                encodeMcfeFunctionalKey(g, dk),
                (b: Uint8Array) => decodeMcfeFunctionalKey(g, b),
            ],
        ] as const;

        it('round-trips byte-exactly', () => {
            const c2 = decodeMcfeCiphertext(g, objs[0][1]);
            assert.deepEqual(c2.label, ct.label);
            assert.equal(c2.member, ct.member);
            assert.ok(g.equals(c2.c, ct.c));
            assert.deepEqual(encodeMcfeCiphertext(g, c2), objs[0][1]);
            const p2 = decodeMemberPublicKey(g, objs[1][1]);
            assert.ok(g.equals(p2.P, dh[0]!.pub.P));
            assert.deepEqual(encodeMemberPublicKey(g, p2), objs[1][1]);
            assert.deepEqual(decodeKeyShare(g, objs[2][1]), shares[0]);
            assert.deepEqual(decodeMcfeFunctionalKey(g, objs[3][1]), dk);
        });
        it('rejects every truncation, trailing bytes, wrong magic/version/group', () => {
            for (const [name, bytes, decode] of objs) {
                assertRejectsTruncations(name, bytes, decode);
                for (const [i, v, re] of [
                    [0, 0x58, /magic/],
                    [4, 2, /version/],
                    [5, 0x7f, /group/],
                ] as const) {
                    const b = bytes.slice();
                    b[i] = v;
                    assert.throws(() => decode(b), re, name);
                }
                // every decode of another object's bytes fails
                for (const [other, ob] of objs)
                    if (other !== name) assert.throws(() => decode(ob), DecodeError);
            }
        });
        it('rejects invalid, non-canonical and identity elements', () => {
            const E = g.elementBytes;
            for (const [name, bytes, decode] of [objs[0], objs[1]]) {
                const at = bytes.length - E;
                const ident = bytes.slice();
                ident.set(g.encode(g.identity), at);
                assert.throws(() => decode(ident), /identity/, name);
                const junk = bytes.slice();
                junk.fill(0xff, at);
                assert.throws(() => decode(junk), DecodeError, name);
                if (g.name === 'ristretto255') {
                    // odd (negative) field element: never canonical in ristretto255
                    const odd = bytes.slice();
                    odd[at] = odd[at]! | 1;
                    if (odd[at] !== bytes[at]) assert.throws(() => decode(odd), /canonical/);
                }
            }
        });
        it('rejects non-canonical scalars, bad ids, unordered or duplicated members, bad weights', () => {
            const S = g.scalarBytes;
            const share = objs[2][1];
            const big = share.slice();
            big.fill(0xff, share.length - S);
            assert.throws(() => decodeKeyShare(g, big), /d2/);
            // id length 0 and > 128
            const ctb = objs[0][1];
            const zero = ctb.slice();
            zero[6] = 0;
            zero[7] = 0;
            assert.throws(() => decodeMcfeCiphertext(g, zero), /length 0/);
            const huge = ctb.slice();
            huge[6] = 0;
            huge[7] = 200;
            assert.throws(() => decodeMcfeCiphertext(g, huge), /length 200/);
            // invalid UTF-8 in the aggregate id
            const utf = ctb.slice();
            utf[8] = 0xc3;
            assert.throws(() => decodeMcfeCiphertext(g, utf), /UTF-8/);
            // dk with members out of order / duplicated, weight out of range, member count 0
            const swapped = { ...dk, members: [...dk.members].reverse() };
            assert.throws(
                () => decodeMcfeFunctionalKey(g, encodeMcfeFunctionalKey(g, swapped)),
                /ascending/,
            );
            const dup = {
                ...dk,
                members: dk.members.map((m, i) => (i === 1 ? dk.members[0]! : m)),
            };
            assert.throws(
                () => decodeMcfeFunctionalKey(g, encodeMcfeFunctionalKey(g, dup)),
                DecodeError,
            );
            const w = encodeMcfeFunctionalKey(g, {
                ...dk,
                weights: dk.weights.map(() => 1n << 50n),
            });
            assert.throws(() => decodeMcfeFunctionalKey(g, w), /weight/);
            const dkb = objs[3][1];
            const n0 = dkb.slice();
            const nAt =
                6 + 3 * 2 + epoch.aggregate.length + epoch.channel.length + epoch.epoch.length;
            n0.set([0, 0, 0, 0], nAt);
            assert.throws(() => decodeMcfeFunctionalKey(g, n0), /member count 0/);
            n0.set([0xff, 0xff, 0xff, 0xff], nAt);
            assert.throws(() => decodeMcfeFunctionalKey(g, n0), /member count/);
            // encoders refuse malformed objects instead of writing them
            assert.throws(
                () => encodeKeyShare(g, { ...shares[0]!, fn: new Uint8Array(31) }),
                DecodeError,
            );
            assert.throws(() => encodeMcfeCiphertext(g, { ...ct, member: '\ud800' }), DecodeError);
        });
    });
}
