// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/rounding
 * Exact rounding of a rational number n/d to an integer, in `bigint` (no floating point), with the
 * rounding modes a tariff document may name. The names and meanings follow Java's
 * `java.math.RoundingMode`, written in lower case with hyphens:
 * - `half-even`: to nearest, ties to the even neighbour (banker's rounding);
 * - `half-up`: to nearest, ties away from zero (commercial rounding, DIN 1333);
 * - `half-down`: to nearest, ties towards zero;
 * - `floor`: towards −∞ · `ceiling`: towards +∞ · `down`: towards zero · `up`: away from zero.
 */

/** Rounding modes a tariff may name. */
export type RoundingMode =
    'half-even' | 'half-up' | 'half-down' | 'floor' | 'ceiling' | 'down' | 'up';

/** All rounding modes. */
export const ROUNDING_MODES: readonly RoundingMode[] = Object.freeze([
    'half-even',
    'half-up',
    'half-down',
    'floor',
    'ceiling',
    'down',
    'up',
] as const);

/**
 * Rounds n/d to an integer.
 * @param n - numerator.
 * @param d - denominator, > 0.
 * @param mode - rounding mode.
 * @returns the rounded quotient.
 * @throws {RangeError} when d ≤ 0.
 * @example
 * divRound(-5n, 2n, 'half-even'); // -2n
 * divRound(-5n, 2n, 'half-up');   // -3n
 * divRound(-5n, 2n, 'floor');     // -3n
 */
export function divRound(n: bigint, d: bigint, mode: RoundingMode): bigint {
    if (d <= 0n) throw new RangeError(`divRound: denominator must be positive, got ${d}`);
    const q = n / d; // truncated towards zero
    const r = n - q * d; // same sign as n, |r| < d
    if (r === 0n) return q;
    const away = n < 0n ? q - 1n : q + 1n; // neighbour away from zero
    const twiceAbsR = (r < 0n ? -r : r) * 2n;
    switch (mode) {
        case 'down':
            return q;
        case 'up':
            return away;
        case 'floor':
            return n < 0n ? away : q;
        case 'ceiling':
            return n < 0n ? q : away;
        case 'half-up':
            return twiceAbsR >= d ? away : q;
        case 'half-down':
            return twiceAbsR > d ? away : q;
        case 'half-even':
            if (twiceAbsR !== d) return twiceAbsR > d ? away : q;
            return q % 2n === 0n ? q : away;
    }
}
