// SPDX-License-Identifier: Apache-2.0
/**
 * Indexed-tariff bounds with the span guard (issue 9, item 1): on the real 2023–2024 DE-LU
 * day-ahead prices every honest dynamic tariff passes the bounds and the guard (alone, beside the
 * total-energy key, and beside a second honest dynamic tariff), while the threshold attack ("weight
 * 2 in the month's most expensive hour, 1 elsewhere") is refused by the bounds (factor/rounding)
 * and by the guard, and two in-bounds indexed tariffs that pick out the most expensive hour are
 * refused by the guard. As properties over random price series and random in-bounds tariffs:
 * weights are a strictly increasing function of the price and the guard's verdict beside the total
 * key is exactly "no price fills more than l − k slots".
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { GUARD_DEFAULT_K, guardKeySet } from '../../../src/fe/guard.js';
import {
    INDEXED_FACTOR_MAX,
    INDEXED_MARKUP_MAX,
    ROUNDING_MODES,
    TariffDocumentError,
    assertIndexedTariffBounds,
    energyWeights,
    parseTariff,
    periodSlots,
    tariffWeights,
    type BillingPeriod,
    type IndexedTariff,
    type PriceSeries,
    type RoundingMode,
} from '../../../src/contract/tariff/index.js';
import { parseDayAheadCsv, seriesByPeriod } from '../../../src/roles/index-publisher/index.js';
import { readDataFile } from './data.helpers.js';
import { indexedDoc } from './tariff.helpers.js';

const SERIES = 'DE-LU/day-ahead';
const allowed = { allowedSeries: [SERIES] };

function indexed(patch: Record<string, unknown>): IndexedTariff {
    const t = parseTariff({ ...indexedDoc(), series: SERIES, currencyUnit: 'nEUR', ...patch });
    assert.equal(t.kind, 'indexed');
    return t;
}

/** Honest: day-ahead × 1.19 (VAT) + 18 ct/kWh, in nEUR. */
const honest = (rounding: RoundingMode) =>
    indexed({ factorNum: 119, factorDen: 100, markup: 180_000, rounding });
/** Honest too: the bare index, no VAT, no markup. */
const bare = (rounding: RoundingMode) =>
    indexed({ factorNum: 1, factorDen: 1, markup: 0, rounding });

/** Single-key threshold: round-down(p / max) + 1, i.e. 2 in the most expensive hour(s), 1 elsewhere. */
function thresholdTariff(maxPrice: number): IndexedTariff {
    return indexed({
        currencyUnit: '\u00b5EUR',
        factorNum: 100,
        factorDen: maxPrice,
        markup: 1,
        rounding: 'down',
    });
}
/** In-bounds pair partner: 10p + round-down(p / max): one more than the bare index in the most expensive hour. */
function pickHourTariff(maxPrice: number): IndexedTariff {
    return indexed({
        factorNum: 10 * maxPrice + 1,
        factorDen: 10 * maxPrice,
        markup: 0,
        rounding: 'down',
    });
}

/** Slots (of a 15-minute period) whose hour has the month's highest price. */
function maxSlots(period: BillingPeriod, series: PriceSeries): number[] {
    const max = Math.max(...series.prices);
    const out: number[] = [];
    for (let i = 0; i < period.slotCount; i++) {
        const j = Math.floor((period.startMs + i * 15 * 60_000 - series.startMs) / 3_600_000);
        if (series.prices[j] === max) out.push(i);
    }
    return out;
}

const months = (() => {
    const all = parseDayAheadCsv(readDataFile('de-day-ahead-prices.csv'));
    const out: { period: BillingPeriod; series: PriceSeries }[] = [];
    for (const [id, s] of seriesByPeriod(all)) {
        const period = periodSlots(id);
        if (s.prices.length * s.intervalMinutes === period.slotCount * period.intervalMinutes)
            out.push({ period, series: s });
    }
    return out;
})();

describe('indexed tariff bounds', () => {
    it('accept honest dynamic tariffs and refuse the rest, naming the field', () => {
        for (const r of ROUNDING_MODES) {
            assertIndexedTariffBounds(honest(r), allowed);
            assertIndexedTariffBounds(bare(r), allowed);
        }
        const refuses = (t: IndexedTariff, field: string, why: RegExp, opts = allowed) => {
            assert.throws(
                () => {
                    assertIndexedTariffBounds(t, opts);
                },
                (e: unknown) =>
                    e instanceof TariffDocumentError && e.field === field && why.test(e.message),
            );
        };
        // coarser than the series: the demo-style µEUR tariff with factor 1.19, and the threshold
        refuses(
            indexed({ currencyUnit: '\u00b5EUR', factorNum: 119, factorDen: 100, markup: 180 }),
            'factorNum',
            /merge distinct prices.*nEUR/,
        );
        refuses(thresholdTariff(25_000), 'factorNum', /merge distinct prices/);
        refuses(indexed({ factorNum: 1, factorDen: 11 }), 'factorNum', /at least 1\/10/);
        // in µEUR one weight unit is 100 price steps: no in-range factor reaches the series' resolution
        refuses(
            indexed({ currencyUnit: '\u00b5EUR', factorNum: 10, factorDen: 1, markup: 180 }),
            'factorNum',
            /write the tariff in nEUR/,
        );
        refuses(
            indexed({ factorNum: INDEXED_FACTOR_MAX + 1, factorDen: 1 }),
            'factorNum',
            /exceeds/,
        );
        refuses(indexed({ markup: -1 }), 'markup', /\[0, 1000000\]/);
        refuses(indexed({ markup: INDEXED_MARKUP_MAX.nEUR + 1 }), 'markup', /1 EUR\/kWh/);
        refuses(indexed({}), 'series', /not an allowed index series/, { allowedSeries: ['other'] });
        refuses(indexed({}), 'series', /no series is registered/, { allowedSeries: [] });
    });
});

describe('indexed tariffs and the span guard on real day-ahead prices (2023–2024)', () => {
    it('has the 24 months of data', () => {
        assert.equal(months.length, 24);
    });

    it('allows every honest dynamic tariff alone, beside the total key, and beside a second honest one', () => {
        months.forEach(({ period, series }, n) => {
            const r = ROUNDING_MODES[n % ROUNDING_MODES.length]!;
            const total = energyWeights(period);
            const a = tariffWeights(honest(r), period, series);
            const b = tariffWeights(bare(r), period, series);
            for (const set of [[a], [total, a], [total, a, b]]) {
                const v = guardKeySet(set);
                assert.equal(v.allowed, true, `${period.periodId} (${r}): ${v.reason}`);
            }
        });
    });

    it('refuses the threshold tariff beside the total key: its bill minus the energy bill is one hour', () => {
        for (const { period, series } of months) {
            const max = Math.max(...series.prices);
            const y = tariffWeights(thresholdTariff(max), period, series);
            const hot = maxSlots(period, series);
            assert.deepEqual(
                y.flatMap((w, i) => (w === 2n ? [i] : [])),
                hot,
                'the attack key is 2 exactly in the most expensive hour',
            );
            // y − total: the most expensive hour, and any hour priced at or below −max
            const revealed = y.filter((w) => w !== 1n).length;
            const v = guardKeySet([energyWeights(period), y]);
            assert.equal(v.allowed, false, period.periodId);
            assert.equal(v.code, 'small-support');
            assert.ok((v.minSupport ?? Infinity) <= revealed && revealed < GUARD_DEFAULT_K);
            if (revealed === hot.length) assert.deepEqual(v.witness?.slots, hot.slice(0, 8));
        }
    });

    it('refuses two in-bounds indexed tariffs that pick the most expensive hour, with or without the total key', () => {
        for (const { period, series } of months) {
            const max = Math.max(...series.prices);
            const pick = pickHourTariff(max);
            assertIndexedTariffBounds(pick, allowed); // each key alone is a plausible tariff
            const y1 = tariffWeights(bare('half-even'), period, series);
            const y2 = tariffWeights(pick, period, series);
            const hot = maxSlots(period, series);
            const revealed = y2.filter((w, i) => w !== y1[i]).length; // hot hour, hours ≤ −max
            assert.ok(revealed >= hot.length && revealed < GUARD_DEFAULT_K);
            for (const set of [
                [y1, y2],
                [energyWeights(period), y1, y2],
                [y2, y1, y1],
            ]) {
                const v = guardKeySet(set);
                assert.equal(v.allowed, false, period.periodId);
                assert.ok((v.minSupport ?? Infinity) <= revealed);
                if (revealed === hot.length) assert.deepEqual(v.witness?.slots, hot.slice(0, 8));
            }
            assert.equal(guardKeySet([y2]).allowed, true, 'each key alone reveals one sum only');
        }
    });
});

describe('properties over random price series and in-bounds tariffs', () => {
    const period = periodSlots('2024-02'); // 2784 quarter hours, 696 hours
    const hours = period.slotCount / 4;
    const seriesArb = fc
        .array(fc.integer({ min: -50_000, max: 200_000 }), { minLength: hours, maxLength: hours })
        .chain((prices) =>
            // sometimes a dominant price (a flat stretch), so that refusals occur too
            fc.record({
                prices: fc.constant(prices),
                flat: fc.integer({ min: 0, max: hours }),
                flatPrice: fc.integer({ min: -100, max: 100 }),
            }),
        )
        .map(({ prices, flat, flatPrice }) => ({
            id: SERIES,
            startMs: period.startMs,
            intervalMinutes: 60 as const,
            prices: prices.map((p, j) => (j < flat ? flatPrice : p)),
        }));
    const tariffArb = fc
        .record({
            unit: fc.constant('nEUR' as const),
            den: fc.integer({ min: 1, max: 1000 }),
            stretch: fc.integer({ min: 0, max: 10_000 }),
            markupShare: fc.integer({ min: 0, max: 1000 }),
            rounding: fc.constantFrom(...ROUNDING_MODES),
        })
        .map(({ unit, den, stretch, markupShare, rounding }) => {
            const minNum = Math.ceil(den / 10); // in-bounds nEUR factors: 1/10 … 10
            const maxNum = INDEXED_FACTOR_MAX * den;
            const factorNum = minNum + Math.floor(((maxNum - minNum) * stretch) / 10_000);
            const markup = Math.floor((INDEXED_MARKUP_MAX[unit] * markupShare) / 1000);
            return indexed({ currencyUnit: unit, factorNum, factorDen: den, markup, rounding });
        });

    it('in-bounds weights are strictly increasing in the price, and the guard beside the total key is exact', () => {
        fc.assert(
            fc.property(seriesArb, tariffArb, (series, tariff) => {
                assertIndexedTariffBounds(tariff, allowed);
                const y = tariffWeights(tariff, period, series);
                const byPrice = new Map<number, bigint>();
                const count = new Map<number, number>();
                for (let i = 0; i < y.length; i++) {
                    const p = series.prices[Math.floor(i / 4)]!;
                    byPrice.set(p, y[i]!);
                    count.set(p, (count.get(p) ?? 0) + 1);
                }
                const sorted = [...byPrice.entries()].sort((a, b) => a[0] - b[0]);
                for (let j = 1; j < sorted.length; j++)
                    assert.ok(
                        sorted[j]![1] > sorted[j - 1]![1],
                        'distinct prices, distinct weights',
                    );
                const dominant = Math.max(...count.values());
                const v = guardKeySet([energyWeights(period), y]);
                // one price only: y is a multiple of the total key (rank 1), which is non-zero everywhere
                const expect = count.size === 1 ? period.slotCount : period.slotCount - dominant;
                assert.equal(v.allowed, expect >= GUARD_DEFAULT_K, v.reason);
                if (!v.allowed) assert.equal(v.minSupport, expect);
                else if (v.minSupportExact) assert.equal(v.minSupport, expect);
                return true;
            }),
            { numRuns: 25 },
        );
    });

    it('the threshold and pick-an-hour attacks are refused on every series', () => {
        fc.assert(
            fc.property(seriesArb, (series) => {
                const max = Math.max(...series.prices);
                fc.pre(max > 0);
                const hot = series.prices.filter((p) => p === max || p <= -max).length * 4;
                fc.pre(hot < GUARD_DEFAULT_K);
                const t = thresholdTariff(max);
                assert.throws(() => {
                    assertIndexedTariffBounds(t, allowed);
                }, TariffDocumentError);
                const total = energyWeights(period);
                const v1 = guardKeySet([total, tariffWeights(t, period, series)]);
                assert.equal(v1.allowed, false);
                const y1 = tariffWeights(bare('floor'), period, series);
                const y2 = tariffWeights(pickHourTariff(max), period, series);
                const v2 = guardKeySet([total, y2, y1]);
                assert.equal(v2.allowed, false);
                assert.ok((v2.minSupport ?? Infinity) <= hot);
                return true;
            }),
            { numRuns: 15 },
        );
    });
});
