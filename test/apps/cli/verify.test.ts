// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/apps/cli/verify
 * `femeter verify` with trust anchors kept outside the data directory (issue 9 item 7): a signed
 * checkpoint (`femeter checkpoint`), submit receipts and the engine's public key. A ledger whose
 * tail was cut, or that was rewritten under another engine key, passes a blind check but is refused
 * against an anchor; a wrong engine key is refused.
 */
import '../../ledger/fixtures/quiet.js';

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { bytesToHex } from '@noble/hashes/utils.js';
import { derive } from '../../../src/apps/demo/demo.js';
import { embeddedEngine, embeddedIdentity } from '../../../src/apps/engines.js';
import { identities } from '../../../src/ledger/index.js';
import { truncate } from '../../ledger/fixtures/truncate.js';

const CLI = new URL('../../../src/apps/cli/femeter.js', import.meta.url).pathname;
const SEED = 'anchors-test';

function femeter(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CLI, ...args], {
        encoding: 'utf8',
        env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: 'error' },
        timeout: 300_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/**
 * A world (as `femeter demo` lays it out) whose auditor is registered: the operator, the auditor
 * and `customers` more parties, one block each. Returns the receipt of the last block.
 */
async function buildWorld(
    data: string,
    customers: number,
): Promise<{ blockNumber: string; blockHash: string }> {
    await mkdir(data, { recursive: true });
    await writeFile(
        join(data, 'world.json'),
        JSON.stringify({ seed: SEED, period: '2024-03', customers: 1 }),
    );
    const engine = await embeddedEngine(join(data, 'ledger'), derive(SEED, 'engine'));
    try {
        const operator = await engine.connect('operator', 'operator');
        await operator.api.bootstrap('operator', 'Operator');
        const auditor = await engine.connect('auditor', 'customers');
        await operator.api.registerParty({
            id: 'auditor',
            role: 'auditor',
            name: 'Auditor',
            identity: auditor.identity,
        });
        let last: { blockNumber: bigint; blockHash?: Uint8Array } | undefined;
        for (let i = 0; i < customers; i++) {
            const identity = embeddedIdentity(identities.newPrivateKey(), 'customers');
            last = await operator.api.client.submit(
                'RegisterParty',
                JSON.stringify({ id: `c${i}`, role: 'customer', name: `C${i}`, identity }),
            );
        }
        assert.ok(last?.blockHash !== undefined, 'the embedded engine returns a receipt');
        return { blockNumber: last.blockNumber.toString(), blockHash: bytesToHex(last.blockHash) };
    } finally {
        await engine.close();
    }
}

describe('femeter verify with trust anchors', () => {
    let dir: string;
    let data: string;
    let receiptFile: string;
    let checkpointFile: string;
    let engineKey: string;
    let height: bigint;
    const verify = (...flags: string[]) => femeter('verify', '--data', data, ...flags);

    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'femeter-verify-'));
        data = join(dir, 'world');
        receiptFile = join(dir, 'receipt.json');
        checkpointFile = join(dir, 'checkpoint.json');
        const receipt = await buildWorld(data, 4);
        height = BigInt(receipt.blockNumber) + 1n;
        await writeFile(receiptFile, JSON.stringify(receipt));
        const cp = femeter('checkpoint', '--data', data, '--out', checkpointFile);
        assert.equal(cp.status, 0, cp.stderr);
        const key = /engine public key ([0-9a-f]{64})/.exec(cp.stderr)?.[1];
        assert.ok(key !== undefined, cp.stderr);
        engineKey = key;
    });
    after(async () => {
        await rm(dir, { recursive: true, force: true });
    });

    it('an intact ledger verifies against the checkpoint, the receipt and the engine key', () => {
        const r = verify(
            '--checkpoint',
            checkpointFile,
            '--receipt',
            receiptFile,
            '--engine-key',
            engineKey,
        );
        assert.equal(r.status, 0, r.stderr + r.stdout);
        assert.match(r.stderr, /against 2 anchor\(s\), engine key given: ok/);
        assert.equal((JSON.parse(r.stdout) as { ok: boolean }).ok, true);
    });

    it('refuses a wrong engine key, a checkpoint without a key, and malformed anchors', async () => {
        const other = bytesToHex(identities.ed25519('x', identities.newPrivateKey()).credentials);
        let r = verify('--checkpoint', checkpointFile, '--engine-key', other);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /does not verify with the given engine public key/);
        r = verify('--receipt', receiptFile, '--engine-key', other);
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stderr, /FAILED/);
        assert.equal((JSON.parse(r.stdout) as { ok: boolean }).ok, false);
        // the key given as a file
        const keyFile = join(dir, 'engine.pub');
        await writeFile(keyFile, `${engineKey}\n`);
        r = verify('--receipt', receiptFile, '--engine-key', keyFile);
        assert.equal(r.status, 0, r.stderr);
        r = verify('--checkpoint', checkpointFile);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /--checkpoint needs --engine-key/);
        const bad = join(dir, 'bad-receipt.json');
        await writeFile(bad, JSON.stringify({ blockNumber: '-1', blockHash: 'zz' }));
        r = verify('--receipt', bad);
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /expected \{ "blockNumber"/);
        r = verify('--engine-key', 'not-a-key');
        assert.notEqual(r.status, 0);
        assert.match(r.stderr, /--engine-key not-a-key: no such file/);
    });

    it('a cut tail passes a blind check but is named against the receipt or the checkpoint', async () => {
        await truncate(join(data, 'ledger'), height - 2n);
        let r = verify();
        assert.equal(r.status, 0, 'without anchors a cut tail is undetectable: ' + r.stderr);
        r = verify('--receipt', receiptFile);
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /truncated/);
        r = verify('--checkpoint', checkpointFile, '--engine-key', engineKey);
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /truncated/);
    });

    it('a ledger rewritten from scratch (new engine key) is refused against the key or the receipt', async () => {
        await rm(data, { recursive: true, force: true });
        await buildWorld(data, 4);
        let r = verify();
        assert.equal(r.status, 0, 'the rewritten ledger is consistent in itself: ' + r.stderr);
        r = verify('--engine-key', engineKey);
        assert.equal(r.status, 1, r.stderr);
        assert.match(r.stdout, /different engine public key/);
        r = verify('--receipt', receiptFile);
        assert.equal(r.status, 1, r.stderr);
    });
});
