// SPDX-License-Identifier: Apache-2.0
/**
 * Statistical surveys end to end on the embedded engine (or FEMETER_E2E_ENGINE): a researcher
 * requests the month's total and an evening total of a household, the customer accepts both (the
 * guard judging them with the provider's tariff key), the meter sends and closes the period, and
 * the researcher decrypts exactly the plaintext aggregates; the provider's bill is unaffected. A
 * key the researcher cannot use (a customer bypassing its software) is reported, never decrypted.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { periodSlots } from '../../src/contract/tariff/index.js';
import { acceptEnergy, EVENING, requestSurvey, surveyRef, withSurveyor } from './survey-world.js';
import { CHANNEL, makeWorld, meterPeriod, PERIOD } from './world.js';

/** Local hour (Europe/Berlin) of the start of each 15-minute slot of PERIOD, computed here independently. */
function localHours(): number[] {
    const bp = periodSlots(PERIOD, 'Europe/Berlin', 15);
    const f = new Intl.DateTimeFormat('en-GB', {
        timeZone: 'Europe/Berlin',
        hour: '2-digit',
        hourCycle: 'h23',
    });
    return Array.from({ length: bp.slotCount }, (_, i) =>
        Number(f.format(new Date(bp.startMs + i * 15 * 60_000))),
    );
}

describe('surveys end to end', () => {
    it('the researcher decrypts exactly the aggregates the customer consented to', async () => {
        const w = await makeWorld(1);
        try {
            const sw = await withSurveyor(w);
            const h = w.households[0]!;
            const { surveyor, surveys, ownSurveys: own, customerSurveys: cs } = sw;
            await acceptEnergy(w);
            const ref = (survey: string) => surveyRef(w, survey);
            for (const [id, spec] of [
                ['total', { kind: 'total' }],
                ['evening', EVENING],
                ['bypass', { kind: 'total' }],
            ] as const)
                await requestSurvey(sw, id, spec, 'load study');
            assert.equal((await cs.accept(ref('total'))).status, 'accepted');
            assert.equal((await cs.accept(ref('evening'))).status, 'accepted');
            // a customer bypassing its software stores a key sealed for another survey
            const other = await surveys.getSurveys(h.meterId, CHANNEL, PERIOD);
            const sealedForTotal = (await own.getSurveys(h.meterId, CHANNEL, PERIOD)).find(
                (s) => s.id === 'total',
            )!.encryptedKey!;
            assert.equal(other.length, 3);
            await own.acceptSurvey({ ...ref('bypass'), encryptedKey: sealedForTotal });

            await assert.rejects(surveyor.result(ref('total')), { code: 'NOT_CLOSED' });
            const x = await meterPeriod(h, PERIOD);
            const total = x.reduce((s, v) => s + v, 0n);
            const hours = localHours();
            const evening = x.reduce(
                (s, v, i) => (hours[i]! >= 18 && hours[i]! < 22 ? s + v : s),
                0n,
            );
            assert.ok(evening > 0n && evening < total);
            const r1 = await surveyor.result(ref('total'));
            assert.equal(r1.m, total);
            assert.equal(r1.slots, x.length);
            assert.equal((await surveyor.result(ref('evening'))).m, evening);
            await assert.rejects(surveyor.result(ref('bypass')), { code: 'BAD_FUNCTIONAL_KEY' });

            const bills = await w.providers[0]!.provider.bill(h.meterId, CHANNEL, PERIOD);
            assert.deepEqual(
                bills.map((b) => b.m),
                [total],
            );
        } finally {
            await w.close();
        }
    });
});
