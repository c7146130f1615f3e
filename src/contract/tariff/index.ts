// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff
 * Billing periods, German public holidays, tariff documents and the weight vectors derived from
 * them (DESIGN.md §3, §4). Pure and deterministic: runs in Fabric chaincode and in the browser
 * (no node: modules; local time via `Intl`).
 */

export {
    TariffError,
    PeriodError,
    TariffDocumentError,
    PriceSeriesError,
    TariffWeightsError,
} from './errors.js';
export {
    type WallClock,
    assertTimeZone,
    wallClock,
    wallClockAtOffset,
    wallClockSeries,
    isoWeekday,
    startOfLocalDay,
} from './localtime.js';
export {
    type BillingPeriod,
    DEFAULT_TIME_ZONE,
    DEFAULT_INTERVAL_MINUTES,
    PERIOD_YEAR_MIN,
    PERIOD_YEAR_MAX,
    ALLOWED_INTERVAL_MINUTES,
    parsePeriodId,
    formatPeriodId,
    nextPeriodId,
    previousPeriodId,
    assertIntervalMinutes,
    periodSlots,
    meterPeriod,
    slotStartMs,
    slotOfInstant,
    periodIdOfInstant,
    slotWallClocks,
} from './period.js';
export {
    type GermanState,
    type HolidayCalendar,
    type HolidayCountry,
    type PublicHoliday,
    GERMAN_STATES,
    HOLIDAY_COUNTRIES,
    HOLIDAY_YEAR_MIN,
    HOLIDAY_YEAR_MAX,
    MAX_HOLIDAY_DATES,
    austrianHolidays,
    checkHolidayDates,
    easterSunday,
    frenchHolidays,
    germanHolidays,
    holidaysOf,
    holidayLookup,
    isPublicHoliday,
} from './holidays.js';
export { type RoundingMode, ROUNDING_MODES, divRound } from './rounding.js';
export { type CurrencyUnit, type UnitConversion, CURRENCY_UNITS, isCurrencyUnit } from './units.js';
export { DOCUMENT_ID_RE, LEDGER_ID_RE } from './ids.js';
export {
    type PriceSeries,
    PRICE_SERIES_UNIT,
    MAX_ABS_PRICE,
    MAX_SERIES_LENGTH,
    assertPriceSeries,
} from './series.js';
export {
    type DayName,
    type ZoneDay,
    type TariffCommon,
    type FlatTariff,
    type TariffZone,
    type ZonesTariff,
    type IndexedTariff,
    type Tariff,
    TARIFF_FORMAT,
    MAX_ZONES,
    MAX_STRING_LENGTH,
    INT32_MIN,
    INT32_MAX,
    ZONE_DAYS,
    parseTariff,
    zoneMinutes,
} from './document.js';
export { energyWeights, tariffWeights } from './weights.js';
export {
    type IndexedBoundsOptions,
    INDEXED_FACTOR_MAX,
    INDEXED_MARKUP_MAX,
    INDEXED_MARKUP_MAX_EUR_PER_KWH,
    assertIndexedTariffBounds,
    priceStepWeight,
} from './bounds.js';
