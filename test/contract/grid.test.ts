// SPDX-License-Identifier: Apache-2.0
/**
 * Grid aggregation group rules on the in-memory context (`./memory.ts`): a property test drives
 * random sequences of group registrations — changed groups, overlapping groups, re-registrations,
 * several epochs and channels — and checks that what the ledger accepted can never be differenced
 * to isolate a household: per channel and epoch the registered groups are pairwise disjoint, each
 * has at least its minimum of households, and a registered group never changes.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { ContractError } from '../../src/contract/index.js';
import type { AggregationGroup } from '../../src/contract/grid/index.js';
import { MemoryLedger } from './memory.js';

const OP = { mspId: 'OperatorMSP', id: 'memory::operator' };
const GRID = { mspId: 'OperatorMSP', id: 'memory::grid' };
const METERS = 14;
const CHANNELS = ['1-0:1.8.0', '1-0:2.8.0'];
const EPOCHS = ['2024-03', '2024-04'];

async function world(): Promise<MemoryLedger> {
    const l = new MemoryLedger();
    const submit = (who: typeof OP, tx: string, body: unknown) =>
        l.call(who, tx, [JSON.stringify(body)], true);
    await submit(OP, 'Bootstrap', { id: 'operator', name: 'Operator' });
    await submit(OP, 'RegisterParty', {
        id: 'grid',
        role: 'gridOperator',
        name: 'Grid',
        identity: GRID,
        hpkePublicKey: '33'.repeat(32),
    });
    for (let i = 0; i < METERS; i++) {
        await submit(OP, 'RegisterParty', {
            id: `c${i}`,
            role: 'customer',
            name: `c${i}`,
            identity: { mspId: 'CustomersMSP', id: `memory::c${i}` },
        });
        await submit(OP, 'RegisterMeter', {
            id: `m${String(i).padStart(2, '0')}`,
            // meters 12 and 13 share the owner of meter 0: one household, two meters
            owner: i >= 12 ? 'c0' : `c${i}`,
            identity: { mspId: 'CustomersMSP', id: `memory::m${i}` },
            signingKey: bytesToHex(ed25519.getPublicKey(new Uint8Array(32).fill(i + 1))),
            channels: CHANNELS.map((id) => ({ id, unit: 'Wh', medium: 'electricity' })),
            maxPerSlot: 20_000,
            software: { id: 'm/1', digest: '22'.repeat(32) },
        });
    }
    return l;
}

const attempt = fc.record({
    id: fc.constantFrom('g1', 'g2', 'g3', 'g4'),
    channel: fc.constantFrom(...CHANNELS),
    epoch: fc.constantFrom(...EPOCHS),
    members: fc.uniqueArray(fc.integer({ min: 0, max: METERS - 1 }), {
        minLength: 4,
        maxLength: METERS,
    }),
    minMembers: fc.option(fc.integer({ min: 3, max: 8 }), { nil: undefined }),
});

describe('grid aggregation groups (contract)', () => {
    it('no sequence of registrations lets two groups of a channel and epoch share a household', async () => {
        await fc.assert(
            fc.asyncProperty(fc.array(attempt, { minLength: 1, maxLength: 10 }), async (tries) => {
                const l = await world();
                const accepted = new Map<string, AggregationGroup>();
                for (const t of tries) {
                    const body = {
                        id: t.id,
                        channel: t.channel,
                        epoch: t.epoch,
                        members: t.members.map((i) => `m${String(i).padStart(2, '0')}`),
                        ...(t.minMembers === undefined ? {} : { minMembers: t.minMembers }),
                    };
                    try {
                        const r = await l.call(
                            GRID,
                            'RegisterAggregationGroup',
                            [JSON.stringify(body)],
                            true,
                        );
                        const g = JSON.parse(r.result) as AggregationGroup;
                        accepted.set(`${g.id}|${g.channel}|${g.epoch}`, g);
                    } catch (e) {
                        assert.ok(e instanceof ContractError, String(e));
                        assert.ok(['GUARD', 'EXISTS', 'BAD_REQUEST'].includes(e.code), e.message);
                    }
                }
                const listed = JSON.parse(
                    (await l.call(GRID, 'ListAggregationGroups', [], false)).result,
                ) as AggregationGroup[];
                assert.equal(listed.length, accepted.size);
                for (const g of listed) {
                    // write-once: what is listed is what was accepted first
                    assert.deepEqual(g, accepted.get(`${g.id}|${g.channel}|${g.epoch}`));
                    assert.ok(g.minMembers >= 5);
                    assert.ok(g.households >= g.minMembers);
                    for (const o of listed)
                        if (o !== g && o.channel === g.channel && o.epoch === g.epoch)
                            assert.ok(
                                g.members.every((m) => !o.members.includes(m)),
                                `${g.id} and ${o.id} share a member`,
                            );
                }
            }),
            { numRuns: 40 },
        );
    });

    it('households, not meters, count towards the minimum', async () => {
        const l = await world();
        // 10 meters of 8 households (m00, m12, m13 belong to c0)
        const body = {
            id: 'g',
            channel: CHANNELS[0],
            epoch: EPOCHS[0],
            members: ['m00', 'm01', 'm02', 'm03', 'm04', 'm05', 'm06', 'm07', 'm12', 'm13'],
        };
        await assert.rejects(
            l.call(GRID, 'RegisterAggregationGroup', [JSON.stringify(body)], true),
            (e: unknown) =>
                e instanceof ContractError &&
                e.code === 'GUARD' &&
                e.message.includes('8 households'),
        );
    });
});
