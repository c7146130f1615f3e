// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/contract/memory
 * A minimal in-memory context for the femeter contract, no engine: the contract's methods are called
 * directly with a `ctx` whose stub keeps state in a Map (Fabric semantics: reads see committed state,
 * writes apply only when the transaction succeeds) and whose client identity is a plain
 * `{ mspId, id }`. Also a {@link LedgerClient} and an apps-style engine over it, so the roles can be
 * unit-tested through {@link FemeterApi} without LevelDB, envelopes or blocks.
 */
import '../ledger/fixtures/quiet.js';
import type { Engine, Org, Participant } from '../../src/apps/engines.js';
import { MSP_IDS } from '../../src/apps/engines.js';
import { FemeterContract } from '../../src/contract/index.js';
import { createHash } from 'node:crypto';
import type {
    ChaincodeEvent,
    CloseableAsyncIterable,
    CommittedTransaction,
    LedgerClient,
    SubmitResult,
} from '../../src/ledger/index.js';
import { EndorseError } from '../../src/ledger/index.js';
import { FemeterApi } from '../../src/roles/api.js';

const SEP = '\u0000';
const enc = new TextEncoder();

/** A contract transaction or query by name: `(ctx, ...args) => Promise<string>`. */
type TxMethod = (ctx: unknown, ...args: string[]) => Promise<string>;

/** The state, the committed events and the clock of an in-memory ledger. */
export class MemoryLedger {
    readonly state = new Map<string, Uint8Array>();
    readonly events: ChaincodeEvent[] = [];
    /** Committed transactions' requests by id (what getCommittedTransaction answers). */
    readonly txs = new Map<string, CommittedTransaction>();
    readonly contract = new FemeterContract();
    /** Keys and key prefixes the last call read (prefix scans as `prefix*`): what a rule costs. */
    lastReads: string[] = [];
    #tx = 0;
    /** Seconds since the epoch of the next transaction (advances by one per transaction). */
    clock = Date.UTC(2024, 2, 1) / 1000;

    /**
     * Run `txName` as `who`; writes and the event apply only if it succeeds and `commit` is set.
     * @throws whatever the contract throws (a ContractError for a refusal)
     */
    async call(
        who: { readonly mspId: string; readonly id: string },
        txName: string,
        args: readonly string[],
        commit: boolean,
    ): Promise<{ result: string; txId: string; block: bigint }> {
        const method = (this.contract as unknown as Record<string, unknown>)[txName];
        if (typeof method !== 'function') throw new Error(`no transaction ${txName}`);
        const n = ++this.#tx;
        // a transaction id of the engines' form: hex of 32 bytes
        const txId = createHash('sha256').update(`memory-tx-${n}`).digest('hex');
        const seconds = this.clock++;
        const writes = new Map<string, Uint8Array | null>();
        let event: { name: string; payload: Uint8Array } | undefined;
        const committed = this.state;
        const reads: string[] = [];
        this.lastReads = reads;
        const stub = {
            getTxID: () => txId,
            getTxTimestamp: () => ({ seconds, nanos: 0 }),
            getState: (key: string) => {
                reads.push(key);
                return Promise.resolve(committed.get(key) ?? new Uint8Array());
            },
            putState: (key: string, value: Uint8Array) => {
                writes.set(key, value.length === 0 ? null : new Uint8Array(value));
                return Promise.resolve();
            },
            setEvent: (name: string, payload: Uint8Array) => {
                event = { name, payload: new Uint8Array(payload) };
            },
            createCompositeKey: (type: string, attrs: string[]) =>
                SEP + type + SEP + attrs.map((a) => a + SEP).join(''),
            splitCompositeKey: (key: string) => {
                const parts = key.split(SEP).slice(1, -1);
                return { objectType: parts[0]!, attributes: parts.slice(1) };
            },
            getStateByPartialCompositeKey: (type: string, attrs: string[]) => {
                const prefix = SEP + type + SEP + attrs.map((a) => a + SEP).join('');
                reads.push(`${prefix}*`);
                const hits = [...committed.keys()].filter((k) => k.startsWith(prefix)).sort();
                let i = 0;
                return Promise.resolve({
                    next: () =>
                        Promise.resolve(
                            i < hits.length
                                ? {
                                      value: { key: hits[i]!, value: committed.get(hits[i++]!)! },
                                      done: false,
                                  }
                                : { value: undefined, done: true },
                        ),
                    close: () => Promise.resolve(),
                });
            },
        };
        const ctx = {
            stub,
            clientIdentity: { getMSPID: () => who.mspId, getID: () => who.id },
        };
        const result = await (method as TxMethod).call(this.contract, ctx, ...args);
        const block = BigInt(n);
        if (commit) {
            for (const [k, v] of writes) {
                if (v === null) committed.delete(k);
                else committed.set(k, v);
            }
            this.txs.set(txId, {
                transactionId: txId,
                blockNumber: block,
                txName,
                args: [...args],
                creatorMspId: who.mspId,
            });
            if (event !== undefined)
                this.events.push({
                    blockNumber: block,
                    transactionId: txId,
                    eventName: event.name,
                    payload: event.payload,
                });
        }
        return { result, txId, block };
    }
}

/** A {@link LedgerClient} on a {@link MemoryLedger}: refusals become EndorseError `CONTRACT_ERROR`, as on the engines. */
export class MemoryClient implements LedgerClient {
    readonly identity;
    readonly #ledger: MemoryLedger;
    readonly #who: { mspId: string; id: string };
    constructor(ledger: MemoryLedger, who: { mspId: string; id: string }) {
        this.#ledger = ledger;
        this.#who = who;
        this.identity = { mspId: who.mspId, credentials: enc.encode(who.id) };
    }
    async #run(txName: string, args: string[], commit: boolean) {
        try {
            return await this.#ledger.call(this.#who, txName, args, commit);
        } catch (err) {
            const e = err as { message?: string; code?: unknown };
            throw new EndorseError('CONTRACT_ERROR', String(e.message), {
                cause: err,
                contractError: {
                    message: String(e.message),
                    ...(typeof e.code === 'string' ? { code: e.code } : {}),
                },
            });
        }
    }
    async submit(txName: string, ...args: string[]): Promise<SubmitResult> {
        const r = await this.#run(txName, args, true);
        return { transactionId: r.txId, blockNumber: r.block, result: enc.encode(r.result) };
    }
    async evaluate(txName: string, ...args: string[]): Promise<Uint8Array> {
        return enc.encode((await this.#run(txName, args, false)).result);
    }
    getCommittedTransaction(transactionId: string): Promise<CommittedTransaction | undefined> {
        return Promise.resolve(this.#ledger.txs.get(transactionId));
    }
    /** The events committed so far, then the iteration ends (no live tail). */
    events(): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        const snapshot = [...this.#ledger.events];
        return Promise.resolve({
            [Symbol.asyncIterator](): AsyncIterator<ChaincodeEvent> {
                const it = snapshot.values();
                return { next: () => Promise.resolve(it.next()) };
            },
            close() {
                // nothing to release: the iteration is over a snapshot
            },
        });
    }
    close(): Promise<void> {
        return Promise.resolve();
    }
}

/** An apps-style {@link Engine} over a fresh {@link MemoryLedger}: `connect(name, org)` is `memory::<name>`. */
export function memoryEngine(): Engine & { readonly ledger: MemoryLedger } {
    const ledger = new MemoryLedger();
    return {
        name: 'embedded',
        ledger,
        connect(name: string, org: Org): Promise<Participant> {
            const identity = { mspId: MSP_IDS[org], id: `memory::${name}` };
            return Promise.resolve({
                api: new FemeterApi(new MemoryClient(ledger, identity)),
                identity,
            });
        },
        close: () => Promise.resolve(),
    };
}
