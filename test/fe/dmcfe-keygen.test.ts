// SPDX-License-Identifier: Apache-2.0
/** Decentralised key generation: shares combine to dk_y only when complete; hostile share sets refused. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
    AggregateGuardError,
    BsgsTable,
    clientKey,
    combineKeyShares,
    DlogBoundError,
    functionDigest,
    innerProductBound,
    keyShare,
    KeyShareError,
    labelOf,
    McfeEncryptor,
    mcfeDecrypt,
    mcfeKeyDer,
    memberDhKey,
    sortMembers,
    type AggregateFunction,
    type KeyShare,
    type KeyShareProblem,
} from './exports.js';
import { groupsUnderTest, seed } from './helpers.js';

const epoch = { aggregate: 'substation-3', channel: '1-0:1.8.0', epoch: '2024-10' };

const problem =
    (p: KeyShareProblem, members?: readonly string[]) =>
    (e: unknown): boolean =>
        e instanceof KeyShareError &&
        e.code === 'FE_KEY_SHARE' &&
        e.problem === p &&
        (members === undefined || JSON.stringify(e.members) === JSON.stringify(members));

for (const { label, group: g, fast } of groupsUnderTest()) {
    if (!fast) continue;
    describe(`dmcfe key generation on ${label}`, () => {
        const n = 10;
        const members = sortMembers(Array.from({ length: n }, (_, i) => `hh-${i}`));
        const keys = members.map((m, i) => clientKey(g, seed(40 + i), epoch, members, m));
        const dh = members.map((m, i) => memberDhKey(g, seed(40 + i), epoch, m));
        const publics = dh.map((d) => d.pub);
        const fn: AggregateFunction = { epoch, members, weights: members.map(() => 1n) };
        const shares = members.map((_, i) => keyShare(g, fn, keys[i]!, dh[i]!.secret, publics));

        it('all shares combine to exactly Σ y_i·s_i, and the key decrypts the sum of a slot', () => {
            const dk = combineKeyShares(g, fn, shares);
            assert.deepEqual(dk, mcfeKeyDer(g, keys, fn.weights));
            const slot = '2024-10-05T12:00Z';
            const x = members.map((_, i) => BigInt(100 + i));
            const cts = keys.map((k, i) =>
                new McfeEncryptor(g, k, { maxReading: 1000n }).encrypt(slot, x[i]!),
            );
            const table = BsgsTable.build(g, 10);
            assert.equal(
                mcfeDecrypt(
                    g,
                    dk,
                    labelOf(epoch, slot),
                    cts,
                    table,
                    innerProductBound(fn.weights, 1000n),
                ),
                x.reduce((a, b) => a + b, 0n),
            );
            // order of shares does not matter; shares are deterministic (a resend is identical)
            assert.deepEqual(combineKeyShares(g, fn, [...shares].reverse()), dk);
            assert.deepEqual(
                keyShare(g, fn, keys[4]!, dh[4]!.secret, [...publics].reverse()),
                shares[4],
            );
        });

        it('each share is masked: it differs from y_i·s_i, and no strict subset sums to its part of dk', () => {
            shares.forEach((s, i) => {
                assert.notDeepEqual(s.d, keys[i]!.s);
            });
            const partial = keys
                .slice(0, n - 1)
                .reduce<[bigint, bigint]>(
                    (a, k) => [(a[0] + k.s[0]) % g.order, (a[1] + k.s[1]) % g.order],
                    [0n, 0n],
                );
            const sumPartial = shares
                .slice(0, n - 1)
                .reduce<[bigint, bigint]>(
                    (a, s) => [(a[0] + s.d[0]) % g.order, (a[1] + s.d[1]) % g.order],
                    [0n, 0n],
                );
            assert.notDeepEqual(sumPartial, partial);
        });

        it('a missing member: combine fails with "missing" naming it; a forced partial key decrypts nothing', () => {
            assert.throws(
                () => combineKeyShares(g, fn, shares.slice(1)),
                problem('missing', [members[0]!]),
            );
            assert.throws(() => combineKeyShares(g, fn, []), problem('missing', members));
            // the same shares presented as a key (bypassing combine): the masks do not cancel
            const q = g.order;
            const forced = shares
                .slice(1)
                .reduce<[bigint, bigint]>(
                    (a, s) => [(a[0] + s.d[0]) % q, (a[1] + s.d[1]) % q] as [bigint, bigint],
                    [0n, 0n],
                );
            const slot = 's';
            const cts = keys.map((k) =>
                new McfeEncryptor(g, k, { maxReading: 10n }).encrypt(slot, 1n),
            );
            assert.throws(
                () =>
                    mcfeDecrypt(
                        g,
                        { epoch, members, weights: fn.weights, dk: forced },
                        labelOf(epoch, slot),
                        cts,
                        BsgsTable.build(g, 8),
                        100n,
                    ),
                DlogBoundError,
            );
        });

        it('refuses duplicated shares, shares of non-members, other functions and other epochs', () => {
            assert.throws(
                () => combineKeyShares(g, fn, [...shares, shares[2]!]),
                problem('duplicate', [members[2]!]),
            );
            assert.throws(
                () => combineKeyShares(g, fn, [...shares, { ...shares[1]!, member: members[0]! }]),
                problem('duplicate', [members[0]!]),
            );
            assert.throws(
                () => combineKeyShares(g, fn, [...shares, { ...shares[0]!, member: 'stranger' }]),
                problem('unknown-member', ['stranger']),
            );
            assert.throws(
                () =>
                    combineKeyShares(g, fn, [
                        { ...shares[0]!, epoch: { ...epoch, epoch: '2024-11' } },
                        ...shares.slice(1),
                    ]),
                problem('foreign-epoch', [members[0]!]),
            );
            // a share made for a function over one more member
            const bigger = sortMembers([...members, 'hh-x']);
            const fn2: AggregateFunction = {
                epoch,
                members: bigger,
                weights: bigger.map(() => 1n),
            };
            const dhX = memberDhKey(g, seed(99), epoch, 'hh-x');
            // …which this household's key (bound to the roster `members`) refuses to make
            assert.throws(
                () => keyShare(g, fn2, keys[0]!, dh[0]!.secret, [...publics, dhX.pub]),
                problem('foreign-function', [members[0]!]),
            );
            const key2 = clientKey(g, seed(40), epoch, bigger, members[0]!);
            const share2 = keyShare(g, fn2, key2, dh[0]!.secret, [...publics, dhX.pub]);
            assert.notDeepEqual(share2.fn, shares[0]!.fn);
            assert.throws(
                () => combineKeyShares(g, fn, [share2, ...shares.slice(1)]),
                problem('foreign-function', [members[0]!]),
            );
            // a share with the right header but a digest of nothing
            const bogus: KeyShare = { ...shares[0]!, fn: new Uint8Array(32) };
            assert.throws(
                () => combineKeyShares(g, fn, [bogus, ...shares.slice(1)]),
                problem('foreign-function'),
            );
            // same members, another epoch: other digest
            assert.notDeepEqual(
                functionDigest(g, { ...fn, epoch: { ...epoch, epoch: '2024-11' } }),
                functionDigest(g, fn),
            );
        });

        it('a household refuses to contribute to an isolating function or with bad public keys', () => {
            const scaled = { ...fn, weights: fn.weights.map((w, i) => (i === 3 ? 1000n : w)) };
            assert.throws(
                () => keyShare(g, scaled, keys[0]!, dh[0]!.secret, publics),
                AggregateGuardError,
            );
            const leaveOut = { ...fn, weights: fn.weights.map((w, i) => (i === 3 ? 0n : w)) };
            assert.throws(
                () => keyShare(g, leaveOut, keys[0]!, dh[0]!.secret, publics),
                AggregateGuardError,
            );
            const small = { ...fn, members: members.slice(0, 4), weights: [1n, 1n, 1n, 1n] };
            assert.throws(
                () => keyShare(g, small, keys[0]!, dh[0]!.secret, publics),
                AggregateGuardError,
            );
            // with a configured minimum of 5 a 5-member sum is fine, 4 never
            const five = { ...fn, members: members.slice(0, 5), weights: [1n, 1n, 1n, 1n, 1n] };
            keyShare(
                g,
                five,
                clientKey(g, seed(40), epoch, five.members, members[0]!),
                dh[0]!.secret,
                publics,
                { minMembers: 5 },
            );
            assert.throws(
                () => keyShare(g, small, keys[0]!, dh[0]!.secret, publics, { minMembers: 4 }),
                /≥ 5/,
            );
            // not a member
            const outsider = clientKey(
                g,
                seed(77),
                epoch,
                sortMembers([...members, 'hh-z']),
                'hh-z',
            );
            const outsiderDh = memberDhKey(g, seed(77), epoch, 'hh-z');
            assert.throws(
                () => keyShare(g, fn, outsider, outsiderDh.secret, publics),
                problem('foreign-function', ['hh-z']),
            );
            assert.throws(
                () =>
                    keyShare(
                        g,
                        fn,
                        { ...outsider, roster: keys[0]!.roster },
                        outsiderDh.secret,
                        publics,
                    ),
                problem('unknown-member', ['hh-z']),
            );
            // a member's DH key missing, duplicated, of another epoch, or ours replaced
            assert.throws(
                () => keyShare(g, fn, keys[0]!, dh[0]!.secret, publics.slice(0, -1)),
                problem('missing', [members[n - 1]!]),
            );
            assert.throws(
                () =>
                    keyShare(g, fn, keys[0]!, dh[0]!.secret, [
                        ...publics,
                        { ...publics[5]!, P: publics[6]!.P },
                    ]),
                problem('public-key', [members[5]!]),
            );
            const stale = memberDhKey(g, seed(45), { ...epoch, epoch: '2024-09' }, members[5]!).pub;
            assert.throws(
                () =>
                    keyShare(
                        g,
                        fn,
                        keys[0]!,
                        dh[0]!.secret,
                        publics.map((p, i) => (i === 5 ? stale : p)),
                    ),
                problem('public-key', [members[5]!]),
            );
            const replaced = publics.map((p, i) => (i === 0 ? { ...p, P: publics[1]!.P } : p));
            assert.throws(
                () => keyShare(g, fn, keys[0]!, dh[0]!.secret, replaced),
                problem('public-key', [members[0]!]),
            );
            const ident = publics.map((p, i) => (i === 2 ? { ...p, P: g.identity } : p));
            assert.throws(
                () => keyShare(g, fn, keys[0]!, dh[0]!.secret, ident),
                problem('public-key'),
            );
            // keys of another epoch
            const oldKey = clientKey(
                g,
                seed(40),
                { ...epoch, epoch: '2024-09' },
                members,
                members[0]!,
            );
            assert.throws(
                () => keyShare(g, fn, oldKey, dh[0]!.secret, publics),
                problem('foreign-epoch'),
            );
        });
    });
}
