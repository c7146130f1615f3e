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
import type { LedgerIdentity } from '../../contract/index.js';
import { identities, signers, type EmbeddedLedger } from '../../ledger/index.js';
import {
    RemoteLedger,
    type RemoteLedgerClient,
    type RemoteLedgerOptions,
} from '../../ledger/remote/client.js';
import { embeddedEngine, MSP_IDS, type Engine, type Org, type Participant } from '../engines.js';
import { startGateway, type Gateway, type GatewayOptions } from './server.js';

/** A participant's ledger key in a deployment (the same derivation as the embedded engine's). */
export function participantKey(secret: Uint8Array, name: string): Uint8Array {
    return sha256(
        new Uint8Array([...secret, ...utf8ToBytes(`femeter/v1/ledger-identity/${name}`)]),
    );
}

/** The party id of a gateway's own reader identity. */
export const GATEWAY_PARTY = 'gateway';

/**
 * Make sure the gateway's own reader is registered, as an auditor: it reads the registry and the
 * event stream, holds no one else's key and may write nothing. Idempotent; false while the ledger
 * has no operator yet (register it after `Bootstrap`: `GatewayOptions.afterBootstrap`).
 */
export async function registerGatewayReader(
    operator: FemeterApi,
    reader: LedgerIdentity,
): Promise<boolean> {
    let parties;
    try {
        parties = await operator.listParties();
    } catch {
        return false; // no operator yet (a query: an empty ledger records nothing)
    }
    const p = parties.find((x) => x.id === GATEWAY_PARTY);
    if (p !== undefined) {
        if (p.identity.mspId === reader.mspId && p.identity.id === reader.id) return true;
        throw new Error(
            `party ${GATEWAY_PARTY} is registered with another identity (${p.identity.id}); the gateway will not read as it`,
        );
    }
    await operator.registerParty({
        id: GATEWAY_PARTY,
        role: 'auditor',
        name: 'femeter gateway (registry reader)',
        identity: reader,
    });
    return true;
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
 * One party of a real deployment through the gateway at `url`, signing with its own Ed25519 ledger
 * key (a party directory's key; nothing derived from a shared secret). The engine connects no one
 * else; its `verify` is the gateway's whole-chain check (auditors and the operator).
 *
 * @example
 * ```ts
 * const { participant } = await remotePartyEngine('http://127.0.0.1:8080', key, 'customers');
 * ```
 */
export async function remotePartyEngine(
    url: string,
    key: Uint8Array,
    org: Org,
    options: Omit<RemoteLedgerOptions, 'url'> = {},
): Promise<{ engine: Engine; participant: Participant }> {
    const remote = await RemoteLedger.open({ ...options, url });
    const identity = identities.ed25519(MSP_IDS[org], key);
    const client = remote.connect({ identity, signer: signers.ed25519(key) });
    return {
        participant: {
            api: new FemeterApi(client),
            identity: { mspId: identity.mspId, id: identities.id(identity) },
        },
        engine: {
            name: 'embedded',
            connect: (name) =>
                Promise.reject(new Error(`${name} connects from its own party directory`)),
            verify: () => remoteVerify(client),
            close: () => client.close(),
        },
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
    options: Omit<RemoteLedgerOptions, 'url'> = {},
): Promise<Engine & { readonly remote: RemoteLedger }> {
    const remote = await RemoteLedger.open({ ...options, url });
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
 * The gateway's own reader (participant {@link GATEWAY_PARTY}, registered as an auditor by the
 * operator now, or right after the operator bootstraps an empty ledger through the gateway) and the
 * operator as the only identity whose `Bootstrap` it forwards. The operator's client is used for
 * that one registration only; the gateway reads as itself.
 */
export async function gatewayReader(
    engine: Engine,
): Promise<Pick<GatewayOptions, 'reader' | 'bootstrapper' | 'afterBootstrap'>> {
    const operator = await engine.connect('operator', 'operator');
    const reader = await engine.connect(GATEWAY_PARTY, 'operator');
    await registerGatewayReader(operator.api, reader.identity);
    return {
        reader: reader.api,
        bootstrapper: operator.api.client.identity,
        afterBootstrap: async () => {
            await registerGatewayReader(operator.api, reader.identity);
        },
    };
}

/**
 * An embedded ledger in `path`, served by a gateway on 127.0.0.1 (any free port) in this process,
 * and participants connected through it. The gateway reads the registry as its own identity
 * ({@link gatewayReader}); it forwards the operator's bootstrap of the empty ledger.
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
        gateway = await startGateway({
            ...options,
            ledger: inner.ledger,
            ...(await gatewayReader(inner)),
        });
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
