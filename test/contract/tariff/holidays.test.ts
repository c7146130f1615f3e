// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of German public holidays against hand-written lists for 2023 and 2024 (national, BY, BW,
 * NW, BE) plus the year-dependent state rules and known Easter dates.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    GERMAN_STATES,
    PeriodError,
    checkHolidayDates,
    easterSunday,
    germanHolidays,
    holidaysOf,
    isPublicHoliday,
    type GermanState,
} from '../../../src/contract/tariff/index.js';

// Hand-written from the official calendars (Easter 2023: 9 April, Easter 2024: 31 March).
const NATIONAL: Record<number, string[]> = {
    2023: ['01-01', '04-07', '04-10', '05-01', '05-18', '05-29', '10-03', '12-25', '12-26'],
    2024: ['01-01', '03-29', '04-01', '05-01', '05-09', '05-20', '10-03', '12-25', '12-26'],
};
const EXTRA: Record<number, Partial<Record<GermanState, string[]>>> = {
    2023: {
        BY: ['01-06', '06-08', '11-01'], // Epiphany, Corpus Christi, All Saints'
        BW: ['01-06', '06-08', '11-01'],
        NW: ['06-08', '11-01'],
        BE: ['03-08'], // Women's Day
        SN: ['10-31', '11-22'], // Reformation Day, Buß- und Bettag
        TH: ['09-20', '10-31'],
        HH: ['10-31'],
        HE: ['04-09', '05-28', '06-08'], // Easter Sunday, Whit Sunday, Corpus Christi
        MV: ['03-08', '10-31'],
    },
    2024: {
        BY: ['01-06', '05-30', '11-01'],
        BW: ['01-06', '05-30', '11-01'],
        NW: ['05-30', '11-01'],
        BE: ['03-08'],
        SN: ['10-31', '11-20'],
        SL: ['05-30', '08-15', '11-01'],
    },
};

function dates(year: number, state?: GermanState): string[] {
    return germanHolidays(year, state).map((h) => h.date);
}

function expected(year: number, state?: GermanState): string[] {
    const extra = state === undefined ? [] : (EXTRA[year]?.[state] ?? []);
    return [...(NATIONAL[year] ?? []), ...extra].map((md) => `${year}-${md}`).sort();
}

describe('germanHolidays', () => {
    it('matches the hand-written national lists for 2023 and 2024', () => {
        assert.deepEqual(dates(2023), expected(2023));
        assert.deepEqual(dates(2024), expected(2024));
    });

    for (const year of [2023, 2024]) {
        for (const state of Object.keys(EXTRA[year] ?? {}) as GermanState[]) {
            it(`matches the hand-written list for ${state} ${year}`, () => {
                assert.deepEqual(dates(year, state), expected(year, state));
            });
        }
    }

    it('applies year-dependent rules', () => {
        assert.ok(
            !dates(2018, 'BE').includes('2018-03-08'),
            'Women’s Day in Berlin only from 2019',
        );
        assert.ok(dates(2019, 'BE').includes('2019-03-08'));
        assert.ok(!dates(2022, 'MV').includes('2022-03-08'));
        assert.ok(dates(2020, 'BE').includes('2020-05-08'), 'Berlin Liberation Day 2020');
        assert.ok(dates(2025, 'BE').includes('2025-05-08'));
        assert.ok(!dates(2024, 'BE').includes('2024-05-08'));
        assert.ok(dates(2017).includes('2017-10-31'), 'Reformation Day 2017 was national');
        assert.ok(!dates(2016, 'NI').includes('2016-10-31'));
        assert.ok(dates(2018, 'NI').includes('2018-10-31'));
        assert.ok(!dates(2018, 'TH').includes('2018-09-20'));
        assert.ok(dates(2019, 'TH').includes('2019-09-20'));
        assert.equal(germanHolidays(2024, 'BY').length, 12);
        assert.equal(germanHolidays(2024, 'BY')[0]?.name, "New Year's Day (Neujahr)");
    });

    it('computes Easter Sunday for known years', () => {
        const known: [number, number, number][] = [
            [2000, 4, 23],
            [2008, 3, 23],
            [2011, 4, 24],
            [2019, 4, 21],
            [2023, 4, 9],
            [2024, 3, 31],
            [2025, 4, 20],
            [2038, 4, 25],
            [2100, 3, 28],
        ];
        for (const [y, m, d] of known)
            assert.deepEqual(easterSunday(y), { month: m, day: d }, String(y));
    });

    it('gives every state a sorted list without duplicates', () => {
        for (const state of GERMAN_STATES) {
            const ds = dates(2024, state);
            assert.deepEqual(ds, [...new Set(ds)].sort(), state);
            assert.ok(ds.length >= 10 && ds.length <= 14, `${state}: ${ds.length}`);
        }
    });

    it('answers membership questions', () => {
        assert.equal(isPublicHoliday({ country: 'DE', state: 'BY' }, 2024, 1, 6), true);
        assert.equal(isPublicHoliday({ country: 'DE' }, 2024, 1, 6), false);
        assert.equal(isPublicHoliday({ country: 'DE', state: 'BE' }, 2024, 3, 8), true);
    });

    it('refuses years and states it has no rules for', () => {
        for (const y of [1994, 2200, 2024.5, Number.NaN])
            assert.throws(() => germanHolidays(y), PeriodError);
        assert.throws(() => germanHolidays(2024, 'XX' as GermanState), PeriodError);
        assert.throws(() => isPublicHoliday({ country: 'AU' as 'DE' }, 2024, 1, 1), PeriodError);
    });
});

describe('other calendars', () => {
    const md = (hs: readonly { date: string }[]): string[] => hs.map((h) => h.date.slice(5));

    it('Austria and France, national, 2024 (Easter 31 March)', () => {
        assert.deepEqual(md(holidaysOf({ country: 'AT' }, 2024)), [
            '01-01', '01-06', '04-01', '05-01', '05-09', '05-20', '05-30',
            '08-15', '10-26', '11-01', '12-08', '12-25', '12-26',
        ]); // prettier-ignore
        assert.deepEqual(md(holidaysOf({ country: 'FR' }, 2024)), [
            '01-01', '04-01', '05-01', '05-08', '05-09', '05-20', '07-14',
            '08-15', '11-01', '11-11', '12-25',
        ]); // prettier-ignore
        assert.equal(isPublicHoliday({ country: 'FR' }, 2024, 7, 14), true);
        assert.equal(isPublicHoliday({ country: 'AT' }, 2024, 10, 3), false);
    });

    it('an explicit list of local dates, by year', () => {
        const cal = { dates: ['2024-08-14', '2023-12-25', '2024-01-01'] };
        assert.deepEqual(
            holidaysOf(cal, 2024).map((h) => h.date),
            ['2024-01-01', '2024-08-14'],
        );
        assert.equal(isPublicHoliday(cal, 2024, 8, 14), true);
        assert.equal(isPublicHoliday(cal, 2024, 12, 25), false);
        assert.equal(isPublicHoliday(cal, 2023, 12, 25), true);
    });

    it('refuses malformed lists, naming the entry', () => {
        for (const [dates, re] of [
            [['2024-02-30'], /dates\[0\]: expected a date/],
            [['2024-01-01', '2024-2-01'], /dates\[1\]: expected a date/],
            [['1990-01-01'], /dates\[0\]: expected a date YYYY-MM-DD in 1995/],
            [['2024-01-01', '2024-01-01'], /dates\[1\]: 2024-01-01 is listed twice/],
            [[20240101], /dates\[0\]/],
        ] as const)
            assert.throws(() => checkHolidayDates(dates), re);
        assert.throws(
            () => checkHolidayDates(new Array<string>(1001).fill('2024-01-01')),
            /more than 1000/,
        );
    });
});
