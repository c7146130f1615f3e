// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/localtime
 * Wall-clock time in an IANA time zone, computed with `Intl.DateTimeFormat` only (no dependency,
 * no node: module): UTC instant → local date and time, and local date → first UTC instant of that
 * day. Used to cut billing periods at local midnight and to map each slot to its local wall-clock
 * time, DST days included.
 *
 * Determinism: the result depends on the time-zone database of the JavaScript engine (ICU). All
 * endorsers of a Fabric channel and the customer's browser must agree on the rules of the periods
 * they bill; rules of past and near-future periods are stable in every tzdata release.
 */

import { PeriodError } from './errors.js';

/** Local calendar date and wall-clock time of an instant. */
export interface WallClock {
    /** Four-digit year. */
    readonly year: number;
    /** Month 1–12. */
    readonly month: number;
    /** Day of month 1–31. */
    readonly day: number;
    /** Hour 0–23. */
    readonly hour: number;
    /** Minute 0–59. */
    readonly minute: number;
    /** Second 0–59. */
    readonly second: number;
    /** ISO weekday: 1 = Monday … 7 = Sunday. */
    readonly weekday: number;
    /** Offset of local time from UTC at this instant, in minutes (e.g. 60 for CET, 120 for CEST). */
    readonly offsetMinutes: number;
}

const MS_PER_MINUTE = 60_000;
const MS_PER_DAY = 86_400_000;
/** Spacing of offset samples in {@link wallClockSeries}: closer than any two transitions of a zone. */
const SAMPLE_MS = 6 * 3_600_000;
/** Upper bound on cached formatters: one per distinct time zone; tzdata has about 600 names. */
const MAX_CACHED_ZONES = 1024;
/** IANA names: `Area/Location[/Sub]`, or `UTC`/`Etc/...`. Checked before Intl sees the string. */
const TIME_ZONE_RE = /^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+){0,2}$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

/**
 * Checks that `timeZone` is an IANA time-zone name the engine knows.
 * @param timeZone - e.g. `Europe/Berlin`.
 * @param field - name used in the error message.
 * @returns the same string.
 * @throws {PeriodError} when the name is malformed or unknown.
 * @example
 * assertTimeZone('Europe/Berlin'); // 'Europe/Berlin'
 */
export function assertTimeZone(timeZone: unknown, field = 'timeZone'): string {
    if (typeof timeZone !== 'string' || timeZone.length > 64 || !TIME_ZONE_RE.test(timeZone)) {
        throw new PeriodError(
            `${field}: expected an IANA time-zone name such as "Europe/Berlin", got ${describe(timeZone)}`,
        );
    }
    const resolved = formatterFor(timeZone, field).resolvedOptions().timeZone;
    // Intl accepts any letter case; the rest of femeter compares names as strings, so refuse a
    // spelling that differs from the engine's only in case.
    if (resolved !== timeZone && resolved.toLowerCase() === timeZone.toLowerCase()) {
        formatters.delete(timeZone);
        throw new PeriodError(`${field}: write the time zone as "${resolved}", not "${timeZone}"`);
    }
    return timeZone;
}

function formatterFor(timeZone: string, field = 'timeZone'): Intl.DateTimeFormat {
    let f = formatters.get(timeZone);
    if (f === undefined) {
        try {
            f = new Intl.DateTimeFormat('en-US', {
                timeZone,
                hourCycle: 'h23',
                year: 'numeric',
                month: '2-digit',
                day: '2-digit',
                hour: '2-digit',
                minute: '2-digit',
                second: '2-digit',
            });
        } catch (cause) {
            throw new PeriodError(
                `${field}: the time zone "${timeZone}" is unknown to this JavaScript engine; use an IANA name ` +
                    `such as "Europe/Berlin"`,
                { cause },
            );
        }
        if (formatters.size >= MAX_CACHED_ZONES) formatters.clear();
        formatters.set(timeZone, f);
    }
    return f;
}

/**
 * Local wall-clock time of a UTC instant.
 * @param ms - UTC epoch milliseconds (a safe integer).
 * @param timeZone - IANA time-zone name.
 * @returns the local date, time, ISO weekday and UTC offset.
 * @throws {PeriodError} for an unknown time zone or a non-integer instant.
 * @example
 * wallClock(Date.UTC(2024, 2, 31, 1, 0), 'Europe/Berlin'); // 2024-03-31 03:00, offsetMinutes 120
 */
export function wallClock(ms: number, timeZone: string): WallClock {
    if (!Number.isSafeInteger(ms))
        throw new PeriodError(`instant: expected integer epoch milliseconds, got ${ms}`);
    const parts = formatterFor(timeZone).formatToParts(ms);
    let year = NaN;
    let month = NaN;
    let day = NaN;
    let hour = NaN;
    let minute = NaN;
    let second = NaN;
    for (const p of parts) {
        switch (p.type) {
            case 'year':
                year = Number(p.value);
                break;
            case 'month':
                month = Number(p.value);
                break;
            case 'day':
                day = Number(p.value);
                break;
            case 'hour':
                hour = Number(p.value) % 24; // some engines print midnight as 24 despite h23
                break;
            case 'minute':
                minute = Number(p.value);
                break;
            case 'second':
                second = Number(p.value);
                break;
            default:
                break;
        }
    }
    if (![year, month, day, hour, minute, second].every(Number.isInteger)) {
        throw new PeriodError(
            `cannot read the local time of ${ms} in ${timeZone} from Intl.DateTimeFormat`,
        );
    }
    const localMs = Date.UTC(year, month - 1, day, hour, minute, second);
    const wholeSecondMs = Math.floor(ms / 1000) * 1000;
    return {
        year,
        month,
        day,
        hour,
        minute,
        second,
        weekday: isoWeekday(year, month, day),
        offsetMinutes: Math.round((localMs - wholeSecondMs) / MS_PER_MINUTE),
    };
}

/**
 * Wall clock of an instant whose UTC offset is already known: pure date arithmetic, no Intl call.
 * @param ms - UTC epoch milliseconds.
 * @param offsetMinutes - offset of local time from UTC at `ms`.
 * @example
 * wallClockAtOffset(Date.UTC(2024, 2, 31, 1, 0), 120).hour; // 3
 */
export function wallClockAtOffset(ms: number, offsetMinutes: number): WallClock {
    const d = new Date(ms + offsetMinutes * MS_PER_MINUTE);
    const js = d.getUTCDay();
    return {
        year: d.getUTCFullYear(),
        month: d.getUTCMonth() + 1,
        day: d.getUTCDate(),
        hour: d.getUTCHours(),
        minute: d.getUTCMinutes(),
        second: d.getUTCSeconds(),
        weekday: js === 0 ? 7 : js,
        offsetMinutes,
    };
}

/**
 * Wall clocks of the instants start + i·step, i = 0 … count−1, with few Intl calls: the UTC offset
 * is sampled every 6 hours and each change is located by bisection, so a month of 15-minute slots
 * costs about 130 Intl calls instead of 2976. Assumes no two offset changes of the zone lie within
 * 6 hours of each other (true of every tzdata zone in the periods femeter bills); a test compares
 * the result with one Intl call per instant.
 * @returns an array of length count.
 * @example
 * wallClockSeries(Date.UTC(2024, 2, 30, 23), 900_000, 96, 'Europe/Berlin')[8].hour; // 3 (31 March)
 */
export function wallClockSeries(
    start: number,
    step: number,
    count: number,
    timeZone: string,
): WallClock[] {
    const out = new Array<WallClock>(count);
    if (count <= 0) return out;
    const offsetAt = (i: number): number => wallClock(start + i * step, timeZone).offsetMinutes;
    const stride = Math.max(1, Math.floor(SAMPLE_MS / step));
    // Segments (i0, i1] share their endpoints, so each offset sample is taken once and a change
    // exactly at a sample point is seen by the segment that ends there.
    let i0 = 0;
    let o0 = offsetAt(0);
    out[0] = wallClockAtOffset(start, o0);
    while (i0 < count - 1) {
        const i1 = Math.min(count - 1, i0 + stride);
        const o1 = offsetAt(i1);
        let change = i1 + 1; // first index with offset o1 when o1 differs from o0
        if (o1 !== o0) {
            let lo = i0; // offset o0
            let hi = i1; // offset o1
            while (hi - lo > 1) {
                const mid = lo + Math.floor((hi - lo) / 2);
                if (offsetAt(mid) === o0) lo = mid;
                else hi = mid;
            }
            change = hi;
        }
        for (let i = i0 + 1; i <= i1; i++)
            out[i] = wallClockAtOffset(start + i * step, i < change ? o0 : o1);
        i0 = i1;
        o0 = o1;
    }
    return out;
}

/**
 * ISO weekday of a proleptic Gregorian date.
 * @returns 1 = Monday … 7 = Sunday.
 * @example
 * isoWeekday(2024, 1, 1); // 1 (Monday)
 */
export function isoWeekday(year: number, month: number, day: number): number {
    const d = new Date(Date.UTC(2000, 0, 1));
    d.setUTCFullYear(year, month - 1, day); // setUTCFullYear keeps years 0–99 literal
    const js = d.getUTCDay(); // 0 = Sunday
    return js === 0 ? 7 : js;
}

/** Local wall-clock time of `ms` expressed as if it were UTC (ms since epoch of the local clock). */
function localMsOf(ms: number, timeZone: string): number {
    const w = wallClock(ms, timeZone);
    return (
        Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) +
        (ms - Math.floor(ms / 1000) * 1000)
    );
}

/**
 * First UTC instant whose local date is `year-month-day` or later: local midnight, or, where a
 * time zone skips midnight (a DST gap at 00:00), the instant the clock jumps past it. Where
 * midnight occurs twice, the first occurrence.
 * @returns UTC epoch milliseconds.
 * @throws {PeriodError} for an unknown time zone.
 * @example
 * startOfLocalDay(2024, 3, 1, 'Europe/Berlin'); // Date.UTC(2024, 1, 29, 23, 0)
 */
export function startOfLocalDay(
    year: number,
    month: number,
    day: number,
    timeZone: string,
): number {
    const target = Date.UTC(year, month - 1, day, 0, 0, 0);
    // Offsets on both sides of any transition near the target: a candidate t = target - offset is
    // right when its own wall clock reads the target.
    const offsets = new Set<number>();
    for (const probe of [target - 2 * MS_PER_DAY, target, target + 2 * MS_PER_DAY]) {
        offsets.add(localMsOf(probe, timeZone) - probe);
    }
    let best: number | undefined;
    for (const off of offsets) {
        const t = target - off;
        if (localMsOf(t, timeZone) === target && (best === undefined || t < best)) best = t;
    }
    if (best !== undefined) return best;
    // Midnight is skipped: binary-search the transition instant, the first t whose wall clock is
    // at or past the target. Between min and max offset there is exactly one such jump.
    const sorted = [...offsets].sort((a, b) => a - b);
    let lo = target - (sorted[sorted.length - 1] ?? 0); // wall clock before the target
    let hi = target - (sorted[0] ?? 0); // wall clock past the target
    if (localMsOf(hi, timeZone) < target) {
        throw new PeriodError(`cannot find the start of ${year}-${month}-${day} in ${timeZone}`);
    }
    while (hi - lo > 1) {
        const mid = lo + Math.floor((hi - lo) / 2);
        if (localMsOf(mid, timeZone) >= target) hi = mid;
        else lo = mid;
    }
    return hi;
}

function describe(value: unknown): string {
    if (typeof value === 'string')
        return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    if (value === null) return 'null';
    return typeof value;
}
