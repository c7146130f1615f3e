// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/validate
 * Field validators for untrusted transaction arguments. Each names the field it refuses.
 */
import { hexToBytes, isLowerHex, lowerHexToBytes } from './hex.js';
import { isValidEd25519PublicKey } from '../fe/ed25519.js';
import { ContractError } from './errors.js';
import { LEDGER_ID_RE } from './tariff/ids.js';

const bad = (field: string, why: string): ContractError =>
    new ContractError('BAD_REQUEST', `${field}: ${why}`);

/** Refuse fields outside the allowed set. */
export function onlyFields(
    o: Record<string, unknown>,
    allowed: readonly string[],
    what: string,
): void {
    for (const k of Object.keys(o))
        if (!allowed.includes(k)) throw bad(`${what}.${k}`, 'unknown field');
}

export function str(o: Record<string, unknown>, k: string, what: string, max = 128): string {
    const v = o[k];
    if (typeof v !== 'string' || v.length < 1 || v.length > max)
        throw bad(`${what}.${k}`, `expected a string of 1..${max} characters`);
    return v;
}

export function optStr(
    o: Record<string, unknown>,
    k: string,
    what: string,
    max = 128,
): string | undefined {
    return o[k] === undefined ? undefined : str(o, k, what, max);
}

export function id(o: Record<string, unknown>, k: string, what: string): string {
    const v = str(o, k, what, 64);
    if (!LEDGER_ID_RE.test(v))
        throw bad(
            `${what}.${k}`,
            'not a valid identifier ([A-Za-z0-9._:@-/], 1..64, starting alphanumeric)',
        );
    return v;
}

export function int(
    o: Record<string, unknown>,
    k: string,
    what: string,
    min: number,
    max: number,
): number {
    const v = o[k];
    if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < min || v > max)
        throw bad(`${what}.${k}`, `expected an integer in [${min}, ${max}]`);
    return v;
}

export function hex(
    o: Record<string, unknown>,
    k: string,
    what: string,
    bytes?: number,
    maxBytes = 1 << 20,
): string {
    const v = o[k];
    if (typeof v !== 'string' || !isLowerHex(v))
        throw bad(`${what}.${k}`, 'expected lower-case hex');
    if (bytes !== undefined && v.length !== bytes * 2)
        throw bad(`${what}.${k}`, `expected ${bytes} bytes`);
    if (v.length > maxBytes * 2) throw bad(`${what}.${k}`, `longer than ${maxBytes} bytes`);
    return v;
}

/** The bytes of a lower-case hex field: {@link hex}'s checks and messages, checked and decoded in one pass. */
export function hexBytes(
    o: Record<string, unknown>,
    k: string,
    what: string,
    bytes?: number,
    maxBytes = 1 << 20,
): Uint8Array {
    const v = o[k];
    const b = typeof v === 'string' ? lowerHexToBytes(v) : undefined;
    if (b === undefined) throw bad(`${what}.${k}`, 'expected lower-case hex');
    if (bytes !== undefined && b.length !== bytes)
        throw bad(`${what}.${k}`, `expected ${bytes} bytes`);
    if (b.length > maxBytes) throw bad(`${what}.${k}`, `longer than ${maxBytes} bytes`);
    return b;
}

/**
 * A public key to register (lower-case hex): refuses the all-zero key, small-order points,
 * non-canonical encodings and anything outside the prime-order subgroup (fe/ed25519).
 */
export function ed25519KeyHex(o: Record<string, unknown>, k: string, what: string): string {
    const v = hex(o, k, what, 32);
    if (!isValidEd25519PublicKey(hexToBytes(v)))
        throw bad(
            `${what}.${k}`,
            'not a valid Ed25519 public key (small order, non-canonical, off-curve or torsioned); register the public key of a fresh Ed25519 key pair',
        );
    return v;
}

export function obj(o: Record<string, unknown>, k: string, what: string): Record<string, unknown> {
    const v = o[k];
    if (typeof v !== 'object' || v === null || Array.isArray(v))
        throw bad(`${what}.${k}`, 'expected an object');
    return v as Record<string, unknown>;
}

export function arr(
    o: Record<string, unknown>,
    k: string,
    what: string,
    min: number,
    max: number,
): unknown[] {
    const v = o[k];
    if (!Array.isArray(v) || v.length < min || v.length > max)
        throw bad(`${what}.${k}`, `expected an array of ${min}..${max} entries`);
    return v;
}

export function oneOf<T extends string>(
    o: Record<string, unknown>,
    k: string,
    what: string,
    values: readonly T[],
): T {
    const v = o[k];
    if (typeof v !== 'string' || !values.includes(v as T))
        throw bad(`${what}.${k}`, `expected one of ${values.join(', ')}`);
    return v as T;
}

export function asObj(v: unknown, what: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v))
        throw bad(what, 'expected an object');
    return v as Record<string, unknown>;
}

/**
 * Hex helpers (./hex.ts): accept and refuse what @noble/hashes' do (even length, hex digits only),
 * in table-driven loops that run in Node, the browser and the chaincode.
 */
export { bytesToHex, hexToBytes } from './hex.js';
