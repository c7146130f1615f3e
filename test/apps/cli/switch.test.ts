// SPDX-License-Identifier: Apache-2.0
/**
 * Two channels and a provider switch, every party its own process: a meter with import (1-0:1.8.0)
 * and export (1-0:2.8.0); March with provider acme on both channels, April with bolt after
 * `customer switch`. Each provider bills exactly its periods and channels, every bill equals the
 * customer's own total for that channel, the audit is clean; a switch into periods another
 * provider holds is refused.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import {
    initParties,
    intervalCsv,
    ok,
    publishTariff,
    refused,
    registerMeter,
    suiteDir,
} from './party-cli.js';

const IMPORT = '1-0:1.8.0';
const EXPORT = '1-0:2.8.0';

describe('femeter channels and provider switch (embedded engine, one process per party)', () => {
    const d = suiteDir('femeter-switch-');

    it('bills import and export per period by the provider of that period', async () => {
        await initParties(d, `--ledger ${d('ledger')}`, [
            ['provider', 'acme'],
            ['provider', 'bolt'],
            ['customer', 'alice'],
            ['meter', 'm1'],
            ['auditor', 'audit'],
        ]);
        await registerMeter(
            d,
            'm1',
            'alice',
            `--channel ${IMPORT},Wh,electricity ${EXPORT},Wh,electricity`,
        );
        for (const [prov, id, price] of [
            ['acme', 'acme.flat', 320],
            ['acme', 'acme.feed', 80],
            ['bolt', 'bolt.flat', 300],
            ['bolt', 'bolt.feed', 70],
        ] as const)
            await publishTariff(d, prov, id, 1, 'Europe/Berlin', price);
        const cust = `--dir ${d('alice')} --meter m1`;
        for (const ch of [IMPORT, EXPORT])
            await ok(`customer publish-mpks ${cust} --channel ${ch} --from 2024-03 --count 2`);
        await ok(
            `customer accept ${cust} --channel ${IMPORT} --provider acme --tariff acme.flat@1 --periods 2024-03`,
        );
        await ok(
            `customer accept ${cust} --channel ${EXPORT} --provider acme --tariff acme.feed@1 --periods 2024-03`,
        );
        await refused(
            `customer switch ${cust} --channel ${IMPORT} --to bolt --tariff bolt.flat@1 --from 2024-03 --count 2`,
            /acme holds acme\.flat@1 for m1 1-0:1\.8\.0 2024-03.*switch from the period after/,
        );
        await ok(
            `customer switch ${cust} --channel ${IMPORT} --to bolt --tariff bolt.flat@1 --from 2024-04 --count 1`,
        );
        await ok(
            `customer switch ${cust} --channel ${EXPORT} --to bolt --tariff bolt.feed@1 --from 2024-04 --count 1`,
        );

        for (const period of ['2024-03', '2024-04'])
            for (const [ch, drop] of [
                [IMPORT, 0],
                [EXPORT, 7],
            ] as const) {
                const f = d(`${ch.replace(/[:.]/g, '_')}-${period}.csv`);
                writeFileSync(f, intervalCsv(period, 'Europe/Berlin', 15, drop));
                await ok(
                    `meter ingest --dir ${d('m1')} --channel ${ch} --source ${f} --period ${period} --kind csv-interval`,
                );
                await ok(
                    `meter close --dir ${d('m1')} --channel ${ch} --period ${period} --substitute-missing`,
                );
            }

        const billsOf = async (prov: string): Promise<string[]> =>
            (
                JSON.parse(await ok(`provider run --dir ${d(prov)}`)) as {
                    bills: { epoch: string; tariff: string }[];
                }
            ).bills
                .map((b) => `${b.epoch} ${b.tariff}`)
                .sort();
        assert.deepEqual(await billsOf('acme'), [
            `m1|${IMPORT}|2024-03 acme.flat@1`,
            `m1|${EXPORT}|2024-03 acme.feed@1`,
        ]);
        assert.deepEqual(await billsOf('bolt'), [
            `m1|${IMPORT}|2024-04 bolt.flat@1`,
            `m1|${EXPORT}|2024-04 bolt.feed@1`,
        ]);
        // a second run of acme finds nothing new: April is not its to bill
        assert.deepEqual(await billsOf('acme'), []);

        for (const period of ['2024-03', '2024-04'])
            for (const ch of [IMPORT, EXPORT]) {
                const r = JSON.parse(
                    await ok(`customer bills ${cust} --channel ${ch} --period ${period}`),
                ) as {
                    bills: { ok: boolean; bill: string; ownReadingsGive: string; tariff: string }[];
                };
                assert.equal(r.bills.length, 1, `${ch} ${period}`);
                const [b] = r.bills;
                assert.ok(b?.ok === true && b.bill === b.ownReadingsGive);
                assert.match(b.tariff, period === '2024-03' ? /^acme\./ : /^bolt\./);
            }
        const audit = JSON.parse(await ok(`auditor report --dir ${d('audit')} --json`)) as {
            ok: boolean;
            billsChecked: number;
        };
        assert.equal(audit.ok, true);
        assert.equal(audit.billsChecked, 4);
    });
});
