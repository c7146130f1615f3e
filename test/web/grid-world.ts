// SPDX-License-Identifier: Apache-2.0
/**
 * A small grid world for the dashboard test, on a world's engine: a grid operator and five
 * households (the floor of a group) in group feeder-1 for PERIOD, whose meters encrypt slots 0..7
 * only — gmeter-4 holds back slot 3, so that slot is missing — aggregated and posted with proofs;
 * and group feeder-2 for NEXT, blocked by one household's refusal. Returns the plaintext sums the
 * dashboard must show, computed here from the values the meters encrypted.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { HouseholdAggregation } from '../../src/roles/customer/aggregation.js';
import { Wallet } from '../../src/roles/customer/wallet.js';
import { GridApi, type GroupEpochRef } from '../../src/roles/grid/api.js';
import { GridOperator } from '../../src/roles/grid/grid-operator.js';
import { hpkeKeyPair } from '../../src/roles/hpke.js';
import { MeterAggregation } from '../../src/roles/meter/aggregate.js';
import { CHANNEL, derive, NEXT, PERIOD, registerHousehold, type World } from '../e2e/world.js';

export interface GridFixture {
    readonly complete: GroupEpochRef;
    readonly blocked: GroupEpochRef;
    /** Plaintext sum of every slot whose ciphertexts are all on the ledger (posted). */
    readonly sums: ReadonlyMap<number, bigint>;
    /** Slots encrypted by some but not all members. */
    readonly partial: readonly number[];
    readonly members: number;
}

const HOMES = 5;
const SLOTS = 8;
const HELD_BACK = { meter: 'gmeter-4', slot: 3 };

/** A household's value of a slot: deterministic, 0..699 Wh. */
const valueOf = (meterId: string, slot: number): bigint => {
    const s = sha256(utf8ToBytes(`grid-web/${meterId}/${slot}`));
    return BigInt((s[0]! * 256 + s[1]!) % 700);
};

export async function makeGridWorld(w: World): Promise<GridFixture> {
    const operator = w.operator.api;
    const opParty = await w.engine.connect('grid-op', 'operator');
    const hpke = await hpkeKeyPair(derive('grid-op/hpke'));
    await operator.registerParty({
        id: 'grid-op',
        role: 'gridOperator',
        name: 'Grid operator',
        identity: opParty.identity,
        hpkePublicKey: hpke.publicKeyHex,
    });
    const op = new GridOperator({
        api: opParty.api,
        grid: new GridApi(opParty.api.client),
        partyId: 'grid-op',
        hpke,
        dlog: w.dlog,
    });
    const homes: { meterId: string; household: HouseholdAggregation; meter: MeterAggregation }[] =
        [];
    for (let i = 0; i < HOMES; i++) {
        const id = `gcust-${i}`;
        const meterId = `gmeter-${i}`;
        const { party, meterParty, signingSecret } = await registerHousehold(
            w.engine,
            w.operator,
            id,
            meterId,
        );
        homes.push({
            meterId,
            household: new HouseholdAggregation({
                api: party.api,
                grid: new GridApi(party.api.client),
                partyId: id,
                wallet: Wallet.fromSeed(derive(`${id}/root`)),
                minMembers: HOMES,
            }),
            meter: new MeterAggregation({
                api: meterParty.api,
                grid: new GridApi(meterParty.api.client),
                meterId,
                signingSecret,
            }),
        });
    }
    const members = homes.map((h) => h.meterId);
    const complete = { group: 'feeder-1', channel: CHANNEL, epoch: PERIOD };
    const blocked = { group: 'feeder-2', channel: CHANNEL, epoch: NEXT };
    for (const ref of [complete, blocked])
        await op.registerGroup({
            id: ref.group,
            channel: CHANNEL,
            epoch: ref.epoch,
            members,
            minMembers: HOMES,
        });
    // every member's DH key is on the ledger before any client key or share is made
    for (const h of homes) {
        await h.household.consent(complete, h.meterId);
        // feeder-2: the first household refuses, the others consent
        if (h === homes[0]) await h.household.refuse(blocked, h.meterId, 'not this month');
        else await h.household.consent(blocked, h.meterId);
    }
    for (const h of homes) {
        await h.meter.join(complete, await h.household.clientKey(complete, h.meterId));
        const held = (slot: number): boolean =>
            h.meterId === HELD_BACK.meter && slot === HELD_BACK.slot;
        h.meter.record(
            complete,
            Array.from({ length: SLOTS }, (_, slot) => ({
                slot,
                value: valueOf(h.meterId, slot),
            })).filter((r) => !held(r.slot)),
        );
        await h.meter.flush();
        await h.household.publishShare(complete, h.meterId);
    }
    const run = await op.aggregate(complete);
    const sums = new Map<number, bigint>();
    for (let slot = 0; slot < SLOTS; slot++)
        if (slot !== HELD_BACK.slot)
            sums.set(
                slot,
                members.reduce((s, m) => s + valueOf(m, slot), 0n),
            );
    if (run.posted.length !== sums.size)
        throw new Error(
            `expected ${sums.size} posted slots, the grid operator posted ${run.posted.length}`,
        );
    return { complete, blocked, sums, partial: [HELD_BACK.slot], members: HOMES };
}
