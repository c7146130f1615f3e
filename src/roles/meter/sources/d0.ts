// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/d0
 * IEC 62056-21 data telegrams (mode C readout and mode D push, the optical "D0" interface of German
 * meters), already framed and with the parity bit stripped (7-bit ASCII):
 *
 *     /XXXZ[\W]Ident CR LF                   identification: manufacturer (3 letters), baud-rate
 *     [CR LF]                                character Z, optional enhanced id \W, ≤ 16 characters
 *     [STX]                                  (mode C: the data block starts with STX)
 *     1-0:1.8.0*255(000123.4567*kWh) CR LF   data lines: address(value*unit), repeatable
 *     …
 *     ! CR LF                                end of the data block
 *     [ETX BCC]                              mode C: ETX and the block check character, the XOR of
 *                                            every byte after STX up to and including ETX
 *
 * Data sets are parsed into records with their OBIS address (normalised to A-B:C.D.E*F), raw
 * values, unit, and for energy units (Wh, kWh, MWh) an exact decimal and the floored integer Wh.
 * Limits follow the standard: address ≤ 16, value ≤ 128, unit ≤ 16 characters. Any structural
 * fault throws a {@link D0Error} naming the line.
 */

import { D0Error } from './errors.js';
import { ENERGY_UNITS, floorWh, parseDecimal, type ExactDecimal } from './decimal.js';

/** One value of a data set: `(value*unit)`. */
export interface D0Value {
    /** The value text as sent. */
    readonly raw: string;
    /** Unit text, when the data set has one. */
    readonly unit: string | undefined;
    /** The value as an exact decimal, when it is a plain decimal number. */
    readonly decimal: ExactDecimal | undefined;
}

/** One data set (an address with its values). */
export interface D0Record {
    /** 1-based line of the telegram. */
    readonly line: number;
    /** Address as sent, e.g. `1-0:1.8.0*255` or `1.8.0`. */
    readonly address: string;
    /** Normalised OBIS code `A-B:C.D.E*F` (F defaults to 255) when the address is a full numeric one, else the address. */
    readonly obis: string;
    /** All values of the data set (most have one). */
    readonly values: readonly D0Value[];
    /** First value as an exact decimal, when numeric. */
    readonly value: ExactDecimal | undefined;
    /** Unit of the first value. */
    readonly unit: string | undefined;
    /** First value in whole Wh (floor), when its unit is Wh, kWh or MWh. */
    readonly wh: bigint | undefined;
}

/** A parsed telegram. */
export interface D0Telegram {
    /** Three-letter manufacturer id (FLAG id), e.g. `ESY`. */
    readonly manufacturer: string;
    /** Baud-rate character Z. */
    readonly baudRate: string;
    /** Enhanced id character W, when `\W` is present. */
    readonly enhancedId: string | undefined;
    /** Identification text after the baud-rate character. */
    readonly identification: string;
    readonly records: readonly D0Record[];
    /** "valid" when the telegram carried STX … ETX BCC and the BCC matched; "absent" in mode D. */
    readonly bcc: 'valid' | 'absent';
}

/** Options of {@link parseD0}. */
export interface D0Options {
    /** Largest telegram accepted in bytes (default 16,384). */
    readonly maxBytes?: number;
}

const STX = '\x02';
const ETX = '\x03';
const IDENT_RE = /^([A-Za-z]{3})([0-9A-Z])(?:\\([\x21-\x7e]))?([\x20-\x7e]{1,16})$/;
const ADDRESS_RE = /^[0-9A-Za-z.:*&-]{1,16}$/;
const OBIS_RE = /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\*(\d{1,3}))?$/;
const MAX_VALUE = 128;
const MAX_UNIT = 16;

/**
 * Parses an IEC 62056-21 data telegram.
 * @param input - the telegram as text or bytes (7-bit ASCII; bytes above 0x7F are refused).
 * @param options - size bound.
 * @returns identification, records and BCC status.
 * @throws {D0Error} naming the line of a structural fault, an oversized field, or a BCC mismatch.
 * @example
 * const t = parseD0('/ESY5Q3DA1024 V3.03\r\n\r\n1-0:1.8.0*255(00000285.3669*kWh)\r\n!\r\n');
 * t.records[0]?.wh; // 285366n
 */
export function parseD0(input: string | Uint8Array, options: D0Options = {}): D0Telegram {
    const text = toAscii(input, options.maxBytes ?? 16_384);
    if (!text.startsWith('/'))
        throw new D0Error('a telegram starts with "/" (identification message)', 1);
    let pos = 0;
    let lineNo = 1;
    const nextLine = (what: string): string => {
        const end = text.indexOf('\r\n', pos);
        if (end < 0)
            throw new D0Error(`${what} is not terminated by CR LF (truncated telegram?)`, lineNo);
        const line = text.slice(pos, end);
        if (line.includes('\r') || line.includes('\n'))
            throw new D0Error('bare CR or LF; lines end with CR LF', lineNo);
        // eslint-disable-next-line no-control-regex -- control characters are what this refuses
        if (/[\x00-\x1f\x7f]/.test(line))
            throw new D0Error('control character inside a line', lineNo);
        pos = end + 2;
        lineNo++;
        return line;
    };

    const ident = IDENT_RE.exec(nextLine('the identification line').slice(1));
    if (ident === null) {
        throw new D0Error(
            'identification must be "/XXXZ[\\W]Ident": 3 letters, a baud-rate character, at most 16 printable characters',
            1,
        );
    }
    if (ident[4]?.includes('/') === true || ident[4]?.includes('!') === true) {
        throw new D0Error('identification must not contain "/" or "!"', 1);
    }
    // mode D sends an empty line after the identification
    if (text.startsWith('\r\n', pos)) {
        pos += 2;
        lineNo++;
    }
    const hasStx = text[pos] === STX;
    const bccStart = pos + 1;
    if (hasStx) pos++;

    const records: D0Record[] = [];
    for (;;) {
        if (pos >= text.length)
            throw new D0Error('missing end line "!" (truncated telegram?)', lineNo);
        const at = lineNo;
        const line = nextLine('a data line');
        if (line === '!') break;
        if (line === '') throw new D0Error('empty data line', at);
        parseDataLine(line, at, records);
    }

    let bcc: 'valid' | 'absent' = 'absent';
    if (hasStx) {
        if (text[pos] !== ETX)
            throw new D0Error(
                'STX opened the data block, so "!" CR LF must be followed by ETX and BCC',
                lineNo,
            );
        if (pos + 2 !== text.length) {
            throw new D0Error(
                pos + 1 >= text.length ? 'the BCC after ETX is missing' : 'bytes after the BCC',
                lineNo,
            );
        }
        let x = 0;
        for (let i = bccStart; i <= pos; i++) x ^= text.charCodeAt(i);
        const sent = text.charCodeAt(pos + 1);
        if (x !== sent) {
            throw new D0Error(
                `block check character mismatch: computed 0x${hex2(x)}, received 0x${hex2(sent)}; the telegram is corrupted`,
                lineNo,
            );
        }
        bcc = 'valid';
    } else if (pos !== text.length) {
        throw new D0Error(
            text[pos] === ETX ? 'ETX without STX' : 'bytes after the end line "!"',
            lineNo,
        );
    }
    return Object.freeze({
        manufacturer: ident[1] ?? '',
        baudRate: ident[2] ?? '',
        enhancedId: ident[3],
        identification: ident[4] ?? '',
        records: Object.freeze(records),
        bcc,
    });
}

/**
 * The register of an OBIS code in whole Wh.
 * @param telegram - a parsed telegram.
 * @param obis - normalised OBIS code (default `1-0:1.8.0*255`, total import energy).
 * @returns floor of the register in Wh.
 * @throws {D0Error} when the code is absent or its value is not an energy (Wh, kWh, MWh).
 * @example
 * d0EnergyWh(parseD0(telegram)); // 285366n
 */
export function d0EnergyWh(telegram: D0Telegram, obis = '1-0:1.8.0*255'): bigint {
    const r = telegram.records.find((rec) => rec.obis === obis);
    if (r === undefined) throw new D0Error(`no data set with OBIS code ${obis}`);
    if (r.wh === undefined) {
        throw new D0Error(
            `${obis} has unit ${r.unit === undefined ? '(none)' : JSON.stringify(r.unit)}, not an energy unit (Wh, kWh, MWh)`,
            r.line,
        );
    }
    return r.wh;
}

function parseDataLine(line: string, lineNo: number, records: D0Record[]): void {
    let i = 0;
    let current: { address: string; values: D0Value[] } | undefined;
    const flush = (): void => {
        if (current !== undefined)
            records.push(makeRecord(current.address, current.values, lineNo));
    };
    while (i < line.length) {
        const open = line.indexOf('(', i);
        if (open < 0)
            throw new D0Error(`text after the last data set: ${show(line.slice(i))}`, lineNo);
        const address = line.slice(i, open);
        const close = line.indexOf(')', open + 1);
        if (close < 0) throw new D0Error('"(" without ")"', lineNo);
        const body = line.slice(open + 1, close);
        if (address === '') {
            if (current === undefined)
                throw new D0Error('a data set needs an address before "("', lineNo);
        } else {
            if (!ADDRESS_RE.test(address)) {
                throw new D0Error(
                    `bad address ${show(address)}: at most 16 characters of 0-9 A-Z a-z . : * & -`,
                    lineNo,
                );
            }
            flush();
            current = { address, values: [] };
        }
        current.values.push(parseValue(body, lineNo));
        i = close + 1;
    }
    flush();
}

function parseValue(body: string, lineNo: number): D0Value {
    if (/[()/!]/.test(body))
        throw new D0Error(`value ${show(body)} contains "(", ")", "/" or "!"`, lineNo);
    const star = body.indexOf('*');
    const raw = star < 0 ? body : body.slice(0, star);
    const unit = star < 0 ? undefined : body.slice(star + 1);
    if (raw.length > MAX_VALUE)
        throw new D0Error(`value longer than ${MAX_VALUE} characters`, lineNo);
    if (unit !== undefined && (unit.length === 0 || unit.length > MAX_UNIT || unit.includes('*'))) {
        throw new D0Error(
            `unit ${show(unit)} must be 1–${MAX_UNIT} characters without "*"`,
            lineNo,
        );
    }
    const decimal = parseDecimal(raw);
    if (unit !== undefined && decimal === undefined) {
        throw new D0Error(`value ${show(raw)} with unit ${unit} is not a decimal number`, lineNo);
    }
    return Object.freeze({ raw, unit, decimal });
}

function makeRecord(address: string, values: D0Value[], lineNo: number): D0Record {
    const first = values[0];
    const whPerUnit = first?.unit === undefined ? undefined : ENERGY_UNITS[first.unit];
    const value = first?.decimal;
    return Object.freeze({
        line: lineNo,
        address,
        obis: normaliseObis(address),
        values: Object.freeze(values),
        value,
        unit: first?.unit,
        wh: value !== undefined && whPerUnit !== undefined ? floorWh(value, whPerUnit) : undefined,
    });
}

function normaliseObis(address: string): string {
    const m = OBIS_RE.exec(address);
    if (m === null) return address;
    const parts = [m[1], m[2], m[3], m[4], m[5], m[6] ?? '255'].map(Number);
    if (parts.some((p) => p > 255)) return address;
    const [a, b, c, d, e, f] = parts;
    return `${a}-${b}:${c}.${d}.${e}*${f}`;
}

function toAscii(input: string | Uint8Array, maxBytes: number): string {
    if (typeof input === 'string') {
        if (input.length > maxBytes) throw new D0Error(`telegram longer than ${maxBytes} bytes`);
        for (let i = 0; i < input.length; i++) {
            if (input.charCodeAt(i) > 0x7f)
                throw new D0Error(
                    `non-ASCII character at offset ${i}; strip the parity bit (7E1) first`,
                );
        }
        return input;
    }
    if (!(input instanceof Uint8Array))
        throw new D0Error('expected the telegram as a string or Uint8Array');
    if (input.length > maxBytes) throw new D0Error(`telegram longer than ${maxBytes} bytes`);
    let s = '';
    for (let i = 0; i < input.length; i++) {
        const b = input[i] ?? 0;
        if (b > 0x7f)
            throw new D0Error(
                `byte 0x${hex2(b)} at offset ${i} is not 7-bit ASCII; strip the parity bit (7E1) first`,
            );
        s += String.fromCharCode(b);
    }
    return s;
}

function hex2(n: number): string {
    return n.toString(16).padStart(2, '0');
}

function show(s: string): string {
    return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
