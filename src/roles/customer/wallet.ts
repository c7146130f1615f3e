// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/customer/wallet
 * The customer's wallet: one 32-byte root seed from which every master secret key is derived
 * (DESIGN.md §2 key epochs). Backed up as a 24-word BIP-39 mnemonic or as hex; stored at rest in a
 * passphrase-encrypted key file (fe/keyfile: scrypt + XChaCha20-Poly1305).
 */
import { entropyToMnemonic, mnemonicToEntropy, validateMnemonic } from '@scure/bip39';
import { wordlist } from '@scure/bip39/wordlists/english.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { openKeyFile, sealKeyFile } from '../../fe/keyfile.js';
import { RoleError } from '../errors.js';

export const ROOT_SEED_KIND = 'femeter-customer-root-seed';

export class Wallet {
    readonly #seed: Uint8Array;
    private constructor(seed: Uint8Array) {
        if (seed.length !== 32) throw new RoleError('BAD_SEED', 'a root seed is exactly 32 bytes');
        this.#seed = seed.slice();
    }
    /** A fresh wallet from the platform CSPRNG. */
    static create(): Wallet {
        const s = new Uint8Array(32);
        globalThis.crypto.getRandomValues(s);
        return new Wallet(s);
    }
    static fromSeed(seed: Uint8Array): Wallet {
        return new Wallet(seed);
    }
    static fromHex(hex: string): Wallet {
        if (!/^[0-9a-f]{64}$/.test(hex))
            throw new RoleError('BAD_SEED', 'a hex backup is 64 lower-case hex digits');
        return new Wallet(hexToBytes(hex));
    }
    static fromMnemonic(words: string): Wallet {
        const norm = words.trim().toLowerCase().split(/\s+/).join(' ');
        if (!validateMnemonic(norm, wordlist))
            throw new RoleError(
                'BAD_MNEMONIC',
                'the mnemonic is not a valid BIP-39 phrase (check the words and their order)',
            );
        return new Wallet(mnemonicToEntropy(norm, wordlist));
    }
    static async open(keyFileText: string, passphrase: string): Promise<Wallet> {
        return new Wallet(await openKeyFile(keyFileText, passphrase, ROOT_SEED_KIND));
    }
    /** The root seed (keep it secret). */
    get seed(): Uint8Array {
        return this.#seed.slice();
    }
    toMnemonic(): string {
        return entropyToMnemonic(this.#seed, wordlist);
    }
    toHex(): string {
        return bytesToHex(this.#seed);
    }
    seal(passphrase: string, opts?: { logN?: number }): Promise<string> {
        return sealKeyFile(this.#seed, passphrase, ROOT_SEED_KIND, opts);
    }
}
