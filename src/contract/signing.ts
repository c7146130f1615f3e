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
 * Ed25519 runs on node:crypto (OpenSSL, strict RFC 8032 verification) when present — measured
 * ~12× faster than pure JS — and on @noble/curves (zip215: false, i.e. the same strict rules)
 * elsewhere (browser).
 */
import { ed25519 } from '@noble/curves/ed25519.js';
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

interface NodeCryptoLike {
    createPublicKey(k: { key: Uint8Array; format: 'der'; type: 'spki' }): unknown;
    createPrivateKey(k: { key: Uint8Array; format: 'der'; type: 'pkcs8' }): unknown;
    verify(alg: null, data: Uint8Array, key: unknown, sig: Uint8Array): boolean;
    sign(alg: null, data: Uint8Array, key: unknown): Uint8Array;
}
const nodeCrypto = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeCryptoLike | undefined;
const SPKI_PREFIX = Uint8Array.from([
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
]);
const PKCS8_PREFIX = Uint8Array.from([
    0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
]);
const keyCache = new Map<string, unknown>();

function withPrefix(prefix: Uint8Array, key: Uint8Array): Uint8Array {
    const out = new Uint8Array(prefix.length + key.length);
    out.set(prefix);
    out.set(key, prefix.length);
    return out;
}

/** Verify an Ed25519 signature (strict RFC 8032). Never throws for bad input: returns false. */
export function verifyEd25519(
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
): boolean {
    if (publicKey.length !== 32 || signature.length !== 64) return false;
    try {
        if (nodeCrypto) {
            const id = Array.from(publicKey, (b) => b.toString(16).padStart(2, '0')).join('');
            let k = keyCache.get(id);
            if (k === undefined) {
                k = nodeCrypto.createPublicKey({
                    key: withPrefix(SPKI_PREFIX, publicKey),
                    format: 'der',
                    type: 'spki',
                });
                if (keyCache.size > 10_000) keyCache.clear();
                keyCache.set(id, k);
            }
            return nodeCrypto.verify(null, message, k, signature);
        }
        return ed25519.verify(signature, message, publicKey, { zip215: false });
    } catch {
        return false;
    }
}

/** Ed25519 signer from a 32-byte secret seed (the meter's key file holds the seed). */
export function ed25519Signer(secret: Uint8Array): {
    publicKey: Uint8Array;
    sign(message: Uint8Array): Uint8Array;
} {
    const publicKey = ed25519.getPublicKey(secret);
    if (nodeCrypto) {
        const k = nodeCrypto.createPrivateKey({
            key: withPrefix(PKCS8_PREFIX, secret),
            format: 'der',
            type: 'pkcs8',
        });
        return { publicKey, sign: (m) => new Uint8Array(nodeCrypto.sign(null, m, k)) };
    }
    return { publicKey, sign: (m) => ed25519.sign(m, secret) };
}
