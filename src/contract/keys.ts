// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/keys
 * Every state key of the contract, built in one place. Composite keys ("objectType" + attributes);
 * numbers fixed-width so range scans come back in order.
 *
 *   party   [partyId]                                   Party
 *   ident   [mspId, clientId]                           IdentityRef (who a submitter is)
 *   meter   [meterId]                                   Meter
 *   mpk     [meter, channel, period]                    MpkRecord
 *   mpkack  [meter, channel, period]                    MpkAck
 *   tariff  [tariffId, version]                         TariffRecord
 *   series  [seriesId, period]                          SeriesRecord
 *   agree   [meter, channel, period, provider, tariff]  Agreement (encrypted functional key)
 *   consent [meter, channel, period, txId]              Consent (allowed or refused, with reason)
 *   seq     [meter]                                     MeterSequence
 *   period  [meter, channel, period]                    PeriodRecord
 *   rchunk  [meter, channel, period, chunk]             binary readings of 96 slots (reading-batch.ts)
 *   bill    [meter, channel, period, provider, tariff]  Bill
 *   seriesowner [series]                                SeriesOwner (the index publisher that registered it)
 *   fold    [meter, channel, period, provider, tariff]  Fold (weights, K_y and the running Σ y_i·C_i)
 */

/** Minimal key-building surface (fabric-shim's stub has it; so does the embedded engine's). */
export interface KeyBuilder {
    createCompositeKey(objectType: string, attributes: string[]): string;
}

export const pad = (n: number, width: number): string => n.toString().padStart(width, '0');

export const keys = {
    party: (s: KeyBuilder, id: string) => s.createCompositeKey('party', [id]),
    ident: (s: KeyBuilder, mspId: string, clientId: string) =>
        s.createCompositeKey('ident', [mspId, clientId]),
    meter: (s: KeyBuilder, id: string) => s.createCompositeKey('meter', [id]),
    mpk: (s: KeyBuilder, m: string, c: string, p: string) => s.createCompositeKey('mpk', [m, c, p]),
    mpkAck: (s: KeyBuilder, m: string, c: string, p: string) =>
        s.createCompositeKey('mpkack', [m, c, p]),
    tariff: (s: KeyBuilder, id: string, version: number) =>
        s.createCompositeKey('tariff', [id, pad(version, 10)]),
    series: (s: KeyBuilder, id: string, period: string) =>
        s.createCompositeKey('series', [id, period]),
    agree: (s: KeyBuilder, m: string, c: string, p: string, provider: string, tariff: string) =>
        s.createCompositeKey('agree', [m, c, p, provider, tariff]),
    consent: (s: KeyBuilder, m: string, c: string, p: string, txId: string) =>
        s.createCompositeKey('consent', [m, c, p, txId]),
    seq: (s: KeyBuilder, m: string) => s.createCompositeKey('seq', [m]),
    period: (s: KeyBuilder, m: string, c: string, p: string) =>
        s.createCompositeKey('period', [m, c, p]),
    readingChunk: (s: KeyBuilder, m: string, c: string, p: string, chunk: number) =>
        s.createCompositeKey('rchunk', [m, c, p, pad(chunk, 4)]),
    bill: (s: KeyBuilder, m: string, c: string, p: string, provider: string, tariff: string) =>
        s.createCompositeKey('bill', [m, c, p, provider, tariff]),
    seriesOwner: (s: KeyBuilder, series: string) => s.createCompositeKey('seriesowner', [series]),
    fold: (s: KeyBuilder, m: string, c: string, p: string, provider: string, tariff: string) =>
        s.createCompositeKey('fold', [m, c, p, provider, tariff]),
    foldIndex: (s: KeyBuilder, m: string, c: string, p: string) =>
        s.createCompositeKey('foldidx', [m, c, p]),
    survey: (s: KeyBuilder, m: string, c: string, p: string, id: string) =>
        s.createCompositeKey('survey', [m, c, p, id]),
};
