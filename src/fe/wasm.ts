// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/wasm
 * Loader of the WebAssembly ristretto255 backend: libsodium (the `libsodium-wrappers-sumo` npm
 * package, the only build of libsodium on npm that exposes `crypto_core_ristretto255_*` and
 * `crypto_scalarmult_ristretto255*`) compiled to WebAssembly. It needs no compiler, runs on any Node.js
 * and in browsers, and is measured ~3× slower than the Rust accelerator but 5–10× faster than
 * `@noble/curves` for decoding and scalar multiplication (`npm run bench:fe`).
 *
 * libsodium is driven through its raw exports (`_malloc`, `HEAPU8`, `_crypto_…`) so batches cost one
 * copy in and one copy out instead of an allocation per item. Byte conventions match
 * {@link ./native.ts}: 32-byte canonical encodings, 32-byte little-endian canonical scalars, arrays as
 * n×32 concatenated bytes. libsodium's own edge behaviour is absorbed here so that callers get the
 * plain group law: its scalar multiplications return −1 for an identity result (zero scalar or
 * identity point), which this module maps to the identity encoding; it masks the top scalar bit,
 * which cannot matter since scalars are checked canonical (< ℓ < 2^253) before the call.
 *
 * {@link loadWasm} is asynchronous (WebAssembly compiles asynchronously); after it resolved,
 * {@link wasmBackend} returns the same object synchronously. No static Node.js imports.
 */

/** The WebAssembly ristretto255 operations, all on byte encodings (see the module comment). */
export interface WasmRistretto {
    /** Index of the first invalid encoding in `points` (n×32 bytes), or −1; the identity is valid. */
    decodeCheck(points: Uint8Array): number;
    /** `a + b`. Throws when an argument is not a valid encoding. */
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    /** `a − b`. Throws when an argument is not a valid encoding. */
    sub(a: Uint8Array, b: Uint8Array): Uint8Array;
    /** `scalar · point` (constant time in `scalar`); the identity for a zero scalar or point. */
    mul(point: Uint8Array, scalar: Uint8Array): Uint8Array;
    /** `scalar · G` (constant time in `scalar`); the identity for a zero scalar. */
    mulBase(scalar: Uint8Array): Uint8Array;
    /** `s_i · G` for each scalar of `scalars` (n×32); n×32 bytes. */
    mulBaseMany(scalars: Uint8Array): Uint8Array;
    /** `scalar · P_i` for each point of `points` (n×32); n×32 bytes. */
    mulMany(points: Uint8Array, scalar: Uint8Array): Uint8Array;
    /** First 8 bytes of the encodings of `start + j·step`, j = 0 … count−1 (count×8 bytes). */
    stepKeys(start: Uint8Array, step: Uint8Array, count: number): Uint8Array;
    /** `libsodium <version> (WebAssembly)`. */
    version(): string;
}

/** The raw emscripten exports used (a subset of libsodium-sumo's module). */
interface RawSodium {
    HEAPU8: Uint8Array;
    _malloc(n: number): number;
    _free(p: number): void;
    _sodium_version_string(): number;
    UTF8ToString(p: number): string;
    _crypto_core_ristretto255_is_valid_point(p: number): number;
    _crypto_core_ristretto255_add(r: number, p: number, q: number): number;
    _crypto_core_ristretto255_sub(r: number, p: number, q: number): number;
    _crypto_scalarmult_ristretto255(q: number, n: number, p: number): number;
    _crypto_scalarmult_ristretto255_base(q: number, n: number): number;
}

const RAW_FUNCTIONS = [
    '_malloc',
    '_free',
    '_sodium_version_string',
    'UTF8ToString',
    '_crypto_core_ristretto255_is_valid_point',
    '_crypto_core_ristretto255_add',
    '_crypto_core_ristretto255_sub',
    '_crypto_scalarmult_ristretto255',
    '_crypto_scalarmult_ristretto255_base',
] as const;

const LEN = 32;

function checkLen(fn: string, name: string, v: Uint8Array, multiple: boolean): number {
    if (!(v instanceof Uint8Array))
        throw new TypeError(`femeter-wasm ${fn}: ${name} must be a Uint8Array`);
    if (multiple ? v.length % LEN !== 0 : v.length !== LEN)
        throw new RangeError(
            `femeter-wasm ${fn}: ${name} must be ${multiple ? 'a multiple of ' : ''}32 bytes, got ${v.length}`,
        );
    return v.length / LEN;
}

function isZero(b: Uint8Array): boolean {
    let d = 0;
    for (const x of b) d |= x;
    return d === 0;
}

/** Wraps the raw module; one scratch allocation, grown on demand, serves every call. */
function wrap(raw: RawSodium): WasmRistretto {
    let ptr = 0;
    let cap = 0;
    /** Scratch of at least `n` bytes; the heap view must be re-read after it (memory may grow). */
    const scratch = (n: number): number => {
        if (n > cap) {
            if (ptr !== 0) raw._free(ptr);
            cap = Math.max(n, 4096);
            ptr = raw._malloc(cap);
            if (ptr === 0) {
                cap = 0;
                throw new RangeError(`femeter-wasm: out of WebAssembly memory (${n} bytes)`);
            }
        }
        return ptr;
    };
    const copyOut = (at: number, n: number): Uint8Array => raw.HEAPU8.slice(at, at + n);

    const binary = (
        fn: 'add' | 'sub',
        op: (r: number, p: number, q: number) => number,
        a: Uint8Array,
        b: Uint8Array,
    ): Uint8Array => {
        checkLen(fn, 'a', a, false);
        checkLen(fn, 'b', b, false);
        const p = scratch(3 * LEN);
        const h = raw.HEAPU8;
        h.set(a, p);
        h.set(b, p + LEN);
        if (op(p + 2 * LEN, p, p + LEN) !== 0) {
            const bad = raw._crypto_core_ristretto255_is_valid_point(p) === 1 ? 'b' : 'a';
            throw new RangeError(`femeter-wasm ${fn}: ${bad} is not a valid ristretto255 encoding`);
        }
        return copyOut(p + 2 * LEN, LEN);
    };

    /** k·P_i into out_i for n points at `pts`, scalar at `k`; identity where libsodium refuses. */
    const mulLoop = (fn: string, out: number, pts: number, k: number, n: number): void => {
        for (let i = 0; i < n; i++) {
            if (raw._crypto_scalarmult_ristretto255(out + i * LEN, k, pts + i * LEN) !== 0) {
                const at = pts + i * LEN;
                if (raw._crypto_core_ristretto255_is_valid_point(at) !== 1)
                    throw new RangeError(
                        `femeter-wasm ${fn}: points[${i}] is not a valid ristretto255 encoding`,
                    );
                // valid point and a refused result: the result is the identity (k = 0 or P = 0)
                raw.HEAPU8.fill(0, out + i * LEN, out + (i + 1) * LEN);
            }
        }
    };
    const baseLoop = (out: number, ks: number, n: number): void => {
        for (let i = 0; i < n; i++)
            if (raw._crypto_scalarmult_ristretto255_base(out + i * LEN, ks + i * LEN) !== 0)
                raw.HEAPU8.fill(0, out + i * LEN, out + (i + 1) * LEN); // k = 0
    };

    return Object.freeze({
        decodeCheck: (points: Uint8Array): number => {
            const n = checkLen('decodeCheck', 'points', points, true);
            const p = scratch(points.length);
            raw.HEAPU8.set(points, p);
            for (let i = 0; i < n; i++) {
                if (raw._crypto_core_ristretto255_is_valid_point(p + i * LEN) !== 1) return i;
            }
            return -1;
        },
        add: (a: Uint8Array, b: Uint8Array): Uint8Array =>
            binary('add', (r, x, y) => raw._crypto_core_ristretto255_add(r, x, y), a, b),
        sub: (a: Uint8Array, b: Uint8Array): Uint8Array =>
            binary('sub', (r, x, y) => raw._crypto_core_ristretto255_sub(r, x, y), a, b),
        mul: (point: Uint8Array, scalar: Uint8Array): Uint8Array => {
            checkLen('mul', 'point', point, false);
            checkLen('mul', 'scalar', scalar, false);
            const p = scratch(3 * LEN);
            raw.HEAPU8.set(point, p);
            raw.HEAPU8.set(scalar, p + LEN);
            mulLoop('mul', p + 2 * LEN, p, p + LEN, 1);
            return copyOut(p + 2 * LEN, LEN);
        },
        mulBase: (scalar: Uint8Array): Uint8Array => {
            checkLen('mulBase', 'scalar', scalar, false);
            if (isZero(scalar)) return new Uint8Array(LEN);
            const p = scratch(2 * LEN);
            raw.HEAPU8.set(scalar, p);
            baseLoop(p + LEN, p, 1);
            return copyOut(p + LEN, LEN);
        },
        mulBaseMany: (scalars: Uint8Array): Uint8Array => {
            const n = checkLen('mulBaseMany', 'scalars', scalars, true);
            const p = scratch(2 * scalars.length);
            raw.HEAPU8.set(scalars, p);
            baseLoop(p + scalars.length, p, n);
            return copyOut(p + scalars.length, scalars.length);
        },
        mulMany: (points: Uint8Array, scalar: Uint8Array): Uint8Array => {
            const n = checkLen('mulMany', 'points', points, true);
            checkLen('mulMany', 'scalar', scalar, false);
            const p = scratch(2 * points.length + LEN);
            raw.HEAPU8.set(points, p);
            raw.HEAPU8.set(scalar, p + points.length);
            mulLoop('mulMany', p + points.length + LEN, p, p + points.length, n);
            return copyOut(p + points.length + LEN, points.length);
        },
        stepKeys: (start: Uint8Array, step: Uint8Array, count: number): Uint8Array => {
            checkLen('stepKeys', 'start', start, false);
            checkLen('stepKeys', 'step', step, false);
            if (!Number.isSafeInteger(count) || count < 0)
                throw new RangeError(`femeter-wasm stepKeys: bad count ${String(count)}`);
            const p = scratch(2 * LEN);
            let h = raw.HEAPU8;
            h.set(start, p);
            h.set(step, p + LEN);
            if (raw._crypto_core_ristretto255_is_valid_point(p) !== 1)
                throw new RangeError('femeter-wasm stepKeys: start is not a valid encoding');
            if (raw._crypto_core_ristretto255_is_valid_point(p + LEN) !== 1)
                throw new RangeError('femeter-wasm stepKeys: step is not a valid encoding');
            const out = new Uint8Array(count * 8);
            for (let j = 0; j < count; j++) {
                h = raw.HEAPU8;
                out.set(h.subarray(p, p + 8), j * 8);
                if (j + 1 < count) raw._crypto_core_ristretto255_add(p, p, p + LEN);
            }
            return out;
        },
        version: (): string =>
            `libsodium ${raw.UTF8ToString(raw._sodium_version_string())} (WebAssembly)`,
    });
}

let loaded: { backend: WasmRistretto | undefined; error: Error | undefined } | undefined;
let pending: Promise<WasmRistretto | undefined> | undefined;

async function load(): Promise<WasmRistretto | undefined> {
    try {
        const mod = (await import('libsodium-wrappers-sumo')) as unknown as {
            default?: { ready: Promise<void>; libsodium?: unknown };
            ready?: Promise<void>;
            libsodium?: unknown;
        };
        const lib = mod.default ?? mod;
        await lib.ready;
        const raw = lib.libsodium as Partial<Record<string, unknown>> | undefined;
        const missing = RAW_FUNCTIONS.filter((k) => typeof raw?.[k] !== 'function');
        if (raw === undefined || missing.length > 0 || !(raw.HEAPU8 instanceof Uint8Array))
            throw new Error(
                `libsodium-wrappers-sumo lacks ${missing.join(', ') || 'HEAPU8'}: reinstall it (npm ci)`,
            );
        loaded = { backend: wrap(raw as unknown as RawSodium), error: undefined };
    } catch (e) {
        loaded = { backend: undefined, error: e instanceof Error ? e : new Error(String(e)) };
    }
    return loaded.backend;
}

/**
 * Loads (once) and returns the WebAssembly backend, or `undefined` (never a rejection) when the
 * package is not installed or WebAssembly is unavailable (see {@link wasmLoadError}).
 */
export function loadWasm(): Promise<WasmRistretto | undefined> {
    pending ??= load();
    return pending;
}

/** The WebAssembly backend once {@link loadWasm} has resolved with it, else `undefined`. */
export function wasmBackend(): WasmRistretto | undefined {
    return loaded?.backend;
}

/** Why the WebAssembly backend could not be loaded, or undefined. */
export function wasmLoadError(): Error | undefined {
    return loaded?.error;
}
