// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/native
 * Loader of the optional native ristretto255 accelerator: a Node-API addon written in Rust
 * (`native/`, napi-rs) that delegates every group operation to curve25519-dalek v4. It is built by
 * `scripts/build-native` into `native/femeter_native.node` at the package root; when that file is
 * absent (not built, a browser, another runtime) or `FEMETER_NO_NATIVE=1` is set, {@link loadNative}
 * returns `undefined` and callers fall back to `@noble/curves`.
 *
 * Byte conventions: a point is a 32-byte canonical ristretto255 encoding (RFC 9496), a scalar a
 * 32-byte little-endian integer that must be canonical (< ℓ), and an array of n points or scalars
 * is one `Uint8Array` of n×32 concatenated bytes. Invalid input throws an `Error` whose message
 * names the function, the argument and, for arrays, the index. All functions are synchronous;
 * batch functions may split their work over up to `FEMETER_NATIVE_THREADS` OS threads (default:
 * the available parallelism, at most 8; `1` disables) without touching the JS thread's state.
 *
 * The module has no static Node.js imports, so it can be bundled for other platforms.
 */

/** The native ristretto255 operations, all on byte encodings (see the module comment). */
export interface NativeRistretto {
    /**
     * Index of the first invalid (non-canonical or undecodable) encoding in `points` (n×32
     * bytes), or -1 when all are valid. The identity (32 zero bytes) counts as valid.
     */
    decodeCheck(points: Uint8Array): number;
    /** `a + b`, as a 32-byte encoding. */
    add(a: Uint8Array, b: Uint8Array): Uint8Array;
    /** `a − b`, as a 32-byte encoding. */
    sub(a: Uint8Array, b: Uint8Array): Uint8Array;
    /** `scalar · point`; constant time in `scalar` (dalek's `*`). */
    mul(point: Uint8Array, scalar: Uint8Array): Uint8Array;
    /** `scalar · G` with dalek's precomputed basepoint table; constant time in `scalar`. */
    mulBase(scalar: Uint8Array): Uint8Array;
    /**
     * `point + scalar · G` in one call; constant time in `scalar`. Absent from addons built before
     * it existed (callers fall back to `add` and `mulBase`).
     */
    addMulBase?: ((point: Uint8Array, scalar: Uint8Array) => Uint8Array) | undefined;
    /** `s_i · G` for each scalar of `scalars` (n×32); n×32 bytes; constant time in the scalars. */
    mulBaseMany(scalars: Uint8Array): Uint8Array;
    /** `scalar · P_i` for each point of `points` (n×32); n×32 bytes; constant time in `scalar`. */
    mulMany(points: Uint8Array, scalar: Uint8Array): Uint8Array;
    /**
     * `Σ s_i · P_i` over n points and n scalars (each n×32 bytes), variable time: public data
     * only. Returns the identity for n = 0.
     */
    msmVartime(points: Uint8Array, scalars: Uint8Array): Uint8Array;
    /** `Σ P_i` over `points` (n×32 bytes); the identity for n = 0. */
    addMany(points: Uint8Array): Uint8Array;
    /**
     * For j = 0 … count−1, the first 8 bytes of the encoding of `start + j·step`, concatenated
     * (count×8 bytes): the keys of baby-step/giant-step discrete-logarithm tables and giant steps.
     * `count` must be an integer in [0, 2^27].
     */
    stepKeys(start: Uint8Array, step: Uint8Array, count: number): Uint8Array;
    /**
     * RFC 9496 §4.3.4 element derivation for each 64-byte string of `uniform` (n×64 bytes): the map
     * inside hash_to_ristretto255 (RFC 9380 App. B), after expand_message_xmd; n×32 bytes.
     */
    fromUniformBytesMany(uniform: Uint8Array): Uint8Array;
    /**
     * Whether every Ed25519 triple verifies under fe/ed25519's rule (key canonical, torsion-free,
     * not small-order; R canonical and torsion-free; S < ℓ; cofactorless equation), by one
     * ed25519-dalek batch equation plus per-item encoding and torsion checks. `publicKeys` n×32
     * bytes, `messages` the n messages concatenated, `messageLengths` their lengths, `signatures`
     * n×64 bytes. `false` says only that some triple fails: check them one by one to find it.
     * Throws for inconsistent lengths or more than 65,536 triples.
     */
    ed25519VerifyBatch(
        publicKeys: Uint8Array,
        messages: Uint8Array,
        messageLengths: Uint32Array,
        signatures: Uint8Array,
    ): boolean;
    /** Version of the addon and of its curve backend. */
    version(): string;
}

/** File name of the built addon, in the `native/` folder at the package root. */
export const NATIVE_ADDON_FILE = 'femeter_native.node';

/** Largest `count` accepted by {@link NativeRistretto.stepKeys} (the addon enforces the same). */
export const MAX_STEP_KEYS = 2 ** 27;

/** The functions a usable addon must export (a stale or foreign build is refused). */
const REQUIRED = [
    'decodeCheck',
    'add',
    'sub',
    'mul',
    'mulBase',
    'mulBaseMany',
    'mulMany',
    'msmVartime',
    'addMany',
    'stepKeys',
    'fromUniformBytesMany',
    'ed25519VerifyBatch',
    'version',
] as const;

type RawAddon = Record<(typeof REQUIRED)[number], (...args: unknown[]) => unknown>;

interface NodeModuleApi {
    createRequire(path: string | URL): (id: string) => unknown;
}
interface NodeFsApi {
    existsSync(path: string | URL): boolean;
}
interface NodeUrlApi {
    fileURLToPath(url: URL): string;
}

let cached:
    | { addon: NativeRistretto | undefined; path: string | undefined; error: Error | undefined }
    | undefined;

/** The parts of a host's `process` read here; any of them may be missing outside Node.js. */
interface HostProcess {
    versions?: { node?: string };
    env?: Record<string, string | undefined>;
    getBuiltinModule?: (id: string) => unknown;
}

/** `process` of Node.js, or undefined on other platforms (browsers, workers without it). */
function nodeProcess(): HostProcess | undefined {
    const p = (globalThis as { process?: HostProcess }).process;
    return p !== undefined && typeof p.versions?.node === 'string' ? p : undefined;
}

function disabledByEnv(): boolean {
    return nodeProcess()?.env?.FEMETER_NO_NATIVE === '1';
}

/**
 * Absolute path where the addon is expected (`<package root>/native/femeter_native.node`, or
 * `$FEMETER_NATIVE_ADDON` when set), or undefined when not running on Node.js. The package root is the nearest folder above this module
 * holding a `package.json` (this file runs from `src/fe/` or `dist/src/fe/`).
 */
export function nativeAddonPath(): string | undefined {
    const proc = nodeProcess();
    const override = proc?.env?.FEMETER_NATIVE_ADDON;
    if (override !== undefined && override !== '') return override;
    const fs = proc?.getBuiltinModule?.('node:fs') as NodeFsApi | undefined;
    const url = proc?.getBuiltinModule?.('node:url') as NodeUrlApi | undefined;
    if (fs === undefined || url === undefined) return undefined;
    let dir = new URL('./', import.meta.url);
    for (let i = 0; i < 8; i++) {
        if (fs.existsSync(new URL('package.json', dir))) {
            return url.fileURLToPath(new URL(`native/${NATIVE_ADDON_FILE}`, dir));
        }
        const parent = new URL('../', dir);
        if (parent.href === dir.href) break;
        dir = parent;
    }
    return undefined;
}

function fail(fn: string, message: string): never {
    throw new TypeError(`femeter-native ${fn}: ${message}`);
}

function bytesArg(fn: string, name: string, v: unknown): Uint8Array {
    if (!(v instanceof Uint8Array)) fail(fn, `${name} must be a Uint8Array`);
    return v;
}

/** Returns a plain Uint8Array view of the addon's result (never a Buffer). */
function bytesOut(v: unknown): Uint8Array {
    if (!(v instanceof Uint8Array))
        throw new Error('femeter-native: addon returned a non-Uint8Array value');
    return Object.getPrototypeOf(v) === Uint8Array.prototype
        ? v
        : new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
}

/** Type-checks the arguments in JS (clear errors) and types the raw addon. */
function wrap(raw: RawAddon): NativeRistretto {
    const b = bytesArg;
    return Object.freeze({
        decodeCheck: (points: Uint8Array): number =>
            raw.decodeCheck(b('decodeCheck', 'points', points)) as number,
        add: (x: Uint8Array, y: Uint8Array): Uint8Array =>
            bytesOut(raw.add(b('add', 'a', x), b('add', 'b', y))),
        sub: (x: Uint8Array, y: Uint8Array): Uint8Array =>
            bytesOut(raw.sub(b('sub', 'a', x), b('sub', 'b', y))),
        mul: (point: Uint8Array, scalar: Uint8Array): Uint8Array =>
            bytesOut(raw.mul(b('mul', 'point', point), b('mul', 'scalar', scalar))),
        mulBase: (scalar: Uint8Array): Uint8Array =>
            bytesOut(raw.mulBase(b('mulBase', 'scalar', scalar))),
        ...(typeof (raw as Record<string, unknown>).addMulBase === 'function'
            ? {
                  addMulBase: (point: Uint8Array, scalar: Uint8Array): Uint8Array =>
                      bytesOut(
                          (raw as Record<string, (...args: unknown[]) => unknown>).addMulBase!(
                              b('addMulBase', 'point', point),
                              b('addMulBase', 'scalar', scalar),
                          ),
                      ),
              }
            : {}),
        mulBaseMany: (scalars: Uint8Array): Uint8Array =>
            bytesOut(raw.mulBaseMany(b('mulBaseMany', 'scalars', scalars))),
        mulMany: (points: Uint8Array, scalar: Uint8Array): Uint8Array =>
            bytesOut(raw.mulMany(b('mulMany', 'points', points), b('mulMany', 'scalar', scalar))),
        msmVartime: (points: Uint8Array, scalars: Uint8Array): Uint8Array =>
            bytesOut(
                raw.msmVartime(
                    b('msmVartime', 'points', points),
                    b('msmVartime', 'scalars', scalars),
                ),
            ),
        addMany: (points: Uint8Array): Uint8Array =>
            bytesOut(raw.addMany(b('addMany', 'points', points))),
        stepKeys: (start: Uint8Array, step: Uint8Array, count: number): Uint8Array => {
            if (
                typeof count !== 'number' ||
                !Number.isInteger(count) ||
                count < 0 ||
                count > MAX_STEP_KEYS
            ) {
                fail(
                    'stepKeys',
                    `count must be an integer in [0, ${MAX_STEP_KEYS}], got ${String(count)}`,
                );
            }
            return bytesOut(
                raw.stepKeys(b('stepKeys', 'start', start), b('stepKeys', 'step', step), count),
            );
        },
        fromUniformBytesMany: (uniform: Uint8Array): Uint8Array =>
            bytesOut(raw.fromUniformBytesMany(b('fromUniformBytesMany', 'bytes', uniform))),
        ed25519VerifyBatch: (
            publicKeys: Uint8Array,
            messages: Uint8Array,
            messageLengths: Uint32Array,
            signatures: Uint8Array,
        ): boolean => {
            if (!(messageLengths instanceof Uint32Array))
                fail('ed25519VerifyBatch', 'messageLengths must be a Uint32Array');
            return raw.ed25519VerifyBatch(
                b('ed25519VerifyBatch', 'publicKeys', publicKeys),
                b('ed25519VerifyBatch', 'messages', messages),
                messageLengths,
                b('ed25519VerifyBatch', 'signatures', signatures),
            ) as boolean;
        },
        version: (): string => raw.version() as string,
    });
}

function load(): NonNullable<typeof cached> {
    const path = nativeAddonPath();
    const proc = nodeProcess();
    const mod = proc?.getBuiltinModule?.('node:module') as NodeModuleApi | undefined;
    const fs = proc?.getBuiltinModule?.('node:fs') as NodeFsApi | undefined;
    if (path === undefined || mod === undefined || !fs?.existsSync(path)) {
        return { addon: undefined, path, error: undefined };
    }
    try {
        const raw = mod.createRequire(import.meta.url)(path) as Partial<RawAddon> | null;
        const missing = REQUIRED.filter((k) => typeof raw?.[k] !== 'function');
        if (raw == null || missing.length > 0) {
            throw new Error(
                `${path} lacks ${missing.join(', ')}: rebuild it with scripts/build-native`,
            );
        }
        return { addon: wrap(raw as RawAddon), path, error: undefined };
    } catch (e) {
        const error = e instanceof Error ? e : new Error(String(e));
        return { addon: undefined, path, error };
    }
}

/**
 * The native accelerator, loaded lazily on first call and cached; `undefined` (never a throw) when
 * `FEMETER_NO_NATIVE=1` is set, when not running on Node.js, when the addon was not built, or when it
 * fails to load (see {@link nativeLoadError}).
 */
export function loadNative(): NativeRistretto | undefined {
    if (disabledByEnv()) return undefined;
    cached ??= load();
    return cached.addon;
}

/**
 * Why an existing addon file could not be used (a load error or a stale build), or undefined when it
 * loaded, was not found, or has not been looked for yet.
 */
export function nativeLoadError(): Error | undefined {
    return cached?.error;
}
