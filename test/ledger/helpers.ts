// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/helpers
 * Shared setup for the ledger tests: temporary directories, a ledger with the fixture contracts, and identities.
 */

import './fixtures/quiet.js';

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import assert from 'node:assert/strict';

import { EndorseError, identities, ledgers, signers } from '../../src/ledger/index.js';
import type {
    EmbeddedLedger,
    EmbeddedLedgerOptions,
    Identity,
    LedgerClient,
    Signer,
} from '../../src/ledger/index.js';
import { contracts } from './fixtures/kv-contract.js';

export const dec = new TextDecoder();
export const text = (b: Uint8Array): string => dec.decode(b);

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(
    prefix = 'femeter-ledger-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** An identity with its key and signer. */
export interface Party {
    readonly privateKey: Uint8Array;
    readonly identity: Identity;
    readonly signer: Signer;
}

export function party(mspId: string): Party {
    const privateKey = identities.newPrivateKey();
    return {
        privateKey,
        identity: identities.ed25519(mspId, privateKey),
        signer: signers.ed25519(privateKey),
    };
}

/** Open a ledger on `dir` with the fixture contracts. */
export function openLedger(
    dir: string,
    options: Partial<EmbeddedLedgerOptions> = {},
): Promise<EmbeddedLedger> {
    return ledgers.embedded({ path: dir, contracts, ...options });
}

export function connect(ledger: EmbeddedLedger, p: Party): LedgerClient {
    return ledger.connect({ identity: p.identity, signer: p.signer });
}

/** An `assert.rejects` check: an EndorseError with `code`. */
export function isEndorse(code: string): (e: unknown) => boolean {
    return (e: unknown) => {
        assert.ok(e instanceof EndorseError, `expected EndorseError, got ${String(e)}`);
        assert.equal(e.code, code, e.message);
        return true;
    };
}
