// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the SML 1.04 source: CRC-16/X-25 against its check value and a bitwise reference,
 * frames built by the test encoder (sml.helpers.ts), two frames of real meters as published in
 * open-source SML parsers, and hostile input: truncation, bad CRCs, bad escapes, padding faults,
 * oversized lengths, deep nesting, wrong types and wrong units, plus a mutation fuzz.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
    SmlError,
    crc16x25,
    decimalToString,
    obisToString,
    parseSmlPayload,
    smlEnergyWh,
    smlReadings,
    unframeSml,
} from '../../../../src/roles/meter/sources/index.js';
import {
    absent,
    bool,
    crcX25Bitwise,
    EASYMETER_Q3B,
    encode,
    entry,
    frame,
    hexToBytes,
    i,
    ISK_MT175,
    list,
    message,
    meterFrame,
    octets,
    raw,
    u,
} from './sml.helpers.js';

/** Asserts an SmlError (never another exception type). */
function refused(f: () => unknown, pattern?: RegExp): void {
    assert.throws(f, (e: unknown) => {
        assert.ok(e instanceof SmlError, `expected SmlError, got ${String(e)}`);
        if (pattern !== undefined) assert.match(e.message, pattern);
        return true;
    });
}

const standard = (): Uint8Array =>
    meterFrame([
        entry('1-0:1.8.0*255', u(12_345_678, 4), 30, -1), // 1,234,567.8 Wh
        entry('1-0:2.8.0*255', u(0x1234_5678_9an, 8), 30, 0),
        entry('1-0:16.7.0*255', i(-250, 2), 27, 0), // −250 W: exporting
        entry('1-0:96.1.0*255', octets('1EMH0012345678')),
        entry('1-0:1.8.1*255', u(5, 1), 30, 3), // scaler +3: 5000 Wh
    ]);

describe('CRC-16/X-25', () => {
    it('has the catalogue check value and matches a bitwise implementation', () => {
        assert.equal(crc16x25(new TextEncoder().encode('123456789')), 0x906e);
        assert.equal(crc16x25(new Uint8Array(0)), 0x0000);
        fc.assert(
            fc.property(fc.uint8Array({ maxLength: 300 }), (b) => crc16x25(b) === crcX25Bitwise(b)),
        );
    });
});

describe('SML frames built by the test encoder', () => {
    it('yield exact register values in Wh', () => {
        const readings = smlReadings(standard());
        assert.deepEqual(
            readings.map((r) => r.obis),
            ['1-0:1.8.0*255', '1-0:2.8.0*255', '1-0:16.7.0*255', '1-0:96.1.0*255', '1-0:1.8.1*255'],
        );
        const [imp, exp, power, id, scaled] = readings;
        assert.equal(imp?.wh, 1_234_567n);
        assert.equal(imp.unit, 30);
        assert.equal(imp.scaler, -1);
        assert.equal(imp.value === undefined ? '' : decimalToString(imp.value), '1234567.8');
        assert.equal(exp?.wh, 0x1234_5678_9an);
        assert.equal(power?.wh, undefined);
        assert.equal(power?.value?.digits, -250n);
        assert.equal(id?.value, undefined);
        assert.equal(id?.raw.type, 'octets');
        assert.equal(scaled?.wh, 5000n);
        assert.equal(smlEnergyWh(readings), 1_234_567n);
        assert.equal(smlEnergyWh(readings, '1-0:2.8.0*255'), 0x1234_5678_9an);
        assert.deepEqual([...(imp.serverId ?? [])].slice(0, 3), [0x0a, 0x01, 0x45]);
    });

    it('parse all messages with tags and verified CRCs', () => {
        const messages = parseSmlPayload(unframeSml(standard()));
        assert.deepEqual(
            messages.map((m) => m.tag),
            [0x0101, 0x0701, 0x0201],
        );
        assert.equal(new TextDecoder().decode(messages[1]?.transactionId), 't2');
    });

    it('round-trip every payload length (padding 0–3) and escaped 1b1b1b1b blocks', () => {
        for (let extra = 0; extra < 4; extra++) {
            const body = list(
                absent,
                octets('x'),
                absent,
                absent,
                list(entry('1-0:1.8.0*255', u(42), 30, 0)),
                octets('y'.repeat(extra)),
                absent,
            );
            const f = frame(message('t', 0x0701, body));
            assert.equal(f.length % 4, 0);
            assert.equal(smlEnergyWh(smlReadings(f)), 42n);
        }
        // an octet string full of 0x1b puts 1b1b1b1b blocks into the payload, escaped on the wire
        for (let pad = 0; pad < 4; pad++) {
            const payload = message(
                't',
                0x0701,
                list(
                    absent,
                    octets('x'.repeat(pad)),
                    absent,
                    absent,
                    list(entry('1-0:1.8.0*255', u(7), 30, 0)),
                    octets(new Uint8Array(13).fill(0x1b)),
                    absent,
                ),
            );
            const f = frame(payload);
            assert.deepEqual(unframeSml(f), payload);
            assert.equal(smlEnergyWh(smlReadings(f)), 7n);
        }
    });

    it('encode multi-byte TL lengths (long octet strings, long lists)', () => {
        const many = Array.from({ length: 20 }, (_, k) => entry(`1-0:1.8.${k}*255`, u(k), 30, 0));
        const f = meterFrame([...many, entry('1-0:96.1.0*255', octets('z'.repeat(300)))]);
        const readings = smlReadings(f);
        assert.equal(readings.length, 21);
        assert.equal(smlEnergyWh(readings, '1-0:1.8.19*255'), 19n);
    });
});

describe('real meter frames', () => {
    it('ISKRA MT175 (sml-rs test vector)', () => {
        const readings = smlReadings(hexToBytes(ISK_MT175));
        assert.equal(smlEnergyWh(readings), 79_139n); // 791393 · 10^-1 Wh
        assert.equal(smlEnergyWh(readings, '1-0:2.8.0*255'), 0n);
        const power = readings.find((r) => r.obis === '1-0:16.7.0*255');
        assert.equal(power?.unit, 27);
        assert.equal(power.value?.digits, 2144n);
    });

    it('EasyMeter Q3B (jSML test vector: unit 30, scaler −4, 86038387975)', () => {
        const readings = smlReadings(hexToBytes(EASYMETER_Q3B));
        const imp = readings.find((r) => r.obis === '1-0:1.8.0*255');
        assert.equal(imp?.unit, 30);
        assert.equal(imp.scaler, -4);
        assert.equal(imp.value?.digits, 86_038_387_975n);
        assert.equal(smlEnergyWh(readings), 8_603_838n);
    });
});

describe('hostile SML input', () => {
    const good = standard();

    it('truncated frames', () => {
        for (const n of [
            0,
            3,
            8,
            15,
            16,
            good.length - 8,
            good.length - 4,
            good.length - 2,
            good.length - 1,
        ]) {
            refused(() => smlReadings(good.slice(0, n)));
        }
        // cut at a 4-byte boundary before the end sequence
        refused(() => unframeSml(good.slice(0, good.length - 8)), /no end sequence|truncated/);
    });

    it('bad transport CRC, and any flipped bit', () => {
        refused(() => smlReadings(frame(unframeSml(good), { badCrc: true })), /CRC mismatch/);
        for (const at of [9, 40, good.length - 12, good.length - 3]) {
            const bad = good.slice();
            bad[at] = (bad[at] ?? 0) ^ 0x10;
            refused(() => smlReadings(bad));
        }
    });

    it('bad message CRC under a valid transport CRC', () => {
        refused(
            () =>
                smlReadings(
                    meterFrame([entry('1-0:1.8.0*255', u(1), 30, 0)], { badMessageCrc: true }),
                ),
            /message CRC mismatch/,
        );
        const lenient = smlReadings(
            meterFrame([entry('1-0:1.8.0*255', u(1), 30, 0)], { badMessageCrc: true }),
            { verifyMessageCrc: false },
        );
        assert.equal(smlEnergyWh(lenient), 1n);
    });

    it('bad escape sequences and framing', () => {
        const payload = unframeSml(good);
        const start = [0x1b, 0x1b, 0x1b, 0x1b, 0x01, 0x01, 0x01, 0x01];
        const reframe = (body: number[]): Uint8Array => {
            const out = [...start, ...body];
            const c = crcX25Bitwise(Uint8Array.from([...out, 0x1b, 0x1b, 0x1b, 0x1b, 0x1a, 0]));
            return Uint8Array.from([...out, 0x1b, 0x1b, 0x1b, 0x1b, 0x1a, 0, c & 0xff, c >>> 8]);
        };
        refused(
            () => unframeSml(reframe([0x1b, 0x1b, 0x1b, 0x1b, 0x02, 0x02, 0x02, 0x02])),
            /unknown escape/,
        );
        refused(
            () => unframeSml(reframe([0x1b, 0x1b, 0x1b, 0x1b, 0x01, 0x01, 0x01, 0x01])),
            /start sequence inside/,
        );
        refused(
            () =>
                unframeSml(Uint8Array.from([0x1b, 0x1b, 0x1b, 0x1c, 1, 1, 1, 1, ...good.slice(8)])),
            /must start/,
        );
        refused(() => unframeSml(Uint8Array.from([...good, 0, 0, 0, 0])), /after the end sequence/);
        refused(() => unframeSml(Uint8Array.from([...good, 0])), /multiple of 4/);
        refused(() => unframeSml(frame(payload, { fill: 4 })), /multiple of 4|fill/);
        // fill bytes that are not zero: declare 3 fill bytes over real data
        const p = Uint8Array.from([...payload.slice(0, payload.length - (payload.length % 4))]);
        const f = frame(p);
        f[f.length - 3] = 3;
        const c = crcX25Bitwise(f.subarray(0, f.length - 2));
        f[f.length - 2] = c & 0xff;
        f[f.length - 1] = c >>> 8;
        refused(() => unframeSml(f), /fill bytes must be 0x00/);
        refused(() => unframeSml('1b1b' as unknown as Uint8Array));
    });

    it('oversized frames and lengths', () => {
        refused(() => unframeSml(good, { maxBytes: 64 }), /larger than 64/);
        // an octet string claiming 200 bytes at the end of the payload
        refused(
            () =>
                parseSmlPayload(
                    encode(
                        list(
                            octets('t'),
                            u(0),
                            u(0),
                            list(u(0x0701, 4), raw(0x80 | 0x0c, 0x08), absent),
                            u(0, 2),
                            raw(0),
                        ),
                    ),
                ),
            /runs past the end/,
        );
        // a list claiming 0xFFFF elements
        refused(
            () =>
                parseSmlPayload(
                    encode(
                        list(
                            octets('t'),
                            u(0),
                            u(0),
                            list(u(0x0701, 4), raw(0xff, 0x8f, 0x8f, 0x0f)),
                            u(0, 2),
                            raw(0),
                        ),
                    ),
                ),
            /cannot fit/,
        );
        // five TL bytes
        refused(
            () => parseSmlPayload(Uint8Array.from([0x76, 0x81, 0x81, 0x81, 0x81, 0x01])),
            /TL bytes/,
        );
        // a continuation byte with type bits
        refused(() => parseSmlPayload(Uint8Array.from([0x76, 0x81, 0x72])), /continuation/);
        // a TL length shorter than the TL itself
        refused(() => parseSmlPayload(Uint8Array.from([0x76, 0x80, 0x01, 0x00])), /shorter than/);
    });

    it('nesting deeper than the bound', () => {
        let deep = u(1);
        for (let k = 0; k < 30; k++) deep = list(deep);
        const f = frame(message('t', 0x0701, deep));
        refused(() => smlReadings(f), /nested deeper than 16/);
        refused(
            () => smlReadings(meterFrame([entry('1-0:1.8.0*255', u(1), 30, 0)]), { maxDepth: 3 }),
            /nested deeper than 3/,
        );
    });

    it('wrong types in the message structure', () => {
        const msg = (...items: number[]): Uint8Array => Uint8Array.from(items);
        refused(() => parseSmlPayload(msg(0x72, 0x01, 0x01)), /list of 6/);
        refused(() => parseSmlPayload(new Uint8Array(0)), /no SML message/);
        refused(() => parseSmlPayload(Uint8Array.from([0x00])), /list of 6/);
        refused(
            () =>
                parseSmlPayload(
                    encode(list(octets('t'), u(0), u(0), list(u(1, 4), absent), u(0, 2), u(0))),
                ),
            /endOfSmlMsg/,
        );
        refused(
            () =>
                parseSmlPayload(
                    encode(list(u(1), u(0), u(0), list(u(1, 4), absent), u(0, 2), raw(0))),
                ),
            /transactionId/,
        );
        refused(
            () =>
                parseSmlPayload(
                    encode(list(octets('t'), u(0), u(0), list(u(1, 4)), u(0, 2), raw(0))),
                ),
            /list of 2/,
        );
        refused(
            () =>
                parseSmlPayload(
                    encode(list(octets('t'), u(0), u(0), list(u(1, 4), absent), u(0, 4), raw(0))),
                ),
            /Unsigned16/,
        );
        refused(() => parseSmlPayload(Uint8Array.from([0x76, 0x31])), /unknown TL type/);
        refused(
            () =>
                parseSmlPayload(
                    encode(
                        list(
                            octets('t'),
                            u(0),
                            u(0),
                            list(u(1, 4), list(raw(0x00))),
                            u(0, 2),
                            raw(0),
                        ),
                    ),
                ),
            /inside a list/,
        );
        refused(
            () =>
                parseSmlPayload(
                    encode(
                        list(octets('t'), u(0), u(0), list(u(1, 4), raw(0x51)), u(0, 2), raw(0)),
                    ),
                ),
            /1–8 data bytes/,
        );
        refused(
            () =>
                parseSmlPayload(
                    encode(list(octets('t'), u(0), u(0), list(u(1, 4), u(1, 9)), u(0, 2), raw(0))),
                ),
            /1–8 data bytes/,
        );
        refused(
            () =>
                parseSmlPayload(
                    encode(
                        list(
                            octets('t'),
                            u(0),
                            u(0),
                            list(u(1, 4), raw(0x43, 1, 1)),
                            u(0, 2),
                            raw(0),
                        ),
                    ),
                ),
            /boolean/,
        );
        assert.equal(encode(bool(true)).length, 2);
    });

    it('malformed list entries', () => {
        refused(
            () =>
                smlReadings(
                    meterFrame([list(octets('short'), absent, absent, u(30), i(0), u(1), absent)]),
                ),
            /6-byte OBIS/,
        );
        refused(
            () =>
                smlReadings(
                    meterFrame([
                        list(
                            octets(new Uint8Array(6)),
                            absent,
                            absent,
                            u(30, 2),
                            i(0),
                            u(1),
                            absent,
                        ),
                    ]),
                ),
            /Unsigned8/,
        );
        refused(
            () =>
                smlReadings(
                    meterFrame([
                        list(octets(new Uint8Array(6)), absent, absent, u(30), u(0), u(1), absent),
                    ]),
                ),
            /Integer8/,
        );
        refused(
            () => smlReadings(meterFrame([list(octets(new Uint8Array(6)), absent)])),
            /list of 7/,
        );
        refused(() => obisToString(new Uint8Array(5)), /6 bytes/);
    });

    it('wrong units, absent codes and non-numeric values', () => {
        const readings = smlReadings(standard());
        refused(() => smlEnergyWh(readings, '1-0:16.7.0*255'), /unit 27, not Wh/);
        refused(() => smlEnergyWh(readings, '1-0:96.1.0*255'), /unit \(none\)/);
        refused(() => smlEnergyWh(readings, '1-0:3.8.0*255'), /no value/);
        const textual = smlReadings(meterFrame([entry('1-0:1.8.0*255', octets('12345'), 30, 0)]));
        refused(() => smlEnergyWh(textual), /non-numeric/);
    });

    it('never throws anything but SmlError on mutated frames', () => {
        fc.assert(
            fc.property(
                fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), {
                    minLength: 1,
                    maxLength: 6,
                }),
                fc.boolean(),
                (mutations, fixCrc) => {
                    const f = good.slice();
                    for (const m of mutations) f[m.at % f.length] = m.value;
                    if (fixCrc) {
                        const c = crcX25Bitwise(f.subarray(0, f.length - 2));
                        f[f.length - 2] = c & 0xff;
                        f[f.length - 1] = c >>> 8;
                    }
                    try {
                        smlReadings(f);
                    } catch (e) {
                        return e instanceof SmlError;
                    }
                    return true;
                },
            ),
            { numRuns: 500 },
        );
    });
});
