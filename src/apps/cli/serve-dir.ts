// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/serve-dir
 * The gateway and the dashboard wallet of a real deployment (party directories, no demo seed):
 *
 * - `femeter serve --dir G`: G is the gateway's own party directory (`femeter init --role auditor
 *   --id gateway --dir G --ledger L`, registered by the operator like any party). The gateway opens
 *   the embedded ledger G's femeter.json names and reads the registry as G's registered identity:
 *   no operator key, nothing derived from a seed.
 * - `femeter wallet --dir P`: the dashboard's wallet file of party P, made from P's own key file
 *   (its ledger key; a customer's wallet root too), sealed like the demo's (`gateway/wallet-file`).
 *   It needs no ledger (so it works while `femeter serve` holds the embedded ledger).
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import { MSP_IDS } from '../engines.js';
import { serve, type ServeOptions } from '../gateway/serve.js';
import type { WalletFile } from '../gateway/wallet-file.js';
import { CliError } from './errors.js';
import { connectParty, loadParty, openWallet, orgOf, passphrase, type PartyRole } from './party.js';

/** Roles a gateway may read the registry as (the registry and every public record; no writes). */
const GATEWAY_ROLES: readonly PartyRole[] = ['auditor', 'operator'];

/** The contract role of each party role that has a dashboard view. */
const WALLET_ROLES: Partial<Record<PartyRole, string>> = {
    operator: 'operator',
    provider: 'provider',
    customer: 'customer',
    auditor: 'auditor',
    index: 'indexPublisher',
};

/** Options of {@link serveDir}. */
export interface ServeDirOptions extends ServeOptions {
    readonly dir: string;
    readonly passphraseFile?: string | undefined;
}

/**
 * Serve the embedded ledger of the gateway's party directory until SIGINT/SIGTERM, reading as the
 * directory's own registered identity. Resolves with the exit code.
 * @throws {CliError} a Fabric directory, a role that cannot read the registry, an unregistered identity
 */
export async function serveDir(o: Readonly<ServeDirOptions>): Promise<number> {
    const party = await loadParty(o.dir, { passphraseFile: o.passphraseFile });
    const c = party.config;
    if (c.engine !== 'embedded')
        throw new CliError(
            `${party.dir} is a Fabric party directory; femeter serve --dir serves the embedded engine only`,
            'on Fabric, serve the network with femeter serve --data DIR of a Fabric world (README, "Gateway")',
        );
    if (!GATEWAY_ROLES.includes(c.role))
        throw new CliError(
            `${party.dir} belongs to a ${c.role}; the gateway reads the registry as an auditor (or the operator)`,
            'make the gateway its own directory: femeter init --role auditor --id gateway --dir G --ledger L',
        );
    const { engine, participant } = await connectParty(party);
    try {
        // The gateway resolves callers through the registry: it must be registered itself.
        let parties;
        try {
            parties = await participant.api.listParties();
        } catch (e) {
            throw new CliError(
                `the gateway's identity ${participant.identity.id} cannot read the registry (${(e as Error).message})`,
                `register it: femeter operator register --dir OPERATOR_DIR --request ${party.dir}/registration.json`,
            );
        }
        const me = parties.find(
            (p) =>
                p.identity.mspId === participant.identity.mspId &&
                p.identity.id === participant.identity.id,
        );
        if (me === undefined)
            throw new CliError(
                `the gateway's identity (${c.id}, ${participant.identity.id}) is not registered`,
                `register it: femeter operator register --dir OPERATOR_DIR --request ${party.dir}/registration.json`,
            );
        return await serve(engine, o, { reader: participant.api });
    } catch (e) {
        await engine.close();
        throw e;
    }
}

/** Options of {@link walletDir}. */
export interface WalletDirOptions {
    readonly dir: string;
    /** The party's key file passphrase (else $FEMETER_PASSPHRASE or a prompt). */
    readonly passphraseFile?: string | undefined;
    /** Seal the wallet with this file's passphrase instead of the key file's. */
    readonly walletPassphraseFile?: string | undefined;
    readonly plain: boolean;
}

/**
 * The dashboard wallet of a party directory: sealed (the key file's passphrase unless
 * `walletPassphraseFile`), or plain.
 * @throws {CliError} a Fabric directory (its identity is the network's certificate), a meter or grid directory
 */
export async function walletDir(o: Readonly<WalletDirOptions>): Promise<string> {
    const party = await loadParty(o.dir, { passphraseFile: o.passphraseFile });
    const c = party.config;
    if (c.engine !== 'embedded')
        throw new CliError(
            `${party.dir} is a Fabric party directory: its ledger identity is the network's certificate, which a dashboard wallet cannot carry`,
            'use the dashboard with an embedded deployment, or the CLI commands with --dir on Fabric',
        );
    const role = WALLET_ROLES[c.role];
    if (role === undefined)
        throw new CliError(
            `${party.dir} belongs to a ${c.role}, which has no dashboard view`,
            'make wallets for the operator, providers, customers, auditors and index publishers',
        );
    const wallet: WalletFile = {
        femeter: 'wallet/1',
        party: c.id,
        role,
        mspId: MSP_IDS[orgOf(c.role)],
        ledgerKey: bytesToHex(party.secrets.ledgerKey),
        ...(c.role === 'customer' ? { root: bytesToHex((await openWallet(party)).seed) } : {}),
    };
    if (o.plain) return JSON.stringify(wallet, null, 2) + '\n';
    const { sealWalletFile } = await import('../gateway/wallet-file.js');
    const pass =
        o.walletPassphraseFile === undefined
            ? party.passphrase
            : await passphrase({ passphraseFile: o.walletPassphraseFile });
    return sealWalletFile(wallet, pass);
}
