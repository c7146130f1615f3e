// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/csv
 * Readings from a CSV file of `timestamp,value` rows (optional header `timestamp,value`).
 *
 * - `timestamp`: ISO 8601 with an explicit offset, `2024-03-31T03:15:00+02:00` or `…Z` (local
 *   times without offset are ambiguous on DST days and refused), on a slot boundary, strictly
 *   increasing.
 * - `mode: "register"`: `value` is the cumulative register (Wh or kWh) at `timestamp`. The first row
 *   is the baseline; each later row closes the slot that ends at its timestamp with the difference
 *   of the floored registers. A gap (rows k > 1 slots apart: the meter was off) yields k − 1 slots of
 *   0 Wh flagged `powerLoss` and books the whole difference in the slot ending at the row after the
 *   gap, flagged `catchUp`. A decreasing register is an error (rollover is not supported).
 * - `mode: "interval"`: `value` is the energy of the slot starting at `timestamp`, a whole number of
 *   Wh. Missing slots between rows are `powerLoss` (0 Wh), the row after them `catchUp` (its value
 *   is taken as the meter booked it).
 * Malformed rows, non-monotonic or misaligned timestamps and decreasing registers throw a
 * {@link CsvSourceError} with the line number; nothing is returned on error.
 */

import { parseIsoInstant, quoteField } from '../../text.js';
import { CsvSourceError } from './errors.js';
import {
    ENERGY_UNITS,
    compareDecimal,
    decimalToString,
    floorWh,
    isWholeWh,
    parseDecimal,
    type ExactDecimal,
} from './decimal.js';
import type { IntervalEnergy } from './types.js';

/** Options of {@link readCsvSource}. */
export interface CsvSourceOptions {
    /** Cumulative register readings or per-interval energies. */
    readonly mode: 'register' | 'interval';
    /** Unit of `value` (default "Wh"). */
    readonly unit?: 'Wh' | 'kWh';
    /** Slot length in minutes, a divisor of 60 (default 15). */
    readonly intervalMinutes?: number;
    /** Most rows accepted (default 1,000,000). */
    readonly maxRows?: number;
    /** Most slots produced, gaps included (default 1,000,000). */
    readonly maxSlots?: number;
}

const HEADER = 'timestamp,value';
/**
 * Reads a `timestamp,value` CSV into interval energies.
 * @param input - file content (UTF-8 bytes or text; CRLF and a BOM accepted).
 * @param options - mode, unit, interval, bounds.
 * @returns one reading per slot from the first to the last row, in time order.
 * @throws {CsvSourceError} with the line number of the first bad row.
 * @example
 * readCsvSource('timestamp,value\n2024-01-01T00:00Z,1000\n2024-01-01T00:15Z,1012\n', { mode: 'register' });
 * // [{ startMs: Date.UTC(2024, 0, 1), wh: 12n, catchUp: false, powerLoss: false }]
 */
export function readCsvSource(
    input: string | Uint8Array,
    options: CsvSourceOptions,
): IntervalEnergy[] {
    const { mode } = options;
    if ((mode as string) !== 'register' && (mode as string) !== 'interval')
        throw new CsvSourceError(1, `options.mode must be "register" or "interval"`);
    const unit = options.unit ?? 'Wh';
    const whPerUnit = ENERGY_UNITS[unit];
    if (((unit as string) !== 'Wh' && (unit as string) !== 'kWh') || whPerUnit === undefined) {
        throw new CsvSourceError(1, `options.unit must be "Wh" or "kWh"`);
    }
    const intervalMinutes = options.intervalMinutes ?? 15;
    if (!Number.isInteger(intervalMinutes) || intervalMinutes < 1 || 60 % intervalMinutes !== 0) {
        throw new CsvSourceError(
            1,
            `options.intervalMinutes must divide 60, got ${String(intervalMinutes)}`,
        );
    }
    const maxRows = options.maxRows ?? 1_000_000;
    const maxSlots = options.maxSlots ?? 1_000_000;
    const stepMs = intervalMinutes * 60_000;
    const lines = splitLines(input);
    const out: IntervalEnergy[] = [];
    let prevMs: number | undefined;
    let prevRegister: ExactDecimal | undefined;
    let prevWh = 0n;
    let rows = 0;
    for (let n = 0; n < lines.length; n++) {
        const lineNo = n + 1;
        const line = lines[n] ?? '';
        if (n === 0 && line === HEADER) continue;
        if (line === '') throw new CsvSourceError(lineNo, 'empty line inside the file');
        if (++rows > maxRows)
            throw new CsvSourceError(lineNo, `more than ${maxRows} rows; split the file`);
        const fields = line.split(',');
        if (fields.length !== 2)
            throw new CsvSourceError(
                lineNo,
                `expected "timestamp,value", got ${fields.length} fields`,
            );
        const ms = parseTimestamp(fields[0] ?? '', lineNo);
        if (ms % stepMs !== 0) {
            throw new CsvSourceError(
                lineNo,
                `timestamp ${fields[0] ?? ''} is not on a ${intervalMinutes}-minute slot boundary`,
            );
        }
        const value = parseDecimal(fields[1] ?? '');
        if (value === undefined)
            throw new CsvSourceError(
                lineNo,
                `value ${show(fields[1] ?? '')} is not a decimal number`,
            );
        if (value.digits < 0n)
            throw new CsvSourceError(
                lineNo,
                `value ${fields[1] ?? ''} is negative; energies and registers are ≥ 0`,
            );
        if (prevMs !== undefined && ms <= prevMs) {
            throw new CsvSourceError(
                lineNo,
                `timestamp ${new Date(ms).toISOString()} is not after the previous row (${new Date(prevMs).toISOString()}); rows must be in strictly increasing time order`,
            );
        }
        const gapSlots = prevMs === undefined ? 0 : (ms - prevMs) / stepMs - 1;
        if (out.length + gapSlots + 1 > maxSlots)
            throw new CsvSourceError(lineNo, `more than ${maxSlots} slots (gap too long?)`);
        if (mode === 'register') {
            if (prevRegister !== undefined && compareDecimal(value, prevRegister) < 0) {
                throw new CsvSourceError(
                    lineNo,
                    `register decreased from ${decimalToString(prevRegister)} to ${fields[1] ?? ''} ${unit}; registers only count up (rollover is not supported)`,
                );
            }
            const wh = floorWh(value, whPerUnit);
            if (prevMs !== undefined) {
                // slots prevMs … ms−2Δ were lost; the slot [ms−Δ, ms) books the whole delta
                for (let j = 0; j < gapSlots; j++)
                    out.push(reading(prevMs + j * stepMs, 0n, false, true));
                out.push(reading(ms - stepMs, wh - prevWh, gapSlots > 0, false));
            }
            prevRegister = value;
            prevWh = wh;
        } else {
            if (!isWholeWh(value, whPerUnit)) {
                throw new CsvSourceError(
                    lineNo,
                    `value ${fields[1] ?? ''} ${unit} is not a whole number of Wh; use register mode for fractional readings`,
                );
            }
            if (prevMs !== undefined)
                for (let j = 1; j <= gapSlots; j++)
                    out.push(reading(prevMs + j * stepMs, 0n, false, true));
            out.push(reading(ms, floorWh(value, whPerUnit), gapSlots > 0, false));
        }
        prevMs = ms;
    }
    if (rows === 0) throw new CsvSourceError(1, 'the file has no readings');
    return out;
}

function reading(
    startMs: number,
    wh: bigint,
    catchUp: boolean,
    powerLoss: boolean,
): IntervalEnergy {
    return Object.freeze({ startMs, wh, catchUp, powerLoss });
}

function splitLines(input: string | Uint8Array): string[] {
    let text: string;
    if (typeof input === 'string') text = input;
    else if (input instanceof Uint8Array) {
        try {
            text = new TextDecoder('utf-8', { fatal: true }).decode(input);
        } catch {
            throw new CsvSourceError(1, 'the file is not valid UTF-8');
        }
    } else throw new CsvSourceError(1, 'expected the file content as a string or Uint8Array');
    if (text.startsWith('\uFEFF')) text = text.slice(1);
    const lines = text.split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    return lines;
}

function parseTimestamp(field: string, lineNo: number): number {
    const t = parseIsoInstant(field);
    if (typeof t === 'number') return t;
    const why = {
        format: ': expected ISO 8601 with offset, e.g. 2024-03-31T03:15:00+02:00 or 2024-03-31T01:15:00Z',
        date: ' is not a valid date and time',
        offset: ': offset out of range',
    }[t];
    throw new CsvSourceError(lineNo, `timestamp ${show(field)}${why}`);
}

function show(s: string): string {
    return quoteField(s, 40);
}
