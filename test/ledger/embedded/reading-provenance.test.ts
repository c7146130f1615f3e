// SPDX-License-Identifier: Apache-2.0
/**
 * State keeps no reading signatures (issue 11, docs/SCALE.md §5c): each stored reading names the
 * transaction that carried it. On the embedded engine, a chunk whose transaction reference is
 * rewritten in the LevelDB state to another meter's transaction is named by the auditor (which takes
 * each signature from the referenced transaction), and the engine's chain check refuses the state.
 */
import '../fixtures/quiet.js';
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { ClassicLevel } from 'classic-level';
import { embeddedEngine } from '../../../src/apps/engines.js';
import { SUBLEVELS } from '../../../src/ledger/embedded/store.js';
import { Auditor } from '../../../src/roles/auditor/auditor.js';
import { signedReadings } from '../../../src/roles/signed-readings.js';
import { CHANNEL, makeWorld, PERIOD } from '../../e2e/world.js';

describe('embedded engine: reading provenance', () => {
    it("a chunk pointed at another meter's transaction is named by the auditor", async () => {
        const dir = mkdtempSync(join(tmpdir(), 'femeter-provenance-'));
        const path = join(dir, 'ledger');
        const secret = sha256(new Uint8Array([11]));
        try {
            const w = await makeWorld(2, { engine: await embeddedEngine(path, secret) });
            const [h, other] = [w.households[0]!, w.households[1]!];
            for (const x of [h, other]) {
                await x.agent.openPeriod(CHANNEL, PERIOD);
                x.agent.record(
                    CHANNEL,
                    PERIOD,
                    Array.from({ length: x === h ? 100 : 1 }, (_, slot) => ({ slot, value: 5n })),
                );
                await x.agent.flush();
            }
            const meter = await w.auditor.api.getMeter(h.meterId);
            assert.equal((await signedReadings(w.auditor.api, meter, CHANNEL, PERIOD)).length, 100);
            const clean = await new Auditor({ api: w.auditor.api }).audit();
            assert.deepEqual(clean.badSignatures, []);
            const foreign = (await w.auditor.api.getReadings(other.meterId, CHANNEL, PERIOD))[0]!
                .tx;
            await w.close();
            rmSync(w.dir, { recursive: true, force: true });

            // rewrite the first chunk's first transaction id in the engine's LevelDB state
            const db = new ClassicLevel<string, Uint8Array>(join(path, 'leveldb'));
            const state = db.sublevel<string, Uint8Array>(SUBLEVELS.state, {
                keyEncoding: 'utf8',
                valueEncoding: 'view',
            });
            const prefix = `\u0000rchunk\u0000${h.meterId}\u0000`;
            let key: string | undefined;
            for await (const k of state.keys({ gte: prefix, lt: `${prefix}\uffff` })) {
                key = k;
                break;
            }
            assert.ok(key !== undefined);
            const chunk = (await state.get(key))!.slice();
            assert.equal(chunk[0], 2); // chunk version 2: version, tx count, tx ids, entries
            chunk.set(Buffer.from(foreign, 'hex'), 2);
            await state.put(key, chunk);
            await db.close();

            const engine = await embeddedEngine(path, secret);
            try {
                const auditor = await engine.connect('auditor', 'customers');
                const r = await new Auditor({ api: auditor.api }).audit({ engine });
                assert.equal(r.ok, false);
                assert.equal(r.chain.ok, false, 'the chain check sees state that no block wrote');
                assert.ok(r.badSignatures.length > 0);
                assert.match(
                    r.badSignatures[0]!,
                    new RegExp(
                        `${h.meterId}/${CHANNEL}/${PERIOD} slot 0: transaction submitted readings of another meter`,
                    ),
                );
                await assert.rejects(signedReadings(auditor.api, meter, CHANNEL, PERIOD), {
                    code: 'READING_PROVENANCE',
                });
            } finally {
                await engine.close();
            }
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
