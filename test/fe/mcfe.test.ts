// SPDX-License-Identifier: Apache-2.0
/** Multi-client FE with labels on every fast group: correctness, binding to labels/epochs/keys, missing ciphertexts. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
    BsgsTable,
    clientKey,
    DlogBoundError,
    hashLabel,
    hashToGroup,
    IncompleteAggregateError,
    innerProductBound,
    labelOf,
    McfeEncryptor,
    mcfeDecrypt,
    mcfeKeyDer,
    pad,
    RangeCheckError,
    sortMembers,
    checkMembers,
} from './exports.js';
import { groupsUnderTest, seed } from './helpers.js';

const epoch = { aggregate: 'feeder-7', channel: '1-0:1.8.0', epoch: '2024-10' };
const B = 400n;

for (const { label, group: g, fast } of groupsUnderTest()) {
    if (!fast) continue;
    describe(`mcfe on ${label}`, () => {
        const n = 6;
        const members = sortMembers(Array.from({ length: n }, (_, i) => `meter-${i}`));
        const keys = members.map((m, i) => clientKey(g, seed(10 + i), epoch, members, m));
        const slots = ['2024-10-01T00:00Z', '2024-10-01T00:15Z', '2024-10-01T00:30Z'];
        const table = BsgsTable.build(g, 10);

        it('Dec(dk_y, c_1..c_n) = Σ y_i·x_i per label, for random x and y (negative weights included)', () => {
            const encs = keys.map((k) => new McfeEncryptor(g, k, { maxReading: B }));
            encs[0]!.precompute(slots);
            fc.assert(
                fc.property(
                    fc.array(fc.bigInt({ min: 0n, max: B }), { minLength: n, maxLength: n }),
                    fc.array(fc.bigInt({ min: -5n, max: 5n }), { minLength: n, maxLength: n }),
                    fc.constantFrom(...slots),
                    (x, y, slot) => {
                        const cts = encs.map((e, i) => e.encrypt(slot, x[i]!));
                        const dk = mcfeKeyDer(g, keys, y);
                        const m = mcfeDecrypt(
                            g,
                            dk,
                            labelOf(epoch, slot),
                            cts,
                            table,
                            innerProductBound(y, B),
                        );
                        assert.equal(
                            m,
                            x.reduce((s, xi, i) => s + xi * y[i]!, 0n),
                        );
                    },
                ),
                { numRuns: 6 },
            );
        });

        it('precomputed pads equal on-the-fly ones; encryption is deterministic (idempotent resend)', () => {
            const a = new McfeEncryptor(g, keys[1]!, { maxReading: B });
            const b = new McfeEncryptor(g, keys[1]!, { maxReading: B });
            a.precompute([...slots, slots[0]!]);
            assert.equal(a.precomputed, slots.length);
            for (const s of slots)
                assert.deepEqual(g.encode(a.encrypt(s, 17n)), g.encode(b.encrypt(s, 17n)));
            const lp = hashLabel(g, labelOf(epoch, slots[2]!));
            assert.ok(g.equals(b.encrypt(slots[2]!, 0n), pad(g, keys[1]!, lp)));
        });

        it('labels hash to distinct, non-identity points; u1 != u2', () => {
            const seen = new Set<string>();
            for (const s of slots) {
                const lp = hashLabel(g, labelOf(epoch, s));
                for (const u of lp.u) {
                    assert.ok(!g.isIdentity(u));
                    seen.add(Buffer.from(g.encode(u)).toString('hex'));
                }
            }
            const other = hashLabel(g, { ...epoch, epoch: '2024-11', slot: slots[0]! });
            seen.add(Buffer.from(g.encode(other.u[0])).toString('hex'));
            assert.equal(seen.size, 2 * slots.length + 1);
            assert.throws(() => hashToGroup(g, '', new Uint8Array(1)), RangeCheckError);
        });

        it('a key decrypts only its own epoch and labels; a wrong key never gives a number', () => {
            const y = members.map(() => 1n);
            const x = members.map((_, i) => BigInt(i * 10));
            const slot = slots[0]!;
            const cts = keys.map((k, i) =>
                new McfeEncryptor(g, k, { maxReading: B }).encrypt(slot, x[i]!),
            );
            const dk = mcfeKeyDer(g, keys, y);
            const bound = innerProductBound(y, B);
            assert.equal(mcfeDecrypt(g, dk, labelOf(epoch, slot), cts, table, bound), 150n);
            // ciphertexts of slot 0 decrypted as slot 1: the pads do not cancel
            assert.throws(
                () => mcfeDecrypt(g, dk, labelOf(epoch, slots[1]!), cts, table, bound),
                DlogBoundError,
            );
            // a label of another epoch is refused outright
            assert.throws(
                () => mcfeDecrypt(g, dk, { ...epoch, epoch: '2024-11', slot }, cts, table, bound),
                RangeCheckError,
            );
            // keys of the next epoch (same households) do not open this epoch's ciphertexts
            const next = { ...epoch, epoch: '2024-11' };
            const keysNext = members.map((m, i) => clientKey(g, seed(10 + i), next, members, m));
            const dkNext = mcfeKeyDer(g, keysNext, y);
            assert.throws(
                () => mcfeDecrypt(g, { ...dkNext, epoch }, labelOf(epoch, slot), cts, table, bound),
                DlogBoundError,
            );
            // the isolation attack on a re-registered roster without the last member: keys are
            // bound to their roster, so dk_S − dk_{S∖{j}} is not s_j and opens nothing of j
            const roster2 = members.slice(0, -1);
            const keys2 = roster2.map((m, i) => clientKey(g, seed(10 + i), epoch, roster2, m));
            const dkSub = mcfeKeyDer(
                g,
                keys2,
                roster2.map(() => 1n),
            );
            const q = g.order;
            const diff = {
                epoch,
                members: [members[n - 1]!],
                weights: [1n],
                dk: [(dk.dk[0] - dkSub.dk[0] + q) % q, (dk.dk[1] - dkSub.dk[1] + q) % q] as [
                    bigint,
                    bigint,
                ],
            };
            assert.throws(
                () => mcfeDecrypt(g, diff, labelOf(epoch, slot), [cts[n - 1]!], table, B),
                DlogBoundError,
            );
            assert.throws(
                () => mcfeKeyDer(g, [...keys2.slice(0, 2), keys[2]!], [1n, 1n, 1n]),
                RangeCheckError,
            );
            assert.throws(
                () => clientKey(g, seed(1), epoch, roster2, members[n - 1]!),
                RangeCheckError,
            );
            // a key for other weights, used with these weights
            const dk2 = mcfeKeyDer(
                g,
                keys,
                y.map((v, i) => (i === 0 ? 2n : v)),
            );
            assert.throws(
                () =>
                    mcfeDecrypt(g, { ...dk2, weights: y }, labelOf(epoch, slot), cts, table, bound),
                DlogBoundError,
            );
            // a ciphertext of another member swapped in
            const swapped = [cts[1]!, cts[1]!, ...cts.slice(2)];
            assert.throws(
                () => mcfeDecrypt(g, dk, labelOf(epoch, slot), swapped, table, bound),
                DlogBoundError,
            );
        });

        it('a missing ciphertext makes the slot undecryptable with a typed error naming the member', () => {
            const y = members.map(() => 1n);
            const slot = slots[1]!;
            const cts: unknown[] = keys.map((k) =>
                new McfeEncryptor(g, k, { maxReading: B }).encrypt(slot, 1n),
            );
            cts[3] = undefined;
            const dk = mcfeKeyDer(g, keys, y);
            assert.throws(
                () => mcfeDecrypt(g, dk, labelOf(epoch, slot), cts, table, 100n),
                (e: unknown) =>
                    e instanceof IncompleteAggregateError &&
                    e.code === 'FE_MCFE_INCOMPLETE' &&
                    e.missing.length === 1 &&
                    e.missing[0] === members[3],
            );
            assert.throws(
                () => mcfeDecrypt(g, dk, labelOf(epoch, slot), cts.slice(1), table, 100n),
                RangeCheckError,
            );
        });

        it('refuses readings out of range, bad ids, unordered or duplicate members', () => {
            const e = new McfeEncryptor(g, keys[0]!, { maxReading: B });
            assert.throws(() => e.encrypt(slots[0]!, B + 1n), RangeCheckError);
            assert.throws(() => e.encrypt(slots[0]!, -1n), RangeCheckError);
            assert.throws(() => e.encrypt('', 1n), RangeCheckError);
            assert.throws(() => clientKey(g, seed(1), epoch, members, '\ud800'), RangeCheckError);
            assert.throws(
                () =>
                    clientKey(
                        g,
                        seed(1),
                        { ...epoch, channel: 'x'.repeat(129) },
                        members,
                        members[0]!,
                    ),
                RangeCheckError,
            );
            assert.throws(() => {
                checkMembers(['b', 'a']);
            }, RangeCheckError);
            assert.throws(() => {
                checkMembers(['a', 'a']);
            }, /duplicate/);
            assert.throws(() => mcfeKeyDer(g, [keys[1]!, keys[0]!], [1n, 1n]), RangeCheckError);
            assert.throws(
                () =>
                    mcfeKeyDer(
                        g,
                        [
                            keys[0]!,
                            clientKey(g, seed(1), { ...epoch, epoch: 'x' }, members, members[1]!),
                        ],
                        [1n, 1n],
                    ),
                RangeCheckError,
            );
        });
    });
}
