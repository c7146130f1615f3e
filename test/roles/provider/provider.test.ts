// SPDX-License-Identifier: Apache-2.0
/** The provider on the in-memory contract context: folding from events equals billing from scratch. */
import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { parseTariff, periodSlots, tariffWeights } from '../../../src/contract/tariff/index.js';
import { Provider, type FoldSnapshot } from '../../../src/roles/provider/provider.js';
import { memoryEngine } from '../../contract/memory.js';
import {
    acceptTariff,
    CHANNEL,
    dot,
    makeWorld,
    meterPeriod,
    PERIOD,
    readingsFor,
    type World,
} from '../../e2e/world.js';

const acceptHtnt = (h: World['households'][number]): Promise<unknown> =>
    acceptTariff(h, 'provider-a', 'provider-a.htnt', [PERIOD]);

describe('Provider', () => {
    let w: World;
    beforeEach(async () => {
        w = await makeWorld(1, { engine: memoryEngine() });
    });
    afterEach(async () => w.close());

    it('bills Σ x·y of the agreed tariff, folded from the event stream and from scratch alike', async () => {
        const h = w.households[0]!;
        const pa = w.providers[0]!;
        await acceptHtnt(h);
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

    it('a restarted provider resumes its persisted running sums instead of refolding', async () => {
        const h = w.households[0]!;
        const pa = w.providers[0]!;
        await acceptHtnt(h);
        const x = readingsFor(h.meterId, PERIOD);
        const half = Math.floor(x.length / 2);
        await h.agent.openPeriod(CHANNEL, PERIOD);
        h.agent.record(
            CHANNEL,
            PERIOD,
            x.slice(0, half).map((value, slot) => ({ slot, value })),
        );
        await h.agent.flush();
        const make = (): Provider =>
            new Provider({ api: pa.party.api, partyId: 'provider-a', hpke: pa.hpke, dlog: w.dlog });
        const drain = async (p: Provider): Promise<void> => {
            await p.run(await p.events({ startBlock: 0n }), undefined, () => false);
        };
        const first = make();
        await drain(first);
        assert.equal(first.foldedReadings, half);
        const snap = JSON.parse(JSON.stringify(first.exportFolds())) as FoldSnapshot;
        assert.equal(snap.epochs.length, 1);

        h.agent.record(
            CHANNEL,
            PERIOD,
            x.slice(half).map((value, i) => ({ slot: half + i, value })),
        );
        await h.agent.flush();
        await h.agent.closePeriod(CHANNEL, PERIOD);

        const restarted = make();
        restarted.importFolds(snap);
        await drain(restarted);
        assert.equal(restarted.foldedReadings, x.length - half, 'only the new half is folded');
        const y = tariffWeights(
            parseTariff((await w.operator.api.getTariff('provider-a.htnt', 1)).doc),
            periodSlots(PERIOD),
        );
        const [bill] = await restarted.bill(h.meterId, CHANNEL, PERIOD, { post: false });
        assert.equal(bill?.folded, true);
        assert.equal(bill.m, dot(x, y));
        // without the snapshot everything is folded again
        const cold = make();
        await drain(cold);
        assert.equal(cold.foldedReadings, x.length);
        // a snapshot of another kind is refused; a damaged entry falls back to the ledger
        assert.throws(() => {
            make().importFolds({ format: 'x' } as unknown as FoldSnapshot);
        }, /not a femeter-provider-folds/);
        assert.throws(() => {
            make().importFolds({ ...snap, epochs: [{ meter: 1 }] } as unknown as FoldSnapshot);
        }, /entry 0 is malformed/);
        const damaged = make();
        damaged.importFolds({ ...snap, epochs: snap.epochs.map((e) => ({ ...e, seen: 'AAAA' })) });
        await drain(damaged);
        assert.equal(damaged.foldedReadings, x.length);
    });

    it('holds no key without an agreement and bills nothing', async () => {
        const h = w.households[0]!;
        await meterPeriod(h, PERIOD);
        assert.equal(await w.providers[1]!.provider.loadKeys(h.meterId, CHANNEL, PERIOD), 0);
        assert.deepEqual(await w.providers[1]!.provider.bill(h.meterId, CHANNEL, PERIOD), []);
        assert.deepEqual(await w.operator.api.getBills(h.meterId, CHANNEL, PERIOD), []);
    });
});
