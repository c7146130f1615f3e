// SPDX-License-Identifier: Apache-2.0
/** The meter agent on the in-memory contract context: keys, recording, sending, closing. */
import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { RoleError } from '../../../src/roles/errors.js';
import { MeterAgent } from '../../../src/roles/meter/agent.js';
import { memoryEngine } from '../../contract/memory.js';
import { CHANNEL, derive, makeWorld, PERIOD, readingsFor, type World } from '../../e2e/world.js';

describe('MeterAgent', () => {
    let w: World;
    beforeEach(async () => {
        w = await makeWorld(1, { engine: memoryEngine() });
    });
    afterEach(async () => w.close());

    it('a key that is not the registered one is refused before anything is sent', async () => {
        const h = w.households[0]!;
        const wrong = new MeterAgent({
            api: h.meterParty.api,
            meterId: h.meterId,
            signingSecret: derive('not-the-meter-key'),
            meterSeed: h.meterSeed,
            outbox: h.outbox,
        });
        await assert.rejects(
            wrong.meter(),
            (e) => e instanceof RoleError && e.code === 'WRONG_KEY',
        );
        await assert.rejects(wrong.openPeriod(CHANNEL, PERIOD), (e) => e instanceof RoleError);
        assert.deepEqual(await h.meterParty.api.getReadings(h.meterId, CHANNEL, PERIOD), []);
    });

    it('records, sends in order, and closes only a complete period', async () => {
        const h = w.households[0]!;
        assert.equal((await h.agent.meter()).id, h.meterId);
        await assert.rejects(
            h.agent.closePeriod(CHANNEL, PERIOD),
            (e) => e instanceof RoleError && e.code === 'NOT_OPEN',
        );
        await h.agent.openPeriod(CHANNEL, PERIOD);
        const x = readingsFor(h.meterId, PERIOD);
        h.agent.record(
            CHANNEL,
            PERIOD,
            x.slice(0, 100).map((value, slot) => ({ slot, value })),
        );
        assert.deepEqual(await h.agent.flush(), { sent: 100, pending: 0 });
        assert.equal(h.agent.recordedSlots(CHANNEL, PERIOD).size, 100);
        await assert.rejects(
            h.agent.closePeriod(CHANNEL, PERIOD),
            (e) => e instanceof RoleError && e.code === 'INCOMPLETE',
        );
        const stored = await h.meterParty.api.getReadings(h.meterId, CHANNEL, PERIOD);
        assert.deepEqual(
            stored.map((r) => r.slot),
            Array.from({ length: 100 }, (_, i) => i),
        );
        assert.deepEqual(
            stored.map((r) => r.seq),
            Array.from({ length: 100 }, (_, i) => i + 1),
        );
        h.agent.record(
            CHANNEL,
            PERIOD,
            x.slice(100).map((value, i) => ({ slot: i + 100, value })),
        );
        await h.agent.flush();
        await h.agent.closePeriod(CHANNEL, PERIOD);
        assert.equal((await h.meterParty.api.getPeriod(h.meterId, CHANNEL, PERIOD))?.closed, true);
    });
});
