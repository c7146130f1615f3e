// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/smlstream
 * SML 1.04 from a byte stream, as a serial port delivers it: frames start at
 * `1b1b1b1b 01010101` anywhere in the stream (bytes before are noise, counted), run in 4-byte
 * blocks with `1b1b1b1b` escaped as two such blocks, and end at `1b1b1b1b 1a XX C1 C2`. Several
 * frames per chunk and frames split across chunks at any byte are reassembled. A frame is then
 * checked (transport CRC16/X-25, every message CRC) and its GetListResponse values exposed: every
 * OBIS value with status, time, unit and scaler, not only energy. A frame with a bad CRC, an
 * unknown escape or a start inside it is rejected and the stream goes on.
 */

import { ByteQueue } from './bytequeue.js';
import { SmlError, type SourceError } from './errors.js';
import { obisChannel } from './obis.js';
import { parseSmlPayload, smlReadings, smlTimeMs, unframeSml, type SmlNode } from './sml.js';
import { dlmsUnit } from './units.js';
import type {
    DecodeEvent,
    DecoderOptions,
    MeterFormat,
    MeterRegister,
    MeterTelegram,
    TelegramDecoder,
} from './telegram.js';

const ESC = 0x1b;
const DEFAULT_MAX_BYTES = 65_536;

function isEsc(b: Uint8Array, o: number): boolean {
    return b[o] === ESC && b[o + 1] === ESC && b[o + 2] === ESC && b[o + 3] === ESC;
}
function isStart(b: Uint8Array, o: number): boolean {
    return isEsc(b, o) && b[o + 4] === 1 && b[o + 5] === 1 && b[o + 6] === 1 && b[o + 7] === 1;
}

/**
 * The values of one SML frame as a telegram.
 * @throws {SmlError} for any transport, CRC, TLV or structure fault.
 */
export function smlTelegram(frame: Uint8Array, options: DecoderOptions = {}): MeterTelegram {
    const messages = parseSmlPayload(unframeSml(frame, options), options);
    const readings = smlReadings(messages);
    let serverId = '';
    let timeMs: number | undefined;
    for (const m of messages) {
        if (m.tag !== 0x0701 || m.body.type !== 'list') continue;
        const id = m.body.items[1];
        if (id?.type === 'octets' && serverId === '') serverId = hex(id.bytes);
        timeMs ??= smlTimeMs(m.body.items[3]);
    }
    const registers: MeterRegister[] = readings.map((r) =>
        Object.freeze({
            obis: r.obis,
            address: r.obis,
            channel: obisChannel(r.obis),
            raw: rawText(r.raw),
            unit: r.unit === undefined ? undefined : dlmsUnit(r.unit),
            value: r.value,
            timeMs: r.timeMs,
            status: r.status,
            more: Object.freeze([]),
        }),
    );
    return Object.freeze({
        format: 'sml',
        identification: serverId,
        timeMs,
        registers: Object.freeze(registers),
        integrity: 'crc',
        notes: Object.freeze([]),
    });
}

function rawText(n: SmlNode): string {
    switch (n.type) {
        case 'integer':
        case 'unsigned':
            return n.value.toString();
        case 'octets':
            return hex(n.bytes);
        case 'boolean':
            return String(n.value);
        default:
            return '';
    }
}

/** Incremental SML transport decoder. */
class SmlStreamDecoder implements TelegramDecoder {
    private readonly q = new ByteQueue();
    /** Offset of the next 4-byte block to examine inside the frame at 0, or −1 outside a frame. */
    private at = -1;

    constructor(private readonly options: DecoderOptions) {}

    push(chunk: Uint8Array): DecodeEvent[] {
        this.q.push(chunk);
        return this.run();
    }

    end(): DecodeEvent[] {
        const out = this.run();
        if (this.q.length > 0) out.push({ kind: 'noise', bytes: this.q.length });
        this.q.clear();
        this.at = -1;
        return out;
    }

    private run(): DecodeEvent[] {
        const out: DecodeEvent[] = [];
        const maxBytes = this.options.maxBytes ?? DEFAULT_MAX_BYTES;
        for (;;) {
            const b = this.q.view();
            if (this.at < 0) {
                let s = -1;
                for (let i = 0; i + 8 <= b.length; i++)
                    if (isStart(b, i)) {
                        s = i;
                        break;
                    }
                if (s < 0) {
                    const drop = Math.max(0, b.length - 7); // keep what may begin a start sequence
                    if (drop > 0) out.push({ kind: 'noise', bytes: drop });
                    this.q.drop(drop);
                    return out;
                }
                if (s > 0) out.push({ kind: 'noise', bytes: s });
                this.q.drop(s);
                this.at = 8;
                continue;
            }
            let o = this.at;
            let done: DecodeEvent | undefined;
            let resync = -1;
            while (o + 4 <= b.length) {
                if (o > maxBytes) {
                    done = reject(`no end sequence within ${maxBytes} bytes`, 0);
                    resync = 1;
                    break;
                }
                if (!isEsc(b, o)) {
                    o += 4;
                    continue;
                }
                if (o + 8 > b.length) break;
                if (isEsc(b, o + 4)) {
                    o += 8;
                    continue;
                }
                if (isStart(b, o)) {
                    done = reject('a new frame began before this one ended (truncated frame)', o);
                    resync = o;
                    break;
                }
                if (b[o + 4] === 0x1a) {
                    const frame = b.slice(0, o + 8);
                    try {
                        done = { kind: 'telegram', telegram: smlTelegram(frame, this.options) };
                    } catch (e) {
                        done = { kind: 'rejected', error: e as SourceError };
                    }
                    resync = o + 8;
                    break;
                }
                done = reject(
                    `unknown escape sequence after 1b1b1b1b: ${hex(b.subarray(o + 4, o + 8))}`,
                    o,
                );
                resync = 1;
                break;
            }
            if (done === undefined) {
                this.at = o;
                return out;
            }
            out.push(done);
            this.q.drop(resync);
            this.at = -1;
        }
    }
}

function reject(reason: string, offset: number): DecodeEvent {
    return { kind: 'rejected', error: new SmlError(reason, offset) };
}

function hex(bytes: Uint8Array): string {
    return Array.from(bytes, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** SML 1.04 as a meter input format. */
export const smlFormat: MeterFormat = Object.freeze<MeterFormat>({
    name: 'sml',
    title: 'SML 1.04 (German eHZ / mME push via the optical interface), 9600 8N1',
    logField: { name: 'sml', encoding: 'hex' },
    defaultObis: '1-0:1.8.0*255',
    serial: { baudRate: 9600, dataBits: 8, parity: 'none', stopBits: 1 },
    decoder(options: DecoderOptions = {}): TelegramDecoder {
        return new SmlStreamDecoder(options);
    },
});
