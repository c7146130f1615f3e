// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/decimal
 * Exact decimal numbers as read from meters ("000123.4567" kWh, an SML value with scaler −4) and
 * their conversion to integer watt-hours, in `bigint` without floating point. Registers are
 * converted with floor: a register of 123.4567 kWh has counted 123,456 whole Wh, and differences of
 * floored registers telescope, so interval energies still add up to the register difference.
 */

/** value = digits / 10^scale, scale ≥ 0. */
export interface ExactDecimal {
    readonly digits: bigint;
    readonly scale: number;
}

/** Energy units a meter may state, with Wh per unit. */
export const ENERGY_UNITS: Readonly<Record<string, bigint>> = Object.freeze({
    Wh: 1n,
    kWh: 1000n,
    MWh: 1_000_000n,
});

/** Longest digit string accepted (integer and fraction together). */
export const MAX_DECIMAL_DIGITS = 30;

const DECIMAL_RE = /^(-?)(\d+)(?:\.(\d+))?$/;

/**
 * Parses "-12.340" exactly.
 * @returns the decimal, or undefined when the text is not a plain decimal number (no exponent, no "+",
 *   at most {@link MAX_DECIMAL_DIGITS} digits).
 * @example
 * parseDecimal('000123.4567'); // { digits: 1234567n, scale: 4 }
 */
export function parseDecimal(text: string): ExactDecimal | undefined {
    const m = DECIMAL_RE.exec(text);
    if (m === null) return undefined;
    const intPart = m[2] ?? '';
    const frac = m[3] ?? '';
    if (intPart.length + frac.length > MAX_DECIMAL_DIGITS) return undefined;
    const magnitude = BigInt(intPart + frac);
    return { digits: m[1] === '-' ? -magnitude : magnitude, scale: frac.length };
}

/**
 * Builds value·10^exponent exactly (SML value with scaler).
 * @example
 * scaledDecimal(791393n, -1); // { digits: 791393n, scale: 1 } = 79139.3
 */
export function scaledDecimal(value: bigint, exponent: number): ExactDecimal {
    return exponent >= 0
        ? { digits: value * 10n ** BigInt(exponent), scale: 0 }
        : { digits: value, scale: -exponent };
}

/**
 * Decimal text of an exact decimal.
 * @example
 * decimalToString({ digits: -1234567n, scale: 4 }); // '-123.4567'
 */
export function decimalToString(d: ExactDecimal): string {
    const neg = d.digits < 0n;
    const s = (neg ? -d.digits : d.digits).toString().padStart(d.scale + 1, '0');
    const body =
        d.scale === 0 ? s : `${s.slice(0, s.length - d.scale)}.${s.slice(s.length - d.scale)}`;
    return neg ? `-${body}` : body;
}

/**
 * Compares two exact decimals.
 * @returns −1, 0 or 1.
 */
export function compareDecimal(a: ExactDecimal, b: ExactDecimal): number {
    const scale = Math.max(a.scale, b.scale);
    const x = a.digits * 10n ** BigInt(scale - a.scale);
    const y = b.digits * 10n ** BigInt(scale - b.scale);
    return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Whole watt-hours of an energy value, rounded towards −∞.
 * @param d - the value in `unit`.
 * @param whPerUnit - 1 for Wh, 1000 for kWh (see {@link ENERGY_UNITS}).
 * @returns floor(d · whPerUnit).
 * @example
 * floorWh({ digits: 1234567n, scale: 4 }, 1000n); // 123456n (123.4567 kWh)
 */
export function floorWh(d: ExactDecimal, whPerUnit: bigint): bigint {
    const n = d.digits * whPerUnit;
    const den = 10n ** BigInt(d.scale);
    const q = n / den;
    return n < 0n && q * den !== n ? q - 1n : q;
}

/**
 * Whether d · whPerUnit is a whole number of watt-hours.
 * @example
 * isWholeWh({ digits: 1234n, scale: 3 }, 1000n); // true (1.234 kWh = 1234 Wh)
 */
export function isWholeWh(d: ExactDecimal, whPerUnit: bigint): boolean {
    return (d.digits * whPerUnit) % 10n ** BigInt(d.scale) === 0n;
}
