// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/fabric-engine
 * The apps' {@link Engine} over a gateway in front of Fabric: every participant signs its own Fabric
 * messages with its own X.509 identity (the network's `UserN` mapped to it, as the Fabric engine maps
 * them) and reaches the network only through the gateway. {@link gatewayFabricEngine} also starts the
 * gateway in this process over a Fabric engine (what test/fabric/gateway.test.ts uses). Loaded only
 * when Fabric is chosen.
 */
import { createPrivateKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { FemeterApi } from '../../roles/api.js';
import {
    clientUsers,
    defaultConnectionPath,
    FabricOfflineSigner,
    loadConnectionProfile,
    ParticipantDirectory,
    type FabricLedger,
} from '../../ledger/fabric/index.js';
import { loadFabricModules } from '../../ledger/fabric/modules.js';
import {
    RemoteLedger,
    type RemoteLedgerClient,
    type RemoteLedgerOptions,
} from '../../ledger/remote/client.js';
import type { Signer } from '../../ledger/index.js';
import { MSP_IDS, type Engine } from '../engines.js';
import { openFabricEngine, type FabricEngineOptions } from '../fabric/engine.js';
import { gatewayReader, remoteVerify } from './engine.js';
import { fabricBackend } from './fabric.js';
import { startGateway, type Gateway, type GatewayOptions } from './server.js';

/** A signer for a PEM private key (ECDSA P-256, low S as Fabric requires). */
async function pemSigner(pem: Uint8Array): Promise<Signer> {
    const { gateway } = await loadFabricModules();
    const sign = gateway.signers.newPrivateKeySigner(createPrivateKey(Buffer.from(pem)));
    return { sign: (digest) => sign(digest) };
}

/**
 * Participants of a Fabric deployment through the gateway at `url`; `connectionPath` names the
 * network's users (certificates and keys) and `chaincode` the ledger.
 */
export async function remoteFabricEngine(
    url: string,
    connectionPath: string,
    chaincode: string,
    options: Omit<RemoteLedgerOptions, 'url' | 'fabric'> = {},
): Promise<Engine & { readonly remote: RemoteLedger }> {
    const remote = await RemoteLedger.open({
        ...options,
        url,
        fabric: (identity, channel, cc) => FabricOfflineSigner.open(identity, channel, cc),
    });
    const profile = await loadConnectionProfile(connectionPath);
    const users: Record<string, string[]> = {};
    for (const [mspId, org] of Object.entries(profile.organizations))
        users[mspId] = clientUsers(org);
    const directory = new ParticipantDirectory({ dataDir: profile.dataDir, users });
    const clients: RemoteLedgerClient[] = [];
    let operator: RemoteLedgerClient | undefined;
    return {
        name: 'fabric',
        remote,
        async connect(name, org) {
            const mspId = MSP_IDS[org];
            const user = await directory.userFor(chaincode, mspId, name);
            const files = profile.organizations[mspId]?.users[user];
            if (files === undefined) throw new Error(`no files for ${user} of ${mspId}`);
            const [cert, key] = await Promise.all([
                readFile(files.certPath),
                readFile(files.keyPath),
            ]);
            const client = remote.connect({
                identity: { mspId, credentials: new Uint8Array(cert) },
                signer: await pemSigner(key),
            });
            clients.push(client);
            if (name === 'operator') operator = client;
            const api = new FemeterApi(client);
            const who = await api.whoAmI();
            return { api, identity: who.identity };
        },
        verify: () => remoteVerify(operator ?? clients[0]),
        async close() {
            for (const c of clients) await c.close();
        },
    };
}

/**
 * A Fabric engine (see {@link openFabricEngine}) behind a gateway on 127.0.0.1 (any free port) in this
 * process, and participants connected through it.
 */
export async function gatewayFabricEngine(
    connectionPath: string = defaultConnectionPath(),
    options: Readonly<FabricEngineOptions> &
        Partial<Omit<GatewayOptions, 'ledger' | 'reader'>> = {},
): Promise<
    Engine & { readonly gateway: Gateway; readonly url: string; readonly ledger: FabricLedger }
> {
    const inner = await openFabricEngine(connectionPath, options);
    let gateway: Gateway;
    try {
        const who = await gatewayReader(inner);
        const backend = await fabricBackend(inner.ledger, who.reader.client, {
            ...(inner.verify === undefined ? {} : { verify: inner.verify.bind(inner) }),
        });
        gateway = await startGateway({ ...options, ledger: backend, ...who });
    } catch (err) {
        await inner.close();
        throw err;
    }
    const outer = await remoteFabricEngine(gateway.url, connectionPath, inner.chaincode);
    return {
        ...outer,
        gateway,
        url: gateway.url,
        ledger: inner.ledger,
        async close() {
            await outer.close();
            await gateway.close();
            await inner.close();
        },
    };
}
