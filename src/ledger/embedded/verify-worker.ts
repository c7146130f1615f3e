// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/verify-worker
 * Worker thread of {@link VerifyPool}: verifies Ed25519 triples with fe/ed25519 `verifyEd25519`
 * (the very function the contract calls) and answers one boolean per triple.
 */
import { parentPort } from 'node:worker_threads';

import { verifyEd25519 } from '../../fe/ed25519.js';

interface Job {
    readonly id: number;
    readonly items: readonly (readonly [Uint8Array, Uint8Array, Uint8Array])[];
}

parentPort?.on('message', (job: Job) => {
    const ok = job.items.map(([pk, m, sig]) => verifyEd25519(pk, m, sig));
    parentPort?.postMessage({ id: job.id, ok });
});
