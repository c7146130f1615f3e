// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/engines
 * How apps obtain ledger clients: one `Engine` per ledger (embedded by default, Fabric when asked),
 * handing out a connected {@link FemeterApi} per named participant. Participant keys are derived
 * from a deployment secret and the participant's name, so a restarted process reconnects as the
 * same identity. (Fabric: identities come from the network's MSP material instead.)
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { FemeterContract } from '../contract/index.js';
import type { LedgerIdentity } from '../contract/index.js';
import { FemeterApi } from '../ledger/api.js';
import { EmbeddedLedger, identities, signers } from '../ledger/index.js';

/** The two organisations of a deployment (Fabric: two MSPs; embedded: two MSP ids). */
export type Org = 'operator' | 'customers';
export const MSP_IDS: Readonly<Record<Org, string>> = Object.freeze({ operator: 'OperatorMSP', customers: 'CustomersMSP' });

/** A participant's connection. */
export interface Participant {
    readonly api: FemeterApi;
    readonly identity: LedgerIdentity;
}

/** A ledger the apps can use. */
export interface Engine {
    readonly name: 'embedded' | 'fabric';
    connect(name: string, org: Org): Promise<Participant>;
    /** Embedded only: re-check the whole chain. */
    verify?(): Promise<{ ok: boolean; blocks: number; txs: number; firstBadBlock?: bigint | number; reason?: string }>;
    close(): Promise<void>;
}

/** The embedded engine on a data directory. */
export async function embeddedEngine(path: string, secret: Uint8Array): Promise<Engine & { readonly ledger: EmbeddedLedger }> {
    const ledger = await EmbeddedLedger.open({ path, contracts: [FemeterContract] });
    const clients: FemeterApi[] = [];
    return {
        name: 'embedded',
        ledger,
        connect(name, org) {
            const key = sha256(new Uint8Array([...secret, ...utf8ToBytes(`femeter/v1/ledger-identity/${name}`)]));
            const identity = identities.ed25519(MSP_IDS[org], key);
            const api = new FemeterApi(ledger.connect({ identity, signer: signers.ed25519(key) }));
            clients.push(api);
            return Promise.resolve({ api, identity: { mspId: identity.mspId, id: identities.id(identity) } });
        },
        async verify() {
            return ledger.verify();
        },
        async close() {
            for (const c of clients) await c.client.close();
            await ledger.close();
        },
    };
}
