// SPDX-License-Identifier: Apache-2.0
/**
 * A dashboard session: the wallet file (read locally, never sent), the ledger identity it holds,
 * and a remote ledger client that signs every query in this browser.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { FemeterApi } from '../../src/roles/api.js';
import { identities, signers } from '../../src/ledger/embedded/identity.js';
import { RemoteLedger, type RemoteLedgerClient } from '../../src/ledger/remote/client.js';

/** The wallet file: `femeter wallet --party ID` writes one for a deployment's participant. */
export interface WalletFile {
    readonly femeter: 'wallet/1';
    readonly party: string;
    readonly role: string;
    readonly mspId: string;
    /** The participant's 32-byte Ed25519 ledger key, hex. */
    readonly ledgerKey: string;
    /** Customers: the wallet root seed (hex) that derives the meters' master secret keys. */
    readonly root?: string;
}

export interface Session {
    readonly wallet: WalletFile;
    readonly client: RemoteLedgerClient;
    readonly api: FemeterApi;
}

export function parseWallet(text: string): WalletFile {
    const w = JSON.parse(text) as Partial<WalletFile>;
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

export async function openSession(wallet: WalletFile, url: string): Promise<Session> {
    const key = hexToBytes(wallet.ledgerKey);
    const ledger = await RemoteLedger.open({ url });
    const client = ledger.connect({
        identity: identities.ed25519(wallet.mspId, key),
        signer: signers.ed25519(key, { backend: 'noble' }),
    });
    return { wallet, client, api: new FemeterApi(client) };
}
