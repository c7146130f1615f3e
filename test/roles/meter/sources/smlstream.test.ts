// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of SML from a byte stream: frame detection at any offset, several and partial frames per
 * chunk, escape sequences, noise counted, CRC-broken or cut frames rejected while the stream goes
 * on; list entries with status, valTime, unit and scaler exposed for every OBIS value.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    decimalToString,
    decodeAll,
    SmlError,
    smlFormat,
    smlTelegram,
    type DecodeEvent,
} from '../../../../src/roles/meter/sources/index.js';
import {
    absent,
    EASYMETER_Q3B,
    entry,
    frame,
    hexToBytes,
    i,
    ISK_MT175,
    list,
    message,
    meterFrame,
    obis,
    octets,
    u,
} from './sml.helpers.js';
import { concat } from './writers.js';

const summary = (events: DecodeEvent[]): string[] =>
    events.map((e) =>
        e.kind === 'telegram'
            ? `telegram ${e.telegram.registers.length}`
            : e.kind === 'noise'
              ? `noise ${e.bytes}`
              : `rejected ${e.error.message}`,
    );

/** A GetListResponse entry with status and valTime (SML_Time timestamp). */
const timedEntry = (code: string, value: bigint, status: number, unix: number) =>
    list(
        octets(obis(code)),
        u(status, 2),
        list(u(2), u(unix, 4)),
        u(30),
        i(-1),
        u(value, 4),
        absent,
    );

describe('SML from a byte stream', () => {
    it('real frames: every OBIS value with unit and scaler, not only energy', () => {
        const t = smlTelegram(hexToBytes(EASYMETER_Q3B));
        assert.equal(t.integrity, 'crc');
        const byObis = new Map(t.registers.map((r) => [r.obis, r]));
        const imp = byObis.get('1-0:1.8.0*255');
        assert.equal(imp?.unit, 'Wh');
        assert.equal(imp.value === undefined ? '' : decimalToString(imp.value), '8603838.7975');
        const power = byObis.get('1-0:1.7.0*255');
        assert.equal(power?.unit, 'W');
        assert.equal(power.value === undefined ? '' : decimalToString(power.value), '109.52');
        assert.equal(byObis.get('1-0:96.5.5*255')?.raw, '384'); // status register
        assert.ok(smlTelegram(hexToBytes(ISK_MT175)).registers.length >= 4);
    });

    it('exposes status and valTime of list entries and the server id', () => {
        const body = list(
            absent,
            octets(Uint8Array.of(1, 2, 3)),
            absent,
            absent,
            list(timedEntry('1-0:1.8.0*255', 123_456n, 0x0182, 1_700_000_000)),
            absent,
            absent,
        );
        const t = smlTelegram(frame(message('a', 0x0701, body)));
        assert.equal(t.identification, '010203');
        const r = t.registers[0];
        assert.equal(r?.status, 0x0182n);
        assert.equal(r.timeMs, 1_700_000_000_000);
        assert.equal(r.value === undefined ? '' : decimalToString(r.value), '12345.6');
    });

    it('finds frames anywhere, several per chunk and split at every byte, noise counted', () => {
        const a = hexToBytes(EASYMETER_Q3B);
        const b = meterFrame([entry('1-0:1.8.0*255', u(1, 1), 30, 0)]);
        const stream = concat(
            Uint8Array.of(0x55, 0x1b, 0x1b),
            a,
            Uint8Array.of(0, 0, 0),
            b,
            a.subarray(0, 30),
        );
        const whole = summary(
            decodeAll(smlFormat, stream).telegrams.map((telegram) => ({
                kind: 'telegram' as const,
                telegram,
            })),
        );
        assert.deepEqual(whole, ['telegram 9', 'telegram 1']);
        const expected = ['noise 3', 'telegram 9', 'noise 3', 'telegram 1'];
        for (const size of [1, 2, 3, 5, 7, 64]) {
            const d = smlFormat.decoder();
            const events: DecodeEvent[] = [];
            for (let o = 0; o < stream.length; o += size)
                events.push(...d.push(stream.subarray(o, o + size)));
            events.push(...d.end());
            const merged = summary(events).reduce<string[]>((acc, s) => {
                const last = acc[acc.length - 1];
                if (s.startsWith('noise') && last?.startsWith('noise') === true)
                    acc[acc.length - 1] = `noise ${Number(last.slice(6)) + Number(s.slice(6))}`;
                else acc.push(s);
                return acc;
            }, []);
            assert.deepEqual(merged.slice(0, 4), expected, `chunk size ${size}`);
            assert.equal(merged[4], 'noise 30'); // the cut-off frame at the end
        }
    });

    it('an escaped 1b1b1b1b block inside the payload does not end the frame', () => {
        const f = meterFrame([
            entry(
                '1-0:96.1.0*255',
                octets(Uint8Array.of(0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b, 0x1b)),
            ),
        ]);
        const { telegrams } = decodeAll(smlFormat, concat(f, f));
        assert.equal(telegrams.length, 2);
        assert.equal(telegrams[0]?.registers[0]?.raw, '1b'.repeat(8));
    });

    it('rejects a bad CRC, a cut frame and an unknown escape, and goes on with the next frame', () => {
        const good = meterFrame([entry('1-0:1.8.0*255', u(7, 1), 30, 0)]);
        const badCrc = frame(
            message('t', 0x0701, list(absent, octets('x'), absent, absent, list(), absent, absent)),
            { badCrc: true },
        );
        const cut = good.subarray(0, 40);
        const badEsc = concat(
            good.subarray(0, 16),
            Uint8Array.of(0x1b, 0x1b, 0x1b, 0x1b, 0x99, 0, 0, 0),
        );
        const d = smlFormat.decoder();
        const out = summary([...d.push(concat(badCrc, good, cut, good, badEsc, good)), ...d.end()]);
        assert.equal(out.length, 7);
        assert.match(
            out[0] ?? '',
            /^rejected SML, byte \d+: CRC mismatch: computed 0x[0-9a-f]{4}, frame says 0x[0-9a-f]{4}; the frame is corrupted$/,
        );
        assert.equal(out[1], 'telegram 1');
        assert.match(
            out[2] ?? '',
            /^rejected SML, byte 40: a new frame began before this one ended \(truncated frame\)$/,
        );
        assert.equal(out[3], 'telegram 1');
        assert.match(
            out[4] ?? '',
            /^rejected SML, byte 16: unknown escape sequence after 1b1b1b1b: 99000000$/,
        );
        // the resync after the bad escape skips the rest of that frame as noise
        assert.deepEqual(out.slice(5), ['noise 23', 'telegram 1']);
        assert.throws(() => decodeAll(smlFormat, badCrc), SmlError);
    });

    it('refuses a frame larger than the bound', () => {
        const big = meterFrame([entry('1-0:96.1.0*255', octets(new Uint8Array(2000)))]);
        const d = smlFormat.decoder({ maxBytes: 1000 });
        const out = summary([...d.push(big), ...d.end()]);
        assert.match(out[0] ?? '', /^rejected SML, byte 0: no end sequence within 1000 bytes$/);
    });
});
