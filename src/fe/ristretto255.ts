// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/ristretto255
 * The ristretto255 prime-order group (RFC 9496) behind the {@link Group} interface: the default
 * group of femeter, q = 2^252 + 27742317777372353535851937790883648493, 32-byte canonical encodings,
 * ~126-bit security.
 *
 * Three backends, chosen once per process ({@link ./backends.ts}) and cross-checked by the tests:
 * - the optional native accelerator ({@link ./native.ts}, curve25519-dalek through Node-API) when it
 *   was built: fastest;
 * - libsodium compiled to WebAssembly ({@link ./wasm.ts}): no compiler needed, runs in browsers;
 *   decoding and scalar multiplications run in libsodium, multi-scalar sums on noble's Pippenger;
 * - `@noble/curves` (audited pure TypeScript): the reference, always available.
 * All produce byte-identical encodings. Secret scalars (s_i, r, sk_y) only go through `mulBase`,
 * `mul`, `mulBaseMany` and `mulMany`, which are constant-time in every backend (noble's `multiply`,
 * libsodium's `crypto_scalarmult_ristretto255*`, dalek's `*`); everything named `Vartime` is for
 * public data only.
 */
import { ristretto255 as noble } from '@noble/curves/ed25519.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { DecodeError, RangeCheckError } from './errors.js';
import type { DecodeOptions, Group } from './group.js';
import { backendChoice, initBackends, type RistrettoBackend } from './backends.js';
import { bucketMsm } from './msm.js';
import { loadNative, type NativeRistretto } from './native.js';
import { wasmBackend, wasmLoadError, type WasmRistretto } from './wasm.js';

export type { RistrettoBackend } from './backends.js';

type NoblePoint = InstanceType<typeof noble.Point>;
const Point = noble.Point;
const Q = Point.Fn.ORDER;
const LEN = 32;

/**
 * Recently decoded encodings → noble points. Decoding (a square root in pure JS) dominates
 * multi-scalar sums on the noble and wasm backends, and the same public points (an mpk, a meter's
 * ciphertexts) are summed by several verifiers in turn. Bounded: least recently used entries go
 * first (~25 MB when full). Keys are exact encodings that decoded, so a hit needs no re-validation.
 */
const DECODE_CACHE_MAX = 1 << 16;
const decodeCache = new Map<string, NoblePoint>();

function decodeCached(bytes: Uint8Array): NoblePoint {
    const key = String.fromCharCode(...bytes);
    let p = decodeCache.get(key);
    if (p !== undefined) {
        decodeCache.delete(key);
    } else {
        p = Point.fromBytes(bytes);
        if (decodeCache.size >= DECODE_CACHE_MAX)
            decodeCache.delete(decodeCache.keys().next().value!);
    }
    decodeCache.set(key, p);
    return p;
}

/** An immutable ristretto255 element; keeps whichever of (encoding, decoded point) it already has. */
export class RistrettoElement {
    #bytes: Uint8Array | undefined;
    #point: NoblePoint | undefined;
    /** @internal use the group's methods to create elements. */
    constructor(bytes: Uint8Array | undefined, point: NoblePoint | undefined) {
        this.#bytes = bytes;
        this.#point = point;
    }
    /** Canonical encoding (computed once). */
    get bytes(): Uint8Array {
        this.#bytes ??= this.#point!.toBytes();
        return this.#bytes;
    }
    /** @internal whether the encoding is at hand (no encoding step needed). */
    get hasBytes(): boolean {
        return this.#bytes !== undefined;
    }
    /** Decoded noble point (computed once). */
    get point(): NoblePoint {
        this.#point ??= decodeCached(this.#bytes!);
        return this.#point;
    }
}

function scalarLE(k: bigint, field = 'scalar'): Uint8Array {
    if (k < 0n || k >= Q)
        throw new RangeCheckError(
            `${field} must be in [0, q), got ${k < 0n ? 'negative' : '>= q'}`,
        );
    return numberToBytesLE(k, LEN);
}

function concat32(items: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(items.length * LEN);
    items.forEach((b, i) => {
        out.set(b, i * LEN);
    });
    return out;
}

function split32(all: Uint8Array): RistrettoElement[] {
    const out: RistrettoElement[] = [];
    for (let i = 0; i < all.length; i += LEN)
        out.push(new RistrettoElement(all.slice(i, i + LEN), undefined));
    return out;
}

/**
 * Build a ristretto255 group on a backend ({@link ./backends.ts}). `'auto'` takes the one selected
 * when the fe layer was imported (native, else wasm, else noble; `FEMETER_FE_BACKEND` overrides).
 * `'wasm'` needs {@link loadWasm} to have resolved first (importing the fe layer does it whenever
 * native is not selected).
 * @example
 * const G = makeRistretto255('noble');
 * const P = G.mulBase(5n); G.encode(P).length === 32;
 */
export function makeRistretto255(
    backend: RistrettoBackend | 'auto' = 'auto',
): Group<RistrettoElement> & { readonly backend: RistrettoBackend } {
    const which = backend === 'auto' ? backendChoice().backend : backend;
    const nat: NativeRistretto | undefined = which === 'native' ? loadNative() : undefined;
    if (which === 'native' && nat === undefined) {
        throw new RangeCheckError(
            'native ristretto255 backend requested but not built: run scripts/build-native',
        );
    }
    const wasm: WasmRistretto | undefined = which === 'wasm' ? wasmBackend() : undefined;
    if (which === 'wasm' && wasm === undefined) {
        throw new RangeCheckError(
            `wasm ristretto255 backend requested but not loaded: await loadWasm() first${wasmLoadError() ? ` (${wasmLoadError()!.message})` : ''}`,
        );
    }
    // The byte-level backend (native or wasm) for everything both offer.
    const byt: NativeRistretto | WasmRistretto | undefined = nat ?? wasm;
    const wrapB = (b: Uint8Array): RistrettoElement => new RistrettoElement(b, undefined);
    const wrapP = (p: NoblePoint): RistrettoElement => new RistrettoElement(undefined, p);
    const generator = new RistrettoElement(Point.BASE.toBytes(), Point.BASE);
    const identity = new RistrettoElement(Point.ZERO.toBytes(), Point.ZERO);
    const isZeroBytes = (b: Uint8Array): boolean => b.every((x) => x === 0);
    // wasm keeps elements as bytes while libsodium computes on them and switches to noble points
    // where noble is cheaper (multi-scalar sums and the additions that follow them).
    const useBytes = (a: RistrettoElement, b?: RistrettoElement): boolean =>
        nat !== undefined || (wasm !== undefined && a.hasBytes && (b === undefined || b.hasBytes));

    const decodeOne = (
        bytes: Uint8Array,
        field: string,
        opts?: DecodeOptions,
    ): RistrettoElement => {
        if (!(bytes instanceof Uint8Array)) throw new DecodeError(field, 'expected Uint8Array');
        if (bytes.length !== LEN)
            throw new DecodeError(field, `expected ${LEN} bytes, got ${bytes.length}`);
        if (isZeroBytes(bytes) && !opts?.allowIdentity)
            throw new DecodeError(field, 'identity element not allowed');
        if (byt) {
            if (byt.decodeCheck(bytes) !== -1)
                throw new DecodeError(field, 'not a canonical ristretto255 encoding');
            return wrapB(bytes.slice());
        }
        let p: NoblePoint;
        try {
            p = decodeCached(bytes);
        } catch {
            throw new DecodeError(field, 'not a canonical ristretto255 encoding');
        }
        return new RistrettoElement(bytes.slice(), p);
    };

    /** Bucket sum on noble points ({@link ./msm.ts}); weights above q/2 are small negatives: negate the point instead. */
    const nobleMsm = (ps: readonly RistrettoElement[], ks: readonly bigint[]): RistrettoElement => {
        const pts: NoblePoint[] = [];
        const sc: bigint[] = [];
        ks.forEach((k, i) => {
            scalarLE(k);
            const p = ps[i]!.point;
            if (k > Q >> 1n) {
                pts.push(p.negate());
                sc.push(Q - k);
            } else {
                pts.push(p);
                sc.push(k);
            }
        });
        if (pts.length === 1)
            return sc[0] === 0n ? identity : wrapP(pts[0]!.multiplyUnsafe(sc[0]!));
        return wrapP(bucketMsm(Point.ZERO, pts, sc));
    };

    const g: Group<RistrettoElement> & { readonly backend: RistrettoBackend } = {
        name: 'ristretto255',
        backend: which,
        order: Q,
        elementBytes: LEN,
        scalarBytes: LEN,
        wideBytes: 64,
        generator,
        identity,
        add: (a, b) =>
            byt && useBytes(a, b) ? wrapB(byt.add(a.bytes, b.bytes)) : wrapP(a.point.add(b.point)),
        sub: (a, b) =>
            byt && useBytes(a, b)
                ? wrapB(byt.sub(a.bytes, b.bytes))
                : wrapP(a.point.subtract(b.point)),
        neg: (a) =>
            byt && useBytes(a) ? wrapB(byt.sub(identity.bytes, a.bytes)) : wrapP(a.point.negate()),
        mulBase: (k) => {
            const s = scalarLE(k);
            if (byt) return wrapB(byt.mulBase(s));
            return k === 0n ? identity : wrapP(Point.BASE.multiply(k));
        },
        addMulBase: (p, k) => {
            if (nat?.addMulBase !== undefined) return wrapB(nat.addMulBase(p.bytes, scalarLE(k)));
            return g.add(p, g.mulBase(k));
        },
        mul: (p, k) => {
            const s = scalarLE(k);
            if (byt) return wrapB(byt.mul(p.bytes, s));
            return k === 0n ? identity : wrapP(p.point.multiply(k));
        },
        mulBaseMany: (ks) => {
            if (byt) return split32(byt.mulBaseMany(concat32(ks.map((k) => scalarLE(k)))));
            return ks.map(
                (k) => (scalarLE(k), k === 0n ? identity : wrapP(Point.BASE.multiply(k))),
            );
        },
        mulMany: (ps, k) => {
            const s = scalarLE(k);
            if (byt) return split32(byt.mulMany(concat32(ps.map((p) => p.bytes)), s));
            return ps.map((p) => (k === 0n ? identity : wrapP(p.point.multiply(k))));
        },
        msmVartime: (ps, ks) => {
            if (ps.length !== ks.length)
                throw new RangeCheckError(`msm: ${ps.length} points but ${ks.length} scalars`);
            if (ps.length === 0) return identity;
            if (nat)
                return wrapB(
                    nat.msmVartime(
                        concat32(ps.map((p) => p.bytes)),
                        concat32(ks.map((k) => scalarLE(k))),
                    ),
                );
            return nobleMsm(ps, ks);
        },
        equals: (a, b) =>
            (byt && useBytes(a, b)) || (a.hasBytes && b.hasBytes)
                ? bytesEq(a.bytes, b.bytes)
                : a.point.equals(b.point),
        isIdentity: (a) => (a.hasBytes ? isZeroBytes(a.bytes) : a.point.is0()),
        encode: (a) => a.bytes.slice(),
        decode: decodeOne,
        decodeMany: (bytes, n, field, opts) => {
            if (!(bytes instanceof Uint8Array)) throw new DecodeError(field, 'expected Uint8Array');
            if (bytes.length !== n * LEN)
                throw new DecodeError(field, `expected ${n * LEN} bytes, got ${bytes.length}`);
            if (byt) {
                const bad = byt.decodeCheck(bytes);
                if (bad !== -1)
                    throw new DecodeError(
                        `${field}[${bad}]`,
                        'not a canonical ristretto255 encoding',
                    );
                const out = split32(bytes);
                if (!opts?.allowIdentity) {
                    const z = out.findIndex((e) => isZeroBytes(e.bytes));
                    if (z !== -1)
                        throw new DecodeError(`${field}[${z}]`, 'identity element not allowed');
                }
                return out;
            }
            const out: RistrettoElement[] = [];
            for (let i = 0; i < n; i++)
                out.push(decodeOne(bytes.subarray(i * LEN, (i + 1) * LEN), `${field}[${i}]`, opts));
            return out;
        },
        encodeScalar: (k) => scalarLE(k),
        decodeScalar: (bytes, field) => {
            if (!(bytes instanceof Uint8Array) || bytes.length !== LEN) {
                throw new DecodeError(field, `expected ${LEN}-byte scalar`);
            }
            const k = bytesToNumberLE(bytes);
            if (k >= Q) throw new DecodeError(field, 'scalar not canonical (>= q)');
            return k;
        },
        scalarFromWide: (bytes) => {
            if (bytes.length !== 64)
                throw new RangeCheckError(`wide reduction needs 64 bytes, got ${bytes.length}`);
            return bytesToNumberLE(bytes) % Q;
        },
        stepKeys: (start, step, count) => {
            if (!Number.isSafeInteger(count) || count < 0)
                throw new RangeCheckError('stepKeys: bad count');
            if (byt && count <= 8) {
                // a few steps: cheaper as single additions than one batched native call
                const out = new BigUint64Array(count);
                let b = start.bytes;
                for (let j = 0; j < count; j++) {
                    out[j] = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
                    if (j + 1 < count) b = byt.add(b, step.bytes);
                }
                return out;
            }
            if (byt) {
                const raw = byt.stepKeys(start.bytes, step.bytes, count);
                return new BigUint64Array(
                    raw.buffer.slice(raw.byteOffset, raw.byteOffset + count * 8),
                );
            }
            const out = new BigUint64Array(count);
            let p = start.point;
            const s = step.point;
            for (let j = 0; j < count; j++) {
                const b = p.toBytes();
                out[j] = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
                p = p.add(s);
            }
            return out;
        },
    };
    return Object.freeze(g);
}

function bytesEq(a: Uint8Array, b: Uint8Array): boolean {
    if (a.length !== b.length) return false;
    let d = 0;
    for (let i = 0; i < a.length; i++) d |= a[i]! ^ b[i]!;
    return d === 0;
}

await initBackends();

/** The default ristretto255 group, on the backend selected at import ({@link backendChoice}). */
export const ristretto255 = makeRistretto255('auto');
