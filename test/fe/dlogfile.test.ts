// SPDX-License-Identifier: Apache-2.0
/** Disk-cached baby-step tables: build, load, detect corruption and rebuild. */
import { strict as assert } from 'node:assert';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BsgsTable, makeRistretto255, TableIntegrityError } from './exports.js';
import { loadOrBuildTable, tablePath } from '../../src/fe/dlog-file.js';

describe('dlog table cache', () => {
    const g = makeRistretto255('noble');
    it('builds, then loads, then rebuilds a corrupted file', async (t) => {
        const dir = await mkdtemp(join(tmpdir(), 'femeter-dlog-'));
        t.after(() => rm(dir, { recursive: true, force: true }));
        const a = await loadOrBuildTable(g, 8, dir);
        assert.equal(a.source, 'built');
        const b = await loadOrBuildTable(g, 8, dir);
        assert.equal(b.source, 'loaded');
        assert.equal(b.table.solve(g.mulBase(300n), 1000n), 300n);
        const path = tablePath(dir, g.name, 8);
        const bytes = await readFile(path);
        bytes[100] = bytes[100]! ^ 1;
        await writeFile(path, bytes);
        const c = await loadOrBuildTable(g, 8, dir);
        assert.equal(c.source, 'rebuilt-corrupt');
        assert.match(c.reason ?? '', /checksum/);
        assert.equal((await loadOrBuildTable(g, 8, dir)).source, 'loaded');
        await writeFile(path, bytes.subarray(0, 50));
        assert.equal((await loadOrBuildTable(g, 8, dir)).source, 'rebuilt-corrupt');
    });
    it('refuses a table of another group or size', () => {
        const t = BsgsTable.build(g, 5).toBytes();
        assert.throws(() => BsgsTable.fromBytes(g, 6, t), TableIntegrityError);
        assert.throws(() => BsgsTable.build(g, 3), /table size/);
        assert.throws(() => BsgsTable.build(g, 40), /table size/);
    });
});
