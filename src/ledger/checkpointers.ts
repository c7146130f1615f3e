// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/checkpointers
 * Checkpointers for event consumers (the provider's incremental bill fold, the auditor), with fabric-gateway's
 * semantics: `checkpointBlock(n)` → resume at block n + 1; `checkpointTransaction(n, id)` → resume in block n after
 * transaction `id`. The file checkpointer writes atomically (temporary file, fsync, rename, fsync of the
 * directory), so a crash leaves either the old or the new position, never a torn file.
 */

import { readFile } from 'node:fs/promises';

import { writeFileAtomic } from './atomicfile.js';
import type { ChaincodeEvent, Checkpointer } from './client.js';

interface Position {
    blockNumber: bigint | undefined;
    transactionId: string | undefined;
}

class InMemoryCheckpointer implements Checkpointer {
    #position: Position = { blockNumber: undefined, transactionId: undefined };

    blockNumber(): bigint | undefined {
        return this.#position.blockNumber;
    }
    transactionId(): string | undefined {
        return this.#position.transactionId;
    }
    checkpointBlock(blockNumber: bigint): Promise<void> {
        return this.set({ blockNumber: blockNumber + 1n, transactionId: undefined });
    }
    checkpointTransaction(blockNumber: bigint, transactionId: string): Promise<void> {
        return this.set({ blockNumber, transactionId });
    }
    checkpointChaincodeEvent(event: ChaincodeEvent): Promise<void> {
        return this.checkpointTransaction(event.blockNumber, event.transactionId);
    }
    /** Replace the position; subclasses persist it. */
    protected set(position: Position): Promise<void> {
        this.#position = position;
        return Promise.resolve();
    }
}

class FileCheckpointer extends InMemoryCheckpointer {
    readonly #path: string;
    #writes: Promise<void> = Promise.resolve();

    constructor(path: string) {
        super();
        this.#path = path;
    }

    async load(): Promise<void> {
        let text: string;
        try {
            text = await readFile(this.#path, 'utf8');
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
            throw err;
        }
        if (text.length === 0) return;
        const parsed = JSON.parse(text) as { blockNumber?: unknown; transactionId?: unknown };
        const { blockNumber, transactionId } = parsed;
        if (
            blockNumber !== undefined &&
            (typeof blockNumber !== 'string' || !/^\d+$/.test(blockNumber))
        ) {
            throw new Error(`checkpoint file ${this.#path}: blockNumber must be a decimal string`);
        }
        if (transactionId !== undefined && typeof transactionId !== 'string') {
            throw new Error(`checkpoint file ${this.#path}: transactionId must be a string`);
        }
        await super.set({
            blockNumber: blockNumber === undefined ? undefined : BigInt(blockNumber),
            transactionId,
        });
    }

    protected override set(position: Position): Promise<void> {
        void super.set(position);
        const { blockNumber, transactionId } = position;
        const text = JSON.stringify({ blockNumber: blockNumber?.toString(), transactionId });
        // Writes are serialised so that the file always ends with the newest position.
        const write = this.#writes.then(() => writeFileAtomic(this.#path, text));
        this.#writes = write.catch(() => undefined);
        return write;
    }
}

/**
 * Checkpointer factories.
 *
 * @example
 * ```ts
 * const checkpoint = await checkpointers.file('./data/provider.checkpoint.json');
 * const events = await client.events({ checkpoint, startBlock: 0n });
 * ```
 */
export const checkpointers = Object.freeze({
    /** A checkpointer that lives in memory only: resumes within one process. */
    inMemory(): Checkpointer {
        return new InMemoryCheckpointer();
    },
    /**
     * A checkpointer persisted in a small JSON file (`{"blockNumber":"12","transactionId":"…"}`), loaded now and
     * rewritten atomically on every checkpoint.
     * @throws if the file exists but does not hold a valid checkpoint (never silently restarts from zero)
     */
    async file(path: string): Promise<Checkpointer> {
        const checkpointer = new FileCheckpointer(path);
        await checkpointer.load();
        return checkpointer;
    },
});
