// SPDX-License-Identifier: Apache-2.0
/** The customer on the in-memory contract context: own meters, own readings, agreements, bill checks. */
import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RoleError } from '../../../src/roles/errors.js';
import { memoryEngine } from '../../contract/memory.js';
import {
    acceptTariff,
    CHANNEL,
    makeWorld,
    meterPeriod,
    PERIOD,
    type World,
} from '../../e2e/world.js';

describe('Customer', () => {
    let w: World;
    beforeEach(async () => {
        w = await makeWorld(1, { engine: memoryEngine() });
    });
    afterEach(async () => w.close());

    it('lists its own meters and decrypts exactly its own readings', async () => {
        const h = w.households[0]!;
        assert.deepEqual(
            (await h.customer.meters()).map((m) => m.id),
            [h.meterId],
        );
        const x = await meterPeriod(h, PERIOD);
        const own = await h.customer.readings(h.meterId, CHANNEL, PERIOD);
        assert.deepEqual(
            own.map((r) => r.value),
            x,
        );
        assert.deepEqual(
            own.map((r) => r.slot),
            x.map((_, i) => i),
        );
    });

    it('refuses to seal a key for a party that is not a provider', async () => {
        const h = w.households[0]!;
        await assert.rejects(
            acceptTariff(h, 'auditor', 'provider-a.flat', [PERIOD]),
            (e) => e instanceof RoleError && e.code === 'NOT_PROVIDER',
        );
        assert.deepEqual(await h.party.api.getAgreements(h.meterId, CHANNEL, PERIOD), []);
    });

    it('checks a bill against its own readings: the honest bill matches, with a valid proof', async () => {
        const h = w.households[0]!;
        await acceptTariff(h, 'provider-a', 'provider-a.flat', [PERIOD]);
        await meterPeriod(h, PERIOD);
        assert.deepEqual(await h.customer.checkBills(h.meterId, CHANNEL, PERIOD), []);
        await w.providers[0]!.provider.bill(h.meterId, CHANNEL, PERIOD);
        const [check, ...rest] = await h.customer.checkBills(h.meterId, CHANNEL, PERIOD);
        assert.equal(rest.length, 0);
        assert.ok(check);
        assert.equal(check.proofValid, true);
        assert.equal(check.matches, true);
        assert.equal(check.expected, BigInt(check.bill.m));
    });
});
