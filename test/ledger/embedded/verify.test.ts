// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/verify
 * Tamper detection: the LevelDB database is opened directly (as an attacker with disk access would) and a block,
 * a state value, a state key, the txId index or the engine key is changed. `verify` must name the first bad block
 * or the mismatching state key; an untouched ledger verifies clean.
 */

import '../fixtures/quiet.js';

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { ClassicLevel } from 'classic-level';
import fc from 'fast-check';

import { identities, ledgers } from '../../../src/ledger/index.js';
import { SUBLEVELS } from '../../../src/ledger/embedded/store.js';
import { connect, openLedger, party, tempDir } from '../helpers.js';

type Db = ClassicLevel<Uint8Array, Uint8Array>;

function blockKey(n: number): Uint8Array {
    const b = new Uint8Array(8);
    new DataView(b.buffer).setBigUint64(0, BigInt(n));
    return b;
}

/** Open the ledger's LevelDB directly, run `fn`, close. */
async function withDb<T>(dir: string, fn: (db: Db) => Promise<T>): Promise<T> {
    const db: Db = new ClassicLevel<Uint8Array, Uint8Array>(join(dir, 'leveldb'), {
        keyEncoding: 'view',
        valueEncoding: 'view',
    });
    await db.open();
    try {
        return await fn(db);
    } finally {
        await db.close();
    }
}

const blocksOf = (db: Db) =>
    db.sublevel<Uint8Array, Uint8Array>(SUBLEVELS.blocks, {
        keyEncoding: 'view',
        valueEncoding: 'view',
    });
const stateOf = (db: Db) =>
    db.sublevel<string, Uint8Array>(SUBLEVELS.state, {
        keyEncoding: 'utf8',
        valueEncoding: 'view',
    });
const txidsOf = (db: Db) =>
    db.sublevel<Uint8Array, Uint8Array>(SUBLEVELS.txids, {
        keyEncoding: 'view',
        valueEncoding: 'view',
    });

describe('verify', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    let height = 0;

    before(async () => {
        ({ dir, cleanup } = await tempDir());
        const ledger = await openLedger(dir);
        const client = connect(ledger, party('OrgMSP'));
        for (let i = 0; i < 12; i++) await client.submit('Put', `s${i}`, `value-${i}`);
        await Promise.all(
            Array.from({ length: 30 }, (_, i) => client.submit('Put', `c${i}`, `value-${i}`)),
        );
        await client.submit('Delete', 's3');
        await assert.rejects(client.submit('PutThenFail', 'x', 'y'));
        height = Number(ledger.height);
        await ledger.close();
    });
    after(async () => {
        await cleanup();
    });

    it('passes on an untouched ledger and counts blocks and txs', async () => {
        const r = await ledgers.verify(dir);
        assert.equal(r.ok, true, r.reason);
        assert.equal(r.blocks, height);
        assert.equal(r.txs, 12 + 30 + 2);
        assert.equal(r.firstBadBlock, undefined);
    });

    it('names the block when any byte of a stored block is flipped (property)', async () => {
        await fc.assert(
            fc.asyncProperty(
                fc.nat({ max: height - 1 }),
                fc.nat(),
                fc.integer({ min: 1, max: 255 }),
                async (k, pos, xor) => {
                    const original = await withDb(dir, async (db) => {
                        const blocks = blocksOf(db);
                        const value = await blocks.get(blockKey(k));
                        assert.ok(value);
                        const tampered = new Uint8Array(value);
                        const at = pos % tampered.length;
                        tampered[at] = (tampered[at] ?? 0) ^ xor;
                        await blocks.put(blockKey(k), tampered);
                        return value;
                    });
                    try {
                        const r = await ledgers.verify(dir);
                        assert.equal(r.ok, false);
                        assert.equal(r.firstBadBlock, BigInt(k), r.reason);
                        assert.equal(r.blocks, k); // everything before it was fine
                    } finally {
                        await withDb(dir, (db) => blocksOf(db).put(blockKey(k), original));
                    }
                },
            ),
            { numRuns: 25 },
        );
        assert.equal((await ledgers.verify(dir)).ok, true);
    });

    it('reports a state value that differs from the replayed write sets', async () => {
        const key = '\u0000kv\u0000s5\u0000';
        const original = await withDb(dir, async (db) => {
            const state = stateOf(db);
            const value = await state.get(key);
            assert.ok(value);
            const tampered = new Uint8Array(value);
            tampered[0] = (tampered[0] ?? 0) ^ 0x20;
            await state.put(key, tampered);
            return value;
        });
        const r = await ledgers.verify(dir);
        assert.equal(r.ok, false);
        assert.equal(r.badKey, key);
        assert.equal(r.firstBadBlock, undefined); // the chain itself is intact
        assert.match(r.reason ?? '', /state mismatch: value of key/);
        await withDb(dir, (db) => stateOf(db).put(key, original));
        assert.equal((await ledgers.verify(dir)).ok, true);
    });

    it('reports a deleted, an extra and a resurrected state key', async () => {
        const live = '\u0000kv\u0000c7\u0000';
        const deleted = '\u0000kv\u0000s3\u0000';
        const value = await withDb(dir, async (db) => {
            const v = await stateOf(db).get(live);
            await stateOf(db).del(live);
            return v;
        });
        let r = await ledgers.verify(dir);
        assert.equal(r.ok, false);
        assert.equal(r.badKey, live);
        assert.match(r.reason ?? '', /missing from the state/);
        await withDb(dir, (db) => stateOf(db).put(live, value ?? new Uint8Array()));

        await withDb(dir, (db) => stateOf(db).put('forged', new Uint8Array([1])));
        r = await ledgers.verify(dir);
        assert.equal(r.badKey, 'forged');
        assert.match(r.reason ?? '', /no block wrote it/);
        await withDb(dir, (db) => stateOf(db).del('forged'));

        await withDb(dir, (db) => stateOf(db).put(deleted, new TextEncoder().encode('value-3')));
        r = await ledgers.verify(dir);
        assert.equal(r.badKey, deleted);
        await withDb(dir, (db) => stateOf(db).del(deleted));
        assert.equal((await ledgers.verify(dir)).ok, true);
    });

    it('reports a missing block and a block swapped with another', async () => {
        const k = 4;
        const [bk, bNext] = await withDb(dir, async (db) => {
            const blocks = blocksOf(db);
            const a = await blocks.get(blockKey(k));
            const b = await blocks.get(blockKey(k + 1));
            await blocks.del(blockKey(k));
            return [a, b];
        });
        let r = await ledgers.verify(dir);
        assert.equal(r.firstBadBlock, BigInt(k));
        assert.match(r.reason ?? '', /missing/);
        await withDb(dir, (db) => blocksOf(db).put(blockKey(k), bNext ?? new Uint8Array()));
        r = await ledgers.verify(dir);
        assert.equal(r.firstBadBlock, BigInt(k));
        await withDb(dir, (db) => blocksOf(db).put(blockKey(k), bk ?? new Uint8Array()));
        assert.equal((await ledgers.verify(dir)).ok, true);
    });

    it('reports a damaged txId index', async () => {
        const [key, value] = await withDb(dir, async (db) => {
            const txids = txidsOf(db);
            const first = await txids.iterator({ limit: 1 }).all();
            const entry = first[0];
            assert.ok(entry);
            await txids.del(entry[0]);
            return entry;
        });
        const r = await ledgers.verify(dir);
        assert.equal(r.ok, false);
        assert.match(r.reason ?? '', /txId index/);
        assert.notEqual(r.firstBadBlock, undefined);
        await withDb(dir, (db) => txidsOf(db).put(key, value));
        assert.equal((await ledgers.verify(dir)).ok, true);
    });

    it('fails against another engine key', async () => {
        const stranger = identities.ed25519('x', identities.newPrivateKey()).credentials;
        const r = await ledgers.verify(dir, { enginePublicKey: stranger });
        assert.equal(r.ok, false);
    });

    it('runs as a method on an open ledger, consistent while writes continue', async () => {
        const ledger = await openLedger(dir);
        try {
            const client = connect(ledger, party('OrgMSP'));
            const writes = Promise.all(
                Array.from({ length: 40 }, (_, i) => client.submit('Put', `live${i}`, 'x')),
            );
            const r = await ledger.verify();
            await writes;
            assert.equal(r.ok, true, r.reason);
            assert.equal((await ledger.verify()).ok, true);
        } finally {
            await ledger.close();
        }
    });

    it('resumes from a work directory: new blocks and the whole state are still checked', async () => {
        const own = await tempDir();
        const other = await tempDir();
        const work = await tempDir();
        try {
            const fill = async (path: string, prefix: string, n: number): Promise<number> => {
                const ledger = await openLedger(path);
                const client = connect(ledger, party('OrgMSP'));
                for (let i = 0; i < n; i++)
                    await client.submit('Put', `${prefix}${i % 5}`, `v${i}`);
                const h = Number(ledger.height);
                await ledger.close();
                return h;
            };
            await fill(own.dir, 'k', 8);
            let r = await ledgers.verify(own.dir, { workDir: work.dir });
            assert.equal(r.ok, true, r.reason);
            // more blocks, some overwriting keys written before the first run
            const h = await fill(own.dir, 'k', 7);
            r = await ledgers.verify(own.dir, { workDir: work.dir });
            assert.equal(r.ok, true, r.reason);
            assert.equal(r.blocks, h);
            // a state value written in the already-checked prefix is still compared
            const key = '\u0000kv\u0000k1\u0000';
            const value = await withDb(own.dir, (db) => stateOf(db).get(key));
            assert.ok(value);
            await withDb(own.dir, (db) => stateOf(db).put(key, new TextEncoder().encode('forged')));
            r = await ledgers.verify(own.dir, { workDir: work.dir });
            assert.equal(r.ok, false);
            assert.equal(r.badKey, key);
            await withDb(own.dir, (db) => stateOf(db).put(key, value));
            // another ledger with the same work directory: starts over, and still finds its own blocks
            const otherHeight = await fill(other.dir, 'z', 3);
            r = await ledgers.verify(other.dir, { workDir: work.dir });
            assert.equal(r.ok, true, r.reason);
            assert.equal(r.blocks, otherHeight);
            // a missing block after the checked prefix is found on resume
            await withDb(other.dir, (db) => blocksOf(db).del(blockKey(otherHeight - 1)));
            r = await ledgers.verify(other.dir, { workDir: work.dir });
            assert.equal(r.ok, false);
        } finally {
            await Promise.all([own.cleanup(), other.cleanup(), work.cleanup()]);
        }
    });
});
