// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/weights
 * The weights of an agreed tariff for a meter period, computed off-ledger exactly as the contract
 * does (same code: contract/tariff), from the tariff document and price series read from the ledger.
 */
import type { Meter, TariffRecord } from '../contract/index.js';
import { meterPeriod, parseTariff, tariffWeights, type Tariff } from '../contract/tariff/index.js';
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

/** Cache of tariff documents by id@version. */
export class TariffCache {
    readonly #api: FemeterApi;
    readonly #docs = new Map<string, Promise<{ rec: TariffRecord; tariff: Tariff }>>();
    constructor(api: FemeterApi) {
        this.#api = api;
    }
    get(id: string, version: number): Promise<{ rec: TariffRecord; tariff: Tariff }> {
        const k = `${id}@${version}`;
        let p = this.#docs.get(k);
        if (!p) {
            p = this.#api
                .getTariff(id, version)
                .then((rec) => ({ rec, tariff: parseTariff(rec.doc) }));
            this.#docs.set(k, p);
        }
        return p;
    }
}
