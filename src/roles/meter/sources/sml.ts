// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/sml
 * SML 1.04 (Smart Message Language, the binary push protocol of German eHZ/mME meters) → register
 * readings in Wh.
 *
 * Transport v1 ({@link unframeSml}): `1b1b1b1b 01010101` starts a frame; the payload follows in
 * 4-byte blocks, a payload block `1b1b1b1b` is sent twice; `1b1b1b1b 1a XX C1 C2` ends it, XX the
 * number (0–3) of 0x00 fill bytes that pad the payload to whole blocks, C1 C2 the CRC-16/X-25 of
 * every frame byte before them, low byte first. Escape sequences are recognised on 4-byte block
 * boundaries, which the padding guarantees.
 *
 * Payload ({@link parseSmlPayload}): a sequence of SML messages in TLV encoding. A TL byte holds a
 * "more TL bytes" flag (bit 7), the type (bits 6–4: 000 octet string, 100 boolean, 101 integer,
 * 110 unsigned, 111 list) and 4 bits of length; further TL bytes (type bits 000) append 4 length
 * bits each. For lists the length is the number of elements, otherwise the total size including
 * the TL bytes. 0x00 ends a message, 0x01 is an absent optional value. A message is a list of six:
 * transactionId, groupNo, abortOnError, messageBody (list of two: tag, body), crc16 (CRC-16/X-25
 * of the message bytes before the crc16 field, byte-swapped into an Unsigned16), endOfSmlMsg.
 *
 * Readings ({@link smlReadings}) come from GetListResponse bodies (tag 0x0701): each list entry
 * gives objName (6-byte OBIS code), status, valTime, unit (DLMS unit code, 30 = Wh), scaler
 * (power of ten), value. Values are kept exact; Wh is value·10^scaler, floored, for unit 30.
 *
 * Hostile input is bounded: frame size (default 64 KiB), nesting depth (default 16), TL length
 * (at most 4 TL bytes, never beyond the end of the payload), integers of 1–8 bytes. Every fault
 * throws an {@link SmlError} with the byte offset.
 */

import { crc16x25 } from './crc16.js';
import { SmlError } from './errors.js';
import { floorWh, scaledDecimal, type ExactDecimal } from './decimal.js';

/** A decoded SML value. */
export type SmlNode =
    | { readonly type: 'octets'; readonly bytes: Uint8Array }
    | { readonly type: 'boolean'; readonly value: boolean }
    | { readonly type: 'integer'; readonly value: bigint; readonly size: number }
    | { readonly type: 'unsigned'; readonly value: bigint; readonly size: number }
    | { readonly type: 'list'; readonly items: readonly SmlNode[] }
    | { readonly type: 'absent' }
    | { readonly type: 'endOfMessage' };

/** One SML message. */
export interface SmlMessage {
    /** Offset of the message in the payload. */
    readonly offset: number;
    readonly transactionId: Uint8Array;
    readonly groupNo: number;
    readonly abortOnError: number;
    /** Message body tag, e.g. 0x0101 OpenResponse, 0x0701 GetListResponse, 0x0201 CloseResponse. */
    readonly tag: number;
    readonly body: SmlNode;
    /** The message CRC as sent (already verified unless `verifyMessageCrc` was false). */
    readonly crc: number;
}

/** One value of a GetListResponse. */
export interface SmlReading {
    /** Server id (meter id) of the response, when present. */
    readonly serverId: Uint8Array | undefined;
    /** OBIS code `A-B:C.D.E*F`. */
    readonly obis: string;
    /** DLMS unit code (30 Wh, 27 W, …), when present. */
    readonly unit: number | undefined;
    /** Power of ten the value is multiplied by (0 when absent). */
    readonly scaler: number;
    /** Status word, when present. */
    readonly status: bigint | undefined;
    /** valTime as UTC ms, when it is an absolute timestamp (a secIndex is not). */
    readonly timeMs: number | undefined;
    /** The value node as sent. */
    readonly raw: SmlNode;
    /** value·10^scaler exactly, when the value is an integer. */
    readonly value: ExactDecimal | undefined;
    /** floor(value·10^scaler) when the unit is Wh (30). */
    readonly wh: bigint | undefined;
}

/** Options of the SML parsers. */
export interface SmlOptions {
    /** Largest frame accepted in bytes (default 65,536). */
    readonly maxBytes?: number;
    /** Deepest list nesting accepted (default 16; real meters use about 6). */
    readonly maxDepth?: number;
    /** Check every message's crc16 (default true). */
    readonly verifyMessageCrc?: boolean;
}

/** DLMS/COSEM unit code of watt-hours. */
export const SML_UNIT_WH = 30;
/** GetListResponse message tag. */
export const SML_GET_LIST_RESPONSE = 0x0701;

const ESCAPE = 0x1b1b1b1b;
const START = 0x01010101;
const DEFAULT_MAX_BYTES = 65_536;
const DEFAULT_MAX_DEPTH = 16;
const MAX_TL_BYTES = 4;

/**
 * Checks the transport layer of one frame and returns its payload.
 * @param frame - exactly one frame, from the start escape to the CRC.
 * @param options - size bound.
 * @returns the unescaped payload without fill bytes.
 * @throws {SmlError} for a missing start or end sequence, bad escape, bad padding, trailing bytes or CRC mismatch.
 * @example
 * unframeSml(frameBytes); // Uint8Array of SML messages
 */
export function unframeSml(frame: Uint8Array, options: SmlOptions = {}): Uint8Array {
    if (!(frame instanceof Uint8Array)) throw new SmlError('expected the frame as a Uint8Array');
    const maxBytes = options.maxBytes ?? DEFAULT_MAX_BYTES;
    if (frame.length > maxBytes)
        throw new SmlError(`frame of ${frame.length} bytes is larger than ${maxBytes}`);
    if (frame.length < 16)
        throw new SmlError(`frame of ${frame.length} bytes is too short (truncated?)`);
    if (frame.length % 4 !== 0)
        throw new SmlError(
            `frame length ${frame.length} is not a multiple of 4 (truncated or extra bytes)`,
        );
    const view = new DataView(frame.buffer, frame.byteOffset, frame.byteLength);
    if (view.getUint32(0) !== ESCAPE || view.getUint32(4) !== START) {
        throw new SmlError('frame must start with the escape sequence 1b1b1b1b 01010101', 0);
    }
    const payload = new Uint8Array(frame.length);
    let n = 0;
    for (let o = 8; o + 4 <= frame.length; o += 4) {
        if (view.getUint32(o) !== ESCAPE) {
            payload.set(frame.subarray(o, o + 4), n);
            n += 4;
            continue;
        }
        if (o + 8 > frame.length)
            throw new SmlError('escape sequence at the end of the frame (truncated?)', o);
        const next = view.getUint32(o + 4);
        if (next === ESCAPE) {
            payload.set(frame.subarray(o, o + 4), n); // escaped 1b1b1b1b in the payload
            n += 4;
            o += 4;
            continue;
        }
        if (next === START)
            throw new SmlError(
                'start sequence inside a frame (a new frame began before this one ended)',
                o,
            );
        if (frame[o + 4] !== 0x1a) {
            throw new SmlError(
                `unknown escape sequence 1b1b1b1b ${hex(frame.subarray(o + 4, o + 8))}`,
                o,
            );
        }
        if (o + 8 !== frame.length)
            throw new SmlError(`${frame.length - o - 8} bytes after the end sequence`, o + 8);
        const fill = frame[o + 5] ?? 0;
        if (fill > 3)
            throw new SmlError(
                `end sequence declares ${fill} fill bytes; at most 3 are possible`,
                o + 5,
            );
        if (fill > n) throw new SmlError('more fill bytes than payload bytes', o + 5);
        const computed = crc16x25(frame, 0, o + 6);
        const sent = (frame[o + 6] ?? 0) | ((frame[o + 7] ?? 0) << 8);
        if (computed !== sent) {
            throw new SmlError(
                `CRC mismatch: computed 0x${computed.toString(16).padStart(4, '0')}, frame says 0x${sent.toString(16).padStart(4, '0')}; the frame is corrupted`,
                o + 6,
            );
        }
        for (let i = n - fill; i < n; i++) {
            if (payload[i] !== 0) throw new SmlError('fill bytes must be 0x00', o - (n - i));
        }
        return payload.slice(0, n - fill);
    }
    throw new SmlError('no end sequence 1b1b1b1b 1a (truncated frame?)', frame.length);
}

/**
 * Parses the SML messages of an unescaped payload.
 * @param payload - output of {@link unframeSml}.
 * @param options - depth bound, message CRC check.
 * @returns the messages in order.
 * @throws {SmlError} for bad TLV structure, depth, sizes or a message CRC mismatch.
 */
export function parseSmlPayload(payload: Uint8Array, options: SmlOptions = {}): SmlMessage[] {
    const maxDepth = options.maxDepth ?? DEFAULT_MAX_DEPTH;
    const verify = options.verifyMessageCrc ?? true;
    const messages: SmlMessage[] = [];
    let o = 0;
    while (o < payload.length) {
        const start = o;
        const tl = readTl(payload, o);
        if (tl.type !== 7 || tl.length !== 6) {
            throw new SmlError('an SML message is a list of 6 elements (TL byte 0x76)', o);
        }
        o += tl.size;
        const items: SmlNode[] = [];
        let crcAt = -1;
        for (let k = 0; k < 6; k++) {
            if (k === 4) crcAt = o;
            const r = readNode(payload, o, 1, maxDepth);
            items.push(r.node);
            o = r.end;
        }
        const [tid, group, abort, body, crc, end] = items as [
            SmlNode,
            SmlNode,
            SmlNode,
            SmlNode,
            SmlNode,
            SmlNode,
        ];
        if (tid.type !== 'octets')
            throw new SmlError('transactionId must be an octet string', start);
        if (group.type !== 'unsigned' || abort.type !== 'unsigned')
            throw new SmlError('groupNo and abortOnError must be unsigned', start);
        if (body.type !== 'list' || body.items.length !== 2)
            throw new SmlError('messageBody must be a list of 2 (tag, body)', start);
        const tag = body.items[0];
        const content = body.items[1];
        if (tag?.type !== 'unsigned' || content === undefined)
            throw new SmlError('message body tag must be unsigned', start);
        if (crc.type !== 'unsigned' || crc.size > 2)
            throw new SmlError('crc16 must be an Unsigned16', crcAt);
        if (end.type !== 'endOfMessage')
            throw new SmlError('message must end with endOfSmlMsg (0x00)', o - 1);
        if (verify) {
            const x = crc16x25(payload, start, crcAt);
            const expected = ((x & 0xff) << 8) | (x >>> 8); // low byte first on the wire
            if (Number(crc.value) !== expected) {
                throw new SmlError(
                    `message CRC mismatch: computed 0x${expected.toString(16).padStart(4, '0')}, message says 0x${crc.value.toString(16).padStart(4, '0')}`,
                    crcAt,
                );
            }
        }
        messages.push(
            Object.freeze({
                offset: start,
                transactionId: tid.bytes,
                groupNo: Number(group.value),
                abortOnError: Number(abort.value),
                tag: Number(tag.value),
                body: content,
                crc: Number(crc.value),
            }),
        );
    }
    if (messages.length === 0) throw new SmlError('the payload holds no SML message', 0);
    return messages;
}

/**
 * Values of all GetListResponse messages of a frame.
 * @param input - a whole frame, or parsed messages.
 * @param options - bounds and CRC checking, when a frame is given.
 * @returns one reading per list entry, in order.
 * @throws {SmlError} for any transport, TLV or structure fault.
 * @example
 * smlReadings(frame).find((r) => r.obis === '1-0:1.8.0*255')?.wh;
 */
export function smlReadings(
    input: Uint8Array | readonly SmlMessage[],
    options: SmlOptions = {},
): SmlReading[] {
    const messages =
        input instanceof Uint8Array ? parseSmlPayload(unframeSml(input, options), options) : input;
    const out: SmlReading[] = [];
    for (const m of messages) {
        if (m.tag !== SML_GET_LIST_RESPONSE) continue;
        const b = m.body;
        if (b.type !== 'list' || b.items.length !== 7)
            throw new SmlError('GetListResponse must be a list of 7', m.offset);
        const serverId = b.items[1];
        const valList = b.items[4];
        if (valList?.type !== 'list')
            throw new SmlError('GetListResponse.valList must be a list', m.offset);
        for (const entry of valList.items)
            out.push(
                listEntry(
                    entry,
                    serverId?.type === 'octets' ? serverId.bytes : undefined,
                    m.offset,
                ),
            );
    }
    return out;
}

/**
 * The register of an OBIS code in whole Wh.
 * @param readings - from {@link smlReadings}.
 * @param obis - OBIS code (default `1-0:1.8.0*255`, total import energy).
 * @returns floor(value·10^scaler) in Wh.
 * @throws {SmlError} when the code is absent or its unit is not Wh (30).
 * @example
 * smlEnergyWh(smlReadings(frame)); // 79139n
 */
export function smlEnergyWh(readings: readonly SmlReading[], obis = '1-0:1.8.0*255'): bigint {
    const r = readings.find((x) => x.obis === obis);
    if (r === undefined) throw new SmlError(`no value with OBIS code ${obis}`);
    if (r.unit !== SML_UNIT_WH) {
        throw new SmlError(
            `${obis} has unit ${r.unit ?? '(none)'}, not Wh (30); refusing to read it as energy`,
        );
    }
    if (r.wh === undefined) throw new SmlError(`${obis} has a non-numeric value`);
    return r.wh;
}

/**
 * OBIS code text of a 6-byte object name.
 * @example
 * obisToString(Uint8Array.of(1, 0, 1, 8, 0, 255)); // '1-0:1.8.0*255'
 */
export function obisToString(bytes: Uint8Array): string {
    if (bytes.length !== 6) throw new SmlError(`an OBIS code has 6 bytes, got ${bytes.length}`);
    const [a, b, c, d, e, f] = bytes;
    return `${a}-${b}:${c}.${d}.${e}*${f}`;
}

function listEntry(entry: SmlNode, serverId: Uint8Array | undefined, offset: number): SmlReading {
    if (entry.type !== 'list' || entry.items.length !== 7)
        throw new SmlError('SML_ListEntry must be a list of 7', offset);
    const [objName, status, valTime, unitNode, scalerNode, valueNode] = entry.items as [
        SmlNode,
        SmlNode,
        SmlNode,
        SmlNode,
        SmlNode,
        SmlNode,
        SmlNode,
    ];
    if (objName.type !== 'octets' || objName.bytes.length !== 6)
        throw new SmlError('objName must be a 6-byte OBIS code', offset);
    let unit: number | undefined;
    if (unitNode.type === 'unsigned' && unitNode.size === 1) unit = Number(unitNode.value);
    else if (unitNode.type !== 'absent')
        throw new SmlError('unit must be an Unsigned8 or absent', offset);
    let scaler = 0;
    if (scalerNode.type === 'integer' && scalerNode.size === 1) scaler = Number(scalerNode.value);
    else if (scalerNode.type !== 'absent')
        throw new SmlError('scaler must be an Integer8 or absent', offset);
    const numeric =
        valueNode.type === 'integer' || valueNode.type === 'unsigned'
            ? scaledDecimal(valueNode.value, scaler)
            : undefined;
    return Object.freeze({
        serverId,
        obis: obisToString(objName.bytes),
        unit,
        scaler,
        status: status.type === 'unsigned' ? status.value : undefined,
        timeMs: smlTimeMs(valTime),
        raw: valueNode,
        value: numeric,
        wh: numeric !== undefined && unit === SML_UNIT_WH ? floorWh(numeric, 1n) : undefined,
    });
}

/**
 * UTC ms of an SML_Time (`list(tag, value)`: tag 2 timestamp, tag 3 localTimestamp whose first
 * element is the UTC timestamp), or undefined for secIndex (tag 1), absent or unknown forms.
 */
export function smlTimeMs(node: SmlNode | undefined): number | undefined {
    if (node?.type !== 'list' || node.items.length !== 2) return undefined;
    const [tag, v] = node.items;
    if (tag?.type !== 'unsigned') return undefined;
    if (tag.value === 2n && v?.type === 'unsigned') return Number(v.value) * 1000;
    if (tag.value === 3n && v?.type === 'list' && v.items[0]?.type === 'unsigned')
        return Number(v.items[0].value) * 1000;
    return undefined;
}

interface Tl {
    /** 0 octets, 4 boolean, 5 integer, 6 unsigned, 7 list. */
    readonly type: number;
    /** Element count (lists) or total size including TL bytes. */
    readonly length: number;
    /** Number of TL bytes. */
    readonly size: number;
}

function readTl(buf: Uint8Array, o: number): Tl {
    let b = buf[o];
    if (b === undefined) throw new SmlError('truncated: a TL byte is missing', o);
    const type = (b >> 4) & 0x07;
    let length = b & 0x0f;
    let size = 1;
    while ((b & 0x80) !== 0) {
        if (size >= MAX_TL_BYTES) throw new SmlError(`more than ${MAX_TL_BYTES} TL bytes`, o);
        b = buf[o + size];
        if (b === undefined)
            throw new SmlError('truncated: a TL continuation byte is missing', o + size);
        if ((b & 0x70) !== 0)
            throw new SmlError('TL continuation byte must have type bits 000', o + size);
        length = (length << 4) | (b & 0x0f);
        size++;
    }
    return { type, length, size };
}

function readNode(
    buf: Uint8Array,
    o: number,
    depth: number,
    maxDepth: number,
): { node: SmlNode; end: number } {
    if (buf[o] === 0x00) return { node: { type: 'endOfMessage' }, end: o + 1 };
    if (buf[o] === 0x01) return { node: { type: 'absent' }, end: o + 1 };
    const tl = readTl(buf, o);
    if (tl.type === 7) {
        if (depth >= maxDepth) throw new SmlError(`lists nested deeper than ${maxDepth}`, o);
        let end = o + tl.size;
        if (tl.length > buf.length - end)
            throw new SmlError(
                `list of ${tl.length} elements cannot fit in the remaining ${buf.length - end} bytes`,
                o,
            );
        const items: SmlNode[] = [];
        for (let left = tl.length; left > 0; left--) {
            const r = readNode(buf, end, depth + 1, maxDepth);
            if (r.node.type === 'endOfMessage')
                throw new SmlError('endOfSmlMsg (0x00) inside a list', end);
            items.push(r.node);
            end = r.end;
        }
        return { node: { type: 'list', items }, end };
    }
    const dataLength = tl.length - tl.size;
    const start = o + tl.size;
    const end = o + tl.length;
    if (dataLength < 0)
        throw new SmlError(`length ${tl.length} is shorter than its ${tl.size} TL bytes`, o);
    if (end > buf.length)
        throw new SmlError(
            `value of ${tl.length} bytes runs past the end of the payload (${buf.length - o} left)`,
            o,
        );
    const data = buf.subarray(start, end);
    switch (tl.type) {
        case 0:
            return { node: { type: 'octets', bytes: data.slice() }, end };
        case 4:
            if (dataLength !== 1) throw new SmlError('a boolean has exactly 1 data byte', o);
            return { node: { type: 'boolean', value: data[0] !== 0 }, end };
        case 5:
        case 6: {
            if (dataLength < 1 || dataLength > 8)
                throw new SmlError(`integers have 1–8 data bytes, got ${dataLength}`, o);
            let v = 0n;
            for (const byte of data) v = (v << 8n) | BigInt(byte);
            if (tl.type === 6)
                return { node: { type: 'unsigned', value: v, size: dataLength }, end };
            const bits = BigInt(dataLength * 8);
            if ((data[0] ?? 0) & 0x80) v -= 1n << bits; // two's complement
            return { node: { type: 'integer', value: v, size: dataLength }, end };
        }
        default:
            throw new SmlError(
                `unknown TL type ${tl.type} (byte 0x${(buf[o] ?? 0).toString(16).padStart(2, '0')})`,
                o,
            );
    }
}

function hex(bytes: Uint8Array): string {
    return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
}
