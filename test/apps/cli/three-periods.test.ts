// SPDX-License-Identifier: Apache-2.0
/**
 * The three-period deployment of `./three-periods.ts` on the embedded engine: every party its
 * own process and directory (`femeter init --ledger L`), all sharing one ledger directory (one
 * process holds it at a time; the others wait for it).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Agent } from './party-cli.js';
import { threePeriods } from './three-periods.js';

describe('a deployment on the embedded engine, one process and directory per party', () => {
    const dir = mkdtempSync(join(tmpdir(), 'femeter-three-periods-'));
    const agents: Agent[] = [];
    after(async () => {
        for (const a of agents) await a.stop();
        rmSync(dir, { recursive: true, force: true });
    });

    it('bills three periods with a tariff change, a switch, a meter crash and surveys', async () => {
        await threePeriods(dir, `--ledger ${join(dir, 'ledger')}`, (a) => (agents.push(a), a));
    });
});
