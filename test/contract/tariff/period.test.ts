// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of billing periods: slot counts by month and DST, period bounds in UTC, slot ↔ instant
 * mapping, local wall clocks on DST days, and refusal of bad ids, zones and intervals.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
    PeriodError,
    nextPeriodId,
    periodIdOfInstant,
    periodSlots,
    previousPeriodId,
    slotOfInstant,
    slotStartMs,
    slotWallClocks,
    startOfLocalDay,
    wallClock,
    wallClockSeries,
} from '../../../src/contract/tariff/index.js';

const H = 3_600_000;

describe('periodSlots', () => {
    it('cuts Berlin months at local midnight with hand-computed bounds', () => {
        const cases: [string, number, number, number][] = [
            // id, startMs, endMs, slotCount
            ['2024-01', Date.UTC(2023, 11, 31, 23), Date.UTC(2024, 0, 31, 23), 2976],
            ['2024-02', Date.UTC(2024, 0, 31, 23), Date.UTC(2024, 1, 29, 23), 2784], // leap year
            ['2023-02', Date.UTC(2023, 0, 31, 23), Date.UTC(2023, 1, 28, 23), 2688],
            ['2024-03', Date.UTC(2024, 1, 29, 23), Date.UTC(2024, 2, 31, 22), 2972], // spring forward 31 Mar
            ['2023-03', Date.UTC(2023, 1, 28, 23), Date.UTC(2023, 2, 31, 22), 2972], // spring forward 26 Mar
            ['2024-04', Date.UTC(2024, 2, 31, 22), Date.UTC(2024, 3, 30, 22), 2880],
            ['2024-10', Date.UTC(2024, 8, 30, 22), Date.UTC(2024, 9, 31, 23), 2980], // fall back 27 Oct
            ['2023-10', Date.UTC(2023, 8, 30, 22), Date.UTC(2023, 9, 31, 23), 2980], // fall back 29 Oct
            ['2024-12', Date.UTC(2024, 10, 30, 23), Date.UTC(2024, 11, 31, 23), 2976],
        ];
        for (const [id, start, end, count] of cases) {
            const p = periodSlots(id);
            assert.equal(p.periodId, id);
            assert.equal(p.timeZone, 'Europe/Berlin');
            assert.equal(p.intervalMinutes, 15);
            assert.equal(p.startMs, start, `${id} start`);
            assert.equal(p.endMs, end, `${id} end`);
            assert.equal(p.slotCount, count, `${id} slots`);
            assert.ok(Object.isFrozen(p));
        }
    });

    it('a year of periods has 96 slots per day, and each period starts where the last ended', () => {
        for (const [year, days] of [
            [2023, 365],
            [2024, 366],
        ] as const) {
            let total = 0;
            let id = `${year}-01`;
            let prevEnd: number | undefined;
            for (let m = 0; m < 12; m++) {
                const p = periodSlots(id);
                if (prevEnd !== undefined) assert.equal(p.startMs, prevEnd);
                prevEnd = p.endMs;
                total += p.slotCount;
                id = nextPeriodId(id);
            }
            assert.equal(total, days * 96);
        }
    });

    it('honours other time zones and intervals', () => {
        assert.equal(periodSlots('2024-03', 'UTC').slotCount, 2976);
        assert.equal(periodSlots('2024-03', 'UTC').startMs, Date.UTC(2024, 2, 1));
        assert.equal(periodSlots('2024-03', 'Europe/Berlin', 60).slotCount, 743);
        assert.equal(periodSlots('2024-10', 'Europe/Berlin', 60).slotCount, 745);
        assert.equal(periodSlots('2024-10', 'Europe/Berlin', 5).slotCount, 2980 * 3);
        // New York: DST from 10 Mar 2024, month starts at 05:00Z
        const ny = periodSlots('2024-03', 'America/New_York');
        assert.equal(ny.startMs, Date.UTC(2024, 2, 1, 5));
        assert.equal(ny.slotCount, 2972);
    });

    it('finds the start of a day whose midnight is skipped (São Paulo, 4 Nov 2018)', () => {
        // clocks jumped from 00:00 −03 to 01:00 −02 at 03:00Z
        assert.equal(startOfLocalDay(2018, 11, 4, 'America/Sao_Paulo'), Date.UTC(2018, 10, 4, 3));
        assert.equal(periodSlots('2018-11', 'America/Sao_Paulo').slotCount, 30 * 96 - 4);
    });

    it('refuses bad period ids', () => {
        for (const bad of [
            '2024-13',
            '2024-00',
            '24-01',
            '2024-1',
            ' 2024-01',
            '2024-01\n',
            '2024/01',
            '1994-12',
            '2200-01',
            '',
            'x',
        ]) {
            assert.throws(() => periodSlots(bad), PeriodError, bad);
        }
        for (const bad of [202401, null, undefined, {}, ['2024-01']]) {
            assert.throws(() => periodSlots(bad as string), PeriodError);
        }
    });

    it('refuses bad time zones and intervals', () => {
        for (const tz of [
            'Mars/Olympus_Mons',
            'Europe/Berlin; x',
            '',
            '../../etc/passwd',
            'a'.repeat(100),
            'europe/berlin',
            'EUROPE/BERLIN',
        ]) {
            assert.throws(() => periodSlots('2024-01', tz), PeriodError, tz);
        }
        for (const iv of [0, 7, 45, 90, 15.5, -15, Number.NaN]) {
            assert.throws(
                () => periodSlots('2024-01', 'Europe/Berlin', iv),
                PeriodError,
                String(iv),
            );
        }
    });
});

describe('slots and instants', () => {
    const march = periodSlots('2024-03');

    it('maps slots to instants and back', () => {
        assert.equal(slotStartMs(march, 0), march.startMs);
        assert.equal(slotStartMs(march, 2971), march.endMs - 15 * 60_000);
        assert.equal(slotOfInstant(march, march.startMs), 0);
        assert.equal(slotOfInstant(march, march.endMs - 1), 2971);
        assert.equal(slotOfInstant(march, march.startMs + 16 * 60_000), 1);
        fc.assert(
            fc.property(
                fc.integer({ min: 0, max: march.slotCount - 1 }),
                (i) => slotOfInstant(march, slotStartMs(march, i)) === i,
            ),
        );
    });

    it('refuses slots and instants outside the period', () => {
        for (const i of [-1, 2972, 1.5, Number.NaN])
            assert.throws(() => slotStartMs(march, i), PeriodError);
        for (const t of [march.startMs - 1, march.endMs, Number.NaN, Number.POSITIVE_INFINITY]) {
            assert.throws(() => slotOfInstant(march, t), PeriodError);
        }
    });

    it('gives the local wall clock of each slot across spring-forward (31 Mar 2024)', () => {
        const clocks = slotWallClocks(march);
        const day31 = 30 * 96; // first slot of 31 March
        assert.deepEqual(pick(clocks[day31]), [31, 0, 0]);
        assert.deepEqual(pick(clocks[day31 + 7]), [31, 1, 45]);
        assert.deepEqual(pick(clocks[day31 + 8]), [31, 3, 0]); // 02:00–02:59 does not exist
        assert.deepEqual(pick(clocks[march.slotCount - 1]), [31, 23, 45]);
        assert.equal(clocks.filter((c) => c.day === 31).length, 92);
        assert.equal(clocks[day31 + 8]?.offsetMinutes, 120);
        assert.equal(clocks[day31 + 7]?.offsetMinutes, 60);
        assert.equal(clocks[day31]?.weekday, 7); // Sunday
    });

    it('gives the local wall clock of each slot across fall-back (27 Oct 2024)', () => {
        const october = periodSlots('2024-10');
        const clocks = slotWallClocks(october);
        const day27 = 26 * 96;
        assert.deepEqual(pick(clocks[day27 + 8]), [27, 2, 0]); // 02:00 CEST
        assert.deepEqual(pick(clocks[day27 + 11]), [27, 2, 45]);
        assert.deepEqual(pick(clocks[day27 + 12]), [27, 2, 0]); // 02:00 CET, again
        assert.equal(clocks[day27 + 8]?.offsetMinutes, 120);
        assert.equal(clocks[day27 + 12]?.offsetMinutes, 60);
        assert.equal(clocks.filter((c) => c.day === 27).length, 100);
        assert.deepEqual(pick(clocks[day27 + 100]), [28, 0, 0]);
    });

    it('names the period of an instant and steps between periods', () => {
        assert.equal(periodIdOfInstant(Date.UTC(2023, 11, 31, 23, 30)), '2024-01');
        assert.equal(periodIdOfInstant(Date.UTC(2023, 11, 31, 22, 59)), '2023-12');
        assert.equal(periodIdOfInstant(Date.UTC(2023, 11, 31, 23, 30), 'UTC'), '2023-12');
        assert.equal(nextPeriodId('2024-12'), '2025-01');
        assert.equal(previousPeriodId('2024-01'), '2023-12');
        assert.throws(() => nextPeriodId('2199-12'), PeriodError);
    });

    it('computes series of wall clocks exactly as one Intl call per instant would', () => {
        // months with transitions, some of them exactly on a 6-hour offset sample (a past bug)
        const months: [string, string, number][] = [
            ['Europe/Berlin', '2017-10', 15],
            ['Europe/Berlin', '2021-03', 15],
            ['Europe/Berlin', '2023-10', 15],
            ['Europe/Berlin', '2024-03', 5],
            ['Europe/Berlin', '2024-10', 60],
            ['America/New_York', '2019-11', 15],
            ['America/New_York', '2024-03', 15],
            ['America/Sao_Paulo', '2018-11', 15],
            ['America/Sao_Paulo', '2019-02', 30],
            ['Australia/Lord_Howe', '2024-04', 15], // 30-minute DST shift
            ['Australia/Lord_Howe', '2024-10', 15],
            ['Africa/Casablanca', '2019-05', 15],
            ['Africa/Casablanca', '2019-06', 15],
            ['Asia/Kathmandu', '2024-01', 15],
        ];
        for (const [tz, id, interval] of months) {
            const p = periodSlots(id, tz, interval);
            const series = slotWallClocks(p);
            assert.equal(series.length, p.slotCount);
            for (let i = 0; i < p.slotCount; i++) {
                const one = wallClock(slotStartMs(p, i), tz);
                if (JSON.stringify(series[i]) !== JSON.stringify(one))
                    assert.fail(
                        `${tz} ${id} slot ${i}: ${JSON.stringify(series[i])} ≠ ${JSON.stringify(one)}`,
                    );
            }
        }
        fc.assert(
            fc.property(
                fc.constantFrom(
                    'Europe/Berlin',
                    'America/New_York',
                    'Australia/Lord_Howe',
                    'Pacific/Apia',
                    'Asia/Tehran',
                ),
                fc.integer({
                    min: Date.UTC(2015, 0, 1) / 900_000,
                    max: Date.UTC(2025, 0, 1) / 900_000,
                }),
                fc.constantFrom(5, 15, 60),
                fc.integer({ min: 1, max: 800 }),
                (tz, q, interval, count) => {
                    const start = q * 900_000;
                    const series = wallClockSeries(start, interval * 60_000, count, tz);
                    return series.every(
                        (w, i) =>
                            JSON.stringify(w) ===
                            JSON.stringify(wallClock(start + i * interval * 60_000, tz)),
                    );
                },
            ),
            { numRuns: 60 },
        );
    });

    it('reads wall clocks with weekday and offset', () => {
        const w = wallClock(Date.UTC(2024, 2, 31, 1, 0), 'Europe/Berlin');
        assert.deepEqual(
            [w.year, w.month, w.day, w.hour, w.minute, w.weekday, w.offsetMinutes],
            [2024, 3, 31, 3, 0, 7, 120],
        );
        assert.equal(wallClock(Date.UTC(2024, 0, 1) - H, 'Europe/Berlin').hour, 0);
    });
});

function pick(
    c: { day: number; hour: number; minute: number } | undefined,
): [number, number, number] | undefined {
    return c === undefined ? undefined : [c.day, c.hour, c.minute];
}
