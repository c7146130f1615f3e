// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/crc16
 * CRC-16/X-25 (ITU-T X.25 / HDLC FCS, also "CRC-16/IBM-SDLC"): polynomial x¹⁶ + x¹² + x⁵ + 1
 * (0x1021, reflected 0x8408), init 0xFFFF, input and output reflected, final XOR 0xFFFF; check
 * value of "123456789" is 0x906E. SML 1.04 uses it for the transport end sequence and for every
 * SML message; on the wire the low byte comes first. A checksum against line noise, not a
 * cryptographic primitive: authenticity comes from the meter's signature (DESIGN.md §2).
 * Table-driven, one table lookup per byte.
 */

const TABLE: Uint16Array = (() => {
    const t = new Uint16Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x8408 : c >>> 1;
        t[n] = c;
    }
    return t;
})();

/**
 * CRC-16/X-25 of `bytes[start, end)`.
 * @returns the CRC as a number 0–0xFFFF (transmit low byte first).
 * @example
 * crc16x25(new TextEncoder().encode('123456789')); // 0x906e
 */
export function crc16x25(bytes: Uint8Array, start = 0, end = bytes.length): number {
    let crc = 0xffff;
    for (let i = start; i < end; i++)
        crc = (crc >>> 8) ^ (TABLE[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0);
    return (crc ^ 0xffff) & 0xffff;
}

const ARC_TABLE: Uint16Array = (() => {
    const t = new Uint16Array(256);
    for (let n = 0; n < 256; n++) {
        let c = n;
        for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xa001 : c >>> 1;
        t[n] = c;
    }
    return t;
})();

/**
 * CRC-16/ARC (also "CRC-16/IBM", "CRC-16/LHA"): polynomial 0x8005 (reflected 0xA001), init 0,
 * input and output reflected, no final XOR; check value of "123456789" is 0xBB3D. The DSMR P1
 * companion standard (4.x, 5.x, e-MUCS) sends it as 4 hex digits after "!", computed over every
 * byte from "/" up to and including "!".
 * @example
 * crc16arc(new TextEncoder().encode('123456789')); // 0xbb3d
 */
export function crc16arc(bytes: Uint8Array, start = 0, end = bytes.length): number {
    let crc = 0;
    for (let i = start; i < end; i++)
        crc = (crc >>> 8) ^ (ARC_TABLE[(crc ^ (bytes[i] ?? 0)) & 0xff] ?? 0);
    return crc & 0xffff;
}
