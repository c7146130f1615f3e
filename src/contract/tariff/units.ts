// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/units
 * Currency units of tariff weights. A weight y_i is an integer price per watt-hour, so that the
 * bill Σ x_i·y_i (x_i in Wh) is an integer amount in the same unit:
 * - `µEUR` (U+00B5 MICRO SIGN): micro-euro per Wh. 1 µEUR/Wh = 1 EUR/MWh = 0.1 ct/kWh.
 *   A 30 ct/kWh retail price is 300; a 300 kWh month costs about 9·10^7 µEUR.
 * - `nEUR`: nano-euro per Wh. 1 nEUR/Wh = 0.1 ct/MWh = 0.0001 ct/kWh; 31.87 ct/kWh is 318,700.
 *   A 300 kWh month costs about 10^11 nEUR, still inside the 2^40 discrete-log target of DESIGN.md §7.
 *
 * Conversion from the price unit of index series (ct/MWh, EUR/MWh × 100), exact:
 * 1 ct/MWh = 0.01 EUR / 10^6 Wh = 10^-8 EUR/Wh = 1/100 µEUR/Wh = 10 nEUR/Wh.
 */

/** Currency units a tariff may state. */
export type CurrencyUnit = 'µEUR' | 'nEUR';

/** Exact factor converting ct/MWh into a currency unit per Wh: value·num/den. */
export interface UnitConversion {
    readonly num: bigint;
    readonly den: bigint;
}

/** Every currency unit with its conversion from ct/MWh (the unit of price series). */
export const CURRENCY_UNITS: Readonly<Record<CurrencyUnit, UnitConversion>> = Object.freeze({
    // 1 ct/MWh = 1/100 µEUR/Wh
    µEUR: Object.freeze({ num: 1n, den: 100n }),
    // 1 ct/MWh = 10 nEUR/Wh
    nEUR: Object.freeze({ num: 10n, den: 1n }),
});

/**
 * Whether a string names a supported currency unit.
 * @example
 * isCurrencyUnit('µEUR'); // true ('\u00b5EUR')
 * isCurrencyUnit('\u03bcEUR'); // false: GREEK SMALL LETTER MU, not MICRO SIGN
 */
export function isCurrencyUnit(value: unknown): value is CurrencyUnit {
    return value === 'µEUR' || value === 'nEUR';
}
