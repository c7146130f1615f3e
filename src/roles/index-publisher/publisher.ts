// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/index-publisher/publisher
 * The index publisher (DESIGN.md §3) on the ledger: publishes a billing period's slice of a price
 * series (read with `./prices.ts`) for indexed tariffs to follow.
 */
import type { PriceSeries } from '../../contract/tariff/index.js';
import type { FemeterApi } from '../api.js';

/** Options of {@link IndexPublisher}. */
export interface IndexPublisherOptions {
    /** The publisher's connection (a party registered with role `indexPublisher`). */
    readonly api: FemeterApi;
}

/**
 * The index publisher.
 *
 * @example
 * ```ts
 * const publisher = new IndexPublisher({ api: participant.api });
 * const series = seriesForPeriod(parseDayAheadCsv(csv), periodSlots('2024-03', 'Europe/Berlin', 15));
 * await publisher.publish(series, '2024-03');
 * ```
 */
export class IndexPublisher {
    readonly #api: FemeterApi;
    constructor(opts: Readonly<IndexPublisherOptions>) {
        this.#api = opts.api;
    }

    /** Publish `series` (already sliced to the period, e.g. by `seriesForPeriod`) for `period`. */
    async publish(series: PriceSeries, period: string): Promise<void> {
        await this.#api.publishPriceSeries({
            id: series.id,
            period,
            startMs: series.startMs,
            intervalMinutes: series.intervalMinutes,
            prices: series.prices,
        });
    }
}
