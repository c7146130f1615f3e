// SPDX-License-Identifier: Apache-2.0
/** The provider on the in-memory contract context: folding from events equals billing from scratch. */
import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { parseTariff, periodSlots, tariffWeights } from '../../../src/contract/tariff/index.js';
import { Provider } from '../../../src/roles/provider/provider.js';
import { memoryEngine } from '../../contract/memory.js';
import { CHANNEL, dot, makeWorld, meterPeriod, PERIOD, type World } from '../../e2e/world.js';

describe('Provider', () => {
    let w: World;
    beforeEach(async () => {
        w = await makeWorld(1, { engine: memoryEngine() });
    });
    afterEach(async () => w.close());

    it('bills Σ x·y of the agreed tariff, folded from the event stream and from scratch alike', async () => {
        const h = w.households[0]!;
        const pa = w.providers[0]!;
        await h.customer.acceptTariff({
            meter: h.meterId,
            channel: CHANNEL,
            provider: 'provider-a',
            tariff: { id: 'provider-a.htnt', version: 1 },
            periods: [PERIOD],
        });
        const x = await meterPeriod(h, PERIOD);
        const y = tariffWeights(
            parseTariff((await w.operator.api.getTariff('provider-a.htnt', 1)).doc),
            periodSlots(PERIOD),
        );
        // a folding provider fed the ledger's events
        const folding = new Provider({
            api: pa.party.api,
            partyId: 'provider-a',
            hpke: pa.hpke,
            dlog: w.dlog,
            fold: true,
        });
        const billable: string[] = [];
        await folding.run(
            await folding.events({ startBlock: 0n }),
            undefined,
            () => false,
            (epoch) => {
                billable.push(epoch);
                return Promise.resolve();
            },
        );
        assert.equal(billable.length, 1, 'the closed epoch became billable');
        const [folded] = await folding.bill(h.meterId, CHANNEL, PERIOD);
        assert.ok(folded);
        assert.equal(folded.folded, true);
        assert.equal(folded.m, dot(x, y));
        const [posted] = await pa.party.api.getBills(h.meterId, CHANNEL, PERIOD);
        assert.equal(BigInt(posted!.m), dot(x, y));
    });

    it('holds no key without an agreement and bills nothing', async () => {
        const h = w.households[0]!;
        await meterPeriod(h, PERIOD);
        assert.equal(await w.providers[1]!.provider.loadKeys(h.meterId, CHANNEL, PERIOD), 0);
        assert.deepEqual(await w.providers[1]!.provider.bill(h.meterId, CHANNEL, PERIOD), []);
        assert.deepEqual(await w.operator.api.getBills(h.meterId, CHANNEL, PERIOD), []);
    });
});
