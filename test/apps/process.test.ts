// SPDX-License-Identifier: Apache-2.0
/**
 * Importing femeter and opening an engine changes nothing process-wide: a child script that does
 * so and then throws (or rejects) must still end with a non-zero exit code. fabric-contract-api,
 * loaded with the contract, installs handlers that would log the error and exit 0.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';

const ENGINES = new URL('../../src/apps/engines.js', import.meta.url).href;

describe('importing femeter', () => {
    for (const how of ['throw', 'reject'] as const)
        it(`leaves an uncaught ${how} fatal after an engine opened`, () => {
            const dir = mkdtempSync(join(tmpdir(), 'femeter-proc-'));
            try {
                const script = join(dir, 'child.mjs');
                writeFileSync(
                    script,
                    `import { embeddedEngine } from ${JSON.stringify(ENGINES)};
const e = await embeddedEngine(${JSON.stringify(join(dir, 'ledger'))}, undefined);
await e.close();
console.log('opened');
${how === 'throw' ? "setTimeout(() => { throw new Error('boom'); }, 0);" : "Promise.reject(new Error('boom'));"}
`,
                );
                const r = spawnSync(process.execPath, [script], {
                    encoding: 'utf8',
                    env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: 'error' },
                });
                assert.match(r.stdout, /opened/, r.stderr);
                assert.notEqual(r.status, 0);
                assert.match(r.stderr, /boom/);
            } finally {
                rmSync(dir, { recursive: true, force: true });
            }
        });
});
