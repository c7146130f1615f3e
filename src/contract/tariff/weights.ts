// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/weights
 * Weight vectors y of a billing period (DESIGN.md §2 KeyDer, §3 guard, §4 step 3): one integer
 * weight per slot, derived deterministically from a tariff document, the period's slots and, for
 * indexed tariffs, a public price series. The functional key for y reveals only Σ x_i·y_i.
 *
 * - flat: y_i = price.
 * - zones: y_i = price of the first zone matching the local wall-clock start of slot i (holiday
 *   rule in document.ts), else defaultPrice. DST days need no special case: every slot is mapped
 *   by its own local time, so a 92-slot day has no 02:xx slots and a 100-slot day two of each.
 * - indexed: y_i = round(p_j · factorNum/factorDen · c) + markup, p_j the price (ct/MWh) of the
 *   series interval containing slot i, c the unit conversion of units.ts. All in `bigint`; the
 *   result must lie in [−2^31, 2^31 − 1].
 */

import type { IndexedTariff, Tariff, TariffZone, ZonesTariff } from './document.js';
import { INT32_MAX, INT32_MIN, ZONE_DAYS, zoneMinutes } from './document.js';
import { PriceSeriesError, TariffWeightsError } from './errors.js';
import { holidayLookup } from './holidays.js';
import { slotWallClocks, type BillingPeriod } from './period.js';
import { divRound } from './rounding.js';
import { assertPriceSeries, type PriceSeries } from './series.js';
import { CURRENCY_UNITS } from './units.js';

/**
 * The total-energy function: y_i = 1 for every slot, so Σ x_i·y_i is the energy of the period in Wh.
 * @example
 * energyWeights(periodSlots('2024-02')).length; // 2784
 */
export function energyWeights(period: BillingPeriod): bigint[] {
    return new Array<bigint>(period.slotCount).fill(1n);
}

/**
 * Weights of a tariff for one period.
 * @param tariff - a document from {@link parseTariff}.
 * @param period - from {@link periodSlots}, in the tariff's time zone.
 * @param priceSeries - for indexed tariffs: the series named by the tariff, covering every slot.
 * @returns one weight per slot (length slotCount), in the tariff's currency unit per Wh.
 * @throws {TariffWeightsError} when the period is in another time zone, a zone edge is not on a
 *   slot boundary, or a weight leaves the int32 range.
 * @throws {PriceSeriesError} when an indexed tariff gets no series, another series, a finer series
 *   than its slots, or one that misses a slot.
 * @example
 * const w = tariffWeights(parseTariff(doc), periodSlots('2024-03', 'Europe/Berlin'));
 */
export function tariffWeights(
    tariff: Tariff,
    period: BillingPeriod,
    priceSeries?: PriceSeries,
): bigint[] {
    if (tariff.timeZone !== period.timeZone) {
        throw new TariffWeightsError(
            `tariff ${tariff.id} is defined in ${tariff.timeZone} but period ${period.periodId} is cut in ` +
                `${period.timeZone}; build the period with periodSlots(id, "${tariff.timeZone}")`,
        );
    }
    switch (tariff.kind) {
        case 'flat':
            return new Array<bigint>(period.slotCount).fill(BigInt(tariff.price));
        case 'zones':
            return zoneWeights(tariff, period);
        case 'indexed':
            return indexedWeights(tariff, period, priceSeries);
    }
}

interface CompiledZone {
    readonly price: bigint;
    /** Bit n-1 set for ISO weekday n, bit 7 for "holiday". */
    readonly dayMask: number;
    readonly from: number;
    readonly to: number;
}

const HOLIDAY_BIT = 1 << 7;
const SUNDAY_BIT = 1 << 6;

function compileZone(zone: TariffZone, index: number, intervalMinutes: number): CompiledZone {
    const from = zoneMinutes(zone.from, `zones[${index}].from`);
    const to = zoneMinutes(zone.to, `zones[${index}].to`);
    for (const [edge, minutes] of [
        ['from', from],
        ['to', to],
    ] as const) {
        if (minutes % intervalMinutes !== 0) {
            throw new TariffWeightsError(
                `zone "${zone.name}" ${edge} ${zone[edge]} is not on a ${intervalMinutes}-minute slot boundary; ` +
                    `the tariff cannot price a slot that straddles a zone edge`,
            );
        }
    }
    let dayMask = 0;
    for (const d of zone.days) dayMask |= 1 << ZONE_DAYS.indexOf(d);
    return { price: BigInt(zone.price), dayMask, from, to };
}

function zoneMatches(z: CompiledZone, dayBit: number, minuteOfDay: number): boolean {
    if ((z.dayMask & dayBit) === 0) return false;
    return z.from < z.to
        ? minuteOfDay >= z.from && minuteOfDay < z.to
        : minuteOfDay >= z.from || minuteOfDay < z.to;
}

function zoneWeights(tariff: ZonesTariff, period: BillingPeriod): bigint[] {
    const zones = tariff.zones.map((z, i) => compileZone(z, i, period.intervalMinutes));
    const fallback = BigInt(tariff.defaultPrice);
    const clocks = slotWallClocks(period);
    const lookups = new Map<number, (month: number, day: number) => boolean>();
    const out = new Array<bigint>(period.slotCount);
    for (let i = 0; i < clocks.length; i++) {
        const w = clocks[i];
        if (w === undefined) throw new TariffWeightsError(`internal: no wall clock for slot ${i}`);
        let isHoliday = lookups.get(w.year);
        if (isHoliday === undefined) {
            isHoliday = holidayLookup(tariff.holidays, w.year);
            lookups.set(w.year, isHoliday);
        }
        // Holidays match "holiday" and "sun" zones, never their calendar weekday.
        const dayBit = isHoliday(w.month, w.day) ? HOLIDAY_BIT | SUNDAY_BIT : 1 << (w.weekday - 1);
        const minuteOfDay = w.hour * 60 + w.minute;
        let price = fallback;
        for (const z of zones) {
            if (zoneMatches(z, dayBit, minuteOfDay)) {
                price = z.price;
                break;
            }
        }
        out[i] = price;
    }
    return out;
}

function indexedWeights(
    tariff: IndexedTariff,
    period: BillingPeriod,
    priceSeries: PriceSeries | undefined,
): bigint[] {
    if (priceSeries === undefined) {
        throw new PriceSeriesError(
            `tariff ${tariff.id} is indexed: pass the price series "${tariff.series}" covering period ${period.periodId}`,
        );
    }
    const series = assertPriceSeries(priceSeries);
    if (series.id !== tariff.series) {
        throw new PriceSeriesError(
            `tariff ${tariff.id} follows series "${tariff.series}", got series "${series.id}"`,
        );
    }
    if (series.intervalMinutes < period.intervalMinutes) {
        throw new PriceSeriesError(
            `series "${series.id}" has ${series.intervalMinutes}-minute prices but the period has ` +
                `${period.intervalMinutes}-minute slots; the tariff defines no average over prices, use ` +
                `${series.intervalMinutes}-minute slots`,
        );
    }
    const unit = CURRENCY_UNITS[tariff.currencyUnit];
    // y = round(p · factorNum · unit.num / (factorDen · unit.den)) + markup
    const num = BigInt(tariff.factorNum) * unit.num;
    const den = BigInt(tariff.factorDen) * unit.den;
    const markup = BigInt(tariff.markup);
    const slotMs = period.intervalMinutes * 60_000;
    const priceMs = series.intervalMinutes * 60_000;
    const memo = new Map<number, bigint>();
    const out = new Array<bigint>(period.slotCount);
    for (let i = 0; i < period.slotCount; i++) {
        const start = period.startMs + i * slotMs;
        const rel = start - series.startMs;
        const j = Math.floor(rel / priceMs);
        const p = series.prices[j];
        if (rel < 0 || p === undefined) {
            throw new PriceSeriesError(
                `series "${series.id}" has no price for slot ${i} of period ${period.periodId} ` +
                    `(${new Date(start).toISOString()}); publish the missing day-ahead prices first`,
                i,
            );
        }
        if (rel - j * priceMs + slotMs > priceMs) {
            throw new PriceSeriesError(
                `slot ${i} (${new Date(start).toISOString()}) straddles two price intervals of series "${series.id}"; ` +
                    `series and slots must be aligned`,
                i,
            );
        }
        let w = memo.get(p);
        if (w === undefined) {
            w = divRound(BigInt(p) * num, den, tariff.rounding) + markup;
            if (w < BigInt(INT32_MIN) || w > BigInt(INT32_MAX)) {
                throw new TariffWeightsError(
                    `weight ${w} for price ${p} ct/MWh (slot ${i}) is outside [−2^31, 2^31 − 1]; check factor and markup`,
                );
            }
            memo.set(p, w);
        }
        out[i] = w;
    }
    return out;
}
