// SPDX-License-Identifier: Apache-2.0
/**
 * GetStateDigests (contract/state-digests.ts), the query the Fabric verify reads world state with,
 * on the embedded engine (whose stub pages as Fabric's LevelDB state does): pages in key order that
 * join up, simple keys, digests of the stored values, and who may read it.
 */
import '../ledger/fixtures/quiet.js';
import { strict as assert } from 'node:assert';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import type { LedgerClient } from '../../src/ledger/client.js';
import type { StateDigestPage } from '../../src/contract/index.js';
import { makeWorld, type World } from '../e2e/world.js';

const dec = new TextDecoder();
const page = async (
    c: LedgerClient,
    type: string,
    size: string,
    bookmark = '',
): Promise<StateDigestPage> =>
    JSON.parse(
        dec.decode(await c.evaluate('GetStateDigests', type, size, bookmark)),
    ) as StateDigestPage;

describe('GetStateDigests', () => {
    let w: World;
    before(async () => {
        w = await makeWorld(1);
    });
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset if before() failed
    after(async () => w?.close());

    it('pages one object type in key order, and the pages join up to all its keys', async () => {
        const c = w.auditor.api.client;
        const all = await page(c, 'party', '1000');
        assert.equal(all.bookmark, '');
        assert.equal(all.entries.length, (await w.auditor.api.listParties()).length);
        const paged: (readonly [string, string])[] = [];
        let bookmark = '';
        let pages = 0;
        do {
            const p = await page(c, 'party', '2', bookmark);
            assert.ok(p.entries.length <= 2);
            paged.push(...p.entries);
            bookmark = p.bookmark;
            pages++;
        } while (bookmark !== '');
        assert.deepEqual(paged, all.entries);
        assert.ok(pages >= 2);
        const keys = all.entries.map(([k]) => k);
        assert.deepEqual(
            keys,
            [...keys].sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b))),
        );
        assert.ok(keys.every((k) => k.startsWith('\u0000party\u0000')));
        // the digest is SHA-256 of the stored value: the operator's party record, as GetParty reads it
        const op = all.entries.find(([k]) => k === '\u0000party\u0000operator\u0000');
        assert.ok(op);
        const stored = await c.evaluate('GetParty', 'operator');
        assert.equal(op[1], createHash('sha256').update(stored).digest('hex'));
    });

    it('reads the simple keys with an empty object type', async () => {
        const p = await page(w.operator.api.client, '', '10');
        assert.deepEqual(
            p.entries.map(([k]) => k),
            ['config'],
        );
    });

    it('refuses other roles and bad page sizes', async () => {
        const customer = w.households[0]!.party.api.client;
        await assert.rejects(page(customer, 'party', '10'), /FORBIDDEN/);
        for (const bad of ['0', '1001', 'x', '-1', '1e3', ''])
            await assert.rejects(page(w.auditor.api.client, 'party', bad), /BAD_REQUEST/, bad);
        // a bookmark outside the type's range would page through other types: refused
        for (const [type, bookmark] of [
            ['party', '\u0000meter\u0000'],
            ['party', 'config'],
            ['', '\u0000party\u0000'],
        ] as const)
            await assert.rejects(
                page(w.auditor.api.client, type, '10', bookmark),
                /BAD_REQUEST/,
                JSON.stringify([type, bookmark]),
            );
    });
});
