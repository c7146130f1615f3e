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
 * never depend on the pool. Tasks go to the live worker with the fewest unanswered; a worker that
 * dies is dropped, and a worker's backlog is capped ({@link MAX_WAITING}). A worker keeps the
 * process alive only while a task of it is waited for; all end with {@link VerifyPool.close}.
 */
import { Worker } from 'node:worker_threads';

/** Reads durable state for a contract's `preverify` hook, and says who submits the transaction. */
export interface PreverifyState {
    get(key: string): Uint8Array | undefined;
    /** The submitter as the contract will see it (`getMSPID()`, `getID()`). */
    readonly creator: { readonly mspId: string; readonly id: string };
}

/**
 * Work for a worker thread: call the export `fn` of the ES module at the URL `module` with
 * `input` (structured-cloned); when it returns true, `onValid` runs on the engine's thread.
 * `module` must come from the contract's own code, never from a request.
 */
export interface PreverifyTask {
    readonly module: string;
    readonly fn: string;
    readonly input: readonly (string | number | Uint8Array)[];
    readonly onValid: () => void;
}

/** The optional static hook of a contract class: what workers can check before the transaction executes. */
export type PreverifyHook = (
    txName: string,
    args: readonly string[],
    state: PreverifyState,
) => PreverifyTask | readonly PreverifyTask[] | undefined;

/** A task the workers have not answered by then is left to the contract (checked inline). */
const JOB_TIMEOUT_MS = 2_000;
/**
 * Most tasks one worker may hold unanswered (timed-out ones included, until it answers them);
 * beyond it new tasks are not sent (the contract checks inline), so a flood cannot queue
 * unbounded work and memory in the workers.
 */
export const MAX_WAITING = 64;

/** What a worker receives. */
export interface VerifyJob {
    readonly id: number;
    readonly module: string;
    readonly fn: string;
    readonly input: readonly (string | number | Uint8Array)[];
}

/** A worker's answer: whether the function returned true (false for anything else, errors included). */
export interface VerifyAnswer {
    readonly id: number;
    readonly ok: boolean;
}

interface Slot {
    readonly worker: Worker;
    /** Jobs sent and not yet answered by this worker; undefined `done`: the caller stopped waiting. */
    readonly jobs: Map<number, { done: ((ok: boolean) => void) | undefined }>;
    alive: boolean;
    /** Jobs someone still waits for: while > 0 the worker keeps the process alive (its answer, or its exit, must arrive). */
    waited: number;
}

/** One more or one fewer job waited for on this worker; the worker is ref'd exactly while some are. */
function waitedBy(slot: Slot, delta: 1 | -1): void {
    slot.waited += delta;
    if (slot.waited === 1 && delta === 1) slot.worker.ref();
    if (slot.waited === 0) slot.worker.unref();
}

export class VerifyPool {
    readonly #slots: Slot[];
    #next = 0;
    #closed = false;

    constructor(size: number) {
        this.#slots = Array.from({ length: size }, () => {
            const slot: Slot = {
                worker: new Worker(new URL('./verify-worker.js', import.meta.url)),
                jobs: new Map(),
                alive: true,
                waited: 0,
            };
            slot.worker.unref();
            slot.worker.on('message', (m: VerifyAnswer) => {
                const job = slot.jobs.get(m.id);
                slot.jobs.delete(m.id);
                job?.done?.(m.ok);
            });
            // A worker that fails or exits answers nothing more: its waiting tasks end now (checked
            // inline) and it gets no new ones; with no worker left every task is checked inline.
            const dead = (): void => {
                slot.alive = false;
                const waiting = [...slot.jobs.values()];
                slot.jobs.clear();
                for (const job of waiting) job.done?.(false);
            };
            slot.worker.on('error', dead);
            slot.worker.on('exit', dead);
            return slot;
        });
    }

    /** Workers still running. */
    get alive(): number {
        return this.#slots.filter((s) => s.alive).length;
    }

    /**
     * Run the task in the live worker with the fewest unanswered tasks; resolves when it answered
     * or timed out (never rejects: on any failure the contract simply checks inline). `onValid`
     * runs before the promise resolves, only for a true answer. Not sent at all (resolves at once)
     * when the pool is closed, no worker is alive, or every worker holds {@link MAX_WAITING}.
     */
    run(task: PreverifyTask): Promise<void> {
        let slot: Slot | undefined;
        for (const s of this.#slots)
            if (s.alive && (slot === undefined || s.jobs.size < slot.jobs.size)) slot = s;
        if (this.#closed || slot === undefined || slot.jobs.size >= MAX_WAITING)
            return Promise.resolve();
        const chosen = slot;
        const id = this.#next++;
        return new Promise<void>((resolve) => {
            const job: { done: ((ok: boolean) => void) | undefined } = { done: undefined };
            const timer = setTimeout(() => {
                // stop waiting; the job stays counted until the worker answers it (or dies)
                job.done = undefined;
                waitedBy(chosen, -1);
                resolve();
            }, JOB_TIMEOUT_MS);
            timer.unref();
            job.done = (ok) => {
                clearTimeout(timer);
                job.done = undefined;
                waitedBy(chosen, -1);
                if (ok) {
                    try {
                        task.onValid();
                    } catch {
                        // nothing noted: the contract checks inline
                    }
                }
                resolve();
            };
            chosen.jobs.set(id, job);
            waitedBy(chosen, 1);
            try {
                const message: VerifyJob = {
                    id,
                    module: task.module,
                    fn: task.fn,
                    input: task.input,
                };
                chosen.worker.postMessage(message);
            } catch {
                chosen.jobs.delete(id);
                job.done(false);
            }
        });
    }

    /** Run several tasks (e.g. the parts of one batch) at once; resolves when all are done. */
    async runAll(tasks: readonly PreverifyTask[]): Promise<void> {
        await Promise.all(tasks.map((t) => this.run(t)));
    }

    async close(): Promise<void> {
        this.#closed = true;
        for (const s of this.#slots) {
            const waiting = [...s.jobs.values()];
            s.jobs.clear();
            for (const job of waiting) job.done?.(false);
        }
        await Promise.all(this.#slots.map((s) => s.worker.terminate()));
    }
}
