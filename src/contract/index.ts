// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract
 * The femeter contract, as Fabric chaincode expects it (`contracts`) and for the embedded engine.
 */
import { FemeterContract } from './femeter.js';

export { FemeterContract } from './femeter.js';
export { ContractError, contractErrorCode, type ContractErrorCode } from './errors.js';
export {
    ROLES,
    MEDIA,
    UNITS,
    type Role,
    type LedgerIdentity,
    type IdentityRef,
    type Party,
    type MeterChannel,
    type Meter,
    type MpkRecord,
    type MpkAck,
    type TariffRecord,
    type SeriesRecord,
    type Agreement,
    type Consent,
    type ConsentGuard,
    type LedgerConfig,
    type SeriesOwner,
    type Fold,
    type MeterSequence,
    type PeriodRecord,
    type SlotRecord,
    type Bill,
    type Survey,
} from './records.js';
export {
    parseSurveySpec,
    surveyWeights,
    SURVEY_KINDS,
    MAX_SURVEY_ZONES,
    type SurveySpec,
} from './survey-spec.js';
export { MAX_SURVEYS_PER_EPOCH } from './survey.js';
export {
    STATE_DIGEST_PAGE_MAX,
    STATE_OBJECT_TYPES,
    type StateDigestPage,
} from './state-digests.js';
export {
    readingPayload,
    mpkAckPayload,
    closePayload,
    verifyEd25519,
    ed25519Signer,
    STATUS,
    STATUS_MASK,
} from './signing.js';
export { marshal, marshalString, unmarshal } from './marshal.js';
export {
    MAX_BATCH,
    readingBatchHex,
    type ReadingInput,
    type ReadingEventItem,
} from './readings.js';
export {
    encodeReadingBatch,
    decodeReadingBatch,
    CHUNK_SLOTS,
    type BinaryReading,
} from './reading-batch.js';
export { weightsDigest } from './weights.js';
export { periodDigest } from './period-digest.js';
export {
    ENVELOPE_OVERHEAD_BYTES,
    TX_MAX_BYTES,
    txMaxBytesByName,
    unadmittedCreator,
} from './admission.js';

/** Contracts of this chaincode (fabric-chaincode-node reads this export). */
export const contracts = [FemeterContract];
