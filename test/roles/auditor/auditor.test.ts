// SPDX-License-Identifier: Apache-2.0
/**
 * The auditor on the in-memory contract context: a clean ledger passes; a tampered reading, a
 * reading whose transaction reference is missing, foreign or wrong, and a bad signature in the
 * carrying transaction are named.
 */
import { strict as assert } from 'node:assert';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { Auditor } from '../../../src/roles/auditor/auditor.js';
import { ReadingProvenanceError, signedReadings } from '../../../src/roles/signed-readings.js';
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
        w = await makeWorld(2, { engine });
        const h = w.households[0]!;
        await acceptTariff(h, 'provider-a', 'provider-a.flat', [PERIOD]);
        await meterPeriod(h, PERIOD);
        await w.providers[0]!.provider.bill(h.meterId, CHANNEL, PERIOD);
    });
    afterEach(async () => w.close());

    it('passes an honest ledger and counts what it checked', async () => {
        const r = await new Auditor({ api: w.auditor.api }).audit();
        assert.equal(r.ok, true, JSON.stringify(r));
        assert.equal(r.meters, 2);
        assert.equal(r.readingsChecked, 2972);
        assert.equal(r.billsChecked, 1);
        assert.deepEqual(r.badSignatures, []);
        assert.deepEqual(r.badBills, []);
    });

    /** The first reading chunk of household `h`'s meter: its key and bytes (a copy). */
    const firstChunk = (meterId: string): { key: string; bytes: Uint8Array } => {
        const key = [...ledger.state.keys()]
            .filter((k) => k.startsWith(`\u0000rchunk\u0000${meterId}\u0000`))
            .sort()[0]!;
        return { key, bytes: ledger.state.get(key)!.slice() };
    };
    /** Chunk layout (contract/reading-batch v2): version, tx count n, n ids of 32 bytes, entries. */
    const firstEntryC = (b: Uint8Array): number => {
        let at = 2 + 32 * b[1]! + 3; // slot offset, flags, tx index
        while ((b[at]! & 0x80) !== 0) at++; // the seq delta varint
        return at + 1;
    };
    const submitsOf = (meterId: string): string[] =>
        [...ledger.txs.values()]
            .filter(
                (t) =>
                    t.txName === 'SubmitReadings' &&
                    (JSON.parse(t.args[0]!) as { meter: string }).meter === meterId,
            )
            .map((t) => t.transactionId);
    const setTx = (meterId: string, tx: string): number => {
        const { key, bytes } = firstChunk(meterId);
        const entries = [...bytes.subarray(2 + 32 * bytes[1]!)];
        const table0 = Buffer.from(bytes.subarray(2, 34)).toString('hex');
        bytes.set(Buffer.from(tx, 'hex'), 2);
        ledger.state.set(key, bytes);
        // how many readings of this chunk named the replaced transaction (index 0)
        let n = 0;
        for (let at = 0; at < entries.length;) {
            const c0 = (entries[at + 1]! & 0x80) !== 0;
            if (entries[at + 2] === 0) n++;
            at += 3;
            while ((entries[at]! & 0x80) !== 0) at++;
            at += 1 + 32 + (c0 ? 32 : 0);
        }
        assert.notEqual(table0, tx);
        return n;
    };

    it('names a reading whose stored ciphertext differs from the one its transaction carried', async () => {
        const h = w.households[0]!;
        const { key, bytes } = firstChunk(h.meterId);
        bytes[firstEntryC(bytes)]! ^= 0x10;
        ledger.state.set(key, bytes);
        const r = await new Auditor({ api: w.auditor.api }).audit();
        assert.equal(r.ok, false);
        assert.equal(r.badSignatures.length, 1, JSON.stringify(r.badSignatures));
        assert.match(r.badSignatures[0]!, /slot 0: the transaction carried this slot with another/);
        const meter = await w.auditor.api.getMeter(h.meterId);
        await assert.rejects(
            signedReadings(w.auditor.api, meter, CHANNEL, PERIOD),
            (e: unknown) =>
                e instanceof ReadingProvenanceError &&
                e.problems.length === 1 &&
                e.problems[0]!.slot === 0,
        );
    });

    it('names the readings whose transaction reference points to a missing transaction', async () => {
        const n = setTx(w.households[0]!.meterId, 'ee'.repeat(32));
        assert.ok(n > 0);
        const r = await new Auditor({ api: w.auditor.api }).audit();
        assert.equal(r.ok, false);
        assert.equal(r.badSignatures.length, n, JSON.stringify(r.badSignatures));
        assert.match(r.badSignatures[0]!, /no committed valid transaction with this id/);
    });

    it("names readings referenced to another meter's transaction or to one that does not carry them", async () => {
        const other = w.households[1]!;
        await other.agent.openPeriod(CHANNEL, PERIOD);
        other.agent.record(CHANNEL, PERIOD, [{ slot: 0, value: 1n }]);
        await other.agent.flush();
        const foreign = submitsOf(other.meterId)[0]!;
        const n = setTx(w.households[0]!.meterId, foreign);
        let r = await new Auditor({ api: w.auditor.api }).audit();
        assert.equal(r.badSignatures.length, n, JSON.stringify(r.badSignatures.slice(0, 2)));
        assert.match(r.badSignatures[0]!, /readings of another meter/);
        // the meter's own last SubmitReadings carries the period's last slots, not the first chunk's
        const own = submitsOf(w.households[0]!.meterId);
        setTx(w.households[0]!.meterId, own[own.length - 1]!);
        r = await new Auditor({ api: w.auditor.api }).audit();
        assert.equal(r.ok, false);
        assert.ok(r.badSignatures.length > 0);
        assert.match(r.badSignatures[0]!, /transaction carries no reading of .* slot 0/);
    });

    it('names a reading whose signature in its transaction does not verify', async () => {
        // alter the committed request itself (what a forged block would hold): one signature bit
        const h = w.households[0]!;
        const stored = await w.auditor.api.getReadings(h.meterId, CHANNEL, PERIOD);
        const tx = ledger.txs.get(stored[0]!.tx)!;
        const body = JSON.parse(tx.args[0]!) as { meter: string; batch: string };
        const batch = Buffer.from(body.batch, 'hex');
        // the first entry's signature ends the first entry: version 1, runs 2, channel, period,
        // count 2, slot 4, seq 8, flags 1, C_i 32, C_0 32 (the period's first reading), sig 64
        const ch = batch[3]!;
        const sigAt = 1 + 2 + 1 + ch + 1 + 7 + 2 + 4 + 8 + 1 + 32 + 32;
        batch[sigAt]! ^= 0x01;
        ledger.txs.set(tx.transactionId, {
            ...tx,
            args: [JSON.stringify({ ...body, batch: batch.toString('hex') })],
        });
        const r = await new Auditor({ api: w.auditor.api }).audit();
        assert.equal(r.ok, false);
        assert.deepEqual(r.badSignatures, [
            `${h.meterId}/${CHANNEL}/${PERIOD} slot 0: signature does not verify`,
        ]);
    });
});
