// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe
 * femeter's functional-encryption core: groups, the ABDP15 inner-product scheme, bounded discrete
 * logs, bill proofs, the privacy guard, serialization and key files; multi-client FE with
 * decentralised key generation for grid aggregates. Depends on nothing else of femeter.
 */
export {
    FeError,
    DecodeError,
    RangeCheckError,
    DlogBoundError,
    KeyCheckError,
    ProofError,
    KeyFileError,
    TableIntegrityError,
} from './errors.js';
export {
    GROUP_IDS,
    mod,
    signedScalar,
    type GroupName,
    type DecodeOptions,
    type Group,
} from './group.js';
export {
    makeRistretto255,
    ristretto255,
    RistrettoElement,
    type RistrettoBackend,
} from './ristretto255.js';
export {
    BACKEND_ORDER,
    backendChoice,
    describeBackend,
    dlogTableLog2,
    initBackends,
    type BackendChoice,
} from './backends.js';
export { loadWasm } from './wasm.js';
export { makeFfdhe, ffdhe2048, ffdhe3072, ffdhe4096, FfElement, modPowBigInt } from './ffdhe.js';
export { GROUP_NAMES, groupByName, groupById, type AnyGroup } from './groups.js';
export { LABELS, encodeTuple, deriveScalars, hashToScalar } from './kdf.js';
export {
    MAX_SLOTS,
    MAX_WEIGHT,
    checkWeights,
    setup,
    keyDer,
    keyImage,
    checkKey,
    encRandomness,
    Encryptor,
    Accumulator,
    weightedSum,
    innerProductBound,
    decryptFolded,
    decrypt,
    decryptSlot,
    type EpochContext,
    type MasterSecretKey,
    type MasterPublicKey,
    type FunctionalKey,
    type DlogSolver,
} from './ipfe.js';
export { BsgsTable, MIN_LOG_T, MAX_LOG_T, type Progress } from './dlog.js';
export { proveBill, verifyBill, assertBill, type BillStatement, type BillProof } from './proof.js';
export {
    encodeMpk,
    decodeMpk,
    encodeFunctionalKey,
    decodeFunctionalKey,
    encodeProof,
    decodeProof,
} from './codec.js';
export { MAX_KEYFILE_BYTES, DEFAULT_SCRYPT_LOG_N, sealKeyFile, openKeyFile } from './keyfile.js';
export {
    ED25519_PUBLIC_KEY_BYTES,
    ED25519_SECRET_KEY_BYTES,
    ED25519_SIGNATURE_BYTES,
    Ed25519KeyError,
    ED25519_SMALL_ORDER_POINTS,
    isValidEd25519PublicKey,
    assertValidEd25519PublicKey,
    verifyEd25519,
    verifyEd25519Many,
    ed25519Signer,
    signEd25519,
    ed25519PublicKey,
    randomEd25519SecretKey,
    type Ed25519Backend,
    type Ed25519Signer,
    type Ed25519Triple,
} from './ed25519.js';
export { hashToGroup } from './hash-to-group.js';
export {
    MAX_MEMBERS,
    MAX_ID_BYTES,
    IncompleteAggregateError,
    checkId,
    checkEpoch,
    sameEpoch,
    compareMembers,
    checkMembers,
    sortMembers,
    ROSTER_DIGEST_BYTES,
    rosterDigest,
    clientKey,
    labelOf,
    hashLabel,
    pad,
    pads,
    McfeEncryptor,
    mcfeKeyDer,
    weightedCiphertextSum,
    mcfeDecrypt,
    type AggregationEpoch,
    type McfeLabel,
    type McfeCiphertext,
    type ClientKey,
    type LabelPoints,
    type McfeFunctionalKey,
} from './mcfe.js';
export {
    FUNCTION_DIGEST_BYTES,
    KeyShareError,
    memberDhKey,
    checkFunction,
    functionDigest,
    keyShare,
    combineKeyShares,
    type MemberPublicKey,
    type MemberDhSecret,
    type AggregateFunction,
    type KeyShare,
    type KeyShareProblem,
} from './dmcfe-keygen.js';
export {
    AGGREGATE_DEFAULT_MIN_MEMBERS,
    AGGREGATE_MIN_MEMBERS_FLOOR,
    AggregateGuardError,
    checkAggregateFunction,
    assertAggregateFunction,
    checkDisjointGroups,
    type AggregateGuardOptions,
    type AggregateGuardCode,
    type AggregateGuardDecision,
} from './aggregate-guard.js';
export {
    proveAggregate,
    verifyAggregate,
    keyCommitment,
    encodeAggregateProof,
    decodeAggregateProof,
    type AggregateStatement,
    type AggregateProof,
} from './aggregate-proof.js';
export {
    encodeMcfeCiphertext,
    decodeMcfeCiphertext,
    encodeMemberPublicKey,
    decodeMemberPublicKey,
    encodeKeyShare,
    decodeKeyShare,
    encodeMcfeFunctionalKey,
    decodeMcfeFunctionalKey,
} from './mcfe-codec.js';
