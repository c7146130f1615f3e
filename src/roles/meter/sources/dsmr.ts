// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/dsmr
 * DSMR P1 telegrams (Dutch Smart Meter Requirements 2.2, 3.0, 4.x, 5.0.2; the Belgian e-MUCS /
 * Fluvius variant; Luxembourg's and the Nordic/Eastern European meters that follow them):
 *
 *     /XXX5Ident CR LF                        identification
 *     CR LF
 *     0-0:1.0.0(240301120000W) CR LF          data objects: OBIS(value)(value)…
 *     1-0:1.8.1(001234.567*kWh) CR LF
 *     0-1:24.2.1(240301115500W)(01234.567*m3) CR LF    M-Bus channel 1 with its capture time
 *     !CRC CR LF                              4.x/5.x/e-MUCS: CRC16/ARC of "/" … "!" in hex
 *
 * - CRC: present from DSMR 4.0 on; checked and a wrong CRC refused. 2.2/3.0 end with a bare "!".
 * - Timestamps `YYMMDDhhmmss` with `S` (summer, UTC+2) or `W` (winter, UTC+1) are converted to UTC;
 *   without the letter (2.2/3.0) they are read as Europe/Amsterdam (= Brussels) local time by the
 *   EU rule (summer time from the last Sunday of March to the last Sunday of October, 01:00 UTC),
 *   the repeated autumn hour taken as summer time.
 * - M-Bus devices (gas, water, heat, channels 1–4) appear as registers of their channel with their
 *   own capture time: `0-n:24.2.1` (NL), `0-n:24.2.3` (BE). DSMR 2.2's gas value
 *   `0-n:24.3.0(time)(00)(60)(1)(0-n:24.2.1)(m3)` with the value on the continuation line `(…)` is
 *   exposed as the register it names (`0-n:24.2.1`).
 * - Text messages (`0-0:96.13.0`, hex-encoded) and other values of any length are kept raw.
 * - Lines end with CR LF (LF alone tolerated); bytes around telegrams are skipped and counted;
 *   DSMR 2.2/3.0's 7E1 parity bit is stripped when the bytes show it.
 */

import { crc16arc } from './crc16.js';
import { parseDecimal } from './decimal.js';
import { DsmrError } from './errors.js';
import { normaliseObis, obisChannel, type ObisOptions } from './obis.js';
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

const DEFAULT_MAX_BYTES = 65_536;
const IDENT_RE = /^\/([A-Za-z]{3})([\x21-\x7e])(?:\\([\x21-\x7e]))?([\x20-\x7e]*)$/;
const LINE_RE =
    /^([0-9]{1,3}-[0-9]{1,3}:[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}(?:\*[0-9]{1,3})?)((?:\([^()]*\))+)$/;
const TIME_RE = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})([SW]?)$/;

/** End of a P1 telegram: "!" then up to 4 hex digits of CRC, [CR] [LF]. */
const dsmrEnd: EndRule = (b, bang, _hasStx, final) => {
    let p = bang + 1;
    const at = (i: number): number | undefined => byte7At(b, i);
    const isHex = (c: number): boolean =>
        (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
    while (p - bang <= 4) {
        const c = at(p);
        if (c === undefined) return final ? p - bang : 'wait';
        if (!isHex(c)) break;
        p++;
    }
    if (at(p) === undefined) return final ? p - bang : 'wait';
    if (at(p) === 0x0d) p++;
    if (at(p) === undefined) return final ? p - bang : 'wait';
    if (at(p) === 0x0a) p++;
    return p - bang;
};

/**
 * Parses one P1 telegram, skipping noise around it.
 * @throws {DsmrError} naming the line of a structural fault, a CRC mismatch; when no telegram or
 *   several are found.
 * @example
 * parseDsmr(telegramBytes).registers.find((r) => r.obis === '1-0:1.8.1*255')?.value;
 */
export function parseDsmr(input: string | Uint8Array, options: DecoderOptions = {}): MeterTelegram {
    const bytes = typeof input === 'string' ? latin1(input) : input;
    if (!(bytes instanceof Uint8Array))
        throw new DsmrError('expected the telegram as a string or Uint8Array');
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (bytes.length > maxBytes) throw new DsmrError(`telegram longer than ${maxBytes} bytes`);
    const scanner = new TextFrameScanner(dsmrEnd, maxBytes);
    let frame: Uint8Array | undefined;
    for (const ev of [...scanner.push(bytes), ...scanner.end()]) {
        if (ev.kind === 'truncated') throw new DsmrError(ev.reason);
        if (ev.kind === 'frame') {
            if (frame !== undefined)
                throw new DsmrError(
                    'more than one telegram; read a stream with dsmrFormat.decoder()',
                );
            frame = ev.bytes;
        }
    }
    if (frame === undefined)
        throw new DsmrError(
            'no complete telegram: it starts with "/" and the 3-letter manufacturer id and ends with "!"',
        );
    return parseFrame(frame, options);
}

/** DSMR P1 as a meter input format. */
export const dsmrFormat: MeterFormat = Object.freeze<MeterFormat>({
    name: 'dsmr',
    title: 'DSMR P1 2.2 / 3.0 / 4.x / 5.0.2, Belgian e-MUCS (Fluvius), 115200 8N1 (2.2/3.0: 9600 7E1)',
    logField: { name: 'dsmr', encoding: 'text' },
    defaultObis: '1-0:1.8.1*255+1-0:1.8.2*255',
    serial: { baudRate: 115_200, dataBits: 8, parity: 'none', stopBits: 1 },
    decoder(options: DecoderOptions = {}): TelegramDecoder {
        return textFrameDecoder(
            dsmrEnd,
            options.maxBytes ?? DEFAULT_MAX_BYTES,
            (reason) => new DsmrError(reason),
            (frame) => parseFrame(frame, options),
        );
    },
});

/**
 * UTC ms of a DSMR timestamp `YYMMDDhhmmss[S|W]` (years 2000–2099).
 * @returns undefined when the text is not a valid timestamp.
 * @example
 * dsmrTime('240301120000W'); // Date.UTC(2024, 2, 1, 11, 0, 0)
 */
export function dsmrTime(text: string): number | undefined {
    const m = TIME_RE.exec(text);
    if (m === null) return undefined;
    const [y, mo, d, h, mi, s] = [m[1], m[2], m[3], m[4], m[5], m[6]].map(Number) as [
        number,
        number,
        number,
        number,
        number,
        number,
    ];
    const local = Date.UTC(2000 + y, mo - 1, d, h, mi, s);
    const check = new Date(local);
    if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
        return undefined;
    if (m[7] === 'S') return local - 2 * 3_600_000;
    if (m[7] === 'W') return local - 3_600_000;
    const summer = local - 2 * 3_600_000;
    return inEuSummerTime(summer) ? summer : local - 3_600_000;
}

function inEuSummerTime(utcMs: number): boolean {
    const year = new Date(utcMs).getUTCFullYear();
    const lastSunday = (month: number): number => {
        const last = new Date(Date.UTC(year, month + 1, 0));
        return Date.UTC(year, month, last.getUTCDate() - last.getUTCDay(), 1);
    };
    return utcMs >= lastSunday(2) && utcMs < lastSunday(9);
}

function parseFrame(frame: Uint8Array, options: ObisOptions): MeterTelegram {
    const stripped = stripParity(frame);
    if ('offset' in stripped) {
        throw new DsmrError(
            `byte 0x${stripped.byte.toString(16)} at offset ${stripped.offset} is not ASCII and the bytes do not carry even parity (7E1); check the serial settings`,
        );
    }
    const { text, parity } = stripped;
    const bang = text.lastIndexOf('\n!') + 1;
    if (bang <= 0) throw new DsmrError('missing end line "!"');
    const tail = text.slice(bang + 1).replace(/\r?\n?$/, '');
    let integrity: 'crc' | 'none' = 'none';
    if (tail.length > 0) {
        if (!/^[0-9A-Fa-f]{4}$/.test(tail))
            throw new DsmrError(`the end line "!${tail}" must be "!" or "!" and a 4-digit hex CRC`);
        const bytes = latin1(text.slice(0, bang + 1));
        const computed = crc16arc(bytes);
        const sent = parseInt(tail, 16);
        if (computed !== sent) {
            throw new DsmrError(
                `CRC mismatch: computed ${computed.toString(16).toUpperCase().padStart(4, '0')}, telegram says ${tail.toUpperCase()}; the telegram is corrupted`,
            );
        }
        integrity = 'crc';
    }
    const lines = text
        .slice(0, bang)
        .split('\n')
        .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    const ident = IDENT_RE.exec(lines[0] ?? '');
    if (ident === null)
        throw new DsmrError(`identification ${show(lines[0] ?? '')} must be "/XXX5Ident"`, 1);
    // join continuation lines "(…)" (DSMR 2.2 gas, long values wrapped by some meters)
    const objects: { line: number; text: string }[] = [];
    for (let i = 1; i < lines.length; i++) {
        const l = lines[i] ?? '';
        if (l.trim() === '') continue;
        const last = objects.at(-1);
        if (l.startsWith('(') && last !== undefined) last.text += l;
        else objects.push({ line: i + 1, text: l });
    }
    const registers: MeterRegister[] = [];
    let timeMs: number | undefined;
    for (const o of objects) {
        const m = LINE_RE.exec(o.text);
        if (m === null) {
            throw new DsmrError(`expected OBIS(value)…, got ${show(o.text)}`, o.line);
        }
        const address = m[1] ?? '';
        const values = (m[2] ?? '').slice(1, -1).split(')(');
        const obis = normaliseObis(address, options);
        const r = makeRegister(address, obis, values, o.line, options);
        if (/^0-0:1\.0\.0\*255$/.test(obis)) {
            timeMs = dsmrTime(values[0] ?? '');
            if (timeMs === undefined)
                throw new DsmrError(
                    `telegram time ${show(values[0] ?? '')} is not YYMMDDhhmmss[S|W]`,
                    o.line,
                );
        }
        registers.push(r);
    }
    const notes: string[] = [];
    if (parity === '7E1') notes.push('7E1 parity bits stripped');
    return Object.freeze({
        format: 'dsmr',
        identification: (lines[0] ?? '').slice(1),
        timeMs,
        registers: Object.freeze(registers),
        integrity,
        notes: Object.freeze(notes),
    });
}

function makeRegister(
    address: string,
    obis: string,
    values: string[],
    line: number,
    options: ObisOptions,
): MeterRegister {
    const split = (v: string): { raw: string; unit: string | undefined } => {
        const star = v.indexOf('*');
        return star < 0
            ? { raw: v, unit: undefined }
            : { raw: v.slice(0, star), unit: v.slice(star + 1) };
    };
    const reg = (
        o: string,
        raw: string,
        unit: string | undefined,
        timeMs: number | undefined,
        more: string[],
    ): MeterRegister =>
        Object.freeze({
            obis: o,
            address,
            channel: obisChannel(o),
            raw,
            unit,
            value: parseDecimal(raw),
            timeMs,
            status: undefined,
            more: Object.freeze(more),
        });
    // DSMR 2.2 gas: 0-n:24.3.0(time)(00)(60)(1)(0-n:24.2.1)(m3)(value)
    if (obis.includes(':24.3.0*') && values.length >= 7) {
        const t = dsmrTime(values[0] ?? '');
        if (t === undefined)
            throw new DsmrError(
                `capture time ${show(values[0] ?? '')} is not YYMMDDhhmmss[S|W]`,
                line,
            );
        const named = normaliseObis(values[4] ?? '', options);
        const unit = values[5] === '' ? undefined : values[5];
        return reg(named, values[values.length - 1] ?? '', unit, t, values.slice(0, -1));
    }
    // value with its capture time: M-Bus 0-n:24.2.1 / 24.2.3, Fluvius maximum demand 1-0:1.6.0
    if (values.length === 2 && TIME_RE.test(values[0] ?? '')) {
        const t = dsmrTime(values[0] ?? '');
        if (t === undefined)
            throw new DsmrError(`capture time ${show(values[0] ?? '')} is not a valid date`, line);
        const { raw, unit } = split(values[1] ?? '');
        return reg(obis, raw, unit, t, [values[0] ?? '']);
    }
    const { raw, unit } = split(values[0] ?? '');
    return reg(obis, raw, unit, undefined, values.slice(1));
}

function latin1(s: string): Uint8Array {
    const out = new Uint8Array(s.length);
    for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c > 0xff) throw new DsmrError(`non-ASCII character at offset ${i}`);
        out[i] = c;
    }
    return out;
}

function show(s: string): string {
    return JSON.stringify(s.length > 60 ? `${s.slice(0, 60)}…` : s);
}

/** An M-Bus device attached to a P1 meter (channel 1–4). */
export interface DsmrChannel {
    readonly channel: number;
    /** M-Bus device type (`0-n:24.1.0`): 3 gas, 4 heat, 6 warm water, 7 water, 12 heat (inlet). */
    readonly deviceType: number | undefined;
    /** What the device type names, `unknown` when absent or unlisted. */
    readonly medium: 'gas' | 'heat' | 'warm water' | 'water' | 'heat/cooling' | 'unknown';
    /** Equipment identifier (`0-n:96.1.0` or `0-n:96.1.1`, hex as sent). */
    readonly equipmentId: string | undefined;
    /** The channel's registers, each with its own capture time where the meter sent one. */
    readonly registers: readonly MeterRegister[];
}

const MBUS_MEDIUM: Readonly<Record<number, DsmrChannel['medium']>> = {
    3: 'gas',
    4: 'heat',
    6: 'warm water',
    7: 'water',
    12: 'heat',
    13: 'heat/cooling',
};

/**
 * The M-Bus devices of a P1 telegram, one entry per channel.
 * @example
 * dsmrChannels(parseDsmr(telegram)); // [{ channel: 1, medium: 'gas', registers: [...] }]
 */
export function dsmrChannels(t: MeterTelegram): DsmrChannel[] {
    // M-Bus devices are the abstract objects 0-n:… (1-3:0.2.8, the DSMR version, is not one)
    const mbus = t.registers.filter((r) => r.channel > 0 && r.obis.startsWith('0-'));
    const channels = [...new Set(mbus.map((r) => r.channel))].sort((a, b) => a - b);
    return channels.map((channel) => {
        const registers = mbus.filter((r) => r.channel === channel);
        const type = registers.find((r) => r.obis.includes(':24.1.0*'))?.value;
        const deviceType = type?.scale !== 0 ? undefined : Number(type.digits);
        return Object.freeze({
            channel,
            deviceType,
            medium: (deviceType === undefined ? undefined : MBUS_MEDIUM[deviceType]) ?? 'unknown',
            equipmentId: registers.find((r) => /:96\.1\.[01]\*/.test(r.obis))?.raw,
            registers: Object.freeze(registers),
        });
    });
}
