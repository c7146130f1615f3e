// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the IEC 62056-21 (D0) source: mode D push telegrams and mode C readouts with BCC, OBIS
 * normalisation, exact decimal → Wh, and structural faults refused with the line number.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    D0Error,
    d0EnergyWh,
    decimalToString,
    parseD0,
} from '../../../../src/roles/meter/sources/index.js';

const CRLF = '\r\n';
const STX = '\x02';
const ETX = '\x03';

/** Mode D push telegram (identification, empty line, data lines, "!"). */
function modeD(...lines: string[]): string {
    return ['/ESY5Q3DA1024 V3.03', '', ...lines, '!'].join(CRLF) + CRLF;
}

/** Mode C readout: identification, STX, data, "!" CR LF ETX BCC. */
function modeC(lines: string[], corruptBcc = false): string {
    const block = lines.map((l) => l + CRLF).join('') + '!' + CRLF + ETX;
    let bcc = 0;
    for (let k = 0; k < block.length; k++) bcc ^= block.charCodeAt(k);
    if (corruptBcc) bcc ^= 0x01;
    return '/ISk5MT174-0001' + CRLF + STX + block + String.fromCharCode(bcc);
}

function fails(input: string | Uint8Array, line: number | undefined, pattern?: RegExp): void {
    assert.throws(
        () => parseD0(input),
        (e: unknown) => {
            assert.ok(e instanceof D0Error, `expected D0Error, got ${String(e)}`);
            assert.equal(e.line, line, e.message);
            if (pattern !== undefined) assert.match(e.message, pattern);
            return true;
        },
    );
}

describe('parseD0', () => {
    it('reads a mode D telegram of an eHZ', () => {
        const t = parseD0(
            modeD(
                '1-0:0.0.0*255(1ESY1160100123)',
                '1-0:1.8.0*255(00000285.3669*kWh)',
                '1-0:2.8.0*255(00000000.0000*kWh)',
                '1-0:21.7.255*255(000125.29*W)',
                '1-0:96.5.5*255(80)',
            ),
        );
        assert.equal(t.manufacturer, 'ESY');
        assert.equal(t.baudRate, '5');
        assert.equal(t.identification, 'Q3DA1024 V3.03');
        assert.equal(t.bcc, 'absent');
        assert.equal(t.records.length, 5);
        const imp = t.records[1];
        assert.equal(imp?.obis, '1-0:1.8.0*255');
        assert.equal(imp?.unit, 'kWh');
        assert.equal(imp?.wh, 285_366n); // 285.3669 kWh = 285,366.9 Wh, floored
        assert.equal(imp?.value === undefined ? '' : decimalToString(imp.value), '285.3669');
        assert.equal(imp?.line, 4);
        assert.equal(t.records[0]?.value, undefined);
        assert.equal(t.records[0]?.values[0]?.raw, '1ESY1160100123');
        assert.equal(t.records[3]?.wh, undefined); // W is not energy
        assert.equal(t.records[4]?.value?.digits, 80n);
        assert.equal(d0EnergyWh(t), 285_366n);
        assert.equal(d0EnergyWh(t, '1-0:2.8.0*255'), 0n);
        assert.ok(Object.isFrozen(t) && Object.isFrozen(t.records));
    });

    it('reads a mode C readout and checks its BCC', () => {
        const t = parseD0(
            modeC([
                '0.0.0(12345678)',
                '1.8.0(0012345.6*kWh)',
                '1.8.1(0000100*kWh)2.8.0(0000001.001*MWh)',
                'C.1.0(ABC)',
            ]),
        );
        assert.equal(t.bcc, 'valid');
        assert.equal(t.manufacturer, 'ISk');
        assert.equal(t.records.length, 5);
        assert.equal(t.records.find((r) => r.obis === '1.8.0')?.wh, 12_345_600n);
        assert.equal(t.records.find((r) => r.obis === '1.8.1')?.wh, 100_000n);
        assert.equal(t.records.find((r) => r.obis === '2.8.0')?.wh, 1_001_000n);
        assert.equal(t.records.find((r) => r.obis === '2.8.0')?.line, 4);
        fails(modeC(['1.8.0(0012345.6*kWh)'], true), 4, /block check character mismatch/);
    });

    it('normalises full OBIS addresses and keeps several values', () => {
        const t = parseD0(
            modeD(
                '1-0:1.8.0(000001.000*kWh)',
                '1-0:99.1.0*255(2301011200)(00000001.5*kWh)(00000002.5*kWh)',
                '1-0:1.8.0*1(000000000123*Wh)',
            ),
        );
        assert.equal(t.records[0]?.obis, '1-0:1.8.0*255');
        assert.equal(t.records[0]?.wh, 1000n);
        assert.equal(t.records[1]?.values.length, 3);
        assert.equal(t.records[1]?.values[2]?.unit, 'kWh');
        assert.equal(t.records[2]?.obis, '1-0:1.8.0*1');
        assert.equal(t.records[2]?.wh, 123n);
        assert.equal(
            parseD0(new TextEncoder().encode(modeD('1-0:1.8.0*255(5*Wh)'))).records[0]?.wh,
            5n,
        );
    });

    it('refuses structural faults with the line number', () => {
        fails('', 1, /starts with "\/"/);
        fails('ESY5ident\r\n!\r\n', 1);
        fails('/E5ident\r\n!\r\n', 1, /identification/);
        fails('/ESY5' + 'x'.repeat(17) + CRLF + '!' + CRLF, 1, /identification/);
        fails('/ESY5ident', 1, /not terminated/);
        fails(modeD('1-0:1.8.0*255(1*kWh)').replace('!\r\n', ''), 4, /missing end line/);
        fails(modeD('1-0:1.8.0*255(1*kWh)').replaceAll('\r\n', '\n'), 1);
        fails(modeD('1-0:1.8.0*255(1*kWh)') + 'x', 5, /after the end line/);
        fails(modeD('1-0:1.8.0*255(1*kWh)') + ETX + 'x', 5, /ETX without STX/);
        fails(modeD('1-0:1.8.0*255(1*kWh'), 3, /without "\)"/);
        fails(modeD('1-0:1.8.0*255(1*kWh)junk'), 3, /after the last data set/);
        fails(modeD('(1*kWh)'), 3, /needs an address/);
        fails(modeD('1-0:1.8.0*255 (1*kWh)'), 3, /bad address/);
        fails(modeD('1-0:1.8.0*255:99.99(1*kWh)'), 3, /bad address/);
        fails(modeD('1-0:1.8.0*255(' + '1'.repeat(129) + ')'), 3, /longer than 128/);
        fails(modeD('1-0:1.8.0*255(1*' + 'k'.repeat(17) + ')'), 3, /unit/);
        fails(modeD('1-0:1.8.0*255(1*)'), 3, /unit/);
        fails(modeD('1-0:1.8.0*255(abc*kWh)'), 3, /not a decimal/);
        fails(modeD('1-0:1.8.0*255(1/2)'), 3);
        fails(modeD('1-0:1.8.0*255(1*kWh)', ''), 4, /empty data line/);
        fails(modeD('1-0:1.8.0*255(1\x07*kWh)'), 3, /control character/);
        fails(modeC(['1.8.0(1*kWh)']).slice(0, -1), 4, /BCC after ETX is missing/);
        fails(modeC(['1.8.0(1*kWh)']) + 'z', 4, /after the BCC/);
        fails(modeC(['1.8.0(1*kWh)']).replace(ETX, 'E'), 4, /followed by ETX/);
    });

    it('refuses non-ASCII, oversized and non-text input', () => {
        fails('/ESY5ident\u00e9\r\n!\r\n', undefined, /non-ASCII/);
        fails(Uint8Array.from([0x2f, 0xc5, 0x53]), undefined, /7-bit/);
        fails(modeD('1-0:1.8.0*255(1*kWh)'.repeat(1000)), undefined, /longer than/);
        fails(42 as unknown as string, undefined);
    });

    it('refuses to read a non-energy or missing register as Wh', () => {
        const t = parseD0(modeD('1-0:16.7.0*255(000125*W)', '1-0:0.0.0*255(12345)'));
        assert.throws(
            () => d0EnergyWh(t, '1-0:16.7.0*255'),
            (e: unknown) => e instanceof D0Error && /"W", not an energy unit/.test(e.message),
        );
        assert.throws(() => d0EnergyWh(t, '1-0:0.0.0*255'), D0Error);
        assert.throws(
            () => d0EnergyWh(t),
            (e: unknown) => e instanceof D0Error && /no data set/.test(e.message),
        );
    });
});
