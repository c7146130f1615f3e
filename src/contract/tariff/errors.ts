// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/errors
 * Typed errors of the tariff module (billing periods, holidays, tariff documents, weight vectors).
 * Every error carries a stable `code` to match on, and a message that says what to do about it.
 * The module runs inside Fabric chaincode and in a browser: no node: imports here.
 */

/** Base class of every error raised by `contract/tariff`. */
export class TariffError extends Error {
    /** Stable machine-readable code, e.g. `TARIFF_FIELD`. */
    readonly code: string;
    constructor(code: string, message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = new.target.name;
        this.code = code;
    }
}

/** A bad billing-period id, time zone, slot interval, slot index or instant. */
export class PeriodError extends TariffError {
    constructor(message: string, options?: { cause?: unknown }) {
        super('TARIFF_PERIOD', message, options);
    }
}

/** A tariff document that does not validate. `field` is the JSON path of the offending field. */
export class TariffDocumentError extends TariffError {
    /** JSON path of the offending field, e.g. `zones[2].from` (`$` is the document itself). */
    readonly field: string;
    constructor(field: string, reason: string) {
        super('TARIFF_FIELD', `tariff field "${field}": ${reason}`);
        this.field = field;
    }
}

/** A price series that is malformed, belongs to another index, or does not cover every slot. */
export class PriceSeriesError extends TariffError {
    /** Slot of the period that is not covered, when the error is about coverage. */
    readonly slot: number | undefined;
    constructor(message: string, slot?: number) {
        super('TARIFF_PRICE_SERIES', message);
        this.slot = slot;
    }
}

/** Weights that cannot be derived: mismatched time zone, misaligned zone edge, weight out of range. */
export class TariffWeightsError extends TariffError {
    constructor(message: string) {
        super('TARIFF_WEIGHTS', message);
    }
}
