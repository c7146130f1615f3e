// SPDX-License-Identifier: Apache-2.0
/**
 * Statistical surveys (contract/survey) on the in-memory contract context, driven through the
 * roles: the contract applies the epoch key-set guard to a survey even when the customer's
 * software is bypassed, a tariff accepted after a survey is judged with the survey included,
 * decisions are recorded, and wrong parties and malformed requests are refused.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { EndorseError } from '../../src/ledger/index.js';
import { FemeterApi } from '../../src/roles/api.js';
import { GuardRefusedError } from '../../src/roles/errors.js';
import { SurveyApi } from '../../src/roles/surveyor/api.js';
import {
    acceptEnergy,
    ALMOST_ALL,
    EVENING,
    requestSurvey,
    surveyRef,
    withSurveyor,
    type SurveyWorld,
} from '../e2e/survey-world.js';
import { CHANNEL, makeWorld, PERIOD } from '../e2e/world.js';
import { memoryEngine } from './memory.js';

const code = (e: unknown): string | undefined =>
    e instanceof EndorseError ? e.contractError?.code : (e as { code?: string }).code;

const world = async (): Promise<SurveyWorld> =>
    withSurveyor(await makeWorld(2, { engine: memoryEngine() }));
const request = (w: SurveyWorld, id: string, spec: Record<string, unknown>) =>
    requestSurvey(w, id, spec, 'household load study');

describe('surveys: the epoch key-set guard on the contract', () => {
    it('a survey that isolates slots beside a tariff key is refused at the contract even when the customer software is bypassed', async () => {
        const w = await world();
        try {
            await acceptEnergy(w);
            await request(w, 's1', ALMOST_ALL);
            await assert.rejects(
                w.ownSurveys.acceptSurvey({ ...surveyRef(w, 's1'), encryptedKey: '00'.repeat(64) }),
                (e) => code(e) === 'GUARD',
            );
            const [s] = await w.ownSurveys.getSurveys(surveyRef(w, 's1').meter, CHANNEL, PERIOD);
            assert.equal(s!.status, 'open');
            // through the customer software: refused by its own guard, and recorded
            await assert.rejects(w.customerSurveys.accept(surveyRef(w, 's1')), GuardRefusedError);
            const [r] = await w.ownSurveys.getSurveys(surveyRef(w, 's1').meter, CHANNEL, PERIOD);
            assert.equal(r!.status, 'refused');
            assert.equal(r!.decision?.guard.code, 'small-support');
            assert.equal(r!.decision.guard.keys, 2);
            assert.equal(r!.encryptedKey, undefined);
        } finally {
            await w.close();
        }
    });

    it('a tariff accepted after a survey is judged with the survey included', async () => {
        const w = await world();
        try {
            await request(w, 's1', ALMOST_ALL);
            const accepted = await w.customerSurveys.accept(surveyRef(w, 's1'));
            assert.equal(accepted.status, 'accepted');
            assert.equal(accepted.decision?.guard.code, 'ok');
            const h = w.households[0]!;
            // bypassing the customer software: the contract refuses
            await assert.rejects(
                h.party.api.acceptTariff({
                    meter: h.meterId,
                    channel: CHANNEL,
                    provider: 'provider-a',
                    tariff: { id: 'provider-a.energy', version: 1 },
                    periods: [{ period: PERIOD, encryptedKey: '00' }],
                }),
                (e) => code(e) === 'GUARD',
            );
            // the customer software sees the survey too: refuses and records the refusal
            await assert.rejects(acceptEnergy(w), GuardRefusedError);
            const consents = await h.party.api.getConsents(h.meterId, CHANNEL, PERIOD);
            assert.deepEqual(
                consents.map((c) => [c.tariffId, c.decision, c.guard.keys]),
                [['provider-a.energy', 'refused', 2]],
            );
            assert.deepEqual(await h.party.api.getAgreements(h.meterId, CHANNEL, PERIOD), []);
        } finally {
            await w.close();
        }
    });

    it('a compatible survey and tariff coexist, and a second survey is judged with both', async () => {
        const w = await world();
        try {
            await acceptEnergy(w);
            await request(w, 'evening', EVENING);
            const a = await w.customerSurveys.accept(surveyRef(w, 'evening'));
            assert.equal(a.status, 'accepted');
            assert.equal(a.decision?.guard.keys, 2);
            await request(w, 'total', { kind: 'total' });
            const b = await w.customerSurveys.accept(surveyRef(w, 'total'));
            assert.equal(b.decision?.guard.keys, 3);
        } finally {
            await w.close();
        }
    });

    it('a customer refusal is recorded with the reason and the contract verdict; decided surveys stay decided', async () => {
        const w = await world();
        try {
            await request(w, 's1', { kind: 'total' });
            const r = await w.customerSurveys.refuse(surveyRef(w, 's1'), 'not interested');
            assert.equal(r.status, 'refused');
            assert.equal(r.decision?.reason, 'not interested');
            assert.equal(r.decision.guard.code, 'ok');
            await assert.rejects(
                w.ownSurveys.acceptSurvey({ ...surveyRef(w, 's1'), encryptedKey: '00' }),
                (e) => code(e) === 'EXISTS',
            );
            await assert.rejects(
                w.surveyor.result(surveyRef(w, 's1')),
                (e) => code(e) === 'NOT_ACCEPTED',
            );
        } finally {
            await w.close();
        }
    });
});

describe('surveys: who may do what, and malformed requests', () => {
    it('only surveyors request; only the meter owner decides; reads are scoped', async () => {
        const w = await world();
        try {
            const body = {
                id: 's1',
                meter: w.households[0]!.meterId,
                channel: CHANNEL,
                period: PERIOD,
                spec: { kind: 'total' },
                purpose: 'x',
            };
            const asProvider = new SurveyApi(w.providers[0]!.party.api.client);
            await assert.rejects(asProvider.requestSurvey(body), (e) => code(e) === 'FORBIDDEN');
            await assert.rejects(w.ownSurveys.requestSurvey(body), (e) => code(e) === 'FORBIDDEN');
            await w.surveys.requestSurvey(body);
            const other = new SurveyApi(w.households[1]!.party.api.client);
            await assert.rejects(
                other.acceptSurvey({ ...surveyRef(w, 's1'), encryptedKey: '00' }),
                (e) => code(e) === 'FORBIDDEN',
            );
            await assert.rejects(
                other.refuseSurvey({ ...surveyRef(w, 's1'), reason: 'no' }),
                (e) => code(e) === 'FORBIDDEN',
            );
            await assert.rejects(
                w.surveys.acceptSurvey({ ...surveyRef(w, 's1'), encryptedKey: '00' }),
                (e) => code(e) === 'FORBIDDEN',
            );
            await assert.rejects(
                other.getSurveys(body.meter, CHANNEL, PERIOD),
                (e) => code(e) === 'FORBIDDEN',
            );
            await assert.rejects(
                asProvider.getSurveys(body.meter, CHANNEL, PERIOD),
                (e) => code(e) === 'FORBIDDEN',
            );
            assert.equal((await w.surveys.getSurveys(body.meter, CHANNEL, PERIOD)).length, 1);
            const audited = await new SurveyApi(w.auditor.api.client).getSurveys(
                body.meter,
                CHANNEL,
                PERIOD,
            );
            assert.equal(audited.length, 1);
            // a surveyor without an X25519 key cannot be registered
            const p2 = await w.engine.connect('lab-2', 'operator');
            await assert.rejects(
                w.operator.api.registerParty({
                    id: 'lab-2',
                    role: 'surveyor',
                    name: 'Lab 2',
                    identity: p2.identity,
                }),
                (e) => code(e) === 'BAD_REQUEST',
            );
            // surveyors do not read agreements
            await assert.rejects(
                new FemeterApi(w.surveys.client).getAgreements(body.meter, CHANNEL, PERIOD),
                (e) => code(e) === 'FORBIDDEN',
            );
        } finally {
            await w.close();
        }
    });

    it('refuses malformed requests', async () => {
        const w = await world();
        try {
            const base = {
                id: 's1',
                meter: w.households[0]!.meterId,
                channel: CHANNEL,
                period: PERIOD,
                spec: { kind: 'total' } as Record<string, unknown>,
                purpose: 'x',
            };
            const bad: [string, Record<string, unknown>, string][] = [
                ['unknown field', { ...base, weights: [1, 2] }, 'BAD_REQUEST'],
                ['unknown spec kind', { ...base, spec: { kind: 'weights' } }, 'BAD_REQUEST'],
                ['extra spec field', { ...base, spec: { kind: 'total', y: [1] } }, 'BAD_REQUEST'],
                [
                    'zone with a price',
                    {
                        ...base,
                        spec: { ...EVENING, zones: [{ ...EVENING.zones[0], price: 3000 }] },
                    },
                    'BAD_REQUEST',
                ],
                [
                    'zone edge off the slot grid',
                    {
                        ...base,
                        spec: { ...EVENING, zones: [{ ...EVENING.zones[0], from: '18:07' }] },
                    },
                    'BAD_REQUEST',
                ],
                ['no zones', { ...base, spec: { ...EVENING, zones: [] } }, 'BAD_REQUEST'],
                [
                    'no holiday calendar',
                    { ...base, spec: { kind: 'timeOfUse', zones: EVENING.zones } },
                    'BAD_REQUEST',
                ],
                ['unknown channel', { ...base, channel: '1-0:2.8.0' }, 'NOT_FOUND'],
                ['unknown meter', { ...base, meter: 'meter-x' }, 'NOT_FOUND'],
                ['bad period', { ...base, period: '2024-13' }, 'BAD_REQUEST'],
                ['missing purpose', { ...base, purpose: undefined }, 'BAD_REQUEST'],
            ];
            for (const [what, body, want] of bad)
                await assert.rejects(
                    w.surveys.requestSurvey(body as Parameters<SurveyApi['requestSurvey']>[0]),
                    (e) => {
                        assert.equal(code(e), want, `${what}: ${(e as Error).message}`);
                        return true;
                    },
                );
            await w.surveys.requestSurvey(base);
            await assert.rejects(w.surveys.requestSurvey(base), (e) => code(e) === 'EXISTS');
            await assert.rejects(
                w.ownSurveys.acceptSurvey({ ...surveyRef(w, 's1'), encryptedKey: 'zz' }),
                (e) => code(e) === 'BAD_REQUEST',
            );
            await assert.rejects(
                w.ownSurveys.acceptSurvey({ ...surveyRef(w, 'nope'), encryptedKey: '00' }),
                (e) => code(e) === 'NOT_FOUND',
            );
        } finally {
            await w.close();
        }
    });
});
