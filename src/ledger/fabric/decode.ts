// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/decode
 * Decoding of the few Fabric protobuf replies the adapter reads itself (no protobuf package needed).
 */

/**
 * The `height` (field 1, uint64) of a serialised `common.BlockchainInfo` protobuf message, as qscc's
 * `GetChainInfo` returns it. Decoded here so that no protobuf package is needed.
 *
 * @throws {Error} if the bytes are not such a message
 *
 * @example
 * ```ts
 * blockchainHeight(Uint8Array.of(0x08, 0x2a)); // 42n
 * ```
 */
export function blockchainHeight(bytes: Uint8Array): bigint {
    let i = 0;
    const varint = (): bigint => {
        let v = 0n;
        for (let shift = 0n; ; shift += 7n) {
            const b = bytes[i++];
            if (b === undefined || shift > 63n)
                throw new Error('BlockchainInfo: truncated or overlong varint');
            v |= BigInt(b & 0x7f) << shift;
            if ((b & 0x80) === 0) return v;
        }
    };
    let height = 0n;
    while (i < bytes.length) {
        const key = Number(varint());
        const field = key >>> 3;
        const wire = key & 7;
        if (wire === 0) {
            const v = varint();
            if (field === 1) height = v;
        } else if (wire === 2) {
            const length = Number(varint()); // read before adding: `i += varint()` would add to the old i
            i += length;
        } else if (wire === 1) {
            i += 8;
        } else if (wire === 5) {
            i += 4;
        } else {
            throw new Error(`BlockchainInfo: unsupported wire type ${wire}`);
        }
        if (i > bytes.length) throw new Error('BlockchainInfo: truncated field');
    }
    return height;
}
