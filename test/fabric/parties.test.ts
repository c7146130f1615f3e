// SPDX-License-Identifier: Apache-2.0
/**
 * The three-period deployment of `test/apps/cli/three-periods.ts` on Hyperledger Fabric
 * (FEMETER_E2E_ENGINE=fabric; skipped otherwise — scripts/fabric/test runs it): every party's
 * directory made by `femeter init --engine fabric` on a fresh chaincode.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fabricEngine } from '../../src/apps/engines.js';
import { stopChaincode } from '../../src/apps/fabric/deploy.js';
import { defaultConnectionPath } from '../../src/ledger/fabric/index.js';
import type { Agent } from '../apps/cli/party-cli.js';
import { threePeriods } from '../apps/cli/three-periods.js';

const ON = process.env.FEMETER_E2E_ENGINE === 'fabric';

describe(
    'a deployment on Fabric, one process and directory per party, three periods',
    { skip: ON ? false : 'set FEMETER_E2E_ENGINE=fabric (scripts/fabric/test does)' },
    () => {
        let dir = '';
        let chaincode = '';
        const agents: Agent[] = [];
        const connection = defaultConnectionPath();
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
            for (const a of agents) await a.stop();
            rmSync(dir, { recursive: true, force: true });
            if (chaincode !== '')
                await stopChaincode({ dataDir: dirname(connection), name: chaincode });
        });

        it('bills three periods with a tariff change, a switch, a meter crash and surveys', async () => {
            const engine = `--engine fabric --fabric-connection ${connection} --fabric-chaincode ${chaincode}`;
            await threePeriods(dir, engine, (a) => (agents.push(a), a));
        });
    },
);
