// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/errors
 * The one place where errors of `@hyperledger/fabric-gateway` and `@grpc/grpc-js` become femeter's
 * {@link LedgerError} tree, so nothing Fabric-specific leaks to the roles.
 *
 * | Fabric | femeter |
 * |---|---|
 * | a chaincode response ≥ 400 in the error details (`chaincode response 500, <message>`) | {@link EndorseError} `CONTRACT_ERROR` (or `UNKNOWN_TRANSACTION` / `BAD_ARGUMENTS` for fabric-contract-api's own refusals), `message` = the contract's message verbatim, `contractError.message` too |
 * | gRPC `UNAVAILABLE`, `DEADLINE_EXCEEDED`, `ABORTED`/`UNKNOWN`/`FAILED_PRECONDITION` without a chaincode response (peer or chaincode server unreachable, endorsement not collected) | {@link SubmitError} `FAILED` |
 * | gRPC `RESOURCE_EXHAUSTED` | {@link SubmitError} `OVERLOADED` |
 * | gRPC `CANCELLED` | {@link SubmitError} `CLOSED` |
 * | gRPC `PERMISSION_DENIED` / `UNAUTHENTICATED` | {@link EndorseError} `ACCESS_DENIED` |
 * | gRPC `INVALID_ARGUMENT` | {@link EndorseError} `MALFORMED` |
 * | gRPC `NOT_FOUND` (channel or chaincode unknown to the peer) | {@link EndorseError} `WRONG_CHANNEL` |
 * | gRPC `ALREADY_EXISTS` | {@link EndorseError} `DUPLICATE_TXID` |
 * | a commit status that is not VALID (after the MVCC retries) | {@link CommitError} `FAILED`, or `DUPLICATE_TXID` / `BAD_SIGNATURE` / `ACCESS_DENIED` where the validation code says so |
 * | `CommitStatusError` (the commit status could not be read) | {@link SubmitError} `FAILED`: the outcome is unknown, resend (the femeter contract treats identical resends of readings as no-ops) |
 *
 * The gateway classes are recognised by their `name` (`EndorseError`, `SubmitError`, …), so this
 * module needs no Fabric import and stays loadable without the Fabric packages.
 */
import {
    CommitError,
    EndorseError,
    LedgerError,
    SubmitError,
    type LedgerErrorCode,
} from '../errors.js';

/** Transaction validation codes of Fabric (peer.TxValidationCode), by number. */
export const TX_VALIDATION_CODES: Readonly<Record<number, string>> = Object.freeze({
    0: 'VALID',
    1: 'NIL_ENVELOPE',
    2: 'BAD_PAYLOAD',
    3: 'BAD_COMMON_HEADER',
    4: 'BAD_CREATOR_SIGNATURE',
    5: 'INVALID_ENDORSER_TRANSACTION',
    6: 'INVALID_CONFIG_TRANSACTION',
    7: 'UNSUPPORTED_TX_PAYLOAD',
    8: 'BAD_PROPOSAL_TXID',
    9: 'DUPLICATE_TXID',
    10: 'ENDORSEMENT_POLICY_FAILURE',
    11: 'MVCC_READ_CONFLICT',
    12: 'PHANTOM_READ_CONFLICT',
    13: 'UNKNOWN_TX_TYPE',
    14: 'TARGET_CHAIN_NOT_FOUND',
    15: 'MARSHAL_TX_ERROR',
    16: 'NIL_TXACTION',
    17: 'EXPIRED_CHAINCODE',
    18: 'CHAINCODE_VERSION_CONFLICT',
    19: 'BAD_HEADER_EXTENSION',
    20: 'BAD_CHANNEL_HEADER',
    21: 'BAD_RESPONSE_PAYLOAD',
    22: 'BAD_RWSET',
    23: 'ILLEGAL_WRITESET',
    24: 'INVALID_WRITESET',
    25: 'INVALID_CHAINCODE',
    254: 'NOT_VALIDATED',
    255: 'INVALID_OTHER_REASON',
});

/** Validation codes that mean "another transaction changed what this one read": retrying can succeed. */
export const CONFLICT_CODES: ReadonlySet<number> = new Set([11, 12]);

/** gRPC status codes (grpc.status) used below. */
const GRPC = {
    CANCELLED: 1,
    UNKNOWN: 2,
    INVALID_ARGUMENT: 3,
    DEADLINE_EXCEEDED: 4,
    NOT_FOUND: 5,
    ALREADY_EXISTS: 6,
    PERMISSION_DENIED: 7,
    RESOURCE_EXHAUSTED: 8,
    FAILED_PRECONDITION: 9,
    ABORTED: 10,
    UNAVAILABLE: 14,
    UNAUTHENTICATED: 16,
} as const;

/** Which call failed, for messages. */
export type FabricPhase =
    'evaluate' | 'endorse' | 'submit' | 'commit status' | 'events' | 'connect';

interface _Detail {
    readonly address?: unknown;
    readonly mspId?: unknown;
    readonly message?: unknown;
}
interface _FabricLikeError {
    readonly name?: unknown;
    readonly message?: unknown;
    readonly code?: unknown;
    readonly details?: unknown;
    readonly transactionId?: unknown;
}

const _CHAINCODE_RESPONSE = /chaincode response (\d{3}), ([\s\S]*)$/;

/**
 * The message of the chaincode (contract) inside a Fabric error, if the error carries one: from the
 * per-peer details first, then from the error message.
 *
 * @example
 * ```ts
 * contractMessageOf({ message: '2 UNKNOWN: evaluate call to endorser returned error: chaincode response 500, [FORBIDDEN] no' });
 * // → '[FORBIDDEN] no'
 * ```
 */
export function contractMessageOf(err: unknown): string | undefined {
    if (typeof err !== 'object' || err === null) return undefined;
    const e = err as _FabricLikeError;
    const details = Array.isArray(e.details) ? (e.details as _Detail[]) : [];
    for (const d of details) {
        const m = typeof d.message === 'string' ? _CHAINCODE_RESPONSE.exec(d.message) : null;
        if (m && Number(m[1]) >= 400) return m[2];
    }
    const m = typeof e.message === 'string' ? _CHAINCODE_RESPONSE.exec(e.message) : null;
    if (m && Number(m[1]) >= 400) return m[2];
    return undefined;
}

/** fabric-contract-api's own refusals, told apart from the contract's. */
function _contractCode(message: string): LedgerErrorCode {
    if (message.startsWith("You've asked to invoke a function that does not exist"))
        return 'UNKNOWN_TRANSACTION';
    if (/^Expected \d+ parameters, but \d+ have been supplied/.test(message))
        return 'BAD_ARGUMENTS';
    return 'CONTRACT_ERROR';
}

/** A detail field as text: strings and numbers as they are, anything else '?'. */
function shown(v: unknown): string {
    return typeof v === 'string' || typeof v === 'number' ? String(v) : '?';
}

function _describe(err: _FabricLikeError): string {
    const base = typeof err.message === 'string' ? err.message : String(err.message);
    const details = Array.isArray(err.details) ? (err.details as _Detail[]) : [];
    const parts = details
        .filter((d) => typeof d.message === 'string' && d.message !== '')
        .map((d) => `${shown(d.mspId)}@${shown(d.address)}: ${String(d.message)}`);
    return parts.length > 0 ? `${base} (${parts.join('; ')})` : base;
}

/**
 * Convert anything a Fabric call threw into a {@link LedgerError} (see the table in the module comment).
 * A LedgerError passes through unchanged.
 *
 * @param err   what was thrown
 * @param phase which call it came from
 * @param transactionId the transaction concerned, if known
 *
 * @example
 * ```ts
 * try { await contract.evaluate('GetMeter', { arguments: [id] }); }
 * catch (err) { throw fromFabricError(err, 'evaluate'); }
 * ```
 */
export function fromFabricError(
    err: unknown,
    phase: FabricPhase,
    transactionId?: string,
): LedgerError {
    if (err instanceof LedgerError) return err;
    const e: _FabricLikeError =
        typeof err === 'object' && err !== null ? err : { message: String(err) };
    const txId =
        transactionId ?? (typeof e.transactionId === 'string' ? e.transactionId : undefined);
    const opts = { transactionId: txId, cause: err };
    const contractMessage = contractMessageOf(e);
    if (contractMessage !== undefined) {
        return new EndorseError(_contractCode(contractMessage), contractMessage, {
            ...opts,
            contractError: { message: contractMessage },
        });
    }
    if (e.name === 'CommitStatusError') {
        return new SubmitError(
            'FAILED',
            `Fabric: the commit status of transaction ${txId ?? '?'} could not be read, its outcome is unknown: ${_describe(e)}`,
            opts,
        );
    }
    const what = `Fabric ${phase} failed: ${_describe(e)}`;
    switch (typeof e.code === 'number' ? e.code : -1) {
        case GRPC.RESOURCE_EXHAUSTED:
            return new SubmitError('OVERLOADED', what, opts);
        case GRPC.CANCELLED:
            return new SubmitError('CLOSED', what, opts);
        case GRPC.PERMISSION_DENIED:
        case GRPC.UNAUTHENTICATED:
            return new EndorseError('ACCESS_DENIED', what, opts);
        case GRPC.INVALID_ARGUMENT:
            return new EndorseError('MALFORMED', what, opts);
        case GRPC.NOT_FOUND:
            return new EndorseError('WRONG_CHANNEL', what, opts);
        case GRPC.ALREADY_EXISTS:
            return new EndorseError('DUPLICATE_TXID', what, opts);
        default:
            // UNAVAILABLE, DEADLINE_EXCEEDED, ABORTED/UNKNOWN without a chaincode response (chaincode server
            // unreachable, endorsements not collected), FAILED_PRECONDITION, and anything unexpected.
            return new SubmitError('FAILED', what, opts);
    }
}

/**
 * The error for a transaction whose commit status was not VALID.
 *
 * @example
 * ```ts
 * if (!status.successful) throw commitFailure(status.code, status.transactionId, status.blockNumber, attempts);
 * ```
 */
export function commitFailure(
    code: number,
    transactionId: string,
    blockNumber: bigint,
    attempts: number,
): CommitError {
    const name = TX_VALIDATION_CODES[code] ?? `code ${code}`;
    const ledgerCode: LedgerErrorCode =
        code === 9
            ? 'DUPLICATE_TXID'
            : code === 4
              ? 'BAD_SIGNATURE'
              : code === 10
                ? 'ACCESS_DENIED'
                : 'FAILED';
    const retried = CONFLICT_CODES.has(code)
        ? ` after ${attempts} attempt${attempts === 1 ? '' : 's'} (another transaction kept changing what it read)`
        : '';
    return new CommitError(
        ledgerCode,
        `Fabric: transaction ${transactionId} was ordered in block ${blockNumber} but is not valid: ${name}${retried}; nothing was written`,
        {
            transactionId,
            cause: Object.assign(new Error(name), { code, blockNumber }),
        },
    );
}

/**
 * True for errors a retry may cure (peer or chaincode server unreachable, deadline passed, overload).
 *
 * @example
 * ```ts
 * if (isTransient(err)) await sleep(backoff);
 * ```
 */
export function isTransient(err: unknown): boolean {
    return err instanceof SubmitError && (err.code === 'FAILED' || err.code === 'OVERLOADED');
}

/** gRPC status codes, for callers that inspect raw errors. */
export const GRPC_STATUS = GRPC;
