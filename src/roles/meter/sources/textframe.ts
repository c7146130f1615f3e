// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/textframe
 * Finds the text telegrams of IEC 62056-21 (D0) and DSMR P1 in a byte stream: a telegram starts
 * with "/" and three letters (the manufacturer id) and ends after its end line ("!" for D0, "!"
 * and a CRC for P1), whose exact form the format decides. Bytes outside telegrams — a serial read
 * that began mid-telegram, gateway counters, 0xFF padding — are reported as noise. A telegram cut
 * off by the start of the next one is reported as truncated. The parity bit is ignored while
 * searching (7E1 lines), so detection works before the parser decides about parity.
 */

/** What the scanner found. */
export type TextFrameEvent =
    | { readonly kind: 'frame'; readonly bytes: Uint8Array }
    | { readonly kind: 'noise'; readonly bytes: number }
    | { readonly kind: 'truncated'; readonly bytes: Uint8Array; readonly reason: string };

/**
 * Length of the end of a telegram starting at `bang` (the "!" of the end line), or `wait` when
 * more bytes are needed to tell. `final` is true when the stream has ended.
 */
export type EndRule = (
    buf: Uint8Array,
    bang: number,
    hasStx: boolean,
    final: boolean,
) => number | 'wait';

import { ByteQueue } from './bytequeue.js';
import type { SourceError } from './errors.js';
import type { DecodeEvent, MeterTelegram, TelegramDecoder } from './telegram.js';

const SLASH = 0x2f;
const LF = 0x0a;
const BANG = 0x21;
const STX = 0x02;

/**
 * Byte `i` of `b` with the parity bit cleared (7E1 lines), or undefined past the end.
 * @example
 * byte7At(Uint8Array.of(0xaf), 0); // 0x2f
 */
export function byte7At(b: Uint8Array, i: number): number | undefined {
    const x = b[i];
    return x === undefined ? undefined : x & 0x7f;
}

/** Incremental scanner for "/" … "!" telegrams. */
export class TextFrameScanner {
    private readonly q = new ByteQueue();
    /** Start of the telegram in progress in `buf`, or −1. */
    private start = -1;
    /** Where the search for the end line resumes. */
    private scanAt = 0;
    private hasStx = false;

    constructor(
        private readonly endRule: EndRule,
        private readonly maxBytes: number,
    ) {}

    push(chunk: Uint8Array): TextFrameEvent[] {
        this.q.push(chunk);
        return this.run(false);
    }

    end(): TextFrameEvent[] {
        const out = this.run(true);
        if (this.q.length > 0) out.push({ kind: 'noise', bytes: this.q.length });
        this.q.clear();
        this.start = -1;
        return out;
    }

    private run(final: boolean): TextFrameEvent[] {
        const out: TextFrameEvent[] = [];
        for (;;) {
            const b = this.q.view();
            if (this.start < 0) {
                const s = findStart(b, 0, final);
                if (s === 'wait') return out;
                if (s < 0) {
                    // keep a trailing "/" that may start a telegram
                    const keep = b.length > 0 && byte7At(b, b.length - 1) === SLASH ? 1 : 0;
                    if (b.length - keep > 0) out.push({ kind: 'noise', bytes: b.length - keep });
                    this.q.drop(b.length - keep);
                    return out;
                }
                if (s > 0) out.push({ kind: 'noise', bytes: s });
                this.q.drop(s);
                this.start = 0;
                this.scanAt = 1;
                this.hasStx = false;
                continue;
            }
            // a telegram is in progress at 0: look for LF "!" (end line) or LF "/" (a new telegram)
            let k = this.scanAt;
            let found = -1;
            let restart = -1;
            for (; k < b.length; k++) {
                const c = byte7At(b, k);
                if (c === STX) this.hasStx = true;
                if (k > 0 && byte7At(b, k - 1) === LF) {
                    if (c === BANG) {
                        found = k;
                        break;
                    }
                    if (c === SLASH) {
                        const s = startsAt(b, k, final);
                        if (s === true) {
                            restart = k;
                            break;
                        }
                        if (s === 'wait') break;
                    }
                }
                if (k >= this.maxBytes) break;
            }
            if (restart > 0) {
                out.push({
                    kind: 'truncated',
                    bytes: b.slice(0, restart),
                    reason: 'a new telegram began before the end line "!" (truncated telegram)',
                });
                this.q.drop(restart);
                this.scanAt = 1;
                this.hasStx = false;
                continue;
            }
            if (found < 0) {
                if (k >= this.maxBytes) {
                    out.push({
                        kind: 'truncated',
                        bytes: b.slice(0, Math.min(b.length, 64)),
                        reason: `no end line "!" within ${this.maxBytes} bytes`,
                    });
                    this.q.drop(1);
                    this.start = -1;
                    continue;
                }
                this.scanAt = Math.max(1, k);
                if (final) {
                    out.push({ kind: 'noise', bytes: b.length }); // a telegram cut off by the end of the input
                    this.q.clear();
                    this.start = -1;
                }
                return out;
            }
            const len = this.endRule(b, found, this.hasStx, final);
            if (len === 'wait') {
                this.scanAt = found;
                return out;
            }
            out.push({ kind: 'frame', bytes: b.slice(0, found + len) });
            this.q.drop(found + len);
            this.start = -1;
        }
    }
}

/** Index of "/" followed by three letters at or after `from`; −1 if none; `wait` if undecidable yet. */
function findStart(b: Uint8Array, from: number, final: boolean): number | 'wait' {
    for (let i = from; i < b.length; i++) {
        if (byte7At(b, i) !== SLASH) continue;
        const s = startsAt(b, i, final);
        if (s === 'wait') return s;
        if (s) return i;
    }
    return -1;
}

/** Whether a telegram starts at `i` ("/" and three letters); `wait` when the bytes are not there yet. */
function startsAt(b: Uint8Array, i: number, final: boolean): boolean | 'wait' {
    if (byte7At(b, i) !== SLASH) return false;
    for (let j = 1; j <= 3; j++) {
        const c = b[i + j];
        if (c === undefined) return final ? false : 'wait';
        const x = c & 0x7f;
        if (!((x >= 0x41 && x <= 0x5a) || (x >= 0x61 && x <= 0x7a))) return false;
    }
    return true;
}

/**
 * The 7-bit text of a telegram. When a byte is above 0x7F and every byte has even parity, the
 * line was read as 8N1 from a 7E1 meter: the parity bit is stripped. Otherwise the first byte
 * above 0x7F is returned for the caller's error.
 */
export function stripParity(
    frame: Uint8Array,
): { text: string; parity: '7E1' | 'none' } | { offset: number; byte: number } {
    let high = false;
    let allEven = true;
    for (const b of frame) {
        if (b > 0x7f) high = true;
        let x = b ^ (b >> 4);
        x ^= x >> 2;
        x ^= x >> 1;
        if ((x & 1) !== 0) allEven = false;
    }
    if (high && !allEven) {
        const offset = frame.findIndex((b) => b > 0x7f);
        return { offset, byte: frame[offset] ?? 0 };
    }
    let text = '';
    for (const b of frame) text += String.fromCharCode(b & 0x7f);
    return { text, parity: high ? '7E1' : 'none' };
}

/**
 * A streaming decoder for a text telegram format: frames found by `end`, noise passed through, a
 * cut or oversized frame rejected with `truncated`'s error, every frame parsed by `parse` (whose
 * typed error rejects that frame only; the stream goes on).
 */
export function textFrameDecoder(
    end: EndRule,
    maxBytes: number,
    truncated: (reason: string) => SourceError,
    parse: (frame: Uint8Array) => MeterTelegram,
): TelegramDecoder {
    const scanner = new TextFrameScanner(end, maxBytes);
    const map = (evs: readonly TextFrameEvent[]): DecodeEvent[] =>
        evs.map((ev): DecodeEvent => {
            if (ev.kind === 'noise') return ev;
            if (ev.kind === 'truncated') return { kind: 'rejected', error: truncated(ev.reason) };
            try {
                return { kind: 'telegram', telegram: parse(ev.bytes) };
            } catch (e) {
                return { kind: 'rejected', error: e as SourceError };
            }
        });
    return { push: (c) => map(scanner.push(c)), end: () => map(scanner.end()) };
}
