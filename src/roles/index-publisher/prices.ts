// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/index-publisher/prices
 * Day-ahead price files of the index publisher (DESIGN.md §3, indexed tariffs) → price series.
 *
 * Input format (as in shared/data/de-day-ahead-prices.csv): a header `start_utc,price_eur_per_mwh`,
 * then one row per delivery interval, `2023-01-01T00:00:00Z,-1.07`: the interval start in UTC
 * (ISO 8601 with `Z`) and the price in EUR/MWh with at most two decimals. Prices are read from the
 * decimal string into integer cents per MWh (no floating point: "-1.07" → −107, "86.8" → 8680);
 * rows must be contiguous (each exactly one interval after the previous) and aligned. Every error
 * names its line.
 */

import { RoleError } from '../errors.js';
import { parseIsoInstant, quoteField } from '../text.js';
import {
    PriceSeriesError,
    assertPriceSeries,
    nextPeriodId,
    periodIdOfInstant,
    periodSlots,
    DEFAULT_TIME_ZONE,
    DOCUMENT_ID_RE,
    MAX_ABS_PRICE,
    MAX_SERIES_LENGTH,
    type BillingPeriod,
    type PriceSeries,
} from '../../contract/tariff/index.js';

/** Default id of the series read from a DE-LU day-ahead file. */
export const DEFAULT_SERIES_ID = 'DE-LU/day-ahead';
/** The header line the file must start with. */
export const DAY_AHEAD_HEADER = 'start_utc,price_eur_per_mwh';

const PRICE_RE = /^(-?)(\d{1,7})(?:\.(\d{1,2}))?$/;

/** A line of the price file that cannot be read, with its 1-based line number. */
export class PriceCsvError extends RoleError {
    /** 1-based line number in the file. */
    readonly line: number;
    constructor(line: number, reason: string) {
        super('PRICES_CSV', `day-ahead prices, line ${line}: ${reason}`);
        this.line = line;
    }
}

/** Options of {@link parseDayAheadCsv}. */
export interface DayAheadCsvOptions {
    /** Id given to the series (default {@link DEFAULT_SERIES_ID}). */
    readonly seriesId?: string;
    /**
     * Interval length in minutes. Default: taken from the first two rows (60 or 15); a file of one
     * row is hourly.
     */
    readonly intervalMinutes?: 60 | 15;
}

/**
 * Reads a day-ahead price file into one contiguous series.
 * @param csvText - the file content (UTF-8 text; a leading BOM and CRLF line ends are accepted).
 * @param options - series id and interval.
 * @returns `{ id, startMs, intervalMinutes, prices }`, prices in ct/MWh.
 * @throws {PriceCsvError} naming the line of a bad header, timestamp, price, gap, overlap or misalignment.
 * @example
 * const s = parseDayAheadCsv('start_utc,price_eur_per_mwh\n2023-07-02T12:00:00Z,-500.00\n');
 * s.prices; // [-50000]
 */
export function parseDayAheadCsv(csvText: string, options: DayAheadCsvOptions = {}): PriceSeries {
    if (typeof csvText !== 'string')
        throw new PriceCsvError(1, 'expected the file content as a string');
    const id = options.seriesId ?? DEFAULT_SERIES_ID;
    if (!DOCUMENT_ID_RE.test(id))
        throw new PriceCsvError(1, `series id ${JSON.stringify(id)} is not a valid id`);
    const text = csvText.startsWith('\uFEFF') ? csvText.slice(1) : csvText;
    const lines = text.split('\n');
    // Trailing line ends: drop empty lines at the end only.
    while (lines.length > 0 && stripCr(lines[lines.length - 1] ?? '') === '') lines.pop();
    if (lines.length === 0 || stripCr(lines[0] ?? '') !== DAY_AHEAD_HEADER) {
        throw new PriceCsvError(1, `expected the header "${DAY_AHEAD_HEADER}"`);
    }
    if (lines.length < 2) throw new PriceCsvError(2, 'the file has no price rows');
    if (lines.length - 1 > MAX_SERIES_LENGTH) {
        throw new PriceCsvError(
            MAX_SERIES_LENGTH + 2,
            `more than ${MAX_SERIES_LENGTH} rows; split the file`,
        );
    }
    const starts: number[] = [];
    const prices: number[] = [];
    for (let n = 1; n < lines.length; n++) {
        const lineNo = n + 1;
        const line = stripCr(lines[n] ?? '');
        const comma = line.indexOf(',');
        if (comma < 0 || line.includes(',', comma + 1)) {
            throw new PriceCsvError(
                lineNo,
                `expected two fields "start_utc,price_eur_per_mwh", got ${show(line)}`,
            );
        }
        starts.push(parseUtc(line.slice(0, comma), lineNo));
        prices.push(parseCents(line.slice(comma + 1), lineNo));
    }
    const first = starts[0] ?? 0;
    let intervalMinutes: 60 | 15 = options.intervalMinutes ?? 60;
    if (options.intervalMinutes === undefined && starts.length > 1) {
        const step = ((starts[1] ?? 0) - first) / 60_000;
        if (step !== 60 && step !== 15) {
            throw new PriceCsvError(
                3,
                `rows must be 60 or 15 minutes apart, the first two are ${step} minutes apart`,
            );
        }
        intervalMinutes = step;
    }
    const stepMs = intervalMinutes * 60_000;
    if (first % stepMs !== 0) {
        throw new PriceCsvError(
            2,
            `start ${new Date(first).toISOString()} is not on a ${intervalMinutes}-minute boundary`,
        );
    }
    for (let j = 1; j < starts.length; j++) {
        const expected = first + j * stepMs;
        const got = starts[j] ?? 0;
        if (got !== expected) {
            const what = got < expected ? 'overlaps or goes back' : 'leaves a gap';
            throw new PriceCsvError(
                j + 2,
                `row ${what}: expected ${new Date(expected).toISOString()}, got ${new Date(got).toISOString()}; ` +
                    `price files must be contiguous, with no missing or repeated interval`,
            );
        }
    }
    return Object.freeze({ id, startMs: first, intervalMinutes, prices: Object.freeze(prices) });
}

/**
 * The part of a series that covers [startMs, endMs).
 * @throws {PriceSeriesError} when the series does not cover the whole range or the range is not aligned.
 * @example
 * sliceSeries(series, Date.UTC(2023, 6, 2, 12), Date.UTC(2023, 6, 2, 14)).prices.length; // 2
 */
export function sliceSeries(series: PriceSeries, startMs: number, endMs: number): PriceSeries {
    assertPriceSeries(series);
    const stepMs = series.intervalMinutes * 60_000;
    if (
        (startMs - series.startMs) % stepMs !== 0 ||
        (endMs - startMs) % stepMs !== 0 ||
        endMs <= startMs
    ) {
        throw new PriceSeriesError(
            `range ${iso(startMs)} – ${iso(endMs)} is not aligned to the ${series.intervalMinutes}-minute intervals of "${series.id}"`,
        );
    }
    const from = (startMs - series.startMs) / stepMs;
    const to = (endMs - series.startMs) / stepMs;
    if (from < 0 || to > series.prices.length) {
        const seriesEnd = series.startMs + series.prices.length * stepMs;
        throw new PriceSeriesError(
            `series "${series.id}" covers ${iso(series.startMs)} – ${iso(seriesEnd)}, not ${iso(startMs)} – ${iso(endMs)}`,
        );
    }
    return Object.freeze({
        id: series.id,
        startMs,
        intervalMinutes: series.intervalMinutes,
        prices: Object.freeze(series.prices.slice(from, to)),
    });
}

/**
 * The part of a series that covers one billing period.
 * @throws {PriceSeriesError} when the series does not cover every slot of the period.
 * @example
 * seriesForPeriod(series, periodSlots('2023-07')).prices.length; // 744
 */
export function seriesForPeriod(series: PriceSeries, period: BillingPeriod): PriceSeries {
    return sliceSeries(series, period.startMs, period.endMs);
}

/**
 * Splits a series into the billing periods (local calendar months) it covers completely.
 * @param series - a contiguous series.
 * @param timeZone - time zone the months are cut in (default Europe/Berlin).
 * @returns period id → series of that period, in period order; partly covered months are left out.
 * @example
 * [...seriesByPeriod(parseDayAheadCsv(text)).keys()]; // ['2023-01', …, '2024-12']
 */
export function seriesByPeriod(
    series: PriceSeries,
    timeZone: string = DEFAULT_TIME_ZONE,
): Map<string, PriceSeries> {
    assertPriceSeries(series);
    const stepMs = series.intervalMinutes * 60_000;
    const endMs = series.startMs + series.prices.length * stepMs;
    const out = new Map<string, PriceSeries>();
    let periodId = periodIdOfInstant(series.startMs, timeZone);
    for (;;) {
        const period = periodSlots(periodId, timeZone, series.intervalMinutes);
        if (period.startMs >= endMs) break;
        if (period.startMs >= series.startMs && period.endMs <= endMs) {
            out.set(periodId, seriesForPeriod(series, period));
        }
        periodId = nextPeriodId(periodId);
    }
    return out;
}

function parseUtc(field: string, lineNo: number): number {
    const ms = parseIsoInstant(field, { utcOnly: true, requireSeconds: true, fraction: false });
    if (ms === 'format') {
        throw new PriceCsvError(
            lineNo,
            `start_utc: expected "YYYY-MM-DDTHH:MM:SSZ", got ${show(field)}`,
        );
    }
    if (typeof ms !== 'number')
        throw new PriceCsvError(lineNo, `start_utc: ${show(field)} is not a valid date and time`);
    return ms;
}

/** "−12.3" → −1230: sign, integer part, up to two decimals, exactly. */
function parseCents(field: string, lineNo: number): number {
    const m = PRICE_RE.exec(field);
    if (m === null) {
        throw new PriceCsvError(
            lineNo,
            `price_eur_per_mwh: expected a decimal number with at most two decimals (e.g. -5.17), got ${show(field)}`,
        );
    }
    const whole = Number(m[2]);
    const frac = Number((m[3] ?? '').padEnd(2, '0'));
    const cents = whole * 100 + frac;
    if (cents > MAX_ABS_PRICE)
        throw new PriceCsvError(lineNo, `price_eur_per_mwh: ${field} is out of range`);
    return m[1] === '-' && cents !== 0 ? -cents : cents;
}

function stripCr(line: string): string {
    return line.endsWith('\r') ? line.slice(0, -1) : line;
}

function iso(ms: number): string {
    return new Date(ms).toISOString();
}

function show(s: string): string {
    return quoteField(s, 60);
}
