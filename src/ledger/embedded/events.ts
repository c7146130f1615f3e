// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/events
 * Chaincode event streams of the embedded engine: replay committed blocks from a position, then follow new
 * blocks as they become durable. Every block is read by number from the store (or a small cache of recent
 * blocks), in order, so there is no window between "replay" and "live" in which an event could be lost or seen
 * twice. Only valid transactions' events are delivered (as on Fabric).
 *
 * Start position, as fabric-gateway: the checkpoint's block if it has one (skipping, in that block, every
 * transaction up to and including the checkpointed one), else `startBlock`, else the next block to be committed.
 */

import type { TxRecord } from './block.js';
import type { ChaincodeEvent, CloseableAsyncIterable, EventsOptions } from '../client.js';

/**
 * The events of one block, with the order of all its transactions (needed to resume after a tx id).
 *
 * @example
 * ```ts
 * const { txIds, events } = await source.blockEvents(7n);
 * ```
 */
export interface BlockEvents {
    readonly txIds: readonly string[];
    /** Events of valid transactions, in block order, with the index of their transaction. */
    readonly events: readonly { readonly index: number; readonly event: ChaincodeEvent }[];
}

/**
 * What an event stream reads from.
 *
 * @example
 * ```ts
 * const stream = new EventStream(source, { startBlock: 0n });
 * ```
 */
export interface EventSource {
    /** Number of committed (durable) blocks. */
    height(): bigint;
    /** Events of committed block `n` (n < height). */
    blockEvents(n: bigint): Promise<BlockEvents>;
    /** Call `wake` once, the next time the height grows or the source closes or fails. Returns an unsubscriber. */
    subscribe(wake: () => void): () => void;
    /** Undefined while healthy; the error to raise once the source failed or closed. */
    terminal(): { readonly closed: boolean; readonly error: Error | undefined };
}

/**
 * A stream of chaincode events from an {@link EventSource}.
 *
 * @example
 * ```ts
 * const stream = new EventStream(source, { startBlock: 0n });
 * for await (const e of stream) console.log(e.blockNumber, e.eventName);
 * ```
 */
export class EventStream implements CloseableAsyncIterable<ChaincodeEvent> {
    readonly #source: EventSource;
    readonly #buffer: ChaincodeEvent[] = [];
    #nextBlock: bigint;
    #skipThrough: string | undefined;
    #closed = false;
    #wake: (() => void) | undefined;
    #onClose: (() => void) | undefined;

    constructor(source: EventSource, options: Readonly<EventsOptions> = {}, onClose?: () => void) {
        this.#source = source;
        this.#onClose = onClose;
        if (options.startBlock !== undefined && typeof options.startBlock !== 'bigint') {
            throw new TypeError('"startBlock" expected a bigint');
        }
        const checkpointBlock = options.checkpoint?.blockNumber();
        if (checkpointBlock !== undefined && typeof checkpointBlock !== 'bigint') {
            throw new TypeError('checkpoint.blockNumber() expected a bigint');
        }
        if (checkpointBlock !== undefined) {
            this.#nextBlock = checkpointBlock;
            this.#skipThrough = options.checkpoint?.transactionId();
        } else {
            this.#nextBlock = options.startBlock ?? source.height();
        }
        if (this.#nextBlock < 0n) throw new RangeError('"startBlock" must be >= 0');
    }

    /** Whether {@link close} was called. */
    get closed(): boolean {
        return this.#closed;
    }

    /** Stop the stream: a pending or later `next()` ends the iteration. */
    close(): void {
        if (this.#closed) return;
        this.#closed = true;
        this.#wake?.();
        this.#onClose?.();
        this.#onClose = undefined;
    }

    [Symbol.asyncIterator](): AsyncIterator<ChaincodeEvent> {
        return {
            next: () => this.#next(),
            return: (): Promise<IteratorResult<ChaincodeEvent>> => {
                this.close();
                return Promise.resolve({ value: undefined, done: true });
            },
        };
    }

    async #next(): Promise<IteratorResult<ChaincodeEvent>> {
        for (;;) {
            if (this.#closed) return { value: undefined, done: true };
            const buffered = this.#buffer.shift();
            if (buffered !== undefined) return { value: buffered, done: false };
            if (this.#nextBlock < this.#source.height()) {
                await this.#readBlock(this.#nextBlock);
                this.#nextBlock++;
                continue;
            }
            const terminal = this.#source.terminal();
            if (terminal.error !== undefined) throw terminal.error;
            if (terminal.closed) return { value: undefined, done: true };
            await this.#waitForBlock();
        }
    }

    async #readBlock(n: bigint): Promise<void> {
        const { txIds, events } = await this.#source.blockEvents(n);
        let after = -1;
        if (this.#skipThrough !== undefined) {
            after = txIds.indexOf(this.#skipThrough);
            this.#skipThrough = undefined;
        }
        for (const { index, event } of events) if (index > after) this.#buffer.push(event);
    }

    #waitForBlock(): Promise<void> {
        return new Promise((resolve) => {
            let unsubscribe: (() => void) | undefined;
            const wake = (): void => {
                this.#wake = undefined;
                unsubscribe?.();
                resolve();
            };
            this.#wake = wake;
            unsubscribe = this.#source.subscribe(wake);
            // The height may have grown between the check and the subscription.
            if (this.#nextBlock < this.#source.height() || this.#closed) wake();
        });
    }
}

/**
 * The chaincode events of a block's valid transactions, with the block's txIds (what streams replay).
 *
 * @example
 * ```ts
 * const { events } = blockEventsOf(block.number, block.txs);
 * ```
 */
export function blockEventsOf(blockNumber: bigint, txs: readonly TxRecord[]): BlockEvents {
    const events: { index: number; event: ChaincodeEvent }[] = [];
    txs.forEach((tx, index) => {
        if (tx.validationCode === 'VALID' && tx.event !== undefined) {
            events.push({
                index,
                event: {
                    blockNumber,
                    transactionId: tx.txId,
                    eventName: tx.event.name,
                    // A copy: a view would keep the whole decoded block alive as long as a consumer keeps
                    // one event, and consumers of a cached block would share one mutable buffer.
                    payload: new Uint8Array(tx.event.payload),
                },
            });
        }
    });
    return { txIds: txs.map((t) => t.txId), events };
}
