// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/engine
 * The apps' {@link Engine} over a gateway: participants connect with a {@link RemoteLedgerClient}
 * (keys derived from the deployment secret exactly as the embedded engine derives them), so every
 * role runs unchanged against `femeter serve`. {@link gatewayEngine} also starts the service in
 * this process over an embedded ledger (what the end-to-end suite uses with
 * `FEMETER_E2E_ENGINE=gateway`).
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { FemeterApi } from '../../roles/api.js';
import { identities, signers, type EmbeddedLedger } from '../../ledger/index.js';
import { RemoteLedger, type RemoteLedgerClient } from '../../ledger/remote/client.js';
import { embeddedEngine, MSP_IDS, type Engine } from '../engines.js';
import { startGateway, type Gateway, type GatewayOptions } from './server.js';

/** A participant's ledger key in a deployment (the same derivation as the embedded engine's). */
export function participantKey(secret: Uint8Array, name: string): Uint8Array {
    return sha256(
        new Uint8Array([...secret, ...utf8ToBytes(`femeter/v1/ledger-identity/${name}`)]),
    );
}

/**
 * The gateway's whole-chain check, asked by `by` (the gateway lets auditors and the operator verify).
 * @throws {Error} without a client
 */
export async function remoteVerify(by: RemoteLedgerClient | undefined): Promise<{
    ok: boolean;
    blocks: number;
    txs: number;
    firstBadBlock?: bigint;
    reason?: string;
}> {
    if (by === undefined) throw new Error('connect the operator or an auditor first');
    const r = await by.verify();
    return {
        ok: r.ok,
        blocks: r.blocks,
        txs: r.txs,
        ...(r.firstBadBlock === undefined ? {} : { firstBadBlock: BigInt(r.firstBadBlock) }),
        ...(r.reason === undefined ? {} : { reason: r.reason }),
    };
}

/**
 * Participants of a deployment through the gateway at `url`.
 *
 * @example
 * ```ts
 * const engine = await remoteEngine('http://127.0.0.1:8080', secret);
 * const auditor = await engine.connect('auditor', 'customers');
 * ```
 */
export async function remoteEngine(
    url: string,
    secret: Uint8Array,
): Promise<Engine & { readonly remote: RemoteLedger }> {
    const remote = await RemoteLedger.open({ url });
    const clients: RemoteLedgerClient[] = [];
    let operator: RemoteLedgerClient | undefined;
    return {
        name: 'embedded',
        remote,
        connect(name, org) {
            const key = participantKey(secret, name);
            const identity = identities.ed25519(MSP_IDS[org], key);
            const client = remote.connect({ identity, signer: signers.ed25519(key) });
            clients.push(client);
            if (name === 'operator') operator = client;
            return Promise.resolve({
                api: new FemeterApi(client),
                identity: { mspId: identity.mspId, id: identities.id(identity) },
            });
        },
        verify: () => remoteVerify(operator ?? clients[0]),
        async close() {
            for (const c of clients) await c.close();
        },
    };
}

/**
 * An embedded ledger in `path`, served by a gateway on 127.0.0.1 (any free port) in this process,
 * and participants connected through it. The gateway reads the registry as the deployment's
 * operator (which it also lets bootstrap the empty ledger).
 */
export async function gatewayEngine(
    path: string,
    secret: Uint8Array,
    options: Partial<Omit<GatewayOptions, 'ledger' | 'reader'>> = {},
): Promise<
    Engine & { readonly gateway: Gateway; readonly url: string; readonly ledger: EmbeddedLedger }
> {
    const inner = await embeddedEngine(path, secret);
    let gateway: Gateway;
    try {
        const reader = (await inner.connect('operator', 'operator')).api;
        gateway = await startGateway({ ...options, ledger: inner.ledger, reader });
    } catch (err) {
        await inner.close();
        throw err;
    }
    const outer = await remoteEngine(gateway.url, secret);
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
