// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/weights
 * The weight vector y of an agreed tariff for one meter period, derived on the ledger from the
 * stored tariff document and (for indexed tariffs) the stored price series. The contract never
 * takes weights from a caller: that is what binds a bill to the agreed billing function.
 */
import type { Context } from 'fabric-contract-api';
import { sha256 } from '@noble/hashes/sha2.js';
import { ContractError } from './errors.js';
import { keys } from './keys.js';
import type { Meter, SeriesRecord, TariffRecord } from './records.js';
import { getJson, mustGet } from './state.js';
import {
    meterPeriod as slotGrid,
    parseTariff,
    tariffWeights,
    TariffError,
    type BillingPeriod,
    type Tariff,
} from './tariff/index.js';
import { bytesToHex } from './validate.js';

/** The billing period of a meter (slot grid in the meter's time zone), refused as `OUT_OF_RANGE` if invalid. */
export function meterPeriod(meter: Meter, period: string): BillingPeriod {
    try {
        return slotGrid(meter, period);
    } catch (e) {
        throw new ContractError('OUT_OF_RANGE', `period ${period}: ${(e as Error).message}`, {
            cause: e,
        });
    }
}

export async function getTariff(
    ctx: Context,
    id: string,
    version: number,
): Promise<{ rec: TariffRecord; tariff: Tariff }> {
    const rec = await mustGet<TariffRecord>(
        ctx,
        keys.tariff(ctx.stub, id, version),
        `tariff ${id}@${version}`,
    );
    return { rec, tariff: parseTariff(rec.doc) };
}

/** y for (meter, period, tariff). */
export async function weightsFor(
    ctx: Context,
    meter: Meter,
    period: string,
    tariff: Tariff,
): Promise<bigint[]> {
    if (tariff.timeZone !== meter.timeZone) {
        throw new ContractError(
            'BAD_REQUEST',
            `tariff ${tariff.id} is defined in ${tariff.timeZone}, meter ${meter.id} cuts periods in ${meter.timeZone}`,
        );
    }
    const bp = meterPeriod(meter, period);
    let series: SeriesRecord | undefined;
    if (tariff.kind === 'indexed') {
        series = await getJson<SeriesRecord>(ctx, keys.series(ctx.stub, tariff.series, period));
        if (!series)
            throw new ContractError(
                'NOT_FOUND',
                `price series ${tariff.series} for ${period} is not published yet; the index publisher must publish it first`,
            );
    }
    try {
        return tariffWeights(
            tariff,
            bp,
            series && {
                id: series.id,
                startMs: series.startMs,
                intervalMinutes: series.intervalMinutes,
                prices: series.prices,
            },
        );
    } catch (e) {
        if (e instanceof TariffError)
            throw new ContractError('BAD_REQUEST', e.message, { cause: e });
        throw e;
    }
}

/** SHA-256 over the weights as i64 big-endian, hex: what consent and agreement records name. */
export function weightsDigest(y: readonly bigint[]): string {
    const b = new Uint8Array(y.length * 8);
    const v = new DataView(b.buffer);
    y.forEach((w, i) => {
        v.setBigInt64(i * 8, w);
    });
    return bytesToHex(sha256(b));
}
