// SPDX-License-Identifier: Apache-2.0
/**
 * The few `node:crypto` functions the shared ledger modules call, for the browser: SHA-256 from
 * @noble/hashes, randomness from the Web Crypto CSPRNG. Ed25519 in the browser goes through the
 * modules' `noble` backend, so the KeyObject functions are never called here; they throw if they are.
 */
import { sha256 } from '@noble/hashes/sha2.js';

export function randomBytes(n: number): Uint8Array {
    return crypto.getRandomValues(new Uint8Array(n));
}

export function createHash(algorithm: string): {
    update(b: Uint8Array): unknown;
    digest(): Uint8Array;
} {
    if (algorithm !== 'sha256')
        throw new Error(`createHash(${algorithm}) is not available in the browser`);
    const h = sha256.create();
    const self = {
        update(b: Uint8Array) {
            h.update(b);
            return self;
        },
        digest: () => h.digest(),
    };
    return self;
}

const unavailable = (name: string) => (): never => {
    throw new Error(`node:crypto ${name} is not available in the browser (use the noble backend)`);
};
export const createPrivateKey = unavailable('createPrivateKey');
export const createPublicKey = unavailable('createPublicKey');
export const sign = unavailable('sign');
export const verify = unavailable('verify');
export default { randomBytes, createHash, createPrivateKey, createPublicKey, sign, verify };
