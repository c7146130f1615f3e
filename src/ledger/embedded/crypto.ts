// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/crypto
 * SHA-256 for the embedded engine, and the engine's view of Ed25519 (transaction and block
 * signatures). Ed25519 itself is fe/ed25519, the one module every layer uses; its notes state the
 * key and verification rules (strict RFC 8032, small-order and torsioned keys and small-order R
 * refused, `node` and `noble` backends accepting exactly the same signatures).
 */

import { createHash } from 'node:crypto';

import { ed25519Signer, type Ed25519Signer } from '../../fe/ed25519.js';

export {
    type Ed25519Backend,
    type Ed25519Signer,
    ed25519Signer,
    ed25519PublicKey,
    isValidEd25519PublicKey,
    signEd25519,
    verifyEd25519,
    randomEd25519SecretKey as randomEd25519PrivateKey,
} from '../../fe/ed25519.js';

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

/**
 * A prepared signing key (node:crypto key object inside) for signing many digests with one key.
 * Kept for the engine's call sites; new code calls {@link ed25519Signer}.
 */
export function ed25519PrivateKeyObject(privateKey: Uint8Array): Ed25519Signer {
    return ed25519Signer(privateKey, 'node');
}

/** Signs with a prepared key from {@link ed25519PrivateKeyObject}. */
export function signEd25519WithKey(message: Uint8Array, key: Ed25519Signer): Uint8Array {
    return key.sign(message);
}
