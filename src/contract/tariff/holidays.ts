// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/holidays
 * German public holidays, computed (no table to update): the Easter-based movable feasts from the
 * Gregorian computus (Meeus/Jones/Butcher), the fixed national days, and the extra days of each
 * of the 16 states (Bundesländer). Used by zone tariffs ("holiday" zones) and by the BDEW
 * load-profile simulator (holidays count as Sundays).
 *
 * Rules as of 2025, valid from 1995 (the year Buß- und Bettag stopped being a holiday outside
 * Saxony):
 * - national: 1 Jan, Good Friday, Easter Monday, 1 May, Ascension, Whit Monday, 3 Oct, 25/26 Dec;
 *   Reformation Day 31 Oct 2017 (500th anniversary, one-off, all states);
 * - Epiphany 6 Jan: BW, BY, ST · Women's Day 8 Mar: BE from 2019, MV from 2023 ·
 *   Easter Sunday and Whit Sunday: BB, HE · Corpus Christi: BW, BY, HE, NW, RP, SL ·
 *   Assumption 15 Aug: SL · World Children's Day 20 Sep: TH from 2019 · Reformation Day 31 Oct:
 *   BB, MV, SN, ST, TH, and HB, HH, NI, SH from 2018 · All Saints' 1 Nov: BW, BY, NW, RP, SL ·
 *   Repentance and Prayer Day (Wednesday before 23 Nov): SN · Liberation Day 8 May 2020 and
 *   8 May 2025: BE (one-offs).
 * Not included, because they hold only in some municipalities, not state-wide: Assumption in
 * Bavaria's Catholic communities, the Augsburg Peace Festival (8 Aug), Corpus Christi in parts of
 * Saxony and Thuringia.
 */

import { PeriodError } from './errors.js';

/** ISO 3166-2:DE codes of the 16 German states. */
export type GermanState =
    | 'BW'
    | 'BY'
    | 'BE'
    | 'BB'
    | 'HB'
    | 'HH'
    | 'HE'
    | 'MV'
    | 'NI'
    | 'NW'
    | 'RP'
    | 'SL'
    | 'SN'
    | 'ST'
    | 'SH'
    | 'TH';

/** All state codes, in the official order. */
export const GERMAN_STATES: readonly GermanState[] = Object.freeze([
    'BW',
    'BY',
    'BE',
    'BB',
    'HB',
    'HH',
    'HE',
    'MV',
    'NI',
    'NW',
    'RP',
    'SL',
    'SN',
    'ST',
    'SH',
    'TH',
] as const);

/** Countries whose public holidays are computed (national holidays; German states too). */
export const HOLIDAY_COUNTRIES = Object.freeze(['DE', 'AT', 'FR'] as const);
export type HolidayCountry = (typeof HOLIDAY_COUNTRIES)[number];

/** Most dates in an explicit holiday list. */
export const MAX_HOLIDAY_DATES = 1000;

/**
 * Which holidays apply: a country's computed calendar (Germany optionally with a state; Austria
 * and France national), or an explicit list of local dates (`YYYY-MM-DD` in the tariff's zone) for
 * anywhere else — e.g. Queensland's gazetted days.
 */
export type HolidayCalendar =
    | {
          readonly country: 'DE';
          /** Without a state, only the national holidays apply. */
          readonly state?: GermanState;
      }
    | { readonly country: 'AT' | 'FR' }
    | { readonly dates: readonly string[] };

/** One public holiday. */
export interface PublicHoliday {
    /** `YYYY-MM-DD`. */
    readonly date: string;
    readonly month: number;
    readonly day: number;
    /** English name, German in parentheses. */
    readonly name: string;
}

/** First and last year the rules above are encoded for. */
export const HOLIDAY_YEAR_MIN = 1995;
export const HOLIDAY_YEAR_MAX = 2199;

/**
 * Easter Sunday of a Gregorian year (anonymous Gregorian algorithm, Meeus/Jones/Butcher).
 * @example
 * easterSunday(2024); // { month: 3, day: 31 }
 */
export function easterSunday(year: number): { month: number; day: number } {
    assertYear(year);
    const a = year % 19;
    const b = Math.floor(year / 100);
    const c = year % 100;
    const d = Math.floor(b / 4);
    const e = b % 4;
    const f = Math.floor((b + 8) / 25);
    const g = Math.floor((b - f + 1) / 3);
    const h = (19 * a + b - d - g + 15) % 30;
    const i = Math.floor(c / 4);
    const k = c % 4;
    const l = (32 + 2 * e + 2 * i - h - k) % 7;
    const m = Math.floor((a + 11 * h + 22 * l) / 451);
    const n = h + l - 7 * m + 114;
    return { month: Math.floor(n / 31), day: (n % 31) + 1 };
}

/**
 * All public holidays of a year in Germany or one German state, sorted by date.
 * @param year - {@link HOLIDAY_YEAR_MIN}–{@link HOLIDAY_YEAR_MAX}.
 * @param state - optional state code; without it, only national holidays.
 * @throws {PeriodError} for a year out of range or an unknown state.
 * @example
 * germanHolidays(2024, 'BY').length; // 12: 9 national + Epiphany, Corpus Christi, All Saints'
 */
export function germanHolidays(year: number, state?: GermanState): PublicHoliday[] {
    assertYear(year);
    if (state !== undefined && !GERMAN_STATES.includes(state)) {
        throw new PeriodError(
            `holidays.state: unknown German state ${JSON.stringify(state)}; use one of ${GERMAN_STATES.join(', ')}`,
        );
    }
    const { fixed, movable, list } = builder(year);
    const inState = (...states: GermanState[]): boolean =>
        state !== undefined && states.includes(state);

    fixed(1, 1, "New Year's Day (Neujahr)");
    movable(-2, 'Good Friday (Karfreitag)');
    movable(1, 'Easter Monday (Ostermontag)');
    fixed(5, 1, 'Labour Day (Tag der Arbeit)');
    movable(39, 'Ascension Day (Christi Himmelfahrt)');
    movable(50, 'Whit Monday (Pfingstmontag)');
    fixed(10, 3, 'German Unity Day (Tag der Deutschen Einheit)');
    fixed(12, 25, 'Christmas Day (1. Weihnachtstag)');
    fixed(12, 26, "St Stephen's Day (2. Weihnachtstag)");

    if (inState('BW', 'BY', 'ST')) fixed(1, 6, 'Epiphany (Heilige Drei Könige)');
    if ((inState('BE') && year >= 2019) || (inState('MV') && year >= 2023)) {
        fixed(3, 8, "International Women's Day (Internationaler Frauentag)");
    }
    if (inState('BB', 'HE')) {
        movable(0, 'Easter Sunday (Ostersonntag)');
        movable(49, 'Whit Sunday (Pfingstsonntag)');
    }
    if (inState('BE') && (year === 2020 || year === 2025))
        fixed(5, 8, 'Liberation Day (Tag der Befreiung)');
    if (inState('BW', 'BY', 'HE', 'NW', 'RP', 'SL')) movable(60, 'Corpus Christi (Fronleichnam)');
    if (inState('SL')) fixed(8, 15, 'Assumption Day (Mariä Himmelfahrt)');
    if (inState('TH') && year >= 2019) fixed(9, 20, "World Children's Day (Weltkindertag)");
    if (
        year === 2017 ||
        inState('BB', 'MV', 'SN', 'ST', 'TH') ||
        (inState('HB', 'HH', 'NI', 'SH') && year >= 2018)
    ) {
        fixed(10, 31, 'Reformation Day (Reformationstag)');
    }
    if (inState('BW', 'BY', 'NW', 'RP', 'SL')) fixed(11, 1, "All Saints' Day (Allerheiligen)");
    if (inState('SN')) {
        // The Wednesday before 23 November: between 16 and 22 November.
        const wd = new Date(Date.UTC(year, 10, 22)).getUTCDay(); // 0 = Sunday … 3 = Wednesday
        fixed(11, 22 - ((wd - 3 + 7) % 7), 'Repentance and Prayer Day (Buß- und Bettag)');
    }
    return sorted(list);
}

/**
 * A fast membership test for the holidays of one year.
 * @returns a function `(month, day) => boolean`.
 * @example
 * holidayLookup({ country: 'DE', state: 'BY' }, 2024)(1, 6); // true
 */
export function holidayLookup(
    calendar: HolidayCalendar,
    year: number,
): (month: number, day: number) => boolean {
    const set = new Set(holidaysOf(calendar, year).map((h) => h.month * 100 + h.day));
    return (month, day) => set.has(month * 100 + day);
}

/**
 * The public holidays of a calendar in one year, sorted by date.
 * @throws {PeriodError} for an unknown country, a year out of range, or a bad date in a list.
 * @example
 * holidaysOf({ country: 'AT' }, 2024).length; // 13
 * holidaysOf({ dates: ['2024-08-14'] }, 2024); // [{ date: '2024-08-14', … }]
 */
export function holidaysOf(calendar: HolidayCalendar, year: number): PublicHoliday[] {
    if ('dates' in calendar) {
        assertYear(year);
        return checkHolidayDates(calendar.dates)
            .filter((d) => d.startsWith(`${year}-`))
            .sort()
            .map((d) => holiday(year, Number(d.slice(5, 7)), Number(d.slice(8, 10)), 'listed'));
    }
    switch (calendar.country) {
        case 'DE':
            return germanHolidays(year, calendar.state);
        case 'AT':
            return austrianHolidays(year);
        case 'FR':
            return frenchHolidays(year);
        default:
            throw new PeriodError(
                `holidays.country: one of ${HOLIDAY_COUNTRIES.join(', ')} (or an explicit "dates" list), got ${JSON.stringify((calendar as { country: unknown }).country)}`,
            );
    }
}

/**
 * Validate an explicit holiday list: real calendar dates `YYYY-MM-DD` within the encoded years,
 * no repeats, at most {@link MAX_HOLIDAY_DATES}.
 * @throws {PeriodError} naming the first bad entry.
 */
export function checkHolidayDates(dates: readonly unknown[]): string[] {
    if (dates.length > MAX_HOLIDAY_DATES)
        throw new PeriodError(`holidays.dates: more than ${MAX_HOLIDAY_DATES} dates`);
    const seen = new Set<string>();
    return dates.map((d, i) => {
        const m = typeof d === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(d) : null;
        const [y, mo, da] =
            m === null ? [NaN, NaN, NaN] : [Number(m[1]), Number(m[2]), Number(m[3])];
        const t = new Date(Date.UTC(y, mo - 1, da));
        if (
            m === null ||
            t.getUTCFullYear() !== y ||
            t.getUTCMonth() !== mo - 1 ||
            t.getUTCDate() !== da ||
            y < HOLIDAY_YEAR_MIN ||
            y > HOLIDAY_YEAR_MAX
        )
            throw new PeriodError(
                `holidays.dates[${i}]: expected a date YYYY-MM-DD in ${HOLIDAY_YEAR_MIN}–${HOLIDAY_YEAR_MAX}, got ${JSON.stringify(d)}`,
            );
        const s = d as string;
        if (seen.has(s)) throw new PeriodError(`holidays.dates[${i}]: ${s} is listed twice`);
        seen.add(s);
        return s;
    });
}

/** Austria's national public holidays (Feiertagsruhegesetz). */
export function austrianHolidays(year: number): PublicHoliday[] {
    const { fixed, movable, list } = builder(year);
    fixed(1, 1, "New Year's Day (Neujahr)");
    fixed(1, 6, 'Epiphany (Heilige Drei Könige)');
    movable(1, 'Easter Monday (Ostermontag)');
    fixed(5, 1, 'Labour Day (Staatsfeiertag)');
    movable(39, 'Ascension Day (Christi Himmelfahrt)');
    movable(50, 'Whit Monday (Pfingstmontag)');
    movable(60, 'Corpus Christi (Fronleichnam)');
    fixed(8, 15, 'Assumption Day (Mariä Himmelfahrt)');
    fixed(10, 26, 'National Day (Nationalfeiertag)');
    fixed(11, 1, "All Saints' Day (Allerheiligen)");
    fixed(12, 8, 'Immaculate Conception (Mariä Empfängnis)');
    fixed(12, 25, 'Christmas Day (Christtag)');
    fixed(12, 26, "St Stephen's Day (Stefanitag)");
    return sorted(list);
}

/** France's national public holidays (Code du travail L3133-1; Alsace-Moselle extras not included). */
export function frenchHolidays(year: number): PublicHoliday[] {
    const { fixed, movable, list } = builder(year);
    fixed(1, 1, "New Year's Day (Jour de l'an)");
    movable(1, 'Easter Monday (Lundi de Pâques)');
    fixed(5, 1, 'Labour Day (Fête du Travail)');
    fixed(5, 8, 'Victory in Europe Day (Victoire 1945)');
    movable(39, 'Ascension Day (Ascension)');
    movable(50, 'Whit Monday (Lundi de Pentecôte)');
    fixed(7, 14, 'Bastille Day (Fête nationale)');
    fixed(8, 15, 'Assumption Day (Assomption)');
    fixed(11, 1, "All Saints' Day (Toussaint)");
    fixed(11, 11, 'Armistice Day (Armistice 1918)');
    fixed(12, 25, 'Christmas Day (Noël)');
    return sorted(list);
}

function builder(year: number): {
    list: PublicHoliday[];
    fixed: (month: number, day: number, name: string) => void;
    movable: (offsetDays: number, name: string) => void;
} {
    assertYear(year);
    const easter = easterSunday(year);
    const easterMs = Date.UTC(year, easter.month - 1, easter.day);
    const list: PublicHoliday[] = [];
    return {
        list,
        fixed: (month, day, name) => {
            list.push(holiday(year, month, day, name));
        },
        movable: (offsetDays, name) => {
            const d = new Date(easterMs + offsetDays * 86_400_000);
            list.push(holiday(year, d.getUTCMonth() + 1, d.getUTCDate(), name));
        },
    };
}

function sorted(list: PublicHoliday[]): PublicHoliday[] {
    return list.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
}

/**
 * Whether a local calendar date is a public holiday.
 * @example
 * isPublicHoliday({ country: 'DE', state: 'BE' }, 2024, 3, 8); // true
 */
export function isPublicHoliday(
    calendar: HolidayCalendar,
    year: number,
    month: number,
    day: number,
): boolean {
    return holidayLookup(calendar, year)(month, day);
}

function holiday(year: number, month: number, day: number, name: string): PublicHoliday {
    const date = `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
    return Object.freeze({ date, month, day, name });
}

function assertYear(year: number): void {
    if (!Number.isInteger(year) || year < HOLIDAY_YEAR_MIN || year > HOLIDAY_YEAR_MAX) {
        throw new PeriodError(
            `holiday year ${year} is outside ${HOLIDAY_YEAR_MIN}–${HOLIDAY_YEAR_MAX}, the range the rules are encoded for`,
        );
    }
}
