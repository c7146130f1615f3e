// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/signing
 * What a meter signs, and Ed25519 (RFC 8032) over it. A meter signs the ciphertext, not the
 * plaintext (DESIGN.md §4: a signature over a small plaintext would let anyone test candidate
 * values). Payloads are TupleEncode-d (u32 length prefix per part) under a domain label:
 *
 *   reading: ("femeter/v1/reading", meter, channel, period, slot, C_i, C_0 or empty, seq, status)
 *   mpk ack: ("femeter/v1/mpk-ack", meter, channel, period, SHA-256(mpk))
 *   close:   ("femeter/v1/close",   meter, channel, period, count, SHA-256(C_0 ‖ C_1 ‖ … ‖ C_l))
 *
 * Signatures are Ed25519 through fe/ed25519 (the verification rule is documented there).
 */
import { encodeTuple } from '../fe/kdf.js';

/** Status bits of a reading (DESIGN.md §4). */
export const STATUS = Object.freeze({
    /** The meter clock was not synchronised when the slot was measured. */
    clockUnsynced: 1,
    /** The slot carries energy caught up after a power loss. */
    catchUp: 2,
    /** The slot holds a substitute value. */
    substitute: 4,
});
export const STATUS_MASK = 7;

export function readingPayload(r: {
    meter: string;
    channel: string;
    period: string;
    slot: number;
    c: Uint8Array;
    c0?: Uint8Array | undefined;
    seq: number;
    status: number;
}): Uint8Array {
    return encodeTuple([
        'femeter/v1/reading',
        r.meter,
        r.channel,
        r.period,
        String(r.slot),
        r.c,
        r.c0 ?? new Uint8Array(0),
        String(r.seq),
        String(r.status),
    ]);
}

/** The fields of a reading its signature covers (with the meter id, {@link readingPayload}). */
export interface SignedReadingFields {
    readonly channel: string;
    readonly period: string;
    readonly slot: number;
    readonly c: Uint8Array;
    readonly c0?: Uint8Array | undefined;
    readonly seq: number;
    readonly status: number;
}

const NO_C0 = new Uint8Array(0);

/**
 * {@link readingPayload} of each reading of one meter, byte for byte, built in one buffer (views
 * into it): the length-prefixed tuple of (label, meter, channel, period) is encoded once per
 * channel and period (a tuple's encoding is the concatenation of its parts' encodings), then each
 * reading's slot, C_i, C_0, seq and status are appended.
 */
export function readingPayloads(
    meter: string,
    readings: readonly SignedReadingFields[],
): Uint8Array[] {
    const prefixes = new Map<string, Uint8Array>();
    const rows = readings.map((r) => {
        const k = `${r.channel}\u0000${r.period}`;
        let prefix = prefixes.get(k);
        if (prefix === undefined) {
            prefix = encodeTuple(['femeter/v1/reading', meter, r.channel, r.period]);
            prefixes.set(k, prefix);
        }
        const slot = String(r.slot);
        const seq = String(r.seq);
        const status = String(r.status);
        const c0 = r.c0 ?? NO_C0;
        const size =
            prefix.length + 20 + slot.length + r.c.length + c0.length + seq.length + status.length;
        return { prefix, slot, c: r.c, c0, seq, status, size };
    });
    let total = 0;
    for (const x of rows) total += x.size;
    const buf = new Uint8Array(total);
    const view = new DataView(buf.buffer);
    let o = 0;
    // numbers print as ASCII: each character is its own byte
    const str = (s: string): void => {
        view.setUint32(o, s.length);
        for (let i = 0; i < s.length; i++) buf[o + 4 + i] = s.charCodeAt(i);
        o += 4 + s.length;
    };
    const bytes = (b: Uint8Array): void => {
        view.setUint32(o, b.length);
        buf.set(b, o + 4);
        o += 4 + b.length;
    };
    return rows.map((x) => {
        const start = o;
        buf.set(x.prefix, o);
        o += x.prefix.length;
        str(x.slot);
        bytes(x.c);
        bytes(x.c0);
        str(x.seq);
        str(x.status);
        return buf.subarray(start, o);
    });
}

export function mpkAckPayload(
    meter: string,
    channel: string,
    period: string,
    mpkDigest: Uint8Array,
): Uint8Array {
    return encodeTuple(['femeter/v1/mpk-ack', meter, channel, period, mpkDigest]);
}

export function closePayload(
    meter: string,
    channel: string,
    period: string,
    count: number,
    digest: Uint8Array,
): Uint8Array {
    return encodeTuple(['femeter/v1/close', meter, channel, period, String(count), digest]);
}

/** Ed25519 lives in fe/ed25519 (one module for contract, engines and roles); re-exported for callers of the contract. */
export { verifyEd25519, verifyEd25519Many, ed25519Signer } from '../fe/ed25519.js';
