// SPDX-License-Identifier: Apache-2.0
/**
 * Grid aggregates, focused, on the engine FEMETER_E2E_ENGINE names — written for Hyperledger
 * Fabric (`FEMETER_FABRIC_TEST_FILES=dist/test/fabric/grid.test.js scripts/fabric/test`), and
 * runs unchanged on the embedded engine: five households (--min-members 5), one day of slots, the
 * grid operator posts every complete slot with its proof, the rest is reported incomplete; the
 * contract (as chaincode) refuses a second ciphertext of one label, a wrong proof and an
 * overlapping group; the auditor's check passes.
 */
import '../ledger/fixtures/quiet.js';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { dlogSolvers } from '../../src/apps/demo/demo.js';
import { contractErrorCode, ed25519Signer } from '../../src/contract/index.js';
import { checkAggregates } from '../../src/roles/auditor/aggregates.js';
import { HouseholdAggregation } from '../../src/roles/customer/aggregation.js';
import { Wallet } from '../../src/roles/customer/wallet.js';
import { GridApi, type GroupEpochRef } from '../../src/roles/grid/api.js';
import { GridOperator } from '../../src/roles/grid/grid-operator.js';
import { hpkeKeyPair } from '../../src/roles/hpke.js';
import { MeterAggregation } from '../../src/roles/meter/aggregate.js';
import { CHANNEL, derive, MAX, openEngine } from '../e2e/world.js';

const code = (e: unknown): string | undefined =>
    contractErrorCode(e instanceof Error ? e.message : String(e));
const DAY = 96;

describe('grid aggregates on the ledger engine (focused)', () => {
    it('five households, one day: sums posted with proofs, hostile input refused', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'femeter-grid-fabric-'));
        const engine = await openEngine(dir);
        try {
            const operator = await engine.connect('operator', 'operator');
            await operator.api.bootstrap('operator', 'Operator');
            const opParty = await engine.connect('grid-op', 'operator');
            const hpke = await hpkeKeyPair(derive('grid-op/hpke'));
            await operator.api.registerParty({
                id: 'grid-op',
                role: 'gridOperator',
                name: 'Grid operator',
                identity: opParty.identity,
                hpkePublicKey: hpke.publicKeyHex,
            });
            const opGrid = new GridApi(opParty.api.client);
            const op = new GridOperator({
                api: opParty.api,
                grid: opGrid,
                partyId: 'grid-op',
                hpke,
                dlog: await dlogSolvers(join(dir, 'cache'), 16),
            });
            const ref: GroupEpochRef = { group: 'feeder-f', channel: CHANNEL, epoch: '2024-03' };
            const homes = [];
            for (let i = 0; i < 5; i++) {
                const party = await engine.connect(`cust-${i}`, 'customers');
                await operator.api.registerParty({
                    id: `cust-${i}`,
                    role: 'customer',
                    name: `cust-${i}`,
                    identity: party.identity,
                });
                const meterParty = await engine.connect(`meter-${i}`, 'customers');
                const signingSecret = derive(`meter-${i}/sign`);
                await operator.api.registerMeter({
                    id: `meter-${i}`,
                    owner: `cust-${i}`,
                    identity: meterParty.identity,
                    signingKey: bytesToHex(ed25519Signer(signingSecret).publicKey),
                    channels: [{ id: CHANNEL, unit: 'Wh', medium: 'electricity' }],
                    maxPerSlot: MAX,
                    software: { id: 'm/1', digest: bytesToHex(sha256(utf8ToBytes('m'))) },
                });
                homes.push({
                    meterId: `meter-${i}`,
                    household: new HouseholdAggregation({
                        api: party.api,
                        grid: new GridApi(party.api.client),
                        partyId: `cust-${i}`,
                        wallet: Wallet.fromSeed(derive(`cust-${i}/root`)),
                        minMembers: 5,
                    }),
                    meter: new MeterAggregation({
                        api: meterParty.api,
                        grid: new GridApi(meterParty.api.client),
                        meterId: `meter-${i}`,
                        signingSecret,
                    }),
                });
            }
            const members = homes.map((h) => h.meterId);
            const g = await op.registerGroup({
                id: ref.group,
                channel: CHANNEL,
                epoch: ref.epoch,
                members,
                minMembers: 5,
            });
            await assert.rejects(
                op.registerGroup({
                    id: 'other',
                    channel: CHANNEL,
                    epoch: ref.epoch,
                    members,
                    minMembers: 5,
                }),
                (e: unknown) => code(e) === 'GUARD',
            );
            const x = (i: number, s: number): bigint => BigInt((i * 131 + s * 17) % 900);
            for (const [i, h] of homes.entries()) {
                await h.household.consent(ref, h.meterId);
                await h.meter.join(ref, await h.household.clientKey(ref, h.meterId));
                h.meter.record(
                    ref,
                    Array.from({ length: DAY }, (_, s) => ({ slot: s, value: x(i, s) })),
                );
                await h.meter.flush();
            }
            // a second, different ciphertext of one label is refused by the chaincode
            homes[0]!.meter.leave(ref);
            await homes[0]!.meter.join(ref, await homes[0]!.household.clientKey(ref, 'meter-0'));
            homes[0]!.meter.record(ref, [{ slot: 0, value: x(0, 0) + 1n }]);
            await assert.rejects(homes[0]!.meter.flush(), (e: unknown) => code(e) === 'CONFLICT');
            for (const h of homes) await h.household.publishShare(ref, h.meterId);
            await assert.rejects(
                opGrid.postAggregates({
                    ...ref,
                    results: [{ slot: 0, m: '1', proof: '01'.repeat(96) }],
                }),
                (e: unknown) => code(e) === 'BAD_PROOF',
            );
            const run = await op.aggregate(ref);
            assert.equal(run.posted.length, DAY);
            assert.equal(run.incomplete.length, g.slots - DAY);
            const posted = await opGrid.getAggregates(ref);
            for (const r of posted)
                assert.equal(
                    BigInt(r.m),
                    [0, 1, 2, 3, 4].reduce((s, i) => s + x(i, r.slot), 0n),
                );
            const checks = await checkAggregates(opGrid, ref);
            assert.equal(checks.length, DAY);
            assert.ok(checks.every((c) => c.proofValid && c.complete && c.statusesMatch));
        } finally {
            await engine.close();
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
