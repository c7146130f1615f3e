// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/bounds
 * What an indexed (dynamic) tariff may do to its price series (DESIGN.md §3). The provider picks
 * factor, rounding and markup; a public series alone does not stop it from turning the series into
 * a threshold ("weight 2 in the month's most expensive hour, 1 elsewhere": a tiny factor rounds
 * every price but the highest to the same weight). The bounds:
 * - allowed series: the tariff follows a series the caller allows (the contract: a series id
 *   registered by an index publisher);
 * - positive factor, at most {@link INDEXED_FACTOR_MAX};
 * - rounding granularity no coarser than the series' own resolution: one price step of the series
 *   (1 ct/MWh, {@link PRICE_SERIES_UNIT}) moves the weight by at least one weight unit, i.e.
 *   factor · c ≥ 1 with c the unit conversion of units.ts (c = 10 for nEUR: factor ≥ 1/10; c = 1/100
 *   for µEUR, where one weight unit is 100 price steps and no factor ≤ 10 qualifies, so indexed
 *   tariffs are written in nEUR);
 * - markup in [0, {@link INDEXED_MARKUP_MAX_EUR_PER_KWH} EUR/kWh].
 * With factor · c ≥ 1 every rounding mode of rounding.ts maps distinct prices to distinct weights
 * (values ≥ 1 apart round to distinct integers; for `down`/`up`, |p · f · c| ≥ 1 for p ≠ 0), so
 * the weights are a strictly increasing function of the price: an indexed key singles out no slot
 * the price series itself does not, and the honest dynamic tariff always passes the guard beside
 * the total-energy key unless one price fills more than l − k slots. What combinations of keys
 * reveal (two indexed tariffs on one series, rounding against each other) is the span guard's job
 * (fe/guard.ts `guardKeySet`), not this module's.
 */

import type { IndexedTariff } from './document.js';
import { TariffDocumentError } from './errors.js';
import { PRICE_SERIES_UNIT } from './series.js';
import { CURRENCY_UNITS, type CurrencyUnit } from './units.js';

/** Largest factor on the index price (VAT and similar multipliers are 1–1.3). */
export const INDEXED_FACTOR_MAX = 10;
/** Largest markup, EUR per kWh. */
export const INDEXED_MARKUP_MAX_EUR_PER_KWH = 1;
/** {@link INDEXED_MARKUP_MAX_EUR_PER_KWH} in each currency unit per Wh (1 EUR/kWh = 1000 µEUR/Wh). */
export const INDEXED_MARKUP_MAX: Readonly<Record<CurrencyUnit, number>> = Object.freeze({
    µEUR: INDEXED_MARKUP_MAX_EUR_PER_KWH * 1_000,
    nEUR: INDEXED_MARKUP_MAX_EUR_PER_KWH * 1_000_000,
});

/** Options of {@link assertIndexedTariffBounds}. */
export interface IndexedBoundsOptions {
    /** Series ids an indexed tariff may follow (the contract passes the registered ones). */
    readonly allowedSeries: readonly string[];
}

/**
 * Weight units per price step of the series (factor · c as an exact fraction num/den, reduced).
 * @example
 * priceStepWeight({ ...t, currencyUnit: 'nEUR', factorNum: 119, factorDen: 100 }); // { num: 119n, den: 10n }
 */
export function priceStepWeight(
    tariff: Pick<IndexedTariff, 'currencyUnit' | 'factorNum' | 'factorDen'>,
): { num: bigint; den: bigint } {
    const unit = CURRENCY_UNITS[tariff.currencyUnit];
    let num = BigInt(tariff.factorNum) * unit.num;
    let den = BigInt(tariff.factorDen) * unit.den;
    let a = num;
    let b = den;
    while (b !== 0n) [a, b] = [b, a % b];
    if (a > 1n) {
        num /= a;
        den /= a;
    }
    return { num, den };
}

/**
 * Refuses an indexed tariff outside the bounds of the module notes.
 * @param tariff - a document from parseTariff with kind "indexed".
 * @param opts - the series ids the tariff may follow.
 * @throws {TariffDocumentError} naming the field (`series`, `factorNum`, `markup`) and the bound.
 * @example
 * assertIndexedTariffBounds(tariff, { allowedSeries: ['DE-LU/day-ahead'] });
 */
export function assertIndexedTariffBounds(tariff: IndexedTariff, opts: IndexedBoundsOptions): void {
    if (!opts.allowedSeries.includes(tariff.series)) {
        throw new TariffDocumentError(
            'series',
            `series ${JSON.stringify(tariff.series)} is not an allowed index series` +
                (opts.allowedSeries.length > 0
                    ? ` (allowed: ${opts.allowedSeries.slice(0, 8).join(', ')})`
                    : ' (no series is registered)'),
        );
    }
    if (
        !Number.isSafeInteger(tariff.factorNum) ||
        !Number.isSafeInteger(tariff.factorDen) ||
        tariff.factorNum < 1 ||
        tariff.factorDen < 1
    ) {
        throw new TariffDocumentError('factorNum', 'the factor must be a positive fraction');
    }
    if (BigInt(tariff.factorNum) > BigInt(INDEXED_FACTOR_MAX) * BigInt(tariff.factorDen)) {
        throw new TariffDocumentError(
            'factorNum',
            `factor ${tariff.factorNum}/${tariff.factorDen} exceeds ${INDEXED_FACTOR_MAX}`,
        );
    }
    const step = priceStepWeight(tariff);
    if (step.num < step.den) {
        const unit = CURRENCY_UNITS[tariff.currencyUnit];
        // smallest factor with factor · c ≥ 1 is unit.den / unit.num
        const fix =
            unit.den > BigInt(INDEXED_FACTOR_MAX) * unit.num
                ? 'write the tariff in nEUR'
                : `use a factor of at least ${unit.den}/${unit.num}`;
        throw new TariffDocumentError(
            'factorNum',
            `one price step of the series (1 ${PRICE_SERIES_UNIT}) moves the weight by only ${step.num}/${step.den} ` +
                `${tariff.currencyUnit}/Wh, so rounding would merge distinct prices; the rounding granularity must be no ` +
                `coarser than the series: ${fix}`,
        );
    }
    const max = INDEXED_MARKUP_MAX[tariff.currencyUnit];
    if (!Number.isSafeInteger(tariff.markup) || tariff.markup < 0 || tariff.markup > max) {
        throw new TariffDocumentError(
            'markup',
            `must be in [0, ${max}] ${tariff.currencyUnit}/Wh (0 to ${INDEXED_MARKUP_MAX_EUR_PER_KWH} EUR/kWh), got ${tariff.markup}`,
        );
    }
}
