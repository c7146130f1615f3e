// SPDX-License-Identifier: Apache-2.0
/**
 * Meter sources end to end: a register CSV and a D0 telegram log drive the meter agent for a whole
 * period and the bill equals the register difference; malformed input is refused as a whole and
 * nothing reaches the outbox or the ledger.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { periodSlots, slotStartMs } from '../../src/contract/tariff/index.js';
import { readingsFromSource } from '../../src/roles/meter/ingest.js';
import { SourceError } from '../../src/roles/meter/sources/index.js';
import { acceptTariff, CHANNEL, makeWorld, PERIOD, type World } from './world.js';

const bp = periodSlots(PERIOD);
const iso = (ms: number): string => new Date(ms).toISOString();

function registerCsv(gapSlots: readonly number[] = []): { text: string; total: bigint } {
    const rows = ['timestamp,value'];
    let reg = 1_000_000n;
    rows.push(`${iso(bp.startMs)},${reg}`);
    for (let i = 0; i < bp.slotCount; i++) {
        reg += BigInt((i * 13) % 90);
        if (!gapSlots.includes(i)) rows.push(`${iso(slotStartMs(bp, i) + 15 * 60_000)},${reg}`);
    }
    return { text: rows.join('\n') + '\n', total: reg - 1_000_000n };
}

function d0Log(): { text: string; total: bigint } {
    const lines: string[] = [];
    let regWh = 5_000_000n;
    const tele = (wh: bigint): string =>
        [
            '/ESY5Q3DA1024 V3.03',
            '',
            `1-0:1.8.0*255(${(Number(wh) / 1000).toFixed(3).padStart(12, '0')}*kWh)`,
            '!',
        ].join('\r\n') + '\r\n';
    lines.push(JSON.stringify({ t: iso(bp.startMs), d0: tele(regWh) }));
    for (let i = 0; i < bp.slotCount; i++) {
        regWh += BigInt(((i * 7) % 50) + 1);
        lines.push(JSON.stringify({ t: iso(slotStartMs(bp, i) + 15 * 60_000), d0: tele(regWh) }));
    }
    return { text: lines.join('\n') + '\n', total: regWh - 5_000_000n };
}

describe('meter sources into the ledger', () => {
    let w: World;
    before(async () => {
        w = await makeWorld(2);
        for (const h of w.households)
            await acceptTariff(h, 'provider-a', 'provider-a.energy', [PERIOD]);
    });
    after(async () => w.close());

    it('a register CSV with a power loss: catch-up booked, bill = register difference', async () => {
        const h = w.households[0]!;
        const { text, total } = registerCsv([100, 101, 102]);
        const slots = readingsFromSource(text, 'csv-register', bp);
        assert.equal(slots.length, bp.slotCount);
        assert.ok(slots[100]!.status !== 0 && slots[103]!.status !== 0);
        await h.agent.openPeriod(CHANNEL, PERIOD);
        h.agent.record(CHANNEL, PERIOD, slots);
        await h.agent.flush();
        await h.agent.closePeriod(CHANNEL, PERIOD);
        const [bill] = await w.providers[0]!.provider.bill(h.meterId, CHANNEL, PERIOD);
        assert.equal(bill!.m, total);
        const pr = await h.party.api.getPeriod(h.meterId, CHANNEL, PERIOD);
        assert.equal(pr!.flags.catchUp, 1);
        assert.equal(pr!.flags.substitute, 3);
        const [posted] = await h.party.api.getBills(h.meterId, CHANNEL, PERIOD);
        assert.equal(posted!.flags.catchUp, 1); // the bill states it
    });

    it('a D0 telegram log drives a whole period', async () => {
        const h = w.households[1]!;
        const { text, total } = d0Log();
        await h.agent.openPeriod(CHANNEL, PERIOD);
        h.agent.record(CHANNEL, PERIOD, readingsFromSource(text, 'd0-log', bp));
        await h.agent.flush();
        await h.agent.closePeriod(CHANNEL, PERIOD);
        const [bill] = await w.providers[0]!.provider.bill(h.meterId, CHANNEL, PERIOD);
        assert.equal(bill!.m, total);
    });

    it('malformed CSV, telegram logs and overlapping input are refused whole; nothing is recorded', () => {
        const h = w.households[1]!;
        const before = h.outbox.recorded;
        const { text } = registerCsv();
        const lines = text.split('\n');
        const bad = [
            [...lines.slice(0, 50), '2024-03-01T12:00:00Z,not-a-number', ...lines.slice(50)].join(
                '\n',
            ),
            [...lines.slice(0, 50), lines[49], ...lines.slice(50)].join('\n'), // repeated timestamp
            lines.map((l, i) => (i === 60 ? l.replace(/,\d+$/, ',5') : l)).join('\n'), // decreasing register
        ];
        for (const b of bad)
            assert.throws(() => readingsFromSource(b, 'csv-register', bp), SourceError);
        const log = d0Log().text.split('\n');
        log[10] = log[10]!.replace('1-0:1.8.0', '1-0:1.8.0(broken');
        assert.throws(() => readingsFromSource(log.join('\n'), 'd0-log', bp), /line 11/);
        assert.throws(
            () => readingsFromSource('{"t":"2024-03-01T00:00:00Z","sml":"zz"}\n', 'sml-log', bp),
            /line 1/,
        );
        // a valid source for slots already recorded: refused as a whole by the agent
        assert.throws(
            () =>
                h.agent.record(
                    CHANNEL,
                    PERIOD,
                    readingsFromSource(registerCsv().text, 'csv-register', bp),
                ),
            /already recorded/,
        );
        assert.equal(h.outbox.recorded, before);
    });
});
