// SPDX-License-Identifier: Apache-2.0
/**
 * Grid aggregates through the built CLI on the embedded engine, every party its own directory and
 * process: a grid operator registers a group of five households (--min-members 5); each household
 * consents and writes its meter's client key; each meter encrypts a month from an interval CSV;
 * each household publishes its share; the grid operator posts every slot's sum with its proof; the
 * exported load curve equals the plaintext sums; the auditor's check passes. Refusals: a customer
 * registering a group, a group below the floor, an overlapping group, aggregation before the last
 * share.
 */
import { strict as assert } from 'node:assert';
import { writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import { initParties, ok, type Party, refused, registerMeter, suiteDir } from './party-cli.js';

const EPOCH = '2024-03';

const wh = (h: number, i: number): number => 20 + ((i * (h + 3) * 37) % 400);

describe('grid aggregates through the CLI (embedded engine)', () => {
    const d = suiteDir('femeter-grid-cli-');

    it('registers, consents, encrypts, shares, aggregates with proofs, exports and audits', async () => {
        const ledger = d('ledger');
        const bp = periodSlots(EPOCH, 'Europe/Berlin', 15);
        const homes = [0, 1, 2, 3, 4].map((i) => ({ c: `c${i}`, m: `m${i}` }));
        await initParties(d, `--ledger ${ledger}`, [
            ['grid', 'dso'],
            ['auditor', 'audit'],
            ...homes.flatMap((h): Party[] => [
                ['customer', h.c],
                ['meter', h.m],
            ]),
        ]);
        for (const h of homes) await registerMeter(d, h.m, h.c);
        const group = `--group feeder-1 --epoch ${EPOCH}`;
        const five = homes.slice(0, 5);
        await refused(
            `grid register-group --dir ${d('c0')} ${group} --members m0,m1,m2,m3,m4 --min-members 5`,
            /this command is for a grid/,
        );
        await refused(
            `grid register-group --dir ${d('dso')} ${group} --members m0,m1,m2,m3 --min-members 4`,
            /minMembers/,
        );
        await ok(
            `grid register-group --dir ${d('dso')} ${group} --members ${five.map((h) => h.m).join(',')} --min-members 5`,
        );
        await refused(
            `grid register-group --dir ${d('dso')} --group feeder-2 --epoch ${EPOCH} --members m0,m1,m2,m3,m4 --min-members 5`,
            /at most one aggregation group/,
        );
        for (const [n, h] of five.entries()) {
            await ok(
                `customer grid-consent --dir ${d(h.c)} --meter ${h.m} ${group} --client-key-out ${d(`${h.m}.key`)} --min-members 5`,
            );
            const rows = ['timestamp,value'];
            for (let i = 0; i < bp.slotCount; i++)
                rows.push(
                    `${new Date(bp.startMs + i * 900_000).toISOString().replace('.000Z', 'Z')},${wh(n, i)}`,
                );
            writeFileSync(d(`${h.m}.csv`), rows.join('\n') + '\n');
            await ok(
                `meter grid-submit --dir ${d(h.m)} ${group} --client-key ${d(`${h.m}.key`)} --source ${d(`${h.m}.csv`)} --kind csv-interval`,
            );
        }
        for (const h of five.slice(0, 4))
            await ok(`customer grid-share --dir ${d(h.c)} --meter ${h.m} ${group} --min-members 5`);
        await refused(`grid aggregate --dir ${d('dso')} ${group}`, /no key share from 1 of 5/);
        await ok(`customer grid-share --dir ${d('c4')} --meter m4 ${group} --min-members 5`);
        const run = JSON.parse(await ok(`grid aggregate --dir ${d('dso')} ${group}`)) as {
            posted: number;
            incomplete: unknown[];
        };
        assert.equal(run.posted, bp.slotCount);
        assert.deepEqual(run.incomplete, []);
        const csv = (await ok(`grid aggregates --dir ${d('dso')} ${group}`)).trim().split('\n');
        assert.equal(csv.length, bp.slotCount + 1);
        for (const line of csv.slice(1)) {
            const [slot, , sum, members] = line.split(',');
            const i = Number(slot);
            assert.equal(
                Number(sum),
                [0, 1, 2, 3, 4].reduce((s, n) => s + wh(n, i), 0),
            );
            assert.equal(members, '5');
        }
        const audit = JSON.parse(await ok(`auditor grid-check --dir ${d('audit')} ${group}`)) as {
            posted: number;
            valid: number;
        };
        assert.equal(audit.valid, bp.slotCount);
    });
});
