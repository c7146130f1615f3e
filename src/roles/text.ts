// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/text
 * Reading values out of text files the roles ingest (price files, meter CSV exports): ISO 8601
 * instants, and quoting an offending field in an error message. One home for both so every input
 * format parses and reports the same way.
 */

/** `YYYY-MM-DDTHH:MM[:SS[.fff]](Z|±HH:MM)` */
const ISO_INSTANT_RE =
    /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?(Z|([+-])(\d{2}):(\d{2}))$/;

/** Which ISO 8601 forms {@link parseIsoInstant} accepts (default: all of them). */
export interface IsoInstantOptions {
    /** Only `Z` (no numeric offset). */
    readonly utcOnly?: boolean;
    /** Seconds must be written. */
    readonly requireSeconds?: boolean;
    /** Fractions of a second (up to milliseconds) may be written (default true). */
    readonly fraction?: boolean;
}

/** Why a field is not an instant: not the form asked for, not a calendar date/time, offset out of range. */
export type IsoInstantFailure = 'format' | 'date' | 'offset';

/**
 * Epoch milliseconds of an ISO 8601 instant with an explicit offset, or why it is not one.
 * Dates and times are checked (no 31 February, no 24:00), offsets are at most ±18:59.
 *
 * @example
 * ```ts
 * parseIsoInstant('2024-03-31T03:15:00+02:00'); // 1711847700000
 * parseIsoInstant('2024-03-31T03:15Z', { requireSeconds: true }); // 'format'
 * parseIsoInstant('2023-02-29T00:00:00Z'); // 'date'
 * ```
 */
export function parseIsoInstant(
    field: string,
    options: Readonly<IsoInstantOptions> = {},
): number | IsoInstantFailure {
    const m = ISO_INSTANT_RE.exec(field);
    if (m === null) return 'format';
    if (options.utcOnly === true && m[8] !== 'Z') return 'format';
    if (options.requireSeconds === true && m[6] === undefined) return 'format';
    if (options.fraction === false && m[7] !== undefined) return 'format';
    const [year, month, day, hour, minute] = [m[1], m[2], m[3], m[4], m[5]].map(Number) as [
        number,
        number,
        number,
        number,
        number,
    ];
    const second = Number(m[6] ?? '0');
    const milli = Number((m[7] ?? '').padEnd(3, '0'));
    const local = Date.UTC(year, month - 1, day, hour, minute, second, milli);
    const d = new Date(local);
    if (
        d.getUTCFullYear() !== year ||
        d.getUTCMonth() !== month - 1 ||
        d.getUTCDate() !== day ||
        d.getUTCHours() !== hour ||
        d.getUTCMinutes() !== minute ||
        d.getUTCSeconds() !== second
    )
        return 'date';
    let offsetMin = 0;
    if (m[8] !== 'Z') {
        const oh = Number(m[10]);
        const om = Number(m[11]);
        if (oh > 18 || om > 59) return 'offset';
        offsetMin = (m[9] === '-' ? -1 : 1) * (oh * 60 + om);
    }
    return local - offsetMin * 60_000;
}

/**
 * A field from a file, quoted for an error message and cut to `max` characters.
 *
 * @example
 * ```ts
 * throw new Error(`timestamp ${quoteField(field, 40)} is not a valid date and time`);
 * ```
 */
export function quoteField(s: string, max: number): string {
    return JSON.stringify(s.length > max ? `${s.slice(0, max)}…` : s);
}
