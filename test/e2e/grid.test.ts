// SPDX-License-Identifier: Apache-2.0
/**
 * Grid aggregates end to end (issue 14) on the engine FEMETER_E2E_ENGINE names (embedded by
 * default): 20 households in two groups for a month, every slot's posted aggregate equal to the
 * plaintext sum and verified by the auditor; a refusal blocks its group's key; attempts to isolate
 * a household, non-member and duplicate ciphertexts, missing shares, wrong proofs and wrong roles
 * are refused. Everything goes through the roles, GridApi and FemeterApi.
 */
import '../ledger/fixtures/quiet.js';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Engine, Participant } from '../../src/apps/engines.js';
import { dlogSolvers } from '../../src/apps/demo/demo.js';
import { aggregateLabeler } from '../../src/contract/grid/index.js';
import { contractErrorCode } from '../../src/contract/index.js';
import { periodSlots } from '../../src/contract/tariff/index.js';
import {
    encodeAggregateProof,
    keyCommitment,
    proveAggregate,
} from '../../src/fe/aggregate-proof.js';
import { groupByName, type AnyGroup } from '../../src/fe/groups.js';
import type { DlogSolver } from '../../src/fe/ipfe.js';
import { hashLabel, mcfeDecrypt, weightedCiphertextSum } from '../../src/fe/mcfe.js';
import { checkAggregates } from '../../src/roles/auditor/aggregates.js';
import { HouseholdAggregation } from '../../src/roles/customer/aggregation.js';
import { Wallet } from '../../src/roles/customer/wallet.js';
import { GuardRefusedError, RoleError } from '../../src/roles/errors.js';
import { GridApi, type GroupEpochRef } from '../../src/roles/grid/api.js';
import { GridOperator } from '../../src/roles/grid/grid-operator.js';
import { MeterAggregation } from '../../src/roles/meter/aggregate.js';
import {
    CHANNEL,
    derive,
    MAX,
    openEngine,
    registerHousehold,
    registerKeyedParty,
} from './world.js';

const EPOCH = '2024-03';
/** The generator, hex: a well-formed commitment point. */
const G = bytesToHex(groupByName('ristretto255').encode(groupByName('ristretto255').generator));
const LATER = '2024-04';
const code = (e: unknown): string | undefined =>
    contractErrorCode(e instanceof Error ? e.message : String(e));
const refused = async (p: Promise<unknown>, c: string): Promise<void> => {
    await assert.rejects(p, (e: unknown) => {
        assert.equal(code(e), c, String(e));
        return true;
    });
};

interface Home {
    readonly id: string;
    readonly meterId: string;
    readonly party: Participant;
    readonly meterParty: Participant;
    readonly household: HouseholdAggregation;
    readonly meter: MeterAggregation;
    readonly grid: GridApi;
    readonly meterGrid: GridApi;
}

/** A household's value of a slot: deterministic, 0..699. */
const valueOf = (meterId: string, slot: number): bigint => {
    const s = sha256(utf8ToBytes(`${meterId}/${slot}`));
    return BigInt((s[0]! * 256 + s[1]!) % 700);
};

describe('grid aggregates across households', () => {
    let dir: string;
    let engine: Engine;
    let homes: Home[];
    let op: GridOperator;
    let opGrid: GridApi;
    let op2Grid: GridApi;
    let auditorGrid: GridApi;
    let dlog: (g: AnyGroup) => DlogSolver<unknown>;
    const slots = periodSlots(EPOCH, 'Europe/Berlin', 15).slotCount;
    const A: GroupEpochRef = { group: 'feeder-a', channel: CHANNEL, epoch: EPOCH };
    const B: GroupEpochRef = { group: 'feeder-b', channel: CHANNEL, epoch: EPOCH };
    const members = (from: number, to: number): string[] =>
        Array.from({ length: to - from }, (_, i) => `meter-${from + i}`);

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-grid-'));
        engine = await openEngine(dir);
        const operator = await engine.connect('operator', 'operator');
        await operator.api.bootstrap('operator', 'Operator');
        dlog = await dlogSolvers(join(dir, 'cache'), 16);
        const { party: opParty, hpke } = await registerKeyedParty(
            engine,
            operator,
            'grid-op',
            'gridOperator',
            'Grid operator',
        );
        opGrid = new GridApi(opParty.api.client);
        op = new GridOperator({
            api: opParty.api,
            grid: opGrid,
            partyId: 'grid-op',
            hpke,
            dlog,
        });
        const { party: op2 } = await registerKeyedParty(
            engine,
            operator,
            'grid-op-2',
            'gridOperator',
            'Other grid operator',
        );
        op2Grid = new GridApi(op2.api.client);
        const auditor = await engine.connect('auditor', 'customers');
        await operator.api.registerParty({
            id: 'auditor',
            role: 'auditor',
            name: 'Auditor',
            identity: auditor.identity,
        });
        auditorGrid = new GridApi(auditor.api.client);
        homes = [];
        for (let i = 0; i < 22; i++) {
            const id = `cust-${i}`;
            const meterId = `meter-${i}`;
            const { party, meterParty, signingSecret } = await registerHousehold(
                engine,
                operator,
                id,
                meterId,
            );
            const grid = new GridApi(party.api.client);
            const meterGrid = new GridApi(meterParty.api.client);
            homes.push({
                id,
                meterId,
                party,
                meterParty,
                grid,
                meterGrid,
                household: new HouseholdAggregation({
                    api: party.api,
                    grid,
                    partyId: id,
                    wallet: Wallet.fromSeed(derive(`${id}/root`)),
                }),
                meter: new MeterAggregation({
                    api: meterParty.api,
                    grid: meterGrid,
                    meterId,
                    signingSecret,
                }),
            });
        }
    });

    after(async () => {
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
    });

    it('registers groups only as the grid operator, with enough households and no overlap', async () => {
        // wrong role: a customer registers a group
        await refused(
            homes[0]!.grid.registerGroup({ ...A, id: A.group, members: members(0, 10) }),
            'FORBIDDEN',
        );
        // too few households, and a minimum below the floor
        await refused(
            op.registerGroup({
                id: 'small',
                channel: CHANNEL,
                epoch: EPOCH,
                members: members(0, 9),
            }),
            'GUARD',
        );
        await refused(
            op.registerGroup({
                id: 'small',
                channel: CHANNEL,
                epoch: EPOCH,
                members: members(0, 5),
                minMembers: 4,
            }),
            'BAD_REQUEST',
        );
        // a member listed twice
        await refused(
            op.registerGroup({
                id: 'dup',
                channel: CHANNEL,
                epoch: EPOCH,
                members: [...members(0, 10), 'meter-0'],
            }),
            'BAD_REQUEST',
        );
        const a = await op.registerGroup({
            id: A.group,
            channel: CHANNEL,
            epoch: EPOCH,
            members: members(0, 10),
        });
        assert.equal(a.households, 10);
        assert.equal(a.slots, slots);
        await op.registerGroup({
            id: B.group,
            channel: CHANNEL,
            epoch: EPOCH,
            members: members(10, 20),
        });
        // isolation attempts: A without meter-0 plus another household, re-registration of A,
        // a group of the same channel and epoch sharing one member with B (differencing)
        await refused(
            op.registerGroup({
                id: 'feeder-a2',
                channel: CHANNEL,
                epoch: EPOCH,
                members: [...members(1, 10), 'meter-20'],
            }),
            'GUARD',
        );
        await refused(
            op.registerGroup({
                id: A.group,
                channel: CHANNEL,
                epoch: EPOCH,
                members: members(1, 11),
            }),
            'EXISTS',
        );
        await refused(
            op2Grid.registerGroup({
                id: 'other',
                channel: CHANNEL,
                epoch: EPOCH,
                members: ['meter-19', 'meter-20', 'meter-21', ...members(0, 7)],
            }),
            'GUARD',
        );
        // the household's own review agrees: plain sum, 10 households, disjoint
        const d = await homes[0]!.household.review(A, 'meter-0');
        assert.equal(d.allowed, true, d.reason);
    });

    it('a refusal is recorded and blocks the group key', async () => {
        const R: GroupEpochRef = { group: 'feeder-r', channel: CHANNEL, epoch: LATER };
        await op.registerGroup({
            id: R.group,
            channel: CHANNEL,
            epoch: LATER,
            members: members(0, 10),
        });
        // cust-0 asks for at least 15 households: its software refuses and records it
        const strict = new HouseholdAggregation({
            api: homes[0]!.party.api,
            grid: homes[0]!.grid,
            partyId: 'cust-0',
            wallet: Wallet.fromSeed(derive('cust-0/root')),
            minMembers: 15,
        });
        await assert.rejects(strict.consent(R, 'meter-0'), GuardRefusedError);
        for (const h of homes.slice(1, 10)) await h.household.consent(R, h.meterId);
        const consents = await auditorGrid.getConsents(R);
        assert.equal(consents.length, 10);
        const r0 = consents.find((c) => c.meter === 'meter-0');
        assert.equal(r0?.decision, 'refused');
        assert.match(r0.reason, /at least 15/);
        // a decision is final: consenting after the refusal is refused
        await assert.rejects(
            homes[0]!.household.consent(R, 'meter-0'),
            (e: unknown) => code(e) === 'EXISTS',
        );
        await assert.rejects(
            homes[1]!.household.publishShare(R, 'meter-1'),
            (e: unknown) => e instanceof RoleError && e.code === 'GROUP_BLOCKED',
        );
        await refused(
            homes[1]!.grid.publishShare({
                ...R,
                meter: 'meter-1',
                sealedShare: '00'.repeat(80),
                commitment: [G, G],
            }),
            'FORBIDDEN',
        );
        await assert.rejects(
            op.functionalKey(R),
            (e: unknown) => e instanceof RoleError && e.code === 'INCOMPLETE',
        );
    });

    it('meters encrypt under MCFE labels; hostile ciphertexts are refused', async () => {
        // a meter cannot submit before its household consented
        const h0 = homes[0]!;
        await refused(
            h0.meterGrid.submitCiphertexts('meter-0', [
                { ...A, slot: 0, status: 0, c: '11'.repeat(32), sig: '22'.repeat(64) },
            ]),
            'FORBIDDEN',
        );
        for (const h of homes.slice(0, 20))
            await h.household.consent(Number(h.meterId.slice(6)) < 10 ? A : B, h.meterId);
        // another household's consent for a meter it does not own
        await refused(
            homes[1]!.grid.consent({ ...A, meter: 'meter-0', decision: 'refused', reason: 'x' }),
            'FORBIDDEN',
        );
        for (const h of homes.slice(0, 20)) {
            const ref = Number(h.meterId.slice(6)) < 10 ? A : B;
            await h.meter.join(ref, await h.household.clientKey(ref, h.meterId));
            const readings = Array.from({ length: slots }, (_, slot) => ({
                slot,
                value: valueOf(h.meterId, slot),
            })).filter((r) => !(h.meterId === 'meter-19' && r.slot === 5)); // held back: catch-up later
            h.meter.record(ref, readings);
            await h.meter.flush();
        }
        // non-member: meter-20 signs a ciphertext for group A
        const m20 = homes[20]!;
        await assert.rejects(
            m20.meter.join(A, await homes[0]!.household.clientKey(A, 'meter-0')),
            (e: unknown) => e instanceof RoleError && e.code === 'NOT_MEMBER',
        );
        const stored = await h0.meterGrid.getCiphertexts(A, 0);
        const own = stored.find((c) => c.meter === 'meter-0')!;
        await refused(
            m20.meterGrid.submitCiphertexts('meter-20', [
                { ...A, slot: 0, status: 0, c: own.c, sig: own.sig },
            ]),
            'FORBIDDEN',
        );
        // a meter submitting as another meter
        await refused(
            m20.meterGrid.submitCiphertexts('meter-0', [
                { ...A, slot: 0, status: 0, c: own.c, sig: own.sig },
            ]),
            'FORBIDDEN',
        );
        // identical resend: a no-op; a second, different ciphertext of one label: refused
        const again = await h0.meterGrid.submitCiphertexts('meter-0', [
            { ...A, slot: 0, status: 0, c: own.c, sig: own.sig },
        ]);
        assert.deepEqual(again, { stored: 0, duplicates: 1 });
        const other = new MeterAggregation({
            api: h0.meterParty.api,
            grid: h0.meterGrid,
            meterId: 'meter-0',
            signingSecret: derive('meter-0/sign'),
        });
        await other.join(A, await h0.household.clientKey(A, 'meter-0'));
        other.record(A, [{ slot: 0, value: valueOf('meter-0', 0) + 1n }]);
        await refused(other.flush(), 'CONFLICT');
        // a ciphertext signed for another slot
        await refused(
            h0.meterGrid.submitCiphertexts('meter-0', [
                { ...A, slot: 1, status: 0, c: own.c, sig: own.sig },
            ]),
            'BAD_SIGNATURE',
        );
        // slot outside the epoch
        await refused(
            h0.meterGrid.submitCiphertexts('meter-0', [
                { ...A, slot: slots, status: 0, c: own.c, sig: own.sig },
            ]),
            'OUT_OF_RANGE',
        );
    });

    it('without every share there is no key; wrong proofs and wrong roles are refused', async () => {
        for (const h of homes.slice(0, 9)) await h.household.publishShare(A, h.meterId);
        await assert.rejects(
            op.functionalKey(A),
            (e: unknown) => e instanceof RoleError && e.code === 'INCOMPLETE',
        );
        const group = groupByName('ristretto255');
        const fake = encodeAggregateProof(group, { c: 1n, z: [1n, 1n] });
        await refused(
            opGrid.postAggregates({
                ...A,
                results: [{ slot: 0, m: '1', proof: bytesToHex(fake) }],
            }),
            'INCOMPLETE',
        );
        await homes[9]!.household.publishShare(A, 'meter-9');
        // a share cannot be replaced
        await refused(
            homes[9]!.grid.publishShare({
                ...A,
                meter: 'meter-9',
                sealedShare: '00'.repeat(80),
                commitment: [G, G],
            }),
            'EXISTS',
        );
        const { g, key } = await op.functionalKey(A);
        const labelOf = aggregateLabeler(g);
        const cts = await opGrid.getCiphertexts(A, 0);
        const row = g.members.map((m) =>
            group.decode(hexToBytes(cts.find((c) => c.meter === m)!.c), 'c'),
        );
        const label = labelOf(0);
        const lp = hashLabel(group, label);
        const m = mcfeDecrypt(group, key, lp, row, dlog(group), BigInt(MAX) * 10n);
        assert.equal(
            m,
            members(0, 10).reduce((s, id) => s + valueOf(id, 0), 0n),
        );
        const S = weightedCiphertextSum(group, key.members, key.weights, label.slot, row);
        const K = keyCommitment(group, key.dk);
        const good = bytesToHex(
            encodeAggregateProof(group, proveAggregate(group, key.dk, { label, m, K, u: lp.u, S })),
        );
        // the right proof with another value, a proof of slot 0 for slot 1, a forged proof
        await refused(
            opGrid.postAggregates({ ...A, results: [{ slot: 0, m: String(m + 1n), proof: good }] }),
            'BAD_PROOF',
        );
        await refused(
            opGrid.postAggregates({ ...A, results: [{ slot: 1, m: String(m), proof: good }] }),
            'BAD_PROOF',
        );
        await refused(
            opGrid.postAggregates({
                ...A,
                results: [{ slot: 0, m: String(m), proof: bytesToHex(fake) }],
            }),
            'BAD_PROOF',
        );
        // wrong roles: a customer, and a grid operator the group does not belong to
        await refused(
            homes[0]!.grid.postAggregates({
                ...A,
                results: [{ slot: 0, m: String(m), proof: good }],
            }),
            'FORBIDDEN',
        );
        await refused(
            op2Grid.postAggregates({ ...A, results: [{ slot: 0, m: String(m), proof: good }] }),
            'FORBIDDEN',
        );
        // the grid operator cannot prove a value that is not the decryption
        assert.throws(() => proveAggregate(group, key.dk, { label, m: m + 1n, K, u: lp.u, S }));
        await opGrid.postAggregates({ ...A, results: [{ slot: 0, m: String(m), proof: good }] });
        await refused(
            opGrid.postAggregates({ ...A, results: [{ slot: 0, m: String(m), proof: good }] }),
            'EXISTS',
        );
    });

    it('every slot of the month: the posted aggregate is the plaintext sum, verified by the auditor', async () => {
        for (const h of homes.slice(10, 20)) await h.household.publishShare(B, h.meterId);
        const runA = await op.aggregate(A);
        assert.equal(runA.alreadyPosted, 1);
        assert.equal(runA.posted.length, slots - 1);
        assert.deepEqual(runA.incomplete, []);
        // group B: slot 5 lacks meter-19's ciphertext — not decryptable, reported
        const runB = await op.aggregate(B);
        assert.deepEqual(runB.incomplete, [{ slot: 5, missing: ['meter-19'] }]);
        assert.equal(runB.posted.length, slots - 1);
        await refused(
            opGrid.postAggregates({ ...B, results: [{ slot: 5, m: '0', proof: '00'.repeat(96) }] }),
            'INCOMPLETE',
        );
        // the meter's substitute value fills it; the aggregate carries the member's status
        homes[19]!.meter.record(B, [{ slot: 5, value: valueOf('meter-19', 5), status: 4 }]);
        await homes[19]!.meter.flush();
        const again = await op.aggregate(B);
        assert.deepEqual(again.posted, [5]);
        for (const [ref, ms] of [
            [A, members(0, 10)],
            [B, members(10, 20)],
        ] as const) {
            const posted = await auditorGrid.getAggregates(ref);
            assert.equal(posted.length, slots);
            for (const r of posted) {
                assert.equal(
                    BigInt(r.m),
                    ms.reduce((s, id) => s + valueOf(id, r.slot), 0n),
                    `slot ${r.slot}`,
                );
                assert.equal(r.members, 10);
            }
            const s5 = posted.find((r) => r.slot === 5)!;
            assert.deepEqual(s5.statuses, ref === B ? [{ meter: 'meter-19', status: 4 }] : []);
            const checks = await checkAggregates(auditorGrid, ref);
            assert.equal(checks.length, slots);
            assert.ok(checks.every((c) => c.proofValid && c.complete && c.statusesMatch));
        }
        // sealed shares are visible only to the grid operator and each member's own household
        const seen = await auditorGrid.getShares(A);
        assert.ok(seen.every((s) => s.sealedShare === ''));
        const own = await homes[3]!.grid.getShares(A);
        assert.deepEqual(
            own.filter((s) => s.sealedShare !== '').map((s) => s.meter),
            ['meter-3'],
        );
    });
});
