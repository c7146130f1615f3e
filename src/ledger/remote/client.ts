// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/remote/client
 * A {@link LedgerClient} that talks to a femeter gateway (`femeter serve`) over HTTP(S): every
 * transaction is built and signed here, with the caller's own key, exactly as the embedded engine's
 * client does, and the gateway forwards the signed envelope unchanged. Event streams arrive as
 * server-sent events and resume after a dropped connection from the last delivered event.
 * Refusals come back as the same {@link EndorseError} / {@link SubmitError} / {@link CommitError}
 * the engine raised, so the roles cannot tell a remote ledger from a local one.
 */
import type {
    ChaincodeEvent,
    CloseableAsyncIterable,
    CommittedTransaction,
    ConnectOptions,
    EventsOptions,
    Identity,
    Ledger,
    LedgerClient,
    Signer,
    SubmitResult,
} from '../client.js';
import { CommitError, EndorseError, LedgerError, SubmitError } from '../errors.js';
import type { LedgerErrorCode } from '../errors.js';
import { encodeProposal, newProposal, signPayload } from '../embedded/envelope.js';
import { commitFailure, CONFLICT_CODES } from '../fabric/errors.js';
import { signToken } from './token.js';
import {
    dedicatedRoute,
    fromBase64,
    ROUTES,
    toBase64,
    TOKEN_SCHEME,
    type CommittedTransactionBody,
    type DedicatedQueryResultBody,
    type ErrorBody,
    type EvaluateResultBody,
    type EventBody,
    type FabricCommittedBody,
    type FabricEndorsedBody,
    type FabricSubmittedBody,
    type HealthBody,
    type SubmitResultBody,
    type VerifyReportBody,
} from './wire.js';

/**
 * Fabric's offline signing for one identity (`FabricOfflineSigner` in `ledger/fabric/offline.ts`):
 * builds proposals, and signs what the gateway returns after checking it is the same transaction.
 */
export interface OfflineSigningSession {
    proposal(
        txName: string,
        args: readonly string[],
        signer: Signer,
    ): Promise<{ bytes: Uint8Array; signature: Uint8Array; transactionId: string }>;
    transaction(
        bytes: Uint8Array,
        transactionId: string,
        signer: Signer,
    ): Promise<{ signature: Uint8Array; result: Uint8Array }>;
    commit(bytes: Uint8Array, transactionId: string, signer: Signer): Promise<Uint8Array>;
    close(): void;
}

/** Opens an {@link OfflineSigningSession} (e.g. `FabricOfflineSigner.open`). */
export type OfflineSigning = (
    identity: Identity,
    channel: string,
    chaincode: string,
) => Promise<OfflineSigningSession>;

/** Options of {@link RemoteLedger.open}. */
export interface RemoteLedgerOptions {
    /**
     * Needed when the gateway stands in front of Fabric: how to build and sign Fabric messages
     * (`FabricOfflineSigner.open` from `ledger/fabric`; kept out of this module so that a browser
     * bundle of it loads nothing of Fabric).
     */
    readonly fabric?: OfflineSigning;
    /**
     * The `fetch` to use (default the global one). For an HTTPS gateway with a certificate of its own
     * CA or a self-signed one: `fetchTrusting(caPem)` from `ledger/remote/tls.ts` (Node).
     */
    readonly fetch?: (url: string, init?: RequestInit) => Promise<Response>;

    /** Base URL of the gateway, e.g. `http://127.0.0.1:8080`. */
    readonly url: string;
    /** Per-request timeout (default 60 s). */
    readonly timeoutMs?: number;
    /** Longest wait between reconnects of an event stream (default 2 s). */
    readonly maxReconnectDelayMs?: number;
}

const _LEDGER_CODES: ReadonlySet<string> = new Set<LedgerErrorCode>([
    'CONTRACT_ERROR',
    'UNKNOWN_TRANSACTION',
    'BAD_ARGUMENTS',
    'BAD_SIGNATURE',
    'MALFORMED',
    'TOO_LARGE',
    'WRONG_CHANNEL',
    'DUPLICATE_TXID',
    'ACCESS_DENIED',
    'CLOSED',
    'FAILED',
    'OVERLOADED',
    'STORAGE',
]);

/** Turn a gateway refusal into the ledger error the engine raised (or the closest one). */
function _errorFrom(status: number, body: ErrorBody | undefined): LedgerError {
    const e = body?.error;
    const message = e?.message ?? `gateway answered HTTP ${status}`;
    const opts = { transactionId: e?.transactionId, contractError: e?.contractError };
    const code = e?.code ?? '';
    if (_LEDGER_CODES.has(code)) {
        const c = code as LedgerErrorCode;
        if (e?.kind === 'submit') return new SubmitError(c, message, opts);
        if (e?.kind === 'commit') return new CommitError(c, message, opts);
        return new EndorseError(c, message, opts);
    }
    // Gateway-level refusals, mapped onto the ledger error tree.
    if (status === 401 || status === 403) return new EndorseError('ACCESS_DENIED', message, opts);
    if (status === 413) return new EndorseError('TOO_LARGE', message, opts);
    if (status === 429 || status === 503) return new SubmitError('OVERLOADED', message, opts);
    if (status >= 400 && status < 500) return new EndorseError('MALFORMED', message, opts);
    return new SubmitError('FAILED', message, opts);
}

/**
 * A ledger behind a gateway.
 *
 * @example
 * ```ts
 * const ledger = await RemoteLedger.open({ url: 'http://127.0.0.1:8080' });
 * const client = ledger.connect({ identity, signer });
 * await client.submit('SubmitReadings', json);
 * ```
 */
export class RemoteLedger implements Ledger {
    readonly url: string;
    readonly channel: string;
    readonly timeoutMs: number;
    readonly maxReconnectDelayMs: number;
    /** The `fetch` every request goes through. */
    readonly fetch: (url: string, init?: RequestInit) => Promise<Response>;
    /** Fabric behind the gateway: its chaincode and how to sign for it; undefined: embedded. */
    readonly fabric: { readonly chaincode: string; readonly signing: OfflineSigning } | undefined;

    private constructor(
        o: Readonly<RemoteLedgerOptions>,
        channel: string,
        fabric: RemoteLedger['fabric'],
    ) {
        this.url = o.url.replace(/\/+$/, '');
        this.channel = channel;
        this.fabric = fabric;
        this.fetch = o.fetch ?? ((url, init) => fetch(url, init));
        this.timeoutMs = o.timeoutMs ?? 60_000;
        this.maxReconnectDelayMs = o.maxReconnectDelayMs ?? 2_000;
    }

    /**
     * Reach the gateway once (GET /health) to learn its channel.
     * @throws {SubmitError} `FAILED` when the gateway cannot be reached
     */
    static async open(o: Readonly<RemoteLedgerOptions>): Promise<RemoteLedger> {
        const base = o.url.replace(/\/+$/, '');
        let res: Response;
        try {
            res = await (o.fetch ?? fetch)(base + ROUTES.health, {
                signal: AbortSignal.timeout(o.timeoutMs ?? 60_000),
            });
        } catch (err) {
            throw new SubmitError(
                'FAILED',
                `gateway ${base} cannot be reached: ${(err as Error).message}`,
                {
                    cause: err,
                },
            );
        }
        const body = (await res.json()) as HealthBody;
        if (body.engine === 'fabric') {
            if (o.fabric === undefined)
                throw new SubmitError(
                    'FAILED',
                    `gateway ${base} stands in front of Fabric: open the remote ledger with { fabric: FabricOfflineSigner.open } (from ledger/fabric)`,
                );
            return new RemoteLedger(o, body.channel, {
                chaincode: body.chaincode ?? '',
                signing: o.fabric,
            });
        }
        return new RemoteLedger(o, body.channel, undefined);
    }

    connect(options: Readonly<ConnectOptions>): RemoteLedgerClient {
        return new RemoteLedgerClient(this, options.identity, options.signer);
    }

    /** Nothing to release: the gateway owns the ledger. */
    close(): Promise<void> {
        return Promise.resolve();
    }
}

/** Runtime check of an identity handed in by JavaScript callers (the type is not enforced there). */
function _isIdentity(v: unknown): boolean {
    const o = v as { mspId?: unknown; credentials?: unknown } | null | undefined;
    return typeof o?.mspId === 'string' && o.credentials instanceof Uint8Array;
}

/** Runtime check of a signer handed in by JavaScript callers. */
function _isSigner(v: unknown): boolean {
    return typeof (v as { sign?: unknown } | null | undefined)?.sign === 'function';
}

/** One identity connected through a gateway. */
export class RemoteLedgerClient implements LedgerClient {
    readonly identity: Identity;
    readonly #ledger: RemoteLedger;
    readonly #signer: Signer;
    readonly #streams = new Set<RemoteEventStream>();

    constructor(ledger: RemoteLedger, identity: Identity, signer: Signer) {
        if (!_isIdentity(identity))
            throw new TypeError('"identity" expected { mspId: string, credentials: Uint8Array }');
        if (!_isSigner(signer)) throw new TypeError('"signer" expected { sign(digest) }');
        this.#ledger = ledger;
        this.identity = Object.freeze({
            mspId: identity.mspId,
            credentials: new Uint8Array(identity.credentials),
        });
        this.#signer = signer;
    }

    async #envelope(txName: string, args: readonly string[]): Promise<string> {
        let payload: Uint8Array;
        try {
            payload = encodeProposal(
                newProposal({
                    channel: this.#ledger.channel,
                    txName,
                    args,
                    creator: this.identity,
                }),
            );
        } catch (err) {
            throw new EndorseError('MALFORMED', (err as Error).message, { cause: err });
        }
        const env = await signPayload(payload, this.#signer);
        return JSON.stringify({
            payload: toBase64(env.payload),
            signature: toBase64(env.signature),
        });
    }

    /** A signed request token for one call of `method path`. */
    token(method: string, path: string): Promise<string> {
        return signToken({
            identity: this.identity,
            signer: this.#signer,
            channel: this.#ledger.channel,
            method,
            path,
        });
    }

    async #post<T>(path: string, body: string, headers: Record<string, string> = {}): Promise<T> {
        return (await this.#postOr404<T>(path, body, headers, false)) as T;
    }

    /** {@link #post}, answering undefined for HTTP 404 when `allow404`. */
    async #postOr404<T>(
        path: string,
        body: string,
        headers: Record<string, string>,
        allow404: boolean,
    ): Promise<T | undefined> {
        let res: Response;
        try {
            res = await this.#ledger.fetch(this.#ledger.url + path, {
                method: 'POST',
                headers: { 'content-type': 'application/json', ...headers },
                body,
                signal: AbortSignal.timeout(this.#ledger.timeoutMs),
            });
        } catch (err) {
            throw new SubmitError(
                'FAILED',
                `gateway ${this.#ledger.url}: ${(err as Error).message}`,
                {
                    cause: err,
                },
            );
        }
        const text = await res.text().catch(() => '');
        let parsed: unknown;
        try {
            parsed = text.length > 0 ? JSON.parse(text) : undefined;
        } catch {
            parsed = undefined;
        }
        if (allow404 && res.status === 404) return undefined;
        if (!res.ok) throw _errorFrom(res.status, parsed as ErrorBody | undefined);
        return parsed as T;
    }

    #session: Promise<OfflineSigningSession> | undefined;

    /** Fabric's offline-signing session of this identity (opened on first use). */
    #fabric(): Promise<OfflineSigningSession> {
        const f = this.#ledger.fabric;
        if (f === undefined) throw new Error('not a Fabric gateway');
        this.#session ??= f.signing(this.identity, this.#ledger.channel, f.chaincode);
        return this.#session;
    }

    /** Fabric: proposal, endorsement, ordering and commit, each message signed here. */
    async #submitFabric(txName: string, args: readonly string[]): Promise<SubmitResult> {
        const s = await this.#fabric();
        const signer = this.#signer;
        for (let attempt = 1; ; attempt++) {
            const p = await s.proposal(txName, args, signer);
            const e = await this.#post<FabricEndorsedBody>(
                ROUTES.fabricEndorse,
                JSON.stringify({ bytes: toBase64(p.bytes), signature: toBase64(p.signature) }),
            );
            const tx = await s.transaction(fromBase64(e.transaction), p.transactionId, signer);
            const sub = await this.#post<FabricSubmittedBody>(
                ROUTES.fabricSubmit,
                JSON.stringify({ bytes: e.transaction, signature: toBase64(tx.signature) }),
            );
            const commitSignature = await s.commit(fromBase64(sub.commit), p.transactionId, signer);
            const c = await this.#post<FabricCommittedBody>(
                ROUTES.fabricCommit,
                JSON.stringify({ bytes: sub.commit, signature: toBase64(commitSignature) }),
            );
            if (c.transactionId !== p.transactionId)
                throw new SubmitError('FAILED', 'the gateway reported another transaction');
            if (c.successful)
                return {
                    transactionId: p.transactionId,
                    blockNumber: BigInt(c.blockNumber),
                    result: tx.result,
                };
            // Another transaction in the same block changed what this one read: propose it again.
            if (!CONFLICT_CODES.has(c.code) || attempt >= 8)
                throw commitFailure(c.code, p.transactionId, BigInt(c.blockNumber), attempt);
            await new Promise((r) => setTimeout(r, 10 * 2 ** attempt * (0.5 + Math.random())));
        }
    }

    async submit(txName: string, ...args: string[]): Promise<SubmitResult> {
        if (this.#ledger.fabric !== undefined) return this.#submitFabric(txName, args);
        const dedicated = dedicatedRoute(txName);
        const r = await this.#post<SubmitResultBody>(
            dedicated?.kind === 'submit' ? dedicated.path : ROUTES.submit,
            await this.#envelope(txName, args),
        );
        return {
            transactionId: r.transactionId,
            blockNumber: BigInt(r.blockNumber),
            result: fromBase64(r.result),
        };
    }

    async evaluate(txName: string, ...args: string[]): Promise<Uint8Array> {
        if (this.#ledger.fabric !== undefined) {
            const p = await (await this.#fabric()).proposal(txName, args, this.#signer);
            const r = await this.#post<EvaluateResultBody>(
                ROUTES.fabricEvaluate,
                JSON.stringify({ bytes: toBase64(p.bytes), signature: toBase64(p.signature) }),
            );
            return fromBase64(r.result);
        }
        const dedicated = dedicatedRoute(txName);
        if (dedicated?.kind === 'query') {
            // the gateway answers decoded JSON here: re-encode it as the contract's result bytes
            const d = await this.#post<DedicatedQueryResultBody>(
                dedicated.path,
                await this.#envelope(txName, args),
            );
            return new TextEncoder().encode(JSON.stringify(d.result));
        }
        const r = await this.#post<EvaluateResultBody>(
            ROUTES.evaluate,
            await this.#envelope(txName, args),
        );
        return fromBase64(r.result);
    }

    async getCommittedTransaction(
        transactionId: string,
    ): Promise<CommittedTransaction | undefined> {
        if (!/^[0-9a-f]{64}$/.test(transactionId)) return undefined;
        const token = await this.token('POST', ROUTES.transaction);
        // 404: absent, or not readable by this identity (the gateway does not tell which)
        const r = await this.#postOr404<CommittedTransactionBody>(
            ROUTES.transaction,
            JSON.stringify({ transactionId }),
            { authorization: `${TOKEN_SCHEME} ${token}` },
            true,
        );
        if (r === undefined) return undefined;
        return {
            transactionId: r.transactionId,
            ...(r.blockNumber === undefined ? {} : { blockNumber: BigInt(r.blockNumber) }),
            txName: r.txName,
            args: r.args,
            creatorMspId: r.creatorMspId,
        };
    }

    /** Ask the gateway to re-check the whole chain (auditor and operator only). */
    async verify(): Promise<VerifyReportBody> {
        const token = await this.token('POST', ROUTES.verify);
        return this.#post<VerifyReportBody>(ROUTES.verify, '{}', {
            authorization: `${TOKEN_SCHEME} ${token}`,
        });
    }

    events(options: Readonly<EventsOptions> = {}): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        for (const s of this.#streams) if (s.closed) this.#streams.delete(s);
        let position: string | undefined;
        const cb = options.checkpoint?.blockNumber();
        if (cb !== undefined) {
            const tx = options.checkpoint?.transactionId();
            position = tx === undefined ? `${cb}` : `${cb}:${tx}`;
        } else if (options.startBlock !== undefined) {
            if (typeof options.startBlock !== 'bigint' || options.startBlock < 0n)
                return Promise.reject(new TypeError('"startBlock" expected a bigint >= 0'));
            position = `${options.startBlock}`;
        }
        const stream = new RemoteEventStream(this.#ledger, this, position);
        this.#streams.add(stream);
        return stream.ready().then(() => stream);
    }

    close(): Promise<void> {
        for (const s of this.#streams) s.close();
        this.#streams.clear();
        const session = this.#session;
        this.#session = undefined;
        void session
            ?.then((s) => {
                s.close();
            })
            .catch(() => undefined);
        return Promise.resolve();
    }
}

/** Events buffered before the stream stops reading from the gateway. */
const _MAX_BUFFERED = 4096;

/** Parses `text/event-stream` and reconnects from the last id after a dropped connection. */
class RemoteEventStream implements CloseableAsyncIterable<ChaincodeEvent> {
    readonly #ledger: RemoteLedger;
    readonly #client: RemoteLedgerClient;
    /** Position to resume from (`block` or `block:txId`); undefined = from now. */
    #position: string | undefined;
    #abort: AbortController | undefined;
    #closed = false;
    readonly #buffer: ChaincodeEvent[] = [];
    #wake: (() => void) | undefined;
    #drained: (() => void) | undefined;
    #error: Error | undefined;
    #readyResolve!: () => void;
    #readyReject!: (e: Error) => void;
    readonly #ready: Promise<void>;
    #started = false;

    constructor(ledger: RemoteLedger, client: RemoteLedgerClient, position: string | undefined) {
        this.#ledger = ledger;
        this.#client = client;
        this.#position = position;
        this.#ready = new Promise((res, rej) => {
            this.#readyResolve = res;
            this.#readyReject = rej;
        });
        void this.#run();
    }

    get closed(): boolean {
        return this.#closed;
    }

    ready(): Promise<void> {
        return this.#ready;
    }

    close(): void {
        if (this.#closed) return;
        this.#closed = true;
        this.#abort?.abort();
        this.#drained?.();
        this.#readyResolve();
        this.#wake?.();
    }

    async #run(): Promise<void> {
        let delay = 50;
        while (!this.#closed) {
            try {
                await this.#connect();
                delay = 50;
            } catch (err) {
                // closed() reads the field afresh: close() may have run during the await
                if (this.closed) break;
                if (err instanceof LedgerError) {
                    this.#error = err;
                    this.#readyReject(err);
                    this.#closed = true;
                    this.#wake?.();
                    return;
                }
                // Dropped connection or gateway restart: reconnect from the last delivered event.
            }
            if (this.closed) break;
            await new Promise((r) => setTimeout(r, delay));
            delay = Math.min(delay * 2, this.#ledger.maxReconnectDelayMs);
        }
        this.#wake?.();
    }

    async #connect(): Promise<void> {
        const token = await this.#client.token('GET', ROUTES.events);
        this.#abort = new AbortController();
        const headers: Record<string, string> = {
            accept: 'text/event-stream',
            authorization: `${TOKEN_SCHEME} ${token}`,
        };
        if (this.#position !== undefined) headers['last-event-id'] = this.#position;
        const res = await this.#ledger.fetch(this.#ledger.url + ROUTES.events, {
            headers,
            signal: this.#abort.signal,
        });
        if (!res.ok || res.body === null) {
            const body = (await res.json().catch(() => undefined)) as ErrorBody | undefined;
            const err = _errorFrom(res.status, body);
            // Overload and gateway restarts are worth a retry; refusals are not.
            if (res.status === 429 || res.status === 503 || res.status >= 500)
                throw new Error(err.message);
            throw err;
        }
        const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
        let pending = '';
        try {
            for (;;) {
                const { value, done } = await reader.read();
                if (done) return;
                pending += value;
                let cut: number;
                while ((cut = pending.indexOf('\n\n')) >= 0) {
                    this.#message(pending.slice(0, cut));
                    pending = pending.slice(cut + 2);
                }
                // Backpressure: stop reading while the consumer is far behind (TCP then slows the gateway).
                while (this.#buffer.length > _MAX_BUFFERED && !this.#closed)
                    await new Promise<void>((r) => (this.#drained = r));
            }
        } finally {
            reader.releaseLock();
        }
    }

    #message(block: string): void {
        let id: string | undefined;
        let data = '';
        for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') id = value;
            else if (field === 'data') data += (data ? '\n' : '') + value;
        }
        if (id !== undefined) this.#position = id;
        if (!this.#started) {
            this.#started = true;
            this.#readyResolve();
        }
        if (data.length === 0) return;
        const e = JSON.parse(data) as EventBody;
        this.#buffer.push({
            blockNumber: BigInt(e.blockNumber),
            transactionId: e.transactionId,
            eventName: e.eventName,
            payload: fromBase64(e.payload),
        });
        this.#wake?.();
    }

    [Symbol.asyncIterator](): AsyncIterator<ChaincodeEvent> {
        return {
            next: async (): Promise<IteratorResult<ChaincodeEvent>> => {
                for (;;) {
                    const e = this.#buffer.shift();
                    if (this.#buffer.length <= _MAX_BUFFERED / 2) this.#drained?.();
                    if (e !== undefined) return { value: e, done: false };
                    if (this.#error !== undefined) throw this.#error;
                    if (this.#closed) return { value: undefined, done: true };
                    await new Promise<void>((r) => (this.#wake = r));
                    this.#wake = undefined;
                }
            },
            return: (): Promise<IteratorResult<ChaincodeEvent>> => {
                this.close();
                return Promise.resolve({ value: undefined, done: true });
            },
        };
    }
}
