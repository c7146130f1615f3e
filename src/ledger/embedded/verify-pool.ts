// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/verify-pool
 * A transaction's costly checks in worker threads before ordering (issue 11). A contract class may
 * offer `static preverify(txName, args, state)`: a {@link PreverifyTask} naming a function of one
 * of its own modules that makes checks the transaction will make when it executes (for femeter's
 * SubmitReadings: every Ed25519 signature and every point of the batch, contract/reading-notes).
 * At admission the engine hands the task to this pool; a worker imports the module, calls the
 * function, and when it answers true the pool calls the task's `onValid` on the engine's thread,
 * where the contract notes the verdict for exactly those inputs. The contract still makes every
 * check: a transaction whose task failed, timed out or was never run is checked inline, so results
 * never depend on the pool. Tasks go to the worker with the fewest waiting; the workers do not
 * keep the process alive and end with {@link VerifyPool.close}.
 */
import { Worker } from 'node:worker_threads';

/** Reads durable state for a contract's `preverify` hook. */
export interface PreverifyState {
    get(key: string): Uint8Array | undefined;
}

/**
 * Work for a worker thread: call the export `fn` of the ES module at the URL `module` with
 * `input` (structured-cloned); when it returns true, `onValid` runs on the engine's thread.
 * `module` must come from the contract's own code, never from a request.
 */
export interface PreverifyTask {
    readonly module: string;
    readonly fn: string;
    readonly input: readonly (string | Uint8Array)[];
    readonly onValid: () => void;
}

/** The optional static hook of a contract class: what a worker can check before the transaction executes. */
export type PreverifyHook = (
    txName: string,
    args: readonly string[],
    state: PreverifyState,
) => PreverifyTask | undefined;

/** A task the workers have not answered by then is left to the contract (checked inline). */
const JOB_TIMEOUT_MS = 2_000;

/** What a worker receives. */
export interface VerifyJob {
    readonly id: number;
    readonly module: string;
    readonly fn: string;
    readonly input: readonly (string | Uint8Array)[];
}

/** A worker's answer: whether the function returned true (false for anything else, errors included). */
export interface VerifyAnswer {
    readonly id: number;
    readonly ok: boolean;
}

export class VerifyPool {
    readonly #workers: { worker: Worker; waiting: number }[];
    readonly #waiting = new Map<number, (ok: boolean) => void>();
    #next = 0;
    #closed = false;

    constructor(size: number) {
        this.#workers = Array.from({ length: size }, () => {
            const slot = {
                worker: new Worker(new URL('./verify-worker.js', import.meta.url)),
                waiting: 0,
            };
            slot.worker.unref();
            slot.worker.on('message', (m: VerifyAnswer) => {
                const done = this.#waiting.get(m.id);
                this.#waiting.delete(m.id);
                done?.(m.ok);
            });
            slot.worker.on('error', () => {
                // a failed worker answers nothing: its tasks time out and are checked inline
            });
            return slot;
        });
    }

    /**
     * Run the task in the worker with the fewest waiting tasks; resolves when it answered or timed
     * out (never rejects: on any failure the contract simply checks inline). `onValid` runs before
     * the promise resolves, only for a true answer.
     */
    run(task: PreverifyTask): Promise<void> {
        let slot = this.#workers[0];
        if (this.#closed || slot === undefined) return Promise.resolve();
        for (const w of this.#workers) if (w.waiting < slot.waiting) slot = w;
        const chosen = slot;
        const id = this.#next++;
        return new Promise<void>((resolve) => {
            chosen.waiting++;
            const finish = (ok: boolean): void => {
                clearTimeout(timer);
                this.#waiting.delete(id);
                chosen.waiting--;
                if (ok) {
                    try {
                        task.onValid();
                    } catch {
                        // nothing noted: the contract checks inline
                    }
                }
                resolve();
            };
            const timer = setTimeout(() => {
                finish(false);
            }, JOB_TIMEOUT_MS);
            timer.unref();
            this.#waiting.set(id, finish);
            try {
                const job: VerifyJob = { id, module: task.module, fn: task.fn, input: task.input };
                chosen.worker.postMessage(job);
            } catch {
                finish(false);
            }
        });
    }

    async close(): Promise<void> {
        this.#closed = true;
        for (const done of [...this.#waiting.values()]) done(false);
        this.#waiting.clear();
        await Promise.all(this.#workers.map((w) => w.worker.terminate()));
    }
}
