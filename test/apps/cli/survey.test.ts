// SPDX-License-Identifier: Apache-2.0
/**
 * Statistical surveys through the CLI, every party its own process (embedded engine): a surveyor
 * requests the month's total and an aggregate that would isolate slots beside the provider's
 * tariff key; the customer accepts the first, the guard refuses the second (recorded); after the
 * meter closes the month the surveyor's result equals the plaintext total.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import {
    initParties,
    intervalCsv,
    ok,
    publishTariff,
    refused,
    registerMeter,
    requestTotalAndIsolating,
    suiteDir,
} from './party-cli.js';

describe('femeter survey (embedded engine, one process per party)', () => {
    const d = suiteDir('femeter-survey-');

    it('request, consent under the guard, result equal to the plaintext total', async () => {
        await initParties(d, `--ledger ${d('ledger')}`, [
            ['provider', 'acme'],
            ['customer', 'alice'],
            ['meter', 'm1'],
            ['survey', 'lab'],
        ]);
        await registerMeter(d, 'm1', 'alice');
        await publishTariff(d, 'acme', 'acme.flat', 1, 'Europe/Berlin', 320);
        const cust = `--dir ${d('alice')} --meter m1 --period 2024-03`;
        await ok(`customer publish-mpks --dir ${d('alice')} --meter m1 --from 2024-03 --count 1`);
        await ok(
            `customer accept --dir ${d('alice')} --meter m1 --provider acme --tariff acme.flat@1 --periods 2024-03`,
        );
        const lab = `--dir ${d('lab')} --meter m1 --period 2024-03`;
        await requestTotalAndIsolating(d, lab);
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
