// SPDX-License-Identifier: Apache-2.0
/** The auditor on the in-memory contract context: a clean ledger passes, a tampered reading is named. */
import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Auditor } from '../../../src/roles/auditor/auditor.js';
import { memoryEngine, type MemoryLedger } from '../../contract/memory.js';
import {
    acceptTariff,
    CHANNEL,
    makeWorld,
    meterPeriod,
    PERIOD,
    type World,
} from '../../e2e/world.js';

describe('Auditor', () => {
    let w: World;
    let ledger: MemoryLedger;
    beforeEach(async () => {
        const engine = memoryEngine();
        ledger = engine.ledger;
        w = await makeWorld(1, { engine });
        const h = w.households[0]!;
        await acceptTariff(h, 'provider-a', 'provider-a.flat', [PERIOD]);
        await meterPeriod(h, PERIOD);
        await w.providers[0]!.provider.bill(h.meterId, CHANNEL, PERIOD);
    });
    afterEach(async () => w.close());

    it('passes an honest ledger and counts what it checked', async () => {
        const r = await new Auditor({ api: w.auditor.api }).audit();
        assert.equal(r.ok, true, JSON.stringify(r));
        assert.equal(r.meters, 1);
        assert.equal(r.readingsChecked, 2972);
        assert.equal(r.billsChecked, 1);
        assert.deepEqual(r.badSignatures, []);
        assert.deepEqual(r.badBills, []);
    });

    it('names a reading whose stored ciphertext no longer matches the meter signature', async () => {
        // readings live in binary chunks (contract/reading-batch): version, then per entry slot
        // offset, flags, seq (8 bytes), C_i — flip a bit of the first stored C_i
        const chunkKey = [...ledger.state.keys()].find((k) => k.startsWith('\u0000rchunk\u0000'))!;
        const chunk = ledger.state.get(chunkKey)!.slice();
        chunk[1 + 1 + 1 + 8]! ^= 0x10;
        ledger.state.set(chunkKey, chunk);
        const r = await new Auditor({ api: w.auditor.api }).audit();
        assert.equal(r.ok, false);
        assert.equal(r.badSignatures.length, 1, JSON.stringify(r.badSignatures));
    });
});
