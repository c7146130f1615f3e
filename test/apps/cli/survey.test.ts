// SPDX-License-Identifier: Apache-2.0
/**
 * Statistical surveys through the CLI, every party its own process (embedded engine): a surveyor
 * requests the month's total and an aggregate that would isolate slots beside the provider's
 * tariff key; the customer accepts the first, the guard refuses the second (recorded); after the
 * meter closes the month the surveyor's result equals the plaintext total.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import { intervalCsv, ok, refused, tariff } from './party-cli.js';

describe('femeter survey (embedded engine, one process per party)', () => {
    let dir = '';
    const d = (p: string): string => join(dir, p);
    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-survey-'));
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('request, consent under the guard, result equal to the plaintext total', async () => {
        const ledger = d('ledger');
        await ok(`init --role operator --id op --dir ${d('op')} --ledger ${ledger}`);
        await ok(`operator bootstrap --dir ${d('op')}`);
        for (const [role, id] of [
            ['provider', 'acme'],
            ['customer', 'alice'],
            ['meter', 'm1'],
            ['survey', 'lab'],
        ] as const) {
            await ok(`init --role ${role} --id ${id} --dir ${d(id)} --ledger ${ledger}`);
            if (role !== 'meter')
                await ok(
                    `operator register --dir ${d('op')} --request ${d(`${id}/registration.json`)}`,
                );
        }
        await ok(
            `operator register --dir ${d('op')} --request ${d('m1/registration.json')} --owner alice`,
        );
        writeFileSync(d('acme.flat.json'), tariff('acme.flat', 1, 'Europe/Berlin', 320));
        await ok(`provider publish-tariff --dir ${d('acme')} --file ${d('acme.flat.json')}`);
        const cust = `--dir ${d('alice')} --meter m1 --period 2024-03`;
        await ok(`customer publish-mpks --dir ${d('alice')} --meter m1 --from 2024-03 --count 1`);
        await ok(
            `customer accept --dir ${d('alice')} --meter m1 --provider acme --tariff acme.flat@1 --periods 2024-03`,
        );
        const lab = `--dir ${d('lab')} --meter m1 --period 2024-03`;
        await ok(`survey request ${lab} --id s1 --total --purpose load-study`);
        writeFileSync(
            d('almost.json'),
            JSON.stringify({
                kind: 'timeOfUse',
                holidays: { country: 'DE' },
                zones: [
                    {
                        name: 'day',
                        days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'holiday'],
                        from: '00:15',
                        to: '24:00',
                    },
                ],
            }),
        );
        await ok(`survey request ${lab} --id s2 --spec ${d('almost.json')} --purpose night`);
        await refused(`survey request ${lab} --id s3 --purpose x`, /exactly one of --total/);
        await ok(`customer survey accept ${cust} --id s1`);
        await refused(`customer survey accept ${cust} --id s2`, /refused survey s2.*privacy guard/);
        const list = JSON.parse(await ok(`customer survey list ${cust}`)) as {
            id: string;
            status: string;
        }[];
        assert.deepEqual(list.map((s) => [s.id, s.status]).sort(), [
            ['s1', 'accepted'],
            ['s2', 'refused'],
        ]);
        await refused(`survey result ${lab} --id s1`, /not closed/);

        const csv = d('m1.csv');
        writeFileSync(csv, intervalCsv('2024-03', 'Europe/Berlin', 15));
        await ok(
            `meter ingest --dir ${d('m1')} --source ${csv} --period 2024-03 --kind csv-interval`,
        );
        await ok(`meter close --dir ${d('m1')} --period 2024-03`);
        const n = periodSlots('2024-03', 'Europe/Berlin', 15).slotCount;
        let total = 0;
        for (let i = 0; i < n; i++) total += 50 + ((i * 37) % 200);
        const r = JSON.parse(await ok(`survey result ${lab} --id s1`)) as { m: string };
        assert.equal(r.m, String(total));
        await refused(`survey result ${lab} --id s2`, /survey s2 is refused/);
    });
});
