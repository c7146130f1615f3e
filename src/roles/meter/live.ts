// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/live
 * Reading a live meter: an optical head (D0, SML) or a P1 port (DSMR) on a serial line, opened with
 * the `serialport` package (loaded only when a port is opened, so importing femeter loads no native
 * code). The bytes go through the format's stream decoder and the one reading pipeline
 * (`sources/pipeline.ts`): telegram → register sample → closed slots.
 *
 * D0 mode C ({@link d0ModeCRequest}): the reader sends the request `/?!` CR LF at 300 baud 7E1, the
 * meter answers with its identification `/XXXZ…`; for a baud-rate character Z of `0`–`6` the reader
 * acknowledges with ACK `0 Z 0` CR LF (data readout) and both sides change over to the rate Z names
 * (300 · 2^Z) before the data block follows. Mode A/B meters (Z a letter) answer without a change-over.
 * Timestamps: the meter's own (DSMR) when it sends one, else the time the telegram was received.
 */

import { SourceError } from './sources/errors.js';
import { IntervalBuilder, sampleOf, type RegisterSample } from './sources/pipeline.js';
import type { IntervalEnergy } from './sources/types.js';
import type { DecodeEvent, MeterFormat, SerialSettings } from './sources/telegram.js';

/** A serial line: chunks in, bytes out, baud-rate change. */
export interface SerialLine {
    /** Received chunks, in order, until the line is closed. */
    read(timeoutMs: number): Promise<Uint8Array | undefined>;
    write(bytes: Uint8Array): Promise<void>;
    setBaudRate(baudRate: number): Promise<void>;
    close(): Promise<void>;
}

/**
 * Opens a serial device with the `serialport` package.
 * @throws {SourceError} `SOURCE_SERIAL` when the device cannot be opened.
 */
export async function openSerialLine(path: string, settings: SerialSettings): Promise<SerialLine> {
    const { SerialPort } = await import('serialport');
    const port = new SerialPort({
        path,
        baudRate: settings.baudRate,
        dataBits: settings.dataBits,
        parity: settings.parity,
        stopBits: settings.stopBits,
        autoOpen: false,
    });
    await new Promise<void>((resolve, reject) => {
        port.open((e) => {
            if (e) {
                reject(
                    new SourceError(
                        'SOURCE_SERIAL',
                        `cannot open ${path}: ${e.message}; check the device path and permissions (group dialout)`,
                        { cause: e },
                    ),
                );
            } else resolve();
        });
    });
    const queue: Uint8Array[] = [];
    let waiting: ((c: Uint8Array | undefined) => void) | undefined;
    let closed = false;
    port.on('data', (c: Buffer) => {
        const chunk = new Uint8Array(c);
        if (waiting !== undefined) {
            const w = waiting;
            waiting = undefined;
            w(chunk);
        } else queue.push(chunk);
    });
    port.on('close', () => {
        closed = true;
        waiting?.(undefined);
        waiting = undefined;
    });
    port.on('error', () => undefined); // surfaced by read/write
    return {
        read(timeoutMs) {
            const next = queue.shift();
            if (next !== undefined || closed) return Promise.resolve(next);
            return new Promise((resolve) => {
                const timer = setTimeout(() => {
                    waiting = undefined;
                    resolve(new Uint8Array(0));
                }, timeoutMs);
                waiting = (c) => {
                    clearTimeout(timer);
                    resolve(c);
                };
            });
        },
        write(bytes) {
            return new Promise((resolve, reject) => {
                port.write(Buffer.from(bytes), (e) => {
                    if (e) reject(e);
                    else
                        port.drain(() => {
                            resolve();
                        });
                });
            });
        },
        setBaudRate(baudRate) {
            return new Promise((resolve, reject) => {
                port.update({ baudRate }, (e) => {
                    if (e) reject(e);
                    else resolve();
                });
            });
        },
        close() {
            if (closed || !port.isOpen) return Promise.resolve();
            return new Promise((resolve) => {
                port.close(() => {
                    resolve();
                });
            });
        },
    };
}

const CR_LF = [0x0d, 0x0a];

/** Baud rate of a mode C baud-rate character, or undefined for modes A/B (letters). */
export function d0ModeCBaud(z: string): number | undefined {
    return /^[0-6]$/.test(z) ? 300 * 2 ** Number(z) : undefined;
}

/**
 * D0 mode C: request, identification, acknowledgement and baud-rate change-over.
 * @param address - device address for the request (`/?address!`), empty for any meter.
 * @returns the identification line as received (feed it to the decoder before the data block).
 * @throws {SourceError} `SOURCE_SERIAL` when the meter does not answer or answers garbage.
 */
export async function d0ModeCRequest(
    line: SerialLine,
    options: { address?: string; timeoutMs?: number; maxBaud?: number } = {},
): Promise<Uint8Array> {
    const address = options.address ?? '';
    if (!/^[0-9A-Za-z ]{0,32}$/.test(address))
        throw new SourceError(
            'SOURCE_SERIAL',
            'a D0 device address is at most 32 letters, digits or spaces',
        );
    await line.write(Uint8Array.from([...ascii(`/?${address}!`), ...CR_LF]));
    const ident: number[] = [];
    const deadline = Date.now() + (options.timeoutMs ?? 5000);
    while (!ident.includes(0x0a)) {
        const left = deadline - Date.now();
        const c = left > 0 ? await line.read(left) : new Uint8Array(0);
        if (c === undefined || (c.length === 0 && Date.now() >= deadline))
            throw new SourceError(
                'SOURCE_SERIAL',
                'no identification from the meter after the request "/?!": check the optical head position and that the meter speaks IEC 62056-21 mode C',
            );
        ident.push(...c);
        if (ident.length > 128)
            throw new SourceError(
                'SOURCE_SERIAL',
                'the answer to "/?!" is not an identification line',
            );
    }
    const lf = ident.indexOf(0x0a);
    const text = String.fromCharCode(...ident.slice(0, lf + 1).map((b) => b & 0x7f));
    const start = text.indexOf('/');
    const z = text[start + 4] ?? '';
    if (start < 0 || !/^\/[A-Za-z]{3}/.test(text.slice(start)))
        throw new SourceError(
            'SOURCE_SERIAL',
            `the answer to "/?!" is not an identification line: ${JSON.stringify(text)}`,
        );
    const baud = d0ModeCBaud(z);
    if (baud !== undefined) {
        const target = Math.min(baud, options.maxBaud ?? 19_200);
        const zAck = String(Math.round(Math.log2(target / 300)));
        await line.write(Uint8Array.from([0x06, ...ascii(`0${zAck}0`), ...CR_LF]));
        // serialport's baud-rate change flushes both queues (tcflush): give the ACK time to leave
        // the driver first; the meter answers no sooner than 200 ms after it (IEC 62056-21 tr)
        await sleep(100);
        await line.setBaudRate(target);
    }
    return Uint8Array.from(ident);
}

/** What the live reader reports. */
export type LiveEvent =
    | {
          readonly kind: 'event';
          readonly event: DecodeEvent;
          readonly receivedMs: number;
          readonly sample?: RegisterSample;
          readonly sampleError?: SourceError;
      }
    | { readonly kind: 'slots'; readonly slots: readonly IntervalEnergy[] };

/** Options of {@link readLive}. */
export interface LiveOptions {
    readonly line: SerialLine;
    readonly format: MeterFormat;
    /** Normalised registers to add (see `parseObisSelector`). */
    readonly obis: readonly string[];
    readonly medium?: number;
    readonly intervalMinutes?: number;
    /** D0 mode C: request each readout (every `pollMs`) instead of waiting for pushed telegrams. */
    readonly d0Request?: boolean;
    readonly pollMs?: number;
    /** Stop after this many telegrams (default: never). */
    readonly maxTelegrams?: number;
    readonly signal?: AbortSignal;
    /** Clock (UTC ms) for telegrams without their own time. */
    readonly now?: () => number;
}

/**
 * Reads telegrams from a live line and yields them with their samples, and the slots they close.
 * Rejected telegrams (bad CRC, cut frames) are reported and reading goes on.
 */
export async function* readLive(o: LiveOptions): AsyncGenerator<LiveEvent> {
    const now = o.now ?? Date.now;
    const decoder = o.format.decoder({ medium: o.medium });
    const builder = new IntervalBuilder({ intervalMinutes: o.intervalMinutes });
    let telegrams = 0;
    const done = (): boolean =>
        o.signal?.aborted === true || (o.maxTelegrams !== undefined && telegrams >= o.maxTelegrams);
    const handle = function* (events: DecodeEvent[], receivedMs: number): Generator<LiveEvent> {
        for (const event of events) {
            if (event.kind !== 'telegram') {
                yield { kind: 'event', event, receivedMs };
                continue;
            }
            telegrams++;
            let sample: RegisterSample | undefined;
            try {
                sample = sampleOf(event.telegram, o.obis, receivedMs);
                const slots = builder.push(sample);
                yield { kind: 'event', event, receivedMs, sample };
                if (slots.length > 0) yield { kind: 'slots', slots };
            } catch (e) {
                if (!(e instanceof SourceError)) throw e;
                yield { kind: 'event', event, receivedMs, sampleError: e };
            }
            if (done()) return;
        }
    };
    while (!done()) {
        if (o.d0Request === true) {
            await o.line.setBaudRate(300);
            yield* handle(decoder.push(await d0ModeCRequest(o.line)), now());
            const deadline = now() + 30_000;
            const before = telegrams;
            while (telegrams === before && now() < deadline && !done()) {
                const c = await o.line.read(1000);
                if (c === undefined) return;
                yield* handle(decoder.push(c), now());
            }
            if (!done()) await sleep(o.pollMs ?? 60_000, o.signal);
            continue;
        }
        const c = await o.line.read(1000);
        if (c === undefined) break;
        if (c.length > 0) yield* handle(decoder.push(c), now());
    }
    yield* handle(decoder.end(), now());
    const last = builder.finish();
    if (last.length > 0) yield { kind: 'slots', slots: last };
}

function ascii(s: string): number[] {
    return Array.from(s, (c) => c.charCodeAt(0));
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        const t = setTimeout(resolve, ms);
        signal?.addEventListener('abort', () => {
            clearTimeout(t);
            resolve();
        });
    });
}
