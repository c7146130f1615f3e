// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 9 items 1–6 and 9, and issue 11's O(1) bill check, on the in-memory contract context
 * (`./memory.ts`) driven through the roles (`../e2e/world.ts` on a memory engine): the guard decides
 * on the whole key set from ledger state, a price series belongs to its first publisher, a
 * customer replaces a bad sealed key, registrations refuse bad Ed25519 keys, a 31-day ffdhe3072 mpk
 * fits, and PostBill checks the proof against the folded points without reading mpk or readings.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import fc from 'fast-check';
import { SPOT_TARIFF } from '../../src/apps/demo/tariffs.js';
import { ContractError } from '../../src/contract/index.js';
import { periodSlots, ROUNDING_MODES } from '../../src/contract/tariff/index.js';
import { encodeMpk } from '../../src/fe/codec.js';
import { ed25519PublicKey, ED25519_SMALL_ORDER_POINTS } from '../../src/fe/ed25519.js';
import { groupByName } from '../../src/fe/groups.js';
import { EndorseError } from '../../src/ledger/index.js';
import {
    CHANNEL,
    dot,
    makeWorld,
    meterPeriod,
    PERIOD,
    readingsFor,
    type World,
} from '../e2e/world.js';
import { MemoryLedger, memoryEngine } from './memory.js';

const SERIES = 'DE-LU/day-ahead';

interface IndexedGen {
    kind: 'indexed';
    factorNum: number;
    markup: number;
    rounding: (typeof ROUNDING_MODES)[number];
}
interface ZonesGen {
    kind: 'zones';
    price: number;
    from: number;
    hours: number;
    day: 'mon' | 'tue' | 'sat';
}

const code = (e: unknown): string | undefined =>
    e instanceof EndorseError ? e.contractError?.code : (e as { code?: string }).code;

/** A memory world with an index publisher that published an hourly series for PERIOD. */
async function world(): Promise<World & { ledger: MemoryLedger }> {
    const engine = memoryEngine();
    const w = await makeWorld(1, { engine });
    const pub = await engine.connect('index-publisher', 'operator');
    await w.operator.api.registerParty({
        id: 'index-publisher',
        role: 'indexPublisher',
        name: 'Index',
        identity: pub.identity,
    });
    const bp = periodSlots(PERIOD, 'Europe/Berlin', 60);
    await pub.api.publishPriceSeries({
        id: SERIES,
        period: PERIOD,
        startMs: bp.startMs,
        intervalMinutes: 60,
        prices: Array.from({ length: bp.slotCount }, (_, h) => 4000 + ((h * 7919) % 9000)),
    });
    return Object.assign(w, { ledger: engine.ledger });
}

const accept = (w: World, tariff: string) => {
    const h = w.households[0]!;
    return h.customer.acceptTariff({
        meter: h.meterId,
        channel: CHANNEL,
        provider: 'provider-a',
        tariff: { id: tariff, version: 1 },
        periods: [PERIOD],
    });
};

describe('privacy guard on the whole key set, from ledger state (issue 9 items 1–3)', () => {
    it('energy then spot and spot then energy give the same verdict, recorded with code, method, rank and support', async () => {
        const verdicts: unknown[] = [];
        for (const order of [
            ['provider-a.energy', 'provider-a.spot'],
            ['provider-a.spot', 'provider-a.energy'],
        ]) {
            const w = await world();
            try {
                await w.providers[0]!.provider.publishTariff(SPOT_TARIFF('provider-a', SERIES));
                for (const t of order) await accept(w, t);
                const h = w.households[0]!;
                const consents = await h.party.api.getConsents(h.meterId, CHANNEL, PERIOD);
                assert.equal(consents.length, 2);
                const last = consents.find((c) => c.tariffId === order[1])!;
                assert.equal(last.decision, 'allowed');
                assert.equal(last.guard.k, 96);
                assert.equal(last.guard.keys, 2);
                verdicts.push({
                    code: last.guard.code,
                    method: last.guard.method,
                    rank: last.guard.rank,
                    minSupport: last.guard.minSupport,
                });
            } finally {
                await w.close();
            }
        }
        assert.deepEqual(verdicts[0], verdicts[1]);
        assert.deepEqual(
            {
                method: (verdicts[0] as { method: string }).method,
                rank: (verdicts[0] as { rank: number }).rank,
            },
            { method: 'span-exact', rank: 2 },
        );
    });

    it('property: for random pairs of indexed and zone tariffs, A then B and B then A agree', async () => {
        const w = await world();
        try {
            const h = w.households[0]!;
            const p = w.providers[0]!;
            let n = 0;
            const indexed: fc.Arbitrary<IndexedGen> = fc.record({
                kind: fc.constant('indexed' as const),
                factorNum: fc.integer({ min: 10, max: 1000 }),
                markup: fc.integer({ min: 0, max: 1_000_000 }),
                rounding: fc.constantFrom(...ROUNDING_MODES),
            });
            const zones: fc.Arbitrary<ZonesGen> = fc.record({
                kind: fc.constant('zones' as const),
                price: fc.integer({ min: 1, max: 5000 }),
                from: fc.integer({ min: 0, max: 22 }),
                hours: fc.integer({ min: 1, max: 8 }),
                day: fc.constantFrom('mon', 'tue', 'sat'),
            });
            const doc = (t: IndexedGen | ZonesGen) => {
                const id = `provider-a.r${++n}`;
                if (t.kind === 'indexed')
                    return {
                        ...SPOT_TARIFF('provider-a', SERIES),
                        id,
                        factorNum: t.factorNum,
                        factorDen: 100,
                        markup: t.markup,
                        rounding: t.rounding,
                    };
                const hh = (x: number) => `${String(Math.min(x, 24)).padStart(2, '0')}:00`;
                return {
                    format: 'femeter-tariff/1',
                    id,
                    version: 1,
                    name: id,
                    provider: 'provider-a',
                    timeZone: 'Europe/Berlin',
                    currencyUnit: 'µEUR',
                    kind: 'zones',
                    holidays: { country: 'DE' },
                    defaultPrice: 300,
                    zones: [
                        {
                            name: 'z',
                            price: t.price,
                            days: [t.day],
                            from: hh(t.from),
                            to: hh(t.from + t.hours),
                        },
                    ],
                };
            };
            const tryAccept = async (id: string): Promise<boolean> => {
                try {
                    await h.party.api.acceptTariff({
                        meter: h.meterId,
                        channel: CHANNEL,
                        provider: 'provider-a',
                        tariff: { id, version: 1 },
                        periods: [{ period: PERIOD, encryptedKey: '00' }],
                    });
                    return true;
                } catch (e) {
                    if (code(e) !== 'GUARD') throw e;
                    return false;
                }
            };
            await fc.assert(
                fc.asyncProperty(
                    fc.oneof(indexed, zones),
                    fc.oneof(indexed, zones),
                    async (a, b) => {
                        const [da, db] = [doc(a), doc(b)];
                        await p.provider.publishTariff(da);
                        await p.provider.publishTariff(db);
                        const snapshot = new Map(w.ledger.state);
                        const run = async (first: string, second: string) => {
                            const one = await tryAccept(first);
                            const two = await tryAccept(second);
                            const agreed = (
                                await h.party.api.getAgreements(h.meterId, CHANNEL, PERIOD)
                            )
                                .map((x) => x.tariffId)
                                .sort();
                            w.ledger.state.clear();
                            for (const [k, v] of snapshot) w.ledger.state.set(k, v);
                            return { one, two, agreed };
                        };
                        const ab = await run(da.id, db.id);
                        const ba = await run(db.id, da.id);
                        // each tariff alone is judged the same way in both orders ...
                        const alone = { [da.id]: ab.one, [db.id]: ba.one };
                        // ... and when both are allowed alone, the pair's verdict does not depend on order
                        if (alone[da.id] && alone[db.id]) {
                            assert.equal(ab.two, ba.two, `${da.id} / ${db.id}`);
                            assert.equal(ab.agreed.length, ab.two ? 2 : 1);
                            if (ab.two) assert.deepEqual(ab.agreed, ba.agreed);
                        }
                    },
                ),
                { numRuns: 12 },
            );
        } finally {
            await w.close();
        }
    });

    it('the request cannot name a guard mode or k; k comes from the ledger configuration', async () => {
        const w = await world();
        try {
            const h = w.households[0]!;
            const body = {
                meter: h.meterId,
                channel: CHANNEL,
                provider: 'provider-a',
                tariff: { id: 'provider-a.energy', version: 1 },
                periods: [{ period: PERIOD, encryptedKey: '00'.repeat(48) }],
            };
            for (const guard of [{ mode: 'class', k: 4 }, { mode: 'indexed', k: 96 }, {}])
                await assert.rejects(
                    h.party.api.client.submit('AcceptTariff', JSON.stringify({ ...body, guard })),
                    (e) => code(e) === 'BAD_REQUEST',
                );
            assert.equal((await h.party.api.getConfig()).guardK, 96);
        } finally {
            await w.close();
        }
        // a ledger whose k is a whole month refuses even the total-energy key
        const l = new MemoryLedger();
        const OP = { mspId: 'OperatorMSP', id: 'memory::operator' };
        await assert.rejects(
            l.call(OP, 'Bootstrap', [JSON.stringify({ id: 'op', name: 'Op', guardK: 3 })], true),
            (e) => e instanceof ContractError && e.code === 'BAD_REQUEST',
        );
        await l.call(
            OP,
            'Bootstrap',
            [JSON.stringify({ id: 'op', name: 'Op', guardK: 5000 })],
            true,
        );
        const config = JSON.parse((await l.call(OP, 'GetConfig', [], false)).result) as {
            guardK: number;
        };
        assert.equal(config.guardK, 5000);
    });

    it('the customer refuses and records the refusal; the contract refuses the same set whoever asks', async () => {
        const w = await world();
        try {
            const h = w.households[0]!;
            // a zones tariff that singles out one slot a week beside the energy key
            await w.providers[0]!.provider.publishTariff({
                format: 'femeter-tariff/1',
                id: 'provider-a.spy',
                version: 1,
                name: 'spy',
                provider: 'provider-a',
                timeZone: 'Europe/Berlin',
                currencyUnit: 'µEUR',
                kind: 'zones',
                holidays: { country: 'DE' },
                defaultPrice: 300,
                zones: [{ name: 'x', price: 3000, days: ['mon'], from: '00:00', to: '00:15' }],
            });
            await accept(w, 'provider-a.energy');
            await assert.rejects(accept(w, 'provider-a.spy'), (e) => code(e) === 'GUARD_REFUSED');
            await assert.rejects(
                h.party.api.acceptTariff({
                    meter: h.meterId,
                    channel: CHANNEL,
                    provider: 'provider-a',
                    tariff: { id: 'provider-a.spy', version: 1 },
                    periods: [{ period: PERIOD, encryptedKey: '00'.repeat(48) }],
                }),
                (e) => code(e) === 'GUARD',
            );
            const refused = (await h.party.api.getConsents(h.meterId, CHANNEL, PERIOD)).filter(
                (c) => c.decision === 'refused',
            );
            assert.equal(refused.length, 1);
            assert.equal(refused[0]!.guard.code, 'small-support');
            assert.equal(refused[0]!.guard.minSupport, 4); // the four Monday 00:00 slots of March 2024
        } finally {
            await w.close();
        }
    });

    it('indexed tariffs are bounded at PublishTariff: µEUR rounding, unknown series, tiny factor', async () => {
        const w = await world();
        try {
            const p = w.providers[0]!.provider;
            const spot = SPOT_TARIFF('provider-a', SERIES);
            for (const bad of [
                { ...spot, id: 'a.micro', currencyUnit: 'µEUR', markup: 180 },
                { ...spot, id: 'a.other', series: 'XX/not-registered' },
                { ...spot, id: 'a.tiny', factorNum: 1, factorDen: 1000 },
                { ...spot, id: 'a.markup', markup: 5_000_000 },
            ])
                await assert.rejects(p.publishTariff(bad), (e) => code(e) === 'BAD_REQUEST');
            await p.publishTariff(spot);
        } finally {
            await w.close();
        }
    });
});

describe('price series ids (issue 9 item 4)', () => {
    it('a series id belongs to the index publisher that first published it', async () => {
        const w = await world();
        try {
            const other = await w.engine.connect('other-publisher', 'operator');
            await w.operator.api.registerParty({
                id: 'other-publisher',
                role: 'indexPublisher',
                name: 'Other',
                identity: other.identity,
            });
            const bp = periodSlots('2024-04', 'Europe/Berlin', 60);
            const s = {
                id: SERIES,
                period: '2024-04',
                startMs: bp.startMs,
                intervalMinutes: 60 as const,
                prices: Array.from({ length: bp.slotCount }, () => 1),
            };
            await assert.rejects(other.api.publishPriceSeries(s), (e) => code(e) === 'FORBIDDEN');
            // its own id is fine
            await other.api.publishPriceSeries({ ...s, id: 'other/day-ahead' });
        } finally {
            await w.close();
        }
    });
});

describe('sealed-key replacement (issue 9 item 5)', () => {
    it('only the customer replaces the key of an existing agreement; the replacement is recorded', async () => {
        const w = await world();
        try {
            const h = w.households[0]!;
            await accept(w, 'provider-a.energy');
            const [before] = await h.party.api.getAgreements(h.meterId, CHANNEL, PERIOD);
            const body = {
                meter: h.meterId,
                channel: CHANNEL,
                provider: 'provider-a',
                tariff: { id: 'provider-a.energy', version: 1 },
                periods: [{ period: PERIOD, encryptedKey: 'ab'.repeat(48) }],
            };
            await assert.rejects(
                w.providers[0]!.party.api.acceptTariff(body),
                (e) => code(e) === 'FORBIDDEN',
            );
            await assert.rejects(
                h.party.api.acceptTariff({
                    ...body,
                    periods: [{ period: PERIOD, encryptedKey: before!.encryptedKey }],
                }),
                (e) => code(e) === 'EXISTS',
            );
            await h.party.api.acceptTariff(body);
            const [after] = await h.party.api.getAgreements(h.meterId, CHANNEL, PERIOD);
            assert.equal(after!.encryptedKey, 'ab'.repeat(48));
            assert.equal(after!.weightsDigest, before!.weightsDigest);
            const decisions = (await h.party.api.getConsents(h.meterId, CHANNEL, PERIOD))
                .map((c) => c.decision)
                .sort();
            assert.deepEqual(decisions, ['allowed', 'replaced']);
            // the provider skips the bad key and still bills the epoch's good one
            await accept(w, 'provider-a.flat');
            const x = await meterPeriod(h, PERIOD);
            const pa = w.providers[0]!.provider;
            assert.equal(await pa.loadKeys(h.meterId, CHANNEL, PERIOD), 1);
            assert.equal(pa.badKeys(h.meterId, CHANNEL, PERIOD).length, 1);
            const bills = await pa.bill(h.meterId, CHANNEL, PERIOD);
            assert.equal(bills.length, 1);
            assert.equal(bills[0]!.tariff, 'provider-a.flat@1');
            assert.equal(bills[0]!.m, dot(x, new Array<bigint>(x.length).fill(320n)));
        } finally {
            await w.close();
        }
    });
});

describe('Ed25519 keys at every registration (issue 9 item 6)', () => {
    it('refuses small-order and invalid Ed25519 identities and meter keys', async () => {
        const w = await world();
        try {
            for (const bad of ED25519_SMALL_ORDER_POINTS.slice(0, 3)) {
                await assert.rejects(
                    w.operator.api.registerParty({
                        id: 'evil',
                        role: 'indexPublisher',
                        name: 'evil',
                        identity: { mspId: 'OperatorMSP', id: `ed25519::${bytesToHex(bad)}` },
                    }),
                    (e) => code(e) === 'BAD_REQUEST',
                );
            }
            const good = bytesToHex(ed25519PublicKey(new Uint8Array(32).fill(9)));
            await w.operator.api.registerParty({
                id: 'fine',
                role: 'auditor',
                name: 'fine',
                identity: { mspId: 'OperatorMSP', id: `ed25519::${good}` },
            });
        } finally {
            await w.close();
        }
    });
});

describe('mpk size limits from group and l (issue 9 item 9)', () => {
    it('publishes an ffdhe3072 mpk for a 31-day month; refuses meters whose mpk could never fit', async () => {
        const engine = memoryEngine();
        const w = await makeWorld(0, { engine });
        try {
            const cust = await engine.connect('ff-cust', 'customers');
            await w.operator.api.registerParty({
                id: 'ff-cust',
                role: 'customer',
                name: 'ff',
                identity: cust.identity,
            });
            const meterKey = bytesToHex(ed25519PublicKey(new Uint8Array(32).fill(3)));
            const meter = {
                id: 'ff-meter',
                owner: 'ff-cust',
                identity: { mspId: 'CustomersMSP', id: 'memory::ff-meter' },
                signingKey: meterKey,
                channels: [{ id: CHANNEL, unit: 'Wh' as const, medium: 'electricity' as const }],
                maxPerSlot: 1000,
                software: { id: 'm/1', digest: '22'.repeat(32) },
            };
            await assert.rejects(
                w.operator.api.client.submit(
                    'RegisterMeter',
                    JSON.stringify({ ...meter, group: 'ffdhe4096', slotMinutes: 5 }),
                ),
                (e) => code(e) === 'BAD_REQUEST',
            );
            await w.operator.api.client.submit(
                'RegisterMeter',
                JSON.stringify({ ...meter, group: 'ffdhe3072' }),
            );
            const g = groupByName('ffdhe3072');
            const period = '2024-10'; // 31 days and the 25-hour day: 2980 slots
            const l = periodSlots(period, 'Europe/Berlin', 15).slotCount;
            assert.equal(l, 2980);
            // valid subgroup elements without l full exponentiations: squares of small values
            const H = Array.from({ length: l }, (_, i) => g.mulBase(BigInt(i + 2)));
            const bytes = encodeMpk(g, { ctx: { meter: 'ff-meter', channel: CHANNEL, period }, H });
            assert.ok(2 * bytes.length > 2 * 1024 * 1024, 'the mpk is above the old 2 MiB limit');
            const rec = await cust.api.publishMpk('ff-meter', CHANNEL, period, bytesToHex(bytes));
            assert.equal(rec.slots, l);
        } finally {
            await w.close();
        }
    });
});

describe('O(1) bill verification (issue 11)', () => {
    it('PostBill reads neither the mpk nor the readings; readings stored before acceptance are folded', async () => {
        const w = await world();
        try {
            const h = w.households[0]!;
            const x = readingsFor(h.meterId, PERIOD);
            // half the period arrives before any agreement exists
            await h.agent.openPeriod(CHANNEL, PERIOD);
            h.agent.record(
                CHANNEL,
                PERIOD,
                x.slice(0, 1500).map((value, slot) => ({ slot, value })),
            );
            await h.agent.flush();
            await accept(w, 'provider-a.htnt');
            h.agent.record(
                CHANNEL,
                PERIOD,
                x.slice(1500).map((value, i) => ({ slot: 1500 + i, value })),
            );
            await h.agent.flush();
            await h.agent.closePeriod(CHANNEL, PERIOD);
            const pa = w.providers[0]!;
            await pa.provider.bill(h.meterId, CHANNEL, PERIOD);
            const reads = w.ledger.lastReads;
            assert.ok(reads.length > 0 && reads.length < 20, `PostBill read ${reads.length} keys`);
            assert.ok(
                reads.every(
                    (k) => !k.includes('\u0000slot\u0000') && !k.includes('\u0000mpk\u0000'),
                ),
                `PostBill read ${reads.join(', ')}`,
            );
            assert.ok(reads.some((k) => k.includes('\u0000fold\u0000')));
            const checks = await h.customer.checkBills(h.meterId, CHANNEL, PERIOD);
            assert.ok(checks.length === 1 && checks[0]!.matches);
        } finally {
            await w.close();
        }
    });
});
