// SPDX-License-Identifier: Apache-2.0
/**
 * Checks in worker threads before ordering (ledger/embedded/verify-pool): a task's `onValid` runs
 * only when its function returned exactly true in a worker; every other outcome (false, truthy,
 * a promise, a throw, a missing export or module, a closed pool) notes nothing.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { VerifyPool, type PreverifyTask } from '../../../src/ledger/embedded/verify-pool.js';

const FIXTURE = new URL('../fixtures/preverify-tasks.js', import.meta.url).href;

/** Run one task; how many times its onValid ran. */
async function runs(pool: VerifyPool, task: Omit<PreverifyTask, 'onValid'>): Promise<number> {
    let n = 0;
    await pool.run({ ...task, onValid: () => n++ });
    return n;
}

describe('verify pool', () => {
    it('calls onValid once for a true answer, with the input cloned into the worker', async () => {
        const pool = new VerifyPool(2);
        try {
            assert.equal(await runs(pool, { module: FIXTURE, fn: 'check', input: ['ok'] }), 1);
            const b = new Uint8Array([1, 2, 3]);
            assert.equal(await runs(pool, { module: FIXTURE, fn: 'check', input: ['ok', b] }), 1);
            assert.deepEqual([...b], [1, 2, 3]); // cloned, not transferred: the caller keeps it
            // many at once, spread over both workers
            const all = await Promise.all(
                Array.from({ length: 20 }, (_, i) =>
                    runs(pool, { module: FIXTURE, fn: 'check', input: [i % 2 ? 'ok' : 'no'] }),
                ),
            );
            assert.deepEqual(
                all,
                Array.from({ length: 20 }, (_, i) => i % 2),
            );
        } finally {
            await pool.close();
        }
    });

    it('notes nothing for false, truthy, promised, thrown, missing or unloadable answers', async () => {
        const pool = new VerifyPool(1);
        try {
            const cases: Omit<PreverifyTask, 'onValid'>[] = [
                { module: FIXTURE, fn: 'check', input: ['no'] },
                { module: FIXTURE, fn: 'check', input: ['ok', new Uint8Array([0])] },
                { module: FIXTURE, fn: 'truthy', input: [] },
                { module: FIXTURE, fn: 'later', input: [] },
                { module: FIXTURE, fn: 'throws', input: [] },
                { module: FIXTURE, fn: 'notAFunction', input: [] },
                { module: FIXTURE, fn: 'missing', input: [] },
                {
                    module: new URL('./no-such-module.js', FIXTURE).href,
                    fn: 'check',
                    input: ['ok'],
                },
            ];
            for (const c of cases) assert.equal(await runs(pool, c), 0, JSON.stringify(c));
            // the worker still answers after all of that
            assert.equal(await runs(pool, { module: FIXTURE, fn: 'check', input: ['ok'] }), 1);
        } finally {
            await pool.close();
        }
    });

    it('a throwing onValid is contained; a closed pool runs nothing', async () => {
        const pool = new VerifyPool(1);
        await pool.run({
            module: FIXTURE,
            fn: 'check',
            input: ['ok'],
            onValid: () => {
                throw new Error('note failed');
            },
        });
        await pool.close();
        assert.equal(await runs(pool, { module: FIXTURE, fn: 'check', input: ['ok'] }), 0);
    });
});
