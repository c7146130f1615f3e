// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of tariff-document validation: the three kinds parse; every rule refuses hostile input with
 * a TariffDocumentError naming the field; the input is never modified.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    TariffDocumentError,
    parseTariff,
    zoneMinutes,
} from '../../../src/contract/tariff/index.js';
import { flatDoc, indexedDoc, zonesDoc } from './tariff.helpers.js';

/** Asserts that parsing fails on `field`, and that the document was not modified. */
function refuses(doc: unknown, field: string): void {
    const before = JSON.stringify(doc);
    assert.throws(
        () => parseTariff(doc),
        (e: unknown) => {
            assert.ok(
                e instanceof TariffDocumentError,
                `expected TariffDocumentError, got ${String(e)}`,
            );
            assert.equal(e.field, field, e.message);
            assert.equal(e.code, 'TARIFF_FIELD');
            assert.ok(e.message.includes(field));
            return true;
        },
    );
    assert.equal(JSON.stringify(doc), before, 'input unchanged');
}

function withField(
    base: Record<string, unknown>,
    key: string,
    value: unknown,
): Record<string, unknown> {
    return { ...base, [key]: value };
}

describe('parseTariff accepts', () => {
    it('a flat tariff', () => {
        const t = parseTariff(flatDoc());
        assert.equal(t.kind, 'flat');
        assert.equal(t.price, 300);
        assert.equal(t.currencyUnit, 'µEUR');
        assert.ok(Object.isFrozen(t));
        assert.equal(t.holidays, undefined);
    });

    it('a zone tariff, deep-frozen, with exactly its fields', () => {
        const doc = zonesDoc('BY');
        const t = parseTariff(JSON.parse(JSON.stringify(doc)));
        assert.deepEqual(JSON.parse(JSON.stringify(t)), doc);
        assert.ok(
            t.kind === 'zones' &&
                Object.isFrozen(t.zones) &&
                Object.isFrozen(t.zones[0]) &&
                Object.isFrozen(t.zones[0]?.days),
        );
    });

    it('an indexed tariff', () => {
        const t = parseTariff({
            ...indexedDoc(),
            factorNum: 119,
            factorDen: 100,
            markup: -20,
            rounding: 'floor',
            holidays: { country: 'DE' },
        });
        assert.ok(
            t.kind === 'indexed' &&
                t.factorNum === 119 &&
                t.rounding === 'floor' &&
                t.markup === -20,
        );
    });

    it('integer bounds and limits inclusive', () => {
        parseTariff(withField(flatDoc(), 'price', 2 ** 31 - 1));
        parseTariff(withField(flatDoc(), 'price', -(2 ** 31)));
        parseTariff(withField(flatDoc(), 'name', 'n'.repeat(128)));
        const doc = zonesDoc();
        doc.zones = Array.from({ length: 64 }, (_, i) => ({
            name: `z${i}`,
            price: i,
            days: ['mon'],
            from: '00:00',
            to: '24:00',
        }));
        parseTariff(doc);
    });
});

describe('parseTariff refuses', () => {
    it('values that are not a tariff object', () => {
        for (const v of [
            null,
            undefined,
            42,
            true,
            [],
            'x',
            JSON.stringify(flatDoc()),
            new Date(),
            new Map(),
        ])
            refuses(v, '$');
    });

    it('unknown fields, at every level', () => {
        refuses(withField(flatDoc(), 'discount', 5), 'discount');
        refuses(withField(flatDoc(), '__proto__', 5), '__proto__');
        refuses(JSON.parse('{"__proto__": {"x": 1}, "kind": "flat"}'), '__proto__');
        refuses(withField(flatDoc(), 'zones', []), 'zones'); // a zones field on a flat tariff
        const z = zonesDoc();
        (z.zones as Record<string, unknown>[])[1] = {
            ...(z.zones as Record<string, unknown>[])[1],
            colour: 'red',
        };
        refuses(z, 'zones[1].colour');
        refuses(
            withField(zonesDoc(), 'holidays', { country: 'DE', region: 'x' }),
            'holidays.region',
        );
    });

    it('missing fields', () => {
        for (const key of [
            'format',
            'id',
            'version',
            'name',
            'provider',
            'timeZone',
            'currencyUnit',
            'price',
        ]) {
            const d = flatDoc();
            Reflect.deleteProperty(d, key);
            refuses(d, key);
        }
        const z = zonesDoc();
        delete z.holidays;
        refuses(z, 'holidays');
        const i = indexedDoc();
        delete i.rounding;
        refuses(i, 'rounding');
        const zone = zonesDoc();
        delete (zone.zones as Record<string, unknown>[])[0]?.to;
        refuses(zone, 'zones[0].to');
    });

    it('a wrong format or kind', () => {
        refuses(withField(flatDoc(), 'format', 'femeter-tariff/2'), 'format');
        refuses(withField(flatDoc(), 'kind', 'tiered'), 'kind');
        refuses(withField(flatDoc(), 'kind', undefined), 'kind');
    });

    it('integers out of range or not integers', () => {
        for (const v of [
            2 ** 31,
            -(2 ** 31) - 1,
            1.5,
            '300',
            Number.NaN,
            Number.POSITIVE_INFINITY,
            null,
            -0.5,
        ]) {
            refuses(withField(flatDoc(), 'price', v), 'price');
        }
        assert.throws(() => parseTariff(withField(flatDoc(), 'price', 300n)), TariffDocumentError);
        refuses(withField(flatDoc(), 'version', 0), 'version');
        refuses(withField(indexedDoc(), 'factorNum', 0), 'factorNum');
        refuses(withField(indexedDoc(), 'factorDen', -1), 'factorDen');
        refuses(withField(indexedDoc(), 'markup', 2 ** 31), 'markup');
    });

    it('bad strings', () => {
        refuses(withField(flatDoc(), 'name', 'n'.repeat(129)), 'name');
        refuses(withField(flatDoc(), 'name', ''), 'name');
        refuses(withField(flatDoc(), 'name', '   '), 'name');
        refuses(withField(flatDoc(), 'name', 'line\nbreak'), 'name');
        refuses(withField(flatDoc(), 'name', 'lone \ud800 surrogate'), 'name');
        refuses(withField(flatDoc(), 'id', 'has space'), 'id');
        refuses(withField(flatDoc(), 'id', '-leading-dash'), 'id');
        refuses(withField(flatDoc(), 'provider', 'x'.repeat(129)), 'provider');
        refuses(withField(flatDoc(), 'timeZone', 'Mars/Olympus_Mons'), 'timeZone');
        refuses(withField(flatDoc(), 'timeZone', 42), 'timeZone');
        refuses(withField(flatDoc(), 'timeZone', 'europe/berlin'), 'timeZone');
        assert.throws(
            () => parseTariff(withField(flatDoc(), 'timeZone', 'europe/berlin')),
            /write the time zone as "Europe\/Berlin"/,
        );
        refuses(withField(indexedDoc(), 'series', ''), 'series');
    });

    it('unknown currency units, with a hint for the Greek mu', () => {
        refuses(withField(flatDoc(), 'currencyUnit', 'EUR'), 'currencyUnit');
        refuses(withField(flatDoc(), 'currencyUnit', '\u03bcEUR'), 'currencyUnit');
        assert.throws(
            () => parseTariff(withField(flatDoc(), 'currencyUnit', '\u03bcEUR')),
            /MICRO SIGN/,
        );
    });

    it('holiday calendars: DE with a state, AT, FR, or an explicit date list', () => {
        for (const h of [{ country: 'AT' }, { country: 'FR' }, { dates: ['2024-03-29'] }])
            assert.deepEqual(parseTariff(withField(zonesDoc(), 'holidays', h)).holidays, h);
    });

    it('bad holiday calendars', () => {
        refuses(withField(zonesDoc(), 'holidays', { country: 'AU' }), 'holidays.country');
        assert.throws(
            () => parseTariff(withField(zonesDoc(), 'holidays', { country: 'AU' })),
            /elsewhere give the days as \{ "dates"/,
        );
        refuses(withField(zonesDoc(), 'holidays', { country: 'AT', state: 'W' }), 'holidays.state');
        refuses(withField(zonesDoc(), 'holidays', { dates: [] }), 'holidays.dates');
        refuses(withField(zonesDoc(), 'holidays', { dates: ['2024-13-01'] }), 'holidays.dates');
        refuses(
            withField(zonesDoc(), 'holidays', { dates: ['2024-01-01'], country: 'DE' }),
            'holidays.country',
        );
        refuses(
            withField(zonesDoc(), 'holidays', { country: 'DE', state: 'XX' }),
            'holidays.state',
        );
        refuses(
            withField(zonesDoc(), 'holidays', { country: 'DE', state: 'by' }),
            'holidays.state',
        );
        refuses(withField(zonesDoc(), 'holidays', 'DE'), 'holidays');
    });

    it('bad zone lists', () => {
        refuses(withField(zonesDoc(), 'zones', []), 'zones');
        refuses(withField(zonesDoc(), 'zones', {}), 'zones');
        refuses(
            withField(
                zonesDoc(),
                'zones',
                Array.from({ length: 65 }, (_, i) => ({
                    name: `z${i}`,
                    price: 1,
                    days: ['mon'],
                    from: '00:00',
                    to: '24:00',
                })),
            ),
            'zones',
        );
        const dup = zonesDoc();
        (dup.zones as Record<string, unknown>[])[2] = {
            ...(dup.zones as Record<string, unknown>[])[2],
            name: 'peak',
        };
        refuses(dup, 'zones[2].name');
        refuses(withField(zonesDoc(), 'zones', [null]), 'zones[0]');
    });

    it('bad zone days and times', () => {
        const zone = (patch: Record<string, unknown>): Record<string, unknown> =>
            withField(zonesDoc(), 'zones', [
                { name: 'z', price: 1, days: ['mon'], from: '07:00', to: '20:00', ...patch },
            ]);
        refuses(zone({ days: [] }), 'zones[0].days');
        refuses(zone({ days: 'mon' }), 'zones[0].days');
        refuses(zone({ days: ['monday'] }), 'zones[0].days[0]');
        refuses(zone({ days: ['mon', 'Mon'] }), 'zones[0].days[1]');
        refuses(zone({ days: ['mon', 'tue', 'mon'] }), 'zones[0].days[2]');
        for (const from of ['7:00', '07:0', '24:00', '07:60', '25:00', '0700', '', 7])
            refuses(zone({ from }), 'zones[0].from');
        for (const to of ['00:00', '24:01', '24:15', '7:00', 'noon'])
            refuses(zone({ to }), 'zones[0].to');
        refuses(zone({ from: '08:00', to: '08:00' }), 'zones[0].to');
    });

    it('unknown rounding modes', () => {
        for (const r of ['banker', 'HALF-EVEN', '', null])
            refuses(withField(indexedDoc(), 'rounding', r), 'rounding');
    });
});

describe('zoneMinutes', () => {
    it('reads HH:MM and 24:00', () => {
        assert.equal(zoneMinutes('00:00'), 0);
        assert.equal(zoneMinutes('06:30'), 390);
        assert.equal(zoneMinutes('24:00'), 1440);
        assert.throws(() => zoneMinutes('6:30'), TariffDocumentError);
    });
});
