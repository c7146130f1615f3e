// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/engines
 * How apps obtain ledger clients: one `Engine` per ledger (embedded by default, Fabric when asked),
 * handing out a connected {@link FemeterApi} per named participant. Participant keys are derived
 * from a deployment secret and the participant's name, so a restarted process reconnects as the
 * same identity. On Fabric ({@link fabricEngine}) identities come from the network's MSP material
 * instead: each participant name is mapped to its own `UserN` of the organisation's MSP.
 *
 * The choice of engine comes from the ledger layer's registry (`ENGINE_NAMES`); {@link appEngines}
 * has one opener per registered engine (a new engine does not compile until it has one).
 *
 * Importing this module changes nothing process-wide and loads neither the contract (and with it
 * fabric-contract-api, whose logger installs process handlers) nor anything of Fabric: the contract
 * loads when an embedded engine opens, the Fabric adapter when a Fabric engine opens.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import type { LedgerIdentity } from '../contract/index.js';
import { FemeterApi } from '../roles/api.js';
import { engines, identities, signers } from '../ledger/index.js';
import type {
    Anchor,
    EmbeddedLedger,
    EngineName,
    LedgerClient,
    SubmitResult,
} from '../ledger/index.js';
import type { FabricLedger } from '../ledger/fabric/index.js';
import type { FabricEngineOptions } from './fabric/engine.js';

export type { FabricEngineOptions } from './fabric/engine.js';

/** The two organisations of a deployment (Fabric: two MSPs; embedded: two MSP ids). */
export type Org = 'operator' | 'customers';
export const MSP_IDS: Readonly<Record<Org, string>> = Object.freeze({
    operator: 'OperatorMSP',
    customers: 'CustomersMSP',
});

/** A participant's connection. */
export interface Participant {
    readonly api: FemeterApi;
    readonly identity: LedgerIdentity;
}

/** A ledger the apps can use. */
export interface Engine {
    readonly name: EngineName;
    connect(name: string, org: Org): Promise<Participant>;
    /**
     * Embedded only: connect with the party's own 32-byte Ed25519 ledger secret (a deployment's
     * parties hold their own keys; `connect` derives them from a shared secret, for the demo).
     */
    connectWithKey?(
        secret: Uint8Array,
        org: Org,
        options?: {
            /**
             * Called with every committed submit's result before the submit resolves (a party keeps
             * its latest receipt outside the ledger's data directory; see `verify({ anchors })`).
             */
            readonly onSubmit?: (result: SubmitResult) => Promise<void>;
        },
    ): Participant;
    /**
     * Re-check the whole chain (embedded: its own blocks, with `workDir` resuming where the last
     * check stopped; Fabric: every block of the channel).
     */
    verify?(options?: {
        readonly workDir?: string;
        /** Embedded: check block signatures with this key, not the one the data directory records. */
        readonly enginePublicKey?: Uint8Array;
        /** Embedded: receipts and opened checkpoints the chain must reach and hold. */
        readonly anchors?: readonly Anchor[];
    }): Promise<{
        ok: boolean;
        blocks: number;
        txs: number;
        firstBadBlock?: bigint | number;
        reason?: string;
        /** Fabric: world-state keys compared with the valid transactions' writes. */
        stateKeys?: number;
    }>;
    close(): Promise<void>;
}

/**
 * The ledger identity (as the contract sees it) of an Ed25519 ledger secret on the embedded engine,
 * without opening a ledger: what a party hands to the operator for registration.
 */
export function embeddedIdentity(secret: Uint8Array, org: Org): LedgerIdentity {
    const identity = identities.ed25519(MSP_IDS[org], secret);
    return { mspId: identity.mspId, id: identities.id(identity) };
}

/**
 * Load the contract, undoing the process-wide `uncaughtException` / `unhandledRejection` handlers
 * fabric-contract-api's logger installs on import (they log errors instead of ending the process),
 * so that opening an engine changes nothing process-wide.
 */
async function loadContract(): Promise<typeof import('../contract/index.js')> {
    const exc = new Set(process.listeners('uncaughtException'));
    const rej = new Set(process.listeners('unhandledRejection'));
    const m = await import('../contract/index.js');
    for (const l of process.listeners('uncaughtException'))
        if (!exc.has(l)) process.removeListener('uncaughtException', l);
    for (const l of process.listeners('unhandledRejection'))
        if (!rej.has(l)) process.removeListener('unhandledRejection', l);
    return m;
}

/** `client` whose every committed submit is handed to `onSubmit` before it resolves. */
function reportingSubmits(
    client: LedgerClient,
    onSubmit: (result: SubmitResult) => Promise<void>,
): LedgerClient {
    return {
        identity: client.identity,
        async submit(txName, ...args) {
            const result = await client.submit(txName, ...args);
            await onSubmit(result);
            return result;
        },
        evaluate: (txName, ...args) => client.evaluate(txName, ...args),
        getCommittedTransaction: (txId) => client.getCommittedTransaction(txId),
        events: (options) => client.events(options),
        close: () => client.close(),
    };
}

/** The embedded engine on a data directory (`secret`: the demo's deployment secret, or undefined). */
export async function embeddedEngine(
    path: string,
    secret: Uint8Array | undefined,
): Promise<Engine & { readonly ledger: EmbeddedLedger }> {
    const { FemeterContract, txMaxBytesByName, unadmittedCreator } = await loadContract();
    const ledger = await engines.embedded.open({
        path,
        contracts: [FemeterContract],
        // Refused before ordering, nothing stored: oversize per transaction kind, unknown
        // transactions, and creators the contract has not registered (issue 9 item 8).
        maxTxBytes: txMaxBytesByName(),
        creatorCheck: (creator, txName, state) =>
            unadmittedCreator({ mspId: creator.mspId, id: identities.id(creator) }, txName, (key) =>
                state.get(key),
            ),
    });
    const clients: FemeterApi[] = [];
    const connectWithKey: NonNullable<Engine['connectWithKey']> = (key, org, options) => {
        const identity = identities.ed25519(MSP_IDS[org], key);
        const client = ledger.connect({ identity, signer: signers.ed25519(key) });
        const onSubmit = options?.onSubmit;
        const api = new FemeterApi(
            onSubmit === undefined ? client : reportingSubmits(client, onSubmit),
        );
        clients.push(api);
        return { api, identity: { mspId: identity.mspId, id: identities.id(identity) } };
    };
    return {
        name: 'embedded',
        ledger,
        connect(name, org) {
            if (secret === undefined)
                return Promise.reject(
                    new Error(
                        `no deployment secret: connect ${name} with its own key (connectWithKey)`,
                    ),
                );
            const key = sha256(
                new Uint8Array([...secret, ...utf8ToBytes(`femeter/v1/ledger-identity/${name}`)]),
            );
            return Promise.resolve(connectWithKey(key, org));
        },
        connectWithKey,
        async verify(options) {
            return ledger.verify({
                ...(options?.workDir === undefined ? {} : { workDir: options.workDir }),
                ...(options?.enginePublicKey === undefined
                    ? {}
                    : { enginePublicKey: options.enginePublicKey }),
                ...(options?.anchors === undefined ? {} : { anchors: options.anchors }),
            });
        },
        async close() {
            for (const c of clients) await c.client.close();
            await ledger.close();
        },
    };
}

/**
 * A Fabric network (from `scripts/fabric/up`'s `connection.json`) as an {@link Engine}; see
 * `src/apps/fabric/engine.ts` (loaded here, on first use).
 *
 * @param connectionPath the network's connection.json (default `$FEMETER_FABRIC_CONNECTION` or
 *   `~/.cache/femeter/fabric-net/connection.json`)
 *
 * @example
 * ```ts
 * const engine = await fabricEngine(undefined, { freshChaincode: 'demo' });
 * const operator = await engine.connect('operator', 'operator');
 * await new Operator({ api: operator.api }).bootstrap('operator', 'Operator');
 * await engine.close();
 * ```
 */
export async function fabricEngine(
    connectionPath?: string,
    options: Readonly<FabricEngineOptions> = {},
): Promise<Engine & { readonly ledger: FabricLedger; readonly chaincode: string }> {
    const m = await import('./fabric/engine.js');
    return m.openFabricEngine(connectionPath, options);
}

/** What each engine needs to open as an apps {@link Engine}. */
export interface AppEngineOptions {
    readonly embedded: {
        /** The ledger directory. */
        readonly path: string;
        /** The deployment secret participant keys derive from. */
        readonly secret: Uint8Array;
    };
    readonly fabric: FabricEngineOptions & {
        /** The network's connection.json (default: `defaultConnectionPath()`). */
        readonly connectionPath?: string | undefined;
    };
}

/**
 * One opener per registered engine.
 *
 * @example
 * ```ts
 * const engine = await appEngines.embedded({ path: join(data, 'ledger'), secret });
 * ```
 */
export const appEngines: {
    readonly [K in EngineName]: (options: AppEngineOptions[K]) => Promise<Engine>;
} = Object.freeze({
    embedded: (o: AppEngineOptions['embedded']) => embeddedEngine(o.path, o.secret),
    fabric: (o: AppEngineOptions['fabric']) => fabricEngine(o.connectionPath, o),
});

/**
 * Open the engine `name` with its entry of `options` (the others are ignored), e.g. for a choice
 * made by a flag or an environment variable.
 *
 * @example
 * ```ts
 * const engine = await openAppEngine(parseEngineName(flag, '--engine'), {
 *     embedded: { path: join(dir, 'ledger'), secret },
 *     fabric: { freshChaincode: 'e2e' },
 * });
 * ```
 */
export function openAppEngine(name: EngineName, options: AppEngineOptions): Promise<Engine> {
    return name === 'embedded'
        ? appEngines.embedded(options.embedded)
        : appEngines.fabric(options.fabric);
}
