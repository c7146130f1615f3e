// SPDX-License-Identifier: Apache-2.0
/** Plain re-implementations of documented derivations, for the known-answer tests (independent of src/). */
import { kmac256xof } from '@noble/hashes/sha3-addons.js';
import { concatBytes } from '@noble/hashes/utils.js';

/** u32 big-endian length prefix before each part (strings as UTF-8), concatenated. */
export function tupleIndependent(parts: readonly (string | Uint8Array)[]): Uint8Array {
    const enc = new TextEncoder();
    const chunks = parts.flatMap((p) => {
        const b = typeof p === 'string' ? enc.encode(p) : p;
        const len = new Uint8Array(4);
        new DataView(len.buffer).setUint32(0, b.length);
        return [len, b];
    });
    return concatBytes(...chunks);
}

/** Independent re-implementation of the documented KDF: KMAC256-XOF(seed, u32-len-prefixed tuple, S = label), wide-reduced. */
export function kdfIndependent(
    seed: Uint8Array,
    label: string,
    parts: readonly (string | Uint8Array)[],
    count: number,
    wide: number,
    q: bigint,
    le: boolean,
): bigint[] {
    const enc = new TextEncoder();
    const msg = tupleIndependent(parts);
    const out = kmac256xof(seed, msg, { dkLen: wide * count, personalization: enc.encode(label) });
    return Array.from({ length: count }, (_, i) => {
        const w = out.subarray(i * wide, (i + 1) * wide);
        const bytes = le ? [...w].reverse() : [...w];
        return BigInt('0x' + Buffer.from(bytes).toString('hex')) % q;
    });
}
