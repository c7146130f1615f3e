// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/hash-to-group
 * Hash public bytes to a group element whose discrete logarithm nobody knows (a random oracle into
 * the group), with a domain-separation tag. Used for the MCFE labels u_ℓ = H(ℓ) ({@link ./mcfe.ts}).
 *
 * - ristretto255: `hash_to_ristretto255` of RFC 9380 Appendix B (expand_message_xmd with SHA-512 to
 *   64 bytes, two Elligator maps, sum; RFC 9496 §4.3.4), as implemented by @noble/curves; on the
 *   native backend the element derivation runs in curve25519-dalek (`from_uniform_bytes`) after
 *   noble's expand_message_xmd — byte-identical, an order of magnitude faster (tests cross-check).
 * - ffdhe groups: h = OS2IP(expand_message_xmd(msg, DST, len(p) + 16, SHA-512)) mod p (bias < 2^-128),
 *   element h² mod p: squaring maps Z_p^* 2-to-1 onto the quadratic residues, the prime-order
 *   subgroup. expand_message_xmd is @noble/curves' (RFC 9380 §5.3.1).
 *
 * The result goes through the group's own decoder, so it is validated like any element read from
 * outside (the identity occurs with probability ~2^-250 and is refused).
 */
import { expand_message_xmd } from '@noble/curves/abstract/hash-to-curve.js';
import { ristretto255_hasher } from '@noble/curves/ed25519.js';
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { sha512 } from '@noble/hashes/sha2.js';
import { RangeCheckError } from './errors.js';
import type { Group } from './group.js';
import { loadNative } from './native.js';

/**
 * Hash `msg` to an element of `group` under the domain-separation tag `dst` (1..255 bytes).
 * @example hashToGroup(ristretto255, 'femeter/v1/mcfe/label/u1', encodeTuple(['a', 'b']))
 */
export function hashToGroup<E>(group: Group<E>, dst: string, msg: Uint8Array): E {
    if (typeof dst !== 'string' || dst.length === 0 || dst.length > 255)
        throw new RangeCheckError('hash-to-group: DST must be 1..255 characters');
    if (group.name === 'ristretto255') {
        const nat =
            (group as { readonly backend?: string }).backend === 'native'
                ? loadNative()
                : undefined;
        // native: the same construction, expand_message_xmd here and the element derivation in dalek
        const bytes = nat
            ? nat.fromUniformBytesMany(expand_message_xmd(msg, dst, 64, sha512))
            : ristretto255_hasher.hashToCurve(msg, { DST: dst }).toBytes();
        return group.decode(bytes, `hashToGroup(${dst})`);
    }
    // ffdhe: p = 2q + 1 (safe prime)
    const p = 2n * group.order + 1n;
    const h = bytesToNumberBE(expand_message_xmd(msg, dst, group.elementBytes + 16, sha512)) % p;
    return group.decode(numberToBytesBE((h * h) % p, group.elementBytes), `hashToGroup(${dst})`);
}
