// SPDX-License-Identifier: Apache-2.0
/**
 * Checks in worker threads before ordering (ledger/embedded/verify-pool): a task's `onValid` runs
 * only when its function returned exactly true in a worker; every other outcome (false, truthy,
 * a promise, a throw, a missing export or module, a timeout, a dead worker, a closed pool, a full
 * backlog) notes nothing, and a dead worker gets no more tasks.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import {
    MAX_WAITING,
    VerifyPool,
    type PreverifyTask,
} from '../../../src/ledger/embedded/verify-pool.js';

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

    it('drops a worker that dies: its task ends at once, later tasks go to the live one', async () => {
        const pool = new VerifyPool(2);
        try {
            const t0 = performance.now();
            assert.equal(await runs(pool, { module: FIXTURE, fn: 'die', input: [] }), 0);
            assert.ok(performance.now() - t0 < 1_500, 'not left to the 2-s timeout');
            assert.equal(pool.alive, 1);
            for (let i = 0; i < 4; i++)
                assert.equal(await runs(pool, { module: FIXTURE, fn: 'check', input: ['ok'] }), 1);
            // the last worker dies too: tasks are then not sent at all (checked inline)
            assert.equal(await runs(pool, { module: FIXTURE, fn: 'die', input: [] }), 0);
            assert.equal(pool.alive, 0);
            assert.equal(await runs(pool, { module: FIXTURE, fn: 'check', input: ['ok'] }), 0);
        } finally {
            await pool.close();
        }
    });

    it('a task answered after its 2-s timeout notes nothing', async () => {
        const pool = new VerifyPool(1);
        try {
            let noted = 0;
            const t0 = performance.now();
            await pool.run({
                module: FIXTURE,
                fn: 'sleep',
                input: [2_600],
                onValid: () => noted++,
            });
            const waited = performance.now() - t0;
            assert.ok(waited >= 1_900 && waited < 2_500, `resolved after ${waited} ms`);
            // the worker answers true at 2.6 s: too late to count
            await new Promise((r) => setTimeout(r, 900));
            assert.equal(noted, 0);
            assert.equal(await runs(pool, { module: FIXTURE, fn: 'check', input: ['ok'] }), 1);
        } finally {
            await pool.close();
        }
    });

    it(`caps a worker's backlog at ${MAX_WAITING} tasks; beyond it tasks are not sent`, async () => {
        const pool = new VerifyPool(1);
        try {
            const n = MAX_WAITING + 6;
            const counts = await Promise.all(
                Array.from({ length: n }, () =>
                    runs(pool, { module: FIXTURE, fn: 'sleep', input: [5] }),
                ),
            );
            assert.equal(
                counts.reduce((a, b) => a + b, 0),
                MAX_WAITING,
            );
            assert.deepEqual(counts.slice(MAX_WAITING), [0, 0, 0, 0, 0, 0]);
            // the backlog drained: new tasks are sent again
            assert.equal(await runs(pool, { module: FIXTURE, fn: 'check', input: ['ok'] }), 1);
        } finally {
            await pool.close();
        }
    });
});
