// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/ledger
 * The Hyperledger Fabric engine (this file: the network, its options and shared gRPC clients; `client.ts`: one
 * connected identity; `events.ts`: the event stream; `decode.ts`: protobuf replies; `modules.ts`: lazy loading): femeter's {@link LedgerClient} over `@hyperledger/fabric-gateway`
 * 1.11 and `@grpc/grpc-js`, against a network described by a `connection.json`
 * (`scripts/fabric/up`). The contract is the same fabric-contract-api class the embedded engine runs,
 * deployed as chaincode-as-a-service.
 *
 * - **Lazy.** The Fabric packages are loaded with `import()` inside {@link FabricLedger.open}; this file
 *   has type-only imports of them, so an app that never opens a Fabric ledger loads nothing of Fabric
 *   (test/ledger/fabric/lazy.test.ts proves it).
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
 *   `ChaincodeEvent` (`../client.ts`), inside a reconnect loop that resumes after the last event handed out (no
 *   loss, no duplicates) until `close()`. femeter's {@link Checkpointer} has fabric-gateway's semantics,
 *   so it is handed to Fabric through a two-method {@link Checkpoint} view.
 * - **Errors** become femeter's `LedgerError` (`../errors.ts`) tree in one place (`./errors.ts`); a contract
 *   refusal is an {@link EndorseError} whose message is the contract's message (`[CODE] …`).
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type * as Grpc from '@grpc/grpc-js';
import type * as FabricGateway from '@hyperledger/fabric-gateway';
import type { ConnectOptions, Identity, Ledger, LedgerClient, Signer } from '../client.js';
import { SubmitError } from '../errors.js';
import {
    clientUsers,
    defaultConnectionPath,
    loadConnectionProfile,
    type FabricConnectionProfile,
    type FabricOrganization,
} from './connection.js';
import { FabricClient, sleep } from './client.js';
import type { FabricLedgerContext } from './client.js';
import { loadFabricModules } from './modules.js';
import type { FabricModules } from './modules.js';

export { blockchainHeight } from './decode.js';

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
    }),
    maxCommitAttempts: 8,
    conflictBackoffMs: 25,
    catchUpTimeoutMs: 10_000,
    maxReconnectDelayMs: 2_000,
});

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
    readonly #modules: FabricModules;
    readonly #chaincode: string;
    readonly #settings: FabricLedgerContext['settings'];
    readonly #grpcClients = new Map<string, Grpc.Client>();
    readonly #clients = new Set<FabricClient>();
    readonly #heights = new Map<string, bigint>();
    #horizon = 0n;
    #closed = false;
    readonly #stats = { submits: 0, conflictRetries: 0, catchUpPolls: 0, eventReconnects: 0 };

    private constructor(
        profile: FabricConnectionProfile,
        modules: FabricModules,
        options: Readonly<FabricLedgerOptions>,
    ) {
        this.#profile = profile;
        this.#modules = modules;
        const chaincode = options.chaincode ?? profile.chaincode;
        if (chaincode === null) {
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
        const modules = await loadFabricModules();
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
        const context: FabricLedgerContext = {
            modules: this.#modules,
            channel: this.#profile.channel,
            chaincode: this.#chaincode,
            settings: this.#settings,
            sawHeight: (endpoint, height) => {
                this.#sawHeight(endpoint, height);
            },
            stats: this.#stats,
            catchUp: (endpoint, poll) => this.#catchUp(endpoint, poll),
            forget: (client) => this.#clients.delete(client),
        };
        const client = new FabricClient(context, options.identity, gw, org.peer.endpoint);
        this.#clients.add(client);
        return client;
    }

    /**
     * A fabric-gateway `Gateway` without a signer, through the peer of `mspId`'s organisation, for
     * messages their creators signed elsewhere (`newSignedProposal`, `newSignedTransaction`,
     * `newSignedCommit`): what a service in front of the network uses, holding no one's key.
     * `identity` only names who builds unsigned messages through it (none are built by the service).
     *
     * @throws {SubmitError} `CLOSED` after {@link close}
     * @throws {Error} if the MSP is not in the connection profile
     */
    offlineGateway(mspId: string, identity: Identity): FabricGateway.Gateway {
        if (this.#closed) throw new SubmitError('CLOSED', 'the Fabric ledger is closed');
        const org = this.#org(mspId);
        const { gateway } = this.#modules;
        const t = this.#settings.timeouts;
        const deadline = (ms: number) => (): Grpc.CallOptions => ({ deadline: Date.now() + ms });
        return gateway.connect({
            client: this.#grpcClient(org),
            identity: { mspId: identity.mspId, credentials: identity.credentials },
            hash: gateway.hash.sha256,
            evaluateOptions: deadline(t.evaluateMs),
            endorseOptions: deadline(t.endorseMs),
            submitOptions: deadline(t.submitMs),
            commitStatusOptions: deadline(t.commitStatusMs),
        });
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
            await sleep(wait);
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
