// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/events
 * Chaincode events from a Fabric network as femeter's {@link ChaincodeEvent} stream, with reconnects that resume
 * just after the last event handed out.
 */
import type * as FabricGateway from '@hyperledger/fabric-gateway';
import type { ChaincodeEvent, CloseableAsyncIterable } from '../client.js';
import { LedgerError } from '../errors.js';
import { fromFabricError, isTransient } from './errors.js';

/** Options of {@link FabricEventStream}. */
export interface FabricEventStreamOptions {
    readonly network: FabricGateway.Network;
    readonly chaincode: string;
    readonly start: { block: bigint; txId: string | undefined };
    readonly maxReconnectDelayMs: number;
    readonly onReconnect: () => void;
    readonly onClose: (stream: FabricEventStream) => void;
}
/**
 * Chaincode events as a {@link CloseableAsyncIterable}, reconnecting after a peer restart or a broken
 * stream from just after the last event handed out. Errors a retry cannot cure (access denied, no such
 * chaincode) end the iteration with the converted {@link LedgerError}.
 */
export class FabricEventStream implements CloseableAsyncIterable<ChaincodeEvent> {
    readonly #o: FabricEventStreamOptions;
    /** Where to resume: Fabric's Checkpoint view of (block, last transaction handed out in it). */
    #position: { block: bigint; txId: string | undefined };
    #current: FabricGateway.CloseableAsyncIterable<FabricGateway.ChaincodeEvent> | undefined;
    #closed = false;
    #wake: (() => void) | undefined;

    constructor(options: FabricEventStreamOptions) {
        this.#o = options;
        this.#position = { ...options.start };
    }

    async *[Symbol.asyncIterator](): AsyncIterator<ChaincodeEvent> {
        try {
            yield* this.#run();
        } finally {
            this.close(); // also when the consumer leaves the loop early (break, throw)
        }
    }

    /**
     * Whether {@link close} has run. A method, not the field, inside {@link #run}: `close()` runs
     * concurrently while the generator awaits, which control-flow narrowing of the field cannot see.
     */
    #isClosed(): boolean {
        return this.#closed;
    }

    async *#run(): AsyncGenerator<ChaincodeEvent> {
        let delay = 100;
        while (!this.#isClosed()) {
            const position = this.#position;
            const checkpoint: FabricGateway.Checkpoint = {
                getBlockNumber: () => position.block,
                getTransactionId: () => position.txId,
            };
            try {
                this.#current = await this.#o.network.getChaincodeEvents(this.#o.chaincode, {
                    checkpoint,
                });
                for await (const ev of this.#current) {
                    if (this.#isClosed()) return;
                    delay = 100;
                    yield {
                        blockNumber: ev.blockNumber,
                        transactionId: ev.transactionId,
                        eventName: ev.eventName,
                        payload: ev.payload,
                    };
                    this.#position = { block: ev.blockNumber, txId: ev.transactionId };
                }
            } catch (err) {
                if (this.#isClosed()) return;
                const converted = fromFabricError(err, 'events');
                if (
                    !isTransient(converted) &&
                    !(converted instanceof LedgerError && converted.code === 'CLOSED')
                )
                    throw converted;
            } finally {
                this.#current?.close();
                this.#current = undefined;
            }
            if (this.#isClosed()) return;
            // The stream ended or broke (peer restarted, connection lost): resume after a pause.
            await new Promise<void>((resolve) => {
                this.#wake = resolve;
                setTimeout(resolve, delay);
            });
            this.#wake = undefined;
            delay = Math.min(delay * 2, this.#o.maxReconnectDelayMs);
            this.#o.onReconnect();
        }
    }

    close(): void {
        if (this.#closed) return;
        this.#closed = true;
        this.#current?.close();
        this.#wake?.();
        this.#o.onClose(this);
    }
}
