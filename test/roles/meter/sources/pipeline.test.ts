// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the reading pipeline: OBIS normalisation and register sums, telegram → register sample
 * (units, timestamps), samples → interval deltas (off-boundary samples, repeats, gaps) → slots, and
 * ingest of every source kind; every refusal with its message.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { periodSlots } from '../../../../src/contract/tariff/index.js';
import { readingsFromSource, sourceKinds } from '../../../../src/roles/meter/ingest.js';
import {
    intervalsFromSamples,
    METER_FORMATS,
    meterFormat,
    normaliseObis,
    parseDsmr,
    parseObisSelector,
    sampleOf,
    SourceError,
    toBaseUnits,
    unitInfo,
    type RegisterSample,
} from '../../../../src/roles/meter/sources/index.js';
import { dsmrStamp, writeD0, writeDsmr } from './writers.js';
import { entry, meterFrame, u } from './sml.helpers.js';

const T0 = Date.UTC(2024, 2, 1); // 2024-03-01T00:00Z
const Q = 15 * 60_000;

function refused(f: () => unknown, code: string, pattern: RegExp): void {
    assert.throws(f, (e: unknown) => {
        assert.ok(e instanceof SourceError, `expected SourceError, got ${String(e)}`);
        assert.equal(e.code, code, e.message);
        assert.match(e.message, pattern);
        return true;
    });
}

describe('OBIS codes', () => {
    it('normalises short codes with the default medium (electricity) or a given one', () => {
        assert.equal(normaliseObis('1.8.0'), '1-0:1.8.0*255');
        assert.equal(normaliseObis('1.8.1*01'), '1-0:1.8.1*1');
        assert.equal(normaliseObis('6.8'), '1-0:6.8.0*255');
        assert.equal(normaliseObis('6.8', { medium: 6 }), '6-0:6.8.0*255');
        assert.equal(normaliseObis('1-0:1.8.0'), '1-0:1.8.0*255');
        assert.equal(normaliseObis('0-1:24.2.1*255'), '0-1:24.2.1*255');
        assert.equal(normaliseObis('C.1.0'), 'C.1.0');
        assert.equal(normaliseObis('F.F'), 'F.F');
        assert.equal(normaliseObis('1-0:1.8.300'), '1-0:1.8.300'); // not OBIS: kept
    });

    it('parses register sums and refuses what is not OBIS', () => {
        assert.deepEqual(parseObisSelector('1-0:1.8.1+1-0:1.8.2'), [
            '1-0:1.8.1*255',
            '1-0:1.8.2*255',
        ]);
        assert.deepEqual(parseObisSelector(' 1.8.1 + 1.8.2 '), ['1-0:1.8.1*255', '1-0:1.8.2*255']);
        refused(
            () => parseObisSelector('1.8.1+'),
            'SOURCE_OBIS',
            /"" is not an OBIS code; write A-B:C\.D\.E\*F/,
        );
        refused(() => parseObisSelector('C.1.0'), 'SOURCE_OBIS', /"C\.1\.0" is not an OBIS code/);
        refused(
            () => parseObisSelector(Array(17).fill('1.8.0').join('+')),
            'SOURCE_OBIS',
            /at most 16 registers in a sum/,
        );
    });

    it('maps unit spellings and converts to base units exactly', () => {
        assert.equal(unitInfo('KWH')?.symbol, 'kWh');
        assert.equal(unitInfo('m3')?.quantity, 'volume');
        assert.equal(unitInfo('furlongs'), undefined);
        assert.equal(toBaseUnits({ digits: 1234567n, scale: 4 }, unitInfo('kWh')), 123_456n);
        assert.equal(toBaseUnits({ digits: 1n, scale: 0 }, unitInfo('GJ')), 277_777n);
        assert.equal(toBaseUnits({ digits: 12785123n, scale: 3 }, unitInfo('m3')), 12_785_123n);
        assert.equal(toBaseUnits({ digits: 1n, scale: 0 }, unitInfo('kW')), undefined);
    });
});

describe('register samples', () => {
    const p1 = parseDsmr(
        writeDsmr({
            lines: [
                '0-0:1.0.0(240301011500W)',
                '1-0:1.8.1(000100.001*kWh)',
                '1-0:1.8.2(000200.002*kWh)',
                '1-0:1.7.0(01.193*kW)',
                '0-0:96.1.1(4B38)',
                '0-0:96.14.0(0002)',
                '1-0:99.1.0(-5*kWh)',
                '0-1:24.2.1(240301010000W)(00012.345*m3)',
            ],
        }),
    );

    it('adds tariff registers and takes the telegram time', () => {
        const s = sampleOf(p1, parseObisSelector('1-0:1.8.1+1-0:1.8.2'));
        assert.deepEqual(s, {
            timeMs: Date.UTC(2024, 2, 1, 0, 15),
            amount: 300_003n,
            baseUnit: 'Wh',
        });
    });

    it('a gas register carries its own capture time and is read in litres', () => {
        const s = sampleOf(p1, parseObisSelector('0-1:24.2.1'));
        assert.deepEqual(s, { timeMs: Date.UTC(2024, 2, 1, 0, 0), amount: 12_345n, baseUnit: 'l' });
    });

    it('refuses absent, non-numeric, non-billable, negative and mixed registers, saying why', () => {
        refused(
            () => sampleOf(p1, ['1-0:1.8.0*255']),
            'SOURCE_REGISTER',
            /no register 1-0:1\.8\.0\*255 in the telegram; it has 1-0:1\.8\.1\*255, 1-0:1\.8\.2\*255, 1-0:99\.1\.0\*255, 0-1:24\.2\.1\*255 \(choose with --obis, add several with "\+"\)/,
        );
        refused(
            () => sampleOf(p1, ['1-0:1.7.0*255']),
            'SOURCE_REGISTER',
            /1-0:1\.7\.0\*255 has unit "kW", not an energy \(Wh, kWh, MWh, GJ…\) or volume \(m3, l\) unit; refusing to bill it/,
        );
        refused(
            () => sampleOf(p1, ['0-0:96.14.0*255']),
            'SOURCE_REGISTER',
            /0-0:96\.14\.0\*255 has unit \(none\)/,
        );
        refused(
            () => sampleOf(p1, ['0-0:96.1.1*255']),
            'SOURCE_REGISTER',
            /0-0:96\.1\.1\*255 is not a number: "4B38"/,
        );
        refused(
            () => sampleOf(p1, ['1-0:99.1.0*255']),
            'SOURCE_REGISTER',
            /1-0:99\.1\.0\*255 is negative \(-5\); registers count up from 0/,
        );
        refused(
            () => sampleOf(p1, ['1-0:1.8.1*255', '0-1:24.2.1*255']),
            'SOURCE_REGISTER',
            /cannot add 0-1:24\.2\.1\*255 in l to registers in Wh/,
        );
        const d0 = meterFormat('d0')
            .decoder()
            .push(writeD0({ sets: [{ address: '1.8.0', values: [{ raw: '1', unit: 'kWh' }] }] }));
        const t = d0[0]?.kind === 'telegram' ? d0[0].telegram : undefined;
        assert.ok(t !== undefined);
        refused(
            () => sampleOf(t, ['1-0:1.8.0*255']),
            'SOURCE_REGISTER',
            /the telegram carries no time; read it from a log with "t" timestamps or a live port/,
        );
        assert.equal(sampleOf(t, ['1-0:1.8.0*255'], T0).amount, 1000n);
    });
});

describe('interval deltas', () => {
    const s = (min: number, amount: bigint): RegisterSample => ({
        timeMs: T0 + min * 60_000,
        amount,
        baseUnit: 'Wh',
    });

    it('take the last sample before each boundary; repeats dropped; gaps flagged', () => {
        const out = intervalsFromSamples([
            s(-0.5, 1000n), // boundary 00:00
            s(7, 1005n),
            s(14.9, 1010n), // boundary 00:15
            s(14.9, 1010n), // repeated (a gas value in every P1 telegram of the hour)
            s(30, 1030n), // boundary 00:30
            s(75, 1100n), // boundary 01:15 after 2 missing ones
        ]);
        assert.deepEqual(
            out.map((e) => [(e.startMs - T0) / 60_000, e.wh, e.catchUp, e.powerLoss]),
            [
                [0, 10n, false, false],
                [15, 20n, false, false],
                [30, 0n, false, true],
                [45, 0n, false, true],
                [60, 70n, true, false],
            ],
        );
    });

    it('refuses time going backwards, decreasing registers, unit changes, too many slots', () => {
        refused(
            () => intervalsFromSamples([s(15, 1n), s(10, 2n)]),
            'SOURCE_REGISTER',
            /reading at 2024-03-01T00:10:00\.000Z is not after the previous one \(2024-03-01T00:15:00\.000Z\); readings must go forward in time/,
        );
        assert.equal(intervalsFromSamples([s(15, 1n), s(15, 2n), s(30, 3n)])[0]?.wh, 1n); // same time: the newer value
        refused(
            () => intervalsFromSamples([s(15, 5n), s(30, 4n)]),
            'SOURCE_REGISTER',
            /register decreased from 5 to 4 Wh at 2024-03-01T00:30:00\.000Z; registers only count up \(meter exchange or rollover is not supported\)/,
        );
        refused(
            () => intervalsFromSamples([s(15, 5n), { ...s(30, 6n), baseUnit: 'l' }]),
            'SOURCE_REGISTER',
            /register unit changed from Wh to l/,
        );
        refused(
            () => intervalsFromSamples([s(0, 5n), s(15 * 11, 6n)], { maxSlots: 10 }),
            'SOURCE_REGISTER',
            /more than 10 slots between/,
        );
        refused(
            () => intervalsFromSamples([], { intervalMinutes: 7 }),
            'SOURCE_REGISTER',
            /interval of 7 minutes does not divide 60/,
        );
    });
});

describe('ingest of every source kind', () => {
    const bp = periodSlots('2024-03', 'Europe/Berlin');
    const slots = 12;
    const regAt = (k: number): bigint => 5_000_000n + BigInt(k * k * 7);

    it('lists kinds from the format registry', () => {
        assert.deepEqual(sourceKinds(), [
            'csv-register',
            'csv-interval',
            ...Object.keys(METER_FORMATS).map((n) => `${n}-log`),
            ...Object.keys(METER_FORMATS),
        ]);
        refused(
            () => readingsFromSource('', 'mbus-log', bp),
            'SOURCE_KIND',
            /unknown source kind; use one of csv-register, csv-interval, d0-log, dsmr-log, sml-log, d0, dsmr, sml/,
        );
        refused(
            () => meterFormat('mbus'),
            'SOURCE_FORMAT',
            /unknown meter format "mbus"; known: d0, dsmr, sml/,
        );
    });

    const expectSlots = (got: { slot: number; value: bigint; status: number }[]): void => {
        assert.equal(got.length, slots);
        got.forEach((r, k) => {
            assert.equal(r.slot, k);
            assert.equal(r.value, regAt(k + 1) - regAt(k));
            assert.equal(r.status, 0);
        });
    };

    it('d0-log, dsmr-log and sml-log, and a raw P1 capture, give the same slots', () => {
        const at = (k: number): number => bp.startMs + k * Q;
        const d0 = (k: number): string =>
            String.fromCharCode(
                ...writeD0({
                    stx: true,
                    sets: [
                        {
                            address: '1.8.0',
                            values: [{ raw: (Number(regAt(k)) / 1000).toFixed(3), unit: 'kWh' }],
                        },
                    ],
                }),
            );
        const p1 = (k: number): Uint8Array => {
            const wh = regAt(k);
            return writeDsmr({
                lines: [
                    `0-0:1.0.0(${dsmrStamp(at(k))})`,
                    `1-0:1.8.1(${(Number(wh - 1_000_000n) / 1000).toFixed(3)}*kWh)`,
                    '1-0:1.8.2(001000.000*kWh)',
                ],
            });
        };
        const sml = (k: number): string =>
            Buffer.from(
                meterFrame([entry('1-0:1.8.0*255', u(regAt(k) * 10n, 8), 30, -1)]),
            ).toString('hex');
        const ks = Array.from({ length: slots + 1 }, (_, k) => k);
        const iso = (k: number): string => new Date(at(k)).toISOString();
        expectSlots(
            readingsFromSource(
                ks.map((k) => JSON.stringify({ t: iso(k), d0: d0(k) })).join('\n'),
                'd0-log',
                bp,
            ),
        );
        expectSlots(
            readingsFromSource(
                ks
                    .map((k) => JSON.stringify({ t: iso(k), dsmr: String.fromCharCode(...p1(k)) }))
                    .join('\n'),
                'dsmr-log',
                bp,
            ),
        );
        expectSlots(
            readingsFromSource(
                ks.map((k) => JSON.stringify({ t: iso(k), sml: sml(k) })).join('\n'),
                'sml-log',
                bp,
            ),
        );
        const capture = Buffer.concat([
            Buffer.from([0xff, 0x21]),
            ...ks.map((k) => Buffer.from(p1(k))),
        ]);
        expectSlots(readingsFromSource(new Uint8Array(capture), 'dsmr', bp));
        // the same capture with the 1.8.1 register alone is a different (smaller) reading
        const only = readingsFromSource(new Uint8Array(capture), 'dsmr', bp, { obis: '1.8.1' });
        assert.equal(only.length, slots);
    });

    it('refuses bad log lines and telegrams whole, naming the line', () => {
        const t = '2024-03-01T00:00:00Z';
        refused(
            () => readingsFromSource('nope\n', 'dsmr-log', bp),
            'SOURCE_LOG',
            /^line 1: not JSON$/,
        );
        refused(
            () => readingsFromSource('[1]\n', 'dsmr-log', bp),
            'SOURCE_LOG',
            /^line 1: missing "t" timestamp/,
        );
        refused(
            () => readingsFromSource('{"t":"2024-03-01 00:00"}\n', 'dsmr-log', bp),
            'SOURCE_LOG',
            /^line 1: missing "t" timestamp \(ISO 8601 with offset/,
        );
        refused(
            () => readingsFromSource(`{"t":"${t}"}\n`, 'dsmr-log', bp),
            'SOURCE_LOG',
            /^line 1: missing "dsmr" telegram$/,
        );
        refused(
            () => readingsFromSource(`{"t":"${t}","sml":"0g"}\n`, 'sml-log', bp),
            'SOURCE_LOG',
            /^line 1: missing or non-hex "sml" telegram$/,
        );
        refused(
            () => readingsFromSource(`{"t":"${t}","d0":"x\u0100"}\n`, 'd0-log', bp),
            'SOURCE_LOG',
            /is not a byte; telegrams are ASCII/,
        );
        refused(
            () => readingsFromSource(`\n{"t":"${t}","d0":"no telegram"}\n`, 'd0-log', bp),
            'SOURCE_LOG',
            /^line 2: expected one telegram, found 0$/,
        );
        const bad = String.fromCharCode(
            ...writeDsmr({ lines: ['1-0:1.8.1(1*kWh)', '1-0:1.8.2(1*kWh)'], badCrc: true }),
        );
        refused(
            () => readingsFromSource(JSON.stringify({ t, dsmr: bad }), 'dsmr-log', bp),
            'SOURCE_LOG',
            /^line 1: P1 telegram: CRC mismatch/,
        );
        const noTime = writeDsmr({ lines: ['1-0:1.8.1(1*kWh)', '1-0:1.8.2(1*kWh)'] });
        refused(
            () => readingsFromSource(noTime, 'dsmr', bp),
            'SOURCE_CAPTURE',
            /^telegram 1: the telegram carries no time/,
        );
        refused(
            () => readingsFromSource(new Uint8Array(64 * 1024 * 1024 + 1), 'dsmr', bp),
            'SOURCE_SIZE',
            /input larger than/,
        );
    });
});
