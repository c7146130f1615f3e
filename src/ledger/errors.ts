// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/errors
 * Typed errors of the ledger client, shaped after fabric-gateway's `GatewayError` tree and split by the phase in
 * which a transaction failed:
 *
 * - {@link EndorseError}: refused before ordering. Either the contract threw (`CONTRACT_ERROR`,
 *   `UNKNOWN_TRANSACTION`, `BAD_ARGUMENTS`; {@link EndorseError.contractError} says what the contract said) or the
 *   engine refused the signed proposal (`BAD_SIGNATURE`, `MALFORMED`, `TOO_LARGE`, `WRONG_CHANNEL`,
 *   `DUPLICATE_TXID`, `ACCESS_DENIED`). World state is unchanged.
 * - {@link SubmitError}: the ledger could not take the transaction at all (`CLOSED`, `FAILED`, `OVERLOADED`).
 * - {@link CommitError}: the transaction was executed and ordered, but its block could not be made durable
 *   (`STORAGE`). Blocks are written atomically, so the transaction is not on the ledger.
 *
 * Engines convert their own failures into these; nothing engine-specific leaks upward.
 */

/**
 * Stable machine-readable reason.
 *
 * @example
 * ```ts
 * if (err instanceof LedgerError && err.code === 'DUPLICATE_TXID') return; // already submitted
 * ```
 */
export type LedgerErrorCode =
    | 'CONTRACT_ERROR'
    | 'UNKNOWN_TRANSACTION'
    | 'BAD_ARGUMENTS'
    | 'BAD_SIGNATURE'
    | 'MALFORMED'
    | 'TOO_LARGE'
    | 'WRONG_CHANNEL'
    | 'DUPLICATE_TXID'
    | 'ACCESS_DENIED'
    | 'CLOSED'
    | 'FAILED'
    | 'OVERLOADED'
    | 'STORAGE'
    | 'UNKNOWN_ENGINE';

/**
 * Options common to every ledger error.
 *
 * @example
 * ```ts
 * new SubmitError('CLOSED', 'the ledger is closed', { transactionId, cause });
 * ```
 */
export interface LedgerErrorOptions {
    readonly transactionId?: string | undefined;
    readonly cause?: unknown;
}

/**
 * Base class of every error the ledger client raises.
 *
 * @example
 * ```ts
 * try { await client.submit('Put', key, value); }
 * catch (err) { if (err instanceof LedgerError) console.error(err.code, err.transactionId); throw err; }
 * ```
 */
export class LedgerError extends Error {
    /** Stable machine-readable reason. */
    readonly code: LedgerErrorCode;
    /** The transaction concerned, when one was built. */
    readonly transactionId: string | undefined;
    constructor(
        code: LedgerErrorCode,
        message: string,
        options: Readonly<LedgerErrorOptions> = {},
    ) {
        super(message, options.cause === undefined ? undefined : { cause: options.cause });
        this.name = new.target.name;
        this.code = code;
        this.transactionId = options.transactionId;
    }
}

/**
 * What the contract threw. On the embedded engine all three fields cross; on Fabric only `message` does, so a
 * contract that wants its refusals matched on both engines also puts a stable code into the message.
 *
 * @example
 * ```ts
 * if (err instanceof EndorseError && err.contractError?.code === 'CONFLICT') return; // slot taken
 * ```
 */
export interface ContractErrorInfo {
    /** The thrown error's message, verbatim. */
    readonly message: string;
    /** The thrown error's `name`, when it was not the generic `Error`. */
    readonly name?: string | undefined;
    /** The thrown error's `code` property, when it had a string or number one. */
    readonly code?: string | undefined;
}

/**
 * Refused before ordering: by the contract, or by the engine's checks of the signed proposal. State unchanged.
 *
 * @example
 * ```ts
 * catch (err) {
 *     if (err instanceof EndorseError && err.code === 'CONTRACT_ERROR') console.error(err.contractError?.message);
 * }
 * ```
 */
export class EndorseError extends LedgerError {
    /** Present when the contract (or its `unknownTransaction` hook, or argument conversion) threw. */
    readonly contractError: ContractErrorInfo | undefined;
    constructor(
        code: LedgerErrorCode,
        message: string,
        options: Readonly<
            LedgerErrorOptions & { contractError?: ContractErrorInfo | undefined }
        > = {},
    ) {
        super(code, message, options);
        this.contractError = options.contractError;
    }
}

/**
 * The ledger could not take the transaction (closed, failed after a storage error, too many pending).
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof SubmitError && err.code === 'OVERLOADED') await retryLater(); }
 * ```
 */
export class SubmitError extends LedgerError {}

/**
 * Executed and ordered, but the block holding it could not be made durable. The engine stops accepting work
 * (later calls get `SubmitError` with code `FAILED`) until it is reopened.
 *
 * @example
 * ```ts
 * catch (err) { if (err instanceof CommitError) alertOperator(err.cause); }
 * ```
 */
export class CommitError extends LedgerError {}
