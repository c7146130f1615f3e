// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/series
 * Price series of an index publisher (DESIGN.md §3, indexed tariffs): a contiguous run of
 * day-ahead prices, hourly or quarter-hourly, as integers in cents per MWh (EUR/MWh × 100, the
 * exchange publishes two decimals, so every published price is an integer here). Price j applies to
 * the UTC interval [startMs + j·I, startMs + (j+1)·I), I = intervalMinutes.
 */

import { PriceSeriesError } from './errors.js';
import { DOCUMENT_ID_RE } from './ids.js';

/** Unit of every price in a {@link PriceSeries}. */
export const PRICE_SERIES_UNIT = 'ct/MWh';
/** Largest absolute price accepted, in ct/MWh (±EUR 21,474,836.47 per MWh, far above any auction limit). */
export const MAX_ABS_PRICE = 2 ** 31 - 1;
/** Longest series accepted: 20 years of quarter hours. */
export const MAX_SERIES_LENGTH = 20 * 366 * 96;

/** A contiguous price series. */
export interface PriceSeries {
    /** Id of the index series, e.g. `DE-LU/day-ahead`; a tariff names the series it follows. */
    readonly id: string;
    /** Start of the first price interval, UTC epoch ms, aligned to the interval. */
    readonly startMs: number;
    /** Length of each price interval in minutes. */
    readonly intervalMinutes: 60 | 15;
    /** Prices in ct/MWh (integers; negative prices are real and allowed). */
    readonly prices: readonly number[];
}

/**
 * Checks a value read from outside and returns it typed.
 * @param value - candidate series.
 * @returns the same object, typed.
 * @throws {PriceSeriesError} naming the first bad field.
 * @example
 * assertPriceSeries({ id: 'DE-LU/day-ahead', startMs: 0, intervalMinutes: 60, prices: [8683] });
 */
export function assertPriceSeries(value: unknown): PriceSeries {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new PriceSeriesError(
            'priceSeries: expected an object { id, startMs, intervalMinutes, prices }',
        );
    }
    const v = value as Record<string, unknown>;
    for (const key of Object.keys(v)) {
        if (!['id', 'startMs', 'intervalMinutes', 'prices'].includes(key)) {
            throw new PriceSeriesError(
                `priceSeries.${key}: unknown field; allowed are id, startMs, intervalMinutes, prices`,
            );
        }
    }
    if (typeof v.id !== 'string' || !DOCUMENT_ID_RE.test(v.id)) {
        throw new PriceSeriesError(
            'priceSeries.id: expected an id of letters, digits and . _ : / - (≤ 128 characters)',
        );
    }
    if (v.intervalMinutes !== 60 && v.intervalMinutes !== 15) {
        throw new PriceSeriesError(
            `priceSeries.intervalMinutes: expected 60 or 15, got ${String(v.intervalMinutes)}`,
        );
    }
    const stepMs = v.intervalMinutes * 60_000;
    if (
        typeof v.startMs !== 'number' ||
        !Number.isSafeInteger(v.startMs) ||
        v.startMs % stepMs !== 0
    ) {
        throw new PriceSeriesError(
            `priceSeries.startMs: expected integer epoch ms on a ${v.intervalMinutes}-minute boundary, got ${String(v.startMs)}`,
        );
    }
    if (!Array.isArray(v.prices) || v.prices.length === 0 || v.prices.length > MAX_SERIES_LENGTH) {
        throw new PriceSeriesError(
            `priceSeries.prices: expected a non-empty array of at most ${MAX_SERIES_LENGTH} prices`,
        );
    }
    const prices = v.prices as unknown[];
    for (let j = 0; j < prices.length; j++) {
        const p = prices[j];
        if (typeof p !== 'number' || !Number.isInteger(p) || Math.abs(p) > MAX_ABS_PRICE) {
            throw new PriceSeriesError(
                `priceSeries.prices[${j}]: expected an integer price in ct/MWh with |p| ≤ ${MAX_ABS_PRICE}, got ${String(p)}`,
            );
        }
    }
    return value as PriceSeries;
}
