// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger
 * The ledger layer: one engine-neutral client interface ({@link LedgerClient}), its error tree, checkpointers,
 * and the engines behind it. `ledgers.embedded` opens the in-process engine; the Fabric engine
 * (`src/ledger/fabric/`, through @hyperledger/fabric-gateway) is added beside it and must load its packages only
 * when chosen.
 *
 * @example
 * ```ts
 * import { ledgers, identities, signers, checkpointers } from './ledger/index.js';
 *
 * const ledger = await ledgers.embedded({ path: './data/ledger', contracts: [FemeterContract] });
 * const key = identities.newPrivateKey();
 * const client = ledger.connect({ identity: identities.ed25519('MeterMSP', key), signer: signers.ed25519(key) });
 * await client.submit('PutReadings', batchJson);
 * await ledger.close();
 * ```
 */

import type { EmbeddedLedger } from './embedded/engine.js';
import { engines } from './engines.js';
import type { FabricLedger, FabricLedgerOptions } from './fabric/index.js';
import type { EmbeddedLedgerOptions } from './embedded/engine.js';
import { verifyLedger } from './embedded/verify.js';
import type { VerifyOptions, VerifyResult } from './embedded/verify.js';

export type {
    ChaincodeEvent,
    CommittedTransaction,
    Checkpointer,
    CloseableAsyncIterable,
    ConnectOptions,
    EventsOptions,
    Identity,
    Ledger,
    LedgerClient,
    Signer,
    SubmitResult,
} from './client.js';
export { CommitError, EndorseError, LedgerError, SubmitError } from './errors.js';
export type { ContractErrorInfo, LedgerErrorCode, LedgerErrorOptions } from './errors.js';
export { checkpointers } from './checkpointers.js';
export { EMBEDDED_DEFAULTS, EmbeddedLedger } from './embedded/engine.js';
export type { EmbeddedLedgerOptions, TransactionInfo } from './embedded/engine.js';
export type { ContractClass } from './inprocess/dispatch.js';
export type { Ed25519Backend } from './embedded/crypto.js';
export { identities, signers, ED25519_ID_PREFIX } from './embedded/identity.js';
export {
    decodeProposal,
    decodeSignedEnvelope,
    encodeProposal,
    encodeSignedEnvelope,
    newProposal,
    signPayload,
    transactionId,
} from './embedded/envelope.js';
export type { Proposal, SignedEnvelope, TxTimestamp } from './embedded/envelope.js';
export type { Block, BlockWrite, TxRecord, ValidationCode, WriteOp } from './embedded/block.js';
export { verifyLedger } from './embedded/verify.js';
export type { EngineKeySource, VerifyOptions, VerifyResult } from './embedded/verify.js';
export { CHECKPOINT_FORMAT, CheckpointError, openCheckpoint } from './embedded/anchor.js';
export type { Anchor, SignedCheckpoint } from './embedded/anchor.js';

export { DEFAULT_ENGINE, ENGINE_NAMES, engines, isEngineName, parseEngineName } from './engines.js';
export type { EngineEntry, EngineName, EngineTypes } from './engines.js';

/**
 * Ledger engine factories (the {@link engines} registry's `open`s, plus `verify`).
 *
 * @example
 * ```ts
 * const ledger = await ledgers.embedded({ path: dir, contracts: [FemeterContract] });
 * const report = await ledgers.verify(dir); // with the ledger closed
 * ```
 */
export const ledgers = Object.freeze({
    /** Open (or create) an embedded ledger in a directory. */
    embedded(options: Readonly<EmbeddedLedgerOptions>): Promise<EmbeddedLedger> {
        return engines.embedded.open(options);
    },
    /**
     * Open a Hyperledger Fabric ledger (the adapter and its Fabric packages load only here).
     * @example const ledger = await ledgers.fabric({ connectionPath: '~/.cache/femeter/fabric-net/connection.json' });
     */
    fabric(options: Readonly<FabricLedgerOptions> = {}): Promise<FabricLedger> {
        return engines.fabric.open(options);
    },
    /** Verify a closed embedded ledger directory (chain, signatures, txIds, state). */
    verify(path: string, options: Readonly<VerifyOptions> = {}): Promise<VerifyResult> {
        return verifyLedger(path, options);
    },
});
