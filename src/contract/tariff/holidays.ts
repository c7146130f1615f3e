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

/** Which holidays apply: the country (only Germany so far) and optionally a state. */
export interface HolidayCalendar {
    readonly country: 'DE';
    /** Without a state, only the national holidays apply. */
    readonly state?: GermanState;
}

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
    const easter = easterSunday(year);
    const easterMs = Date.UTC(year, easter.month - 1, easter.day);
    const list: PublicHoliday[] = [];
    const fixed = (month: number, day: number, name: string): void => {
        list.push(holiday(year, month, day, name));
    };
    const movable = (offsetDays: number, name: string): void => {
        const d = new Date(easterMs + offsetDays * 86_400_000);
        list.push(holiday(year, d.getUTCMonth() + 1, d.getUTCDate(), name));
    };
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
    list.sort((x, y) => (x.date < y.date ? -1 : x.date > y.date ? 1 : 0));
    return list;
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
    if ((calendar.country as string) !== 'DE') {
        throw new PeriodError(
            `holidays.country: only "DE" is supported, got ${JSON.stringify(calendar.country)}`,
        );
    }
    const set = new Set(germanHolidays(year, calendar.state).map((h) => h.month * 100 + h.day));
    return (month, day) => set.has(month * 100 + day);
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
