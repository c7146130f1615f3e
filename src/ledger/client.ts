// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/client
 * The one client interface through which the roles (meter, customer, provider, operator, auditor) talk to the
 * ledger. It is engine-neutral: the embedded engine (`ledgers.embedded`) implements it in-process, the Fabric
 * adapter (`ledgers.fabric`, through `@hyperledger/fabric-gateway`) implements it against a Fabric network, and an
 * HTTP gateway can forward it. Nothing here knows about command lines, files or a particular engine.
 *
 * Shapes follow `@hyperledger/fabric-gateway` (submit / evaluate / chaincode events with checkpoints), so the
 * Fabric adapter is a thin conversion. Transaction arguments and results are what Fabric carries: arguments are
 * strings, results are bytes.
 */

/**
 * Who is calling: a member of an organisation (MSP) and its public credentials.
 *
 * - embedded engine: `credentials` is the raw 32-byte Ed25519 public key.
 * - Fabric: `credentials` is the X.509 certificate in PEM, as bytes.
 *
 * @example
 * ```ts
 * const identity: Identity = identities.ed25519('MeterMSP', privateKey);
 * ```
 */
export interface Identity {
    readonly mspId: string;
    readonly credentials: Uint8Array;
}

/**
 * Signs the digest of a transaction. The ledger client hashes the serialised transaction (SHA-256) and asks for a
 * signature over that 32-byte digest, so a signer can sit in an HSM, a browser or a remote service.
 *
 * @example
 * ```ts
 * const signer: Signer = signers.ed25519(privateKey);
 * const signature = await signer.sign(digest);
 * ```
 */
export interface Signer {
    sign(digest: Uint8Array): Promise<Uint8Array>;
}

/**
 * Outcome of a committed transaction.
 *
 * @example
 * ```ts
 * const { transactionId, blockNumber, result } = await client.submit('Put', 'k', 'v');
 * ```
 */
export interface SubmitResult {
    /** Transaction id: hex(SHA-256(nonce ‖ serialised creator)), as in Fabric. */
    readonly transactionId: string;
    /** Number of the block that holds the transaction. */
    readonly blockNumber: bigint;
    /**
     * Hash of that block (embedded engine: SHA-256 of its header). With `blockNumber` it is the submitter's
     * receipt: keep it outside the ledger's data directory and hand it to `verify({ anchors })`, which then
     * refuses a chain cut before this block. Undefined on engines that do not report it (Fabric).
     */
    readonly blockHash?: Uint8Array;
    /** What the contract returned, serialised as Fabric does (strings as UTF-8, objects as JSON). */
    readonly result: Uint8Array;
}

/**
 * An event a committed, valid transaction emitted with `ctx.stub.setEvent(name, payload)` (at most one per tx).
 *
 * @example
 * ```ts
 * for await (const { blockNumber, transactionId, eventName, payload } of events) fold(eventName, payload);
 * ```
 */
export interface ChaincodeEvent {
    readonly blockNumber: bigint;
    readonly transactionId: string;
    readonly eventName: string;
    readonly payload: Uint8Array;
}

/**
 * Remembers how far an event consumer got, so that a restarted consumer resumes with no loss and no duplicates.
 * Same semantics as fabric-gateway's `Checkpointer`: after `checkpointBlock(n)` the next block to read is n + 1;
 * after `checkpointTransaction(n, id)` reading resumes in block n after transaction `id`.
 *
 * @example
 * ```ts
 * const checkpoint = await checkpointers.file('/var/lib/femeter/provider.checkpoint');
 * const events = await client.events({ checkpoint });
 * for await (const event of events) {
 *     await fold(event);
 *     await checkpoint.checkpointChaincodeEvent(event);
 * }
 * ```
 */
export interface Checkpointer {
    /** The block to resume from, or `undefined` if nothing was checkpointed yet. */
    blockNumber(): bigint | undefined;
    /** The last processed transaction inside {@link blockNumber}, or `undefined`. */
    transactionId(): string | undefined;
    checkpointBlock(blockNumber: bigint): Promise<void>;
    checkpointTransaction(blockNumber: bigint, transactionId: string): Promise<void>;
    checkpointChaincodeEvent(event: ChaincodeEvent): Promise<void>;
}

/**
 * A committed, valid transaction's request as its submitter signed it (what
 * {@link LedgerClient.getCommittedTransaction} returns).
 *
 * @example
 * ```ts
 * const tx = await client.getCommittedTransaction(reading.tx);
 * if (tx?.txName === 'SubmitReadings') decode(JSON.parse(tx.args[0]!));
 * ```
 */
export interface CommittedTransaction {
    readonly transactionId: string;
    /** Number of the block that holds it; undefined on engines that do not report it (Fabric's qscc). */
    readonly blockNumber?: bigint;
    /** The transaction name as submitted (`Tx` or `Contract:Tx`). */
    readonly txName: string;
    readonly args: readonly string[];
    /** The submitter's organisation (MSP id). */
    readonly creatorMspId: string;
}

/**
 * An async iterable that can be closed from the outside; a pending `next()` then ends the iteration.
 *
 * @example
 * ```ts
 * const events = await client.events();
 * setTimeout(() => events.close(), 60_000); // ends the for-await loop below
 * for await (const e of events) handle(e);
 * ```
 */
export interface CloseableAsyncIterable<T> extends AsyncIterable<T> {
    close(): void;
}

/**
 * Where an event stream starts.
 *
 * @example
 * ```ts
 * await client.events({ startBlock: 0n });                  // replay everything, then live
 * await client.events({ checkpoint, startBlock: 0n });      // resume, or start at 0 the first time
 * ```
 */
export interface EventsOptions {
    /**
     * Resume after the checkpointed position. Takes precedence over `startBlock` when it holds a position
     * (the same rule as fabric-gateway).
     */
    readonly checkpoint?: Checkpointer;
    /** First block to read. Without it (and without a checkpoint) only events committed from now on arrive. */
    readonly startBlock?: bigint;
}

/**
 * One connected identity. Every call is signed with the identity's key.
 *
 * @example Submit and wait until durable
 * ```ts
 * const ledger = await ledgers.embedded({ path: './data/ledger', contracts: [FemeterContract] });
 * const client = ledger.connect({ identity, signer });
 * const { transactionId, blockNumber } = await client.submit('PutReadings', meterId, batchJson);
 * ```
 *
 * @example Evaluate (read-only, nothing is recorded)
 * ```ts
 * const bytes = await client.evaluate('ReadMeter', meterId);
 * const meter = JSON.parse(new TextDecoder().decode(bytes));
 * ```
 *
 * @example Match a typed contract refusal
 * ```ts
 * try {
 *     await client.submit('PutReading', meterId, reading);
 * } catch (err) {
 *     if (err instanceof EndorseError && err.contractError?.name === 'SlotConflictError') { ... }
 *     throw err;
 * }
 * ```
 */
export interface LedgerClient {
    readonly identity: Identity;
    /**
     * Run a transaction and wait until it is durably committed.
     * @throws {EndorseError} the contract or the engine refused the transaction (state unchanged)
     * @throws {SubmitError} the ledger could not take the transaction (closed, failed, overloaded)
     * @throws {CommitError} the transaction was ordered but its block could not be made durable
     */
    submit(txName: string, ...args: string[]): Promise<SubmitResult>;
    /**
     * Run a transaction against committed state without recording it.
     * @throws {EndorseError} the contract or the engine refused the call
     */
    evaluate(txName: string, ...args: string[]): Promise<Uint8Array>;
    /**
     * The request of a committed transaction whose validation code is VALID, by its id; undefined
     * when the ledger holds no such transaction or it was committed invalid. A gateway applies its
     * read rules (a SubmitReadings is readable by who may read that meter's readings).
     * @throws {EndorseError} the ledger or gateway refused the query
     */
    getCommittedTransaction(transactionId: string): Promise<CommittedTransaction | undefined>;
    /** Chaincode events, replayed from a position and then live. */
    events(options?: Readonly<EventsOptions>): Promise<CloseableAsyncIterable<ChaincodeEvent>>;
    /** Close this client's event streams. The ledger itself stays open. */
    close(): Promise<void>;
}

/**
 * What `Ledger.connect` needs.
 *
 * @example
 * ```ts
 * const client = ledger.connect({ identity, signer });
 * ```
 */
export interface ConnectOptions {
    readonly identity: Identity;
    readonly signer: Signer;
}

/**
 * An open ledger (one channel, one contract set) that identities connect to.
 *
 * @example
 * ```ts
 * const ledger = await ledgers.embedded({ path: dir, contracts: [FemeterContract] });
 * try {
 *     const operator = ledger.connect({ identity: operatorIdentity, signer: operatorSigner });
 *     await operator.submit('RegisterParty', partyJson);
 * } finally {
 *     await ledger.close();
 * }
 * ```
 */
export interface Ledger {
    connect(options: Readonly<ConnectOptions>): LedgerClient;
    close(): Promise<void>;
}
