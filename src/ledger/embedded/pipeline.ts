// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/pipeline
 * The units of the embedded engine's pipeline (see `engine.ts`, "Life of a submitted transaction"): an admitted
 * transaction waiting to execute ({@link Pending}), an executed one ({@link Executed}) and the open batch that group
 * commit writes as one block ({@link Batch}).
 */
import type { SubmitResult } from '../client.js';
import type { EndorseError } from '../errors.js';
import type { TxRecord, WriteOp } from './block.js';
import type { Proposal, SignedEnvelope } from './envelope.js';

/** An admitted transaction in the queue. */
export interface Pending {
    readonly envelope: SignedEnvelope;
    readonly proposal: Proposal;
    readonly txId: string;
    /** SHA-256 of the payload (computed at admission for the signature check). */
    readonly payloadHash: Uint8Array;
    /** Signatures being verified in worker threads (verify-pool.ts); awaited before execution. */
    readonly prepared?: Promise<void> | undefined;
    readonly resolve: (r: SubmitResult) => void;
    readonly reject: (e: Error) => void;
}

export interface Executed {
    readonly pending: Pending;
    readonly record: TxRecord;
    readonly result: Uint8Array;
    readonly error: EndorseError | undefined;
}

export class Batch {
    readonly seq: number;
    readonly items: Executed[] = [];
    readonly stateOps = new Map<string, Uint8Array | null>();
    bytes = 0;
    constructor(seq: number) {
        this.seq = seq;
    }
}

/** Bytes a write set adds to a block (keys, values, framing). */
export function writeBytes(writes: readonly WriteOp[]): number {
    let n = 0;
    for (const w of writes) n += w.key.length + (w.value?.length ?? 0) + 8;
    return n;
}
