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
