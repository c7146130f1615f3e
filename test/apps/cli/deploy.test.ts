// SPDX-License-Identifier: Apache-2.0
/**
 * A real deployment on the embedded engine, every party its own process (the built `femeter` CLI)
 * with its own directory and key: operator, provider, index publisher, two customers, two meters
 * (15-minute Europe/Berlin and 30-minute Australia/Brisbane with a kWh interval file), an auditor.
 * Two consecutive periods; a tariff change between them; the Berlin meter restarted mid-month (two
 * ingest processes); April's Berlin file ends 20 slots early (substitutes at close); the provider
 * restarted between periods (resumes from its checkpoint). Every bill equals the customer's own
 * decrypted total; the audit is clean. Bad inputs are refused with their message.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import { femeter, intervalCsv, ok, refused, tariff } from './party-cli.js';

describe('femeter deployment, one process per party (embedded engine)', () => {
    let dir = '';
    const d = (p: string): string => join(dir, p);
    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-deploy-'));
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('runs two periods with every party in its own directory and process', async () => {
        const ledger = d('ledger');
        await ok(`init --role operator --id op --dir ${d('op')} --ledger ${ledger}`);
        await ok(`operator bootstrap --dir ${d('op')}`);
        const parties: [string, string][] = [
            ['provider', 'acme'],
            ['customer', 'alice'],
            ['customer', 'bob'],
            ['meter', 'm-ber'],
            ['meter', 'm-bne'],
            ['index', 'idx'],
            ['auditor', 'audit'],
        ];
        for (const [role, id] of parties) {
            const out = await ok(
                `init --role ${role} --id ${id} --dir ${d(id)} --ledger ${ledger}`,
            );
            assert.match(out, /hand this to the operator/);
        }
        // not registered yet: the contract's refusal with what to do
        await refused(
            `provider publish-tariff --dir ${d('acme')} --file ${d('nope.json')}`,
            /nope\.json does not exist/,
        );
        for (const id of ['acme', 'alice', 'bob', 'idx', 'audit'])
            await ok(
                `operator register --dir ${d('op')} --request ${d(`${id}/registration.json`)}`,
            );
        await refused(
            `operator register --dir ${d('op')} --request ${d('m-ber/registration.json')}`,
            /a meter needs --owner CUSTOMER/,
        );
        await refused(
            `operator register --dir ${d('op')} --request ${d('m-bne/registration.json')} --owner bob --zone Mars/Base`,
            /--zone Mars\/Base is not an IANA time zone/,
        );
        await ok(
            `operator register --dir ${d('op')} --request ${d('m-ber/registration.json')} --owner alice`,
        );
        await ok(
            `operator register --dir ${d('op')} --request ${d('m-bne/registration.json')} --owner bob --slot-minutes 30 --zone Australia/Brisbane`,
        );
        const registry = JSON.parse(await ok(`operator list --dir ${d('op')}`)) as {
            parties: { id: string }[];
            meters: { id: string; slotMinutes: number; timeZone: string }[];
        };
        assert.equal(registry.parties.length, 6);
        assert.deepEqual(registry.meters.map((m) => [m.id, m.slotMinutes, m.timeZone]).sort(), [
            ['m-ber', 15, 'Europe/Berlin'],
            ['m-bne', 30, 'Australia/Brisbane'],
        ]);

        writeFileSync(d('flat1.json'), tariff('acme.flat', 1, 'Europe/Berlin', 320));
        writeFileSync(d('flat2.json'), tariff('acme.flat', 2, 'Europe/Berlin', 350));
        writeFileSync(d('au.json'), tariff('acme.au', 1, 'Australia/Brisbane', 250));
        writeFileSync(
            d('bad-tariff.json'),
            tariff('acme.bad', 1, 'Europe/Berlin', 320).replace('"flat"', '"weird"'),
        );
        await refused(
            `provider publish-tariff --dir ${d('acme')} --file ${d('bad-tariff.json')}`,
            /bad-tariff\.json: .*kind/,
        );
        for (const f of ['flat1', 'flat2', 'au'])
            await ok(`provider publish-tariff --dir ${d('acme')} --file ${d(`${f}.json`)}`);

        await ok(
            `customer publish-mpks --dir ${d('alice')} --meter m-ber --from 2024-03 --count 2`,
        );
        await ok(`customer publish-mpks --dir ${d('bob')} --meter m-bne --from 2024-03 --count 2`);
        await refused(
            `customer accept --dir ${d('alice')} --meter m-ber --provider acme --tariff acme.flat --periods 2024-03`,
            /expected ID@VERSION/,
        );
        await ok(
            `customer accept --dir ${d('alice')} --meter m-ber --provider acme --tariff acme.flat@1 --periods 2024-03`,
        );
        await ok(
            `customer accept --dir ${d('alice')} --meter m-ber --provider acme --tariff acme.flat@2 --periods 2024-04`,
        );
        await ok(
            `customer accept --dir ${d('bob')} --meter m-bne --provider acme --tariff acme.au@1 --periods 2024-03,2024-04`,
        );

        // March: Berlin in two processes (a restart mid-month), Brisbane kWh half-hours
        const ber03 = intervalCsv('2024-03', 'Europe/Berlin', 15).split('\n');
        writeFileSync(d('ber-a.csv'), ber03.slice(0, 1500).join('\n') + '\n');
        writeFileSync(d('ber-b.csv'), ['timestamp,value', ...ber03.slice(1500)].join('\n'));
        writeFileSync(d('bne03.csv'), intervalCsv('2024-03', 'Australia/Brisbane', 30, 0, true));
        await refused(
            `meter ingest --dir ${d('m-ber')} --source ${d('ber-a.csv')} --period 2024-03`,
            /register decreased.*use --kind csv-interval/,
        );
        await refused(
            `meter ingest --dir ${d('m-bne')} --source ${d('bne03.csv')} --period 2024-03 --kind csv-interval`,
            /not a whole number of Wh.*pass --unit kWh/,
        );
        await refused(
            `meter ingest --dir ${d('m-ber')} --source ${d('ber-a.csv')} --period 2024-05 --kind csv-interval`,
            /nothing in .*ber-a\.csv falls in period 2024-05.*pass the --period the file covers/,
        );
        await refused(
            `meter ingest --dir ${d('m-ber')} --source ${d('ber-a.csv')} --period 2024-03 --kind csv-interval`,
            /cannot open .*party\.key.*check the passphrase/,
            { FEMETER_PASSPHRASE: 'wrong passphrase' },
        );
        await refused(
            `meter ingest --dir ${d('alice')} --source ${d('ber-a.csv')} --period 2024-03`,
            /belongs to a customer, this command is for a meter/,
        );
        await ok(
            `meter ingest --dir ${d('m-ber')} --source ${d('ber-a.csv')} --period 2024-03 --kind csv-interval`,
        );
        await ok(
            `meter ingest --dir ${d('m-ber')} --source ${d('ber-b.csv')} --period 2024-03 --kind csv-interval`,
        );
        await ok(
            `meter ingest --dir ${d('m-bne')} --source ${d('bne03.csv')} --period 2024-03 --kind csv-interval --unit kWh`,
        );
        await ok(`meter close --dir ${d('m-ber')} --period 2024-03`);
        await ok(`meter close --dir ${d('m-bne')} --period 2024-03`);
        const run1 = JSON.parse(await ok(`provider run --dir ${d('acme')}`)) as {
            bills: { tariff: string }[];
        };
        assert.deepEqual(run1.bills.map((b) => b.tariff).sort(), ['acme.au@1', 'acme.flat@1']);

        // April: Berlin's file ends 20 slots early; the tariff changed to version 2
        writeFileSync(d('ber04.csv'), intervalCsv('2024-04', 'Europe/Berlin', 15, 20));
        writeFileSync(d('bne04.csv'), intervalCsv('2024-04', 'Australia/Brisbane', 30, 0, true));
        await ok(
            `meter ingest --dir ${d('m-ber')} --source ${d('ber04.csv')} --period 2024-04 --kind csv-interval`,
        );
        await refused(
            `meter close --dir ${d('m-ber')} --period 2024-04`,
            /20 of 2880 slots of 2024-04 have no reading/,
        );
        const closed = JSON.parse(
            await ok(`meter close --dir ${d('m-ber')} --period 2024-04 --substitute-missing`),
        ) as { substitutes: number };
        assert.equal(closed.substitutes, 20);
        await ok(
            `meter ingest --dir ${d('m-bne')} --source ${d('bne04.csv')} --period 2024-04 --kind csv-interval --unit kWh`,
        );
        await ok(`meter close --dir ${d('m-bne')} --period 2024-04`);
        const run2 = JSON.parse(await ok(`provider run --dir ${d('acme')}`)) as {
            bills: { tariff: string }[];
        };
        assert.deepEqual(run2.bills.map((b) => b.tariff).sort(), ['acme.au@1', 'acme.flat@2']);

        // every bill equals the customer's own decrypted total
        for (const [cust, meter] of [
            ['alice', 'm-ber'],
            ['bob', 'm-bne'],
        ] as const)
            for (const period of ['2024-03', '2024-04']) {
                const r = JSON.parse(
                    await ok(`customer bills --dir ${d(cust)} --meter ${meter} --period ${period}`),
                ) as {
                    bills: { ok: boolean; bill: string; ownReadingsGive: string }[];
                };
                assert.equal(r.bills.length, 1);
                assert.ok(r.bills.every((b) => b.ok && b.bill === b.ownReadingsGive));
            }
        const csv = await ok(
            `customer readings --dir ${d('alice')} --meter m-ber --period 2024-04 --format csv`,
        );
        const lines = csv.trim().split('\n');
        assert.equal(lines.length, 2881);
        assert.equal(lines.filter((l) => l.endsWith(',0,4')).length, 20); // substitutes: 0 Wh, status 4
        const bills = await ok(`provider bills --dir ${d('acme')} --format csv`);
        assert.equal(bills.trim().split('\n').length, 5);

        // the index publisher, plain timestamp,price CSV
        const bp = periodSlots('2024-03', 'Europe/Berlin', 15);
        const prices = ['timestamp,price'];
        for (let t = bp.startMs; t < bp.endMs; t += 3_600_000)
            prices.push(
                `${new Date(t).toISOString().replace('.000Z', 'Z')},${((t / 3_600_000) % 97).toFixed(2)}`,
            );
        writeFileSync(d('prices.csv'), prices.join('\n') + '\n');
        await ok(`index publish --dir ${d('idx')} --file ${d('prices.csv')} --period 2024-03`);
        writeFileSync(d('bad-prices.csv'), 'when,what\n');
        await refused(
            `index publish --dir ${d('idx')} --file ${d('bad-prices.csv')} --period 2024-03`,
            /bad-prices\.csv: .*header/,
        );

        // wallet backup and restore
        const words = (await ok(`customer backup --dir ${d('alice')}`)).trim();
        assert.equal(words.split(' ').length, 24);
        writeFileSync(d('words.txt'), words);
        await refused(
            `customer restore --dir ${d('alice')} --mnemonic-file ${d('words.txt')}`,
            /wallet\.key exists.*--force/,
        );
        await ok(`customer restore --dir ${d('alice')} --mnemonic-file ${d('words.txt')} --force`);

        const audit = JSON.parse(await ok(`auditor report --dir ${d('audit')} --json`)) as {
            ok: boolean;
            billsChecked: number;
        };
        assert.equal(audit.ok, true);
        assert.equal(audit.billsChecked, 4);
    });

    it('refuses bad configuration and usage with one line and a fix', async () => {
        await refused(
            `init --role plumber --id x --dir ${d('x')}`,
            /Allowed choices are operator, provider/,
        );
        await refused(
            `init --role customer --id x --dir ${d('x')}`,
            /passphrase is shorter than 8|no passphrase/,
            { FEMETER_PASSPHRASE: 'short' },
        );
        await refused(
            ['init', '--role', 'customer', '--id', '-bad id', '--dir', d('y'), '--ledger', 'l'],
            /"id" must be 1–64 letters/,
        );
        await ok(`init --role auditor --id a2 --dir ${d('a2')} --ledger ${d('nowhere')}`);
        await refused(
            `init --role auditor --id a2 --dir ${d('a2')}`,
            /femeter\.json exists already/,
        );
        await refused(
            `auditor report --dir ${d('a2')}`,
            /no ledger at .*nowhere.*operator bootstrap/,
        );
        const cfg = JSON.parse(readFileSync(d('a2/femeter.json'), 'utf8')) as Record<
            string,
            unknown
        >;
        writeFileSync(d('a2/femeter.json'), JSON.stringify({ ...cfg, colour: 'red' }));
        await refused(`auditor report --dir ${d('a2')}`, /unknown field "colour"/);
        writeFileSync(d('a2/femeter.json'), JSON.stringify({ ...cfg, engine: 'paper' }));
        await refused(
            `auditor report --dir ${d('a2')}`,
            /"engine" must be one of embedded, fabric/,
        );
        await refused(
            `auditor report --dir ${d('missing')}`,
            /is not a party directory.*femeter init/,
        );
        await refused(
            `customer publish-mpks --dir ${d('a2')} --meter m --from 2024-13`,
            /--from must be a month YYYY-MM/,
        );
        const help = await femeter(`meter ingest --help`);
        assert.equal(help.code, 0);
        assert.match(help.stdout, /Example:\n {2}femeter meter ingest/);
    });
});
