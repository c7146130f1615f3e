// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe
 * femeter's functional-encryption core: groups, the ABDP15 inner-product scheme, bounded discrete
 * logs, bill proofs, the privacy guard, serialization and key files; multi-client FE with
 * decentralised key generation for grid aggregates. Depends on nothing else of femeter.
 */
export * from './errors.js';
export * from './group.js';
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
export * from './groups.js';
export * from './kdf.js';
export * from './ipfe.js';
export { BsgsTable, MIN_LOG_T, MAX_LOG_T, type Progress } from './dlog.js';
export * from './proof.js';
export * from './codec.js';
export * from './keyfile.js';
export * from './ed25519.js';
export * from './hash-to-group.js';
export * from './mcfe.js';
export * from './dmcfe-keygen.js';
export * from './aggregate-guard.js';
export * from './mcfe-codec.js';
