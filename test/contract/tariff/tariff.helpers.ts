// SPDX-License-Identifier: Apache-2.0
/**
 * Test helper: sample tariff documents as plain JSON values (fresh copies per call, so tests may
 * mutate them).
 */

export function flatDoc(): Record<string, unknown> {
    return {
        format: 'femeter-tariff/1',
        id: 'acme-flat',
        version: 1,
        name: 'ACME Flat 2024',
        provider: 'acme',
        timeZone: 'Europe/Berlin',
        currencyUnit: '\u00b5EUR',
        kind: 'flat',
        price: 300,
    };
}

/** Holiday zone first, weekday peak, weekend day, night wrapping midnight; default 300. */
export function zonesDoc(state?: string): Record<string, unknown> {
    return {
        format: 'femeter-tariff/1',
        id: 'acme-tou',
        version: 3,
        name: 'ACME Time of Use',
        provider: 'acme',
        timeZone: 'Europe/Berlin',
        currencyUnit: '\u00b5EUR',
        holidays: state === undefined ? { country: 'DE' } : { country: 'DE', state },
        kind: 'zones',
        defaultPrice: 300,
        zones: [
            { name: 'holiday', price: 100, days: ['holiday'], from: '00:00', to: '24:00' },
            {
                name: 'peak',
                price: 400,
                days: ['mon', 'tue', 'wed', 'thu', 'fri'],
                from: '07:00',
                to: '20:00',
            },
            { name: 'weekend day', price: 250, days: ['sat', 'sun'], from: '08:00', to: '20:00' },
            {
                name: 'night',
                price: 150,
                days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'],
                from: '22:00',
                to: '06:00',
            },
        ],
    };
}

export function indexedDoc(): Record<string, unknown> {
    return {
        format: 'femeter-tariff/1',
        id: 'acme-dynamic',
        version: 1,
        name: 'ACME Dynamic (§41a EnWG)',
        provider: 'acme',
        timeZone: 'Europe/Berlin',
        currencyUnit: '\u00b5EUR',
        kind: 'indexed',
        series: 'DE-LU/day-ahead',
        markup: 0,
        factorNum: 1,
        factorDen: 1,
        rounding: 'half-even',
    };
}
