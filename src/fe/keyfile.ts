// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/keyfile
 * Secret key material encrypted at rest with a passphrase: scrypt (memory-hard, RFC 7914) derives a
 * 32-byte key, XChaCha20-Poly1305 (AEAD) encrypts the secret, and the whole header is the associated
 * data, so a flipped bit anywhere (parameters, nonce, kind, ciphertext) fails authentication.
 * Both primitives come from @noble (hashes, ciphers). The file is JSON with hex fields:
 *
 *   { format: "femeter-keyfile/1", kind, kdf: { name: "scrypt", N, r, p, salt }, aead: "xchacha20poly1305", nonce, ciphertext }
 */
import { xchacha20poly1305 } from '@noble/ciphers/chacha.js';
import { scryptAsync } from '@noble/hashes/scrypt.js';
import { bytesToHex, hexToBytes, utf8ToBytes } from '@noble/hashes/utils.js';
import { KeyFileError } from './errors.js';

const FORMAT = 'femeter-keyfile/1';
/** Largest key file accepted (bytes of JSON). */
export const MAX_KEYFILE_BYTES = 64 * 1024;
/** scrypt cost: 2^17 (128 MiB·r/8) as recommended for interactive logins; tests may lower it. */
export const DEFAULT_SCRYPT_LOG_N = 17;

interface KeyFileJson {
    format: string;
    kind: string;
    kdf: { name: string; N: number; r: number; p: number; salt: string };
    aead: string;
    nonce: string;
    ciphertext: string;
}

function aad(f: KeyFileJson): Uint8Array {
    const k = f.kdf;
    return utf8ToBytes(
        JSON.stringify([f.format, f.kind, k.name, k.N, k.r, k.p, k.salt, f.aead, f.nonce]),
    );
}

function random(n: number): Uint8Array {
    const b = new Uint8Array(n);
    globalThis.crypto.getRandomValues(b);
    return b;
}

/**
 * Encrypt a secret under a passphrase. Returns the file contents (UTF-8 JSON).
 * @example const text = await sealKeyFile(seed, 'correct horse', 'customer-root-seed');
 */
export async function sealKeyFile(
    secret: Uint8Array,
    passphrase: string,
    kind: string,
    opts?: { logN?: number },
): Promise<string> {
    if (passphrase.length < 1) throw new KeyFileError('empty passphrase: choose a passphrase');
    const logN = opts?.logN ?? DEFAULT_SCRYPT_LOG_N;
    if (!Number.isInteger(logN) || logN < 10 || logN > 20)
        throw new KeyFileError('scrypt logN must be in 10..20');
    const f: KeyFileJson = {
        format: FORMAT,
        kind,
        kdf: { name: 'scrypt', N: 2 ** logN, r: 8, p: 1, salt: bytesToHex(random(16)) },
        aead: 'xchacha20poly1305',
        nonce: bytesToHex(random(24)),
        ciphertext: '',
    };
    const key = await scryptAsync(utf8ToBytes(passphrase), hexToBytes(f.kdf.salt), {
        N: f.kdf.N,
        r: 8,
        p: 1,
        dkLen: 32,
    });
    f.ciphertext = bytesToHex(xchacha20poly1305(key, hexToBytes(f.nonce), aad(f)).encrypt(secret));
    key.fill(0);
    return JSON.stringify(f, null, 2) + '\n';
}

function parse(text: string): KeyFileJson {
    if (typeof text !== 'string' || text.length > MAX_KEYFILE_BYTES)
        throw new KeyFileError(`not a femeter key file (over ${MAX_KEYFILE_BYTES} bytes)`);
    let j: unknown;
    try {
        j = JSON.parse(text);
    } catch (e) {
        throw new KeyFileError(
            'not a femeter key file (invalid JSON): the file is damaged; restore it from backup or the mnemonic',
            { cause: e },
        );
    }
    const f = j as Partial<KeyFileJson>;
    const hex = (s: unknown, n?: number): boolean =>
        typeof s === 'string' &&
        /^([0-9a-f]{2})*$/.test(s) &&
        (n === undefined || s.length === 2 * n);
    // parsed JSON: the kdf may be anything, null included
    const k = f.kdf as KeyFileJson['kdf'] | null | undefined;
    if (
        f.format !== FORMAT ||
        typeof f.kind !== 'string' ||
        f.aead !== 'xchacha20poly1305' ||
        !hex(f.nonce, 24) ||
        !hex(f.ciphertext) ||
        (f.ciphertext?.length ?? 0) < 32 ||
        k?.name !== 'scrypt' ||
        !hex(k.salt, 16) ||
        k.r !== 8 ||
        k.p !== 1 ||
        !Number.isInteger(k.N) ||
        k.N < 2 ** 10 ||
        k.N > 2 ** 20 ||
        (k.N & (k.N - 1)) !== 0
    ) {
        throw new KeyFileError(`not a valid ${FORMAT} file: a field is missing or out of range`);
    }
    return f as KeyFileJson;
}

/**
 * Decrypt a key file. Throws KeyFileError on a wrong passphrase, a modified or truncated file, or a
 * different `kind` than expected.
 */
export async function openKeyFile(
    text: string,
    passphrase: string,
    expectedKind?: string,
): Promise<Uint8Array> {
    const f = parse(text);
    if (expectedKind !== undefined && f.kind !== expectedKind)
        throw new KeyFileError(`key file holds a "${f.kind}", expected "${expectedKind}"`);
    const key = await scryptAsync(utf8ToBytes(passphrase), hexToBytes(f.kdf.salt), {
        N: f.kdf.N,
        r: 8,
        p: 1,
        dkLen: 32,
        maxmem: 2 ** 31,
    });
    try {
        return xchacha20poly1305(key, hexToBytes(f.nonce), aad(f)).decrypt(
            hexToBytes(f.ciphertext),
        );
    } catch (e) {
        throw new KeyFileError('cannot open key file: wrong passphrase, or the file was modified', {
            cause: e,
        });
    } finally {
        key.fill(0);
    }
}
