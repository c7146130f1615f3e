// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/demo/tariffs
 * The demo's tariff documents: total energy (the "energy" function, y_i = 1), a flat tariff, a
 * two-zone (HT/NT) time-of-use tariff and an indexed spot-price tariff following the DE-LU day-ahead
 * series. Prices in µEUR per Wh (1 µEUR/Wh = 0.1 ct/kWh); the spot tariff in nEUR per Wh, because an
 * indexed tariff must resolve every price step of its series (contract/tariff/bounds.ts: with µEUR
 * one weight unit would merge 100 price steps).
 */
export const ENERGY_TARIFF = (provider: string): Record<string, unknown> => ({
    format: 'femeter-tariff/1',
    id: `${provider}.energy`,
    version: 1,
    name: 'Total energy (Wh)',
    provider,
    timeZone: 'Europe/Berlin',
    currencyUnit: 'µEUR',
    kind: 'flat',
    price: 1,
});

export const FLAT_TARIFF = (provider: string): Record<string, unknown> => ({
    format: 'femeter-tariff/1',
    id: `${provider}.flat`,
    version: 1,
    name: 'Basis 32 ct/kWh',
    provider,
    timeZone: 'Europe/Berlin',
    currencyUnit: 'µEUR',
    kind: 'flat',
    price: 320,
});

export const TWO_ZONE_TARIFF = (provider: string): Record<string, unknown> => ({
    format: 'femeter-tariff/1',
    id: `${provider}.htnt`,
    version: 1,
    name: 'HT/NT: 36 ct day, 24 ct night and weekend',
    provider,
    timeZone: 'Europe/Berlin',
    currencyUnit: 'µEUR',
    kind: 'zones',
    holidays: { country: 'DE' },
    defaultPrice: 240,
    zones: [
        {
            name: 'HT',
            price: 360,
            days: ['mon', 'tue', 'wed', 'thu', 'fri'],
            from: '06:00',
            to: '22:00',
        },
    ],
});

export const SPOT_TARIFF = (provider: string, series: string): Record<string, unknown> => ({
    format: 'femeter-tariff/1',
    id: `${provider}.spot`,
    version: 1,
    name: 'Dynamic: day-ahead × 1.19 + 18 ct/kWh',
    provider,
    timeZone: 'Europe/Berlin',
    currencyUnit: 'nEUR',
    kind: 'indexed',
    series,
    markup: 180_000,
    factorNum: 119,
    factorDen: 100,
    rounding: 'half-even',
});
