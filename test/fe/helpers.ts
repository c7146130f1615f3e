// SPDX-License-Identifier: Apache-2.0
/** Shared setup for the fe suites: every group and backend under test. */
import { strict as assert } from 'node:assert';
import {
    DecodeError,
    loadWasm,
    makeFfdhe,
    makeRistretto255,
    type AnyGroup,
} from '../../src/fe/index.js';
import { loadNative } from '../../src/fe/native.js';

const wasmLoaded = (await loadWasm()) !== undefined;

/** Every ristretto255 backend available in this process, the noble reference first. */
export function ristrettoBackends(): ReturnType<typeof makeRistretto255>[] {
    const out = [makeRistretto255('noble')];
    if (wasmLoaded) out.push(makeRistretto255('wasm'));
    if (loadNative() !== undefined) out.push(makeRistretto255('native'));
    return out;
}

/** Groups under test; ffdhe3072/4096 are slow, so property suites use fewer runs on them. */
export function groupsUnderTest(): { label: string; group: AnyGroup; fast: boolean }[] {
    const out: { label: string; group: AnyGroup; fast: boolean }[] = [
        { label: 'ristretto255/noble', group: makeRistretto255('noble'), fast: true },
    ];
    if (wasmLoaded)
        out.push({ label: 'ristretto255/wasm', group: makeRistretto255('wasm'), fast: true });
    if (loadNative() !== undefined)
        out.push({ label: 'ristretto255/native', group: makeRistretto255('native'), fast: true });
    out.push({ label: 'ffdhe2048', group: makeFfdhe('ffdhe2048'), fast: true });
    out.push({ label: 'ffdhe2048/bigint', group: makeFfdhe('ffdhe2048', 'bigint'), fast: false });
    out.push({ label: 'ffdhe3072', group: makeFfdhe('ffdhe3072'), fast: false });
    out.push({ label: 'ffdhe4096', group: makeFfdhe('ffdhe4096'), fast: false });
    return out;
}

/** A decoder refuses every strict prefix of valid bytes (DecodeError) and one trailing byte. */
export function assertRejectsTruncations(
    name: string,
    bytes: Uint8Array,
    decode: (b: Uint8Array) => unknown,
): void {
    for (let n = 0; n < bytes.length; n++)
        assert.throws(() => decode(bytes.subarray(0, n)), DecodeError, `${name} cut at ${n}`);
    const longer = new Uint8Array(bytes.length + 1);
    longer.set(bytes);
    assert.throws(() => decode(longer), /trailing/, `${name} with a trailing byte`);
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));
export const seed = (n: number): Uint8Array => new Uint8Array(32).fill(n);
