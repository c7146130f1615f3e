// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/errors
 * Typed errors of the functional-encryption core. Every error carries a stable `code` so that
 * callers (contract, roles, gateway) can match on it without parsing messages, and a message that
 * says what to do about it.
 */

/** Base class of every error raised by `fe`. */
export class FeError extends Error {
    /** Stable machine-readable code, e.g. `FE_DECODE`. */
    readonly code: string;
    constructor(code: string, message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = new.target.name;
        this.code = code;
    }
}

/** Bytes that do not decode to a valid value: truncated, oversized, non-canonical, off-group, identity. */
export class DecodeError extends FeError {
    /** Which field was being decoded (e.g. `mpk.H[17]`). */
    readonly field: string;
    constructor(field: string, reason: string) {
        super('FE_DECODE', `${field}: ${reason}`);
        this.field = field;
    }
}

/** An argument outside its allowed range (vector length, weight bound, scalar range...). */
export class RangeCheckError extends FeError {
    constructor(message: string) {
        super('FE_RANGE', message);
    }
}

/** The discrete log was not found within the declared bound: the value is out of range, never a wrong number. */
export class DlogBoundError extends FeError {
    readonly bound: bigint;
    constructor(bound: bigint) {
        super(
            'FE_DLOG_BOUND',
            `discrete log not found within |m| <= ${bound}: the decrypted value is outside the declared bound ` +
                `(wrong key, wrong weights, or readings above the meter's declared maximum)`,
        );
        this.bound = bound;
    }
}

/** A functional key does not match the master public key: sk_y·G != Σ y_i·H_i. */
export class KeyCheckError extends FeError {
    constructor(message: string) {
        super('FE_KEY_CHECK', message);
    }
}

/** A proof that does not verify. */
export class ProofError extends FeError {
    constructor(message: string) {
        super('FE_PROOF', message);
    }
}

/** An encrypted key file that cannot be opened: wrong passphrase, tampered or truncated file. */
export class KeyFileError extends FeError {
    constructor(message: string, options?: { cause?: unknown }) {
        super('FE_KEYFILE', message, options);
    }
}

/** A discrete-log table file that failed its integrity check (it is rebuilt, never trusted). */
export class TableIntegrityError extends FeError {
    constructor(message: string) {
        super('FE_TABLE', message);
    }
}
