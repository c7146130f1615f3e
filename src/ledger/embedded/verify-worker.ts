// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/verify-worker
 * Worker thread of {@link VerifyPool}: verifies a job's Ed25519 triples with fe/ed25519
 * `verifyEd25519Many` (with the native accelerator, one ed25519-dalek batch equation per job and
 * one-by-one checks only when it fails; otherwise `verifyEd25519`, the very function the contract
 * calls) and answers one boolean per triple; when the job carries point encodings, also whether
 * they all decode (`groupByName(group).decodeMany`, the contract's own check).
 */
import { parentPort } from 'node:worker_threads';

import { verifyEd25519Many } from '../../fe/ed25519.js';
import { groupByName } from '../../fe/groups.js';
import { unpackJob, type VerifyAnswer, type VerifyJob } from './verify-pool.js';

/** Whether every encoding decodes (`decodeMany`, the check the contract makes). */
function pointsDecode(p: NonNullable<VerifyJob['points']>): boolean {
    try {
        groupByName(p.group).decodeMany(p.bytes, p.count, 'c');
        return true;
    } catch {
        return false;
    }
}

parentPort?.on('message', (job: VerifyJob) => {
    const answer: VerifyAnswer = {
        id: job.id,
        ok: verifyEd25519Many(unpackJob(job)),
        ...(job.points === undefined ? {} : { pointsOk: pointsDecode(job.points) }),
    };
    parentPort?.postMessage(answer);
});
