// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/identity
 * Ed25519 identities and signers for the embedded engine, and the `ctx.clientIdentity` object its contracts see.
 *
 * On the embedded engine an identity is (mspId, raw 32-byte Ed25519 public key). Its contract-visible ID is
 *
 *   getID() = "ed25519::" + lower-case hex(public key)
 *
 * which plays the role of Fabric's `"x509::" + subject DN + "::" + issuer DN`: a stable string that names one key
 * and never contains the MSP ID (compare `getMSPID()` separately, as on Fabric). Embedded identities carry no
 * attributes, so `getAttributeValue` returns null and `assertAttributeValue` false.
 */

import type { Identity, Signer } from '../client.js';
import { toHex } from './codec.js';
import {
    ed25519PrivateKeyObject,
    ed25519PublicKey,
    randomEd25519PrivateKey,
    signEd25519,
    signEd25519WithKey,
} from './crypto.js';
import type { Ed25519Backend } from './crypto.js';

/**
 * Prefix of embedded identity IDs.
 *
 * @example
 * ```ts
 * ctx.clientIdentity.getID().startsWith(ED25519_ID_PREFIX); // true on the embedded engine
 * ```
 */
export const ED25519_ID_PREFIX = 'ed25519::';

/**
 * Signer factories.
 *
 * @example
 * ```ts
 * const privateKey = identities.newPrivateKey();
 * const signer = signers.ed25519(privateKey);
 * ```
 */
export const signers = Object.freeze({
    /**
     * A signer holding a 32-byte Ed25519 secret key in memory. `backend: 'noble'` signs with pure JS (same
     * signatures, slower).
     */
    ed25519(privateKey: Uint8Array, options: Readonly<{ backend?: Ed25519Backend }> = {}): Signer {
        if (options.backend === 'noble') {
            const key = new Uint8Array(privateKey);
            return { sign: (digest) => Promise.resolve(signEd25519(digest, key, 'noble')) };
        }
        const key = ed25519PrivateKeyObject(privateKey);
        return { sign: (digest) => Promise.resolve(signEd25519WithKey(digest, key)) };
    },
});

/**
 * Identity helpers.
 *
 * @example
 * ```ts
 * const privateKey = identities.newPrivateKey();
 * const identity = identities.ed25519('ProviderMSP', privateKey);
 * identities.id(identity); // 'ed25519::…'
 * ```
 */
export const identities = Object.freeze({
    /** A fresh random 32-byte Ed25519 secret key. */
    newPrivateKey(): Uint8Array {
        return randomEd25519PrivateKey();
    },
    /** The identity (mspId, public key) of an Ed25519 secret key. */
    ed25519(mspId: string, privateKey: Uint8Array): Identity {
        return Object.freeze({ mspId, credentials: ed25519PublicKey(privateKey) });
    },
    /** The contract-visible ID of an embedded identity: `"ed25519::" + hex(public key)`. */
    id(identity: Identity): string {
        return ED25519_ID_PREFIX + toHex(identity.credentials);
    },
});

/**
 * `ctx.clientIdentity` on the embedded engine: the same methods as fabric-shim's `ClientIdentity`.
 *
 * @example
 * ```ts
 * const ci = new EmbeddedClientIdentity({ mspId: 'MeterMSP', credentials: publicKey });
 * ci.getID(); // 'ed25519::3b6a…'
 * ```
 */
export class EmbeddedClientIdentity {
    readonly #identity: Identity;
    readonly #id: string;

    constructor(identity: Identity) {
        this.#identity = identity;
        this.#id = ED25519_ID_PREFIX + toHex(identity.credentials);
    }

    /** `"ed25519::" + hex(public key)`. */
    getID(): string {
        return this.#id;
    }
    getMSPID(): string {
        return this.#identity.mspId;
    }
    /** The raw public key (a Buffer, as fabric-shim returns). */
    getIDBytes(): Uint8Array {
        return Buffer.from(this.#identity.credentials);
    }
    /** Embedded identities have no attributes. */
    getAttributeValue(_attrName: string): string | null {
        return null;
    }
    /** Embedded identities have no attributes. */
    assertAttributeValue(_attrName: string, _attrValue: string): boolean {
        return false;
    }
}
