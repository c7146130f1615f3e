// SPDX-License-Identifier: Apache-2.0
/**
 * A dashboard session: the wallet file (read locally, never sent), the ledger identity it holds,
 * and a remote ledger client that signs every query in this browser.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { FemeterApi } from '../../src/roles/api.js';
import { identities, signers } from '../../src/ledger/embedded/identity.js';
import { RemoteLedger, type RemoteLedgerClient } from '../../src/ledger/remote/client.js';
import type { WalletFile } from '../../src/apps/gateway/wallet-file.js';

export type { WalletFile } from '../../src/apps/gateway/wallet-file.js';

export interface Session {
    readonly wallet: WalletFile;
    readonly client: RemoteLedgerClient;
    readonly api: FemeterApi;
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
