// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/errors
 * Every refusal of the contract is a ContractError with a stable code (the first word of the
 * message, `[CODE] ...`, so that it survives Fabric's error transport, which keeps only the message)
 * and a sentence that says what to do.
 */

/** Stable refusal codes. */
export type ContractErrorCode =
    | 'BAD_REQUEST' // malformed JSON, missing/extra field, wrong type, size limit
    | 'FORBIDDEN' // submitter's role does not allow this
    | 'NOT_FOUND'
    | 'EXISTS' // write-once record already present with other content
    | 'CONFLICT' // slot or sequence number reused with other content
    | 'BAD_SIGNATURE'
    | 'BAD_POINT'
    | 'OUT_OF_RANGE' // slot outside the period, period outside the mpk range
    | 'CLOSED' // period already closed
    | 'INCOMPLETE' // period cannot close yet
    | 'BAD_PROOF'
    | 'GUARD' // privacy guard refuses the key set
    | 'BAD_KEY'; // mpk/tariff/key material invalid

/**
 * A refusal by the contract: the base of the contract layer's refusals. `code` is a field; the
 * message also starts with `[CODE]` (Fabric's error transport keeps only the message); `reason` is
 * the message without that prefix; `cause` is the error that led to the refusal, when there was one.
 *
 * @example
 * ```ts
 * try { parseTariff(doc); }
 * catch (e) { throw new ContractError('BAD_REQUEST', (e as Error).message, { cause: e }); }
 * ```
 */
export class ContractError extends Error {
    readonly code: ContractErrorCode;
    /** The message without its `[CODE]` prefix. */
    readonly reason: string;
    constructor(code: ContractErrorCode, message: string, options?: { readonly cause?: unknown }) {
        super(
            `[${code}] ${message}`,
            options?.cause === undefined ? undefined : { cause: options.cause },
        );
        this.name = new.target.name;
        this.code = code;
        this.reason = message;
    }
}

/** Extract the contract error code from a message that went through a ledger (or undefined). */
export function contractErrorCode(message: string): ContractErrorCode | undefined {
    const m = /\[([A-Z_]+)\]/.exec(message);
    return m ? (m[1] as ContractErrorCode) : undefined;
}
