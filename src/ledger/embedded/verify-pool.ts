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
 * one by one only when that fails. A hook may also name the group-element encodings the
 * transaction will decode: one worker decodes them too, and "all valid" is noted in
 * fe/point-notes for exactly those bytes (answered once; anything else is decoded inline).
 * The workers do not keep the
 * process alive and end with {@link VerifyPool.close}.
 */
import { Worker } from 'node:worker_threads';

import { noteVerifiedEd25519, type Ed25519Triple } from '../../fe/ed25519.js';
import { noteValidPoints } from '../../fe/point-notes.js';

/** A signature a transaction will check. */
export type { Ed25519Triple } from '../../fe/ed25519.js';

/** Reads durable state for a contract's `ed25519Signatures` hook. */
export interface PreverifyState {
    get(key: string): Uint8Array | undefined;
}

/**
 * Group-element encodings a transaction will decode (`groupByName(group).decodeMany(bytes, count)`),
 * checked by a worker too and noted in fe/point-notes when they all decode.
 */
export interface PointEncodings {
    readonly group: string;
    readonly bytes: Uint8Array;
    readonly count: number;
}

/** What a contract's hook names for the workers: signatures and, optionally, point encodings. */
export interface PreverifyWork {
    readonly triples: readonly Ed25519Triple[];
    readonly points?: PointEncodings | undefined;
}

/**
 * The optional static hook of a contract class: the triples, or the triples and the point
 * encodings, the transaction will check.
 */
export type Ed25519SignaturesHook = (
    txName: string,
    args: readonly string[],
    state: PreverifyState,
) => readonly Ed25519Triple[] | PreverifyWork | undefined;

/** Fewest triples worth sending to the workers (below it the contract verifies inline). */
export const MIN_TRIPLES = 8;
/** A job the workers have not answered by then is left to the contract (verified inline). */
const JOB_TIMEOUT_MS = 2_000;

/**
 * What a worker receives: n triples packed into four flat buffers (transferred, not cloned):
 * n×32 public-key bytes, the messages concatenated with their n lengths, n×64 signature bytes.
 * A triple whose key or signature has another length travels with zero bytes (a refusal).
 */
export interface VerifyJob {
    readonly id: number;
    readonly publicKeys: Uint8Array<ArrayBuffer>;
    readonly messages: Uint8Array<ArrayBuffer>;
    readonly messageLengths: Uint32Array<ArrayBuffer>;
    readonly signatures: Uint8Array<ArrayBuffer>;
    /** Point encodings to decode (a copy, transferred), with their group and count. */
    readonly points?: { group: string; bytes: Uint8Array<ArrayBuffer>; count: number } | undefined;
}

/** A worker's answer: one verdict per triple, and whether the job's points all decode. */
export interface VerifyAnswer {
    readonly id: number;
    readonly ok: boolean[];
    readonly pointsOk?: boolean;
}

function packJob(id: number, triples: readonly Ed25519Triple[]): VerifyJob {
    let total = 0;
    for (const t of triples) total += t.message.length;
    const publicKeys = new Uint8Array(triples.length * 32);
    const signatures = new Uint8Array(triples.length * 64);
    const messages = new Uint8Array(total);
    const messageLengths = new Uint32Array(triples.length);
    let at = 0;
    for (const [i, t] of triples.entries()) {
        if (t.publicKey.length === 32) publicKeys.set(t.publicKey, i * 32);
        if (t.signature.length === 64) signatures.set(t.signature, i * 64);
        messages.set(t.message, at);
        messageLengths[i] = t.message.length;
        at += t.message.length;
    }
    return { id, publicKeys, messages, messageLengths, signatures };
}

/** The triples of a job, as views into its buffers. */
export function unpackJob(job: VerifyJob): Ed25519Triple[] {
    const out: Ed25519Triple[] = [];
    let at = 0;
    for (const [i, len] of job.messageLengths.entries()) {
        out.push({
            publicKey: job.publicKeys.subarray(i * 32, i * 32 + 32),
            message: job.messages.subarray(at, at + len),
            signature: job.signatures.subarray(i * 64, i * 64 + 64),
        });
        at += len;
    }
    return out;
}

export class VerifyPool {
    readonly #workers: Worker[];
    readonly #waiting = new Map<number, (ok: readonly boolean[], pointsOk: boolean) => void>();
    #next = 0;
    #closed = false;

    constructor(size: number) {
        this.#workers = Array.from({ length: size }, () => {
            const w = new Worker(new URL('./verify-worker.js', import.meta.url));
            w.unref();
            w.on('message', (m: VerifyAnswer) => {
                const done = this.#waiting.get(m.id);
                this.#waiting.delete(m.id);
                done?.(m.ok, m.pointsOk === true);
            });
            w.on('error', () => {
                // a failed worker answers nothing: its triples are verified inline by the contract
            });
            return w;
        });
    }

    /**
     * Verify the triples across the workers, and decode the point encodings in one of them (the
     * one with the smallest share); resolves when all answered (never rejects: on any failure the
     * contract simply verifies and decodes inline).
     */
    async verify(triples: readonly Ed25519Triple[], points?: PointEncodings): Promise<void> {
        if (this.#closed || triples.length < MIN_TRIPLES || this.#workers.length === 0) return;
        const per = Math.ceil(triples.length / this.#workers.length);
        const parts = Math.ceil(triples.length / per);
        const jobs: Promise<void>[] = [];
        for (const [i, w] of this.#workers.entries()) {
            const part = triples.slice(i * per, (i + 1) * per);
            if (part.length === 0) continue;
            const withPoints = points !== undefined && i === parts - 1 ? points : undefined;
            const id = this.#next++;
            jobs.push(
                new Promise<void>((resolve) => {
                    const timer = setTimeout(() => {
                        this.#waiting.delete(id);
                        resolve();
                    }, JOB_TIMEOUT_MS);
                    timer.unref();
                    this.#waiting.set(id, (ok, pointsOk) => {
                        clearTimeout(timer);
                        part.forEach((t, j) => {
                            if (ok[j] === true)
                                noteVerifiedEd25519(t.publicKey, t.message, t.signature);
                        });
                        if (withPoints !== undefined && pointsOk)
                            noteValidPoints(withPoints.group, withPoints.bytes);
                        resolve();
                    });
                    try {
                        const job = packJob(id, part);
                        const pointBytes =
                            withPoints === undefined ? undefined : withPoints.bytes.slice();
                        const full: VerifyJob =
                            withPoints === undefined || pointBytes === undefined
                                ? job
                                : {
                                      ...job,
                                      points: {
                                          group: withPoints.group,
                                          bytes: pointBytes,
                                          count: withPoints.count,
                                      },
                                  };
                        w.postMessage(full, [
                            job.publicKeys.buffer,
                            job.messages.buffer,
                            job.messageLengths.buffer,
                            job.signatures.buffer,
                            ...(pointBytes === undefined ? [] : [pointBytes.buffer]),
                        ]);
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
        for (const done of this.#waiting.values()) done([], false);
        this.#waiting.clear();
        await Promise.all(this.#workers.map((w) => w.terminate()));
    }
}
