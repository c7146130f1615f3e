// SPDX-License-Identifier: Apache-2.0
/**
 * `femeter meter run --dir`: the long-lived meter agent as its own process, fed by appending to a
 * file. It records readings as they arrive, opens April ahead on its own clock, closes March with
 * substitutes for the slots the file never had, skips a malformed line with a warning, stops
 * cleanly on SIGTERM, and a restarted agent neither loses nor records twice. The provider bills
 * March and the bill equals the customer's own total.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import {
    type Agent,
    billsMatch,
    femeter,
    followFileArgs,
    initParties,
    intervalCsv,
    ok,
    publishTariff,
    refused,
    registerMeter,
    startAgent,
    suiteDir,
} from './party-cli.js';

describe('femeter meter run --dir (long-lived agent, its own process)', () => {
    let agent: Agent | undefined;
    const d = suiteDir('femeter-meter-run-', () => agent?.stop());

    it('follows an appended file, closes March with substitutes, resumes after SIGTERM', async () => {
        await initParties(d, `--ledger ${d('ledger')}`, [
            ['provider', 'acme'],
            ['customer', 'alice'],
            ['meter', 'm1'],
        ]);
        await registerMeter(d, 'm1', 'alice');
        await publishTariff(d, 'acme', 'acme.flat', 1, 'Europe/Berlin', 300);
        // only March's mpk for now: the agent must wait for April's and say so
        await ok(`customer publish-mpks --dir ${d('alice')} --meter m1 --from 2024-03 --count 1`);
        await ok(
            `customer accept --dir ${d('alice')} --meter m1 --provider acme --tariff acme.flat@1 --periods 2024-03`,
        );

        await refused(
            `meter run --dir ${d('m1')} --source ${d('feed.csv')} --kind d0`,
            /Allowed choices are csv-interval/,
        );
        await refused(
            `meter run --dir ${d('m1')} --source ${d('nowhere.csv')}`,
            /nowhere\.csv does not exist/,
        );

        const march = intervalCsv('2024-03', 'Europe/Berlin', 15).trim().split('\n');
        const april = intervalCsv('2024-04', 'Europe/Berlin', 15).trim().split('\n').slice(1);
        const slots = periodSlots('2024-03', 'Europe/Berlin', 15).slotCount;
        const rows = march.slice(1); // without the header
        const feed = d('feed.csv');
        writeFileSync(feed, 'timestamp,value\n');
        const args = followFileArgs(d('m1'), feed);
        agent = startAgent(args);
        await agent.waitFor((e) => e.event === 'start', 'start');
        // the first 1000 rows, then a half-written line (no newline yet: must wait for the rest)
        appendFileSync(
            feed,
            rows.slice(0, 1000).join('\n') + '\n' + (rows[1000] ?? '').slice(0, 10),
        );
        await agent.waitFor(
            (e) =>
                e.event === 'recorded' && (e.slots as Record<string, number>)['2024-03'] === 1000,
            '1000 slots recorded',
        );
        appendFileSync(feed, (rows[1000]?.slice(10) ?? '') + '\n');
        await agent.waitFor(
            (e) => e.event === 'recorded' && (e.slots as Record<string, number>)['2024-03'] === 1,
            'the completed line recorded',
        );
        assert.equal(await agent.stop(), 0, agent.stderr());
        assert.ok(agent.events.some((e) => e.event === 'stop'));

        // the rest of March except its last 10 slots, a malformed line, then April's first day
        appendFileSync(
            feed,
            rows.slice(1001, slots - 10).join('\n') +
                '\nnot,a,reading\n' +
                april.slice(0, 96).join('\n') +
                '\n',
        );
        agent = startAgent(args);
        const missing = await agent.waitFor(
            (e) => e.event === 'mpk-missing' && e.period === '2024-04',
            "April's mpk missing",
        );
        assert.match(String(missing.hint), /customer publish-mpks/);
        // March is closable once the clock passed its end + 60 min; April's rows wait in the file
        // until the customer publishes April's mpk, so the clock waits too: nothing closes yet
        assert.equal(agent.events.filter((e) => e.event === 'closed').length, 0);
        assert.equal(await agent.stop(), 0, agent.stderr());

        await ok(`customer publish-mpks --dir ${d('alice')} --meter m1 --from 2024-04 --count 1`);
        agent = startAgent(args);
        const closed = await agent.waitFor(
            (e) => e.event === 'closed' && e.period === '2024-03',
            'March closed',
        );
        assert.equal(closed.substitutes, 10);
        const rejected = await agent.waitFor((e) => e.event === 'line-rejected', 'line rejected');
        assert.match(String(rejected.reason), /expected "timestamp,value", got 3 fields/);
        const subs = agent.events.find((e) => e.event === 'substitutes');
        assert.deepEqual(
            subs?.slots,
            Array.from({ length: 10 }, (_, i) => slots - 10 + i),
        );
        await agent.waitFor(
            (e) => e.event === 'recorded' && (e.slots as Record<string, number>)['2024-04'] === 96,
            "April's first day recorded",
        );
        // a late March reading after the close is reported, not recorded
        appendFileSync(feed, `${rows[slots - 1] ?? ''}\n`);
        const late = await agent.waitFor((e) => e.event === 'late-readings', 'late reading');
        assert.equal(late.period, '2024-03');
        assert.equal(await agent.stop(), 0, agent.stderr());

        // nothing recorded twice across three processes: one sequence number per slot
        const status = JSON.parse(await ok(`meter status --dir ${d('m1')}`)) as {
            lastSeq: number;
            pending: number;
        };
        assert.equal(status.pending, 0);
        assert.equal(status.lastSeq, slots + 96);
        const state = (
            JSON.parse(readFileSync(d('m1/run-state.json'), 'utf8')) as {
                channels: Record<string, { closed: string[]; open: string[] }>;
            }
        ).channels['1-0:1.8.0'];
        assert.ok(state, 'the channel has its state');
        assert.deepEqual(state.closed, ['2024-03']);
        assert.deepEqual(state.open, ['2024-04']);

        // the provider bills March; the bill equals the customer's own decrypted total
        await billsMatch(d('acme'), d('alice'), 'm1', '2024-03', ['acme.flat@1']);
        const csv = (
            await femeter(
                `customer readings --dir ${d('alice')} --meter m1 --period 2024-03 --format csv`,
            )
        ).stdout
            .trim()
            .split('\n');
        assert.equal(csv.length, slots + 1);
        assert.equal(csv.filter((l) => l.endsWith(',0,4')).length, 10);
    });
});
