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
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { periodSlots } from '../../../src/contract/tariff/index.js';

const CLI = fileURLToPath(new URL('../../../src/apps/cli/femeter.js', import.meta.url));
const PASS = 'test passphrase 1';
const EPOCH = '2024-03';

function femeter(line: string): Promise<{ code: number; stdout: string; stderr: string }> {
    return new Promise((res, rej) => {
        const p = spawn(process.execPath, [CLI, ...line.split(/\s+/)], {
            env: { ...process.env, FEMETER_PASSPHRASE: PASS },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        p.on('error', rej);
        p.on('close', (code) => {
            res({ code: code ?? -1, stdout, stderr });
        });
    });
}
async function ok(args: string): Promise<string> {
    const r = await femeter(args);
    assert.equal(r.code, 0, `femeter ${args} failed: ${r.stderr}`);
    return r.stdout;
}
async function refused(args: string, message: RegExp): Promise<void> {
    const r = await femeter(args);
    assert.notEqual(r.code, 0, `femeter ${args} should fail`);
    assert.match(r.stderr, message);
}

const wh = (h: number, i: number): number => 20 + ((i * (h + 3) * 37) % 400);

describe('grid aggregates through the CLI (embedded engine)', () => {
    let dir = '';
    const d = (p: string): string => join(dir, p);
    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-grid-cli-'));
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('registers, consents, encrypts, shares, aggregates with proofs, exports and audits', async () => {
        const ledger = d('ledger');
        const bp = periodSlots(EPOCH, 'Europe/Berlin', 15);
        await ok(`init --role operator --id op --dir ${d('op')} --ledger ${ledger}`);
        await ok(`operator bootstrap --dir ${d('op')}`);
        const homes = [0, 1, 2, 3, 4].map((i) => ({ c: `c${i}`, m: `m${i}` }));
        for (const [role, id] of [
            ['grid', 'dso'],
            ['auditor', 'audit'],
            ...homes.flatMap((h) => [
                ['customer', h.c],
                ['meter', h.m],
            ]),
        ] as const)
            await ok(`init --role ${role} --id ${id} --dir ${d(id)} --ledger ${ledger}`);
        for (const id of ['dso', 'audit', ...homes.map((h) => h.c)])
            await ok(
                `operator register --dir ${d('op')} --request ${d(`${id}/registration.json`)}`,
            );
        for (const h of homes)
            await ok(
                `operator register --dir ${d('op')} --request ${d(`${h.m}/registration.json`)} --owner ${h.c}`,
            );
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
