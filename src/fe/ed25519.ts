// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/ed25519
 * The one Ed25519 (RFC 8032) module of femeter: meter reading signatures (contract), transaction
 * and block signatures (embedded engine), and every registration that takes a public key. It sits
 * in `fe`, the bottom layer, because the contract, the ledger engines and the roles all verify
 * Ed25519 and each may import only from layers below it; like the rest of `fe` it has no static
 * `node:` import, so it runs in Fabric chaincode and in a browser.
 *
 * Public keys (checked at registration with {@link assertValidEd25519PublicKey}, and again,
 * cached, by every verification): 32 bytes, canonical encoding (y < p; x = 0 never with the sign
 * bit), a point of the curve, in the prime-order subgroup and not the identity. This refuses the
 * all-zero key, the eight small-order points and every key with a torsion component.
 *
 * Verification rule ({@link verifyEd25519}), the same for both backends: signature 64 bytes,
 * S < L (canonical), R canonically encoded and not one of the small-order points, A valid as
 * above, and the cofactorless equation [S]B = R + [k]A, k = SHA-512(R ‖ A ‖ M) mod L.
 * - `node` (default where present): OpenSSL through `node:crypto`, which checks the cofactorless
 *   equation by comparing the encoding of [S]B − [k]A with R (so a non-canonical R never passes).
 * - `noble`: `@noble/curves` `ed25519.verify` with `zip215: false` (canonical encodings, S < L,
 *   small-order A refused, cofactored equation) plus a check that R is torsion-free; with A and R
 *   in the prime-order subgroup the cofactored and cofactorless equations are equivalent.
 * So "R = small-order point, S = 0" is refused, and a signature accepted here is accepted by every
 * RFC 8032 verifier (strict, cofactored, ZIP-215, libsodium). Verification handles public data
 * (variable time is fine); signing uses each backend's constant-time path.
 */

import { ed25519 } from '@noble/curves/ed25519.js';
import { FeError } from './errors.js';
import { loadNative } from './native.js';

/** Which implementation runs Ed25519: OpenSSL through node:crypto, or pure-JS @noble/curves. */
export type Ed25519Backend = 'node' | 'noble';

/** Byte lengths of RFC 8032 Ed25519 values. */
export const ED25519_PUBLIC_KEY_BYTES = 32;
export const ED25519_SECRET_KEY_BYTES = 32;
export const ED25519_SIGNATURE_BYTES = 64;

/** A public key that is not a valid Ed25519 key: wrong length, non-canonical, off-curve, small or mixed order. */
export class Ed25519KeyError extends FeError {
    /** Which field held the key (e.g. `RegisterMeter.signingKey`). */
    readonly field: string;
    constructor(field: string, reason: string) {
        super(
            'FE_ED25519_KEY',
            `${field}: ${reason}; register the 32-byte public key of a freshly generated Ed25519 key pair`,
        );
        this.field = field;
    }
}

/** A signer bound to one secret key. */
export interface Ed25519Signer {
    readonly publicKey: Uint8Array;
    sign(message: Uint8Array): Uint8Array;
}

/** L, the order of the prime-order subgroup (RFC 8032 §5.1). */
const L = 2n ** 252n + 27742317777372353535851937790883648493n;
const L_BYTES = Uint8Array.from({ length: 32 }, (_, i) => Number((L >> BigInt(8 * i)) & 0xffn));
/** Canonical encodings of the eight points of order 1, 2, 4 and 8. */
const SMALL_ORDER_HEX: readonly string[] = Object.freeze([
    '0100000000000000000000000000000000000000000000000000000000000000', // identity
    'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2: (0, −1)
    '0000000000000000000000000000000000000000000000000000000000000000', // order 4: (+√−1, 0)
    '0000000000000000000000000000000000000000000000000000000000000080', // order 4: (−√−1, 0)
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a', // order 8
    'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa', // order 8
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
    '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85', // order 8
]);
const SMALL_ORDER = new Set(SMALL_ORDER_HEX);
/** The canonical encodings of the eight small-order points (RFC 8032 little-endian y, sign bit of x). */
export const ED25519_SMALL_ORDER_POINTS: readonly Uint8Array[] = Object.freeze(
    SMALL_ORDER_HEX.map((h) => hexBytes(h)),
);

interface NodeCrypto {
    createPublicKey(k: { key: Uint8Array; format: 'der'; type: 'spki' }): unknown;
    createPrivateKey(k: { key: Uint8Array; format: 'der'; type: 'pkcs8' }): unknown;
    verify(alg: null, data: Uint8Array, key: unknown, sig: Uint8Array): boolean;
    sign(alg: null, data: Uint8Array, key: unknown): Uint8Array;
}
const nodeCrypto = (
    globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }
).process?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
const DEFAULT_BACKEND: Ed25519Backend = nodeCrypto ? 'node' : 'noble';
/** DER prefixes wrapping a raw 32-byte key into SPKI / PKCS#8 for node:crypto (RFC 8410). */
const SPKI_PREFIX = hexBytes('302a300506032b6570032100');
const PKCS8_PREFIX = hexBytes('302e020100300506032b657004220420');
/** Cap on cached key verdicts: bounds memory against a flood of fresh keys. */
const KEY_CACHE_MAX = 65_536;

/** Why a key is invalid, or null; the node:crypto key object of a valid key (when node is present). */
interface KeyVerdict {
    readonly problem: string | null;
    readonly nodeKey: unknown;
}
const verdicts = new Map<string, KeyVerdict>();

/** The last key looked up (a batch of readings repeats one meter's key): skips the hex key. */
let lastKey: { readonly bytes: Uint8Array; readonly verdict: KeyVerdict } | undefined;

const sameBytes = (a: Uint8Array, b: Uint8Array): boolean => {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
};

function keyVerdict(publicKey: Uint8Array): KeyVerdict {
    if (lastKey !== undefined && sameBytes(lastKey.bytes, publicKey)) return lastKey.verdict;
    const verdict = keyVerdictOf(publicKey);
    lastKey = { bytes: publicKey.slice(), verdict };
    return verdict;
}

function keyVerdictOf(publicKey: Uint8Array): KeyVerdict {
    const id = bytesHex(publicKey);
    const cached = verdicts.get(id);
    if (cached !== undefined) return cached;
    const problem = keyProblem(publicKey, id);
    const verdict: KeyVerdict = {
        problem,
        nodeKey:
            problem === null && nodeCrypto
                ? nodeCrypto.createPublicKey({
                      key: concat(SPKI_PREFIX, publicKey),
                      format: 'der',
                      type: 'spki',
                  })
                : undefined,
    };
    if (verdicts.size >= KEY_CACHE_MAX) verdicts.clear();
    verdicts.set(id, verdict);
    return verdict;
}

function keyProblem(publicKey: Uint8Array, id: string): string | null {
    if (SMALL_ORDER.has(id)) return 'is a point of small order (a forged signature would verify)';
    if (!canonicalY(publicKey)) return 'is not a canonical encoding (y ≥ p)';
    let point;
    try {
        point = ed25519.Point.fromBytes(publicKey, false);
    } catch {
        return 'is not the encoding of a point on the curve';
    }
    if (point.isSmallOrder()) return 'is a point of small order (a forged signature would verify)';
    if (!point.isTorsionFree())
        return 'is not in the prime-order subgroup (it has a torsion component)';
    return null;
}

/** Whether 32 bytes are one of the eight small-order encodings (first byte filters before the set look-up). */
function isSmallOrderEncoding(b: Uint8Array): boolean {
    const b0 = b[0];
    if (b0 !== 0x01 && b0 !== 0xec && b0 !== 0x00 && b0 !== 0xc7 && b0 !== 0x26) return false;
    return SMALL_ORDER.has(bytesHex(b));
}

/** y (the low 255 bits, little-endian) < p = 2^255 − 19, without decoding. */
function canonicalY(b: Uint8Array): boolean {
    if (((b[31] ?? 0) & 0x7f) !== 0x7f) return true;
    for (let i = 30; i >= 1; i--) if (b[i] !== 0xff) return true;
    return (b[0] ?? 0) < 0xed;
}

/**
 * Whether `publicKey` is a valid Ed25519 public key (see the module notes). Never throws.
 * @example
 * isValidEd25519PublicKey(new Uint8Array(32)); // false: the all-zero key has order 4
 */
export function isValidEd25519PublicKey(publicKey: unknown): boolean {
    return (
        publicKey instanceof Uint8Array &&
        publicKey.length === ED25519_PUBLIC_KEY_BYTES &&
        keyVerdict(publicKey).problem === null
    );
}

/**
 * Refuses anything but a valid Ed25519 public key; call it wherever a key is registered.
 * @param publicKey - the candidate key bytes.
 * @param field - names the key in the error, e.g. `RegisterMeter.signingKey`.
 * @throws {Ed25519KeyError} for a wrong length, a non-canonical encoding, a non-point, a
 *   small-order point or a point with a torsion component.
 * @example
 * assertValidEd25519PublicKey(ed25519PublicKey(secret), 'RegisterMeter.signingKey');
 */
export function assertValidEd25519PublicKey(
    publicKey: unknown,
    field = 'publicKey',
): asserts publicKey is Uint8Array {
    if (!(publicKey instanceof Uint8Array) || publicKey.length !== ED25519_PUBLIC_KEY_BYTES) {
        throw new Ed25519KeyError(field, `expected ${ED25519_PUBLIC_KEY_BYTES} bytes`);
    }
    const { problem } = keyVerdict(publicKey);
    if (problem !== null) throw new Ed25519KeyError(field, `the key ${problem}`);
}

/**
 * Verifies an Ed25519 signature under the rule of the module notes. Never throws for hostile
 * input: returns false.
 * @param publicKey - 32-byte public key.
 * @param message - the signed bytes.
 * @param signature - 64 bytes R ‖ S.
 * @param backend - "node" (default where node:crypto exists) or "noble"; both accept the same signatures.
 * @example
 * verifyEd25519(signer.publicKey, payload, signer.sign(payload)); // true
 */
export function verifyEd25519(
    publicKey: Uint8Array,
    message: Uint8Array,
    signature: Uint8Array,
    backend: Ed25519Backend = DEFAULT_BACKEND,
): boolean {
    if (!cheapChecks({ publicKey, message, signature })) return false;
    const key = keyVerdict(publicKey);
    const r = signature.subarray(0, 32);
    try {
        if (backend === 'node' && nodeCrypto) {
            return nodeCrypto.verify(null, message, key.nodeKey, signature);
        }
        if (!ed25519.verify(signature, message, publicKey, { zip215: false })) return false;
        return ed25519.Point.fromBytes(r, false).isTorsionFree();
    } catch {
        return false;
    }
}

/** One signature to check: the public key, the signed bytes and the 64-byte signature. */
export interface Ed25519Triple {
    readonly publicKey: Uint8Array;
    readonly message: Uint8Array;
    readonly signature: Uint8Array;
}

/** Fewest triples for which {@link verifyEd25519Many} uses the batch equation. */
const BATCH_FROM = 4;

/**
 * Verifies many signatures; one boolean per triple, exactly {@link verifyEd25519}'s verdicts.
 * With the native accelerator (fe/native) and at least 4 triples that pass the cheap encoding
 * checks, they are checked together by ed25519-dalek's batch equation (plus every R's and key's
 * torsion check, so the rule is the single one); when the batch fails, each triple is verified
 * alone so the answer names the bad ones. Without the accelerator (browser, Fabric chaincode
 * without the addon, `FEMETER_NO_NATIVE=1`, the noble backend) every triple is verified alone.
 * Never throws for hostile input.
 * @example
 * verifyEd25519Many([{ publicKey, message, signature }]); // [true]
 */
export function verifyEd25519Many(
    triples: readonly Ed25519Triple[],
    backend: Ed25519Backend = DEFAULT_BACKEND,
): boolean[] {
    const out = new Array<boolean>(triples.length).fill(false);
    const batch: number[] = [];
    for (const [i, t] of triples.entries()) {
        if (cheapChecks(t)) batch.push(i);
    }
    const native = backend === DEFAULT_BACKEND ? loadNative() : undefined;
    if (native !== undefined && batch.length >= BATCH_FROM) {
        let total = 0;
        for (const i of batch) total += triples[i]!.message.length;
        const pks = new Uint8Array(batch.length * ED25519_PUBLIC_KEY_BYTES);
        const sigs = new Uint8Array(batch.length * ED25519_SIGNATURE_BYTES);
        const msgs = new Uint8Array(total);
        const lens = new Uint32Array(batch.length);
        let at = 0;
        for (const [j, i] of batch.entries()) {
            const t = triples[i]!;
            pks.set(t.publicKey, j * ED25519_PUBLIC_KEY_BYTES);
            sigs.set(t.signature, j * ED25519_SIGNATURE_BYTES);
            msgs.set(t.message, at);
            lens[j] = t.message.length;
            at += t.message.length;
        }
        let ok: boolean;
        try {
            ok = native.ed25519VerifyBatch(pks, msgs, lens, sigs);
        } catch {
            ok = false; // e.g. more triples than one call takes: verify one by one
        }
        if (ok) {
            for (const i of batch) out[i] = true;
            return out;
        }
    }
    for (const i of batch) {
        const t = triples[i]!;
        out[i] = verifyEd25519(t.publicKey, t.message, t.signature, backend);
    }
    return out;
}

/** The checks {@link verifyEd25519} makes before any curve arithmetic (lengths, encodings, key). */
function cheapChecks(t: Ed25519Triple): boolean {
    const { publicKey, message, signature } = t;
    if (
        !(signature instanceof Uint8Array) ||
        signature.length !== ED25519_SIGNATURE_BYTES ||
        !(message instanceof Uint8Array) ||
        !(publicKey instanceof Uint8Array) ||
        publicKey.length !== ED25519_PUBLIC_KEY_BYTES
    )
        return false;
    const r = signature.subarray(0, 32);
    if (!canonicalY(r) || isSmallOrderEncoding(r) || !canonicalS(signature)) return false;
    return keyVerdict(publicKey).problem === null;
}

/**
 * A signer for a 32-byte secret key (the RFC 8032 seed); the node backend prepares the key once.
 * @example
 * const s = ed25519Signer(secret);
 * verifyEd25519(s.publicKey, m, s.sign(m)); // true
 */
export function ed25519Signer(
    secretKey: Uint8Array,
    backend: Ed25519Backend = DEFAULT_BACKEND,
): Ed25519Signer {
    const secret = checkSecret(secretKey);
    const publicKey = ed25519.getPublicKey(secret);
    if (backend === 'node' && nodeCrypto) {
        const k = nodeCrypto.createPrivateKey({
            key: concat(PKCS8_PREFIX, secret),
            format: 'der',
            type: 'pkcs8',
        });
        return { publicKey, sign: (m) => new Uint8Array(nodeCrypto.sign(null, m, k)) };
    }
    return { publicKey, sign: (m) => ed25519.sign(m, secret) };
}

/**
 * Signs one message (prefer {@link ed25519Signer} for many messages with one key).
 * @example
 * const sig = signEd25519(digest, secret);
 */
export function signEd25519(
    message: Uint8Array,
    secretKey: Uint8Array,
    backend: Ed25519Backend = DEFAULT_BACKEND,
): Uint8Array {
    return ed25519Signer(secretKey, backend).sign(message);
}

/**
 * The 32-byte public key of a secret key.
 * @example
 * const pk = ed25519PublicKey(secret);
 */
export function ed25519PublicKey(secretKey: Uint8Array): Uint8Array {
    return ed25519.getPublicKey(checkSecret(secretKey));
}

/**
 * A fresh random secret key (32 bytes from the platform CSPRNG).
 * @example
 * const secret = randomEd25519SecretKey();
 */
export function randomEd25519SecretKey(): Uint8Array {
    return ed25519.utils.randomSecretKey();
}

function checkSecret(secretKey: Uint8Array): Uint8Array {
    if (!(secretKey instanceof Uint8Array) || secretKey.length !== ED25519_SECRET_KEY_BYTES) {
        throw new TypeError(
            `an Ed25519 secret key is a ${ED25519_SECRET_KEY_BYTES}-byte Uint8Array`,
        );
    }
    return secretKey;
}

/** S (bytes 32–63, little-endian) < L, compared byte by byte from the most significant end. */
function canonicalS(signature: Uint8Array): boolean {
    for (let i = 31; i >= 0; i--) {
        const s = signature[32 + i] ?? 0;
        const l = L_BYTES[i] ?? 0;
        if (s !== l) return s < l;
    }
    return false; // S = L
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
    const out = new Uint8Array(a.length + b.length);
    out.set(a);
    out.set(b, a.length);
    return out;
}

function hexBytes(h: string): Uint8Array {
    const out = new Uint8Array(h.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(h.slice(2 * i, 2 * i + 2), 16);
    return out;
}

function bytesHex(b: Uint8Array): string {
    let s = '';
    for (const x of b) s += x.toString(16).padStart(2, '0');
    return s;
}
