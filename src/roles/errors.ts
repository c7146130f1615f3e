// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/errors
 * Refusals and failures of the roles, each with a stable code and a sentence saying what to do.
 */

export class RoleError extends Error {
    readonly code: string;
    constructor(code: string, message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = new.target.name;
        this.code = code;
    }
}

/** The customer's privacy guard refused a key (the refusal is recorded on the ledger). */
export class GuardRefusedError extends RoleError {
    readonly offendingClass: { slots: readonly number[]; size: number } | undefined;
    constructor(message: string, offendingClass?: { slots: readonly number[]; size: number }) {
        super('GUARD_REFUSED', message);
        this.offendingClass = offendingClass;
    }
}

/** A functional key from the ledger that the provider cannot use (does not open, or fails the key check). */
export class BadFunctionalKeyError extends RoleError {
    constructor(message: string, options?: { cause?: unknown }) {
        super('BAD_FUNCTIONAL_KEY', message, options);
    }
}

/** The meter's outbox could not be written or read. */
export class OutboxError extends RoleError {
    constructor(message: string, options?: { cause?: unknown }) {
        super('OUTBOX', message, options);
    }
}
