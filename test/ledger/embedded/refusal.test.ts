// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/refusal
 * Refusals cannot fill the disk: what fails admission (unknown creator, oversize for its transaction kind, bad
 * signature) is refused before ordering and stores nothing; a contract refusal is recorded as txId, payload hash,
 * code and a bounded message, never its payload.
 */

import '../fixtures/quiet.js';

import assert from 'node:assert/strict';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { EndorseError, verifyLedger } from '../../../src/ledger/index.js';
import { toHex } from '../../../src/ledger/embedded/codec.js';
import type { EmbeddedLedger, LedgerClient } from '../../../src/ledger/index.js';
import type { Party } from '../helpers.js';
import { connect, isEndorse, openLedger, party, tempDir } from '../helpers.js';

const MIB = 1024 * 1024;
/** Just under the 4 MiB envelope limit once framed and signed. */
const BIG = 'x'.repeat(4 * MIB - 8 * 1024);

async function dirBytes(dir: string): Promise<number> {
    let total = 0;
    for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
        if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
    }
    return total;
}

describe('refusals store nothing (admission) or a bounded record (contract)', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    let ledger: EmbeddedLedger;
    let operator: Party;
    let stranger: Party;
    let registered: LedgerClient;

    before(async () => {
        ({ dir, cleanup } = await tempDir());
        operator = party('OrgMSP');
        stranger = party('OrgMSP');
        const operatorHex = toHex(operator.identity.credentials);
        ledger = await openLedger(dir, {
            maxTxBytes: { Put: 64 * 1024 },
            // "Registered" = the operator, or a key the kv contract stored as item `party:<hex>` (its composite key).
            creatorCheck: (creator, _txName, state) => {
                const hex = toHex(creator.credentials);
                if (
                    hex === operatorHex ||
                    state.get(`\u0000kv\u0000party:${hex}\u0000`) !== undefined
                )
                    return undefined;
                return `identity ${hex.slice(0, 16)}… is not registered`;
            },
        });
        registered = connect(ledger, operator);
        await registered.submit('Put', 'warm', 'up');
    });
    after(async () => {
        await ledger.close();
        await cleanup();
    });

    it('ten 4 MiB envelopes from an unregistered key are refused before ordering; the store does not grow', async () => {
        const client = connect(ledger, stranger);
        const height = ledger.height;
        const before = await dirBytes(dir);
        for (let i = 0; i < 10; i++) {
            await assert.rejects(
                client.submit('PutThenFail', `k${i}`, BIG),
                isEndorse('ACCESS_DENIED'),
            );
        }
        assert.equal(ledger.height, height, 'nothing was ordered');
        const grown = (await dirBytes(dir)) - before;
        assert.ok(grown < 4096, `the store grew by ${grown} bytes`);
    });

    it('ten 4 MiB contract refusals from a registered key grow the store by a bounded record each', async () => {
        const before = await dirBytes(dir);
        const txIds: string[] = [];
        for (let i = 0; i < 10; i++) {
            await assert.rejects(registered.submit('PutThenFail', `k${i}`, BIG), (e: unknown) => {
                assert.ok(e instanceof EndorseError);
                assert.equal(e.code, 'CONTRACT_ERROR');
                if (e.transactionId !== undefined) txIds.push(e.transactionId);
                return true;
            });
        }
        const grown = (await dirBytes(dir)) - before;
        assert.ok(
            grown < 10 * 1024,
            `the store grew by ${grown} bytes for 40 MiB of refused payload`,
        );
        assert.equal(txIds.length, 10);
        for (const txId of txIds) {
            const info = await ledger.getTransaction(txId);
            assert.equal(info?.validationCode, 'CONTRACT_ERROR', 'the refusal is recorded');
            const block = await ledger.getBlock(info.blockNumber);
            const tx = block?.txs[info.index];
            assert.ok(tx !== undefined);
            assert.equal(tx.payload.length, 0);
            assert.equal(tx.payloadHash.length, 32);
        }
        // A refused txId stays spent.
        const r = await ledger.verify();
        assert.equal(r.ok, true, r.reason);
    });

    it('a registered key admitted later, oversize per transaction kind refused', async () => {
        await registered.submit('Put', `party:${toHex(stranger.identity.credentials)}`, 'yes');
        const client = connect(ledger, stranger);
        await client.submit('Put', 'from-stranger', 'ok');
        const height = ledger.height;
        await assert.rejects(
            client.submit('Put', 'big', 'y'.repeat(70 * 1024)),
            isEndorse('TOO_LARGE'),
        );
        assert.equal(ledger.height, height, 'nothing was ordered');
    });

    it('the closed ledger verifies', async () => {
        await ledger.close();
        const r = await verifyLedger(dir);
        assert.equal(r.ok, true, r.reason);
        ledger = await openLedger(dir);
    });
});
