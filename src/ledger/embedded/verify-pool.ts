// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/verify-pool
 * Ed25519 verification in worker threads before ordering (issue 11). A contract class may offer
 * `static ed25519Signatures(txName, args, state)`: the (public key, message, signature) triples its
 * transaction will verify. At admission the engine hands them to this pool, which splits them over
 * its workers; every triple a worker accepted is noted in fe/ed25519 (`noteVerifiedEd25519`), so the
 * contract's own `verifyEd25519` of the same bytes answers at once when the transaction executes.
 * The contract still calls verify on every signature: a triple the pool refused, never saw, or
 * forgot is verified inline, so results never depend on the pool. With the native accelerator each
 * worker checks its share by one ed25519-dalek batch equation (fe/ed25519 `verifyEd25519Many`) and
 * one by one only when that fails. The workers do not keep the
 * process alive and end with {@link VerifyPool.close}.
 */
import { Worker } from 'node:worker_threads';

import { noteVerifiedEd25519, type Ed25519Triple } from '../../fe/ed25519.js';

/** A signature a transaction will check. */
export type { Ed25519Triple } from '../../fe/ed25519.js';

/** Reads durable state for a contract's `ed25519Signatures` hook. */
export interface PreverifyState {
    get(key: string): Uint8Array | undefined;
}

/** The optional static hook of a contract class. */
export type Ed25519SignaturesHook = (
    txName: string,
    args: readonly string[],
    state: PreverifyState,
) => readonly Ed25519Triple[] | undefined;

/** Fewest triples worth sending to the workers (below it the contract verifies inline). */
export const MIN_TRIPLES = 8;
/** A job the workers have not answered by then is left to the contract (verified inline). */
const JOB_TIMEOUT_MS = 2_000;

export class VerifyPool {
    readonly #workers: Worker[];
    readonly #waiting = new Map<number, (ok: readonly boolean[]) => void>();
    #next = 0;
    #closed = false;

    constructor(size: number) {
        this.#workers = Array.from({ length: size }, () => {
            const w = new Worker(new URL('./verify-worker.js', import.meta.url));
            w.unref();
            w.on('message', (m: { id: number; ok: boolean[] }) => {
                const done = this.#waiting.get(m.id);
                this.#waiting.delete(m.id);
                done?.(m.ok);
            });
            w.on('error', () => {
                // a failed worker answers nothing: its triples are verified inline by the contract
            });
            return w;
        });
    }

    /**
     * Verify the triples across the workers; resolves when all answered (never rejects: on any
     * failure the contract simply verifies inline).
     */
    async verify(triples: readonly Ed25519Triple[]): Promise<void> {
        if (this.#closed || triples.length < MIN_TRIPLES || this.#workers.length === 0) return;
        const per = Math.ceil(triples.length / this.#workers.length);
        const jobs: Promise<void>[] = [];
        for (const [i, w] of this.#workers.entries()) {
            const part = triples.slice(i * per, (i + 1) * per);
            if (part.length === 0) continue;
            const id = this.#next++;
            jobs.push(
                new Promise<void>((resolve) => {
                    const timer = setTimeout(() => {
                        this.#waiting.delete(id);
                        resolve();
                    }, JOB_TIMEOUT_MS);
                    timer.unref();
                    this.#waiting.set(id, (ok) => {
                        clearTimeout(timer);
                        part.forEach((t, j) => {
                            if (ok[j] === true)
                                noteVerifiedEd25519(t.publicKey, t.message, t.signature);
                        });
                        resolve();
                    });
                    try {
                        w.postMessage({
                            id,
                            items: part.map((t) => [t.publicKey, t.message, t.signature]),
                        });
                    } catch {
                        this.#waiting.delete(id);
                        clearTimeout(timer);
                        resolve();
                    }
                }),
            );
        }
        await Promise.all(jobs);
    }

    async close(): Promise<void> {
        this.#closed = true;
        for (const done of this.#waiting.values()) done([]);
        this.#waiting.clear();
        await Promise.all(this.#workers.map((w) => w.terminate()));
    }
}
