// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/crypto
 * SHA-256 and Ed25519 (RFC 8032) for the embedded engine: transaction and block signatures.
 *
 * Two Ed25519 backends produce and accept the same signatures:
 * - `node` (default): OpenSSL through `node:crypto`, about 10× faster than pure JS on the project machine
 *   (bench/ledger.ts measures both in the same run).
 * - `noble`: `@noble/curves/ed25519`, the audited pure-JS reference, used where node:crypto is unavailable.
 *
 * Acceptance is made strict and backend-independent:
 * - public keys are decoded once with noble (canonical encoding, on the curve, not of small order, as libsodium
 *   requires) and the verdict cached;
 * - S must be canonical (S < L), checked before either backend runs;
 * - `node` checks the cofactorless equation [S]B = R + [k]A and compares R by its (canonical) encoding; `noble`
 *   is run with `zip215: false`.
 * The cofactorless equation implies the cofactored one, so a signature the engine admits (with the default `node`
 * backend) is also accepted by RFC 8032 verifiers of either kind, ZIP-215 and libsodium: an auditor using another
 * library never sees an admitted transaction as forged. Verification handles public data only (variable time is
 * fine); signing uses each backend's constant-time path.
 */

import {
    createHash,
    createPrivateKey,
    createPublicKey,
    sign as nodeSign,
    verify as nodeVerify,
} from 'node:crypto';
import type { KeyObject } from 'node:crypto';

import { ed25519 } from '@noble/curves/ed25519.js';

/**
 * Which Ed25519 implementation to use.
 *
 * @example
 * ```ts
 * await ledgers.embedded({ path, contracts, ed25519: 'noble' });
 * ```
 */
export type Ed25519Backend = 'node' | 'noble';

/** L, the order of the Ed25519 prime-order subgroup (RFC 8032 §5.1). */
const _L = 2n ** 252n + 27742317777372353535851937790883648493n;
/** DER prefixes that wrap a raw 32-byte key into SPKI / PKCS#8 for node:crypto (RFC 8410). */
const _SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const _PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');
/** Cap on cached key verdicts / KeyObjects: bounds memory against a flood of fresh keys. */
const _KEY_CACHE_MAX = 65_536;

/**
 * SHA-256 of the concatenation of the given byte strings.
 *
 * @example
 * ```ts
 * const digest = sha256(payload);
 * const txIdBytes = sha256(nonce, creator);
 * ```
 */
export function sha256(...parts: Uint8Array[]): Uint8Array {
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
}

const _keyVerdicts = new Map<string, KeyObject | null>();

/** The node:crypto key for a strict public key, or null if the key is not strict; cached per key. */
function _keyObject(publicKey: Uint8Array): KeyObject | null {
    const id = Buffer.from(publicKey.buffer, publicKey.byteOffset, publicKey.byteLength).toString(
        'hex',
    );
    const cached = _keyVerdicts.get(id);
    if (cached !== undefined) return cached;
    let verdict: KeyObject | null = null;
    if (_strictPublicKey(publicKey)) {
        verdict = createPublicKey({
            key: Buffer.concat([_SPKI_PREFIX, publicKey]),
            format: 'der',
            type: 'spki',
        });
    }
    if (_keyVerdicts.size >= _KEY_CACHE_MAX) _keyVerdicts.clear();
    _keyVerdicts.set(id, verdict);
    return verdict;
}

function _strictPublicKey(publicKey: Uint8Array): boolean {
    try {
        const point = ed25519.Point.fromBytes(publicKey, false);
        return !point.isSmallOrder();
    } catch {
        return false;
    }
}

/**
 * Whether `publicKey` is a strict Ed25519 public key: 32 bytes, canonical, on the curve, not of small order.
 * The first check of a key costs a point decoding; the verdict is cached.
 *
 * @example
 * ```ts
 * isValidEd25519PublicKey(ed25519PublicKey(privateKey)); // true
 * ```
 */
export function isValidEd25519PublicKey(publicKey: Uint8Array): boolean {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) return false;
    return _keyObject(publicKey) !== null;
}

function _canonicalS(signature: Uint8Array): boolean {
    let s = 0n;
    for (let i = 63; i >= 32; i--) s = (s << 8n) | BigInt(signature[i] ?? 0);
    return s < _L;
}

/**
 * Verify an Ed25519 signature strictly (see the module notes). Never throws on hostile input; returns false.
 *
 * @example
 * ```ts
 * if (!verifyEd25519(signature, digest, identity.credentials)) throw new Error('bad signature');
 * ```
 */
export function verifyEd25519(
    signature: Uint8Array,
    message: Uint8Array,
    publicKey: Uint8Array,
    backend: Ed25519Backend = 'node',
): boolean {
    if (!(signature instanceof Uint8Array) || signature.length !== 64 || !_canonicalS(signature))
        return false;
    if (
        !(message instanceof Uint8Array) ||
        !(publicKey instanceof Uint8Array) ||
        publicKey.length !== 32
    )
        return false;
    const key = _keyObject(publicKey);
    if (key === null) return false;
    try {
        if (backend === 'noble')
            return ed25519.verify(signature, message, publicKey, { zip215: false });
        return nodeVerify(null, message, key, signature);
    } catch {
        return false;
    }
}

/**
 * Sign `message` with a 32-byte Ed25519 secret key (the RFC 8032 seed).
 *
 * @example
 * ```ts
 * const signature = signEd25519(digest, privateKey);
 * ```
 */
export function signEd25519(
    message: Uint8Array,
    privateKey: Uint8Array,
    backend: Ed25519Backend = 'node',
): Uint8Array {
    if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
        throw new TypeError('"privateKey" expected a 32-byte Uint8Array');
    }
    if (backend === 'noble') return ed25519.sign(message, privateKey);
    return new Uint8Array(nodeSign(null, message, _privateKeyObject(privateKey)));
}

/**
 * Build a reusable node:crypto private key (signing many digests with one key skips the per-call import).
 *
 * @example
 * ```ts
 * const key = ed25519PrivateKeyObject(privateKey);
 * ```
 */
export function ed25519PrivateKeyObject(privateKey: Uint8Array): KeyObject {
    return _privateKeyObject(privateKey);
}

function _privateKeyObject(privateKey: Uint8Array): KeyObject {
    return createPrivateKey({
        key: Buffer.concat([_PKCS8_PREFIX, privateKey]),
        format: 'der',
        type: 'pkcs8',
    });
}

/**
 * Sign with a prepared node:crypto key object.
 *
 * @example
 * ```ts
 * const sig = signEd25519WithKey(digest, ed25519PrivateKeyObject(privateKey));
 * ```
 */
export function signEd25519WithKey(message: Uint8Array, key: KeyObject): Uint8Array {
    return new Uint8Array(nodeSign(null, message, key));
}

/**
 * The 32-byte public key of an Ed25519 secret key.
 *
 * @example
 * ```ts
 * const publicKey = ed25519PublicKey(privateKey);
 * ```
 */
export function ed25519PublicKey(privateKey: Uint8Array): Uint8Array {
    if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
        throw new TypeError('"privateKey" expected a 32-byte Uint8Array');
    }
    return ed25519.getPublicKey(privateKey);
}

/**
 * A fresh random Ed25519 secret key (32 bytes from the platform CSPRNG).
 *
 * @example
 * ```ts
 * const privateKey = randomEd25519PrivateKey();
 * ```
 */
export function randomEd25519PrivateKey(): Uint8Array {
    return ed25519.utils.randomSecretKey();
}
