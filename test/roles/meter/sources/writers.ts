// SPDX-License-Identifier: Apache-2.0
/**
 * Test helper: writers of D0 and DSMR P1 telegrams in every variant the readers accept, written
 * independently of the parsers under test (own bitwise CRC16/ARC, own BCC, own parity). SML frames
 * come from `sml.helpers.ts`.
 */

/** One data set: an address and its values `(raw*unit)`. */
export interface DataSet {
    readonly address: string;
    readonly values: readonly { readonly raw: string; readonly unit?: string }[];
}

/** Options of {@link writeD0}. */
export interface D0Spec {
    readonly manufacturer?: string;
    readonly baud?: string;
    /** Mode E enhanced id character (`\W`). */
    readonly enhancedId?: string;
    readonly ident?: string;
    readonly sets: readonly DataSet[];
    /** Data sets per line (default 1). */
    readonly perLine?: number;
    /** Open the data block with STX (modes A–C; default false, mode D). */
    readonly stx?: boolean;
    /** After STX: send ETX and BCC (default true). */
    readonly etxBcc?: boolean;
    /** Flip a bit of the BCC. */
    readonly badBcc?: boolean;
    /** Empty line after the identification (default true). */
    readonly blankLine?: boolean;
    readonly lineEnd?: '\r\n' | '\n';
    /** Set the even-parity bit on every byte (7E1 read as 8N1). */
    readonly parity?: boolean;
    readonly leading?: readonly number[];
    readonly trailing?: readonly number[];
}

const bytesOf = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** Sets the even-parity bit (7E1). */
export function withParity(b: number): number {
    let ones = 0;
    for (let k = 0; k < 7; k++) ones += (b >> k) & 1;
    return ones % 2 === 1 ? b | 0x80 : b;
}

const setText = (s: DataSet): string =>
    s.address +
    s.values.map((v) => `(${v.raw}${v.unit === undefined ? '' : `*${v.unit}`})`).join('');

/** An IEC 62056-21 telegram. */
export function writeD0(spec: D0Spec): Uint8Array {
    const nl = spec.lineEnd ?? '\r\n';
    const ident = `/${spec.manufacturer ?? 'ESY'}${spec.baud ?? '5'}${spec.enhancedId === undefined ? '' : `\\${spec.enhancedId}`}${spec.ident ?? 'Q3DA1024 V3.03'}`;
    const per = spec.perLine ?? 1;
    const lines: string[] = [];
    for (let k = 0; k < spec.sets.length; k += per)
        lines.push(
            spec.sets
                .slice(k, k + per)
                .map(setText)
                .join(''),
        );
    let head = ident + nl + ((spec.blankLine ?? true) ? nl : '');
    let block = lines.map((l) => l + nl).join('') + '!' + nl;
    let tail = '';
    if (spec.stx === true) {
        head += '\x02';
        if (spec.etxBcc ?? true) {
            block += '\x03';
            let bcc = 0;
            for (const c of bytesOf(block)) bcc ^= c;
            if (spec.badBcc === true) bcc ^= 0x10;
            tail = String.fromCharCode(bcc);
        }
    }
    let out = bytesOf(head + block + tail);
    if (spec.parity === true) out = out.map(withParity);
    return Uint8Array.from([...(spec.leading ?? []), ...out, ...(spec.trailing ?? [])]);
}

/** Bitwise CRC-16/ARC (poly 0x8005 reflected, init 0). */
export function crcArcBitwise(bytes: Uint8Array | number[]): number {
    let crc = 0;
    for (const b of bytes) {
        crc ^= b;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xa001 : crc >>> 1;
    }
    return crc & 0xffff;
}

/** Options of {@link writeDsmr}. */
export interface DsmrSpec {
    readonly ident?: string;
    /** Lines of data objects, in order (continuation lines start with "("). */
    readonly lines: readonly string[];
    /** Append "!CRC" (DSMR ≥ 4); false: bare "!" (2.2/3.0). Default true. */
    readonly crc?: boolean;
    readonly badCrc?: boolean;
    readonly lowercaseCrc?: boolean;
    readonly lineEnd?: '\r\n' | '\n';
    readonly parity?: boolean;
    readonly leading?: readonly number[];
    readonly trailing?: readonly number[];
}

/** A DSMR P1 telegram. */
export function writeDsmr(spec: DsmrSpec): Uint8Array {
    const nl = spec.lineEnd ?? '\r\n';
    const body = `/${spec.ident ?? 'ISk5\\2MT382-1000'}${nl}${nl}${spec.lines.map((l) => l + nl).join('')}!`;
    let text = body;
    if (spec.crc ?? true) {
        let c = crcArcBitwise(bytesOf(body));
        if (spec.badCrc === true) c ^= 0x0001;
        let h = c.toString(16).toUpperCase().padStart(4, '0');
        if (spec.lowercaseCrc === true) h = h.toLowerCase();
        text += h;
    }
    text += nl;
    let out = bytesOf(text);
    if (spec.parity === true) out = out.map(withParity);
    return Uint8Array.from([...(spec.leading ?? []), ...out, ...(spec.trailing ?? [])]);
}

/** DSMR timestamp text of a UTC instant in Dutch local time with its S/W letter. */
export function dsmrStamp(utcMs: number): string {
    const y = new Date(utcMs).getUTCFullYear();
    const lastSunday = (month: number): number => {
        const last = new Date(Date.UTC(y, month + 1, 0));
        return Date.UTC(y, month, last.getUTCDate() - last.getUTCDay(), 1);
    };
    const summer = utcMs >= lastSunday(2) && utcMs < lastSunday(9);
    const d = new Date(utcMs + (summer ? 2 : 1) * 3_600_000);
    const p = (n: number): string => String(n).padStart(2, '0');
    return `${p(d.getUTCFullYear() % 100)}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}${summer ? 'S' : 'W'}`;
}

/** Splits bytes into chunks at the given cut points (sorted, deduplicated, in range). */
export function splitAt(bytes: Uint8Array, cuts: readonly number[]): Uint8Array[] {
    const points = [...new Set(cuts.map((c) => Math.max(0, Math.min(bytes.length, c))))].sort(
        (a, b) => a - b,
    );
    const out: Uint8Array[] = [];
    let prev = 0;
    for (const p of [...points, bytes.length]) {
        out.push(bytes.subarray(prev, p));
        prev = p;
    }
    return out;
}

export const concat = (...parts: Uint8Array[]): Uint8Array => {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
        out.set(p, o);
        o += p.length;
    }
    return out;
};

export const text = (s: string): Uint8Array => Uint8Array.from(bytesOf(s));
