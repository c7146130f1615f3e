// SPDX-License-Identifier: Apache-2.0
/**
 * A real deployment, every party its own process with its own directory made by `femeter init`:
 * operator, two providers, two customers, two meters (15-minute Europe/Berlin fed to the
 * long-lived `meter run` agent; 30-minute Australia/Brisbane kWh files through `meter ingest`), a
 * surveyor and an auditor. Three consecutive periods: a tariff change from March to April, April's
 * Berlin source ends 20 slots early (substitutes at close, by the agent), a provider switch for
 * May; the agent is killed (SIGKILL) mid-March and restarted: nothing lost, nothing recorded
 * twice. Statistical surveys: a request accepted, one refused by the guard, one refused by the
 * customer; the accepted one's result equals the plaintext total. Every bill equals the
 * customer's own decrypted total; the audit is clean. Run on the embedded engine by
 * `three-periods.test.ts` and on Fabric by `test/fabric/parties.test.ts`.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import {
    type Agent,
    followFileArgs,
    initParties,
    intervalCsv,
    ok,
    publishTariff,
    refused,
    registerMeter,
    requestTotalAndIsolating,
    startAgent,
} from './party-cli.js';

const PERIODS = ['2024-03', '2024-04', '2024-05'] as const;
const BER = 'Europe/Berlin';
const BNE = 'Australia/Brisbane';
/** Slots of a Berlin period. */
const slotsOf = (period: string): number => periodSlots(period, BER, 15).slotCount;
/** The data rows (no header) of a Berlin period's interval file. */
const rowsOf = (period: string): string[] =>
    intervalCsv(period, BER, 15).trim().split('\n').slice(1);

/**
 * Runs the three-period deployment in `dir` (empty, removed by the caller).
 * @param engine - the `femeter init` flags choosing the ledger (`--ledger L`, or `--engine fabric …`).
 * @param track - called with each agent started, so the caller's cleanup can stop it.
 */
export async function threePeriods(
    dir: string,
    engine: string,
    track: (a: Agent) => Agent,
): Promise<void> {
    const d = (p: string): string => join(dir, p);
    let agent: Agent;
    await initParties(d, engine, [
        ['provider', 'acme'],
        ['provider', 'bolt'],
        ['customer', 'alice'],
        ['customer', 'bob'],
        ['meter', 'm-ber'],
        ['meter', 'm-bne'],
        ['survey', 'lab'],
        ['auditor', 'audit'],
    ]);
    const op = `--dir ${d('op')}`;
    await registerMeter(d, 'm-ber', 'alice');
    await registerMeter(d, 'm-bne', 'bob', `--slot-minutes 30 --zone ${BNE}`);
    const registry = JSON.parse(await ok(`operator list ${op}`)) as {
        meters: { id: string; slotMinutes: number; timeZone: string }[];
    };
    assert.deepEqual(registry.meters.map((m) => [m.id, m.slotMinutes, m.timeZone]).sort(), [
        ['m-ber', 15, BER],
        ['m-bne', 30, BNE],
    ]);

    for (const [prov, id, v, zone, price] of [
        ['acme', 'acme.flat', 1, BER, 320],
        ['acme', 'acme.flat', 2, BER, 350],
        ['acme', 'acme.au', 1, BNE, 250],
        ['bolt', 'bolt.flat', 1, BER, 300],
    ] as const)
        await publishTariff(d, prov, id, v, zone, price);
    const alice = `--dir ${d('alice')} --meter m-ber`;
    const bob = `--dir ${d('bob')} --meter m-bne`;
    // m-ber's agent runs into June (its clock closes May), so four months of mpks
    await ok(`customer publish-mpks ${alice} --from 2024-03 --count 4`);
    await ok(`customer publish-mpks ${bob} --from 2024-03 --count 3`);
    await ok(`customer accept ${alice} --provider acme --tariff acme.flat@1 --periods 2024-03`);
    // the tariff change
    await ok(`customer accept ${alice} --provider acme --tariff acme.flat@2 --periods 2024-04`);
    await refused(
        `customer switch ${alice} --to bolt --tariff bolt.flat@1 --from 2024-04 --count 2`,
        /acme holds acme\.flat@2 for m-ber .*2024-04.*switch from the period after/,
    );
    // the provider switch
    await ok(`customer switch ${alice} --to bolt --tariff bolt.flat@1 --from 2024-05 --count 1`);
    await ok(
        `customer accept ${bob} --provider acme --tariff acme.au@1 --periods ${PERIODS.join(',')}`,
    );

    // surveys of m-ber's March: a total (accepted), an aggregate that would isolate a
    // slot beside the tariff's key (the guard refuses it), one the customer refuses
    const lab = `--dir ${d('lab')} --meter m-ber --period 2024-03`;
    const aliceMarch = `${alice} --period 2024-03`;
    await requestTotalAndIsolating(d, lab);
    await ok(`survey request ${lab} --id s3 --total --purpose marketing`);
    await ok(`customer survey accept ${aliceMarch} --id s1`);
    await refused(
        `customer survey accept ${aliceMarch} --id s2`,
        /refused survey s2.*privacy guard/,
    );
    await ok(`customer survey refuse ${aliceMarch} --id s3 --reason no-marketing`);
    const list = JSON.parse(await ok(`customer survey list ${aliceMarch}`)) as {
        id: string;
        status: string;
    }[];
    assert.deepEqual(list.map((s) => [s.id, s.status]).sort(), [
        ['s1', 'accepted'],
        ['s2', 'refused'],
        ['s3', 'refused'],
    ]);
    await refused(`survey result ${lab} --id s1`, /not closed/);

    // m-ber: the agent follows a file on the source's clock; killed mid-March
    const [mar, apr, may] = PERIODS.map(rowsOf) as [string[], string[], string[]];
    const june = rowsOf('2024-06');
    const feed = d('feed.csv');
    writeFileSync(feed, 'timestamp,value\n');
    const args = followFileArgs(d('m-ber'), feed);
    const recorded = (a: Agent, period: string): number =>
        a.events
            .filter((e) => e.event === 'recorded')
            .reduce((n, e) => n + ((e.slots as Record<string, number>)[period] ?? 0), 0);
    agent = track(startAgent(args));
    await agent.waitFor((e) => e.event === 'start', 'start');
    appendFileSync(feed, mar.slice(0, 2000).join('\n') + '\n');
    const first = agent;
    await first.waitFor(() => recorded(first, '2024-03') >= 500, '500 slots recorded');
    assert.equal(await first.kill(), 'SIGKILL');
    assert.ok(!first.events.some((e) => e.event === 'stop'));

    // the rest of March, April without its last 20 slots, May, June's first 2 hours
    appendFileSync(
        feed,
        [...mar.slice(2000), ...apr.slice(0, -20), ...may, ...june.slice(0, 8)].join('\n') + '\n',
    );
    agent = track(startAgent(args));
    const second = agent;
    for (const period of PERIODS)
        await second.waitFor(
            (e) => e.event === 'closed' && e.period === period,
            `${period} closed`,
        );
    const subs = second.events
        .filter((e) => e.event === 'closed')
        .map((e) => [e.period, e.substitutes]);
    assert.deepEqual(subs, [
        ['2024-03', 0],
        ['2024-04', 20],
        ['2024-05', 0],
    ]);
    await second.waitFor(
        (e) =>
            e.event === 'recorded' && (e.slots as Record<string, number>)['2024-06'] !== undefined,
        "June's first rows recorded",
    );
    assert.equal(await second.stop(), 0, second.stderr());
    // nothing lost, nothing twice: one sequence number per slot across both processes
    const status = JSON.parse(await ok(`meter status --dir ${d('m-ber')}`)) as {
        lastSeq: number;
        pending: number;
    };
    const total = slotsOf('2024-03') + slotsOf('2024-04') + slotsOf('2024-05') + 8;
    assert.equal(status.lastSeq, total);
    assert.equal(status.pending, 0);
    const state = (
        JSON.parse(readFileSync(d('m-ber/run-state.json'), 'utf8')) as {
            channels: Record<string, { closed: string[]; open: string[] }>;
        }
    ).channels['1-0:1.8.0'];
    assert.ok(state, 'the channel has its state');
    assert.deepEqual(state.closed, [...PERIODS]);
    assert.deepEqual(state.open, ['2024-06']);

    // m-bne: a kWh half-hour file per period, ingested and closed by hand
    for (const period of PERIODS) {
        const f = d(`bne-${period}.csv`);
        writeFileSync(f, intervalCsv(period, BNE, 30, 0, true));
        await ok(
            `meter ingest --dir ${d('m-bne')} --source ${f} --period ${period} --kind csv-interval --unit kWh`,
        );
        await ok(`meter close --dir ${d('m-bne')} --period ${period}`);
    }

    // the providers bill what is theirs; a second run finds nothing new
    const billsOf = async (prov: string): Promise<string[]> =>
        (
            JSON.parse(await ok(`provider run --dir ${d(prov)}`)) as {
                bills: { epoch: string; tariff: string }[];
            }
        ).bills
            .map((b) => `${b.epoch.replace(/\|.*\|/, ' ')} ${b.tariff}`)
            .sort();
    assert.deepEqual(await billsOf('acme'), [
        'm-ber 2024-03 acme.flat@1',
        'm-ber 2024-04 acme.flat@2',
        'm-bne 2024-03 acme.au@1',
        'm-bne 2024-04 acme.au@1',
        'm-bne 2024-05 acme.au@1',
    ]);
    assert.deepEqual(await billsOf('bolt'), ['m-ber 2024-05 bolt.flat@1']);
    assert.deepEqual(await billsOf('acme'), []);

    // every bill checked by its customer: equal to the customer's own decrypted total
    for (const [cust, meter] of [
        [alice, 'm-ber'],
        [bob, 'm-bne'],
    ] as const)
        for (const period of PERIODS) {
            const r = JSON.parse(await ok(`customer bills ${cust} --period ${period}`)) as {
                bills: {
                    ok: boolean;
                    bill: string;
                    ownReadingsGive: string;
                    tariff: string;
                }[];
            };
            assert.equal(r.bills.length, 1, `${meter} ${period}`);
            const [b] = r.bills;
            assert.ok(b?.ok === true && b.bill === b.ownReadingsGive, `${meter} ${period}`);
            assert.match(
                b.tariff,
                meter === 'm-ber' && period === '2024-05' ? /^bolt\./ : /^acme\./,
            );
        }
    // the customer's readings: every slot once, April's 20 missing ones as substitutes
    for (const period of PERIODS) {
        const lines = (await ok(`customer readings ${alice} --period ${period} --format csv`))
            .trim()
            .split('\n');
        assert.equal(lines.length, slotsOf(period) + 1, period);
        const expected = rowsOf(period).map((r) => r.split(',')[1]);
        const values = lines.slice(1).map((l) => l.split(',')[2]);
        const subs = period === '2024-04' ? 20 : 0;
        assert.deepEqual(
            values.slice(0, values.length - subs),
            expected.slice(0, expected.length - subs),
        );
        assert.equal(lines.filter((l) => l.endsWith(',0,4')).length, subs, period);
    }

    // the survey's result is the plaintext total of March; the refused ones stay closed
    const marchTotal = mar.reduce((s, r) => s + Number(r.split(',')[1]), 0);
    const r = JSON.parse(await ok(`survey result ${lab} --id s1`)) as { m: string };
    assert.equal(r.m, String(marchTotal));
    await refused(`survey result ${lab} --id s2`, /survey s2 is refused/);
    await refused(`survey result ${lab} --id s3`, /survey s3 is refused/);

    const audit = JSON.parse(await ok(`auditor report --dir ${d('audit')} --json`)) as {
        ok: boolean;
        billsChecked: number;
    };
    assert.equal(audit.ok, true);
    assert.equal(audit.billsChecked, 6);
}
