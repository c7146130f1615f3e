// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the CSV reading source: register deltas, power-loss catch-up, interval mode, DST-day
 * timestamps placed into period slots, and every malformed input refused with its line number and
 * without a partial result. A property checks that slots always add up to the register difference.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { periodSlots } from '../../../../src/contract/tariff/index.js';
import {
    CsvSourceError,
    SourceError,
    assignSlots,
    readCsvSource,
    type CsvSourceOptions,
} from '../../../../src/roles/meter/sources/index.js';

const Q = 900_000;
const T0 = Date.UTC(2024, 0, 1);
const iso = (ms: number): string => new Date(ms).toISOString();

function fails(
    text: string | Uint8Array,
    options: CsvSourceOptions,
    line: number,
    pattern?: RegExp,
): void {
    assert.throws(
        () => readCsvSource(text, options),
        (e: unknown) => {
            assert.ok(e instanceof CsvSourceError, `expected CsvSourceError, got ${String(e)}`);
            assert.equal(e.line, line, e.message);
            assert.ok(e.message.includes(`line ${line}`));
            if (pattern !== undefined) assert.match(e.message, pattern);
            return true;
        },
    );
}

describe('register mode', () => {
    it('turns register readings into per-slot deltas', () => {
        const r = readCsvSource(
            `timestamp,value\n${iso(T0)},1000\n${iso(T0 + Q)},1012\n${iso(T0 + 2 * Q)},1012\n${iso(T0 + 3 * Q)},1100\n`,
            {
                mode: 'register',
            },
        );
        assert.deepEqual(
            r.map((x) => [x.startMs - T0, x.wh, x.catchUp, x.powerLoss]),
            [
                [0, 12n, false, false],
                [Q, 0n, false, false],
                [2 * Q, 88n, false, false],
            ],
        );
        assert.ok(Object.isFrozen(r[0]));
    });

    it('floors kWh registers to whole Wh so that the deltas telescope', () => {
        const r = readCsvSource(
            [
                '2024-01-01T00:00:00Z,123.4567',
                '2024-01-01T00:15:00Z,123.4575',
                '2024-01-01T00:30:00Z,123.4581',
                '2024-01-01T00:45:00Z,124',
            ].join('\r\n'),
            { mode: 'register', unit: 'kWh' },
        );
        assert.deepEqual(
            r.map((x) => x.wh),
            [1n, 1n, 542n], // 123456 → 123457 → 123458 → 124000
        );
        assert.equal(
            r.reduce((a, x) => a + x.wh, 0n),
            124_000n - 123_456n,
        );
    });

    it('books a power loss in the first slot after the meter resumes', () => {
        // readings at 00:00 and 00:15, then nothing until 01:15: slots 00:15–00:45 lost, 01:00 catches up
        const r = readCsvSource(
            `${iso(T0)},500\n${iso(T0 + Q)},510\n${iso(T0 + 5 * Q)},590\n${iso(T0 + 6 * Q)},600\n`,
            { mode: 'register' },
        );
        assert.deepEqual(
            r.map((x) => [(x.startMs - T0) / Q, x.wh, x.catchUp, x.powerLoss]),
            [
                [0, 10n, false, false],
                [1, 0n, false, true],
                [2, 0n, false, true],
                [3, 0n, false, true],
                [4, 80n, true, false],
                [5, 10n, false, false],
            ],
        );
    });

    it('accepts timestamps with offsets across the spring-forward night and fills the period slots', () => {
        const text = [
            '2024-03-31T01:30:00+01:00,1000',
            '2024-03-31T01:45:00+01:00,1001',
            '2024-03-31T03:00:00+02:00,1003', // 15 minutes after 01:45 CET
            '2024-03-31T03:15:00+02:00,1006',
        ].join('\n');
        const r = readCsvSource(text, { mode: 'register' });
        assert.equal(r.length, 3);
        assert.ok(r.every((x) => !x.catchUp && !x.powerLoss));
        const slots = assignSlots(r, periodSlots('2024-03'));
        assert.deepEqual(
            slots.map((s) => [s.slot, s.wh]),
            [
                [2886, 1n],
                [2887, 2n],
                [2888, 3n],
            ],
        );
    });

    it('refuses decreasing registers', () => {
        fails(
            `${iso(T0)},1000\n${iso(T0 + Q)},999.9\n`,
            { mode: 'register' },
            2,
            /register decreased from 1000 to 999.9/,
        );
        fails(
            `${iso(T0)},1.0005\n${iso(T0 + Q)},1.0004\n`,
            { mode: 'register', unit: 'kWh' },
            2,
            /decreased/,
        );
    });
});

describe('interval mode', () => {
    it('reads interval energies and flags gaps', () => {
        const r = readCsvSource(`${iso(T0)},5\n${iso(T0 + Q)},7\n${iso(T0 + 4 * Q)},30\n`, {
            mode: 'interval',
        });
        assert.deepEqual(
            r.map((x) => [(x.startMs - T0) / Q, x.wh, x.catchUp, x.powerLoss]),
            [
                [0, 5n, false, false],
                [1, 7n, false, false],
                [2, 0n, false, true],
                [3, 0n, false, true],
                [4, 30n, true, false],
            ],
        );
        assert.deepEqual(
            readCsvSource(`${iso(T0)},0.25\n`, { mode: 'interval', unit: 'kWh' }).map((x) => x.wh),
            [250n],
        );
    });

    it('refuses fractional Wh', () => {
        fails(`${iso(T0)},1.5\n`, { mode: 'interval' }, 1, /whole number of Wh/);
        fails(`${iso(T0)},0.0001\n`, { mode: 'interval', unit: 'kWh' }, 1, /whole number of Wh/);
    });

    it('works with hourly slots', () => {
        const r = readCsvSource(`${iso(T0)},100\n${iso(T0 + 3_600_000)},110\n`, {
            mode: 'register',
            intervalMinutes: 60,
        });
        assert.deepEqual(
            r.map((x) => x.wh),
            [10n],
        );
    });
});

describe('malformed input', () => {
    const reg: CsvSourceOptions = { mode: 'register' };

    it('is refused with the line number', () => {
        fails('', reg, 1, /no readings/);
        fails('timestamp,value\n', reg, 1, /no readings/);
        fails(`timestamp,value\n${iso(T0)},1,2\n`, reg, 2, /2 fields|3 fields/);
        fails(`timestamp,value\n${iso(T0)}\n`, reg, 2, /fields/);
        fails(`timestamp,value\n${iso(T0)},\n`, reg, 2, /not a decimal/);
        fails(`timestamp,value\n${iso(T0)},1e3\n`, reg, 2, /not a decimal/);
        fails(`timestamp,value\n${iso(T0)},-5\n`, reg, 2, /negative/);
        fails(`timestamp,value\n2024-01-01T00:00:00,5\n`, reg, 2, /offset/);
        fails(`timestamp,value\n2024-01-01 00:00:00Z,5\n`, reg, 2, /ISO 8601/);
        fails(`timestamp,value\n2024-02-30T00:00:00Z,5\n`, reg, 2, /not a valid date/);
        fails(`timestamp,value\n2024-01-01T00:00:00+19:00,5\n`, reg, 2, /offset/);
        fails(`timestamp,value\n2024-01-01T00:07:00Z,5\n`, reg, 2, /slot boundary/);
        fails(`${iso(T0)},1\n\n${iso(T0 + Q)},2\n`, reg, 2, /empty line/);
        fails(`${iso(T0)},1\n${iso(T0 + Q)},2\n${iso(T0 + Q)},3\n`, reg, 3, /strictly increasing/);
        fails(
            `${iso(T0)},1\n${iso(T0 + 2 * Q)},2\n${iso(T0 + Q)},3\n`,
            reg,
            3,
            /strictly increasing/,
        );
        fails(
            `${iso(T0)},1\n${iso(T0 + 10 * Q)},2\n`,
            { mode: 'register', maxSlots: 5 },
            2,
            /more than 5 slots/,
        );
        fails(
            `${iso(T0)},1\n${iso(T0 + Q)},2\n`,
            { mode: 'register', maxRows: 1 },
            2,
            /more than 1 rows/,
        );
        fails(Uint8Array.from([0x32, 0x30, 0xff, 0x0a]), reg, 1, /UTF-8/);
        fails('x', { mode: 'cumulative' as 'register' }, 1, /mode/);
        fails('x', { mode: 'register', unit: 'MWh' as 'Wh' }, 1, /unit/);
        fails('x', { mode: 'register', intervalMinutes: 7 }, 1, /divide 60/);
    });

    it('returns nothing partial and leaves the input untouched', () => {
        const bytes = new TextEncoder().encode(
            `${iso(T0)},1\n${iso(T0 + Q)},2\n${iso(T0 + 2 * Q)},x\n`,
        );
        const copy = bytes.slice();
        let result: unknown = 'unset';
        try {
            result = readCsvSource(bytes, reg);
        } catch (e) {
            assert.ok(e instanceof CsvSourceError && e instanceof SourceError && e.line === 3);
        }
        assert.equal(result, 'unset');
        assert.deepEqual(bytes, copy);
    });
});

describe('properties', () => {
    it('slots always add up to the floored register difference, with a catch-up after every gap', () => {
        fc.assert(
            fc.property(
                fc.array(
                    fc.record({
                        step: fc.integer({ min: 1, max: 6 }),
                        inc: fc.integer({ min: 0, max: 100_000 }),
                    }),
                    { minLength: 1, maxLength: 60 },
                ),
                fc.integer({ min: 0, max: 10_000_000 }),
                (rows, start) => {
                    // registers in kWh with 3–4 decimals: start + increments, in units of 0.1 Wh
                    let ms = T0;
                    let reg = start;
                    const kwh = (tenthsWh: number): string =>
                        `${Math.floor(tenthsWh / 10_000)}.${String(tenthsWh % 10_000).padStart(4, '0')}`;
                    const lines = [`${iso(ms)},${kwh(reg)}`];
                    for (const r of rows) {
                        ms += r.step * Q;
                        reg += r.inc;
                        lines.push(`${iso(ms)},${kwh(reg)}`);
                    }
                    const out = readCsvSource(lines.join('\n'), { mode: 'register', unit: 'kWh' });
                    const sum = out.reduce((a, x) => a + x.wh, 0n);
                    const expected = BigInt(Math.floor(reg / 10)) - BigInt(Math.floor(start / 10));
                    const catchUps = out.filter((x) => x.catchUp).length;
                    return (
                        sum === expected &&
                        out.length === (ms - T0) / Q &&
                        out.every(
                            (x, k) =>
                                x.startMs === T0 + k * Q &&
                                x.wh >= 0n &&
                                (!x.powerLoss || x.wh === 0n),
                        ) &&
                        catchUps === rows.filter((r) => r.step > 1).length
                    );
                },
            ),
            { numRuns: 200 },
        );
    });
});

describe('assignSlots', () => {
    it('places readings into a period and refuses misaligned or duplicate ones', () => {
        const jan = periodSlots('2024-01'); // starts 2023-12-31T23:00Z
        const r = readCsvSource(
            `${iso(jan.startMs - Q)},0\n${iso(jan.startMs)},5\n${iso(jan.startMs + Q)},9\n`,
            { mode: 'register' },
        );
        assert.deepEqual(
            assignSlots(r, jan).map((s) => [s.slot, s.wh]),
            [[0, 4n]],
        );
        assert.throws(
            () =>
                assignSlots(
                    [{ startMs: jan.startMs + 60_000, wh: 1n, catchUp: false, powerLoss: false }],
                    jan,
                ),
            SourceError,
        );
        const one = { startMs: jan.startMs, wh: 1n, catchUp: false, powerLoss: false };
        assert.throws(() => assignSlots([one, one], jan), SourceError);
    });
});
