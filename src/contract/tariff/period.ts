// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/period
 * Billing periods (DESIGN.md §2 key epochs, §4 flows): a period is one calendar month in an IANA
 * time zone (default Europe/Berlin), id `"YYYY-MM"`, cut into slots of `intervalMinutes`
 * (default 15). Slot i covers the UTC interval [startMs + i·Δ, startMs + (i+1)·Δ), Δ = interval
 * in ms; startMs is the first instant of the 1st of the month in local time, endMs that of the 1st
 * of the next month. Slots are therefore fixed UTC steps, and a DST day simply has fewer or more of
 * them: in Europe/Berlin March has 2972 slots (one 92-slot day), October 2980 (one 100-slot day),
 * other 31-day months 2976, February 2688 or 2784.
 */

import { PeriodError } from './errors.js';
import {
    assertTimeZone,
    startOfLocalDay,
    wallClock,
    wallClockSeries,
    type WallClock,
} from './localtime.js';

/** Time zone of a billing period unless the caller says otherwise. */
export const DEFAULT_TIME_ZONE = 'Europe/Berlin';
/** Slot length in minutes unless the caller says otherwise (DESIGN.md §4). */
export const DEFAULT_INTERVAL_MINUTES = 15;
/** Smallest and largest year of a period id: holiday rules are encoded from 1995 (see holidays.ts). */
export const PERIOD_YEAR_MIN = 1995;
export const PERIOD_YEAR_MAX = 2199;
/**
 * Slot lengths allowed: divisors of 60, so that every slot starts on a local wall-clock boundary
 * after a whole-hour DST shift.
 */
export const ALLOWED_INTERVAL_MINUTES: readonly number[] = Object.freeze([
    1, 2, 3, 4, 5, 6, 10, 12, 15, 20, 30, 60,
]);

const PERIOD_ID_RE = /^(\d{4})-(\d{2})$/;

/** One billing period: its slots as UTC epoch-millisecond intervals. */
export interface BillingPeriod {
    /** `YYYY-MM`. */
    readonly periodId: string;
    /** IANA time zone the month is cut in. */
    readonly timeZone: string;
    /** First instant of the period (UTC epoch ms), inclusive. */
    readonly startMs: number;
    /** First instant after the period (UTC epoch ms), exclusive. */
    readonly endMs: number;
    /** Slot length Δ in minutes. */
    readonly intervalMinutes: number;
    /** (endMs − startMs) / Δ. */
    readonly slotCount: number;
}

/**
 * Parses and range-checks a period id.
 * @param periodId - `YYYY-MM`, year {@link PERIOD_YEAR_MIN}–{@link PERIOD_YEAR_MAX}, month 01–12.
 * @returns year and month (1–12).
 * @throws {PeriodError} naming what is wrong.
 * @example
 * parsePeriodId('2024-03'); // { year: 2024, month: 3 }
 */
export function parsePeriodId(periodId: unknown): { year: number; month: number } {
    const m = typeof periodId === 'string' ? PERIOD_ID_RE.exec(periodId) : null;
    if (m === null) {
        throw new PeriodError(
            `periodId: expected "YYYY-MM" (e.g. "2024-03"), got ${typeof periodId === 'string' ? JSON.stringify(periodId.slice(0, 40)) : typeof periodId}`,
        );
    }
    const year = Number(m[1]);
    const month = Number(m[2]);
    if (month < 1 || month > 12) {
        throw new PeriodError(`periodId "${String(periodId)}": month must be 01–12`);
    }
    if (year < PERIOD_YEAR_MIN || year > PERIOD_YEAR_MAX) {
        throw new PeriodError(
            `periodId "${String(periodId)}": year must be ${PERIOD_YEAR_MIN}–${PERIOD_YEAR_MAX} (holiday rules are encoded for that range)`,
        );
    }
    return { year, month };
}

/**
 * Formats a period id.
 * @example
 * formatPeriodId(2024, 3); // '2024-03'
 */
export function formatPeriodId(year: number, month: number): string {
    const id = `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}`;
    parsePeriodId(id);
    return id;
}

/**
 * The period after `periodId`.
 * @example
 * nextPeriodId('2024-12'); // '2025-01'
 */
export function nextPeriodId(periodId: string): string {
    const { year, month } = parsePeriodId(periodId);
    return month === 12 ? formatPeriodId(year + 1, 1) : formatPeriodId(year, month + 1);
}

/**
 * The period before `periodId`.
 * @example
 * previousPeriodId('2024-01'); // '2023-12'
 */
export function previousPeriodId(periodId: string): string {
    const { year, month } = parsePeriodId(periodId);
    return month === 1 ? formatPeriodId(year - 1, 12) : formatPeriodId(year, month - 1);
}

/**
 * Checks a slot length.
 * @throws {PeriodError} unless it is one of {@link ALLOWED_INTERVAL_MINUTES}.
 */
export function assertIntervalMinutes(intervalMinutes: unknown): number {
    if (
        typeof intervalMinutes !== 'number' ||
        !ALLOWED_INTERVAL_MINUTES.includes(intervalMinutes)
    ) {
        throw new PeriodError(
            `intervalMinutes: expected one of ${ALLOWED_INTERVAL_MINUTES.join(', ')} (a divisor of 60), got ${String(intervalMinutes)}`,
        );
    }
    return intervalMinutes;
}

/**
 * The slots of one billing period.
 * @param periodId - `YYYY-MM`.
 * @param timeZone - IANA time zone the month is cut in (default Europe/Berlin).
 * @param intervalMinutes - slot length Δ (default 15).
 * @returns the period: `{ periodId, timeZone, startMs, endMs, intervalMinutes, slotCount }`.
 * @throws {PeriodError} for a bad id, time zone or interval, or a zone whose offset changes are not
 *   a multiple of Δ.
 * @example
 * periodSlots('2024-03').slotCount; // 2972: 31 days, one of them 23 hours long
 */
export function periodSlots(
    periodId: string,
    timeZone: string = DEFAULT_TIME_ZONE,
    intervalMinutes: number = DEFAULT_INTERVAL_MINUTES,
): BillingPeriod {
    const { year, month } = parsePeriodId(periodId);
    assertTimeZone(timeZone);
    assertIntervalMinutes(intervalMinutes);
    const startMs = startOfLocalDay(year, month, 1, timeZone);
    const endMs =
        month === 12
            ? startOfLocalDay(year + 1, 1, 1, timeZone)
            : startOfLocalDay(year, month + 1, 1, timeZone);
    const stepMs = intervalMinutes * 60_000;
    const span = endMs - startMs;
    if (span <= 0 || span % stepMs !== 0) {
        throw new PeriodError(
            `period ${periodId} in ${timeZone} lasts ${span / 60_000} minutes, not a whole number of ` +
                `${intervalMinutes}-minute slots; choose a shorter interval for this time zone`,
        );
    }
    return Object.freeze({
        periodId,
        timeZone,
        startMs,
        endMs,
        intervalMinutes,
        slotCount: span / stepMs,
    });
}

/**
 * Start of slot `i` (UTC epoch ms).
 * @throws {PeriodError} unless 0 ≤ i < slotCount.
 * @example
 * slotStartMs(periodSlots('2024-01'), 4); // Date.UTC(2024, 0, 1, 0, 0): 01:00 local
 */
export function slotStartMs(period: BillingPeriod, i: number): number {
    if (!Number.isInteger(i) || i < 0 || i >= period.slotCount) {
        throw new PeriodError(
            `slot ${i} is outside period ${period.periodId} (0 ≤ slot < ${period.slotCount})`,
        );
    }
    return period.startMs + i * period.intervalMinutes * 60_000;
}

/**
 * The slot that contains an instant.
 * @param ms - UTC epoch ms.
 * @returns slot index in [0, slotCount).
 * @throws {PeriodError} when the instant is outside the period.
 * @example
 * slotOfInstant(periodSlots('2024-01'), Date.UTC(2024, 0, 1, 0, 20)); // 5: 01:20 local lies in slot 5 (01:15–01:30)
 */
export function slotOfInstant(period: BillingPeriod, ms: number): number {
    if (!Number.isFinite(ms) || ms < period.startMs || ms >= period.endMs) {
        throw new PeriodError(
            `instant ${Number.isFinite(ms) ? new Date(ms).toISOString() : String(ms)} is outside period ` +
                `${period.periodId} (${new Date(period.startMs).toISOString()} – ${new Date(period.endMs).toISOString()})`,
        );
    }
    return Math.floor((ms - period.startMs) / (period.intervalMinutes * 60_000));
}

/**
 * Id of the period (local calendar month) that contains an instant.
 * @example
 * periodIdOfInstant(Date.UTC(2023, 11, 31, 23, 30)); // '2024-01' in Europe/Berlin
 */
export function periodIdOfInstant(ms: number, timeZone: string = DEFAULT_TIME_ZONE): string {
    assertTimeZone(timeZone);
    const w = wallClock(ms, timeZone);
    return formatPeriodId(w.year, w.month);
}

/**
 * Local wall-clock time at the start of every slot of a period (see {@link wallClockSeries}).
 * @returns an array of length slotCount.
 * @example
 * slotWallClocks(periodSlots('2024-03'))[8]; // 2024-03-01 02:00 local
 */
export function slotWallClocks(period: BillingPeriod): WallClock[] {
    return wallClockSeries(
        period.startMs,
        period.intervalMinutes * 60_000,
        period.slotCount,
        period.timeZone,
    );
}

/**
 * The billing period `periodId` on a meter's slot grid (its time zone and slot length): the one
 * place the contract and the roles turn a meter and a period id into slots.
 *
 * @throws {PeriodError} on a bad period id, time zone or slot length
 * @example
 * ```ts
 * meterPeriod({ timeZone: 'Europe/Berlin', slotMinutes: 15 }, '2024-03').slotCount; // 2972
 * ```
 */
export function meterPeriod(
    meter: { readonly timeZone: string; readonly slotMinutes: number },
    periodId: string,
): BillingPeriod {
    return periodSlots(periodId, meter.timeZone, meter.slotMinutes);
}
