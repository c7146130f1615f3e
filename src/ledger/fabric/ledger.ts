// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/ledger
 * The Hyperledger Fabric engine: femeter's {@link LedgerClient} over `@hyperledger/fabric-gateway`
 * 1.11 and `@grpc/grpc-js`, against a network described by a `connection.json`
 * (`scripts/fabric/up`). The contract is the same fabric-contract-api class the embedded engine runs,
 * deployed as chaincode-as-a-service.
 *
 * - **Lazy.** The Fabric packages are loaded with `import()` inside {@link FabricLedger.open}; this file
 *   has type-only imports of them, so an app that never opens a Fabric ledger loads nothing of Fabric
 *   (test/fabric/lazy.test.ts proves it).
 * - **One gRPC client per peer endpoint**, shared by every identity connected through this ledger; a
 *   client talks to its own organisation's peer (the Gateway service there endorses, orders and
 *   reports the commit). Channel options: 100 MB messages both ways (a meter-month of readings is
 *   ~1 MB), reconnect backoff 0.1–2 s so a restarted peer is used again at once.
 * - **Deadlines per call kind**: evaluate 5 s, endorse 15 s, submit 5 s, commit status 60 s.
 * - **submit** = `submitAsync` (endorse + order) then `getStatus()`; `successful` is checked. A commit
 *   that failed MVCC_READ_CONFLICT or PHANTOM_READ_CONFLICT (two transactions in one block touched the
 *   same key, e.g. a meter's sequence record) is re-endorsed as a new transaction up to
 *   `maxCommitAttempts` times with jittered exponential backoff; any other invalid commit is a
 *   {@link CommitError}.
 * - **Read your writes across peers.** Each peer commits blocks on its own, so a customer reading
 *   through the customers peer right after the operator wrote through the operator peer could miss the
 *   write. The ledger remembers the highest block any of its clients saw committed; before a call
 *   through a peer that may not have it yet, it polls that peer's height (qscc `GetChainInfo`) until the
 *   peer has caught up (bounded by `catchUpTimeoutMs`).
 * - **Events**: `network.getChaincodeEvents(chaincode, { checkpoint, startBlock })` mapped to femeter's
 *   {@link ChaincodeEvent}, inside a reconnect loop that resumes after the last event handed out (no
 *   loss, no duplicates) until `close()`. femeter's {@link Checkpointer} has fabric-gateway's semantics,
 *   so it is handed to Fabric through a two-method {@link Checkpoint} view.
 * - **Errors** become femeter's {@link LedgerError} tree in one place (`./errors.ts`); a contract
 *   refusal is an {@link EndorseError} whose message is the contract's message (`[CODE] …`).
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type * as FabricGateway from '@hyperledger/fabric-gateway';
import type * as Grpc from '@grpc/grpc-js';
import type {
    ChaincodeEvent,
    CloseableAsyncIterable,
    ConnectOptions,
    EventsOptions,
    Identity,
    Ledger,
    LedgerClient,
    Signer,
    SubmitResult,
} from '../client.js';
import { LedgerError, SubmitError } from '../errors.js';
import {
    clientUsers,
    defaultConnectionPath,
    loadConnectionProfile,
    type FabricConnectionProfile,
    type FabricOrganization,
} from './connection.js';
import { CONFLICT_CODES, commitFailure, fromFabricError, isTransient } from './errors.js';

/** Per-call deadlines in milliseconds. */
export interface FabricTimeouts {
    readonly evaluateMs: number;
    readonly endorseMs: number;
    readonly submitMs: number;
    readonly commitStatusMs: number;
}

/**
 * Options of {@link FabricLedger.open}.
 *
 * @example
 * ```ts
 * const options: FabricLedgerOptions = { connectionPath: '/home/me/.cache/femeter/fabric-net/connection.json', chaincode: 'femeter' };
 * ```
 */
export interface FabricLedgerOptions {
    /** The network's `connection.json` (default: {@link defaultConnectionPath}). Ignored if `profile` is given. */
    readonly connectionPath?: string;
    /** An already loaded connection profile. */
    readonly profile?: FabricConnectionProfile;
    /** Chaincode to call (default: the profile's most recently deployed `chaincode`). */
    readonly chaincode?: string;
    /** Per-call deadlines (default {@link FABRIC_DEFAULTS}.timeouts). */
    readonly timeouts?: Partial<FabricTimeouts>;
    /** Attempts of a submit whose commit hits an MVCC or phantom read conflict (default 8). */
    readonly maxCommitAttempts?: number;
    /** First backoff before re-submitting after a conflict, doubled each time, with jitter (default 25 ms). */
    readonly conflictBackoffMs?: number;
    /** How long a call waits for its peer to catch up with blocks other peers already committed (default 10 s). */
    readonly catchUpTimeoutMs?: number;
    /** Longest pause between reconnects of an event stream (default 2 s). */
    readonly maxReconnectDelayMs?: number;
}

/** Per-client options of {@link FabricLedger.connect}. */
export interface FabricConnectOptions extends ConnectOptions {
    /** MSP id of the peer to use as gateway (default: the identity's own organisation's peer). */
    readonly peer?: string;
}

/** Defaults of {@link FabricLedgerOptions}. */
export const FABRIC_DEFAULTS = Object.freeze({
    timeouts: Object.freeze({
        evaluateMs: 5_000,
        endorseMs: 15_000,
        submitMs: 5_000,
        commitStatusMs: 60_000,
    }) as FabricTimeouts,
    maxCommitAttempts: 8,
    conflictBackoffMs: 25,
    catchUpTimeoutMs: 10_000,
    maxReconnectDelayMs: 2_000,
});

/** The Fabric packages, loaded on first use. */
interface _Modules {
    readonly gateway: typeof FabricGateway;
    readonly grpc: typeof Grpc;
}

let _modules: Promise<_Modules> | undefined;

/** Load the Fabric client packages (once per process). */
function _loadModules(): Promise<_Modules> {
    _modules ??= Promise.all([import('@hyperledger/fabric-gateway'), import('@grpc/grpc-js')]).then(
        ([gateway, grpc]) => ({ gateway, grpc }),
    );
    return _modules;
}

/**
 * The `height` (field 1, uint64) of a serialised `common.BlockchainInfo` protobuf message, as qscc's
 * `GetChainInfo` returns it. Decoded here so that no protobuf package is needed.
 *
 * @throws {Error} if the bytes are not such a message
 *
 * @example
 * ```ts
 * blockchainHeight(Uint8Array.of(0x08, 0x2a)); // 42n
 * ```
 */
export function blockchainHeight(bytes: Uint8Array): bigint {
    let i = 0;
    const varint = (): bigint => {
        let v = 0n;
        for (let shift = 0n; ; shift += 7n) {
            const b = bytes[i++];
            if (b === undefined || shift > 63n)
                throw new Error('BlockchainInfo: truncated or overlong varint');
            v |= BigInt(b & 0x7f) << shift;
            if ((b & 0x80) === 0) return v;
        }
    };
    let height = 0n;
    while (i < bytes.length) {
        const key = Number(varint());
        const field = key >>> 3;
        const wire = key & 7;
        if (wire === 0) {
            const v = varint();
            if (field === 1) height = v;
        } else if (wire === 2) {
            const length = Number(varint()); // read before adding: `i += varint()` would add to the old i
            i += length;
        } else if (wire === 1) {
            i += 8;
        } else if (wire === 5) {
            i += 4;
        } else {
            throw new Error(`BlockchainInfo: unsupported wire type ${wire}`);
        }
        if (i > bytes.length) throw new Error('BlockchainInfo: truncated field');
    }
    return height;
}

const _sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Internals a client needs from its ledger. */
interface _LedgerContext {
    readonly modules: _Modules;
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

/**
 * A Fabric network (one channel, one chaincode) that identities connect to.
 *
 * @example Connect a user of the network's MSP material and submit
 * ```ts
 * const ledger = await FabricLedger.open({ connectionPath: defaultConnectionPath(), chaincode: 'femeter' });
 * try {
 *     const client = await ledger.connectUser('OperatorMSP', 'User1');
 *     const { transactionId, blockNumber } = await client.submit('Bootstrap', JSON.stringify({ id: 'operator', name: 'Operator' }));
 * } finally {
 *     await ledger.close();
 * }
 * ```
 *
 * @example Any identity and signer (e.g. a key held elsewhere)
 * ```ts
 * const client = ledger.connect({ identity: { mspId: 'CustomersMSP', credentials: certPem }, signer: { sign: (digest) => hsm.sign(digest) } });
 * const who = JSON.parse(new TextDecoder().decode(await client.evaluate('WhoAmI')));
 * ```
 */
export class FabricLedger implements Ledger {
    readonly #profile: FabricConnectionProfile;
    readonly #modules: _Modules;
    readonly #chaincode: string;
    readonly #settings: _LedgerContext['settings'];
    readonly #grpcClients = new Map<string, Grpc.Client>();
    readonly #clients = new Set<FabricClient>();
    readonly #heights = new Map<string, bigint>();
    #horizon = 0n;
    #closed = false;
    readonly #stats = { submits: 0, conflictRetries: 0, catchUpPolls: 0, eventReconnects: 0 };

    private constructor(
        profile: FabricConnectionProfile,
        modules: _Modules,
        options: Readonly<FabricLedgerOptions>,
    ) {
        this.#profile = profile;
        this.#modules = modules;
        const chaincode = options.chaincode ?? profile.chaincode;
        if (chaincode === null || chaincode === undefined) {
            throw new Error(
                `no chaincode given and none is deployed on the network in ${profile.dataDir} (run scripts/fabric/deploy)`,
            );
        }
        this.#chaincode = chaincode;
        this.#settings = {
            timeouts: { ...FABRIC_DEFAULTS.timeouts, ...options.timeouts },
            maxCommitAttempts: options.maxCommitAttempts ?? FABRIC_DEFAULTS.maxCommitAttempts,
            conflictBackoffMs: options.conflictBackoffMs ?? FABRIC_DEFAULTS.conflictBackoffMs,
            catchUpTimeoutMs: options.catchUpTimeoutMs ?? FABRIC_DEFAULTS.catchUpTimeoutMs,
            maxReconnectDelayMs: options.maxReconnectDelayMs ?? FABRIC_DEFAULTS.maxReconnectDelayMs,
        };
        if (
            !Number.isInteger(this.#settings.maxCommitAttempts) ||
            this.#settings.maxCommitAttempts < 1
        ) {
            throw new RangeError(
                `"maxCommitAttempts" expected an integer ≥ 1, got ${this.#settings.maxCommitAttempts}`,
            );
        }
    }

    /**
     * Load the Fabric packages and the connection profile. No network traffic yet: gRPC connections are
     * made on the first call through each peer.
     *
     * @throws {Error} if the connection file is missing or invalid, or no chaincode is named or deployed
     */
    static async open(options: Readonly<FabricLedgerOptions> = {}): Promise<FabricLedger> {
        const profile =
            options.profile ??
            (await loadConnectionProfile(options.connectionPath ?? defaultConnectionPath()));
        const modules = await _loadModules();
        return new FabricLedger(profile, modules, options);
    }

    /** The connection profile this ledger was opened with. */
    get profile(): FabricConnectionProfile {
        return this.#profile;
    }
    /** The chaincode every client calls. */
    get chaincode(): string {
        return this.#chaincode;
    }
    /** The channel. */
    get channel(): string {
        return this.#profile.channel;
    }

    /**
     * Connect an identity. `identity.credentials` is its X.509 certificate (PEM bytes); the signer signs
     * SHA-256 digests (ECDSA P-256 for cryptogen's keys).
     *
     * @throws {SubmitError} `CLOSED` after {@link close}
     * @throws {Error} if the identity's (or `peer`'s) MSP is not in the connection profile
     */
    connect(options: Readonly<FabricConnectOptions>): LedgerClient {
        if (this.#closed) throw new SubmitError('CLOSED', 'the Fabric ledger is closed');
        const org = this.#org(options.peer ?? options.identity.mspId);
        const { gateway } = this.#modules;
        const t = this.#settings.timeouts;
        const deadline = (ms: number) => (): Grpc.CallOptions => ({ deadline: Date.now() + ms });
        const signer = options.signer;
        const gw = gateway.connect({
            client: this.#grpcClient(org),
            identity: { mspId: options.identity.mspId, credentials: options.identity.credentials },
            signer: (digest: Uint8Array) => signer.sign(digest),
            hash: gateway.hash.sha256,
            evaluateOptions: deadline(t.evaluateMs),
            endorseOptions: deadline(t.endorseMs),
            submitOptions: deadline(t.submitMs),
            commitStatusOptions: deadline(t.commitStatusMs),
        });
        const context: _LedgerContext = {
            modules: this.#modules,
            channel: this.#profile.channel,
            chaincode: this.#chaincode,
            settings: this.#settings,
            sawHeight: (endpoint, height) => this.#sawHeight(endpoint, height),
            stats: this.#stats,
            catchUp: (endpoint, poll) => this.#catchUp(endpoint, poll),
            forget: (client) => this.#clients.delete(client),
        };
        const client = new FabricClient(context, options.identity, gw, org.peer.endpoint);
        this.#clients.add(client);
        return client;
    }

    /**
     * Connect as one of the users in the connection profile (`User1` … `UserN`, or `Admin`).
     *
     * @example
     * ```ts
     * const meter = await ledger.connectUser('CustomersMSP', 'User17');
     * ```
     */
    async connectUser(mspId: string, user: string): Promise<LedgerClient> {
        const files = this.#org(mspId).users[user];
        if (files === undefined)
            throw new Error(
                `no user ${user} of ${mspId} in the connection profile (have ${clientUsers(this.#org(mspId)).length} client users)`,
            );
        const [cert, key] = await Promise.all([readFile(files.certPath), readFile(files.keyPath)]);
        return this.connect({
            identity: { mspId, credentials: new Uint8Array(cert) },
            signer: this.signerFromPem(key),
        });
    }

    /**
     * A {@link Signer} for a PEM private key (PKCS#8 or SEC1; ECDSA P-256 gives low-S signatures, as
     * Fabric requires), from fabric-gateway's `signers.newPrivateKeySigner`.
     */
    signerFromPem(pem: string | Uint8Array): Signer {
        const sign = this.#modules.gateway.signers.newPrivateKeySigner(
            createPrivateKey(typeof pem === 'string' ? pem : Buffer.from(pem)),
        );
        return { sign: (digest) => sign(digest) };
    }

    /**
     * Counters since open: committed submits, re-submits after an MVCC/phantom conflict, polls of a
     * peer's height while waiting for it to catch up, and event-stream reconnects.
     */
    stats(): Readonly<{
        submits: number;
        conflictRetries: number;
        catchUpPolls: number;
        eventReconnects: number;
    }> {
        return { ...this.#stats };
    }

    /** Close every client (and its event streams) and every gRPC connection. Idempotent. */
    async close(): Promise<void> {
        if (this.#closed) return;
        this.#closed = true;
        for (const client of [...this.#clients]) await client.close();
        for (const c of this.#grpcClients.values()) c.close();
        this.#grpcClients.clear();
    }

    #org(mspId: string): FabricOrganization {
        const org = this.#profile.organizations[mspId];
        if (org === undefined)
            throw new Error(
                `organisation ${mspId} is not in the Fabric connection profile (have ${Object.keys(this.#profile.organizations).join(', ')})`,
            );
        return org;
    }

    #grpcClient(org: FabricOrganization): Grpc.Client {
        const { endpoint, hostname, tlsCACert } = org.peer;
        let client = this.#grpcClients.get(endpoint);
        if (client === undefined) {
            const { grpc } = this.#modules;
            // The TLS root is read synchronously once per peer: connect() is synchronous like fabric-gateway's.
            const ca = _readFileSyncCached(tlsCACert);
            client = new grpc.Client(endpoint, grpc.credentials.createSsl(ca), {
                // The peer's certificate is issued for 127.0.0.1, localhost and its hostname; naming the
                // hostname avoids Node's DEP0123 warning for an IP address as TLS server name.
                'grpc.ssl_target_name_override': hostname,
                'grpc.max_receive_message_length': 100 * 1024 * 1024,
                'grpc.max_send_message_length': 100 * 1024 * 1024,
                'grpc.initial_reconnect_backoff_ms': 100,
                'grpc.min_reconnect_backoff_ms': 100,
                'grpc.max_reconnect_backoff_ms': 2_000,
            });
            this.#grpcClients.set(endpoint, client);
        }
        return client;
    }

    #sawHeight(endpoint: string, height: bigint): void {
        if (height > (this.#heights.get(endpoint) ?? 0n)) this.#heights.set(endpoint, height);
        if (height > this.#horizon) this.#horizon = height;
    }

    async #catchUp(endpoint: string, poll: () => Promise<bigint>): Promise<void> {
        const target = this.#horizon;
        if ((this.#heights.get(endpoint) ?? 0n) >= target) return;
        const deadline = Date.now() + this.#settings.catchUpTimeoutMs;
        for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
            let height: bigint;
            this.#stats.catchUpPolls++;
            try {
                height = await poll();
            } catch {
                return; // the peer does not answer: let the call itself fail with the real error
            }
            this.#sawHeight(endpoint, height);
            if (height >= target || Date.now() > deadline) return;
            await _sleep(wait);
        }
    }
}

const _fileCache = new Map<string, Buffer>();
function _readFileSyncCached(path: string): Buffer {
    let b = _fileCache.get(path);
    if (b === undefined) {
        b = readFileSync(path);
        _fileCache.set(path, b);
    }
    return b;
}

/** One connected identity: femeter's {@link LedgerClient} over a fabric-gateway `Gateway`. */
class FabricClient implements LedgerClient {
    readonly identity: Identity;
    readonly #ctx: _LedgerContext;
    readonly #gateway: FabricGateway.Gateway;
    readonly #network: FabricGateway.Network;
    readonly #contract: FabricGateway.Contract;
    readonly #endpoint: string;
    readonly #streams = new Set<FabricEventStream>();
    #closed = false;

    constructor(
        ctx: _LedgerContext,
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
            await _sleep(backoff / 2 + Math.random() * backoff);
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

/** Options of {@link FabricEventStream}. */
interface _StreamOptions {
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
class FabricEventStream implements CloseableAsyncIterable<ChaincodeEvent> {
    readonly #o: _StreamOptions;
    /** Where to resume: Fabric's Checkpoint view of (block, last transaction handed out in it). */
    #position: { block: bigint; txId: string | undefined };
    #current: FabricGateway.CloseableAsyncIterable<FabricGateway.ChaincodeEvent> | undefined;
    #closed = false;
    #wake: (() => void) | undefined;

    constructor(options: _StreamOptions) {
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

    async *#run(): AsyncGenerator<ChaincodeEvent> {
        let delay = 100;
        while (!this.#closed) {
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
                    if (this.#closed) return;
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
                if (this.#closed) return;
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
            if (this.#closed) return;
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
