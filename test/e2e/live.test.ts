// SPDX-License-Identifier: Apache-2.0
/**
 * A live P1 port drives a whole period end to end: telegrams from a line (in memory, split into
 * odd chunks, with a corrupted telegram and a reader outage) go through the live reader, the closed
 * slots are recorded by the meter agent as `femeter meter run --meter` does, and the bill equals
 * the register difference, with the outage booked as substitutes plus one catch-up slot.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { periodSlots } from '../../src/contract/tariff/index.js';
import { readingsOfSlots } from '../../src/roles/meter/ingest.js';
import { readLive, type SerialLine } from '../../src/roles/meter/live.js';
import { dsmrFormat, parseObisSelector } from '../../src/roles/meter/sources/index.js';
import { dsmrStamp, writeDsmr } from '../roles/meter/sources/writers.js';
import { acceptTariff, CHANNEL, makeWorld, PERIOD, type World } from './world.js';

describe('live P1 port into the ledger', () => {
    let w: World;
    before(async () => {
        w = await makeWorld(1);
        const h = w.households[0]!;
        await acceptTariff(h, 'provider-a', 'provider-a.energy', [PERIOD]);
    });
    after(async () => w.close());

    it('records every slot of the period; the bill is the register difference', async () => {
        const h = w.households[0]!;
        const bp = periodSlots(PERIOD);
        const step = 15 * 60_000;
        const kwh = (wh: bigint): string => (Number(wh) / 1000).toFixed(3);
        const chunks: Uint8Array[] = [];
        let reg = 2_000_000n;
        const first = reg;
        const outage = new Set([500, 501, 502]); // the reader was unplugged for three boundaries
        for (let k = 0; k <= bp.slotCount; k++) {
            if (k > 0) reg += BigInt(((k * 37) % 120) + 1);
            if (outage.has(k)) continue;
            // one telegram 10 s before each boundary, one right on it
            for (const at of [bp.startMs + k * step - 10_000, bp.startMs + k * step]) {
                const t = writeDsmr({
                    lines: [
                        `0-0:1.0.0(${dsmrStamp(at)})`,
                        `1-0:1.8.1(${kwh(reg)}*kWh)`,
                        '1-0:1.8.2(000000.000*kWh)',
                    ],
                    badCrc: k === 7 && at % step === 0,
                });
                chunks.push(t.subarray(0, 17), t.subarray(17));
            }
        }
        const line: SerialLine = {
            read: () => Promise.resolve(chunks.shift()),
            write: () => Promise.resolve(),
            setBaudRate: () => Promise.resolve(),
            close: () => Promise.resolve(),
        };
        await h.agent.openPeriod(CHANNEL, PERIOD);
        let rejected = 0;
        let recorded = 0;
        for await (const ev of readLive({
            line,
            format: dsmrFormat,
            obis: parseObisSelector(dsmrFormat.defaultObis),
        })) {
            if (ev.kind === 'event' && ev.event.kind === 'rejected') rejected++;
            if (ev.kind !== 'slots') continue;
            const slots = readingsOfSlots(ev.slots, bp);
            h.agent.record(CHANNEL, PERIOD, slots);
            recorded += slots.length;
        }
        await h.agent.flush();
        await h.agent.closePeriod(CHANNEL, PERIOD);
        assert.equal(rejected, 1);
        assert.equal(recorded, bp.slotCount);
        const [bill] = await w.providers[0]!.provider.bill(h.meterId, CHANNEL, PERIOD);
        assert.equal(bill!.m, reg - first);
        const pr = await h.party.api.getPeriod(h.meterId, CHANNEL, PERIOD);
        assert.equal(pr!.flags.substitute, 3);
        assert.equal(pr!.flags.catchUp, 1);
    });
});
