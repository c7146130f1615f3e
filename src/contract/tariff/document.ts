// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/document
 * Tariff documents, format `femeter-tariff/1` (DESIGN.md §3, §4 step 3): the JSON a provider
 * publishes and a customer accepts, from which the weight vector y of every billing period is
 * derived deterministically (see weights.ts). {@link parseTariff} validates a parsed JSON value
 * strictly: unknown fields are refused, strings are bounded (≤ 128 characters), integers lie in
 * [−2^31, 2^31 − 1], zones are at most 64. Canonical serialization and the document digest belong
 * to the contract layer, not here.
 *
 * Common fields: `format` ("femeter-tariff/1"), `id`, `version` (integer ≥ 1), `name`,
 * `provider`, `timeZone` (IANA), `currencyUnit` ("µEUR" | "nEUR", see units.ts), `holidays`
 * ({ country: "DE", state? } | { country: "AT" | "FR" } | { dates: ["YYYY-MM-DD", …] } — local dates
 * in `timeZone`, for calendars not computed here; required for zones), `kind`:
 * - `flat`: `price`, one integer price per Wh for every slot.
 * - `zones`: `defaultPrice` and `zones` [{ name, price, days, from, to }]. A slot takes the price
 *   of the first zone that matches its local start time, else `defaultPrice`. `days` lists
 *   "mon" … "sun" and "holiday"; `from`/`to` are local "HH:MM" wall-clock times, `from` inclusive,
 *   `to` exclusive, `to` may be "24:00"; `from` > `to` wraps past midnight (22:00–06:00 covers
 *   both ends of the same calendar day; the day test uses the slot's own local date).
 *   Holiday rule: on a public holiday (of `holidays`) a slot matches a zone whose days contain
 *   "holiday" or "sun", and never its calendar weekday: holidays are priced like Sundays unless an
 *   earlier zone names "holiday". On other days "holiday" in `days` has no effect.
 * - `indexed` (dynamic tariff, §41a EnWG): `series` (id of the index series), `markup`,
 *   `factorNum`, `factorDen` (≥ 1), `rounding`. Weight of slot i, p_i the series price in ct/MWh:
 *   y_i = round(p_i · factorNum/factorDen · c) + markup, with c the exact unit conversion of
 *   units.ts (1/100 for µEUR, 10 for nEUR) and `round` the named mode of rounding.ts.
 */

import { TariffDocumentError } from './errors.js';
import {
    checkHolidayDates,
    GERMAN_STATES,
    HOLIDAY_COUNTRIES,
    type GermanState,
    type HolidayCalendar,
} from './holidays.js';
import { assertTimeZone } from './localtime.js';
import { ROUNDING_MODES, type RoundingMode } from './rounding.js';
import { DOCUMENT_ID_RE } from './ids.js';
import { isCurrencyUnit, type CurrencyUnit } from './units.js';

/** The one supported document format. */
export const TARIFF_FORMAT = 'femeter-tariff/1';
/** Bounds of the document. */
export const MAX_ZONES = 64;
export const MAX_STRING_LENGTH = 128;
export const INT32_MIN = -(2 ** 31);
export const INT32_MAX = 2 ** 31 - 1;

/** Calendar weekdays as zone days. */
export type DayName = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';
/** A zone day: a weekday or "holiday". */
export type ZoneDay = DayName | 'holiday';
/** Zone days in weekday order (ISO weekday n is `ZONE_DAYS[n - 1]`), then "holiday". */
export const ZONE_DAYS: readonly ZoneDay[] = Object.freeze([
    'mon',
    'tue',
    'wed',
    'thu',
    'fri',
    'sat',
    'sun',
    'holiday',
] as const);

/** Fields every tariff has. */
export interface TariffCommon {
    readonly format: typeof TARIFF_FORMAT;
    readonly id: string;
    readonly version: number;
    readonly name: string;
    readonly provider: string;
    readonly timeZone: string;
    readonly currencyUnit: CurrencyUnit;
    readonly holidays?: HolidayCalendar;
}

/** One price for every slot. */
export interface FlatTariff extends TariffCommon {
    readonly kind: 'flat';
    /** Price per Wh in `currencyUnit`. */
    readonly price: number;
}

/** One time-of-use zone. */
export interface TariffZone {
    readonly name: string;
    /** Price per Wh in `currencyUnit`. */
    readonly price: number;
    readonly days: readonly ZoneDay[];
    /** Local start "HH:MM", inclusive. */
    readonly from: string;
    /** Local end "HH:MM", exclusive; "24:00" is midnight at the end of the day. */
    readonly to: string;
}

/** Time-of-use zones by weekday, holiday and time of day. */
export interface ZonesTariff extends TariffCommon {
    readonly kind: 'zones';
    readonly holidays: HolidayCalendar;
    readonly defaultPrice: number;
    readonly zones: readonly TariffZone[];
}

/** Weights follow a public price index (§41a EnWG dynamic tariff). */
export interface IndexedTariff extends TariffCommon {
    readonly kind: 'indexed';
    /** Id of the price series the weights follow. */
    readonly series: string;
    /** Added to every weight after rounding, in `currencyUnit` per Wh (grid fees, levies, margin). */
    readonly markup: number;
    /** Multiplier on the index price (e.g. 119/100 for VAT), numerator ≥ 1. */
    readonly factorNum: number;
    /** Multiplier denominator ≥ 1. */
    readonly factorDen: number;
    readonly rounding: RoundingMode;
}

/** A validated tariff document. */
export type Tariff = FlatTariff | ZonesTariff | IndexedTariff;

const COMMON_REQUIRED = [
    'format',
    'id',
    'version',
    'name',
    'provider',
    'timeZone',
    'currencyUnit',
    'kind',
] as const;
const KIND_FIELDS: Readonly<
    Record<Tariff['kind'], { required: readonly string[]; optional: readonly string[] }>
> = {
    flat: { required: ['price'], optional: ['holidays'] },
    zones: { required: ['holidays', 'defaultPrice', 'zones'], optional: [] },
    indexed: {
        required: ['series', 'markup', 'factorNum', 'factorDen', 'rounding'],
        optional: ['holidays'],
    },
};
const HHMM_RE = /^([01]\d|2[0-3]):([0-5]\d)$/;
// Control characters (C0, DEL, C1) and lone surrogates are refused in free text.
// eslint-disable-next-line no-control-regex -- control characters are what this refuses
const BAD_TEXT_RE = /[\u0000-\u001f\u007f-\u009f]|\p{Cs}/u;

/**
 * Validates a parsed JSON value as a tariff document.
 * @param json - the value of `JSON.parse(text)` (not the text itself).
 * @returns a frozen, typed tariff containing exactly the validated fields.
 * @throws {TariffDocumentError} naming the first offending field (`field`) and what to write instead.
 * @example
 * const t = parseTariff({
 *     format: 'femeter-tariff/1', id: 'acme-flat', version: 1, name: 'ACME Flat', provider: 'acme',
 *     timeZone: 'Europe/Berlin', currencyUnit: 'µEUR', kind: 'flat', price: 300,
 * });
 * t.kind; // 'flat'
 */
export function parseTariff(json: unknown): Tariff {
    if (typeof json === 'string') {
        throw new TariffDocumentError(
            '$',
            'expected the parsed JSON object, got a string; call JSON.parse first',
        );
    }
    const doc = expectObject(json, '$');
    const kind = doc.kind;
    if (kind !== 'flat' && kind !== 'zones' && kind !== 'indexed') {
        throw new TariffDocumentError(
            'kind',
            `expected "flat", "zones" or "indexed", got ${show(kind)}`,
        );
    }
    const spec = KIND_FIELDS[kind];
    checkKeys(doc, '$', [...COMMON_REQUIRED, ...spec.required], spec.optional);

    if (doc.format !== TARIFF_FORMAT) {
        throw new TariffDocumentError(
            'format',
            `expected "${TARIFF_FORMAT}", got ${show(doc.format)}; this software reads only that format`,
        );
    }
    const common = {
        format: TARIFF_FORMAT,
        id: expectId(doc.id, 'id'),
        version: expectInt(doc.version, 'version', 1, INT32_MAX),
        name: expectText(doc.name, 'name'),
        provider: expectId(doc.provider, 'provider'),
        timeZone: expectTimeZone(doc.timeZone, 'timeZone'),
        currencyUnit: expectCurrencyUnit(doc.currencyUnit, 'currencyUnit'),
    } as const;
    const holidays =
        doc.holidays === undefined ? undefined : expectHolidays(doc.holidays, 'holidays');
    const withHolidays = holidays === undefined ? {} : { holidays };

    switch (kind) {
        case 'flat':
            return deepFreeze<FlatTariff>({
                ...common,
                ...withHolidays,
                kind,
                price: expectInt(doc.price, 'price', INT32_MIN, INT32_MAX),
            });
        case 'zones': {
            if (holidays === undefined)
                throw new TariffDocumentError('holidays', 'required for zone tariffs');
            return deepFreeze<ZonesTariff>({
                ...common,
                holidays,
                kind,
                defaultPrice: expectInt(doc.defaultPrice, 'defaultPrice', INT32_MIN, INT32_MAX),
                zones: expectZones(doc.zones, 'zones'),
            });
        }
        case 'indexed':
            return deepFreeze<IndexedTariff>({
                ...common,
                ...withHolidays,
                kind,
                series: expectId(doc.series, 'series'),
                markup: expectInt(doc.markup, 'markup', INT32_MIN, INT32_MAX),
                factorNum: expectInt(doc.factorNum, 'factorNum', 1, INT32_MAX),
                factorDen: expectInt(doc.factorDen, 'factorDen', 1, INT32_MAX),
                rounding: expectRounding(doc.rounding, 'rounding'),
            });
    }
}

/**
 * Minutes since local midnight of a zone time "HH:MM" (0–1440; "24:00" is 1440).
 * @throws {TariffDocumentError} for a malformed time.
 * @example
 * zoneMinutes('06:30'); // 390
 */
export function zoneMinutes(hhmm: string, field = 'time'): number {
    if (hhmm === '24:00') return 1440;
    const m = HHMM_RE.exec(hhmm);
    if (m === null)
        throw new TariffDocumentError(field, `expected "HH:MM" (00:00–23:59), got ${show(hhmm)}`);
    return Number(m[1]) * 60 + Number(m[2]);
}

function expectZones(value: unknown, path: string): TariffZone[] {
    if (!Array.isArray(value)) throw new TariffDocumentError(path, 'expected an array of zones');
    if (value.length === 0) {
        throw new TariffDocumentError(
            path,
            'expected at least one zone; a tariff without zones is kind "flat"',
        );
    }
    if (value.length > MAX_ZONES) {
        throw new TariffDocumentError(
            path,
            `at most ${MAX_ZONES} zones are allowed, got ${value.length}`,
        );
    }
    const names = new Set<string>();
    return value.map((z: unknown, i): TariffZone => {
        const p = `${path}[${i}]`;
        const zone = expectObject(z, p);
        checkKeys(zone, p, ['name', 'price', 'days', 'from', 'to'], []);
        const name = expectText(zone.name, `${p}.name`);
        if (names.has(name))
            throw new TariffDocumentError(
                `${p}.name`,
                `duplicate zone name ${show(name)}; give every zone its own name`,
            );
        names.add(name);
        const from = expectString(zone.from, `${p}.from`, 5);
        if (!HHMM_RE.test(from)) {
            throw new TariffDocumentError(
                `${p}.from`,
                `expected "HH:MM" (00:00–23:59), got ${show(from)}`,
            );
        }
        const to = expectString(zone.to, `${p}.to`, 5);
        if (to === '00:00') {
            throw new TariffDocumentError(
                `${p}.to`,
                'write midnight at the end of a day as "24:00", not "00:00"',
            );
        }
        if (to !== '24:00' && !HHMM_RE.test(to)) {
            throw new TariffDocumentError(
                `${p}.to`,
                `expected "HH:MM" (00:01–24:00), got ${show(to)}`,
            );
        }
        if (from === to) {
            throw new TariffDocumentError(
                `${p}.to`,
                `equals "from" (${from}); a whole day is "00:00" to "24:00"`,
            );
        }
        return {
            name,
            price: expectInt(zone.price, `${p}.price`, INT32_MIN, INT32_MAX),
            days: expectDays(zone.days, `${p}.days`),
            from,
            to,
        };
    });
}

function expectDays(value: unknown, path: string): ZoneDay[] {
    if (!Array.isArray(value) || value.length === 0 || value.length > ZONE_DAYS.length) {
        throw new TariffDocumentError(
            path,
            `expected a non-empty array of distinct days from ${ZONE_DAYS.join(', ')}`,
        );
    }
    const seen = new Set<string>();
    return value.map((d: unknown, i): ZoneDay => {
        if (typeof d !== 'string' || !(ZONE_DAYS as readonly string[]).includes(d)) {
            throw new TariffDocumentError(
                `${path}[${i}]`,
                `expected one of ${ZONE_DAYS.join(', ')}, got ${show(d)}`,
            );
        }
        if (seen.has(d)) throw new TariffDocumentError(`${path}[${i}]`, `duplicate day "${d}"`);
        seen.add(d);
        return d as ZoneDay;
    });
}

function expectHolidays(value: unknown, path: string): HolidayCalendar {
    const h = expectObject(value, path);
    if ('dates' in h) {
        checkKeys(h, path, ['dates'], []);
        if (!Array.isArray(h.dates) || h.dates.length === 0)
            throw new TariffDocumentError(
                `${path}.dates`,
                'expected a non-empty list of local dates "YYYY-MM-DD"',
            );
        try {
            return { dates: Object.freeze(checkHolidayDates(h.dates as unknown[])) };
        } catch (e) {
            throw new TariffDocumentError(`${path}.dates`, (e as Error).message);
        }
    }
    checkKeys(h, path, ['country'], ['state']);
    if (h.country === 'AT' || h.country === 'FR') {
        if (h.state !== undefined)
            throw new TariffDocumentError(
                `${path}.state`,
                `regions are known for DE only; list ${h.country} regional days with "dates"`,
            );
        return { country: h.country };
    }
    if (h.country !== 'DE') {
        throw new TariffDocumentError(
            `${path}.country`,
            `expected one of ${HOLIDAY_COUNTRIES.join(', ')}, got ${show(h.country)}; elsewhere give the days as { "dates": ["YYYY-MM-DD", …] }`,
        );
    }
    if (h.state === undefined) return { country: 'DE' };
    if (typeof h.state !== 'string' || !(GERMAN_STATES as readonly string[]).includes(h.state)) {
        throw new TariffDocumentError(
            `${path}.state`,
            `expected a state code (${GERMAN_STATES.join(', ')}), got ${show(h.state)}`,
        );
    }
    return { country: 'DE', state: h.state as GermanState };
}

function expectCurrencyUnit(value: unknown, path: string): CurrencyUnit {
    if (isCurrencyUnit(value)) return value;
    const hint =
        value === '\u03bcEUR' || value === 'uEUR'
            ? ' (write the MICRO SIGN U+00B5, "\u00b5EUR")'
            : '';
    throw new TariffDocumentError(
        path,
        `expected "\u00b5EUR" or "nEUR", got ${show(value)}${hint}`,
    );
}

function expectRounding(value: unknown, path: string): RoundingMode {
    if (typeof value === 'string' && (ROUNDING_MODES as readonly string[]).includes(value))
        return value as RoundingMode;
    throw new TariffDocumentError(
        path,
        `expected one of ${ROUNDING_MODES.join(', ')}, got ${show(value)}`,
    );
}

function expectTimeZone(value: unknown, path: string): string {
    const tz = expectString(value, path, MAX_STRING_LENGTH);
    try {
        return assertTimeZone(tz, path);
    } catch (e) {
        const detail = e instanceof Error ? e.message.replace(/^timeZone: /, '') : '';
        throw new TariffDocumentError(path, `${show(tz)} is not usable: ${detail}`);
    }
}

function expectId(value: unknown, path: string): string {
    const s = expectString(value, path, MAX_STRING_LENGTH);
    if (!DOCUMENT_ID_RE.test(s)) {
        throw new TariffDocumentError(
            path,
            `expected an id of letters, digits and . _ : / - starting with a letter or digit, got ${show(s)}`,
        );
    }
    return s;
}

function expectText(value: unknown, path: string): string {
    const s = expectString(value, path, MAX_STRING_LENGTH);
    if (s.trim().length === 0) throw new TariffDocumentError(path, 'must not be empty');
    if (BAD_TEXT_RE.test(s))
        throw new TariffDocumentError(
            path,
            'contains a control character or an unpaired surrogate',
        );
    return s;
}

function expectString(value: unknown, path: string, max: number): string {
    if (typeof value !== 'string')
        throw new TariffDocumentError(path, `expected a string, got ${show(value)}`);
    if (value.length > max)
        throw new TariffDocumentError(
            path,
            `at most ${max} characters are allowed, got ${value.length}`,
        );
    return value;
}

function expectInt(value: unknown, path: string, min: number, max: number): number {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
        throw new TariffDocumentError(path, `expected an integer, got ${show(value)}`);
    }
    if (value < min || value > max)
        throw new TariffDocumentError(path, `must be in [${min}, ${max}], got ${value}`);
    return value === 0 ? 0 : value; // no -0
}

function expectObject(value: unknown, path: string): Record<string, unknown> {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        throw new TariffDocumentError(path, `expected a JSON object, got ${show(value)}`);
    }
    const proto: unknown = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
        throw new TariffDocumentError(path, 'expected a plain JSON object');
    }
    return value as Record<string, unknown>;
}

function checkKeys(
    obj: Record<string, unknown>,
    path: string,
    required: readonly string[],
    optional: readonly string[],
): void {
    const prefix = path === '$' ? '' : `${path}.`;
    for (const key of Object.keys(obj)) {
        if (!required.includes(key) && !optional.includes(key)) {
            const shown = key.length > 40 ? `${key.slice(0, 40)}…` : key;
            throw new TariffDocumentError(
                `${prefix}${shown}`,
                `unknown field; allowed here: ${[...required, ...optional].join(', ')}`,
            );
        }
    }
    for (const key of required) {
        if (obj[key] === undefined)
            throw new TariffDocumentError(`${prefix}${key}`, 'required field is missing');
    }
}

function show(value: unknown): string {
    if (typeof value === 'string')
        return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
    if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
        return String(value);
    if (value === null) return 'null';
    if (Array.isArray(value)) return 'an array';
    return typeof value === 'object' ? 'an object' : typeof value;
}

function deepFreeze<T>(value: T): T {
    if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
        for (const v of Object.values(value)) deepFreeze(v);
        Object.freeze(value);
    }
    return value;
}
