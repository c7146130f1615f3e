// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the DSMR P1 reader: telegrams modelled on the examples of the DSMR 2.2, 5.0.2 and
 * Belgian e-MUCS specifications (CRCs computed by the test's own bitwise CRC16/ARC), the
 * variants real ports send (no CRC, lowercase CRC, LF only, 7E1, noise), S/W timestamps to UTC,
 * M-Bus channels with their own time, long text messages; and every refusal with its message.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    crc16arc,
    decimalToString,
    decodeAll,
    dsmrChannels,
    dsmrFormat,
    DsmrError,
    dsmrTime,
    parseDsmr,
    type MeterTelegram,
} from '../../../../src/roles/meter/sources/index.js';
import { concat, text, writeDsmr } from './writers.js';

/** Lines of the DSMR 5.0.2 P1 companion standard's example telegram (as we wrote it out). */
export const DSMR5_LINES = [
    '1-3:0.2.8(50)',
    '0-0:1.0.0(101209113020W)',
    '0-0:96.1.1(4B384547303034303436333935353037)',
    '1-0:1.8.1(123456.789*kWh)',
    '1-0:1.8.2(123456.789*kWh)',
    '1-0:2.8.1(123456.789*kWh)',
    '1-0:2.8.2(123456.789*kWh)',
    '0-0:96.14.0(0002)',
    '1-0:1.7.0(01.193*kW)',
    '1-0:2.7.0(00.000*kW)',
    '0-0:96.7.21(00004)',
    '0-0:96.7.9(00002)',
    '1-0:99.97.0(2)(0-0:96.7.19)(101208152415W)(0000000240*s)(101208151004W)(0000000301*s)',
    '1-0:32.32.0(00002)',
    '1-0:32.36.0(00000)',
    '0-0:96.13.0(303132333435363738393A3B3C3D3E3F303132333435363738393A3B3C3D3E3F303132333435363738393A3B3C3D3E3F303132333435363738393A3B3C3D3E3F303132333435363738393A3B3C3D3E3F)',
    '1-0:32.7.0(220.1*V)',
    '1-0:31.7.0(001*A)',
    '1-0:21.7.0(01.111*kW)',
    '1-0:22.7.0(04.444*kW)',
    '0-1:24.1.0(003)',
    '0-1:96.1.0(3232323241424344313233343536373839)',
    '0-1:24.2.1(101209112500W)(12785.123*m3)',
];

/** DSMR 2.2: no telegram time, no CRC, gas on a continuation line. */
export const DSMR22_LINES = [
    '0-0:96.1.1(39373936303034323030303135363136)',
    '1-0:1.8.1(00185.000*kWh)',
    '1-0:1.8.2(00084.000*kWh)',
    '1-0:2.8.1(00013.000*kWh)',
    '1-0:2.8.2(00019.000*kWh)',
    '0-0:96.14.0(0001)',
    '1-0:1.7.0(0000.98*kW)',
    '1-0:2.7.0(0000.00*kW)',
    '0-0:17.0.0(999*A)',
    '0-0:96.3.10(1)',
    '0-0:96.13.1()',
    '0-0:96.13.0()',
    '0-1:24.1.0(3)',
    '0-1:96.1.0(3238313031353431303031333733353131)',
    '0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)',
    '(00001.001)',
    '0-1:24.4.0(1)',
];

/** Belgian e-MUCS (Fluvius): gas on 24.2.3, peak demand with its own time, demand history. */
export const FLUVIUS_LINES = [
    '0-0:96.1.4(50217)',
    '0-0:96.1.1(3153414733313031303231363035)',
    '0-0:1.0.0(200512135409S)',
    '1-0:1.8.1(000000.034*kWh)',
    '1-0:1.8.2(000015.758*kWh)',
    '1-0:2.8.1(000000.000*kWh)',
    '1-0:2.8.2(000000.011*kWh)',
    '1-0:1.4.0(02.351*kW)',
    '1-0:1.6.0(200509134558S)(02.589*kW)',
    '0-0:98.1.0(3)(1-0:1.6.0)(1-0:1.6.0)(200501000000S)(200423192538S)(03.695*kW)(200401000000S)(200305122139S)(05.980*kW)(200301000000S)(200210035421W)(04.318*kW)',
    '0-0:96.14.0(0001)',
    '1-0:1.7.0(00.000*kW)',
    '1-0:32.7.0(234.7*V)',
    '0-0:96.3.10(1)',
    '0-0:17.0.0(999.9*kW)',
    '1-0:31.4.0(999*A)',
    '0-0:96.13.0()',
    '0-1:24.1.0(003)',
    '0-1:96.1.1(37464C4F32313139303333373333)',
    '0-1:24.4.0(1)',
    '0-1:24.2.3(200512134558S)(00112.384*m3)',
];

function reg(
    t: MeterTelegram,
    obis: string,
): { value: string; unit: string | undefined; time: number | undefined } {
    const r = t.registers.find((x) => x.obis === obis);
    assert.ok(r !== undefined, `no ${obis}`);
    return {
        value: r.value === undefined ? r.raw : decimalToString(r.value),
        unit: r.unit,
        time: r.timeMs,
    };
}

function fails(input: Uint8Array | string, pattern: RegExp, line?: number): void {
    assert.throws(
        () => parseDsmr(input),
        (e: unknown) => {
            assert.ok(e instanceof DsmrError, `expected DsmrError, got ${String(e)}`);
            assert.match(e.message, pattern);
            assert.equal(e.code, 'SOURCE_DSMR');
            if (line !== undefined) assert.equal(e.line, line);
            return true;
        },
    );
}

describe('DSMR P1', () => {
    it('CRC16/ARC has the catalogue check value', () => {
        assert.equal(crc16arc(text('123456789')), 0xbb3d);
    });

    it('reads a DSMR 5.0.2 telegram: CRC, W time to UTC, tariffs, M-Bus gas with its own time', () => {
        const t = parseDsmr(writeDsmr({ lines: DSMR5_LINES }));
        assert.equal(t.integrity, 'crc');
        assert.equal(t.identification, 'ISk5\\2MT382-1000');
        assert.equal(t.timeMs, Date.UTC(2010, 11, 9, 10, 30, 20)); // 11:30:20 W = UTC+1
        assert.deepEqual(reg(t, '1-0:1.8.1*255'), {
            value: '123456.789',
            unit: 'kWh',
            time: undefined,
        });
        assert.equal(reg(t, '1-0:1.7.0*255').unit, 'kW');
        const gas = t.registers.find((r) => r.obis === '0-1:24.2.1*255');
        assert.equal(gas?.channel, 1);
        assert.equal(gas.unit, 'm3');
        assert.equal(gas.value === undefined ? '' : decimalToString(gas.value), '12785.123');
        assert.equal(gas.timeMs, Date.UTC(2010, 11, 9, 10, 25, 0));
        assert.equal(reg(t, '0-1:24.1.0*255').value, '3'); // device type 3 = gas
        const [ch, ...none] = dsmrChannels(t);
        assert.deepEqual(none, []);
        assert.equal(ch?.channel, 1);
        assert.equal(ch.medium, 'gas');
        assert.equal(ch.equipmentId, '3232323241424344313233343536373839');
        assert.ok(ch.registers.every((r) => r.channel === 1));
        const failures = t.registers.find((r) => r.obis === '1-0:99.97.0*255');
        assert.equal(failures?.raw, '2');
        assert.equal(failures.more.length, 5);
        assert.equal(reg(t, '0-0:96.13.0*255').value.length, 160);
    });

    it('reads DSMR 2.2: no CRC, no telegram time, gas value on the continuation line', () => {
        const t = parseDsmr(
            writeDsmr({ ident: 'ISk5\\2MT382-1004', lines: DSMR22_LINES, crc: false }),
        );
        assert.equal(t.integrity, 'none');
        assert.equal(t.timeMs, undefined);
        assert.equal(reg(t, '1-0:1.8.2*255').value, '84.000');
        const gas = t.registers.find((r) => r.obis === '0-1:24.2.1*255');
        assert.equal(gas?.address, '0-1:24.3.0');
        assert.equal(gas.unit, 'm3');
        assert.equal(gas.raw, '00001.001');
        // 2009-02-12 16:00 without S/W: Amsterdam winter time, UTC+1
        assert.equal(gas.timeMs, Date.UTC(2009, 1, 12, 15, 0, 0));
        assert.equal(reg(t, '0-0:96.13.0*255').value, '');
    });

    it('reads a Belgian e-MUCS / Fluvius telegram: S time, gas 24.2.3, peak with its time', () => {
        const t = parseDsmr(writeDsmr({ ident: 'FLU5\\253769484_A', lines: FLUVIUS_LINES }));
        assert.equal(t.timeMs, Date.UTC(2020, 4, 12, 11, 54, 9)); // 13:54:09 S = UTC+2
        assert.deepEqual(reg(t, '0-1:24.2.3*255'), {
            value: '112.384',
            unit: 'm3',
            time: Date.UTC(2020, 4, 12, 11, 45, 58),
        });
        assert.deepEqual(reg(t, '1-0:1.6.0*255'), {
            value: '2.589',
            unit: 'kW',
            time: Date.UTC(2020, 4, 9, 11, 45, 58),
        });
        assert.equal(reg(t, '0-0:98.1.0*255').value, '3');
        // a P1 meter with gas on channel 1, water on 2 and heat on 3, each with its own time
        const multi = parseDsmr(
            writeDsmr({
                lines: [
                    '0-0:1.0.0(240301120005W)',
                    '0-1:24.1.0(003)',
                    '0-1:24.2.1(240301120000W)(00100.000*m3)',
                    '0-2:24.1.0(007)',
                    '0-2:96.1.0(4142)',
                    '0-2:24.2.1(240301114500W)(00020.500*m3)',
                    '0-3:24.1.0(004)',
                    '0-3:24.2.1(240301110000W)(00012.345*GJ)',
                ],
            }),
        );
        assert.deepEqual(
            dsmrChannels(multi).map((c) => [
                c.channel,
                c.medium,
                c.equipmentId,
                c.registers.find((r) => r.unit !== undefined)?.timeMs,
            ]),
            [
                [1, 'gas', undefined, Date.UTC(2024, 2, 1, 11, 0)],
                [2, 'water', '4142', Date.UTC(2024, 2, 1, 10, 45)],
                [3, 'heat', undefined, Date.UTC(2024, 2, 1, 10, 0)],
            ],
        );
    });

    it('takes what ports send: lowercase CRC, LF only, 7E1 parity, noise around, text of any length', () => {
        const long = '41'.repeat(3000); // 6000 hex characters
        const lines = [...DSMR5_LINES, `0-0:96.13.0(${long})`];
        for (const t of [
            parseDsmr(writeDsmr({ lines, lowercaseCrc: true })),
            parseDsmr(writeDsmr({ lines, lineEnd: '\n' })),
            parseDsmr(writeDsmr({ lines, parity: true })),
            parseDsmr(
                writeDsmr({ lines, leading: [0xff, 0x00, 0x21], trailing: [0x0d, 0x0a, 0xff] }),
            ),
        ]) {
            assert.equal(reg(t, '1-0:2.8.2*255').value, '123456.789');
            assert.equal(t.registers.filter((r) => r.obis === '0-0:96.13.0*255')[1]?.raw, long);
        }
        assert.deepEqual(parseDsmr(writeDsmr({ lines, parity: true })).notes, [
            '7E1 parity bits stripped',
        ]);
    });

    it('converts S/W and suffix-less times with the EU summer-time rule', () => {
        assert.equal(dsmrTime('240331015959'), Date.UTC(2024, 2, 31, 0, 59, 59)); // before the switch: +1
        assert.equal(dsmrTime('240331030000'), Date.UTC(2024, 2, 31, 1, 0, 0)); // after: +2
        assert.equal(dsmrTime('241027023000S'), Date.UTC(2024, 9, 27, 0, 30, 0));
        assert.equal(dsmrTime('241027023000W'), Date.UTC(2024, 9, 27, 1, 30, 0));
        assert.equal(dsmrTime('240701120000'), Date.UTC(2024, 6, 1, 10, 0, 0));
        assert.equal(dsmrTime('240230120000W'), undefined); // 30 February
        assert.equal(dsmrTime('241301120000W'), undefined);
        assert.equal(dsmrTime('240101250000W'), undefined);
        assert.equal(dsmrTime('2401011200W'), undefined);
    });

    it('decodes a stream of telegrams with gateway noise between them', () => {
        const a = writeDsmr({ lines: DSMR5_LINES });
        const b = writeDsmr({ ident: 'FLU5\\253769484_A', lines: FLUVIUS_LINES });
        const head = text('0-0:96.1.1(3'); // the port opened mid-telegram
        const cut = text('/ISk5\\2M'); // the capture ended mid-telegram
        const { telegrams, noiseBytes } = decodeAll(
            dsmrFormat,
            concat(head, a, Uint8Array.of(0xff, 0xff), b, cut),
        );
        assert.equal(telegrams.length, 2);
        assert.equal(telegrams[1]?.identification, 'FLU5\\253769484_A');
        assert.equal(noiseBytes, head.length + 2 + cut.length);
    });

    it('refuses a wrong CRC, malformed lines and bad times, saying why', () => {
        fails(
            writeDsmr({ lines: DSMR5_LINES, badCrc: true }),
            /CRC mismatch: computed [0-9A-F]{4}, telegram says [0-9A-F]{4}; the telegram is corrupted/,
        );
        const good = writeDsmr({ lines: ['1-0:1.8.1(1*kWh)'] });
        const flipped = good.slice();
        const at = good.indexOf(0x28) + 1; // '(' then the digit
        flipped[at] = flipped[at]! ^ 0x02; // 1 becomes 3, the CRC no longer matches
        fails(flipped, /CRC mismatch/);
        fails(
            writeDsmr({ lines: ['1-0:1.8.1(1*kWh)', 'garbage'] }),
            /line 4: expected OBIS\(value\)…, got "garbage"/,
            4,
        );
        fails(writeDsmr({ lines: ['1-0:1.8.1(1*kWh'] }), /expected OBIS\(value\)/, 3);
        fails(
            writeDsmr({ lines: ['0-0:1.0.0(2412011200W)'] }),
            /telegram time "2412011200W" is not YYMMDDhhmmss\[S\|W\]/,
            3,
        );
        fails(
            writeDsmr({ lines: ['0-1:24.2.1(241301120000W)(1*m3)'] }),
            /capture time "241301120000W" is not a valid date/,
            3,
        );
        fails(
            writeDsmr({
                lines: ['0-1:24.3.0(0902121600)(00)(60)(1)(0-1:24.2.1)(m3)', '(1)'],
                crc: false,
            }),
            /capture time "0902121600" is not/,
            3,
        );
        fails(
            text('/ISk5\\2MT382-1000\r\n\r\n1-0:1.8.1(1*kWh)\r\n!12\r\n'),
            /the end line "!12" must be "!" or "!" and a 4-digit hex CRC/,
        );
        fails(text('/ISk5MT\r\n1-0:1.8.1(1*kWh)\r\n'), /no complete telegram/);
        fails('', /no complete telegram/);
        fails(
            '/ISk\r\n\r\n1-0:1.8.1(1*kWh)\r\n!\r\n',
            /identification "\/ISk" must be "\/XXX5Ident"/,
            1,
        );
        fails(
            concat(
                writeDsmr({ lines: ['1-0:1.8.1(1*kWh)'] }),
                writeDsmr({ lines: ['1-0:1.8.1(2*kWh)'] }),
            ),
            /more than one telegram/,
        );
        fails(
            concat(
                text('/ISk5MT\r\n1-0:1.8.1(1*kWh)\r\n'),
                writeDsmr({ lines: ['1-0:1.8.1(2*kWh)'] }),
            ),
            /a new telegram began before the end line/,
        );
        fails(
            Uint8Array.from([
                ...text('/ISk5MT\r\n\r\n1-0:1.8.1(1'),
                0x80,
                ...text('*kWh)\r\n!\r\n'),
            ]),
            /byte 0x80 at offset 22 is not ASCII and the bytes do not carry even parity/,
        );
        fails('/ISk5MT\r\n1-0:1.8.1(\u0100)\r\n!\r\n', /non-ASCII character at offset 19/);
        fails(
            writeDsmr({ lines: ['1-0:1.8.1(' + '1'.repeat(70_000) + ')'] }),
            /telegram longer than 65536 bytes/,
        );
        fails(42 as unknown as string, /expected the telegram as a string or Uint8Array/);
    });
});
