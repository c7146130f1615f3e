// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/verify-worker
 * Worker thread of {@link VerifyPool}: imports a task's module (once per URL, again after a failed
 * import), calls its named
 * export with the task's input and answers whether it returned exactly true. Anything else (a
 * missing export, a throw, a rejected import) answers false, and the contract checks inline.
 */
import { parentPort } from 'node:worker_threads';

import type { VerifyAnswer, VerifyJob } from './verify-pool.js';

const modules = new Map<string, Promise<Record<string, unknown>>>();

async function run(job: VerifyJob): Promise<boolean> {
    let mod = modules.get(job.module);
    if (mod === undefined) {
        mod = import(job.module) as Promise<Record<string, unknown>>;
        modules.set(job.module, mod);
        // a failed import is tried again by the next task (e.g. files replaced during a deploy)
        mod.catch(() => modules.delete(job.module));
    }
    const fn = (await mod)[job.fn];
    if (typeof fn !== 'function') return false;
    return (fn as (...input: unknown[]) => unknown)(...job.input) === true;
}

parentPort?.on('message', (job: VerifyJob) => {
    run(job).then(
        (ok) => parentPort?.postMessage({ id: job.id, ok } satisfies VerifyAnswer),
        () => parentPort?.postMessage({ id: job.id, ok: false } satisfies VerifyAnswer),
    );
});
