// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/telegram
 * What every meter input format yields: telegrams of register values, each with its OBIS code,
 * the value and unit as sent, the exact value, and a timestamp when the meter sent one. A format
 * ({@link MeterFormat}) turns a byte stream — a serial port, a capture file — into telegrams with
 * a {@link TelegramDecoder}, which accepts the bytes in chunks split anywhere.
 */

import type { ExactDecimal } from './decimal.js';
import type { SourceError } from './errors.js';
import type { ObisOptions } from './obis.js';

/** One value of a telegram. */
export interface MeterRegister {
    /** OBIS code normalised to `A-B:C.D.E*F` (or the address as sent when it is not OBIS). */
    readonly obis: string;
    /** Address as sent. */
    readonly address: string;
    /** M-Bus / OBIS channel (the B field): 0 for the meter itself, 1–4 for DSMR M-Bus devices. */
    readonly channel: number;
    /** The value text as sent (SML: the integer in decimal, octet strings in hex). */
    readonly raw: string;
    /** Unit as sent (SML: the symbol of the DLMS unit code). */
    readonly unit: string | undefined;
    /** The exact value (with the SML scaler applied), when numeric. */
    readonly value: ExactDecimal | undefined;
    /** Capture time of this value (UTC ms), when the meter sent one with it (M-Bus values, SML valTime). */
    readonly timeMs: number | undefined;
    /** Status word (SML), when sent. */
    readonly status: bigint | undefined;
    /** Further values of the data set (D0/DSMR records with several parentheses), as sent. */
    readonly more: readonly string[];
}

/** One telegram (a D0 readout, a P1 telegram, the GetListResponse values of an SML frame). */
export interface MeterTelegram {
    readonly format: string;
    /** Identification (D0/DSMR ident line, SML server id in hex). */
    readonly identification: string;
    /** The meter's own time of the telegram (UTC ms), when it sent one. */
    readonly timeMs: number | undefined;
    readonly registers: readonly MeterRegister[];
    /** The integrity check the telegram carried and passed. */
    readonly integrity: 'crc' | 'bcc' | 'none';
    /** Things tolerated while reading it (e.g. parity bits stripped). */
    readonly notes: readonly string[];
}

/** What a decoder found in the stream. */
export type DecodeEvent =
    | { readonly kind: 'telegram'; readonly telegram: MeterTelegram }
    /** A telegram that was found but refused (checksum, structure); the stream goes on after it. */
    | { readonly kind: 'rejected'; readonly error: SourceError }
    /** Bytes that belong to no telegram (gateway counters, 0xFF padding, line noise), skipped. */
    | { readonly kind: 'noise'; readonly bytes: number };

/** Turns a byte stream, in chunks split anywhere, into telegrams. */
export interface TelegramDecoder {
    /** Feeds bytes; returns what is complete so far. */
    push(chunk: Uint8Array): DecodeEvent[];
    /** The stream ended: returns what the remaining bytes hold (a truncated telegram is rejected). */
    end(): DecodeEvent[];
}

/** Options every decoder takes. */
export interface DecoderOptions extends ObisOptions {
    /** Largest telegram in bytes before it is refused (default 64 KiB). */
    readonly maxBytes?: number;
}

/** Serial line settings of a format. */
export interface SerialSettings {
    readonly baudRate: number;
    readonly dataBits: 7 | 8;
    readonly parity: 'none' | 'even';
    readonly stopBits: 1;
}

/** A meter input format: one per file, listed in `registry.ts`. */
export interface MeterFormat {
    /** Name used on the command line (`--format`, `--kind <name>` / `<name>-log`). */
    readonly name: string;
    /** One line for help texts. */
    readonly title: string;
    /** Field of a JSON-lines log holding one telegram, and how it is encoded there. */
    readonly logField: { readonly name: string; readonly encoding: 'text' | 'hex' };
    /** The register billed when none is chosen. */
    readonly defaultObis: string;
    /** Serial settings of the interface (optical head or P1 port). */
    readonly serial: SerialSettings;
    /** A new stream decoder. */
    decoder(options?: DecoderOptions): TelegramDecoder;
}

/**
 * All telegrams of a complete input; the first refused telegram throws.
 * @returns the telegrams and the number of noise bytes skipped.
 * @throws {SourceError} of the first rejected telegram.
 */
export function decodeAll(
    format: MeterFormat,
    input: Uint8Array,
    options?: DecoderOptions,
): { telegrams: MeterTelegram[]; noiseBytes: number } {
    const d = format.decoder(options);
    const telegrams: MeterTelegram[] = [];
    let noiseBytes = 0;
    for (const ev of [...d.push(input), ...d.end()]) {
        if (ev.kind === 'rejected') throw ev.error;
        if (ev.kind === 'noise') noiseBytes += ev.bytes;
        else telegrams.push(ev.telegram);
    }
    return { telegrams, noiseBytes };
}
