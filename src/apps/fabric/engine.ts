// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/fabric/engine
 * A Fabric network as an apps {@link Engine}. Loaded by `src/apps/engines.ts` only when the Fabric
 * engine is chosen (this module imports the Fabric adapter statically).
 */
import { FemeterApi } from '../../roles/api.js';
import {
    clientUsers,
    defaultConnectionPath,
    FabricLedger,
    loadConnectionProfile,
    ParticipantDirectory,
    verifyFabricChain,
} from '../../ledger/fabric/index.js';
import { FabricClient } from '../../ledger/fabric/client.js';
import type { Engine } from '../engines.js';
import { MSP_IDS } from '../engines.js';
import { deployChaincode, freshChaincodeName, stopChaincode } from './deploy.js';

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
 * await new Operator({ api: operator.api }).bootstrap('operator', 'Operator');
 * await engine.close();
 * ```
 */
export async function openFabricEngine(
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
        async verify() {
            // The auditor's block-level check (src/ledger/fabric/verify.ts): every block read back
            // through a client of the customers' organisation, with every chaincode's policy as
            // deployed (re-read: other chaincodes may have been deployed since this engine opened).
            const current = await loadConnectionProfile(connectionPath);
            const policies: Record<string, string> = {};
            for (const [cc, record] of Object.entries(current.chaincodes))
                policies[cc] = record.endorsementPolicy;
            const [mspId, org] = Object.entries(current.organizations).find(
                ([id]) => id === MSP_IDS.customers,
            ) ??
                Object.entries(current.organizations)[0] ?? [undefined, undefined];
            const user = org ? clientUsers(org)[0] : undefined;
            if (mspId === undefined || user === undefined)
                throw new Error(`no client user in the connection profile ${connectionPath}`);
            const client = await ledger.connectUser(mspId, user);
            try {
                if (!(client instanceof FabricClient)) throw new Error('not a Fabric client');
                const r = await verifyFabricChain(client.blockSource(), {
                    channel: current.channel,
                    policies,
                });
                const first = r.problems[0];
                return {
                    ok: r.ok,
                    blocks: r.blocks,
                    txs: r.transactions.valid + r.transactions.invalid,
                    ...(first
                        ? {
                              firstBadBlock: first.block,
                              reason: `block ${first.block}${first.tx ? ` tx ${first.tx}` : ''}: ${first.check}: ${first.detail}${r.problems.length > 1 ? ` (+${r.problems.length - 1} more)` : ''}`,
                          }
                        : {}),
                };
            } finally {
                await client.close();
            }
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
