// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/embedded/store
 * LevelDB's own memory stays within the bound the store states (issue 15): after writing three times
 * the memtable size of incompressible blocks and reading all of them back (filling the block cache),
 * LevelDB's approximate memory usage (memtables + block cache) is at most two memtables plus the
 * block cache, and the data is all there.
 */

import assert from 'node:assert/strict';
import { randomFillSync } from 'node:crypto';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import {
    blockKey,
    LedgerStore,
    STORE_CACHE_BYTES,
    STORE_WRITE_BUFFER_BYTES,
} from '../../../src/ledger/embedded/store.js';
import { tempDir } from '../helpers.js';

describe('LedgerStore memory bounds', () => {
    it('keeps memtables and block cache within 2 × write buffer + cache when overfilled', async () => {
        const { dir, cleanup } = await tempDir('femeter-store-');
        const store = await LedgerStore.open(join(dir, 'leveldb'));
        try {
            const chunk = 256 * 1024;
            const count = (3 * STORE_WRITE_BUFFER_BYTES) / chunk;
            const bound = 2 * STORE_WRITE_BUFFER_BYTES + STORE_CACHE_BYTES;
            const usage = (): number =>
                Number(store.db.getProperty('leveldb.approximate-memory-usage'));
            let largest = 0;
            for (let i = 0; i < count; i += 4) {
                const ops = store.db.batch();
                for (let j = i; j < i + 4; j++)
                    ops.put(blockKey(BigInt(j)), randomFillSync(new Uint8Array(chunk)), {
                        sublevel: store.blocks,
                    });
                await ops.write();
                largest = Math.max(largest, usage());
            }
            let read = 0;
            for await (const v of store.blocks.values()) {
                assert.equal(v.length, chunk);
                read++;
                largest = Math.max(largest, usage());
            }
            assert.equal(read, count);
            // the check can fail: an unbounded memtable would hold all 3 × write buffer bytes
            assert.ok(count * chunk > bound);
            assert.ok(largest > 0, 'LevelDB reports its memory usage');
            assert.ok(largest <= bound, `LevelDB used ${largest} bytes, bound ${bound}`);
        } finally {
            await store.close();
            await cleanup();
        }
    });
});
