// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of weight vectors with hand-computed cases: flat and energy weights for every month length,
 * zone tariffs on weekdays, weekends, holidays and zone edges, DST spring-forward and fall-back
 * days, and indexed weights from real day-ahead hours (shared/data/de-day-ahead-prices.csv),
 * negative prices included.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    PriceSeriesError,
    TariffWeightsError,
    divRound,
    energyWeights,
    parseTariff,
    periodSlots,
    tariffWeights,
    type PriceSeries,
    type RoundingMode,
    type Tariff,
} from '../../../src/contract/tariff/index.js';
import { parseDayAheadCsv, seriesForPeriod } from '../../../src/roles/index-publisher/index.js';
import { readDataFile } from './data.helpers.js';
import { flatDoc, indexedDoc, zonesDoc } from './tariff.helpers.js';

/** Slot of local day d (1-based), hh:mm, in a month without DST change before that day. */
const at = (d: number, hh: number, mm = 0): number => (d - 1) * 96 + hh * 4 + mm / 15;

function count(ws: readonly bigint[], from: number, to: number, value: bigint): number {
    let n = 0;
    for (let i = from; i < to; i++) if (ws[i] === value) n++;
    return n;
}

describe('flat and energy weights', () => {
    it('have one weight per slot for every month of 2024', () => {
        const flat = parseTariff(flatDoc());
        for (let m = 1; m <= 12; m++) {
            const p = periodSlots(`2024-${String(m).padStart(2, '0')}`);
            const w = tariffWeights(flat, p);
            assert.equal(w.length, p.slotCount);
            assert.ok(w.every((x) => x === 300n));
            const e = energyWeights(p);
            assert.equal(e.length, p.slotCount);
            assert.ok(e.every((x) => x === 1n));
        }
        assert.equal(energyWeights(periodSlots('2024-03')).length, 2972);
        assert.equal(energyWeights(periodSlots('2024-10')).length, 2980);
    });

    it('refuse a period cut in another time zone', () => {
        assert.throws(
            () => tariffWeights(parseTariff(flatDoc()), periodSlots('2024-01', 'UTC')),
            TariffWeightsError,
        );
    });
});

describe('zone weights', () => {
    const jan = periodSlots('2024-01');

    it('price weekdays, zone edges and the night zone that wraps midnight', () => {
        const w = tariffWeights(parseTariff(zonesDoc()), jan);
        // Tuesday 2 January 2024
        assert.equal(w[at(2, 5, 45)], 150n); // night zone, before 06:00 on the same calendar day
        assert.equal(w[at(2, 6, 0)], 300n); // 06:00 ends the night (exclusive), default until 07:00
        assert.equal(w[at(2, 6, 45)], 300n);
        assert.equal(w[at(2, 7, 0)], 400n); // peak starts at 07:00 (inclusive)
        assert.equal(w[at(2, 19, 45)], 400n);
        assert.equal(w[at(2, 20, 0)], 300n); // peak ends at 20:00 (exclusive)
        assert.equal(w[at(2, 21, 45)], 300n);
        assert.equal(w[at(2, 22, 0)], 150n);
        assert.equal(w[at(2, 23, 45)], 150n);
        // one whole weekday: 32 night (00:00–06:00, 22:00–24:00) + 52 peak + 12 default slots
        assert.equal(count(w, at(2, 0), at(3, 0), 150n), 32);
        assert.equal(count(w, at(2, 0), at(3, 0), 400n), 52);
        assert.equal(count(w, at(2, 0), at(3, 0), 300n), 12);
    });

    it('price the weekend', () => {
        const w = tariffWeights(parseTariff(zonesDoc()), jan);
        // Saturday 6 January 2024 (no state: Epiphany is not a holiday) and Sunday 7 January
        for (const d of [6, 7]) {
            assert.equal(w[at(d, 7, 45)], 300n);
            assert.equal(w[at(d, 8, 0)], 250n);
            assert.equal(w[at(d, 19, 45)], 250n);
            assert.equal(w[at(d, 20, 0)], 300n);
            assert.equal(w[at(d, 23, 0)], 150n);
            assert.equal(w[at(d, 3, 0)], 150n);
        }
    });

    it('price holidays by the "holiday" zone, national and state', () => {
        const national = tariffWeights(parseTariff(zonesDoc()), jan);
        const bavaria = tariffWeights(parseTariff(zonesDoc('BY')), jan);
        // Monday 1 January: national holiday, the whole day at the holiday price
        assert.equal(count(national, at(1, 0), at(2, 0), 100n), 96);
        // Saturday 6 January: Epiphany, a holiday in Bavaria only
        assert.equal(count(bavaria, at(6, 0), at(7, 0), 100n), 96);
        assert.equal(count(national, at(6, 0), at(7, 0), 100n), 0);
        // Other days agree
        assert.deepEqual(national.slice(at(7, 0)), bavaria.slice(at(7, 0)));
    });

    it('price holidays like Sundays when no earlier zone names "holiday"', () => {
        const doc = zonesDoc('BY');
        doc.zones = [
            {
                name: 'weekday',
                price: 400,
                days: ['mon', 'tue', 'wed', 'thu', 'fri'],
                from: '07:00',
                to: '20:00',
            },
            { name: 'sunday', price: 200, days: ['sun'], from: '00:00', to: '24:00' },
        ];
        const w = tariffWeights(parseTariff(doc), jan);
        assert.equal(w[at(1, 10)], 200n); // Monday 1 Jan, holiday → Sunday price, not the weekday zone
        assert.equal(w[at(8, 10)], 400n); // Monday 8 Jan
        assert.equal(w[at(6, 10)], 200n); // Saturday 6 Jan, Epiphany in Bavaria → Sunday price
        assert.equal(w[at(13, 10)], 300n); // Saturday 13 Jan → default
        // first match wins: a "sun" zone before a "holiday" zone catches holidays too
        doc.zones = [
            { name: 'sunday', price: 200, days: ['sun'], from: '00:00', to: '24:00' },
            { name: 'holiday', price: 100, days: ['holiday'], from: '00:00', to: '24:00' },
        ];
        const w2 = tariffWeights(parseTariff(doc), jan);
        assert.equal(w2[at(1, 10)], 200n);
        doc.zones = [...(doc.zones as unknown[])].reverse();
        const w3 = tariffWeights(parseTariff(doc), jan);
        assert.equal(w3[at(1, 10)], 100n);
        assert.equal(w3[at(7, 10)], 200n);
    });

    it('map every slot by its local time on the spring-forward day (31 March 2024)', () => {
        const doc = zonesDoc();
        doc.zones = [
            {
                name: 'night',
                price: 150,
                days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                from: '22:00',
                to: '06:00',
            },
        ];
        const march = periodSlots('2024-03');
        const w = tariffWeights(parseTariff(doc), march);
        assert.equal(w.length, 2972);
        const d31 = 30 * 96;
        // 00:00–01:45 (8 slots) and 03:00–05:45 (12 slots) and 22:00–23:45 (8 slots) are night
        assert.equal(count(w, d31, march.slotCount, 150n), 28);
        assert.equal(count(w, d31, march.slotCount, 300n), 64);
        assert.equal(w[d31 + 7], 150n); // 01:45 CET
        assert.equal(w[d31 + 8], 150n); // 03:00 CEST
        assert.equal(w[d31 + 19], 150n); // 05:45 CEST
        assert.equal(w[d31 + 20], 300n); // 06:00 CEST
        assert.equal(w[march.slotCount - 1], 150n);
    });

    it('map every slot by its local time on the fall-back day (27 October 2024)', () => {
        const doc = zonesDoc();
        doc.zones = [
            { name: 'two', price: 222, days: ['sun'], from: '02:00', to: '03:00' },
            {
                name: 'night',
                price: 150,
                days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                from: '22:00',
                to: '06:00',
            },
        ];
        const october = periodSlots('2024-10');
        const w = tariffWeights(parseTariff(doc), october);
        assert.equal(w.length, 2980);
        const d27 = 26 * 96;
        const d28 = d27 + 100;
        assert.equal(count(w, d27, d28, 222n), 8); // 02:00–02:45 twice
        assert.deepEqual(w.slice(d27 + 8, d27 + 16), new Array<bigint>(8).fill(222n));
        assert.equal(count(w, d27, d28, 150n), 28); // 00:00–01:45, 03:00–05:45, 22:00–23:45
        assert.equal(count(w, d27, d28, 300n), 64);
        // 3 October (Thursday) is German Unity Day: no holiday zone here, so it is priced as a Sunday
        const d3 = 2 * 96;
        assert.equal(w[d3 + 2 * 4], 222n);
    });

    it('refuse zone edges between slot boundaries', () => {
        const doc = zonesDoc();
        doc.zones = [{ name: 'odd', price: 1, days: ['mon'], from: '07:10', to: '08:00' }];
        const t = parseTariff(doc);
        assert.throws(() => tariffWeights(t, periodSlots('2024-01')), TariffWeightsError);
        assert.equal(tariffWeights(t, periodSlots('2024-01', 'Europe/Berlin', 5)).length, 2976 * 3);
    });
});

describe('indexed weights', () => {
    const csv = readDataFile('de-day-ahead-prices.csv');
    const rows = new Set(csv.split('\n').map((l) => l.trim()));
    const all = parseDayAheadCsv(csv);
    const july = periodSlots('2023-07'); // starts 2023-06-30T22:00Z
    const julySeries = seriesForPeriod(all, july);
    const slotOfHour = (isoHour: string): number => (Date.parse(isoHour) - july.startMs) / 900_000;

    function indexed(patch: Record<string, unknown> = {}): Tariff {
        return parseTariff({ ...indexedDoc(), ...patch });
    }

    it('reads the hours used below from the CSV', () => {
        for (const row of [
            '2023-06-30T22:00:00Z,109.74',
            '2023-07-02T05:00:00Z,-0.50',
            '2023-07-02T12:00:00Z,-500.00',
            '2023-07-02T14:00:00Z,-124.21',
            '2023-07-02T23:00:00Z,43.50',
            '2023-07-03T15:00:00Z,22.50',
        ]) {
            assert.ok(rows.has(row), row);
        }
        assert.equal(julySeries.prices.length, 744);
    });

    it('convert EUR/MWh to µEUR/Wh one to one, rounding the cents (hand-computed)', () => {
        // y = round(p[ct/MWh] / 100) + markup
        const cases: [string, RoundingMode, bigint][] = [
            ['2023-06-30T22:00:00Z', 'half-even', 110n], // 109.74
            ['2023-06-30T22:00:00Z', 'floor', 109n],
            ['2023-07-02T12:00:00Z', 'half-even', -500n], // −500.00, the all-time low
            ['2023-07-02T14:00:00Z', 'half-even', -124n], // −124.21
            ['2023-07-02T14:00:00Z', 'floor', -125n],
            ['2023-07-02T14:00:00Z', 'ceiling', -124n],
            ['2023-07-02T05:00:00Z', 'half-even', 0n], // −0.50: tie to even 0
            ['2023-07-02T05:00:00Z', 'half-up', -1n], // tie away from zero
            ['2023-07-02T05:00:00Z', 'down', 0n],
            ['2023-07-02T23:00:00Z', 'half-even', 44n], // 43.50: tie to even 44
            ['2023-07-02T23:00:00Z', 'half-down', 43n],
            ['2023-07-03T15:00:00Z', 'half-even', 22n], // 22.50: tie to even 22
            ['2023-07-03T15:00:00Z', 'half-up', 23n],
            ['2023-07-03T15:00:00Z', 'up', 23n],
        ];
        for (const [hour, rounding, expected] of cases) {
            const w = tariffWeights(indexed({ rounding }), july, julySeries);
            const s = slotOfHour(hour);
            for (let q = 0; q < 4; q++)
                assert.equal(w[s + q], expected, `${hour} ${rounding} quarter ${q}`);
        }
    });

    it('apply factor and markup: gross with 19 % VAT plus 25 ct/kWh, negative prices give lower weights', () => {
        // y = half-up(p · 119 / 10000) + 250
        const w = tariffWeights(
            indexed({ factorNum: 119, factorDen: 100, markup: 250, rounding: 'half-up' }),
            july,
            julySeries,
        );
        assert.equal(w[slotOfHour('2023-07-02T12:00:00Z')], -345n); // −500 · 1.19 = −595, + 250
        assert.equal(w[slotOfHour('2023-06-30T22:00:00Z')], 381n); // 109.74 · 1.19 = 130.5906 → 131, + 250
        assert.equal(w[slotOfHour('2023-07-02T05:00:00Z')], 249n); // −0.50 · 1.19 = −0.595 → −1, + 250
    });

    it('keep every cent in nano-euro', () => {
        const w = tariffWeights(indexed({ currencyUnit: 'nEUR' }), july, julySeries);
        assert.equal(w[0], 109_740n); // 109.74 EUR/MWh = 10974 ct/MWh · 10 = 109,740 nEUR/Wh
    });

    it('follow the repeated and the skipped hour of DST days', () => {
        const march = periodSlots('2024-03');
        const wm = tariffWeights(
            indexed({ currencyUnit: 'nEUR' }),
            march,
            seriesForPeriod(all, march),
        );
        const d31 = 30 * 96;
        assert.equal(wm[d31 + 4], 66_710n); // 01:00 CET = 00:00Z: 66.71
        assert.equal(wm[d31 + 8], 64_980n); // 03:00 CEST = 01:00Z: 64.98
        const october = periodSlots('2024-10');
        const wo = tariffWeights(
            indexed({ currencyUnit: 'nEUR' }),
            october,
            seriesForPeriod(all, october),
        );
        const d27 = 26 * 96;
        assert.equal(wo[d27 + 8], 82_230n); // 02:00 CEST = 00:00Z: 82.23
        assert.equal(wo[d27 + 12], 80_430n); // 02:00 CET = 01:00Z: 80.43
    });

    it('refuse a missing, foreign, short, finer or misaligned series', () => {
        const t = indexed();
        assert.throws(() => tariffWeights(t, july), PriceSeriesError);
        assert.throws(
            () => tariffWeights(t, july, { ...julySeries, id: 'EPEX/other' }),
            PriceSeriesError,
        );
        const short: PriceSeries = { ...julySeries, prices: julySeries.prices.slice(0, 240) };
        assert.throws(
            () => tariffWeights(t, july, short),
            (e: unknown) =>
                e instanceof PriceSeriesError &&
                e.slot === 960 &&
                e.message.includes('no price for slot 960'),
        );
        const late: PriceSeries = { ...julySeries, startMs: julySeries.startMs + 3_600_000 };
        assert.throws(
            () => tariffWeights(t, july, late),
            (e: unknown) => e instanceof PriceSeriesError && e.slot === 0,
        );
        const quarter: PriceSeries = {
            id: julySeries.id,
            startMs: july.startMs,
            intervalMinutes: 15,
            prices: new Array<number>(2976).fill(100),
        };
        assert.equal(tariffWeights(t, july, quarter).length, 2976);
        assert.throws(
            () => tariffWeights(t, periodSlots('2023-07', 'Europe/Berlin', 60), quarter),
            PriceSeriesError,
        );
        for (const bad of [
            { ...julySeries, prices: [1.5] },
            { ...julySeries, prices: [] },
            { ...julySeries, startMs: julySeries.startMs + 1 },
            { ...julySeries, intervalMinutes: 30 },
            { ...julySeries, extra: 1 },
            null,
        ]) {
            assert.throws(
                () => tariffWeights(t, july, bad as unknown as PriceSeries),
                PriceSeriesError,
            );
        }
    });

    it('refuse weights outside int32', () => {
        const t = indexed({ markup: 2 ** 31 - 1 });
        assert.throws(() => tariffWeights(t, july, julySeries), TariffWeightsError);
    });
});

describe('divRound', () => {
    it('rounds ties and non-ties in every mode', () => {
        const table: [bigint, bigint, Record<RoundingMode, bigint>][] = [
            [
                5n,
                2n,
                {
                    'half-even': 2n,
                    'half-up': 3n,
                    'half-down': 2n,
                    floor: 2n,
                    ceiling: 3n,
                    down: 2n,
                    up: 3n,
                },
            ],
            [
                -5n,
                2n,
                {
                    'half-even': -2n,
                    'half-up': -3n,
                    'half-down': -2n,
                    floor: -3n,
                    ceiling: -2n,
                    down: -2n,
                    up: -3n,
                },
            ],
            [
                7n,
                2n,
                {
                    'half-even': 4n,
                    'half-up': 4n,
                    'half-down': 3n,
                    floor: 3n,
                    ceiling: 4n,
                    down: 3n,
                    up: 4n,
                },
            ],
            [
                7n,
                3n,
                {
                    'half-even': 2n,
                    'half-up': 2n,
                    'half-down': 2n,
                    floor: 2n,
                    ceiling: 3n,
                    down: 2n,
                    up: 3n,
                },
            ],
            [
                -8n,
                3n,
                {
                    'half-even': -3n,
                    'half-up': -3n,
                    'half-down': -3n,
                    floor: -3n,
                    ceiling: -2n,
                    down: -2n,
                    up: -3n,
                },
            ],
            [
                6n,
                3n,
                {
                    'half-even': 2n,
                    'half-up': 2n,
                    'half-down': 2n,
                    floor: 2n,
                    ceiling: 2n,
                    down: 2n,
                    up: 2n,
                },
            ],
        ];
        for (const [n, d, modes] of table) {
            for (const [mode, expected] of Object.entries(modes) as [RoundingMode, bigint][]) {
                assert.equal(divRound(n, d, mode), expected, `${n}/${d} ${mode}`);
            }
        }
        assert.throws(() => divRound(1n, 0n, 'floor'), RangeError);
    });
});

describe('holiday lists outside Germany', () => {
    it('a listed local date in Australia/Brisbane takes the holiday zone, 30-minute slots', () => {
        const doc = {
            ...zonesDoc(),
            timeZone: 'Australia/Brisbane',
            holidays: { dates: ['2024-03-29', '2024-04-01'] }, // Good Friday, Easter Monday (QLD)
        };
        const period = periodSlots('2024-03', 'Australia/Brisbane', 30);
        const ws = tariffWeights(parseTariff(doc), period);
        const day = 48; // slots per local day (no DST in Queensland)
        assert.equal(count(ws, 28 * day, 29 * day, 100n), day, '29 March: holiday all day');
        assert.equal(count(ws, 27 * day, 28 * day, 100n), 0, '28 March: a weekday');
        // the same tariff with the German calendar does not know Queensland's list
        const de = tariffWeights(parseTariff({ ...doc, holidays: { country: 'DE' } }), period);
        assert.equal(count(de, 28 * day, 29 * day, 100n), day); // Good Friday is German too
        assert.equal(count(de, 0, 28 * day, 100n), 0);
        const at = tariffWeights(parseTariff({ ...doc, holidays: { country: 'AT' } }), period);
        assert.equal(count(at, 28 * day, 29 * day, 100n), 0, 'Good Friday is no Austrian holiday');
    });
});
