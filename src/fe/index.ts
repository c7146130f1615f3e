// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe
 * femeter's functional-encryption core: groups, the ABDP15 inner-product scheme, bounded discrete
 * logs, bill proofs, the privacy guard, serialization and key files. Depends on nothing else of femeter.
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
