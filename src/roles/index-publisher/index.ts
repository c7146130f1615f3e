// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/index-publisher
 * The index publisher (DESIGN.md §3): a registered party, not the provider, that publishes the
 * day-ahead price series indexed tariffs follow. This package reads price files into series
 * (`prices.ts`) and publishes them on the ledger (`publisher.ts`).
 */

export { IndexPublisher } from './publisher.js';
export type { IndexPublisherOptions } from './publisher.js';

export {
    DEFAULT_SERIES_ID,
    DAY_AHEAD_HEADER,
    PriceCsvError,
    type DayAheadCsvOptions,
    parseDayAheadCsv,
    sliceSeries,
    seriesForPeriod,
    seriesByPeriod,
} from './prices.js';
