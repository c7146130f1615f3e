// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the index publisher's day-ahead price reader: exact cents from decimal strings, the real
 * 2023–2024 DE-LU file split into periods (facts from shared/data/README.md), and line-numbered
 * errors for malformed, non-contiguous or misaligned files.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PriceSeriesError, periodSlots } from '../../../src/contract/tariff/index.js';
import {
    DEFAULT_SERIES_ID,
    PriceCsvError,
    parseDayAheadCsv,
    seriesByPeriod,
    seriesForPeriod,
    sliceSeries,
} from '../../../src/roles/index-publisher/index.js';
import { readDataFile } from '../../contract/tariff/data.helpers.js';

const HEADER = 'start_utc,price_eur_per_mwh';

function csv(...rows: string[]): string {
    return [HEADER, ...rows].join('\n') + '\n';
}

/** Asserts a PriceCsvError on `line`. */
function failsOn(text: string, line: number, pattern?: RegExp): void {
    assert.throws(
        () => parseDayAheadCsv(text),
        (e: unknown) => {
            assert.ok(e instanceof PriceCsvError, String(e));
            assert.equal(e.line, line, e.message);
            assert.ok(e.message.includes(`line ${line}`));
            if (pattern !== undefined) assert.match(e.message, pattern);
            return true;
        },
    );
}

describe('parseDayAheadCsv', () => {
    it('reads prices as exact integer cents per MWh', () => {
        const s = parseDayAheadCsv(
            csv(
                '2023-01-01T00:00:00Z,-1.07',
                '2023-01-01T01:00:00Z,86.8',
                '2023-01-01T02:00:00Z,0',
                '2023-01-01T03:00:00Z,-0.00',
                '2023-01-01T04:00:00Z,0.29',
                '2023-01-01T05:00:00Z,1234567.89',
                '2023-01-01T06:00:00Z,-500.00',
            ),
        );
        assert.deepEqual(s.prices, [-107, 8680, 0, 0, 29, 123456789, -50000]);
        assert.ok(Object.is(s.prices[3], 0), 'no negative zero');
        assert.equal(s.id, DEFAULT_SERIES_ID);
        assert.equal(s.startMs, Date.UTC(2023, 0, 1));
        assert.equal(s.intervalMinutes, 60);
        assert.ok(Object.isFrozen(s) && Object.isFrozen(s.prices));
    });

    it('detects quarter-hour files, accepts CRLF and a BOM, takes a series id', () => {
        const s = parseDayAheadCsv(
            `\uFEFF${HEADER}\r\n2025-10-01T00:00:00Z,1.00\r\n2025-10-01T00:15:00Z,2.00\r\n`,
            { seriesId: 'DE-LU/da-15' },
        );
        assert.equal(s.intervalMinutes, 15);
        assert.deepEqual(s.prices, [100, 200]);
        assert.equal(s.id, 'DE-LU/da-15');
    });

    it('refuses bad files with the line number', () => {
        failsOn('', 1, /header/);
        failsOn('start,price\n2023-01-01T00:00:00Z,1\n', 1, /header/);
        failsOn(`${HEADER}\n`, 2, /no price rows/);
        failsOn(csv('2023-01-01T00:00:00Z,1.005'), 2, /two decimals/);
        failsOn(csv('2023-01-01T00:00:00Z,1,5'), 2, /two fields/);
        failsOn(csv('2023-01-01T00:00:00Z,1e3'), 2);
        failsOn(csv('2023-01-01T00:00:00Z,'), 2);
        failsOn(csv('2023-01-01T00:00:00Z,+1'), 2);
        failsOn(csv('2023-01-01T00:00:00Z,NaN'), 2);
        failsOn(csv('2023-01-01T00:00:00Z,1', '2023-01-01 01:00:00,2'), 3, /start_utc/);
        failsOn(csv('2023-01-01T00:00:00Z,1', '2023-02-30T01:00:00Z,2'), 3, /not a valid date/);
        failsOn(csv('2023-01-01T00:00:00Z,1', '2023-01-01T01:00:00+01:00,2'), 3);
        failsOn(
            csv('2023-01-01T00:00:00Z,1', '2023-01-01T01:00:00Z,2', '2023-01-01T03:00:00Z,3'),
            4,
            /gap/,
        );
        failsOn(
            csv('2023-01-01T00:00:00Z,1', '2023-01-01T01:00:00Z,2', '2023-01-01T01:00:00Z,3'),
            4,
            /overlaps/,
        );
        failsOn(csv('2023-01-01T00:00:00Z,1', '2023-01-01T00:30:00Z,2'), 3, /60 or 15/);
        failsOn(csv('2023-01-01T00:30:00Z,1', '2023-01-01T01:30:00Z,2'), 2, /boundary/);
        failsOn(csv('2023-01-01T00:00:00Z,1', '', '2023-01-01T01:00:00Z,2'), 3);
    });
});

describe('the DE-LU day-ahead file', () => {
    const series = parseDayAheadCsv(readDataFile('de-day-ahead-prices.csv'));

    it('matches the facts stated in data/README.md', () => {
        assert.equal(series.prices.length, 17_544);
        assert.equal(series.startMs, Date.UTC(2022, 11, 31, 23));
        assert.equal(Math.min(...series.prices), -50_000);
        assert.equal(Math.max(...series.prices), 93_628);
        assert.equal(series.prices.filter((p) => p < 0).length, 758);
        assert.equal(series.prices.filter((p) => p === 0).length, 86);
        const sum = series.prices.reduce((a, b) => a + b, 0); // exact: integers
        assert.equal(Math.round(sum / series.prices.length), 8683); // mean 86.83 EUR/MWh
    });

    it('splits into the 24 local months of 2023 and 2024', () => {
        const byPeriod = seriesByPeriod(series);
        assert.equal(byPeriod.size, 24);
        assert.deepEqual([...byPeriod.keys()].slice(0, 3), ['2023-01', '2023-02', '2023-03']);
        assert.equal(byPeriod.get('2024-03')?.prices.length, 743);
        assert.equal(byPeriod.get('2024-10')?.prices.length, 745);
        assert.equal(byPeriod.get('2024-02')?.prices.length, 696);
        const dec = byPeriod.get('2024-12');
        assert.equal(dec?.startMs, Date.UTC(2024, 10, 30, 23));
        assert.equal(dec.prices.at(-1), series.prices.at(-1));
    });

    it('slices exactly and refuses ranges it does not cover', () => {
        const s = sliceSeries(series, Date.UTC(2023, 6, 2, 12), Date.UTC(2023, 6, 2, 14));
        assert.deepEqual(s.prices, [-50_000, -39_900]);
        assert.throws(() => seriesForPeriod(series, periodSlots('2025-01')), PriceSeriesError);
        assert.throws(() => seriesForPeriod(series, periodSlots('2022-12')), PriceSeriesError);
        assert.throws(
            () => sliceSeries(series, Date.UTC(2023, 6, 2, 12, 30), Date.UTC(2023, 6, 2, 14)),
            PriceSeriesError,
        );
    });
});
