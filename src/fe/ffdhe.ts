// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/ffdhe
 * The RFC 7919 finite-field groups ffdhe2048/3072/4096 behind the {@link Group} interface: the
 * subgroup of quadratic residues mod the safe prime p, of prime order q = (p − 1)/2, generator g = 2.
 * Written additively like every femeter group: "a + b" is a·b mod p, "k·P" is P^k mod p, the
 * identity is 1. Elements encode as fixed-length big-endian integers (length of p), scalars as
 * fixed-length big-endian integers (length of q).
 *
 * These groups exist to compare with the finite-field setting of CiFEr/GoFE and of the seed paper
 * (figures against modulus size); ristretto255 is the default. ffdhe2048 gives only ~100-bit
 * security, ffdhe3072 ~128.
 *
 * Exponentiation: measured on the project machine, OpenSSL's constant-time Montgomery ladder through
 * node:crypto's DiffieHellman (setPrivateKey(k), computeSecret(P) = P^k mod p) is ~8× faster than
 * BigInt square-and-multiply (2048-bit: 1.6 ms vs 13.8 ms), so it is used whenever node:crypto is
 * present; the BigInt path remains for browsers and as the benchmark baseline.
 */
import { bytesToNumberBE, numberToBytesBE } from '@noble/curves/utils.js';
import { DecodeError, RangeCheckError } from './errors.js';
import { FFDHE2048_P, FFDHE3072_P, FFDHE4096_P } from './ffdhe-primes.js';
import type { DecodeOptions, Group, GroupName } from './group.js';
import { mod, signedScalar } from './group.js';

/** An element of an ffdhe group: an integer in [1, p) that is a quadratic residue mod p. */
export class FfElement {
    /** @internal */
    constructor(readonly value: bigint) {}
}

/** Minimal slice of node:crypto's DiffieHellman used for modular exponentiation. */
interface DhLike {
    setPrivateKey(k: Uint8Array): void;
    computeSecret(pub: Uint8Array): Uint8Array;
}

/** node:crypto without a static import, so this module also loads in browsers. */
function nodeCrypto():
    { createDiffieHellman(prime: Uint8Array, gen: Uint8Array): DhLike } | undefined {
    const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } })
        .process;
    return proc?.getBuiltinModule?.('node:crypto') as ReturnType<typeof nodeCrypto>;
}

/** BigInt square-and-multiply, variable-time: the portable fallback and the benchmark baseline. */
export function modPowBigInt(base: bigint, exp: bigint, p: bigint): bigint {
    let result = 1n;
    let b = base % p;
    let e = exp;
    while (e > 0n) {
        if (e & 1n) result = (result * b) % p;
        b = (b * b) % p;
        e >>= 1n;
    }
    return result;
}

/** Jacobi symbol (a/n) for odd n > 0: +1 for every quadratic residue mod a prime n. */
export function jacobi(a: bigint, n: bigint): number {
    let x = mod(a, n);
    let m = n;
    let t = 1;
    while (x !== 0n) {
        while ((x & 1n) === 0n) {
            x >>= 1n;
            const r = m & 7n;
            if (r === 3n || r === 5n) t = -t;
        }
        [x, m] = [m, x];
        if ((x & 3n) === 3n && (m & 3n) === 3n) t = -t;
        x %= m;
    }
    return m === 1n ? t : 0;
}

/** Bucket (Pippenger) product Π P_i^{k_i} for small non-negative exponents, BigInt mulmods only. */
function bucketProduct(ps: readonly bigint[], ks: readonly bigint[], p: bigint): bigint {
    if (ps.length === 0) return 1n;
    let maxBits = 1;
    for (const k of ks) maxBits = Math.max(maxBits, k.toString(2).length);
    const c = ps.length < 64 ? 4 : ps.length < 1024 ? 6 : 8;
    const windows = Math.ceil(maxBits / c);
    const mask = (1n << BigInt(c)) - 1n;
    let acc = 1n;
    for (let w = windows - 1; w >= 0; w--) {
        for (let s = 0; s < c; s++) acc = (acc * acc) % p;
        const buckets: bigint[] = new Array<bigint>(1 << c).fill(1n);
        const shift = BigInt(w * c);
        ps.forEach((P, i) => {
            const d = Number((ks[i]! >> shift) & mask);
            if (d !== 0) buckets[d] = (buckets[d]! * P) % p;
        });
        // Σ d·B_d as running sums: total = Π_d (Π_{e >= d} B_e)
        let running = 1n;
        let total = 1n;
        for (let d = buckets.length - 1; d >= 1; d--) {
            running = (running * buckets[d]!) % p;
            total = (total * running) % p;
        }
        acc = (acc * total) % p;
    }
    return acc;
}

/**
 * Build an ffdhe group. `exp` picks the exponentiation backend: 'auto' (node:crypto when present)
 * or 'bigint' (the pure baseline).
 */
export function makeFfdhe(
    name: 'ffdhe2048' | 'ffdhe3072' | 'ffdhe4096',
    exp: 'auto' | 'bigint' = 'auto',
): Group<FfElement> {
    const hex =
        name === 'ffdhe2048' ? FFDHE2048_P : name === 'ffdhe3072' ? FFDHE3072_P : FFDHE4096_P;
    const p = BigInt('0x' + hex);
    const q = (p - 1n) / 2n;
    const pLen = hex.length / 2;
    const qLen = Math.ceil(q.toString(2).length / 8);
    const wideBytes = Math.ceil((q.toString(2).length + 128) / 8);
    const nc = exp === 'auto' ? nodeCrypto() : undefined;
    const dh = nc?.createDiffieHellman(numberToBytesBE(p, pLen), Uint8Array.of(2));

    const checkScalar = (k: bigint): void => {
        if (typeof k !== 'bigint' || k < 0n || k >= q)
            throw new RangeCheckError(`${name}: scalar must be in [0, q)`);
    };
    /** base^k mod p; constant-time in k on the OpenSSL path. */
    const pow = (base: bigint, k: bigint): bigint => {
        if (k === 0n || base === 1n) return 1n;
        if (dh === undefined) return modPowBigInt(base, k, p);
        dh.setPrivateKey(numberToBytesBE(k, pLen));
        return bytesToNumberBE(dh.computeSecret(numberToBytesBE(base, pLen)));
    };
    const el = (v: bigint): FfElement => new FfElement(v);
    const generator = el(2n);
    const identity = el(1n);

    const decodeOne = (bytes: Uint8Array, field: string, opts?: DecodeOptions): FfElement => {
        if (!(bytes instanceof Uint8Array)) throw new DecodeError(field, 'expected Uint8Array');
        if (bytes.length !== pLen)
            throw new DecodeError(field, `expected ${pLen} bytes, got ${bytes.length}`);
        const v = bytesToNumberBE(bytes);
        if (v === 0n || v >= p) throw new DecodeError(field, `not an integer in [1, p) of ${name}`);
        if (v === 1n && !opts?.allowIdentity)
            throw new DecodeError(field, 'identity element not allowed');
        if (jacobi(v, p) !== 1)
            throw new DecodeError(
                field,
                `not in the prime-order subgroup of ${name} (not a quadratic residue)`,
            );
        return el(v);
    };

    const g: Group<FfElement> = {
        name: name satisfies GroupName,
        order: q,
        elementBytes: pLen,
        scalarBytes: qLen,
        wideBytes,
        generator,
        identity,
        add: (a, b) => el((a.value * b.value) % p),
        sub: (a, b) => el((a.value * pow(b.value, q - 1n)) % p),
        neg: (a) => el(pow(a.value, q - 1n)),
        mulBase: (k) => (checkScalar(k), el(pow(2n, k))),
        addMulBase: (p, k) => g.add(p, g.mulBase(k)),
        mul: (P, k) => (checkScalar(k), el(pow(P.value, k))),
        mulBaseMany: (ks) => ks.map((k) => (checkScalar(k), el(pow(2n, k)))),
        mulMany: (ps, k) => (checkScalar(k), ps.map((P) => el(pow(P.value, k)))),
        msmVartime: (ps, ks) => {
            if (ps.length !== ks.length)
                throw new RangeCheckError(`msm: ${ps.length} points but ${ks.length} scalars`);
            // Small signed exponents (weights) go to the bucket method; large ones to exponentiation.
            const posP: bigint[] = [];
            const posK: bigint[] = [];
            const negP: bigint[] = [];
            const negK: bigint[] = [];
            let big = 1n;
            ks.forEach((k, i) => {
                checkScalar(k);
                const s = signedScalar(k, q);
                const P = ps[i]!.value;
                if (s >= 0n && s < 1n << 64n) {
                    posP.push(P);
                    posK.push(s);
                } else if (s < 0n && -s < 1n << 64n) {
                    negP.push(P);
                    negK.push(-s);
                } else big = (big * pow(P, k)) % p;
            });
            const pos = (bucketProduct(posP, posK, p) * big) % p;
            const neg = bucketProduct(negP, negK, p);
            return el(neg === 1n ? pos : (pos * pow(neg, q - 1n)) % p);
        },
        equals: (a, b) => a.value === b.value,
        isIdentity: (a) => a.value === 1n,
        encode: (a) => numberToBytesBE(a.value, pLen),
        decode: decodeOne,
        decodeMany: (bytes, n, field, opts) => {
            if (!(bytes instanceof Uint8Array)) throw new DecodeError(field, 'expected Uint8Array');
            if (bytes.length !== n * pLen)
                throw new DecodeError(field, `expected ${n * pLen} bytes, got ${bytes.length}`);
            const out: FfElement[] = [];
            for (let i = 0; i < n; i++)
                out.push(
                    decodeOne(bytes.subarray(i * pLen, (i + 1) * pLen), `${field}[${i}]`, opts),
                );
            return out;
        },
        encodeScalar: (k) => (checkScalar(k), numberToBytesBE(k, qLen)),
        decodeScalar: (bytes, field) => {
            if (!(bytes instanceof Uint8Array) || bytes.length !== qLen)
                throw new DecodeError(field, `expected ${qLen}-byte scalar`);
            const k = bytesToNumberBE(bytes);
            if (k >= q) throw new DecodeError(field, 'scalar not canonical (>= q)');
            return k;
        },
        scalarFromWide: (bytes) => {
            if (bytes.length !== wideBytes)
                throw new RangeCheckError(
                    `wide reduction needs ${wideBytes} bytes, got ${bytes.length}`,
                );
            return bytesToNumberBE(bytes) % q;
        },
        stepKeys: (start, step, count) => {
            if (!Number.isSafeInteger(count) || count < 0)
                throw new RangeCheckError('stepKeys: bad count');
            const out = new BigUint64Array(count);
            let x = start.value;
            const s = step.value;
            for (let j = 0; j < count; j++) {
                out[j] = BigInt.asUintN(64, x);
                x = (x * s) % p;
            }
            return out;
        },
    };
    return Object.freeze(g);
}

/** ffdhe2048 (RFC 7919 A.1). ~100-bit security: for comparison only. */
export const ffdhe2048 = makeFfdhe('ffdhe2048');
/** ffdhe3072 (RFC 7919 A.2). ~128-bit security. */
export const ffdhe3072 = makeFfdhe('ffdhe3072');
/** ffdhe4096 (RFC 7919 A.3). */
export const ffdhe4096 = makeFfdhe('ffdhe4096');
