// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/obis
 * OBIS codes (IEC 62056-61) as meters print them, normalised to the full form `A-B:C.D.E*F`.
 *
 * Meters and their manuals shorten codes: D0 readouts send `1.8.0`, `1.8.1*01`, heat meters `6.8`;
 * DSMR and SML send full codes. Normalisation fills what is missing:
 *
 * - A (medium) from {@link ObisOptions.medium}, default **1 (electricity)**; pass 6 for a heat
 *   meter, 7 for gas, 8 for water (in D0 the medium is not on the wire);
 * - B (channel) 0; E 0 when only C.D is given; F 255 when absent.
 *
 * Codes with letters in C (the manufacturer/service codes `C.1.0`, `F.F`) are kept as sent. A
 * selector names one register or the sum of several: `1-0:1.8.1+1-0:1.8.2` (both tariff
 * registers of a meter without a total register).
 */

import { SourceError } from './errors.js';

/** Options of {@link normaliseObis}. */
export interface ObisOptions {
    /** Medium A filled into short codes (default 1, electricity; 6 heat, 7 gas, 8 water). */
    readonly medium?: number;
}

const FULL_RE = /^(\d{1,3})-(\d{1,3}):(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\*(\d{1,3}))?$/;
const SHORT_RE = /^(\d{1,3})\.(\d{1,3})(?:\.(\d{1,3}))?(?:\*(\d{1,3}))?$/;

/**
 * The full form of an OBIS code, or the code as sent when it is not a numeric OBIS code.
 * @example
 * normaliseObis('1.8.0'); // '1-0:1.8.0*255'
 * normaliseObis('6.8', { medium: 6 }); // '6-0:6.8.0*255'
 * normaliseObis('1-0:1.8.1*01'); // '1-0:1.8.1*1'
 */
export function normaliseObis(code: string, options: ObisOptions = {}): string {
    const medium = options.medium ?? 1;
    let parts: number[];
    const full = FULL_RE.exec(code);
    if (full !== null) {
        parts = [full[1], full[2], full[3], full[4], full[5], full[6] ?? '255'].map(Number);
    } else {
        const short = SHORT_RE.exec(code);
        if (short === null) return code;
        parts = [
            medium,
            0,
            ...[short[1], short[2], short[3] ?? '0', short[4] ?? '255'].map(Number),
        ];
    }
    if (parts.some((p) => p > 255)) return code;
    const [a, b, c, d, e, f] = parts;
    return `${a}-${b}:${c}.${d}.${e}*${f}`;
}

/** The B field (channel) of a normalised code; 0 for non-numeric codes. */
export function obisChannel(obis: string): number {
    const m = /^\d+-(\d+):/.exec(obis);
    return m === null ? 0 : Number(m[1]);
}

/**
 * Parses a register selector: one code or codes joined by "+", each normalised.
 * @throws {SourceError} `SOURCE_OBIS` for an empty term or a code that is not numeric OBIS.
 * @example
 * parseObisSelector('1.8.1+1.8.2'); // ['1-0:1.8.1*255', '1-0:1.8.2*255']
 */
export function parseObisSelector(selector: string, options: ObisOptions = {}): string[] {
    const terms = selector.split('+').map((t) => t.trim());
    if (terms.length > 16) throw new SourceError('SOURCE_OBIS', 'at most 16 registers in a sum');
    return terms.map((t) => {
        const n = normaliseObis(t, options);
        if (!FULL_RE.test(n)) {
            throw new SourceError(
                'SOURCE_OBIS',
                `${JSON.stringify(t)} is not an OBIS code; write A-B:C.D.E*F or a short form like 1.8.0, and join registers to add with "+" (1-0:1.8.1+1-0:1.8.2)`,
            );
        }
        return n;
    });
}
