// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/verify-worker
 * Worker thread of {@link VerifyPool}: verifies Ed25519 triples with fe/ed25519
 * `verifyEd25519Many` (with the native accelerator, one ed25519-dalek batch equation per job and
 * one-by-one checks only when it fails; otherwise `verifyEd25519`, the very function the contract
 * calls) and answers one boolean per triple.
 */
import { parentPort } from 'node:worker_threads';

import { verifyEd25519Many } from '../../fe/ed25519.js';

interface Job {
    readonly id: number;
    readonly items: readonly (readonly [Uint8Array, Uint8Array, Uint8Array])[];
}

parentPort?.on('message', (job: Job) => {
    const ok = verifyEd25519Many(
        job.items.map(([publicKey, message, signature]) => ({ publicKey, message, signature })),
    );
    parentPort?.postMessage({ id: job.id, ok });
});
