// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/d0
 * IEC 62056-21 data telegrams (the optical "D0" interface; modes A–E) as meters and gateways
 * really send them:
 *
 *     /XXXZ[\W]Ident CR LF                   identification: manufacturer (3 letters), baud-rate
 *     [CR LF]                                character Z, optional enhanced id \W (mode E), text
 *     [STX]                                  mode A–C readouts open the data block with STX
 *     1-0:1.8.0*255(000123.4567*kWh) CR LF   data lines: address(value*unit), several per line
 *     …
 *     ! CR LF                                end of the data block
 *     [ETX BCC]                              BCC: XOR of every byte after STX up to and including ETX
 *
 * Accepted as the field sends it: with or without STX, with STX but without ETX/BCC (mode E push
 * of some eHZ), LF instead of CR LF, empty lines, identification text of any printable length,
 * values up to 1024 characters, units as printed (raw text kept; `kWh`/`KWH`/`MWh`/`GJ`/`m3`… mapped
 * by `units.ts`; a value like `088*C&082*C` of a heat meter is kept raw), bytes before the "/" and
 * after the end (gateway counters, 0xFF padding) skipped and counted, and the 7E1 parity bit
 * stripped when every byte of the telegram has even parity. Refused, with the line: a BCC that does
 * not match, ETX without a BCC, a data line that is not `address(value)…`, bytes above 0x7F
 * without consistent even parity. Short OBIS addresses are normalised (`obis.ts`).
 */

import { D0Error } from './errors.js';
import { ENERGY_UNITS, floorWh, parseDecimal, type ExactDecimal } from './decimal.js';
import { normaliseObis, obisChannel, type ObisOptions } from './obis.js';
import { unitInfo } from './units.js';
import {
    byte7At,
    stripParity,
    TextFrameScanner,
    textFrameDecoder,
    type EndRule,
} from './textframe.js';
import type {
    DecoderOptions,
    MeterFormat,
    MeterRegister,
    MeterTelegram,
    TelegramDecoder,
} from './telegram.js';

/** One value of a data set: `(value*unit)`. */
export interface D0Value {
    /** The value text as sent. */
    readonly raw: string;
    /** Unit text as sent, when the data set has one. */
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
    /** Normalised OBIS code `A-B:C.D.E*F`, or the address when it is not numeric OBIS (`C.1.0`, `F.F`). */
    readonly obis: string;
    /** All values of the data set (most have one). */
    readonly values: readonly D0Value[];
    /** First value as an exact decimal, when numeric. */
    readonly value: ExactDecimal | undefined;
    /** Unit of the first value, as sent. */
    readonly unit: string | undefined;
    /** First value in whole Wh (floor), when its unit is an energy unit. */
    readonly wh: bigint | undefined;
}

/** A parsed telegram. */
export interface D0Telegram {
    /** Three-letter manufacturer id (FLAG id), e.g. `ESY`. */
    readonly manufacturer: string;
    /** Baud-rate character Z. */
    readonly baudRate: string;
    /** Enhanced id character W, when `\W` is present (mode E). */
    readonly enhancedId: string | undefined;
    /** Identification text after the baud-rate character. */
    readonly identification: string;
    readonly records: readonly D0Record[];
    /** "valid" when the telegram carried ETX BCC and the BCC matched; "absent" otherwise. */
    readonly bcc: 'valid' | 'absent';
    /** "7E1" when the parity bit was set on the wire and stripped. */
    readonly parity: '7E1' | 'none';
    /** Bytes skipped before and after the telegram (noise). */
    readonly noiseBytes: number;
}

/** Options of {@link parseD0}. */
export interface D0Options extends ObisOptions {
    /** Largest telegram accepted in bytes (default 65,536). */
    readonly maxBytes?: number;
}

const STX = '\x02';
const ETX = '\x03';
const IDENT_RE = /^\/([A-Za-z]{3})([\x21-\x7e])(?:\\([\x21-\x7e]))?([\x20-\x7e]*)$/;
const ADDRESS_RE = /^[0-9A-Za-z.:*&_-]{1,32}$/;
const MAX_VALUE = 1024;
const DEFAULT_MAX_BYTES = 65_536;

/** End of a D0 telegram: "!" [CR] [LF] and, when STX opened the block, [ETX BCC]. */
const d0End: EndRule = (b, bang, hasStx, final) => {
    let p = bang + 1;
    const at = (i: number): number | undefined => byte7At(b, i);
    if (at(p) === undefined) return final ? p - bang : 'wait';
    if (at(p) === 0x0d) p++;
    if (at(p) === undefined) return final ? p - bang : 'wait';
    if (at(p) === 0x0a) p++;
    if (!hasStx) return p - bang;
    if (at(p) === undefined) return final ? p - bang : 'wait';
    if (at(p) !== 0x03) return p - bang;
    if (p + 1 >= b.length) return final ? p + 1 - bang : 'wait';
    return p + 2 - bang;
};

/**
 * Parses one IEC 62056-21 data telegram, skipping noise around it.
 * @param input - the bytes (or text) of one telegram, possibly with noise before and after.
 * @param options - size bound, medium for short OBIS codes.
 * @returns identification, records, BCC and parity status, noise count.
 * @throws {D0Error} naming the line of a structural fault or a BCC mismatch; when no telegram or
 *   several are found.
 * @example
 * const t = parseD0('/ESY5Q3DA1024 V3.03\r\n\r\n1-0:1.8.0*255(00000285.3669*kWh)\r\n!\r\n');
 * t.records[0]?.wh; // 285366n
 */
export function parseD0(input: string | Uint8Array, options: D0Options = {}): D0Telegram {
    const bytes = toBytes(input);
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (bytes.length > maxBytes) throw new D0Error(`telegram longer than ${maxBytes} bytes`);
    const scanner = new TextFrameScanner(d0End, maxBytes);
    let noise = 0;
    let frame: Uint8Array | undefined;
    for (const ev of [...scanner.push(bytes), ...scanner.end()]) {
        if (ev.kind === 'noise') noise += ev.bytes;
        else if (ev.kind === 'truncated') throw new D0Error(ev.reason);
        else if (frame !== undefined)
            throw new D0Error('more than one telegram; read a stream with d0Format.decoder()');
        else frame = ev.bytes;
    }
    if (frame === undefined) {
        throw new D0Error(
            bytes.some((b) => (b & 0x7f) === 0x2f)
                ? 'no complete telegram: "/XXX" identification found but no end line "!" (truncated?)'
                : 'no telegram: a telegram starts with "/" and the 3-letter manufacturer id',
        );
    }
    return parseFrame(frame, noise, options);
}

/**
 * The register of an OBIS code in whole Wh.
 * @param telegram - a parsed telegram.
 * @param obis - OBIS code, short or full (default `1-0:1.8.0*255`, total import energy).
 * @returns floor of the register in Wh.
 * @throws {D0Error} when the code is absent or its value is not an energy.
 * @example
 * d0EnergyWh(parseD0(telegram)); // 285366n
 */
export function d0EnergyWh(telegram: D0Telegram, obis = '1-0:1.8.0*255'): bigint {
    const code = normaliseObis(obis);
    const r = telegram.records.find((rec) => rec.obis === code);
    if (r === undefined) throw new D0Error(`no data set with OBIS code ${code}`);
    if (r.wh === undefined) {
        throw new D0Error(
            `${code} has unit ${r.unit === undefined ? '(none)' : JSON.stringify(r.unit)}, not an energy unit (Wh, kWh, MWh)`,
            r.line,
        );
    }
    return r.wh;
}

/** A parsed D0 telegram in the common telegram form. */
export function d0ToMeterTelegram(t: D0Telegram): MeterTelegram {
    const registers: MeterRegister[] = t.records.map((r) =>
        Object.freeze({
            obis: r.obis,
            address: r.address,
            channel: obisChannel(r.obis),
            raw: r.values[0]?.raw ?? '',
            unit: r.unit,
            value: r.value,
            timeMs: undefined,
            status: undefined,
            more: Object.freeze(
                r.values.slice(1).map((v) => (v.unit === undefined ? v.raw : `${v.raw}*${v.unit}`)),
            ),
        }),
    );
    const notes: string[] = [];
    if (t.parity === '7E1') notes.push('7E1 parity bits stripped');
    return Object.freeze({
        format: 'd0',
        identification: `${t.manufacturer}${t.baudRate}${t.enhancedId === undefined ? '' : `\\${t.enhancedId}`}${t.identification}`,
        timeMs: undefined,
        registers: Object.freeze(registers),
        integrity: t.bcc === 'valid' ? 'bcc' : 'none',
        notes: Object.freeze(notes),
    });
}

/** IEC 62056-21 (D0) as a meter input format. */
export const d0Format: MeterFormat = Object.freeze<MeterFormat>({
    name: 'd0',
    title: 'IEC 62056-21 / D0 optical interface (modes A–E), 7E1 or 8N1',
    logField: { name: 'd0', encoding: 'text' },
    defaultObis: '1-0:1.8.0*255',
    serial: { baudRate: 9600, dataBits: 7, parity: 'even', stopBits: 1 },
    decoder(options: DecoderOptions = {}): TelegramDecoder {
        return textFrameDecoder(
            d0End,
            options.maxBytes ?? DEFAULT_MAX_BYTES,
            (reason) => new D0Error(reason),
            (frame) => d0ToMeterTelegram(parseFrame(frame, 0, options)),
        );
    },
});

/** Parses the bytes of exactly one telegram (from "/" to its end). */
function parseFrame(frame: Uint8Array, noiseBytes: number, options: ObisOptions): D0Telegram {
    const stripped = stripParity(frame);
    if ('offset' in stripped) {
        throw new D0Error(
            `byte 0x${hex2(stripped.byte)} at offset ${stripped.offset} of the telegram is not 7-bit ASCII and the bytes do not carry even parity (7E1); check the serial settings`,
        );
    }
    const { text, parity } = stripped;
    // lines end with CR LF (LF alone tolerated); remember where each starts for the BCC
    let pos = 0;
    let lineNo = 0;
    const nextLine = (): string | undefined => {
        if (pos >= text.length) return undefined;
        const lf = text.indexOf('\n', pos);
        const end = lf < 0 ? text.length : lf;
        let line = text.slice(pos, end);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        pos = lf < 0 ? text.length : lf + 1;
        lineNo++;
        return line;
    };

    const identLine = nextLine() ?? '';
    const ident = IDENT_RE.exec(identLine);
    if (ident === null) {
        throw new D0Error(
            `identification ${show(identLine)} must be "/XXXZ[\\W]Ident": 3 letters, a baud-rate character, printable text`,
            1,
        );
    }
    let stxAt = -1;
    const records: D0Record[] = [];
    let ended = false;
    for (;;) {
        const at = lineNo + 1;
        const start = pos;
        let line = nextLine();
        if (line === undefined) break;
        if (line.startsWith(STX)) {
            if (stxAt >= 0 || records.length > 0)
                throw new D0Error('STX inside the data block', at);
            stxAt = start;
            line = line.slice(1);
        }
        if (line === '!') {
            ended = true;
            break;
        }
        if (line.trim() === '') continue;
        // eslint-disable-next-line no-control-regex -- control characters are what this refuses
        if (/[\x00-\x1f\x7f]/.test(line))
            throw new D0Error('control character inside a data line', at);
        parseDataLine(line, at, records, options);
    }
    if (!ended) throw new D0Error('missing end line "!" (truncated telegram?)', lineNo);
    let bcc: 'valid' | 'absent' = 'absent';
    const rest = text.slice(pos);
    if (rest.length > 0) {
        if (!rest.startsWith(ETX) || stxAt < 0)
            throw new D0Error(`bytes after the end line "!": ${show(rest)}`, lineNo);
        if (rest.length < 2) throw new D0Error('the BCC after ETX is missing', lineNo);
        let x = 0;
        for (let i = stxAt + 1; i <= pos; i++) x ^= text.charCodeAt(i);
        const sent = text.charCodeAt(pos + 1);
        if (x !== sent) {
            throw new D0Error(
                `block check character mismatch: computed 0x${hex2(x)}, received 0x${hex2(sent)}; the telegram is corrupted`,
                lineNo,
            );
        }
        bcc = 'valid';
    }
    return Object.freeze({
        manufacturer: ident[1] ?? '',
        baudRate: ident[2] ?? '',
        enhancedId: ident[3],
        identification: ident[4] ?? '',
        records: Object.freeze(records),
        bcc,
        parity,
        noiseBytes,
    });
}

function parseDataLine(
    line: string,
    lineNo: number,
    records: D0Record[],
    options: ObisOptions,
): void {
    let i = 0;
    let current: { address: string; values: D0Value[] } | undefined;
    const flush = (): void => {
        if (current !== undefined)
            records.push(makeRecord(current.address, current.values, lineNo, options));
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
                    `bad address ${show(address)}: at most 32 characters of 0-9 A-Z a-z . : * & _ -`,
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
    if (body.includes('(')) throw new D0Error(`value ${show(body)} contains "("`, lineNo);
    if (body.length > MAX_VALUE)
        throw new D0Error(`value longer than ${MAX_VALUE} characters`, lineNo);
    const star = body.indexOf('*');
    const raw = star < 0 ? body : body.slice(0, star);
    const unit = star < 0 || star === body.length - 1 ? undefined : body.slice(star + 1);
    return Object.freeze({ raw, unit, decimal: parseDecimal(raw.trim()) });
}

function makeRecord(
    address: string,
    values: D0Value[],
    lineNo: number,
    options: ObisOptions,
): D0Record {
    const first = values[0];
    const unit = unitInfo(first?.unit);
    const whPerUnit = unit?.quantity === 'energy' ? ENERGY_UNITS[unit.symbol] : undefined;
    const value = first?.decimal;
    return Object.freeze({
        line: lineNo,
        address,
        obis: normaliseObis(address, options),
        values: Object.freeze(values),
        value,
        unit: first?.unit,
        wh: value !== undefined && whPerUnit !== undefined ? floorWh(value, whPerUnit) : undefined,
    });
}

function toBytes(input: string | Uint8Array): Uint8Array {
    if (input instanceof Uint8Array) return input;
    if (typeof input !== 'string')
        throw new D0Error('expected the telegram as a string or Uint8Array');
    const out = new Uint8Array(input.length);
    for (let i = 0; i < input.length; i++) {
        const c = input.charCodeAt(i);
        if (c > 0xff)
            throw new D0Error(`non-ASCII character at offset ${i}; D0 telegrams are 7-bit ASCII`);
        out[i] = c;
    }
    return out;
}

function hex2(n: number): string {
    return n.toString(16).padStart(2, '0');
}

function show(s: string): string {
    return JSON.stringify(s.length > 40 ? `${s.slice(0, 40)}…` : s);
}
