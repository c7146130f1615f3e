// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/marshal
 * The one canonical JSON form of every value the contract stores or emits: object keys sorted
 * recursively, no whitespace, bigints as decimal strings, no undefined. Every endorser computes
 * byte-identical write sets from it; never call JSON.stringify on state directly.
 */
import { ContractError } from './errors.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function canon(v: unknown): Json {
    if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
    if (typeof v === 'number') {
        if (!Number.isFinite(v))
            throw new ContractError('BAD_REQUEST', 'non-finite number cannot be stored');
        return v;
    }
    if (typeof v === 'bigint') return v.toString();
    if (Array.isArray(v)) return v.map(canon);
    if (typeof v === 'object') {
        const out: Record<string, Json> = {};
        for (const k of Object.keys(v).sort()) {
            const x = (v as Record<string, unknown>)[k];
            if (x !== undefined) out[k] = canon(x);
        }
        return out;
    }
    throw new ContractError('BAD_REQUEST', `cannot store a value of type ${typeof v}`);
}

/** Canonical UTF-8 JSON bytes. */
export function marshal(v: unknown): Uint8Array {
    return new TextEncoder().encode(JSON.stringify(canon(v)));
}

/** Canonical JSON string. */
export function marshalString(v: unknown): string {
    return JSON.stringify(canon(v));
}

/** Parse stored bytes (trusted: written by marshal). */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the stored record type
export function unmarshal<T>(bytes: Uint8Array): T {
    return JSON.parse(new TextDecoder().decode(bytes)) as T;
}

/** Largest JSON argument a transaction accepts. */
export const MAX_ARG_BYTES = 2 * 1024 * 1024;

/** Parse a transaction argument (untrusted), at most `maxBytes` long (default {@link MAX_ARG_BYTES}). */
export function parseArg(
    arg: unknown,
    what: string,
    maxBytes = MAX_ARG_BYTES,
): Record<string, unknown> {
    if (typeof arg !== 'string')
        throw new ContractError('BAD_REQUEST', `${what}: expected a JSON string argument`);
    if (arg.length > maxBytes)
        throw new ContractError(
            'BAD_REQUEST',
            `${what}: argument of ${arg.length} bytes exceeds ${maxBytes}; split the batch`,
        );
    let v: unknown;
    try {
        v = JSON.parse(arg);
    } catch {
        throw new ContractError('BAD_REQUEST', `${what}: argument is not valid JSON`);
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
        throw new ContractError('BAD_REQUEST', `${what}: expected a JSON object`);
    return v as Record<string, unknown>;
}
