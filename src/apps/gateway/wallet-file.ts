// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/wallet-file
 * The dashboard's wallet file (`femeter wallet`): a participant's ledger key (and a customer's wallet
 * root), sealed with a passphrase in the same key file format as the CLI's party directories
 * (`fe/keyfile.ts`: scrypt + XChaCha20-Poly1305, the header authenticated), kind
 * {@link WALLET_KIND}. The browser opens it locally; it is never sent.
 */
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { KeyFileError } from '../../fe/errors.js';
import { openKeyFile, sealKeyFile } from '../../fe/keyfile.js';

/** What the key file holds: a wallet/1 JSON document. */
export const WALLET_KIND = 'femeter-wallet/1';

/** A participant's wallet as the dashboard uses it. */
export interface WalletFile {
    readonly femeter: 'wallet/1';
    readonly party: string;
    readonly role: string;
    readonly mspId: string;
    /** The participant's 32-byte Ed25519 ledger secret (hex). */
    readonly ledgerKey: string;
    /** Customers: the wallet root seed (hex) that derives the meters' master secret keys. */
    readonly root?: string;
}

/** Check a parsed wallet document. @throws {Error} naming the bad field */
export function checkWallet(value: unknown): WalletFile {
    const w = (typeof value === 'object' && value !== null ? value : {}) as Partial<WalletFile>;
    if (w.femeter !== 'wallet/1')
        throw new Error('not a femeter wallet file (expected "femeter": "wallet/1")');
    for (const k of ['party', 'role', 'mspId', 'ledgerKey'] as const)
        if (typeof w[k] !== 'string') throw new Error(`wallet file: "${k}" is missing`);
    if (typeof w.ledgerKey !== 'string' || !/^[0-9a-f]{64}$/.test(w.ledgerKey))
        throw new Error('wallet file: "ledgerKey" must be 64 hex digits');
    if (w.root !== undefined && !/^[0-9a-f]{64}$/.test(w.root))
        throw new Error('wallet file: "root" must be 64 hex digits');
    return w as WalletFile;
}

/** Seal a wallet under a passphrase (`logN`: scrypt cost, default the key file's). */
export function sealWalletFile(
    wallet: WalletFile,
    passphrase: string,
    opts?: { logN?: number },
): Promise<string> {
    return sealKeyFile(
        utf8ToBytes(JSON.stringify(checkWallet(wallet))),
        passphrase,
        WALLET_KIND,
        opts,
    );
}

/** Whether `text` is a sealed wallet (so a passphrase is needed). */
export function isSealedWallet(text: string): boolean {
    try {
        const j = JSON.parse(text) as { format?: unknown; kind?: unknown };
        return j.format === 'femeter-keyfile/1';
    } catch {
        return false;
    }
}

/**
 * Open a wallet file: a sealed one with its passphrase, or a plain wallet/1 document.
 * @throws {KeyFileError} wrong passphrase, a modified file, or another kind of key file
 * @throws {Error} a malformed wallet
 */
export async function openWalletFile(text: string, passphrase?: string): Promise<WalletFile> {
    if (!isSealedWallet(text)) {
        let j: unknown;
        try {
            j = JSON.parse(text);
        } catch {
            throw new Error('not a femeter wallet file (not JSON)');
        }
        return checkWallet(j);
    }
    if (passphrase === undefined || passphrase.length === 0)
        throw new KeyFileError('this wallet is sealed: enter its passphrase');
    const bytes = await openKeyFile(text, passphrase, WALLET_KIND);
    try {
        return checkWallet(JSON.parse(new TextDecoder().decode(bytes)));
    } finally {
        bytes.fill(0);
    }
}
