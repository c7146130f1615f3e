// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/verify-worker
 * Worker thread of {@link VerifyPool}: verifies a job's Ed25519 triples with fe/ed25519
 * `verifyEd25519Many` (with the native accelerator, one ed25519-dalek batch equation per job and
 * one-by-one checks only when it fails; otherwise `verifyEd25519`, the very function the contract
 * calls) and answers one boolean per triple.
 */
import { parentPort } from 'node:worker_threads';

import { verifyEd25519Many } from '../../fe/ed25519.js';
import { unpackJob, type VerifyJob } from './verify-pool.js';

parentPort?.on('message', (job: VerifyJob) => {
    parentPort?.postMessage({ id: job.id, ok: verifyEd25519Many(unpackJob(job)) });
});
