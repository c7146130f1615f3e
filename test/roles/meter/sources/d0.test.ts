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
    d0Format,
    type D0Telegram,
    decimalToString,
    parseD0,
} from '../../../../src/roles/meter/sources/index.js';
import { concat, writeD0 } from './writers.js';

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
        assert.equal(imp.unit, 'kWh');
        assert.equal(imp.wh, 285_366n); // 285.3669 kWh = 285,366.9 Wh, floored
        assert.equal(imp.value === undefined ? '' : decimalToString(imp.value), '285.3669');
        assert.equal(imp.line, 4);
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
        assert.equal(t.records.find((r) => r.obis === '1-0:1.8.0*255')?.wh, 12_345_600n);
        assert.equal(t.records.find((r) => r.obis === '1-0:1.8.1*255')?.wh, 100_000n);
        assert.equal(t.records.find((r) => r.obis === '1-0:2.8.0*255')?.wh, 1_001_000n);
        assert.equal(t.records.find((r) => r.obis === '1-0:2.8.0*255')?.line, 4);
        assert.equal(t.records.find((r) => r.address === 'C.1.0')?.obis, 'C.1.0');
        fails(modeC(['1.8.0(0012345.6*kWh)'], true), 3, /block check character mismatch/);
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
        assert.equal(t.records[0].wh, 1000n);
        assert.equal(t.records[1]?.values.length, 3);
        assert.equal(t.records[1].values[2]?.unit, 'kWh');
        assert.equal(t.records[2]?.obis, '1-0:1.8.0*1');
        assert.equal(t.records[2].wh, 123n);
        assert.equal(
            parseD0(new TextEncoder().encode(modeD('1-0:1.8.0*255(5*Wh)'))).records[0]?.wh,
            5n,
        );
    });

    it('refuses structural faults with the line number', () => {
        fails('', undefined, /no telegram: a telegram starts with "\/"/);
        fails('ESY5ident\r\n!\r\n', undefined, /no telegram/);
        fails('/ESY5ident', undefined, /no complete telegram/);
        fails(
            modeD('1-0:1.8.0*255(1*kWh)').replace('!\r\n', ''),
            undefined,
            /no complete telegram/,
        );
        fails(modeD('1-0:1.8.0*255(1*kWh'), 3, /without "\)"/);
        fails(modeD('1-0:1.8.0*255(1*kWh)junk'), 3, /after the last data set/);
        fails(modeD('(1*kWh)'), 3, /needs an address/);
        fails(modeD('1-0:1.8.0*255 (1*kWh)'), 3, /bad address/);
        fails(modeD('1-0:1.8.0*255(' + '1'.repeat(1025) + ')'), 3, /longer than 1024/);
        fails(modeD('1-0:1.8.0*255(1(2)'), 3, /contains "\("/);
        fails(modeD('1-0:1.8.0*255(1\x07*kWh)'), 3, /control character/);
        fails(modeC(['1.8.0(1*kWh)']).slice(0, -1), 3, /BCC after ETX is missing/);
        fails(modeD('1-0:1.8.0*255(1*kWh)', '\x021.8.0(1)'), 4, /STX inside the data block/);
        fails(modeD('1.8.0(1)') + modeD('1.8.0(2)'), undefined, /more than one telegram/);
    });

    it('refuses non-ASCII without parity, oversized and non-text input', () => {
        fails(
            '/ESY5ident\u00e9\r\n!\r\n',
            undefined,
            /not 7-bit ASCII and the bytes do not carry even parity/,
        );
        fails('/ESY5ident\u0100\r\n!\r\n', undefined, /non-ASCII character at offset 10/);
        fails(modeD('1-0:1.8.0*255(1*kWh)'.repeat(4000)), undefined, /longer than 65536/);
        fails(42 as unknown as string, undefined, /string or Uint8Array/);
    });

    it('refuses to read a non-energy or missing register as Wh', () => {
        const t = parseD0(modeD('1-0:16.7.0*255(000125*W)', '1-0:0.0.0*255(12345)'));
        assert.throws(
            () => d0EnergyWh(t, '1-0:16.7.0*255'),
            (e: unknown) => e instanceof D0Error && e.message.includes('"W", not an energy unit'),
        );
        assert.throws(() => d0EnergyWh(t, '1-0:0.0.0*255'), D0Error);
        assert.throws(
            () => d0EnergyWh(t),
            (e: unknown) => e instanceof D0Error && e.message.includes('no data set'),
        );
    });
});

describe('D0 as meters and gateways send it', () => {
    const energy = (t: D0Telegram, obis: string): string => {
        const r = t.records.find((x) => x.obis === obis);
        return r?.value === undefined ? '' : decimalToString(r.value);
    };

    it('mode E push with STX but without ETX/BCC (eHZ), enhanced id', () => {
        const t = parseD0(
            writeD0({
                manufacturer: 'EBZ',
                enhancedId: '2',
                ident: 'DD3BZ06ETA_107',
                stx: true,
                etxBcc: false,
                sets: [
                    { address: '1-0:0.0.0*255', values: [{ raw: '1EBZ0100507409' }] },
                    { address: '1-0:1.8.0*255', values: [{ raw: '000125.25688570', unit: 'kWh' }] },
                    { address: '1-0:16.7.0*255', values: [{ raw: '000000.00', unit: 'W' }] },
                ],
            }),
        );
        assert.equal(t.bcc, 'absent');
        assert.equal(t.enhancedId, '2');
        assert.equal(t.identification, 'DD3BZ06ETA_107');
        assert.equal(t.records[1]?.wh, 125_256n);
        assert.equal(d0EnergyWh(t, '1.8.0'), 125_256n); // short selector normalised too
    });

    it('heat meter readout: medium 6 for short codes, several sets per line, raw units kept', () => {
        const bytes = writeD0({
            manufacturer: 'LUG',
            baud: '2',
            ident: 'ULTRAHEAT T550 (UH50…)',
            stx: true,
            perLine: 4,
            blankLine: false,
            sets: [
                { address: '6.8', values: [{ raw: '0029.055', unit: 'MWh' }] },
                { address: '6.26', values: [{ raw: '01589.28', unit: 'm3' }] },
                { address: '9.21', values: [{ raw: '66153690' }] },
                { address: '6.26*01', values: [{ raw: '01563.92', unit: 'm3' }] },
                { address: '6.8*01', values: [{ raw: '0028.086', unit: 'MWh' }] },
                { address: 'F', values: [{ raw: '0' }] },
                { address: '9.4', values: [{ raw: '088', unit: 'C&082*C' }] },
                { address: '6.33', values: [{ raw: '001.476', unit: 'm3ph' }] },
                { address: '6.6', values: [{ raw: '0017.2', unit: 'kW' }] },
            ],
        });
        const t = parseD0(bytes, { medium: 6 });
        assert.equal(t.bcc, 'valid');
        assert.equal(t.records.find((r) => r.obis === '6-0:6.8.0*255')?.wh, 29_055_000n);
        assert.equal(t.records.find((r) => r.obis === '6-0:6.8.0*1')?.wh, 28_086_000n);
        assert.equal(energy(t, '6-0:6.26.0*255'), '1589.28');
        const temps = t.records.find((r) => r.address === '9.4');
        assert.equal(temps?.values[0]?.raw, '088');
        assert.equal(temps.unit, 'C&082*C');
        assert.equal(t.records.find((r) => r.address === 'F')?.obis, 'F');
        assert.equal(t.records[0]?.line, 2);
    });

    it('German D0 forwarded by a gateway: leading counter and trailing 0xFF padding skipped and counted', () => {
        const sets = [
            { address: '1-0:1.8.0*255', values: [{ raw: '00012345.6789', unit: 'kWh' }] },
        ];
        const t = parseD0(
            writeD0({
                sets,
                leading: [0x00, 0x00, 0x01, 0x2a],
                trailing: [0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x00, 0x17],
            }),
        );
        assert.equal(t.noiseBytes, 12);
        assert.equal(t.records[0]?.wh, 12_345_678n);
    });

    it('7E1 parity bits read as 8N1 are stripped; LF-only lines; long idents and values', () => {
        const sets = [
            { address: '1-0:1.8.0*255', values: [{ raw: '000123.4567', unit: 'KWH' }] },
            { address: '1-0:96.50.1*1', values: [{ raw: 'X'.repeat(900) }] },
            { address: '1-0:1.8.1', values: [{ raw: '1'.repeat(40), unit: 'Wh' }] },
        ];
        for (const spec of [
            { parity: true },
            { lineEnd: '\n' as const },
            { ident: 'a manufacturer identification longer than sixteen', stx: true },
        ]) {
            const t = parseD0(writeD0({ sets, ...spec }));
            assert.equal(t.records[0]?.unit, 'KWH');
            assert.equal(t.records[0].wh, 123_456n);
            assert.equal(t.records[1]?.values[0]?.raw.length, 900);
            assert.equal(t.records[2]?.value, undefined); // 40 digits: kept raw, not a number
            assert.equal(t.parity, spec.parity === true ? '7E1' : 'none');
        }
    });

    it('baud-rate characters of modes A–E and manufacturer ident lines as they occur', () => {
        for (const [m, z, w, ident] of [
            ['LGZ', '4', undefined, 'ZMF100AC.M29'],
            ['HAG', '5', undefined, 'eHZ010C_EHZ1ZA22'],
            ['ISk', '5', undefined, 'MT174-0001'],
            ['EMH', '5', '@', '01LZQJL0018F'],
            ['ABB', 'A', undefined, 'ident'],
            ['XYZ', '0', undefined, ''],
        ] as const) {
            const t = parseD0(
                writeD0({
                    manufacturer: m,
                    baud: z,
                    enhancedId: w,
                    ident,
                    stx: true,
                    sets: [{ address: '1.8.0', values: [{ raw: '1', unit: 'kWh' }] }],
                }),
            );
            assert.deepEqual(
                [t.manufacturer, t.baudRate, t.enhancedId, t.identification],
                [m, z, w, ident],
            );
        }
    });

    it('a stream of telegrams split anywhere, with a corrupted one rejected in between', () => {
        const one = (v: string, badBcc = false): Uint8Array =>
            writeD0({
                stx: true,
                badBcc,
                sets: [{ address: '1.8.0', values: [{ raw: v, unit: 'kWh' }] }],
            });
        const all = concat(one('1'), Uint8Array.of(0xff), one('2', true), one('3'));
        const d = d0Format.decoder();
        const events = [...all].flatMap((b) => d.push(Uint8Array.of(b))).concat(d.end());
        assert.deepEqual(
            events.map((e) =>
                e.kind === 'telegram'
                    ? e.telegram.registers[0]?.raw
                    : e.kind === 'noise'
                      ? `noise ${e.bytes}`
                      : e.error.message,
            ),
            [
                '1',
                'noise 1',
                'D0 telegram, line 4: block check character mismatch: computed 0x56, received 0x46; the telegram is corrupted',
                '3',
            ],
        );
    });

    it('refuses a wrong BCC, ETX without BCC, bytes after the BCC, bad parity', () => {
        const sets = [{ address: '1.8.0', values: [{ raw: '1', unit: 'kWh' }] }];
        fails(writeD0({ sets, stx: true, badBcc: true }), 4, /block check character mismatch/);
        const noBcc = writeD0({ sets, stx: true });
        fails(noBcc.subarray(0, noBcc.length - 1), 4, /the BCC after ETX is missing/);
        const mixed = writeD0({ sets, parity: true });
        mixed[3] = mixed[3]! ^ 0x80; // one byte loses its parity bit: not 7E1
        fails(mixed, undefined, /not 7-bit ASCII and the bytes do not carry even parity \(7E1\)/);
        fails(
            writeD0({
                sets: [{ address: '1.8.0', values: [{ raw: '1' }] }],
                manufacturer: 'ESY',
                baud: '5',
                ident: '\x01',
            }),
            1,
            /identification/,
        );
    });
});
