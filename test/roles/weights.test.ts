// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/roles/weights
 * TariffCache: meters with the same tariff, period and slot layout share one weights array; the
 * cache stays within its stated size when asked for far more periods than it keeps; a failed
 * look-up is not remembered.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import type { Meter, TariffRecord } from '../../src/contract/index.js';
import { nextPeriodId } from '../../src/contract/tariff/index.js';
import type { FemeterApi } from '../../src/roles/api.js';
import { TARIFF_CACHE_DOCS, TARIFF_CACHE_WEIGHTS, TariffCache } from '../../src/roles/weights.js';

const doc = (id: string, version: number): Record<string, unknown> => ({
    format: 'femeter-tariff/1',
    id,
    version,
    name: 'Flat',
    provider: 'p',
    timeZone: 'Europe/Berlin',
    currencyUnit: 'µEUR',
    kind: 'flat',
    price: 300 + version,
});

/** A ledger API that knows only tariffs (all TariffCache asks of a flat tariff), counting calls. */
function fakeApi(failFirst = new Set<string>()): { api: FemeterApi; calls: () => number } {
    let calls = 0;
    const api = {
        getTariff(id: string, version: number): Promise<TariffRecord> {
            calls++;
            const k = `${id}@${version}`;
            if (failFirst.delete(k)) return Promise.reject(new Error(`${k} not reachable`));
            return Promise.resolve({
                id,
                version,
                provider: 'p',
                doc: doc(id, version),
                digest: '00',
                publishedAt: '2024-01-01T00:00:00Z',
            });
        },
    } as unknown as FemeterApi;
    return { api, calls: () => calls };
}

const meter = (id: string, slotMinutes = 15): Meter =>
    ({ id, timeZone: 'Europe/Berlin', slotMinutes }) as unknown as Meter;

describe('TariffCache', () => {
    it('gives every meter with the same tariff, period and slot length the same frozen weights', async () => {
        const { api, calls } = fakeApi();
        const c = new TariffCache(api);
        const ys = await Promise.all(
            Array.from({ length: 50 }, (_, i) => c.weights(meter(`m${i}`), '2024-03', 't', 1)),
        );
        assert.equal(ys[0]!.length, 2972); // March 2024 in Berlin: one hour less
        assert.ok(ys.every((y) => y === ys[0]));
        assert.ok(Object.isFrozen(ys[0]));
        assert.equal(ys[0]![0], 301n);
        assert.equal(calls(), 1);
        // another slot length, period or version is another vector
        const hourly = await c.weights(meter('h', 60), '2024-03', 't', 1);
        assert.equal(hourly.length, 743);
        assert.notEqual(await c.weights(meter('a'), '2024-04', 't', 1), ys[0]);
        assert.equal((await c.weights(meter('a'), '2024-03', 't', 2))[0], 302n);
        assert.equal(c.held.weights, 4);
    });

    it('holds at most its stated number of vectors and documents when overfilled 10 times over', async () => {
        const { api } = fakeApi();
        const c = new TariffCache(api);
        let period = '2000-01';
        const first = await c.weights(meter('m'), period, 't', 1);
        for (let i = 1; i < TARIFF_CACHE_WEIGHTS * 10; i++) {
            period = nextPeriodId(period);
            await c.weights(meter('m'), period, `t${i % (TARIFF_CACHE_DOCS + 7)}`, 1);
            assert.ok(c.held.weights <= TARIFF_CACHE_WEIGHTS, `${c.held.weights} vectors`);
        }
        for (let i = 0; i < TARIFF_CACHE_DOCS * 2; i++) {
            await c.get(`d${i}`, 1);
            assert.ok(c.held.docs <= TARIFF_CACHE_DOCS, `${c.held.docs} documents`);
        }
        assert.equal(c.held.weights, TARIFF_CACHE_WEIGHTS);
        assert.equal(c.held.docs, TARIFF_CACHE_DOCS);
        // the evicted vector is computed again: equal, but a new array
        const again = await c.weights(meter('m'), '2000-01', 't', 1);
        assert.notEqual(again, first);
        assert.deepEqual(again, first);
    });

    it('asks again after a failed look-up instead of remembering the failure', async () => {
        const { api, calls } = fakeApi(new Set(['t@1']));
        const c = new TariffCache(api);
        await assert.rejects(c.weights(meter('m'), '2024-03', 't', 1), /not reachable/);
        await new Promise((r) => setImmediate(r));
        assert.equal((await c.weights(meter('m'), '2024-03', 't', 1)).length, 2972);
        assert.equal(calls(), 2);
    });
});
