// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/ristretto255
 * The ristretto255 prime-order group (RFC 9496) behind the {@link Group} interface: the default
 * group of femeter, q = 2^252 + 27742317777372353535851937790883648493, 32-byte canonical encodings,
 * ~126-bit security.
 *
 * Two backends, chosen once per process and cross-checked by the tests:
 * - `@noble/curves` (audited pure TypeScript): always available, also in browsers;
 * - the optional native accelerator ({@link ./native.ts}, curve25519-dalek through Node-API) when it
 *   was built, measured ~10–50× faster for decoding, multiplication and multi-scalar sums.
 * Both produce byte-identical encodings. Secret scalars (s_i, r, sk_y) only go through `mulBase`,
 * `mul`, `mulBaseMany` and `mulMany`, which are constant-time in both backends (noble's `multiply`
 * and dalek's `*`); everything named `Vartime` is for public data only.
 */
import { ristretto255 as noble } from '@noble/curves/ed25519.js';
import { pippenger } from '@noble/curves/abstract/curve.js';
import { bytesToNumberLE, numberToBytesLE } from '@noble/curves/utils.js';
import { DecodeError, RangeCheckError } from './errors.js';
import type { DecodeOptions, Group } from './group.js';
import { loadNative, type NativeRistretto } from './native.js';

type NoblePoint = InstanceType<typeof noble.Point>;
const Point = noble.Point;
const Q = Point.Fn.ORDER;
const LEN = 32;

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
    /** Decoded noble point (computed once). */
    get point(): NoblePoint {
        this.#point ??= Point.fromBytes(this.#bytes!);
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

/** Which backend a ristretto255 group instance uses. */
export type RistrettoBackend = 'native' | 'noble';

/**
 * Build a ristretto255 group on a backend. `'auto'` takes the native accelerator when it loads,
 * else noble.
 * @example
 * const G = makeRistretto255('noble');
 * const P = G.mulBase(5n); G.encode(P).length === 32;
 */
export function makeRistretto255(
    backend: RistrettoBackend | 'auto' = 'auto',
): Group<RistrettoElement> & { readonly backend: RistrettoBackend } {
    const nat: NativeRistretto | undefined = backend === 'noble' ? undefined : loadNative();
    if (backend === 'native' && nat === undefined) {
        throw new RangeCheckError(
            'native ristretto255 backend requested but not built: run scripts/build-native',
        );
    }
    const wrapB = (b: Uint8Array): RistrettoElement => new RistrettoElement(b, undefined);
    const wrapP = (p: NoblePoint): RistrettoElement => new RistrettoElement(undefined, p);
    const generator = new RistrettoElement(Point.BASE.toBytes(), Point.BASE);
    const identity = new RistrettoElement(Point.ZERO.toBytes(), Point.ZERO);
    const isZeroBytes = (b: Uint8Array): boolean => b.every((x) => x === 0);

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
        if (nat) {
            if (nat.decodeCheck(bytes) !== -1)
                throw new DecodeError(field, 'not a canonical ristretto255 encoding');
            return wrapB(bytes.slice());
        }
        let p: NoblePoint;
        try {
            p = Point.fromBytes(bytes);
        } catch {
            throw new DecodeError(field, 'not a canonical ristretto255 encoding');
        }
        return new RistrettoElement(bytes.slice(), p);
    };

    const g: Group<RistrettoElement> & { readonly backend: RistrettoBackend } = {
        name: 'ristretto255',
        backend: nat ? 'native' : 'noble',
        order: Q,
        elementBytes: LEN,
        scalarBytes: LEN,
        wideBytes: 64,
        generator,
        identity,
        add: (a, b) => (nat ? wrapB(nat.add(a.bytes, b.bytes)) : wrapP(a.point.add(b.point))),
        sub: (a, b) => (nat ? wrapB(nat.sub(a.bytes, b.bytes)) : wrapP(a.point.subtract(b.point))),
        neg: (a) => (nat ? wrapB(nat.sub(identity.bytes, a.bytes)) : wrapP(a.point.negate())),
        mulBase: (k) => {
            const s = scalarLE(k);
            if (nat) return wrapB(nat.mulBase(s));
            return k === 0n ? identity : wrapP(Point.BASE.multiply(k));
        },
        mul: (p, k) => {
            const s = scalarLE(k);
            if (nat) return wrapB(nat.mul(p.bytes, s));
            return k === 0n ? identity : wrapP(p.point.multiply(k));
        },
        mulBaseMany: (ks) => {
            if (nat) return split32(nat.mulBaseMany(concat32(ks.map((k) => scalarLE(k)))));
            return ks.map(
                (k) => (scalarLE(k), k === 0n ? identity : wrapP(Point.BASE.multiply(k))),
            );
        },
        mulMany: (ps, k) => {
            const s = scalarLE(k);
            if (nat) return split32(nat.mulMany(concat32(ps.map((p) => p.bytes)), s));
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
            // Small negative weights arrive as q - |y|: negate the point instead of multiplying by a 253-bit scalar.
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
            return wrapP(pippenger(Point, pts, sc));
        },
        equals: (a, b) => (nat ? bytesEq(a.bytes, b.bytes) : a.point.equals(b.point)),
        isIdentity: (a) => (nat ? isZeroBytes(a.bytes) : a.point.is0()),
        encode: (a) => a.bytes.slice(),
        decode: decodeOne,
        decodeMany: (bytes, n, field, opts) => {
            if (!(bytes instanceof Uint8Array)) throw new DecodeError(field, 'expected Uint8Array');
            if (bytes.length !== n * LEN)
                throw new DecodeError(field, `expected ${n * LEN} bytes, got ${bytes.length}`);
            if (nat) {
                const bad = nat.decodeCheck(bytes);
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
            if (nat && count <= 8) {
                // a few steps: cheaper as single additions than one batched native call
                const out = new BigUint64Array(count);
                let b = start.bytes;
                for (let j = 0; j < count; j++) {
                    out[j] = new DataView(b.buffer, b.byteOffset, 8).getBigUint64(0, true);
                    if (j + 1 < count) b = nat.add(b, step.bytes);
                }
                return out;
            }
            if (nat) {
                const raw = nat.stepKeys(start.bytes, step.bytes, count);
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

/** The default ristretto255 group (native backend when built, else noble). */
export const ristretto255 = makeRistretto255('auto');
