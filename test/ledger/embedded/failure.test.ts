// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/failure
 * A failing store: LevelDB's batch write is made to fail (fault injected into classic-level's chained batch in
 * this test process). The transactions of that block get CommitError, everything after it is refused with
 * SubmitError FAILED (never silently dropped or half-written), event streams report the failure, and after a
 * reopen the ledger holds exactly what was committed before and verifies clean.
 */

import '../fixtures/quiet.js';

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { ClassicLevel } from 'classic-level';

import { CommitError, SubmitError } from '../../../src/ledger/index.js';
import { connect, openLedger, party, tempDir, text } from '../helpers.js';

describe('storage failure', () => {
    it('fails the block with CommitError, refuses later work, and keeps a verifiable prefix', async () => {
        const { dir, cleanup } = await tempDir();
        // Reach classic-level's ChainedBatch class through a scratch database.
        const scratch = new ClassicLevel(join(dir, 'scratch'));
        await scratch.open();
        const proto = Object.getPrototypeOf(scratch.batch()) as {
            _write: (o: unknown) => Promise<void>;
        };
        await scratch.close();
        const realWrite = proto._write;
        let failing = false;
        proto._write = function (this: unknown, options: unknown): Promise<void> {
            if (failing) return Promise.reject(new Error('injected: no space left on device'));
            return realWrite.call(this, options);
        };
        try {
            const p = party('OrgMSP');
            let ledger = await openLedger(join(dir, 'ledger'));
            let client = connect(ledger, p);
            await client.submit('Put', 'kept', '1');
            const stream = await client.events();
            const streamOutcome = (async () => {
                for await (const _ of stream) {
                    /* nothing arrives */
                }
            })();

            failing = true;
            const outcomes = await Promise.allSettled(
                Array.from({ length: 20 }, (_, i) => client.submit('Put', `lost${i}`, 'x')),
            );
            for (const o of outcomes) {
                assert.equal(o.status, 'rejected');
                const e = o.reason as unknown;
                assert.ok(
                    (e instanceof CommitError && e.code === 'STORAGE') ||
                        (e instanceof SubmitError && e.code === 'FAILED'),
                    String(e),
                );
            }
            assert.ok(
                outcomes.some((o) => o.status === 'rejected' && o.reason instanceof CommitError),
            );
            await assert.rejects(
                client.submit('Put', 'later', 'x'),
                (e: unknown) => e instanceof SubmitError && e.code === 'FAILED',
            );
            await assert.rejects(
                client.evaluate('Get', 'kept'),
                (e: unknown) => e instanceof SubmitError && e.code === 'FAILED',
            );
            await assert.rejects(streamOutcome, (e: unknown) => e instanceof CommitError);
            await ledger.close();

            failing = false;
            ledger = await openLedger(join(dir, 'ledger'));
            client = connect(ledger, p);
            assert.equal(text(await client.evaluate('Get', 'kept')), '1');
            await assert.rejects(client.evaluate('Get', 'lost0'), /does not exist/);
            assert.equal((await ledger.verify()).ok, true);
            await client.submit('Put', 'recovered', 'yes');
            await ledger.close();
        } finally {
            proto._write = realWrite;
            await cleanup();
        }
    });
});
