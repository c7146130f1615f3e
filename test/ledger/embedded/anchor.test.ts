// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/anchor
 * Trust anchors against tail truncation: an attacker with write access to the database (and no key) drops the
 * last blocks, rebuilds state, txId index and meta. Without anchors `verify` cannot tell; with a submit receipt or
 * a signed checkpoint kept outside the data directory it names the cut.
 */

import '../fixtures/quiet.js';

import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
    CheckpointError,
    identities,
    ledgers,
    openCheckpoint,
    verifyLedger,
} from '../../../src/ledger/index.js';
import type { Anchor, SubmitResult } from '../../../src/ledger/index.js';
import { blockKey, LedgerStore } from '../../../src/ledger/embedded/store.js';
import { ed25519PublicKey } from '../../../src/ledger/embedded/crypto.js';
import { connect, openLedger, party, tempDir } from '../helpers.js';
import { truncate } from '../fixtures/truncate.js';

const receiptOf = (r: SubmitResult): Anchor => {
    assert.ok(r.blockHash instanceof Uint8Array, 'the embedded engine returns the block hash');
    return { blockNumber: r.blockNumber, blockHash: r.blockHash };
};

describe('trust anchors (receipts, signed checkpoints)', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    const engineKey = identities.newPrivateKey();
    const enginePublicKey = ed25519PublicKey(engineKey);
    const receipts: Anchor[] = [];
    let checkpointText = '';
    let onDemand: unknown;

    before(async () => {
        ({ dir, cleanup } = await tempDir());
        const ledger = await openLedger(dir, { engineKey, checkpointEvery: 4 });
        const client = connect(ledger, party('OrgMSP'));
        // One block per submit (each awaited): blocks 0..9; a bill-like record in the last ones.
        for (let i = 0; i < 10; i++)
            receipts.push(receiptOf(await client.submit('Put', `k${i}`, `v${i}`)));
        for (const [i, r] of receipts.entries()) {
            const block = await ledger.getBlock(r.blockNumber);
            assert.equal(r.blockNumber, BigInt(i));
            assert.deepEqual(block?.hash, r.blockHash, 'the receipt names the stored block');
        }
        onDemand = ledger.checkpoint();
        await ledger.close();
        checkpointText = await readFile(join(dir, 'checkpoint.json'), 'utf8');
    });
    after(async () => {
        await cleanup();
    });

    it('publishes a signed checkpoint every N blocks and on demand', () => {
        // Heights 4 and 8 were checkpointed; the file holds the latest (block 7).
        const fromFile = openCheckpoint(checkpointText, enginePublicKey, 'femeter');
        assert.equal(fromFile.blockNumber, 7n);
        assert.deepEqual(fromFile.blockHash, receipts[7]?.blockHash);
        const tip = openCheckpoint(onDemand, enginePublicKey);
        assert.equal(tip.blockNumber, 9n);
        assert.deepEqual(tip.blockHash, receipts[9]?.blockHash);
    });

    it('refuses a forged, altered or foreign checkpoint', () => {
        const cp = JSON.parse(checkpointText) as Record<string, unknown>;
        const other = ed25519PublicKey(identities.newPrivateKey());
        assert.throws(() => openCheckpoint(cp, other), CheckpointError);
        assert.throws(
            () => openCheckpoint({ ...cp, blockNumber: '8' }, enginePublicKey),
            CheckpointError,
        );
        assert.throws(() => openCheckpoint(cp, enginePublicKey, 'other-channel'), CheckpointError);
        assert.throws(() => openCheckpoint('{', enginePublicKey), CheckpointError);
        assert.throws(
            () => openCheckpoint({ ...cp, blockHash: 'zz' }, enginePublicKey),
            CheckpointError,
        );
    });

    it('an intact chain verifies with every receipt and the checkpoint, key given from outside', async () => {
        const anchors = [...receipts, openCheckpoint(checkpointText, enginePublicKey)];
        const r = await verifyLedger(dir, { enginePublicKey, anchors });
        assert.equal(r.ok, true, r.reason);
        assert.equal(r.engineKeySource, 'given');
        assert.equal(r.anchors, 10);
    });

    it('a check resumed from a work directory still checks every anchor, also in the checked prefix', async () => {
        const own = await tempDir();
        const work = await tempDir();
        try {
            const ledger = await openLedger(own.dir, { engineKey });
            const client = connect(ledger, party('OrgMSP'));
            const mine: Anchor[] = [];
            for (let i = 0; i < 6; i++)
                mine.push(receiptOf(await client.submit('Put', `a${i}`, `v${i}`)));
            await ledger.close();
            const verify = (anchors: readonly Anchor[]) =>
                verifyLedger(own.dir, { enginePublicKey, anchors, workDir: work.dir });
            let r = await verify(mine);
            assert.equal(r.ok, true, r.reason);

            const more = await openLedger(own.dir, { engineKey });
            const moreClient = connect(more, party('OrgMSP'));
            for (let i = 6; i < 10; i++)
                mine.push(receiptOf(await moreClient.submit('Put', `a${i}`, `v${i}`)));
            await more.close();
            // a forged receipt for a block checked by the first run
            const forged: Anchor = { blockNumber: 2n, blockHash: new Uint8Array(32).fill(9) };
            r = await verify([...mine, forged].filter((a) => a.blockNumber !== 2n || a === forged));
            assert.equal(r.ok, false);
            assert.equal(r.firstBadBlock, 2n);
            assert.match(r.reason ?? '', /not the block of the receipt/);
            r = await verify(mine);
            assert.equal(r.ok, true, r.reason);
            assert.equal(r.blocks, 10);
            assert.equal(r.anchors, 10);

            // an anchored block of the checked prefix rewritten on disk: the resumed check sees it
            const store = await LedgerStore.open(join(own.dir, 'leveldb'), {
                createIfMissing: false,
            });
            try {
                const stored = await store.blocks.get(blockKey(3n));
                assert.ok(stored);
                const changed = new Uint8Array(stored);
                changed[changed.length - 1] = (changed[changed.length - 1] ?? 0) ^ 1;
                await store.blocks.put(blockKey(3n), changed);
            } finally {
                await store.close();
            }
            r = await verify([mine[3]!]);
            assert.equal(r.ok, false);
            assert.equal(r.firstBadBlock, 3n);

            // a cut tail after a resumed run is named by the receipt of the dropped block
            const cutDir = await tempDir();
            const cutWork = await tempDir();
            try {
                const cut = await openLedger(cutDir.dir, { engineKey });
                const cutClient = connect(cut, party('OrgMSP'));
                const receiptsOfCut: Anchor[] = [];
                for (let i = 0; i < 8; i++)
                    receiptsOfCut.push(receiptOf(await cutClient.submit('Put', `c${i}`, 'v')));
                await cut.close();
                const opts = { enginePublicKey, workDir: cutWork.dir };
                assert.equal((await verifyLedger(cutDir.dir, opts)).ok, true);
                await truncate(cutDir.dir, 5n);
                const t = await verifyLedger(cutDir.dir, { ...opts, anchors: [receiptsOfCut[7]!] });
                assert.equal(t.ok, false);
                assert.match(t.reason ?? '', /truncated.*block 7/);
            } finally {
                await Promise.all([cutDir.cleanup(), cutWork.cleanup()]);
            }
        } finally {
            await Promise.all([own.cleanup(), work.cleanup()]);
        }
    });

    it('a cut tail passes without anchors but is named with a receipt or a checkpoint', async () => {
        await truncate(dir, 6n);
        const blind = await verifyLedger(dir, { enginePublicKey });
        assert.equal(
            blind.ok,
            true,
            'the attack is invisible without an anchor (why anchors exist)',
        );
        assert.equal(blind.blocks, 6);

        const withReceipt = await verifyLedger(dir, { enginePublicKey, anchors: [receipts[9]!] });
        assert.equal(withReceipt.ok, false);
        assert.equal(withReceipt.firstBadBlock, 6n);
        assert.match(withReceipt.reason ?? '', /truncated.*block 9/);

        const checkpoint = openCheckpoint(checkpointText, enginePublicKey);
        const withCheckpoint = await ledgers.verify(dir, {
            enginePublicKey,
            anchors: [checkpoint],
        });
        assert.equal(withCheckpoint.ok, false);
        assert.match(withCheckpoint.reason ?? '', /truncated.*block 7/);

        // Earlier receipts still match: they alone cannot see the cut.
        const early = await verifyLedger(dir, { enginePublicKey, anchors: receipts.slice(0, 6) });
        assert.equal(early.ok, true, early.reason);
    });

    it('a receipt whose block was replaced names that block', async () => {
        const forged: Anchor = { blockNumber: 3n, blockHash: new Uint8Array(32).fill(7) };
        const r = await verifyLedger(dir, { enginePublicKey, anchors: [forged] });
        assert.equal(r.ok, false);
        assert.equal(r.firstBadBlock, 3n);
        assert.match(r.reason ?? '', /not the block of the receipt/);
    });

    it('refuses malformed anchors', async () => {
        const bad = [{ blockNumber: 1, blockHash: new Uint8Array(32) }] as unknown as Anchor[];
        await assert.rejects(verifyLedger(dir, { anchors: bad }), TypeError);
    });
});
