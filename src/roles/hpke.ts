// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/hpke
 * Functional keys travel over the ledger sealed to the provider with HPKE (RFC 9180, base mode,
 * DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-128-GCM; the hpke-js library). The info string binds
 * the key to (meter, channel, period, provider, tariff), so a sealed key cannot be replayed into
 * another agreement. Stored form: hex(enc ‖ ciphertext), enc = 32 bytes.
 */
import { Aes128Gcm, CipherSuite, HkdfSha256 } from '@hpke/core';
import { DhkemX25519HkdfSha256 } from '@hpke/dhkem-x25519';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { encodeTuple } from '../fe/kdf.js';

const suite = new CipherSuite({
    kem: new DhkemX25519HkdfSha256(),
    kdf: new HkdfSha256(),
    aead: new Aes128Gcm(),
});

/** What a sealed functional key is bound to. */
export interface KeyBinding {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    readonly provider: string;
    readonly tariff: string;
}

const info = (b: KeyBinding): Uint8Array =>
    encodeTuple(['femeter/v1/functional-key', b.meter, b.channel, b.period, b.provider, b.tariff]);

/** A provider's X25519 key pair, derived from a 32-byte secret (RFC 9180 DeriveKeyPair). */
export interface HpkeKeyPair {
    readonly publicKeyHex: string;
    readonly keyPair: CryptoKeyPair;
}

export async function hpkeKeyPair(secret: Uint8Array): Promise<HpkeKeyPair> {
    const keyPair = await suite.kem.deriveKeyPair(secret);
    return {
        keyPair,
        publicKeyHex: bytesToHex(
            new Uint8Array(await suite.kem.serializePublicKey(keyPair.publicKey)),
        ),
    };
}

/** Seal a functional key to the provider's public key. */
export async function sealToProvider(
    providerPublicKeyHex: string,
    binding: KeyBinding,
    plaintext: Uint8Array,
): Promise<string> {
    return sealWithInfo(providerPublicKeyHex, info(binding), plaintext);
}

/** Seal `plaintext` to an X25519 public key under an `info` binding; hex(enc ‖ ciphertext). */
export async function sealWithInfo(
    recipientPublicKeyHex: string,
    bindingInfo: Uint8Array,
    plaintext: Uint8Array,
): Promise<string> {
    const recipientPublicKey = await suite.kem.deserializePublicKey(
        hexToBytes(recipientPublicKeyHex),
    );
    const sender = await suite.createSenderContext({ recipientPublicKey, info: bindingInfo });
    const ct = new Uint8Array(await sender.seal(plaintext));
    const enc = new Uint8Array(sender.enc);
    const out = new Uint8Array(enc.length + ct.length);
    out.set(enc);
    out.set(ct, enc.length);
    return bytesToHex(out);
}

/** Open a sealed functional key; throws if it was sealed for another binding or tampered with. */
export async function openFromCustomer(
    kp: HpkeKeyPair,
    binding: KeyBinding,
    sealedHex: string,
): Promise<Uint8Array> {
    return openWithInfo(kp, info(binding), sealedHex);
}

/** Open what {@link sealWithInfo} sealed; throws if sealed under another info or tampered with. */
export async function openWithInfo(
    kp: HpkeKeyPair,
    bindingInfo: Uint8Array,
    sealedHex: string,
): Promise<Uint8Array> {
    const all = hexToBytes(sealedHex);
    if (all.length < 32 + 16) throw new Error('sealed key too short');
    const recipient = await suite.createRecipientContext({
        recipientKey: kp.keyPair,
        enc: all.slice(0, 32).buffer,
        info: bindingInfo,
    });
    return new Uint8Array(await recipient.open(all.slice(32).buffer));
}
