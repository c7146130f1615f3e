// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/weights
 * The weights of an agreed tariff for a meter period, computed off-ledger exactly as the contract
 * does (same code: contract/tariff), from the tariff document and price series read from the ledger.
 */
import type { Meter, TariffRecord } from '../contract/index.js';
import { meterPeriod, parseTariff, tariffWeights, type Tariff } from '../contract/tariff/index.js';
import { BoundedMap } from '../ledger/bounded.js';
import type { FemeterApi } from './api.js';

export { meterPeriod } from '../contract/tariff/index.js';

/** y of `tariff` for `period` of `meter`; fetches the price series of indexed tariffs. */
export async function tariffWeightsFor(
    api: FemeterApi,
    meter: Meter,
    period: string,
    tariff: Tariff,
): Promise<bigint[]> {
    const bp = meterPeriod(meter, period);
    if (tariff.kind !== 'indexed') return tariffWeights(tariff, bp);
    const s = await api.getPriceSeries(tariff.series, period);
    return tariffWeights(tariff, bp, {
        id: s.id,
        startMs: s.startMs,
        intervalMinutes: s.intervalMinutes,
        prices: s.prices,
    });
}

/** Tariff documents a {@link TariffCache} keeps (least recently used dropped first). */
export const TARIFF_CACHE_DOCS = 1024;
/**
 * Weight vectors a {@link TariffCache} keeps, one per tariff version, period, time zone and slot
 * length: at most 64 × 2,976 weights (about 10 MB for months of 15-minute slots).
 */
export const TARIFF_CACHE_WEIGHTS = 64;

/**
 * Tariff documents by id@version, and their weights per period and slot layout. Every meter
 * with the same tariff, period, time zone and slot length gets the same frozen weights array, so
 * a role that holds keys for many meters holds each distinct vector once.
 */
export class TariffCache {
    readonly #api: FemeterApi;
    readonly #docs = new BoundedMap<string, Promise<{ rec: TariffRecord; tariff: Tariff }>>({
        maxEntries: TARIFF_CACHE_DOCS,
    });
    readonly #weights = new BoundedMap<string, Promise<readonly bigint[]>>({
        maxEntries: TARIFF_CACHE_WEIGHTS,
    });
    constructor(api: FemeterApi) {
        this.#api = api;
    }
    /** Tariff documents and weight vectors held now (at most the stated bounds). */
    get held(): { readonly docs: number; readonly weights: number } {
        return { docs: this.#docs.size, weights: this.#weights.size };
    }
    get(id: string, version: number): Promise<{ rec: TariffRecord; tariff: Tariff }> {
        const k = `${id}@${version}`;
        let p = this.#docs.get(k);
        if (!p) {
            p = this.#api
                .getTariff(id, version)
                .then((rec) => ({ rec, tariff: parseTariff(rec.doc) }));
            this.#remember(this.#docs, k, p);
        }
        return p;
    }
    /** y of tariff id@version for `period` of `meter` (shared, frozen: do not modify). */
    weights(meter: Meter, period: string, id: string, version: number): Promise<readonly bigint[]> {
        const k = `${id}@${version}|${period}|${meter.timeZone}|${meter.slotMinutes}`;
        let p = this.#weights.get(k);
        if (!p) {
            p = this.get(id, version)
                .then(({ tariff }) => tariffWeightsFor(this.#api, meter, period, tariff))
                .then((y) => Object.freeze(y));
            this.#remember(this.#weights, k, p);
        }
        return p;
    }
    /** Cache a pending look-up; a failed one is forgotten so that the next call asks again. */
    #remember<V>(map: BoundedMap<string, Promise<V>>, k: string, p: Promise<V>): void {
        map.set(k, p);
        p.catch(() => {
            if (map.get(k) === p) map.delete(k);
        });
    }
}
