// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/backends
 * Which implementation carries the ristretto255 group in this process, chosen once when femeter's
 * fe layer is first imported. Order (first available wins), by measured speed (`npm run bench:fe`):
 *
 * 1. `native` — the Rust accelerator (curve25519-dalek through Node-API, {@link ./native.ts}); only
 *    when `npm run build:native` found a Rust toolchain; fastest everywhere.
 * 2. `wasm` — libsodium compiled to WebAssembly ({@link ./wasm.ts}); needs no compiler, also runs in
 *    browsers; ~3× slower than native, several times faster than noble for decoding and scalar
 *    multiplication. Multi-scalar sums stay on noble's Pippenger, which beats per-term libsodium
 *    multiplications (libsodium has no multi-scalar function).
 * 3. `noble` — `@noble/curves`, audited pure TypeScript: the reference, always available.
 *
 * `FEMETER_FE_BACKEND=native|wasm|noble` puts one backend first (`auto` or unset: the order above);
 * `FEMETER_NO_NATIVE=1` skips the native one. A backend that is requested but unavailable, or a
 * native library that exists but does not load (corrupt, stale, wrong platform), yields a process
 * warning and the next backend — never a crash. A native library that was simply not built is the
 * normal case on a machine without Rust and is reported by {@link backendChoice}, not warned about.
 */
import { loadNative, nativeAddonPath, nativeLoadError } from './native.js';
import { loadWasm, wasmBackend, wasmLoadError } from './wasm.js';

/** The implementations of ristretto255. */
export type RistrettoBackend = 'native' | 'wasm' | 'noble';

/** Default selection order, fastest first. */
export const BACKEND_ORDER: readonly RistrettoBackend[] = Object.freeze([
    'native',
    'wasm',
    'noble',
]);

/** The outcome of the selection: the backend in use and why the ones before it were passed over. */
export interface BackendChoice {
    readonly backend: RistrettoBackend;
    /** `FEMETER_FE_BACKEND` when set to a backend name. */
    readonly requested: RistrettoBackend | undefined;
    /** Backends tried before the chosen one, each with the reason it was not used. */
    readonly skipped: readonly { readonly backend: RistrettoBackend; readonly reason: string }[];
    /** Warnings emitted during the selection (also sent to `process.emitWarning`). */
    readonly warnings: readonly string[];
}

function env(name: string): string | undefined {
    const p = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process;
    return p?.env?.[name];
}

function warn(message: string): void {
    const p = (
        globalThis as {
            process?: { emitWarning?: (m: string, o: { type: string; code: string }) => void };
        }
    ).process;
    if (typeof p?.emitWarning === 'function')
        p.emitWarning(message, { type: 'FemeterWarning', code: 'FEMETER_FE_BACKEND' });
    else console.warn(`femeter: ${message}`);
}

async function select(): Promise<BackendChoice> {
    const raw = env('FEMETER_FE_BACKEND')?.trim().toLowerCase();
    const warnings: string[] = [];
    let requested: RistrettoBackend | undefined;
    if (raw !== undefined && raw !== '' && raw !== 'auto') {
        if ((BACKEND_ORDER as readonly string[]).includes(raw)) requested = raw as RistrettoBackend;
        else
            warnings.push(
                `FEMETER_FE_BACKEND=${raw} is not a backend (native, wasm, noble or auto); using the default order`,
            );
    }
    const order = requested
        ? [requested, ...BACKEND_ORDER.filter((b) => b !== requested)]
        : [...BACKEND_ORDER];
    const skipped: { backend: RistrettoBackend; reason: string }[] = [];
    let backend: RistrettoBackend = 'noble';
    for (const b of order) {
        let reason: string | undefined;
        if (b === 'native') {
            if (env('FEMETER_NO_NATIVE') === '1') reason = 'disabled by FEMETER_NO_NATIVE=1';
            else if (loadNative() === undefined) {
                const err = nativeLoadError();
                reason = err
                    ? `${nativeAddonPath() ?? 'native library'} failed to load: ${err.message}`
                    : 'not built (needs a Rust toolchain: npm run build:native)';
                if (err) warnings.push(`native ristretto255 accelerator unusable: ${reason}`);
            }
        } else if (b === 'wasm') {
            if ((await loadWasm()) === undefined) {
                reason = `libsodium WebAssembly unavailable: ${wasmLoadError()?.message ?? 'unknown error'}`;
                warnings.push(reason);
            }
        }
        if (reason === undefined) {
            backend = b;
            break;
        }
        skipped.push({ backend: b, reason });
        if (b === requested)
            warnings.push(`FEMETER_FE_BACKEND=${b} requested but unavailable (${reason})`);
    }
    if (skipped.length > 0 && warnings.length > 0)
        warnings.push(`ristretto255 uses the ${backend} backend`);
    if (warnings.length > 0) warn(warnings.join('; '));
    return Object.freeze({ backend, requested, skipped: Object.freeze(skipped), warnings });
}

let choice: BackendChoice | undefined;

/** Runs the selection once (loading what it needs) and returns its outcome. */
export async function initBackends(): Promise<BackendChoice> {
    choice ??= await select();
    return choice;
}

/**
 * The selection made when the fe layer was imported (`ristretto255` is built on it).
 * @example
 * backendChoice().backend; // 'native' | 'wasm' | 'noble'
 */
export function backendChoice(): BackendChoice {
    if (choice === undefined)
        throw new Error('fe/backends: backendChoice() before initBackends() resolved');
    return choice;
}

/** One line for humans: `ristretto255 backend: wasm [libsodium 1.0.22 (WebAssembly)]; native: not built …`. */
export function describeBackend(c: BackendChoice = backendChoice()): string {
    const impl =
        c.backend === 'native'
            ? loadNative()?.version()
            : c.backend === 'wasm'
              ? wasmBackend()?.version()
              : '@noble/curves, pure TypeScript';
    const why = c.skipped.map((s) => `; ${s.backend}: ${s.reason}`).join('');
    return `ristretto255 backend: ${c.backend} [${impl ?? '?'}]${why}`;
}

/**
 * log2 of the discrete-log table worth building on the selected backend. Its keys cost one addition
 * and one encoding each: 2^20 take ~1 s natively (batched encodings) but over a minute on wasm or
 * noble, where a 2^16 table (a few seconds once, then cached on disk) and |m|/2^16 giant steps per
 * bill are faster overall for femeter's bill sizes (|m| < 2^30).
 */
export function dlogTableLog2(c: BackendChoice = backendChoice()): number {
    return c.backend === 'native' ? 20 : 16;
}
