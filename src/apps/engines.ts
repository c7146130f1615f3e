// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/engines
 * How apps obtain ledger clients: one `Engine` per ledger (embedded by default, Fabric when asked),
 * handing out a connected {@link FemeterApi} per named participant. Participant keys are derived
 * from a deployment secret and the participant's name, so a restarted process reconnects as the
 * same identity. On Fabric ({@link fabricEngine}) identities come from the network's MSP material
 * instead: each participant name is mapped to its own `UserN` of the organisation's MSP.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { FemeterContract } from '../contract/index.js';
import type { LedgerIdentity } from '../contract/index.js';
import { FemeterApi } from '../ledger/api.js';
import { EmbeddedLedger, identities, signers } from '../ledger/index.js';
import {
    clientUsers,
    defaultConnectionPath,
    deployChaincode,
    FabricLedger,
    freshChaincodeName,
    loadConnectionProfile,
    ParticipantDirectory,
    stopChaincode,
} from '../ledger/fabric/index.js';

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
    readonly name: 'embedded' | 'fabric';
    connect(name: string, org: Org): Promise<Participant>;
    /** Embedded only: re-check the whole chain (with `workDir`: resume where the last check stopped). */
    verify?(options?: { readonly workDir?: string }): Promise<{
        ok: boolean;
        blocks: number;
        txs: number;
        firstBadBlock?: bigint | number;
        reason?: string;
    }>;
    close(): Promise<void>;
}

/** The embedded engine on a data directory. */
export async function embeddedEngine(
    path: string,
    secret: Uint8Array,
): Promise<Engine & { readonly ledger: EmbeddedLedger }> {
    const ledger = await EmbeddedLedger.open({ path, contracts: [FemeterContract] });
    const clients: FemeterApi[] = [];
    return {
        name: 'embedded',
        ledger,
        connect(name, org) {
            const key = sha256(
                new Uint8Array([...secret, ...utf8ToBytes(`femeter/v1/ledger-identity/${name}`)]),
            );
            const identity = identities.ed25519(MSP_IDS[org], key);
            const api = new FemeterApi(ledger.connect({ identity, signer: signers.ed25519(key) }));
            clients.push(api);
            return Promise.resolve({
                api,
                identity: { mspId: identity.mspId, id: identities.id(identity) },
            });
        },
        async verify(options) {
            return ledger.verify(
                options?.workDir === undefined ? {} : { workDir: options.workDir },
            );
        },
        async close() {
            for (const c of clients) await c.client.close();
            await ledger.close();
        },
    };
}

/** Options of {@link fabricEngine}. */
export interface FabricEngineOptions {
    /** Chaincode to use (default: the connection file's most recently deployed `chaincode`). */
    readonly chaincode?: string;
    /**
     * Deploy a fresh chaincode named `<prefix>-<time>-<pid>-<n>` first and use it: a fresh ledger, as
     * `femeter demo` and the end-to-end tests need (`Bootstrap` runs once per ledger). Takes ~2 s.
     */
    readonly freshChaincode?: string;
    /** Stop the server of a chaincode deployed by `freshChaincode` at {@link Engine.close} (default true). */
    readonly stopChaincodeOnClose?: boolean;
}

/**
 * A Fabric network (from `scripts/fabric/up`'s `connection.json`) as an {@link Engine}.
 *
 * Identities: `connect(name, org)` maps the participant `name` to a distinct client user
 * (`User1..UserN`) of the org's MSP (`OperatorMSP` / `CustomersMSP`): the lowest user not yet taken
 * on this chaincode, remembered in `<network data dir>/participants.json`, so a restarted process
 * reconnects every participant as the same user. The contract-visible id (`ctx.clientIdentity.getID()`,
 * `x509::<subject>::<issuer>`) is read back with the `WhoAmI` query, which any identity may call.
 *
 * @param connectionPath the network's connection.json (default `$FEMETER_FABRIC_CONNECTION` or
 *   `~/.cache/femeter/fabric-net/connection.json`)
 *
 * @example
 * ```ts
 * const engine = await fabricEngine(defaultConnectionPath(), { freshChaincode: 'demo' });
 * const operator = await engine.connect('operator', 'operator');
 * await operator.api.bootstrap('operator', 'Operator');
 * await engine.close();
 * ```
 */
export async function fabricEngine(
    connectionPath: string = defaultConnectionPath(),
    options: Readonly<FabricEngineOptions> = {},
): Promise<Engine & { readonly ledger: FabricLedger; readonly chaincode: string }> {
    let profile = await loadConnectionProfile(connectionPath);
    let chaincode = options.chaincode;
    let deployed = false;
    if (options.freshChaincode !== undefined) {
        chaincode = freshChaincodeName(options.freshChaincode);
        await deployChaincode({ dataDir: profile.dataDir, name: chaincode });
        deployed = true;
        profile = await loadConnectionProfile(connectionPath);
    }
    chaincode ??= profile.chaincode ?? undefined;
    if (chaincode === undefined)
        throw new Error(
            `no chaincode is deployed on the Fabric network of ${connectionPath}: run scripts/fabric/deploy`,
        );
    if (profile.chaincodes[chaincode] === undefined)
        throw new Error(
            `chaincode ${chaincode} is not deployed on the Fabric network of ${connectionPath} (deployed: ${Object.keys(profile.chaincodes).join(', ') || 'none'})`,
        );
    const ledger = await FabricLedger.open({ profile, chaincode });
    const users: Record<string, string[]> = {};
    for (const [mspId, org] of Object.entries(profile.organizations))
        users[mspId] = clientUsers(org);
    const directory = new ParticipantDirectory({ dataDir: profile.dataDir, users });
    const name = chaincode;
    return {
        name: 'fabric',
        ledger,
        chaincode: name,
        async connect(participant, org) {
            const mspId = MSP_IDS[org];
            const user = await directory.userFor(name, mspId, participant);
            const api = new FemeterApi(await ledger.connectUser(mspId, user));
            const who = await api.whoAmI();
            if (who.identity.mspId !== mspId)
                throw new Error(
                    `Fabric user ${user} of ${mspId} is seen by the contract as a member of ${who.identity.mspId}`,
                );
            return { api, identity: who.identity };
        },
        async close() {
            await ledger.close();
            if (deployed && options.stopChaincodeOnClose !== false) {
                try {
                    await stopChaincode({ dataDir: profile.dataDir, name });
                } catch (err) {
                    // e.g. the network was taken down first: nothing left to stop
                    process.emitWarning(
                        `could not stop chaincode server ${name}: ${(err as Error).message.split('\n')[0]}`,
                    );
                }
            }
        },
    };
}
