// SPDX-License-Identifier: Apache-2.0
/**
 * Party directories on Hyperledger Fabric (FEMETER_E2E_ENGINE=fabric; skipped otherwise —
 * scripts/fabric/test runs it): a fresh chaincode, then every party its own process with its own
 * directory made by `femeter init --engine fabric`: bootstrap, register, tariff, mpks, accept,
 * ingest (a file ending early), close with substitutes, provider run, customer bills, audit.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fabricEngine } from '../../src/apps/engines.js';
import { stopChaincode } from '../../src/apps/fabric/deploy.js';
import { defaultConnectionPath } from '../../src/ledger/fabric/index.js';
import { billsMatch, intervalCsv, ok, refused, tariff } from '../apps/cli/party-cli.js';

const ON = process.env.FEMETER_E2E_ENGINE === 'fabric';

describe(
    'party directories on Fabric, one process per party',
    { skip: ON ? false : 'set FEMETER_E2E_ENGINE=fabric (scripts/fabric/test does)' },
    () => {
        let dir = '';
        let chaincode = '';
        const connection = defaultConnectionPath();
        const d = (p: string): string => join(dir, p);
        before(async () => {
            dir = mkdtempSync(join(tmpdir(), 'femeter-fabric-parties-'));
            // a fresh ledger: its own chaincode, left running for the party processes
            const engine = await fabricEngine(connection, {
                freshChaincode: 'parties',
                stopChaincodeOnClose: false,
            });
            chaincode = engine.chaincode;
            await engine.close();
        });
        after(async () => {
            rmSync(dir, { recursive: true, force: true });
            if (chaincode !== '')
                await stopChaincode({ dataDir: dirname(connection), name: chaincode });
        });

        it('runs init, register, ingest, close and bill with party directories', async () => {
            const fab = `--engine fabric --fabric-connection ${connection} --fabric-chaincode ${chaincode}`;
            for (const [role, id] of [
                ['operator', 'op'],
                ['provider', 'acme'],
                ['customer', 'alice'],
                ['meter', 'm1'],
                ['auditor', 'audit'],
            ] as const)
                await ok(`init --role ${role} --id ${id} --dir ${d(id)} ${fab}`);
            await ok(`operator bootstrap --dir ${d('op')}`);
            for (const id of ['acme', 'alice', 'audit'])
                await ok(
                    `operator register --dir ${d('op')} --request ${d(`${id}/registration.json`)}`,
                );
            await ok(
                `operator register --dir ${d('op')} --request ${d('m1/registration.json')} --owner alice`,
            );
            writeFileSync(d('flat.json'), tariff('acme.flat', 1, 'Europe/Berlin', 320));
            await ok(`provider publish-tariff --dir ${d('acme')} --file ${d('flat.json')}`);
            await ok(
                `customer publish-mpks --dir ${d('alice')} --meter m1 --from 2024-03 --count 1`,
            );
            await ok(
                `customer accept --dir ${d('alice')} --meter m1 --provider acme --tariff acme.flat@1 --periods 2024-03`,
            );
            writeFileSync(d('march.csv'), intervalCsv('2024-03', 'Europe/Berlin', 15, 12));
            await ok(
                `meter ingest --dir ${d('m1')} --source ${d('march.csv')} --period 2024-03 --kind csv-interval`,
            );
            await refused(
                `meter close --dir ${d('m1')} --period 2024-03`,
                /12 of 2972 slots of 2024-03 have no reading/,
            );
            await ok(`meter close --dir ${d('m1')} --period 2024-03 --substitute-missing`);
            await billsMatch(d('acme'), d('alice'), 'm1', '2024-03', ['acme.flat@1']);
            const audit = JSON.parse(await ok(`auditor report --dir ${d('audit')} --json`)) as {
                ok: boolean;
                billsChecked: number;
            };
            assert.equal(audit.ok, true);
            assert.equal(audit.billsChecked, 1);
        });
    },
);
