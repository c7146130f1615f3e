// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric
 * The Hyperledger Fabric engine of femeter's ledger client (see `./ledger.ts`), plus what apps need
 * around it: the connection profile written by `scripts/fabric/up` and the participant → Fabric user map
 * (deploying chaincodes is the apps' job: `src/apps/fabric/deploy.ts`). Importing this module loads nothing of Fabric;
 * `FabricLedger.open` does.
 *
 * @example
 * ```ts
 * import { FabricLedger, defaultConnectionPath } from './ledger/fabric/index.js';
 *
 * const ledger = await FabricLedger.open({ connectionPath: defaultConnectionPath() });
 * const client = await ledger.connectUser('OperatorMSP', 'User1');
 * console.log(new TextDecoder().decode(await client.evaluate('WhoAmI')));
 * await ledger.close();
 * ```
 */
export { FABRIC_DEFAULTS, FabricLedger, blockchainHeight } from './ledger.js';
export type { FabricConnectOptions, FabricLedgerOptions, FabricTimeouts } from './ledger.js';
export {
    CONNECTION_SCHEMA,
    clientUsers,
    defaultConnectionPath,
    loadConnectionProfile,
    parseConnectionProfile,
} from './connection.js';
export type {
    FabricChaincodeRecord,
    FabricConnectionProfile,
    FabricOrganization,
    FabricPeer,
    FabricUserFiles,
} from './connection.js';
export {
    CONFLICT_CODES,
    TX_VALIDATION_CODES,
    commitFailure,
    contractMessageOf,
    fromFabricError,
    isTransient,
} from './errors.js';
export type { FabricPhase } from './errors.js';
export { blockHeaderBytes, parsePolicy, verifyFabricChain } from './verify.js';
export type {
    FabricBlockSource,
    FabricProblem,
    FabricTransaction,
    FabricVerifyOptions,
    FabricVerifyReport,
    FabricWrite,
} from './verify.js';
export {
    compareState,
    contractStateSource,
    printableKey,
    ReplayedState,
    verifyFabricLedger,
} from './state-check.js';
export type {
    FabricLedgerReport,
    FabricStateSource,
    StateProblem,
    StateReport,
} from './state-check.js';
export {
    decodeFabricProposal,
    fabricDigest,
    fabricIdentityId,
    FabricOfflineSigner,
    isCertificate,
    loadFabricProtos,
    verifyFabricSignature,
} from './offline.js';
export type { DecodedFabricProposal } from './offline.js';
export { PARTICIPANTS_SCHEMA, ParticipantDirectory } from './participants.js';
export type { ParticipantDirectoryOptions } from './participants.js';

import { FabricLedger, type FabricLedgerOptions } from './ledger.js';

/**
 * Factory in the style of `ledgers.embedded`: `fabricLedgers.open(options)` = {@link FabricLedger.open}.
 *
 * @example
 * ```ts
 * const ledger = await fabricLedgers.open({ connectionPath, chaincode: 'femeter' });
 * ```
 */
export const fabricLedgers = Object.freeze({
    /** Open a Fabric network's ledger (loads the Fabric packages). */
    open(options: Readonly<FabricLedgerOptions> = {}): Promise<FabricLedger> {
        return FabricLedger.open(options);
    },
});
