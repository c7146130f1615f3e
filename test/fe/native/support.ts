// SPDX-License-Identifier: Apache-2.0
/**
 * Shared setup of the native-addon suites: getting the addon (or skipping when it is not built),
 * the @noble/curves reference, RFC 9496 vectors and byte helpers.
 */
import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import type { TestContext } from 'node:test';
import { ristretto255 } from '@noble/curves/ed25519.js';
import {
    loadNative,
    nativeAddonPath,
    nativeLoadError,
    type NativeRistretto,
} from '../../../src/fe/native.js';

export const Point: typeof ristretto255.Point = ristretto255.Point;
export type NoblePoint = InstanceType<typeof Point>;
export const Fn: typeof ristretto255.Point.Fn = ristretto255.Point.Fn;
/** The group order ℓ. */
export const L = Fn.ORDER;

/**
 * The addon for a test, or undefined after `t.skip(...)` when it has not been built (a failure
 * instead when `FEMETER_REQUIRE_NATIVE=1`, as CI should set). An addon file that exists but does
 * not load fails the test. `FEMETER_NO_NATIVE` is ignored here: these suites
 * test the addon itself.
 */
export function nativeOrSkip(t: TestContext): NativeRistretto | undefined {
    const path = nativeAddonPath();
    if (path === undefined || !existsSync(path)) {
        if (process.env.FEMETER_REQUIRE_NATIVE === '1') {
            throw new Error(
                `FEMETER_REQUIRE_NATIVE=1 but the native addon is not built (${path ?? 'native/femeter_native.node'}): run scripts/build-native`,
            );
        }
        t.skip(
            `native addon not built (${path ?? 'native/femeter_native.node'} missing): run scripts/build-native`,
        );
        return undefined;
    }
    const saved = process.env.FEMETER_NO_NATIVE;
    delete process.env.FEMETER_NO_NATIVE;
    try {
        const n = loadNative();
        if (n === undefined) {
            throw new Error(
                `native addon at ${path} exists but did not load: ${nativeLoadError()?.message ?? 'unknown error'}`,
            );
        }
        return n;
    } finally {
        if (saved !== undefined) process.env.FEMETER_NO_NATIVE = saved;
    }
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, 'hex'));

/** Concatenates 32-byte (or any) chunks into one plain Uint8Array. */
export function concat(parts: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
        out.set(p, o);
        o += p.length;
    }
    return out;
}

/** Splits into `size`-byte chunks. */
export function split(bytes: Uint8Array, size = 32): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let o = 0; o < bytes.length; o += size) out.push(bytes.slice(o, o + size));
    return out;
}

/** Canonical 32-byte little-endian encoding of a scalar in [0, ℓ). */
export const scalarBytes = (k: bigint): Uint8Array => Fn.toBytes(Fn.create(k));

/** Raw 32-byte little-endian encoding of any integer in [0, 2^256) (may be non-canonical). */
export function rawLE(k: bigint): Uint8Array {
    const out = new Uint8Array(32);
    let v = k;
    for (let i = 0; i < 32; i++) {
        out[i] = Number(v & 0xffn);
        v >>= 8n;
    }
    return out;
}

/** A uniformly random scalar in [0, ℓ). */
export function randomScalar(): bigint {
    let v = 0n;
    for (const b of randomBytes(64)) v = (v << 8n) | BigInt(b);
    return v % L;
}

/** A random scalar below 2^bits. */
export function randomSmallScalar(bits: number): bigint {
    let v = 0n;
    for (const b of randomBytes(Math.ceil(bits / 8))) v = (v << 8n) | BigInt(b);
    return v & ((1n << BigInt(bits)) - 1n);
}

/** k·P with noble, allowing k = 0 (noble's constant-time multiply refuses it). */
export const nobleMul = (p: NoblePoint, k: bigint): NoblePoint =>
    Fn.create(k) === 0n ? Point.ZERO : p.multiply(Fn.create(k));

/** A random group element (noble). */
export const randomPoint = (): NoblePoint => nobleMul(Point.BASE, randomScalar());

/** RFC 9496 §A.1: encodings of 0·B … 15·B. */
export const RFC_MULTIPLES = [
    '0000000000000000000000000000000000000000000000000000000000000000',
    'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76',
    '6a493210f7499cd17fecb510ae0cea23a110e8d5b901f8acadd3095c73a3b919',
    '94741f5d5d52755ece4f23f044ee27d5d1ea1e2bd196b462166b16152a9d0259',
    'da80862773358b466ffadfe0b3293ab3d9fd53c5ea6c955358f568322daf6a57',
    'e882b131016b52c1d3337080187cf768423efccbb517bb495ab812c4160ff44e',
    'f64746d3c92b13050ed8d80236a7f0007c3b3f962f5ba793d19a601ebb1df403',
    '44f53520926ec81fbd5a387845beb7df85a96a24ece18738bdcfa6a7822a176d',
    '903293d8f2287ebe10e2374dc1a53e0bc887e592699f02d077d5263cdd55601c',
    '02622ace8f7303a31cafc63f8fc48fdc16e1c8c8d234b2f0d6685282a9076031',
    '20706fd788b2720a1ed2a5dad4952b01f413bcf0e7564de8cdc816689e2db95f',
    'bce83f8ba5dd2fa572864c24ba1810f9522bc6004afe95877ac73241cafdab42',
    'e4549ee16b9aa03099ca208c67adafcafa4c3f3e4e5303de6026e3ca8ff84460',
    'aa52e000df2e16f55fb1032fc33bc42742dad6bd5a8fc0be0167436c5948501f',
    '46376b80f409b29dc2b5f6f0c52591990896e5716f41477cd30085ab7f10301e',
    'e0c418f7c8d9c4cdd7395b93ea124f3ad99021bb681dfc3302a9d99a2e53e64e',
];

/** RFC 9496 §A.2: encodings every decoder must reject, by reason; plus a high-bit case. */
export const RFC_BAD: Record<string, string[]> = {
    'non-canonical field encoding (s >= p)': [
        '00ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff',
        'ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        'f3ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
    ],
    'negative field element (odd s)': [
        '0100000000000000000000000000000000000000000000000000000000000000',
        '01ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        'ed57ffd8c914fb201471d1c3d245ce3c746fcbe63a3679d51b6a516ebebe0e20',
        'c34c4e1826e5d403b78e246e88aa051c36ccf0aafebffe137d148a2bf9104562',
        'c940e5a4404157cfb1628b108db051a8d439e1a421394ec4ebccb9ec92a8ac78',
        '47cfc5497c53dc8e61c91d17fd626ffb1c49e2bca94eed052281b510b1117a24',
        'f1c6165d33367351b0da8f6e4511010c68174a03b6581212c71c0e1d026c3c72',
        '87260f7a2f12495118360f02c26a470f450dadf34a413d21042b43b9d93e1309',
    ],
    'non-square x^2': [
        '26948d35ca62e643e26a83177332e6b6afeb9d08e4268b650f1f5bbd8d81d371',
        '4eac077a713c57b4f4397629a4145982c661f48044dd3f96427d40b147d9742f',
        'de6a7b00deadc788eb6b6c8d20c0ae96c2f2019078fa604fee5b87d6e989ad7b',
        'bcab477be20861e01e4a0e295284146a510150d9817763caf1a6f4b422d67042',
        '2a292df7e32cababbd9de088d1d1abec9fc0440f637ed2fba145094dc14bea08',
        'f4a9e534fc0d216c44b218fa0c42d99635a0127ee2e53c712f70609649fdff22',
        '8268436f8c4126196cf64b3c7ddbda90746a378625f9813dd9b8457077256731',
        '2810e5cbc2cc4d4eece54f61c6f69758e289aa7ab440b3cbeaa21995c2f4232b',
    ],
    'negative x*y': [
        '3eb858e78f5a7254d8c9731174a94f76755fd3941c0ac93735c07ba14579630e',
        'a45fdc55c76448c049a1ab33f17023edfb2be3581e9c7aade8a6125215e04220',
        'd483fe813c6ba647ebbfd3ec41adca1c6130c2beeee9d9bf065c8d151c5f396e',
        '8a2e1d30050198c65a54483123960ccc38aef6848e1ec8f5f780e8523769ba32',
        '32888462f8b486c68ad7dd9610be5192bbeaf3b443951ac1a8118419d9fa097b',
        '227142501b9d4355ccba290404bde41575b037693cef1f438c47f8fbf35d1165',
        '5c37cc491da847cfeb9281d407efc41e15144c876e0170b499a96a22ed31e01e',
        '445425117cb8c90edcbc7c1cc0e74f747f2c1efa5630a967c64f287792a48a4b',
    ],
    's = -1 (y = 0)': ['ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f'],
    'high bit set': [
        '0000000000000000000000000000000000000000000000000000000000000080',
        'e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2df6',
    ],
};

/** Every bad encoding of {@link RFC_BAD}, flattened. */
export const ALL_BAD: Uint8Array[] = Object.values(RFC_BAD).flat().map(unhex);
