// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/period-digest
 * The digest a meter signs when it closes a period, and the contract recomputes from the stored
 * ciphertexts: SHA-256(C_0 ‖ C_1 ‖ … ‖ C_l), each element in its group's fixed-size encoding.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { hexToBytes } from '@noble/hashes/utils.js';

/**
 * SHA-256 over C_0 followed by every slot's C_i in slot order (hex encodings of `elementBytes` each).
 *
 * @throws {Error} if an element is not valid hex of `elementBytes` bytes
 * @example
 * ```ts
 * const digest = periodDigest(period.c0, slots.map((s) => s.c), group.elementBytes);
 * const payload = closePayload(meter, channel, period, slots.length, digest);
 * ```
 */
export function periodDigest(
    c0: string,
    ciphertexts: readonly string[],
    elementBytes: number,
): Uint8Array {
    const all = new Uint8Array((ciphertexts.length + 1) * elementBytes);
    const put = (h: string, at: number): void => {
        const b = hexToBytes(h);
        if (b.length !== elementBytes)
            throw new Error(`a ciphertext element has ${b.length} bytes, expected ${elementBytes}`);
        all.set(b, at);
    };
    put(c0, 0);
    ciphertexts.forEach((c, i) => {
        put(c, (i + 1) * elementBytes);
    });
    return sha256(all);
}
