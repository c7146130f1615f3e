// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/client
 * One connected identity on a Fabric network: femeter's {@link LedgerClient} over a fabric-gateway `Gateway`
 * (submit with conflict retries, evaluate, events, the peer's chain height), and what it needs of its
 * {@link FabricLedger} ({@link FabricLedgerContext}).
 */
import type * as FabricGateway from '@hyperledger/fabric-gateway';
import type { FabricBlockSource } from './verify.js';
import type {
    ChaincodeEvent,
    CloseableAsyncIterable,
    CommittedTransaction,
    EventsOptions,
    Identity,
    LedgerClient,
    SubmitResult,
} from '../client.js';
import { SubmitError } from '../errors.js';
import { blockchainHeight } from './decode.js';
import { committedTransactionOf } from './transaction.js';
import { CONFLICT_CODES, commitFailure, fromFabricError } from './errors.js';
import { FabricEventStream } from './events.js';
import type { FabricLedgerOptions, FabricTimeouts } from './ledger.js';
import type { FabricModules } from './modules.js';

/** Wait `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> =>
    new Promise((resolve) => setTimeout(resolve, ms));

/** Internals a client needs from its ledger. */
export interface FabricLedgerContext {
    readonly modules: FabricModules;
    readonly channel: string;
    readonly chaincode: string;
    readonly settings: Required<
        Omit<FabricLedgerOptions, 'connectionPath' | 'profile' | 'chaincode' | 'timeouts'>
    > & { readonly timeouts: FabricTimeouts };
    /** Record that `endpoint` has committed every block below `height`. */
    sawHeight(endpoint: string, height: bigint): void;
    /** Counters for {@link FabricLedger.stats}. */
    readonly stats: {
        submits: number;
        conflictRetries: number;
        catchUpPolls: number;
        eventReconnects: number;
    };
    /** Wait until `endpoint` has every block any client of this ledger saw committed (bounded). */
    catchUp(endpoint: string, poll: () => Promise<bigint>): Promise<void>;
    forget(client: FabricClient): void;
}

/** One connected identity: femeter's {@link LedgerClient} over a fabric-gateway `Gateway`. */
export class FabricClient implements LedgerClient {
    readonly identity: Identity;
    readonly #ctx: FabricLedgerContext;
    readonly #gateway: FabricGateway.Gateway;
    readonly #network: FabricGateway.Network;
    readonly #contract: FabricGateway.Contract;
    readonly #endpoint: string;
    readonly #streams = new Set<FabricEventStream>();
    #closed = false;

    constructor(
        ctx: FabricLedgerContext,
        identity: Identity,
        gateway: FabricGateway.Gateway,
        endpoint: string,
    ) {
        this.identity = identity;
        this.#ctx = ctx;
        this.#gateway = gateway;
        this.#network = gateway.getNetwork(ctx.channel);
        this.#contract = this.#network.getContract(ctx.chaincode);
        this.#endpoint = endpoint;
    }

    async submit(txName: string, ...args: string[]): Promise<SubmitResult> {
        this.#assertOpen();
        await this.#ctx.catchUp(this.#endpoint, () => this.chainHeight());
        const { maxCommitAttempts, conflictBackoffMs } = this.#ctx.settings;
        for (let attempt = 1; ; attempt++) {
            let commit: FabricGateway.SubmittedTransaction;
            try {
                commit = await this.#contract.submitAsync(txName, { arguments: args });
            } catch (err) {
                throw fromFabricError(err, 'endorse');
            }
            const transactionId = commit.getTransactionId();
            const result = commit.getResult();
            let status: FabricGateway.Status;
            try {
                status = await commit.getStatus();
            } catch (err) {
                throw fromFabricError(err, 'commit status', transactionId);
            }
            // The gateway peer has committed this block (and every block before it).
            this.#ctx.sawHeight(this.#endpoint, status.blockNumber + 1n);
            if (status.successful) {
                this.#ctx.stats.submits++;
                return { transactionId, blockNumber: status.blockNumber, result };
            }
            if (!CONFLICT_CODES.has(status.code) || attempt >= maxCommitAttempts) {
                throw commitFailure(status.code, transactionId, status.blockNumber, attempt);
            }
            this.#ctx.stats.conflictRetries++;
            const backoff = conflictBackoffMs * 2 ** (attempt - 1);
            await sleep(backoff / 2 + Math.random() * backoff);
        }
    }

    async evaluate(txName: string, ...args: string[]): Promise<Uint8Array> {
        this.#assertOpen();
        await this.#ctx.catchUp(this.#endpoint, () => this.chainHeight());
        try {
            return await this.#contract.evaluate(txName, { arguments: args });
        } catch (err) {
            throw fromFabricError(err, 'evaluate');
        }
    }

    async events(
        options: Readonly<EventsOptions> = {},
    ): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        this.#assertOpen();
        let start: { block: bigint; txId: string | undefined };
        const cpBlock = options.checkpoint?.blockNumber();
        if (options.checkpoint !== undefined && cpBlock !== undefined) {
            start = { block: cpBlock, txId: options.checkpoint.transactionId() };
        } else if (options.startBlock !== undefined) {
            start = { block: options.startBlock, txId: undefined };
        } else {
            // "From now on": pin "now" to a block number, so a reconnect cannot skip what came meanwhile.
            start = { block: await this.chainHeight(), txId: undefined };
        }
        const stream = new FabricEventStream({
            network: this.#network,
            onReconnect: () => this.#ctx.stats.eventReconnects++,
            chaincode: this.#ctx.chaincode,
            start,
            maxReconnectDelayMs: this.#ctx.settings.maxReconnectDelayMs,
            onClose: (s) => this.#streams.delete(s),
        });
        this.#streams.add(stream);
        return stream;
    }

    async getCommittedTransaction(
        transactionId: string,
    ): Promise<CommittedTransaction | undefined> {
        this.#assertOpen();
        if (!/^[0-9a-f]{64}$/.test(transactionId)) return undefined;
        const qscc = this.#network.getContract('qscc');
        const args = [this.#ctx.channel, transactionId];
        let bytes: Uint8Array;
        try {
            bytes = await qscc.evaluate('GetTransactionByID', { arguments: args });
        } catch (err) {
            // qscc answers an unknown id with an error naming it
            if (/not found|no such transaction|entry not found/i.test(String(err)))
                return undefined;
            throw fromFabricError(err, 'evaluate');
        }
        return committedTransactionOf(bytes, transactionId, this.#ctx.chaincode);
    }

    /**
     * Height of the channel's chain on this client's peer (the number of the next block), from the
     * query system chaincode (qscc `GetChainInfo`).
     */
    async chainHeight(): Promise<bigint> {
        let bytes: Uint8Array;
        try {
            bytes = await this.#network
                .getContract('qscc')
                .evaluate('GetChainInfo', { arguments: [this.#ctx.channel] });
        } catch (err) {
            throw fromFabricError(err, 'evaluate');
        }
        const height = blockchainHeight(bytes);
        this.#ctx.sawHeight(this.#endpoint, height);
        return height;
    }

    /**
     * The channel's blocks as this client's peer has them, read through the gateway with the query
     * system chaincode (qscc `GetChainInfo`, `GetBlockByNumber`): what `verifyFabricChain` reads.
     */
    blockSource(): FabricBlockSource {
        const qscc = this.#network.getContract('qscc');
        const channel = this.#ctx.channel;
        return {
            height: () => this.chainHeight(),
            block: async (n) => {
                try {
                    return await qscc.evaluate('GetBlockByNumber', {
                        arguments: [channel, n.toString()],
                    });
                } catch (err) {
                    throw fromFabricError(err, 'evaluate');
                }
            },
        };
    }

    close(): Promise<void> {
        if (this.#closed) return Promise.resolve();
        this.#closed = true;
        for (const s of [...this.#streams]) s.close();
        this.#gateway.close();
        this.#ctx.forget(this);
        return Promise.resolve();
    }

    #assertOpen(): void {
        if (this.#closed) throw new SubmitError('CLOSED', 'this Fabric client is closed');
    }
}
