// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/checkpointers
 * One behaviour suite run over both checkpointers (as fabric-gateway tests its own), plus persistence and
 * refusal of a damaged file for the file checkpointer.
 */

import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { checkpointers } from '../../src/ledger/checkpointers.js';
import type { Checkpointer } from '../../src/ledger/client.js';
import { tempDir } from './helpers.js';

const implementations: [
    string,
    () => Promise<{ checkpointer: Checkpointer; done: () => Promise<void> }>,
][] = [
    [
        'inMemory',
        () =>
            Promise.resolve({
                checkpointer: checkpointers.inMemory(),
                done: () => Promise.resolve(),
            }),
    ],
    [
        'file',
        async () => {
            const { dir, cleanup } = await tempDir();
            return { checkpointer: await checkpointers.file(join(dir, 'cp.json')), done: cleanup };
        },
    ],
];

for (const [name, make] of implementations) {
    describe(`checkpointers.${name}`, () => {
        it('starts empty', async () => {
            const { checkpointer, done } = await make();
            assert.equal(checkpointer.blockNumber(), undefined);
            assert.equal(checkpointer.transactionId(), undefined);
            await done();
        });
        it('checkpointBlock(n) moves to block n + 1 with no transaction', async () => {
            const { checkpointer, done } = await make();
            await checkpointer.checkpointTransaction(3n, 'aa');
            await checkpointer.checkpointBlock(7n);
            assert.equal(checkpointer.blockNumber(), 8n);
            assert.equal(checkpointer.transactionId(), undefined);
            await done();
        });
        it('checkpointTransaction and checkpointChaincodeEvent stay in the block after the transaction', async () => {
            const { checkpointer, done } = await make();
            await checkpointer.checkpointTransaction(4n, 'bb');
            assert.equal(checkpointer.blockNumber(), 4n);
            assert.equal(checkpointer.transactionId(), 'bb');
            await checkpointer.checkpointChaincodeEvent({
                blockNumber: 5n,
                transactionId: 'cc',
                eventName: 'E',
                payload: new Uint8Array(),
            });
            assert.equal(checkpointer.blockNumber(), 5n);
            assert.equal(checkpointer.transactionId(), 'cc');
            await done();
        });
    });
}

describe('checkpointers.file', () => {
    it('persists every checkpoint, ends with the newest under concurrent calls, and leaves no temp files', async () => {
        const { dir, cleanup } = await tempDir();
        try {
            const path = join(dir, 'cp.json');
            const a = await checkpointers.file(path);
            await Promise.all(
                Array.from({ length: 20 }, (_, i) => a.checkpointTransaction(BigInt(i), `tx${i}`)),
            );
            const b = await checkpointers.file(path);
            assert.equal(b.blockNumber(), 19n);
            assert.equal(b.transactionId(), 'tx19');
            assert.deepEqual(JSON.parse(await readFile(path, 'utf8')), {
                blockNumber: '19',
                transactionId: 'tx19',
            });
            assert.deepEqual(await readdir(dir), ['cp.json']);
        } finally {
            await cleanup();
        }
    });

    it('refuses a damaged file instead of restarting from zero', async () => {
        const { dir, cleanup } = await tempDir();
        try {
            const path = join(dir, 'cp.json');
            await writeFile(path, '{"blockNumber": "1');
            await assert.rejects(checkpointers.file(path));
            await writeFile(path, '{"blockNumber": 12}');
            await assert.rejects(checkpointers.file(path), /decimal string/);
        } finally {
            await cleanup();
        }
    });
});
