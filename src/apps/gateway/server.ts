// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/server
 * `femeter serve`: an HTTP(S) service in front of a ledger engine that offers what the
 * {@link LedgerClient} interface offers — submit signed transactions, evaluate queries, the event
 * stream with checkpoints (server-sent events, resumable with `Last-Event-ID`) — plus health,
 * Prometheus metrics and its own OpenAPI 3.1 document. Every route has a TypeBox schema (wire.ts).
 *
 * Trust: the gateway holds no caller's key and signs nothing for anyone. A write is an envelope
 * its creator signed; the gateway decodes it, checks channel and signature and that the creator is
 * a registered party or meter, before anything else, then forwards the same bytes to the engine,
 * which checks all of it again. A query is a signed envelope too (fresh, single-use), authorised
 * per role (policy.ts). The event stream, blocks and verify take a signed, expiring, single-use
 * request token (ledger/remote/token.ts).
 */
import fastifyFactory, { type FastifyInstance, type FastifyRequest } from 'fastify';
import rateLimit from '@fastify/rate-limit';
import websocket from '@fastify/websocket';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from 'typebox';
import type { FemeterApi } from '../../roles/api.js';
import {
    decodeProposal,
    EndorseError,
    identities,
    LedgerError,
    SubmitError,
    transactionId,
    type Block,
    type ChaincodeEvent,
    type Checkpointer,
    type CloseableAsyncIterable,
    type CommittedTransaction,
    type EventsOptions,
    type Identity,
    type Proposal,
    type SignedEnvelope,
    type SubmitResult,
    type VerifyResult,
} from '../../ledger/index.js';
import { isValidEd25519PublicKey, sha256, verifyEd25519 } from '../../ledger/embedded/crypto.js';
import {
    parseToken,
    TOKEN_CLOCK_SKEW_MS,
    TOKEN_MAX_LIFETIME_MS,
    tokenDigest,
    TokenError,
} from '../../ledger/remote/token.js';
import {
    BlockSchema,
    CommittedTransactionSchema,
    EnvelopeSchema,
    ErrorSchema,
    EvaluateResultSchema,
    EventSchema,
    EventsQuerySchema,
    EventsWsQuerySchema,
    FabricCommittedSchema,
    FabricEndorsedSchema,
    FabricSignedSchema,
    FabricSubmittedSchema,
    HealthSchema,
    fromBase64,
    ROUTES,
    SubmitResultSchema,
    TX_ROUTES,
    toBase64,
    TOKEN_SCHEME,
    Uint64String,
    VerifyReportSchema,
    TransactionQuerySchema,
    type BlockBody,
    type EnvelopeBody,
    type ErrorBody,
    type EventBody,
    type FabricSignedBody,
} from '../../ledger/remote/wire.js';
import {
    fabricDigest,
    fabricIdentityId,
    isCertificate,
    verifyFabricSignature,
} from '../../ledger/fabric/offline.js';
import { Directory, type Principal } from './directory.js';
import type { FabricRelay } from './fabric.js';
import type { DecodedFabricProposal } from '../../ledger/fabric/offline.js';
import { Metrics } from './metrics.js';
import { checkEvaluate, checkTransactionRead, eventFilter, seesEverything } from './policy.js';
import {
    checkDedicated,
    DEDICATED,
    dedicatedSpec,
    GatewayRefusal,
    withMemberCounts,
} from './dedicated.js';

/**
 * What the gateway needs from an engine: signed envelopes in (the embedded engine: `submitSigned`,
 * `evaluateSigned`; Fabric: the offline-signing relay `fabric`, see fabric.ts), events out.
 */
export interface GatewayBackend {
    readonly channel: string;
    /** Height last known (Fabric: as of the last commit or {@link heightNow}). */
    readonly height: bigint;
    /** The height asked of the engine now (engines whose `height` may lag). */
    heightNow?(): Promise<bigint>;
    submitSigned?(envelope: SignedEnvelope): Promise<SubmitResult>;
    evaluateSigned?(envelope: SignedEnvelope): Promise<Uint8Array>;
    /** Fabric: relays transactions their creators sign with their own X.509 identities. */
    readonly fabric?: FabricRelay;
    events(options?: Readonly<EventsOptions>): Promise<CloseableAsyncIterable<ChaincodeEvent>>;
    getBlock?(n: bigint): Promise<Block | undefined>;
    /** A committed valid transaction's request (the embedded engine; LedgerClient.getCommittedTransaction). */
    getCommittedTransaction?(txId: string): Promise<CommittedTransaction | undefined>;
    verify?(): Promise<
        Pick<VerifyResult, 'ok' | 'blocks' | 'txs' | 'reason'> & {
            readonly firstBadBlock?: bigint | number;
        }
    >;
}

/** Options of {@link startGateway}. */
export interface GatewayOptions {
    readonly ledger: GatewayBackend;
    /**
     * The gateway's own reader of the registry (a registered operator or auditor). It only reads; it
     * never signs a caller's transaction. When it is the operator, the gateway also forwards that
     * identity's `Bootstrap` of an empty ledger.
     */
    readonly reader: FemeterApi;
    /**
     * The one identity whose `Bootstrap` of an empty ledger the gateway forwards (the deployment's
     * operator; default: the reader's identity).
     */
    readonly bootstrapper?: Identity;
    /**
     * Run once a `Bootstrap` committed through the gateway, before it is acknowledged (e.g. the operator
     * registers the gateway's own reader; see `registerGatewayReader`).
     */
    readonly afterBootstrap?: () => Promise<void>;
    /** Interface to listen on (default 127.0.0.1). */
    readonly host?: string;
    /** Port (default 0: any free port). */
    readonly port?: number;
    /** PEM certificate and key: serve HTTPS. */
    readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
    /** Largest request body (default 8 MiB: the engine's 4 MiB envelope in base64, with room). */
    readonly bodyLimit?: number;
    /** Requests per client address per window (default 20 000 per minute). */
    readonly rateLimit?: { readonly max: number; readonly timeWindowMs: number };
    /** Time allowed to receive a whole request (default 30 s). */
    readonly requestTimeoutMs?: number;
    /** A query envelope's signed time may differ from the gateway's clock by at most this (default 5 min). */
    readonly queryFreshnessMs?: number;
    /** Seconds between SSE keep-alive comments (default 15). */
    readonly heartbeatSeconds?: number;
    /** Log requests (pino, JSON lines on stdout). Default off. */
    readonly logger?: boolean;
    /** Directory of the built web dashboard, served at `/` (no external links: it works offline). */
    readonly webDir?: string;
}

/** A running gateway. */
export interface Gateway {
    readonly app: FastifyInstance;
    /** Base URL, e.g. `http://127.0.0.1:41234`. */
    readonly url: string;
    readonly metrics: Metrics;
    /**
     * Stop accepting requests, let every request in flight finish (acknowledged writes are durable
     * before they are acknowledged), end event streams, stop the directory. The ledger stays open.
     */
    close(): Promise<void>;
}

const _MAX_ARGS = 1024;

class _HttpError extends Error {
    readonly statusCode: number;
    readonly code: string;
    constructor(statusCode: number, code: string, message: string) {
        super(message);
        this.statusCode = statusCode;
        this.code = code;
    }
}

function _ledgerStatus(err: LedgerError): number {
    switch (err.code) {
        case 'BAD_SIGNATURE':
            return 401;
        case 'ACCESS_DENIED':
            return 403;
        case 'DUPLICATE_TXID':
            return 409;
        case 'TOO_LARGE':
            return 413;
        case 'CONTRACT_ERROR':
        case 'UNKNOWN_TRANSACTION':
        case 'BAD_ARGUMENTS':
            return 422;
        case 'MALFORMED':
        case 'WRONG_CHANNEL':
            return 400;
        case 'STORAGE':
            return 500;
        default:
            return 503;
    }
}

function _errorBody(err: unknown): { status: number; body: ErrorBody } {
    if (err instanceof LedgerError) {
        const kind =
            err.name === 'CommitError'
                ? 'commit'
                : err instanceof SubmitError
                  ? 'submit'
                  : 'endorse';
        return {
            status: _ledgerStatus(err),
            body: {
                error: {
                    code: err.code,
                    message: err.message,
                    kind,
                    ...(err.transactionId === undefined
                        ? {}
                        : { transactionId: err.transactionId }),
                    ...(err instanceof EndorseError && err.contractError !== undefined
                        ? { contractError: { ...err.contractError } }
                        : {}),
                },
            },
        };
    }
    const e = err as { statusCode?: number; code?: string; message?: string; validation?: unknown };
    const status = typeof e.statusCode === 'number' && e.statusCode >= 400 ? e.statusCode : 500;
    let code = typeof e.code === 'string' && !e.code.startsWith('FST_') ? e.code : 'INTERNAL';
    if (e.validation !== undefined || e.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
        code = 'MALFORMED';
    if (status === 400 && code === 'INTERNAL') code = 'MALFORMED';
    if (status === 413) code = 'TOO_LARGE';
    if (status === 429) code = 'RATE_LIMITED';
    if (status === 415) code = 'MALFORMED';
    const message =
        status >= 500 && code === 'INTERNAL' ? 'internal error' : (e.message ?? 'error');
    return { status, body: { error: { code, message, kind: 'gateway' } } };
}

/** Start a gateway. Resolves when it listens. */
export async function startGateway(o: Readonly<GatewayOptions>): Promise<Gateway> {
    const ledger = o.ledger;
    const metrics = new Metrics();
    // A failed registry read is reported (once per distinct reason), never swallowed.
    let lastReported = '';
    const dir = new Directory(o.reader, (e) => {
        if (e.message === lastReported) return;
        lastReported = e.message;
        process.stderr.write(`femeter gateway: cannot read the registry: ${e.message}\n`);
    });
    await dir.start();
    const started = Date.now();
    const freshness = o.queryFreshnessMs ?? 5 * 60_000;
    const heartbeatMs = (o.heartbeatSeconds ?? 15) * 1000;
    let draining = false;

    // Single-use nonces (tokens) and query txIds, kept until they could no longer be accepted anyway.
    const seen = new Map<string, number>();
    const remember = (key: string, until: number): boolean => {
        const now = Date.now();
        if (seen.size > 50_000) for (const [k, t] of seen) if (t < now) seen.delete(k);
        if (seen.size > 200_000)
            throw new _HttpError(503, 'OVERLOADED', 'too many requests in flight; retry');
        if (seen.has(key)) return false;
        seen.set(key, until);
        return true;
    };

    const app = fastifyFactory({
        logger: o.logger ?? false,
        bodyLimit: o.bodyLimit ?? 8 * 1024 * 1024,
        requestTimeout: o.requestTimeoutMs ?? 30_000,
        connectionTimeout: 120_000,
        keepAliveTimeout: 72_000,
        return503OnClosing: true,
        forceCloseConnections: 'idle',
        ...(o.tls ? { https: { cert: o.tls.cert, key: o.tls.key } } : {}),
    }).withTypeProvider<TypeBoxTypeProvider>();

    await app.register(swagger, {
        openapi: {
            openapi: '3.1.0',
            info: {
                title: 'femeter gateway',
                version: '1',
                description:
                    'Signed transactions in, verified before forwarding; queries authorised per role; the event stream as server-sent events.',
            },
            components: {
                securitySchemes: {
                    femeterToken: {
                        type: 'apiKey',
                        in: 'header',
                        name: 'authorization',
                        description: `"${TOKEN_SCHEME} <token>": a signed, expiring, single-use request token`,
                    },
                },
            },
        },
    });
    await app.register(websocket, { options: { maxPayload: 4096 } });
    await app.register(rateLimit, {
        global: true,
        max: o.rateLimit?.max ?? 20_000,
        timeWindow: o.rateLimit?.timeWindowMs ?? 60_000,
    });

    app.setErrorHandler((err, _req, reply) => {
        const { status, body } = _errorBody(err);
        if (status === 401 || status === 403)
            metrics.inc('femeter_gateway_auth_failures_total', 'Refused callers', {
                code: body.error.code,
            });
        if (status === 503) void reply.header('retry-after', '1');
        void reply.code(status).send(body);
    });
    app.setNotFoundHandler((req, reply) => {
        void reply.code(404).send({
            error: {
                code: 'NOT_FOUND',
                message: `no route ${req.method} ${req.url.split('?')[0]}`,
                kind: 'gateway',
            },
        });
    });
    app.addHook('onResponse', (req, reply, done) => {
        const route = req.routeOptions.url ?? 'unknown';
        metrics.inc('femeter_gateway_requests_total', 'HTTP requests by route and status', {
            route,
            status: String(reply.statusCode),
        });
        metrics.observe(
            'femeter_gateway_request_seconds',
            'HTTP request latency',
            { route },
            reply.elapsedTime / 1000,
        );
        done();
    });

    const errors = {
        400: ErrorSchema,
        401: ErrorSchema,
        403: ErrorSchema,
        409: ErrorSchema,
        413: ErrorSchema,
        422: ErrorSchema,
        429: ErrorSchema,
        503: ErrorSchema,
    };

    /** Decode and check an envelope; resolve its creator. */
    const admit = async (
        body: EnvelopeBody,
    ): Promise<{ envelope: SignedEnvelope; proposal: Proposal; who: Principal | undefined }> => {
        const envelope = {
            payload: fromBase64(body.payload),
            signature: fromBase64(body.signature),
        };
        let proposal: Proposal;
        try {
            proposal = decodeProposal(envelope.payload, { maxArgs: _MAX_ARGS });
        } catch (err) {
            throw new EndorseError(
                'MALFORMED',
                `malformed transaction payload: ${(err as Error).message}`,
            );
        }
        if (proposal.channel !== ledger.channel)
            throw new EndorseError(
                'WRONG_CHANNEL',
                `envelope is for channel ${JSON.stringify(proposal.channel.slice(0, 64))}`,
            );
        const creator = proposal.creator;
        if (!isValidEd25519PublicKey(creator.credentials))
            throw new EndorseError(
                'MALFORMED',
                'creator credentials are not a valid Ed25519 public key',
            );
        if (!verifyEd25519(creator.credentials, sha256(envelope.payload), envelope.signature))
            throw new EndorseError(
                'BAD_SIGNATURE',
                'the signature does not match the creator and payload',
            );
        const who = await dir.resolve(creator.mspId, identities.id(creator));
        return { envelope, proposal, who };
    };

    /** The id the contract sees for an identity (embedded: ed25519::…; Fabric: x509::…). */
    const idOf = (id: Identity): string =>
        isCertificate(id.credentials) ? fabricIdentityId(id.credentials) : identities.id(id);

    const isService = (id: Identity): boolean => {
        const s = o.bootstrapper ?? dir.serviceIdentity;
        return (
            s.mspId === id.mspId && Buffer.from(s.credentials).equals(Buffer.from(id.credentials))
        );
    };

    /** Authenticate a request token; returns who signed it. */
    const authenticate = async (req: FastifyRequest, queryToken?: string): Promise<Principal> => {
        const fail = (reason: string, message: string): never => {
            metrics.inc('femeter_gateway_token_refusals_total', 'Refused request tokens', {
                reason,
            });
            throw new _HttpError(401, 'UNAUTHORIZED', message);
        };
        const header = req.headers.authorization;
        let token: string | undefined;
        if (typeof header === 'string' && header.startsWith(`${TOKEN_SCHEME} `))
            token = header.slice(TOKEN_SCHEME.length + 1);
        else token = queryToken;
        if (token === undefined)
            return fail(
                'missing',
                `a signed request token is required (Authorization: ${TOKEN_SCHEME} <token>)`,
            );
        let parsed;
        try {
            parsed = parseToken(token);
        } catch (err) {
            return fail('malformed', (err as TokenError).message);
        }
        const c = parsed.claims;
        const now = Date.now();
        const path = (req.routeOptions.url ?? '').includes(':')
            ? (req.url.split('?')[0] ?? '')
            : (req.routeOptions.url ?? '');
        if (c.ch !== ledger.channel || c.m !== req.method || c.p !== path)
            return fail(
                'scope',
                `the token is for ${c.m} ${c.p.slice(0, 100)} on ${c.ch.slice(0, 64)}, not this request`,
            );
        if (c.exp <= c.iat || c.exp - c.iat > TOKEN_MAX_LIFETIME_MS)
            return fail('lifetime', `token lifetime must be 1 ms .. ${TOKEN_MAX_LIFETIME_MS} ms`);
        if (c.iat > now + TOKEN_CLOCK_SKEW_MS)
            return fail('not-yet-valid', 'the token was issued in the future; check the clock');
        if (c.exp < now - TOKEN_CLOCK_SKEW_MS)
            return fail('expired', 'the token has expired; sign a new one');
        const credentials = new Uint8Array(Buffer.from(c.key, 'hex'));
        const digest = tokenDigest(parsed.claimsJson);
        const fabricKey = isCertificate(credentials);
        if (
            !(fabricKey
                ? verifyFabricSignature(credentials, digest, parsed.signature)
                : verifyEd25519(credentials, digest, parsed.signature))
        )
            return fail('signature', 'the token signature does not match its key');
        const who = await dir.resolve(c.msp, idOf({ mspId: c.msp, credentials }));
        if (who === undefined) {
            metrics.inc('femeter_gateway_token_refusals_total', 'Refused request tokens', {
                reason: 'unregistered',
            });
            throw new _HttpError(
                403,
                'FORBIDDEN',
                'the token signer is not a registered party or meter',
            );
        }
        if (!remember(`t:${c.nonce}`, c.exp + TOKEN_CLOCK_SKEW_MS))
            return fail('replay', 'the token was already used; sign a new one per request');
        return who;
    };

    // ---- transactions ---------------------------------------------------------------------------------------

    /**
     * Authorise a query (fresh, single-use, per role); the filter to apply to its rows, if any.
     * `txKey` names the query for replay detection.
     */
    const authoriseQuery = async (
        who: Principal | undefined,
        name: string,
        args: readonly string[],
        signedMs: number,
        txKey: string,
    ): Promise<((rows: unknown[]) => Promise<unknown[]>) | undefined> => {
        if (Math.abs(Date.now() - signedMs) > freshness)
            throw new _HttpError(
                401,
                'UNAUTHORIZED',
                `the query was signed ${Math.round((Date.now() - signedMs) / 1000)} s ago; sign a fresh one`,
            );
        let filter: ((rows: unknown[]) => Promise<unknown[]>) | undefined;
        if (who === undefined) {
            if (name !== 'WhoAmI')
                throw new EndorseError(
                    'ACCESS_DENIED',
                    'the creator is not a registered party or meter',
                );
        } else {
            const verdict = await checkEvaluate(dir, who, name, args);
            if (verdict !== undefined && 'message' in verdict)
                throw new _HttpError(403, 'FORBIDDEN', verdict.message);
            filter = verdict?.filter;
        }
        if (!remember(`q:${txKey}`, signedMs + 2 * freshness))
            throw new _HttpError(
                401,
                'UNAUTHORIZED',
                'this query envelope was already used (replay); sign a new one',
            );
        return filter;
    };

    const filtered = async (
        result: Uint8Array,
        filter: ((rows: unknown[]) => Promise<unknown[]>) | undefined,
        name: string,
    ): Promise<{ result: string }> => {
        if (filter !== undefined) {
            const rows = JSON.parse(new TextDecoder().decode(result)) as unknown[];
            result = new TextEncoder().encode(JSON.stringify(await filter(rows)));
        }
        metrics.inc('femeter_gateway_queries_total', 'Evaluated queries', {
            tx: name.slice(0, 32),
        });
        return { result: toBase64(result) };
    };

    /** Refuse a write by an unregistered creator (except the service's Bootstrap of an empty ledger). */
    const requireRegistered = (
        who: Principal | undefined,
        name: string,
        creator: Identity,
    ): void => {
        if (who !== undefined) return;
        const bootstrap = name === 'Bootstrap' && !dir.hasOperator && isService(creator);
        if (!bootstrap)
            throw new EndorseError(
                'ACCESS_DENIED',
                'the creator is not a registered party or meter; ask the operator to register it' +
                    (dir.lastError === undefined
                        ? ''
                        : ` (the gateway cannot read the registry: ${dir.lastError.message})`),
            );
    };

    const embedded =
        ledger.submitSigned !== undefined && ledger.evaluateSigned !== undefined
            ? {
                  submit: ledger.submitSigned.bind(ledger),
                  evaluate: ledger.evaluateSigned.bind(ledger),
              }
            : undefined;
    if (embedded !== undefined) {
        /** Forward an admitted write and wait for its durable commit. */
        const forward = async (
            envelope: SignedEnvelope,
            proposal: Proposal,
            name: string,
        ): Promise<{ transactionId: string; blockNumber: string; result: string }> => {
            const t0 = performance.now();
            const res = await embedded.submit(envelope);
            metrics.observe(
                'femeter_gateway_commit_seconds',
                'Submit to durable commit',
                { tx: name.slice(0, 32) },
                (performance.now() - t0) / 1000,
            );
            metrics.inc('femeter_gateway_transactions_total', 'Committed transactions', {
                tx: name.slice(0, 32),
            });
            _learn(dir, name, proposal.args, res.result);
            if (name === 'Bootstrap') await o.afterBootstrap?.();
            return {
                transactionId: res.transactionId,
                blockNumber: res.blockNumber.toString(),
                result: toBase64(res.result),
            };
        };
        const signedAt = (p: Proposal): number =>
            Number(p.timestamp.seconds) * 1000 + Math.floor(p.timestamp.nanos / 1e6);

        app.post(
            ROUTES.submit,
            {
                schema: {
                    summary: 'Submit a signed transaction and wait until it is durably committed',
                    tags: ['transactions'],
                    body: EnvelopeSchema,
                    response: { 200: SubmitResultSchema, ...errors, 500: ErrorSchema },
                },
            },
            async (req) => {
                const { envelope, proposal, who } = await admit(req.body);
                const name = proposal.txName.replace(/^femeter:/, '');
                requireRegistered(who, name, proposal.creator);
                // a transaction with a dedicated route meets that route's checks here too
                const spec = dedicatedSpec(name);
                if (spec?.kind === 'submit')
                    await checkDedicated(dir, who, spec.name, proposal.args);
                return forward(envelope, proposal, name);
            },
        );

        app.post(
            ROUTES.evaluate,
            {
                schema: {
                    summary:
                        'Evaluate a signed query against committed state (fresh, single-use, authorised per role)',
                    tags: ['transactions'],
                    body: EnvelopeSchema,
                    response: { 200: EvaluateResultSchema, ...errors, 500: ErrorSchema },
                },
            },
            async (req) => {
                const { envelope, proposal, who } = await admit(req.body);
                const name = proposal.txName;
                const spec = dedicatedSpec(name);
                if (spec?.kind === 'query')
                    await checkDedicated(dir, who, spec.name, proposal.args);
                const filter = await authoriseQuery(
                    who,
                    name,
                    proposal.args,
                    signedAt(proposal),
                    transactionId(proposal.nonce, proposal.creator),
                );
                return filtered(await embedded.evaluate(envelope), filter, name);
            },
        );

        // ---- dedicated routes: grid aggregation and surveys (dedicated.ts) ----------------------------------

        const wrongRoute = (tx: string, name: string): GatewayRefusal => {
            const other = dedicatedSpec(name);
            const where =
                other === undefined
                    ? name.startsWith('Get') || name.startsWith('List')
                        ? ROUTES.evaluate
                        : ROUTES.submit
                    : TX_ROUTES[other.name].path;
            return new GatewayRefusal(
                400,
                'MALFORMED',
                `this route takes ${tx}, not ${name.slice(0, 64)}; send that to ${where}`,
            );
        };
        for (const [tx, spec] of Object.entries(DEDICATED) as [
            keyof typeof DEDICATED,
            (typeof DEDICATED)[keyof typeof DEDICATED],
        ][]) {
            const path = TX_ROUTES[tx].path;
            if (spec.kind === 'submit')
                app.post(
                    path,
                    {
                        bodyLimit: spec.bodyLimit,
                        schema: {
                            summary: `${spec.summary}. Body: a signed envelope of ${tx}`,
                            tags: [tx.includes('Survey') ? 'surveys' : 'grid'],
                            body: EnvelopeSchema,
                            response: { 200: SubmitResultSchema, ...errors, 500: ErrorSchema },
                        },
                    },
                    async (req) => {
                        const { envelope, proposal, who } = await admit(req.body);
                        const name = proposal.txName.replace(/^femeter:/, '');
                        if (name !== tx) throw wrongRoute(tx, name);
                        requireRegistered(who, name, proposal.creator);
                        await checkDedicated(dir, who, tx, proposal.args);
                        return forward(envelope, proposal, name);
                    },
                );
            else
                app.post(
                    path,
                    {
                        bodyLimit: spec.bodyLimit,
                        schema: {
                            summary: `${spec.summary}. Body: a signed envelope of ${tx} (fresh, single-use)`,
                            tags: [tx.includes('Survey') ? 'surveys' : 'grid'],
                            body: EnvelopeSchema,
                            response: {
                                200: Type.Object(
                                    { result: spec.result },
                                    { additionalProperties: false, title: `${tx}Result` },
                                ),
                                ...errors,
                                500: ErrorSchema,
                            },
                        },
                    },
                    async (req) => {
                        const { envelope, proposal, who } = await admit(req.body);
                        const name = proposal.txName.replace(/^femeter:/, '');
                        if (name !== tx) throw wrongRoute(tx, name);
                        await checkDedicated(dir, who, tx, proposal.args);
                        await authoriseQuery(
                            who,
                            name,
                            proposal.args,
                            signedAt(proposal),
                            transactionId(proposal.nonce, proposal.creator),
                        );
                        const bytes = await embedded.evaluate(envelope);
                        metrics.inc('femeter_gateway_queries_total', 'Evaluated queries', {
                            tx: name,
                        });
                        const result: unknown = JSON.parse(new TextDecoder().decode(bytes));
                        return { result: withMemberCounts(tx, result) };
                    },
                );
        }
    }

    const relay = ledger.fabric;
    if (relay !== undefined) {
        /** Endorsed transactions not yet committed: what the directory learns at commit. */
        const pending = new Map<
            string,
            { name: string; args: readonly string[]; result: Uint8Array }
        >();
        const fabricErrors = { ...errors, 500: ErrorSchema };
        const admitFabric = async (
            body: FabricSignedBody,
        ): Promise<{
            p: DecodedFabricProposal;
            who: Principal | undefined;
            bytes: Uint8Array;
            signature: Uint8Array;
        }> => {
            const bytes = fromBase64(body.bytes);
            const signature = fromBase64(body.signature);
            const p = relay.decodeProposal(bytes);
            if (p.channel !== ledger.channel)
                throw new EndorseError(
                    'WRONG_CHANNEL',
                    `proposal is for channel ${JSON.stringify(p.channel.slice(0, 64))}`,
                );
            if (p.chaincode !== relay.chaincode)
                throw new EndorseError(
                    'MALFORMED',
                    `proposal is for chaincode ${JSON.stringify(p.chaincode.slice(0, 64))}, not ${relay.chaincode}`,
                );
            if (!isCertificate(p.creator.credentials))
                throw new EndorseError('MALFORMED', 'the creator is not an X.509 certificate');
            if (
                !verifyFabricSignature(
                    p.creator.credentials,
                    fabricDigest(p.signedBytes),
                    signature,
                )
            )
                throw new EndorseError(
                    'BAD_SIGNATURE',
                    'the signature does not match the creator and proposal',
                );
            const who = await dir.resolve(p.creator.mspId, idOf(p.creator));
            return { p, who, bytes, signature };
        };
        app.post(
            ROUTES.fabricEvaluate,
            {
                schema: {
                    summary:
                        'Fabric: evaluate a query proposal its creator signed (fresh, single-use, authorised per role)',
                    tags: ['fabric'],
                    body: FabricSignedSchema,
                    response: { 200: EvaluateResultSchema, ...fabricErrors },
                },
            },
            async (req) => {
                const { p, who, bytes, signature } = await admitFabric(req.body);
                const filter = await authoriseQuery(
                    who,
                    p.txName,
                    p.args,
                    p.timestampMs,
                    p.transactionId,
                );
                return filtered(await relay.evaluate(p, bytes, signature), filter, p.txName);
            },
        );
        app.post(
            ROUTES.fabricEndorse,
            {
                schema: {
                    summary:
                        'Fabric: have a proposal its creator signed endorsed; returns the transaction for the creator to sign',
                    tags: ['fabric'],
                    body: FabricSignedSchema,
                    response: { 200: FabricEndorsedSchema, ...fabricErrors },
                },
            },
            async (req) => {
                const { p, who, bytes, signature } = await admitFabric(req.body);
                requireRegistered(who, p.txName, p.creator);
                const { transaction, result } = await relay.endorse(p, bytes, signature);
                if (pending.size > 10_000) pending.clear();
                pending.set(p.transactionId, { name: p.txName, args: p.args, result });
                return {
                    transactionId: p.transactionId,
                    transaction: toBase64(transaction),
                    result: toBase64(result),
                };
            },
        );
        app.post(
            ROUTES.fabricSubmit,
            {
                schema: {
                    summary:
                        'Fabric: order an endorsed transaction its creator signed; returns the commit status request to sign',
                    tags: ['fabric'],
                    body: FabricSignedSchema,
                    response: { 200: FabricSubmittedSchema, ...fabricErrors },
                },
            },
            async (req) => {
                const bytes = fromBase64(req.body.bytes);
                const signature = fromBase64(req.body.signature);
                const { creator } = relay.checkTransaction(bytes, signature);
                requireRegistered(
                    await dir.resolve(creator.mspId, idOf(creator)),
                    'Bootstrap',
                    creator,
                );
                return { commit: toBase64(await relay.submit(creator, bytes, signature)) };
            },
        );
        app.post(
            ROUTES.fabricCommit,
            {
                schema: {
                    summary:
                        'Fabric: wait until a transaction is committed (its creator signed the status request)',
                    tags: ['fabric'],
                    body: FabricSignedSchema,
                    response: { 200: FabricCommittedSchema, ...fabricErrors },
                },
            },
            async (req) => {
                const bytes = fromBase64(req.body.bytes);
                const signature = fromBase64(req.body.signature);
                const { transactionId: txId, creator } = relay.checkCommit(bytes, signature);
                const t0 = performance.now();
                const status = await relay.commit(creator, bytes, signature);
                const done = pending.get(txId);
                pending.delete(txId);
                const name = done?.name ?? '?';
                metrics.observe(
                    'femeter_gateway_commit_seconds',
                    'Submit to durable commit',
                    { tx: name.slice(0, 32) },
                    (performance.now() - t0) / 1000,
                );
                if (status.successful) {
                    metrics.inc('femeter_gateway_transactions_total', 'Committed transactions', {
                        tx: name.slice(0, 32),
                    });
                    if (done !== undefined) _learn(dir, done.name, done.args, done.result);
                    if (done?.name === 'Bootstrap') await o.afterBootstrap?.();
                }
                return {
                    transactionId: txId,
                    blockNumber: status.blockNumber.toString(),
                    code: status.code,
                    successful: status.successful,
                };
            },
        );
    }

    // ---- events -----------------------------------------------------------------------------------------------

    const streams = new Set<CloseableAsyncIterable<ChaincodeEvent>>();
    metrics.gauge('femeter_gateway_event_streams', 'Open event streams', () => streams.size);
    metrics.gauge('femeter_ledger_height', 'Blocks committed', () => Number(ledger.height));

    /** An event stream for `who` from a resume position (`block[:txId]`) or a start block. */
    const openStream = async (
        who: Principal,
        last: string | undefined,
        startBlock: string | undefined,
    ): Promise<{
        stream: CloseableAsyncIterable<ChaincodeEvent>;
        position: string;
        pass: ReturnType<typeof eventFilter>;
    }> => {
        let options: EventsOptions;
        let position: string;
        if (typeof last === 'string' && last.length > 0) {
            const [b, tx] = last.split(':');
            options = { checkpoint: _fixedCheckpoint(BigInt(b ?? ''), tx) };
            position = last;
        } else {
            const start =
                startBlock !== undefined
                    ? BigInt(startBlock)
                    : ledger.heightNow !== undefined
                      ? await ledger.heightNow()
                      : ledger.height;
            options = { startBlock: start };
            position = start.toString();
        }
        const stream = await ledger.events(options);
        streams.add(stream);
        return { stream, position, pass: eventFilter(dir, who) };
    };

    app.get(
        ROUTES.events,
        {
            schema: {
                summary:
                    'Chaincode events as server-sent events; resume with Last-Event-ID (each event id is "<block>:<txId>")',
                tags: ['events'],
                querystring: EventsQuerySchema,
                headers: Type.Object({
                    'last-event-id': Type.Optional(
                        Type.String({ pattern: '^(0|[1-9][0-9]{0,19})(:[0-9a-f]{64})?$' }),
                    ),
                }),
                security: [{ femeterToken: [] }],
                response: {
                    200: {
                        description: 'text/event-stream of ChaincodeEvent',
                        content: { 'text/event-stream': { schema: EventSchema } },
                    },
                    ...errors,
                },
            },
        },
        async (req, reply) => {
            const who = await authenticate(req, req.query.token);
            const { stream, position, pass } = await openStream(
                who,
                req.headers['last-event-id'],
                req.query.startBlock,
            );
            reply.hijack();
            const raw = reply.raw;
            raw.writeHead(200, {
                'content-type': 'text/event-stream; charset=utf-8',
                'cache-control': 'no-store',
                connection: 'keep-alive',
                'x-accel-buffering': 'no',
            });
            raw.write(`retry: 1000\nid: ${position}\n\n`);
            const heartbeat = setInterval(() => raw.write(': keep-alive\n\n'), heartbeatMs);
            heartbeat.unref();
            const end = (): void => {
                stream.close();
            };
            req.raw.on('close', end);
            try {
                for await (const e of stream) {
                    if (!(await pass(e.eventName, e.payload))) continue;
                    const data = JSON.stringify(_eventBody(e));
                    metrics.inc('femeter_gateway_events_sent_total', 'Events sent on streams');
                    if (!raw.write(`id: ${e.blockNumber}:${e.transactionId}\ndata: ${data}\n\n`))
                        await new Promise<void>((r) => {
                            const done = (): void => {
                                raw.off('drain', done);
                                raw.off('close', done);
                                r();
                            };
                            raw.on('drain', done);
                            raw.on('close', done);
                        });
                    if (raw.destroyed) break;
                }
            } catch {
                // the ledger closed or failed: the client reconnects and resumes
            } finally {
                clearInterval(heartbeat);
                req.raw.off('close', end);
                streams.delete(stream);
                stream.close();
                raw.end();
            }
        },
    );

    // The same stream over WebSocket: one JSON text message per event, {"id": "<block>:<txId>", "event"};
    // the first message {"id": position} says the stream is open. Resume with ?lastEventId=.
    const wsPrincipal = new WeakMap<FastifyRequest, Principal>();
    app.get(
        ROUTES.eventsWs,
        {
            websocket: true,
            schema: {
                summary:
                    'Chaincode events over WebSocket (JSON messages {id, event}); resume with ?lastEventId=<block>:<txId>; token in ?token= (browsers cannot set headers on a WebSocket)',
                tags: ['events'],
                querystring: EventsWsQuerySchema,
                security: [{ femeterToken: [] }],
                response: { 101: { description: 'switching to WebSocket' }, ...errors },
            },
            preValidation: async (req) => {
                const q = req.query as { token?: string };
                wsPrincipal.set(req, await authenticate(req, q.token));
            },
        },
        async (socket, req) => {
            const who = wsPrincipal.get(req);
            if (who === undefined) {
                socket.close(1008, 'unauthenticated');
                return;
            }
            const q = req.query as { lastEventId?: string; startBlock?: string };
            let opened;
            try {
                opened = await openStream(who, q.lastEventId, q.startBlock);
            } catch {
                socket.close(1011, 'the ledger cannot stream events now; retry');
                return;
            }
            const { stream, position, pass } = opened;
            const end = (): void => {
                stream.close();
            };
            socket.on('close', end);
            socket.on('error', end);
            socket.send(JSON.stringify({ id: position }));
            try {
                for await (const e of stream) {
                    if (!(await pass(e.eventName, e.payload))) continue;
                    metrics.inc('femeter_gateway_events_sent_total', 'Events sent on streams');
                    socket.send(
                        JSON.stringify({
                            id: `${e.blockNumber}:${e.transactionId}`,
                            event: _eventBody(e),
                        }),
                    );
                    // backpressure: let the socket drain before reading more events
                    while (socket.bufferedAmount > 1 << 20 && socket.readyState === socket.OPEN)
                        await new Promise((r) => setTimeout(r, 20));
                    if (socket.readyState !== socket.OPEN) break;
                }
            } catch {
                // the ledger closed or failed: the client reconnects and resumes
            } finally {
                streams.delete(stream);
                stream.close();
                if (socket.readyState === socket.OPEN) socket.close(1001, 'stream ended');
            }
        },
    );

    // ---- blocks and verify (auditor, operator) -------------------------------------------------------------

    const requireAuditor = (who: Principal): void => {
        if (!seesEverything(who))
            throw new _HttpError(
                403,
                'FORBIDDEN',
                'blocks and verify are for auditors and the operator',
            );
    };

    app.get(
        ROUTES.block,
        {
            schema: {
                summary: 'A committed block (auditor, operator)',
                tags: ['audit'],
                params: Type.Object({ number: Uint64String }),
                security: [{ femeterToken: [] }],
                response: { 200: BlockSchema, ...errors, 404: ErrorSchema, 501: ErrorSchema },
            },
        },
        async (req) => {
            requireAuditor(await authenticate(req));
            if (ledger.getBlock === undefined)
                throw new _HttpError(501, 'NOT_SUPPORTED', 'this engine does not expose blocks');
            const block = await ledger.getBlock(BigInt(req.params.number));
            if (block === undefined)
                throw new _HttpError(404, 'NOT_FOUND', `no block ${req.params.number}`);
            return _blockBody(block);
        },
    );

    app.post(
        ROUTES.transaction,
        {
            schema: {
                summary:
                    "A committed valid transaction's request (operator, auditors; a SubmitReadings for who may read its meter's readings)",
                tags: ['audit'],
                body: TransactionQuerySchema,
                security: [{ femeterToken: [] }],
                response: {
                    200: CommittedTransactionSchema,
                    ...errors,
                    404: ErrorSchema,
                    501: ErrorSchema,
                },
            },
        },
        async (req) => {
            const who = await authenticate(req);
            if (ledger.getCommittedTransaction === undefined)
                throw new _HttpError(
                    501,
                    'NOT_SUPPORTED',
                    'this engine does not expose transactions through the gateway',
                );
            const id = req.body.transactionId;
            const tx = await ledger.getCommittedTransaction(id);
            // the same answer for "absent" and "not yours": a refusal does not reveal existence
            const refusal =
                tx === undefined
                    ? undefined
                    : await checkTransactionRead(dir, who, tx.txName, tx.args);
            if (tx === undefined || refusal !== undefined)
                throw new _HttpError(
                    404,
                    'NOT_FOUND',
                    `no committed valid transaction ${id} that this identity may read`,
                );
            return {
                transactionId: tx.transactionId,
                ...(tx.blockNumber === undefined ? {} : { blockNumber: tx.blockNumber.toString() }),
                txName: tx.txName,
                args: [...tx.args],
                creatorMspId: tx.creatorMspId,
            };
        },
    );

    app.post(
        ROUTES.verify,
        {
            schema: {
                summary: 'Re-check the whole chain and state (auditor, operator)',
                tags: ['audit'],
                body: Type.Object({}, { additionalProperties: false }),
                security: [{ femeterToken: [] }],
                response: { 200: VerifyReportSchema, ...errors, 501: ErrorSchema },
            },
        },
        async (req) => {
            requireAuditor(await authenticate(req));
            if (ledger.verify === undefined)
                throw new _HttpError(
                    501,
                    'NOT_SUPPORTED',
                    'this engine cannot be verified by the gateway',
                );
            const r = await ledger.verify();
            return {
                ok: r.ok,
                blocks: r.blocks,
                txs: r.txs,
                ...(r.firstBadBlock === undefined
                    ? {}
                    : { firstBadBlock: r.firstBadBlock.toString() }),
                ...(r.reason === undefined ? {} : { reason: r.reason }),
            };
        },
    );

    // ---- operations -----------------------------------------------------------------------------------------

    app.get(
        ROUTES.health,
        {
            config: { rateLimit: false },
            schema: {
                summary: 'Liveness and ledger height',
                tags: ['operations'],
                response: { 200: HealthSchema, 503: HealthSchema },
            },
        },
        async (_req, reply) => {
            const body = {
                status: draining ? ('draining' as const) : ('ok' as const),
                channel: ledger.channel,
                height: ledger.height.toString(),
                uptimeSeconds: Math.round((Date.now() - started) / 1000),
                engine: ledger.fabric === undefined ? ('embedded' as const) : ('fabric' as const),
                ...(ledger.fabric === undefined ? {} : { chaincode: ledger.fabric.chaincode }),
            };
            return reply.code(draining ? 503 : 200).send(body);
        },
    );

    app.get(
        ROUTES.metrics,
        {
            config: { rateLimit: false },
            schema: {
                summary: 'Prometheus metrics (text exposition format 0.0.4)',
                tags: ['operations'],
                response: {
                    200: {
                        description: 'metrics',
                        content: { 'text/plain': { schema: Type.String() } },
                    },
                },
            },
        },
        async (_req, reply) =>
            reply.type('text/plain; version=0.0.4; charset=utf-8').send(metrics.render()),
    );

    app.get(
        ROUTES.openapi,
        {
            config: { rateLimit: false },
            schema: {
                summary: 'This OpenAPI 3.1 document',
                tags: ['operations'],
                response: {
                    200: {
                        description: 'OpenAPI document',
                        type: 'object',
                        additionalProperties: true,
                    },
                },
            },
        },
        () => Promise.resolve(app.swagger() as unknown as Record<string, unknown>),
    );

    if (o.webDir !== undefined) {
        await app.register(fastifyStatic, {
            root: o.webDir,
            prefix: '/',
            index: 'index.html',
            schemaHide: true,
            setHeaders: (res) => {
                res.header(
                    'content-security-policy',
                    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; connect-src 'self'",
                );
                res.header('x-content-type-options', 'nosniff');
            },
        });
    }

    await app.listen({ host: o.host ?? '127.0.0.1', port: o.port ?? 0 });
    const addr = app.server.address();
    const port = typeof addr === 'object' && addr !== null ? addr.port : (o.port ?? 0);
    const host =
        o.host === undefined || o.host === '0.0.0.0' || o.host === '::' ? '127.0.0.1' : o.host;
    const url = `${o.tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`;

    let closing: Promise<void> | undefined;
    return {
        app,
        url,
        metrics,
        close() {
            closing ??= (async () => {
                draining = true;
                for (const s of streams) s.close();
                await app.close();
                await dir.stop();
            })();
            return closing;
        },
    };
}

function _eventBody(e: ChaincodeEvent): EventBody {
    return {
        blockNumber: e.blockNumber.toString(),
        transactionId: e.transactionId,
        eventName: e.eventName,
        payload: toBase64(e.payload),
    };
}

/** A checkpointer that only reports a position (the gateway never stores one: the client does). */
function _fixedCheckpoint(blockNumber: bigint, transactionId: string | undefined): Checkpointer {
    return {
        blockNumber: () => blockNumber,
        transactionId: () => transactionId,
        checkpointBlock: () => Promise.resolve(),
        checkpointTransaction: () => Promise.resolve(),
        checkpointChaincodeEvent: () => Promise.resolve(),
    };
}

/** Keep the directory current with what just committed through the gateway. */
function _learn(dir: Directory, name: string, args: readonly string[], result: Uint8Array): void {
    try {
        if (name === 'Bootstrap' || name === 'RegisterParty' || name === 'RegisterMeter') {
            dir.learn(
                JSON.parse(new TextDecoder().decode(result)) as Record<string, unknown>,
                name === 'RegisterMeter',
            );
        } else if (name === 'AcceptTariff' || name === 'RecordRefusal') {
            const a = JSON.parse(args[0] ?? '{}') as { meter?: unknown; provider?: unknown };
            if (typeof a.meter === 'string' && typeof a.provider === 'string')
                dir.grant(a.provider, a.meter);
        }
    } catch {
        // the contract accepted it; the next registry read catches up
    }
}

function _blockBody(b: Block): BlockBody {
    const hex = (x: Uint8Array): string => Buffer.from(x).toString('hex');
    return {
        number: b.number.toString(),
        hash: hex(b.hash),
        previousHash: hex(b.previousHash),
        dataHash: hex(b.dataHash),
        timestamp: b.timestamp,
        signature: hex(b.signature),
        txs: b.txs.map((tx) => {
            let txName = '?';
            let creator = { mspId: '?', id: '?' };
            try {
                const p = decodeProposal(tx.payload, { maxArgs: 1 << 20 });
                txName = p.txName;
                creator = { mspId: p.creator.mspId, id: identities.id(p.creator) };
            } catch {
                // stored by the engine after admission: cannot happen unless the store was tampered with
            }
            return {
                txId: tx.txId,
                txName,
                creator,
                validationCode: tx.validationCode,
                ...(tx.message === undefined ? {} : { message: tx.message }),
                ...(tx.event === undefined ? {} : { event: tx.event.name }),
            };
        }),
    };
}
