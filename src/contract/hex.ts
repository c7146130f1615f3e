// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/hex
 * Hex conversion for the contract layer (plumbing, not cryptography): table-driven loops over
 * character codes, with no Buffer, so the same code runs in Node, the browser and the Fabric
 * chaincode. `hexToBytes` / `bytesToHex` accept and refuse exactly what @noble/hashes' do (even
 * length, digits 0-9 a-f A-F; lower-case output); `lowerHexToBytes` is the strict lower-case form
 * the contract asks of request fields, checked and decoded in one pass (no regular expression
 * over the whole string).
 */

/** Nibble value of a character code < 128, or -1; `LOWER` refuses upper-case digits. */
const ANY = new Int8Array(128).fill(-1);
const LOWER = new Int8Array(128).fill(-1);
for (let i = 0; i < 10; i++) ANY[48 + i] = LOWER[48 + i] = i;
for (let i = 0; i < 6; i++) {
    ANY[97 + i] = LOWER[97 + i] = 10 + i;
    ANY[65 + i] = 10 + i;
}
/** Lower-case hex digit character codes. */
const DIGITS = Uint8Array.from('0123456789abcdef', (c) => c.charCodeAt(0));
/** Two character codes per byte value, for writing hex into a byte buffer. */
const PAIRS = new Uint16Array(256);
for (let i = 0; i < 256; i++) PAIRS[i] = ((DIGITS[i >> 4] ?? 0) << 8) | (DIGITS[i & 15] ?? 0);

/**
 * Decode `hex` into `out` at `at` with the nibble table `t`; the index of the first bad character
 * pair's first character, or -1 when all decoded.
 */
function decodeInto(hex: string, t: Int8Array, out: Uint8Array, at: number): number {
    const n = hex.length;
    for (let i = 0, j = at; i < n; i += 2, j++) {
        const a = hex.charCodeAt(i);
        const b = hex.charCodeAt(i + 1);
        const hi = a < 128 ? (t[a] ?? -1) : -1;
        const lo = b < 128 ? (t[b] ?? -1) : -1;
        if ((hi | lo) < 0) return i;
        out[j] = (hi << 4) | lo;
    }
    return -1;
}

/** Bytes of a hex string (either case). @throws RangeError on odd length or a non-hex character. */
export function hexToBytes(hex: string): Uint8Array {
    return hexInto(hex, new Uint8Array(typeof hex === 'string' ? hex.length >> 1 : 0), 0);
}

/**
 * Decode a hex string (either case) into `out` at byte `at` (which must have room for it) and
 * return the view of the bytes written: many fields into one buffer, without an allocation each.
 * @throws RangeError on odd length or a non-hex character, as {@link hexToBytes}.
 */
export function hexInto(hex: string, out: Uint8Array, at: number): Uint8Array {
    if (typeof hex !== 'string') throw new TypeError('hex string expected, got ' + typeof hex);
    if (hex.length % 2)
        throw new RangeError(`hex string expected, got unpadded hex of length ${hex.length}`);
    const n = hex.length >> 1;
    if (at < 0 || at + n > out.length) throw new RangeError('hexInto: no room for the bytes');
    const bad = decodeInto(hex, ANY, out, at);
    if (bad >= 0)
        throw new RangeError(
            `hex string expected, got non-hex character "${hex.slice(bad, bad + 2)}" at index ${bad}`,
        );
    return out.subarray(at, at + n);
}

/** Bytes of a strict lower-case hex string, or undefined when it is not one (odd length, other characters). */
export function lowerHexToBytes(hex: string): Uint8Array | undefined {
    if (hex.length % 2) return undefined;
    const out = new Uint8Array(hex.length / 2);
    return decodeInto(hex, LOWER, out, 0) < 0 ? out : undefined;
}

/** Whether `hex` is strict lower-case hex (even length, 0-9 a-f only). */
export function isLowerHex(hex: string): boolean {
    const n = hex.length;
    if (n % 2) return false;
    for (let i = 0; i < n; i++) {
        const c = hex.charCodeAt(i);
        if (c >= 128 || (LOWER[c] ?? -1) < 0) return false;
    }
    return true;
}

const ascii = new TextDecoder('latin1');

/** Lower-case hex of bytes. */
export function bytesToHex(bytes: Uint8Array): string {
    if (!(bytes instanceof Uint8Array)) throw new TypeError('Uint8Array expected');
    const n = bytes.length;
    if (n < 16) {
        let s = '';
        for (let i = 0; i < n; i++) {
            const p = PAIRS[bytes[i] ?? 0] ?? 0;
            s += String.fromCharCode(p >> 8, p & 0xff);
        }
        return s;
    }
    const chars = new Uint8Array(2 * n);
    for (let i = 0, j = 0; i < n; i++, j += 2) {
        const p = PAIRS[bytes[i] ?? 0] ?? 0;
        chars[j] = p >> 8;
        chars[j + 1] = p & 0xff;
    }
    return ascii.decode(chars);
}
