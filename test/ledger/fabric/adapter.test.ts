// SPDX-License-Identifier: Apache-2.0
/**
 * The Fabric adapter against the running local network (FEMETER_E2E_ENGINE=fabric; skipped
 * otherwise — scripts/fabric/test runs it): contract refusals as EndorseErrors, MVCC conflicts
 * retried (and reported as CommitError when retries are off), read-your-writes across the two
 * organisations' peers, events from "now" and resumed from a checkpoint without loss or duplicates,
 * and a closed ledger refusing calls. One fresh chaincode for the whole file.
 */
import '../fixtures/quiet.js';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
    contractErrorCode,
    readingBatchHex,
    type ReadingInput,
} from '../../../src/contract/index.js';
import { FemeterApi } from '../../../src/roles/api.js';
import {
    checkpointers,
    CommitError,
    EndorseError,
    SubmitError,
    type ChaincodeEvent,
    type LedgerClient,
} from '../../../src/ledger/index.js';
import {
    FabricLedger,
    ParticipantDirectory,
    clientUsers,
} from '../../../src/ledger/fabric/index.js';
import type { FabricLedger as FabricLedgerType } from '../../../src/ledger/fabric/index.js';
import { CHANNEL, makeWorld, PERIOD, readingsFor, type World } from '../../e2e/world.js';

const ON = process.env.FEMETER_E2E_ENGINE === 'fabric';
const dec = new TextDecoder();

describe(
    'Fabric adapter on the local network',
    { skip: ON ? false : 'set FEMETER_E2E_ENGINE=fabric (scripts/fabric/test does)' },
    () => {
        let w: World;
        let ledger: FabricLedgerType;
        before(async () => {
            w = await makeWorld(2);
            ledger = (w.engine as unknown as { ledger: FabricLedgerType }).ledger;
        });
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset if before() failed
        after(async () => w?.close());

        it('a contract refusal is an EndorseError with the contract message; an unknown transaction has its own code', async () => {
            const client = w.households[0]!.party.api.client;
            await assert.rejects(
                client.submit('RegisterParty', '{}'),
                (e) =>
                    e instanceof EndorseError &&
                    e.code === 'CONTRACT_ERROR' &&
                    contractErrorCode(e.message) === 'FORBIDDEN' &&
                    e.message.startsWith('[FORBIDDEN] RegisterParty'),
            );
            await assert.rejects(
                client.evaluate('GetMeter', 'no-such-meter'),
                (e) => e instanceof EndorseError && contractErrorCode(e.message) === 'NOT_FOUND',
            );
            await assert.rejects(
                client.submit('NoSuchTransaction'),
                (e) => e instanceof EndorseError && e.code === 'UNKNOWN_TRANSACTION',
            );
        });

        it('a write through the operator peer is visible at once to a reader on the customers peer', async () => {
            for (let i = 0; i < 8; i++) {
                const p = await w.engine.connect(`late-${i}`, 'customers');
                await w.operator.api.registerParty({
                    id: `late-${i}`,
                    role: 'auditor',
                    name: `late ${i}`,
                    identity: p.identity,
                });
                const me = await p.api.whoAmI(); // customers peer, right after the operator peer committed
                assert.deepEqual(me.ref, { kind: 'party', id: `late-${i}` });
            }
        });

        it('concurrent transactions of one meter conflict (MVCC) and are retried until all are stored', async () => {
            const h = w.households[0]!;
            await h.customer.acceptTariff({
                meter: h.meterId,
                channel: CHANNEL,
                provider: 'provider-a',
                tariff: { id: 'provider-a.energy', version: 1 },
                periods: [PERIOD],
            });
            await h.agent.openPeriod(CHANNEL, PERIOD);
            const x = readingsFor(h.meterId, PERIOD);
            const entries = h.agent
                .record(
                    CHANNEL,
                    PERIOD,
                    x.slice(0, 600).map((value, slot) => ({ slot, value })),
                )
                .map(({ meter: _m, ...r }) => r);
            const batches = Array.from({ length: 6 }, (_, i) =>
                entries.slice(i * 100, i * 100 + 100),
            );
            const retriesBefore = ledger.stats().conflictRetries;
            const firstBatch = await h.meterParty.api.submitReadings(h.meterId, batches[0]!); // carries C_0: opens the period
            const results = await Promise.all(
                batches.slice(1).map((b) => h.meterParty.api.submitReadings(h.meterId, b)),
            );
            assert.equal(
                results.reduce((s, r) => s + r.stored, firstBatch.stored),
                600,
            );
            assert.deepEqual(await h.meterParty.api.getMeterSequence(h.meterId), {
                last: 600,
                gaps: [],
            });
            assert.ok(
                ledger.stats().conflictRetries > retriesBefore,
                'the five concurrent transactions did conflict and were re-submitted',
            );
            h.outbox.ack(600);
        });

        it('with retries off, the conflict surfaces as a CommitError naming MVCC_READ_CONFLICT and stores nothing of that transaction', async () => {
            const h = w.households[0]!;
            const users = new ParticipantDirectory({
                dataDir: ledger.profile.dataDir,
                users: { CustomersMSP: clientUsers(ledger.profile.organizations.CustomersMSP!) },
            });
            const meterUser = await users.userFor(ledger.chaincode, 'CustomersMSP', h.meterId);
            const strict = await FabricLedger.open({
                profile: ledger.profile,
                chaincode: ledger.chaincode,
                maxCommitAttempts: 1,
            });
            try {
                const api = new FemeterApi(await strict.connectUser('CustomersMSP', meterUser));
                const x = readingsFor(h.meterId, PERIOD);
                const entries = h.agent
                    .record(
                        CHANNEL,
                        PERIOD,
                        x.slice(600, 1200).map((value, i) => ({ slot: 600 + i, value })),
                    )
                    .map(({ meter: _m, ...r }) => r);
                const batches = Array.from({ length: 6 }, (_, i) =>
                    entries.slice(i * 100, i * 100 + 100),
                );
                const outcomes = await Promise.allSettled(
                    batches.map((b) => api.submitReadings(h.meterId, b)),
                );
                const failed = outcomes.filter(
                    (o): o is PromiseRejectedResult => o.status === 'rejected',
                );
                assert.ok(
                    failed.length >= 1,
                    'six concurrent transactions on one sequence record: at least one conflicts',
                );
                for (const f of failed)
                    assert.ok(
                        f.reason instanceof CommitError &&
                            /MVCC_READ_CONFLICT|PHANTOM_READ_CONFLICT/.test(
                                (f.reason as Error).message,
                            ),
                        String(f.reason),
                    );
                const stored = outcomes.reduce(
                    (s, o) => s + (o.status === 'fulfilled' ? o.value.stored : 0),
                    0,
                );
                assert.equal(stored, 600 - 100 * failed.length);
                assert.equal(
                    (await api.getReadings(h.meterId, CHANNEL, PERIOD)).length,
                    600 + stored,
                );
                // the outbox resends the rest (identical resends are no-ops) and the meter completes its period
                await h.agent.flush();
                assert.deepEqual(await api.getMeterSequence(h.meterId), { last: 1200, gaps: [] });
            } finally {
                await strict.close();
            }
        });

        it('events: from now, and resumed from a file checkpoint with no loss or duplicates', async () => {
            const h = w.households[1]!;
            const auditor = w.auditor.api.client;
            const live = await auditor.events();
            await h.agent.openPeriod(CHANNEL, PERIOD); // AckMpk: no event; the readings below emit
            const x = readingsFor(h.meterId, PERIOD);
            const recorded = h.agent.record(
                CHANNEL,
                PERIOD,
                x.slice(0, 300).map((value, slot) => ({ slot, value })),
            );
            assert.equal(recorded.length, 300);
            const b = await sendInBatches(
                h.meterParty.api.client,
                h.meterId,
                recorded.map(({ meter: _m, ...r }) => r),
                50,
            ); // 6 transactions
            h.outbox.ack(300);
            const first = await take(live, 6);
            assert.deepEqual(
                first.map((e) => e.transactionId),
                b.map((r) => r.transactionId),
                'exactly the six transactions since "now", in order',
            );
            assert.ok(first.every((e) => e.eventName === 'readings'));

            const dir = mkdtempSync(join(tmpdir(), 'femeter-cp-'));
            try {
                const cp = await checkpointers.file(join(dir, 'cp.json'));
                const firstBlock = first[0]!.blockNumber;
                const s1 = await auditor.events({ checkpoint: cp, startBlock: firstBlock });
                const got1 = await take(s1, 3, async (e) => cp.checkpointChaincodeEvent(e));
                s1.close();
                const cp2 = await checkpointers.file(join(dir, 'cp.json')); // a restarted consumer
                const s2 = await auditor.events({ checkpoint: cp2, startBlock: 0n });
                const got2 = await take(s2, 3);
                s2.close();
                assert.deepEqual(
                    [...got1, ...got2].map((e) => e.transactionId),
                    first.map((e) => e.transactionId),
                );
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        });

        it('a closed ledger refuses calls with SubmitError CLOSED', async () => {
            const l = await FabricLedger.open({
                profile: ledger.profile,
                chaincode: ledger.chaincode,
            });
            const c = await l.connectUser('OperatorMSP', 'User1');
            assert.equal(
                (
                    JSON.parse(dec.decode(await c.evaluate('WhoAmI'))) as {
                        identity: { mspId: string };
                    }
                ).identity.mspId,
                'OperatorMSP',
            );
            await l.close();
            await assert.rejects(
                c.evaluate('WhoAmI'),
                (e) => e instanceof SubmitError && e.code === 'CLOSED',
            );
        });
    },
);

async function sendInBatches(
    client: LedgerClient,
    meter: string,
    readings: readonly ReadingInput[],
    size: number,
): Promise<{ transactionId: string }[]> {
    const out: { transactionId: string }[] = [];
    for (let i = 0; i < readings.length; i += size)
        out.push(
            await client.submit(
                'SubmitReadings',
                JSON.stringify({
                    meter,
                    batch: readingBatchHex(readings.slice(i, i + size)),
                }),
            ),
        );
    return out;
}

/** The next n events of a stream (10 s limit), running `each` after each one. */
async function take(
    stream: AsyncIterable<ChaincodeEvent> & { close(): void },
    n: number,
    each?: (e: ChaincodeEvent) => Promise<void>,
): Promise<ChaincodeEvent[]> {
    const got: ChaincodeEvent[] = [];
    const timer = setTimeout(() => {
        stream.close();
    }, 10_000);
    try {
        for await (const e of stream) {
            got.push(e);
            await each?.(e);
            if (got.length === n) break;
        }
    } finally {
        clearTimeout(timer);
    }
    assert.equal(got.length, n, `expected ${n} events within 10 s`);
    return got;
}
