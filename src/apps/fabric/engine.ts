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
    verifyFabricLedger,
    contractStateSource,
    type FabricStateSource,
} from '../../ledger/fabric/index.js';
import type { LedgerClient } from '../../ledger/client.js';
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
            // The auditor's check (src/ledger/fabric/verify.ts, state-check.ts): every block read
            // back through a client of the customers' organisation, with every chaincode's policy
            // as deployed (re-read: other chaincodes may have been deployed since this engine
            // opened), then this chaincode's world state, read as a registered auditor (or the
            // operator), against the writes of its valid transactions.
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
            const reader = await stateReader(ledger, directory, name);
            try {
                if (!(client instanceof FabricClient)) throw new Error('not a Fabric client');
                const r = await verifyFabricLedger(
                    client.blockSource(),
                    reader.source ?? {
                        page: () => Promise.reject(new Error(reader.why ?? 'no state reader')),
                    },
                    { channel: current.channel, policies, chaincode: name },
                ).catch(async (err: unknown) => {
                    if (reader.source) throw err;
                    // no auditor to read state with: the blocks alone, and say what is missing
                    const chain = await verifyFabricChain(client.blockSource(), {
                        channel: current.channel,
                        policies,
                        keepValid: false,
                    });
                    return { chain, state: undefined, grewTo: undefined };
                });
                const first = r.chain.problems[0];
                const stateProblem = r.state?.problems[0];
                const reason = first
                    ? `block ${first.block}${first.tx ? ` tx ${first.tx}` : ''}: ${first.check}: ${first.detail}${r.chain.problems.length > 1 ? ` (+${r.chain.problems.length - 1} more)` : ''}`
                    : r.state === undefined
                      ? `world state not compared with the blocks: ${reader.why ?? 'no state reader'}`
                      : stateProblem
                        ? `state ${stateProblem.key}: ${stateProblem.check}: ${stateProblem.detail}${r.state.problemCount > 1 ? ` (+${r.state.problemCount - 1} more)` : ''}${r.grewTo === undefined ? '' : ` (the channel grew to ${r.grewTo} blocks while state was read: run verify again on a quiet ledger)`}`
                        : undefined;
                return {
                    ok: r.chain.ok && r.state?.ok === true,
                    blocks: r.chain.blocks,
                    txs: r.chain.transactions.valid + r.chain.transactions.invalid,
                    ...(r.state ? { stateKeys: r.state.keys } : {}),
                    ...(first ? { firstBadBlock: first.block } : {}),
                    ...(reason === undefined ? {} : { reason }),
                };
            } finally {
                await client.close();
                await reader.close();
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

/**
 * A client that may read world state digests: a participant of this chaincode whose party is an
 * auditor (preferred) or the operator. `why` says why there is none.
 */
async function stateReader(
    ledger: FabricLedger,
    directory: ParticipantDirectory,
    chaincode: string,
): Promise<{ source?: FabricStateSource; why?: string; close(): Promise<void> }> {
    const dec = new TextDecoder();
    const snapshot = await directory.snapshot(chaincode);
    const found: { role: string; client: LedgerClient }[] = [];
    const opened: LedgerClient[] = [];
    const closeAll = async (keep?: LedgerClient): Promise<void> => {
        for (const c of opened) if (c !== keep) await c.close();
    };
    // the participants named auditor first, then the operator, then the others
    const rank = (n: string): number => (n === 'auditor' ? 0 : n === 'operator' ? 1 : 2);
    const candidates = Object.entries(snapshot)
        .flatMap(([mspId, names]) => Object.entries(names).map(([n, user]) => ({ mspId, n, user })))
        .sort((a, b) => rank(a.n) - rank(b.n));
    for (const { mspId, user } of candidates) {
        if (found.some((f) => f.role === 'auditor')) break;
        const client = await ledger.connectUser(mspId, user);
        opened.push(client);
        try {
            const who = JSON.parse(dec.decode(await client.evaluate('WhoAmI'))) as {
                ref: { kind: string; id: string } | null;
            };
            if (who.ref?.kind !== 'party') continue;
            const party = JSON.parse(dec.decode(await client.evaluate('GetParty', who.ref.id))) as {
                role: string;
            };
            if (party.role === 'auditor' || party.role === 'operator')
                found.push({ role: party.role, client });
        } catch {
            // not registered (any more): not a reader
        }
    }
    const pick = found.find((f) => f.role === 'auditor') ?? found[0];
    await closeAll(pick?.client);
    if (!pick)
        return {
            why: `no participant of chaincode ${chaincode} is a registered auditor or the operator`,
            close: () => Promise.resolve(),
        };
    return { source: contractStateSource(pick.client), close: () => pick.client.close() };
}
