// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/remote/wire
 * The gateway's wire format, as TypeBox schemas: one source for the service's validation, the
 * OpenAPI document and the TypeScript types both sides use. Bytes travel as standard base64,
 * block numbers as decimal strings (JSON has no 64-bit integers).
 */
import { Type, type Static } from 'typebox';

/** Standard base64 (RFC 4648 §4), padded. */
export const Base64 = Type.String({
    pattern: '^[A-Za-z0-9+/]*={0,2}$',
    contentEncoding: 'base64',
    description: 'bytes, standard base64',
});

/** A decimal unsigned 64-bit number. */
export const Uint64String = Type.String({
    pattern: '^(0|[1-9][0-9]{0,19})$',
    description: 'unsigned integer as a decimal string',
});

/** A signed transaction envelope: the payload (transaction, creator, nonce, time) and its signature. */
export const EnvelopeSchema = Type.Object(
    {
        payload: Base64,
        signature: Base64,
    },
    {
        additionalProperties: false,
        title: 'Envelope',
        description: 'Signed envelope: Ed25519(creator key, SHA-256(payload)); forwarded unchanged',
    },
);
export type EnvelopeBody = Static<typeof EnvelopeSchema>;

export const SubmitResultSchema = Type.Object(
    {
        transactionId: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        blockNumber: Uint64String,
        result: Base64,
    },
    { additionalProperties: false, title: 'SubmitResult' },
);
export type SubmitResultBody = Static<typeof SubmitResultSchema>;

export const EvaluateResultSchema = Type.Object(
    { result: Base64 },
    { additionalProperties: false, title: 'EvaluateResult' },
);
export type EvaluateResultBody = Static<typeof EvaluateResultSchema>;

/** Every refusal of the service, whatever the route. */
export const ErrorSchema = Type.Object(
    {
        error: Type.Object({
            /** A ledger error code (LedgerErrorCode) or a gateway code (UNAUTHORIZED, FORBIDDEN, ...). */
            code: Type.String(),
            message: Type.String(),
            /** Which class of the ledger error tree the client should raise. */
            kind: Type.Optional(
                Type.Union([
                    Type.Literal('endorse'),
                    Type.Literal('submit'),
                    Type.Literal('commit'),
                    Type.Literal('gateway'),
                ]),
            ),
            transactionId: Type.Optional(Type.String()),
            contractError: Type.Optional(
                Type.Object({
                    message: Type.String(),
                    name: Type.Optional(Type.String()),
                    code: Type.Optional(Type.String()),
                }),
            ),
        }),
    },
    { title: 'Error' },
);
export type ErrorBody = Static<typeof ErrorSchema>;

/** One chaincode event as carried in an SSE `data:` line; the SSE `id:` is `<blockNumber>:<transactionId>`. */
export const EventSchema = Type.Object(
    {
        blockNumber: Uint64String,
        transactionId: Type.String(),
        eventName: Type.String(),
        payload: Base64,
    },
    { additionalProperties: false, title: 'ChaincodeEvent' },
);
export type EventBody = Static<typeof EventSchema>;

export const EventsQuerySchema = Type.Object(
    {
        startBlock: Type.Optional(Uint64String),
        /** For clients that cannot set headers (EventSource): the request token. */
        token: Type.Optional(Type.String({ maxLength: 4096 })),
    },
    { additionalProperties: false },
);

export const EventsWsQuerySchema = Type.Object(
    {
        startBlock: Type.Optional(Uint64String),
        /** Resume after this event (`<block>:<txId>`) or from this block. */
        lastEventId: Type.Optional(
            Type.String({ pattern: '^(0|[1-9][0-9]{0,19})(:[0-9a-f]{64})?$' }),
        ),
        /** The request token (a WebSocket cannot carry headers from a browser). */
        token: Type.Optional(Type.String({ maxLength: 4096 })),
    },
    { additionalProperties: false },
);

export const HealthSchema = Type.Object(
    {
        status: Type.Union([Type.Literal('ok'), Type.Literal('draining')]),
        channel: Type.String(),
        height: Uint64String,
        uptimeSeconds: Type.Number(),
        /** The engine behind the gateway (absent: embedded). */
        engine: Type.Optional(Type.Union([Type.Literal('embedded'), Type.Literal('fabric')])),
        /** Fabric: the chaincode proposals must name. */
        chaincode: Type.Optional(Type.String()),
    },
    { additionalProperties: false, title: 'Health' },
);
export type HealthBody = Static<typeof HealthSchema>;

export const BlockSchema = Type.Object(
    {
        number: Uint64String,
        hash: Type.String(),
        previousHash: Type.String(),
        dataHash: Type.String(),
        /** Engine clock at commit, ms since the Unix epoch. */
        timestamp: Type.Number(),
        signature: Type.String(),
        txs: Type.Array(
            Type.Object({
                txId: Type.String(),
                txName: Type.String(),
                creator: Type.Object({ mspId: Type.String(), id: Type.String() }),
                validationCode: Type.String(),
                message: Type.Optional(Type.String()),
                event: Type.Optional(Type.String()),
            }),
        ),
    },
    { additionalProperties: false, title: 'Block' },
);
export type BlockBody = Static<typeof BlockSchema>;

export const VerifyReportSchema = Type.Object(
    {
        ok: Type.Boolean(),
        blocks: Type.Number(),
        txs: Type.Number(),
        firstBadBlock: Type.Optional(Uint64String),
        reason: Type.Optional(Type.String()),
    },
    { additionalProperties: false, title: 'VerifyReport' },
);
export type VerifyReportBody = Static<typeof VerifyReportSchema>;

/** Which committed transaction to read (`ROUTES.transaction`). */
export const TransactionQuerySchema = Type.Object(
    { transactionId: Type.String({ pattern: '^[0-9a-f]{64}$' }) },
    { additionalProperties: false, title: 'TransactionQuery' },
);
/** A committed valid transaction's request (LedgerClient.getCommittedTransaction). */
export const CommittedTransactionSchema = Type.Object(
    {
        transactionId: Type.String(),
        blockNumber: Type.Optional(Uint64String),
        txName: Type.String(),
        args: Type.Array(Type.String()),
        creatorMspId: Type.String(),
    },
    { additionalProperties: false, title: 'CommittedTransaction' },
);
export type CommittedTransactionBody = Static<typeof CommittedTransactionSchema>;

/**
 * Fabric: a message fabric-gateway built for offline signing (`getBytes()`) and its creator's signature
 * over `getDigest()` (ECDSA P-256, DER).
 */
export const FabricSignedSchema = Type.Object(
    { bytes: Base64, signature: Base64 },
    { additionalProperties: false, title: 'FabricSigned' },
);
export type FabricSignedBody = Static<typeof FabricSignedSchema>;

export const FabricEndorsedSchema = Type.Object(
    {
        transactionId: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        /** The endorsed transaction (`PreparedTransaction`) for the creator to sign. */
        transaction: Base64,
        result: Base64,
    },
    { additionalProperties: false, title: 'FabricEndorsed' },
);
export type FabricEndorsedBody = Static<typeof FabricEndorsedSchema>;

export const FabricSubmittedSchema = Type.Object(
    {
        /** The commit status request (`SignedCommitStatusRequest`, unsigned) for the creator to sign. */
        commit: Base64,
    },
    { additionalProperties: false, title: 'FabricSubmitted' },
);
export type FabricSubmittedBody = Static<typeof FabricSubmittedSchema>;

export const FabricCommittedSchema = Type.Object(
    {
        transactionId: Type.String({ pattern: '^[0-9a-f]{64}$' }),
        blockNumber: Uint64String,
        /** Fabric's validation code (0 = VALID). */
        code: Type.Integer({ minimum: 0 }),
        successful: Type.Boolean(),
    },
    { additionalProperties: false, title: 'FabricCommitted' },
);
export type FabricCommittedBody = Static<typeof FabricCommittedSchema>;

/** Header carrying a request token: `Authorization: Femeter <token>`. */
export const TOKEN_SCHEME = 'Femeter';

/** Paths of the service (one place, so client and server cannot drift apart). */
export const ROUTES = Object.freeze({
    submit: '/v1/transactions/submit',
    evaluate: '/v1/transactions/evaluate',
    events: '/v1/events',
    eventsWs: '/v1/events/ws',
    block: '/v1/blocks/:number',
    verify: '/v1/verify',
    transaction: '/v1/transactions/committed',
    fabricEvaluate: '/v1/fabric/evaluate',
    fabricEndorse: '/v1/fabric/endorse',
    fabricSubmit: '/v1/fabric/submit',
    fabricCommit: '/v1/fabric/commit',
    health: '/health',
    metrics: '/metrics',
    openapi: '/openapi.json',
});

/**
 * Dedicated routes of grid aggregation and surveys (apps/gateway/dedicated.ts): each takes a signed
 * envelope of exactly one transaction, checked against that transaction's role rule and argument
 * schema before it is forwarded. The remote client posts these transactions here, every other
 * one to {@link ROUTES}.submit / evaluate.
 */
export const TX_ROUTES = Object.freeze({
    RegisterAggregationGroup: { path: '/v1/grid/groups', kind: 'submit' },
    ConsentAggregation: { path: '/v1/grid/consents', kind: 'submit' },
    PublishAggregationShare: { path: '/v1/grid/shares', kind: 'submit' },
    PostAggregates: { path: '/v1/grid/aggregates', kind: 'submit' },
    ListAggregationGroups: { path: '/v1/grid/groups/list', kind: 'query' },
    GetAggregationGroup: { path: '/v1/grid/groups/get', kind: 'query' },
    GetAggregates: { path: '/v1/grid/aggregates/list', kind: 'query' },
    RequestSurvey: { path: '/v1/surveys', kind: 'submit' },
    AcceptSurvey: { path: '/v1/surveys/accept', kind: 'submit' },
    RefuseSurvey: { path: '/v1/surveys/refuse', kind: 'submit' },
    GetSurveys: { path: '/v1/surveys/list', kind: 'query' },
} as const);
export type DedicatedTx = keyof typeof TX_ROUTES;

/** The dedicated route of a transaction name (with or without the `femeter:` prefix), if any. */
export function dedicatedRoute(
    txName: string,
): { readonly path: string; readonly kind: 'submit' | 'query' } | undefined {
    const name = txName.startsWith('femeter:') ? txName.slice('femeter:'.length) : txName;
    return Object.hasOwn(TX_ROUTES, name) ? TX_ROUTES[name as DedicatedTx] : undefined;
}

/** A dedicated query's answer: the contract's JSON result, decoded (typed per route in the OpenAPI document). */
export const DedicatedQueryResultSchema = Type.Object(
    { result: Type.Unknown() },
    { additionalProperties: false, title: 'QueryResult' },
);
export type DedicatedQueryResultBody = Static<typeof DedicatedQueryResultSchema>;

export const toBase64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
export const fromBase64 = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'base64'));
