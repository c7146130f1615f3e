// SPDX-License-Identifier: Apache-2.0
/**
 * A day's batch of 96 signed readings through the femeter contract on the embedded engine, with
 * signatures pre-checked by the verify workers (ed25519-dalek batch equation with the native
 * accelerator): one bad signature anywhere in the batch refuses the whole transaction, names that
 * reading, and stores nothing; so does one invalid point (validly signed); the same batch repaired
 * is stored in full.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { embeddedEngine } from '../../../src/apps/engines.js';
import {
    ed25519Signer,
    readingBatchHex,
    readingPayload,
    type ReadingInput,
} from '../../../src/contract/index.js';
import { noteReadingBatch } from '../../../src/contract/reading-notes.js';
import { encodeMpk } from '../../../src/fe/codec.js';
import { Encryptor, setup } from '../../../src/fe/ipfe.js';
import { ristretto255 as g } from '../../../src/fe/ristretto255.js';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import { signedReadings } from '../../../src/roles/signed-readings.js';

const PERIOD = '2024-03';
const CHANNEL = '1-0:1.8.0';

/** An engine with meter m0 (its mpk published) and a day of 96 readings it signed. */
async function world() {
    const dir = mkdtempSync(join(tmpdir(), 'femeter-batch-sig-'));
    const secret = sha256(new Uint8Array([1]));
    const engine = await embeddedEngine(join(dir, 'ledger'), secret);
    try {
        const op = await engine.connect('operator', 'operator');
        await op.api.bootstrap('operator', 'op');
        const cust = await engine.connect('customer', 'customers');
        await op.api.registerParty({
            id: 'customer',
            role: 'customer',
            name: 'c',
            identity: cust.identity,
        });
        const seed = sha256(new Uint8Array([2]));
        const signer = ed25519Signer(seed);
        const meter = await engine.connect('m0', 'customers');
        await op.api.registerMeter({
            id: 'm0',
            owner: 'customer',
            identity: meter.identity,
            signingKey: bytesToHex(signer.publicKey),
            channels: [{ id: CHANNEL, unit: 'Wh', medium: 'electricity' }],
            maxPerSlot: 20_000,
            software: { id: 'test', digest: bytesToHex(sha256(new Uint8Array())) },
        });
        const l = periodSlots(PERIOD).slotCount;
        const { mpk } = setup(g, seed, { meter: 'm0', channel: CHANNEL, period: PERIOD }, l);
        await cust.api.publishMpk('m0', CHANNEL, PERIOD, bytesToHex(encodeMpk(g, mpk)));
        const enc = new Encryptor(g, mpk, seed, { maxReading: 20_000n });
        const c0 = g.encode(enc.open());
        const day: ReadingInput[] = Array.from({ length: 96 }, (_, slot) => {
            const c = g.encode(enc.slot(slot, BigInt(slot)));
            const first = slot === 0;
            const sig = signer.sign(
                readingPayload({
                    meter: 'm0',
                    channel: CHANNEL,
                    period: PERIOD,
                    slot,
                    c,
                    c0: first ? c0 : undefined,
                    seq: slot + 1,
                    status: 0,
                }),
            );
            return {
                channel: CHANNEL,
                period: PERIOD,
                slot,
                seq: slot + 1,
                status: 0,
                c: bytesToHex(c),
                ...(first ? { c0: bytesToHex(c0) } : {}),
                sig: bytesToHex(sig),
            };
        });
        return { dir, engine, meter, cust, signer, day };
    } catch (e) {
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
        throw e;
    }
}

describe('SubmitReadings: batch signature checks', () => {
    it('one bad signature among 96 refuses the batch, names the reading, stores nothing', async () => {
        const { dir, engine, meter, cust, signer, day } = await world();
        try {
            for (const bad of [50, 95, 0]) {
                const sig = day[bad]!.sig;
                const flipped = (parseInt(sig.slice(80, 82), 16) ^ 1).toString(16).padStart(2, '0');
                const tampered = day.map((r, i) =>
                    i === bad ? { ...r, sig: sig.slice(0, 80) + flipped + sig.slice(82) } : r,
                );
                await assert.rejects(meter.api.submitReadings('m0', tampered), (e: Error) => {
                    assert.match(e.message, /signature does not verify/);
                    assert.match(
                        e.message,
                        new RegExp(
                            `readings\\[${bad}\\] \\(${CHANNEL} ${PERIOD} slot ${bad} seq ${bad + 1}\\)`,
                        ),
                    );
                    return true;
                });
                assert.equal((await cust.api.getReadings('m0', CHANNEL, PERIOD)).length, 0);
            }
            // an invalid point (validly signed) at reading 40: BAD_POINT naming it, nothing stored
            for (const badC of ['ff'.repeat(32), '00'.repeat(32)]) {
                const c = Uint8Array.from(Buffer.from(badC, 'hex'));
                const sig = signer.sign(
                    readingPayload({
                        meter: 'm0',
                        channel: CHANNEL,
                        period: PERIOD,
                        slot: 40,
                        c,
                        seq: 41,
                        status: 0,
                    }),
                );
                const withBad = day.map((r, i) =>
                    i === 40 ? { ...r, c: badC, sig: bytesToHex(sig) } : r,
                );
                await assert.rejects(meter.api.submitReadings('m0', withBad), (e: Error) => {
                    assert.match(e.message, /readings\[40\] \(\S+ \S+ slot 40 seq 41\)/);
                    assert.match(e.message, /BAD_POINT/);
                    return true;
                });
                assert.equal((await cust.api.getReadings('m0', CHANNEL, PERIOD)).length, 0);
            }
            await meter.api.submitReadings('m0', day);
            const stored = await cust.api.getReadings('m0', CHANNEL, PERIOD);
            assert.equal(stored.length, 96);
            // state names the carrying transaction; the signatures come from it, unchanged
            assert.equal(new Set(stored.map((r) => r.tx)).size, 1);
            const m0 = await cust.api.getMeter('m0');
            assert.deepEqual(
                (await signedReadings(cust.api, m0, CHANNEL, PERIOD)).map((r) => r.sig),
                day.map((r) => r.sig),
            );
        } finally {
            await engine.close();
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it('skips the checks only for a note of the same meter id, key, group and batch, all parts', async () => {
        const { dir, engine, meter, cust, day } = await world();
        try {
            const sig = day[50]!.sig;
            const flipped = (parseInt(sig.slice(80, 82), 16) ^ 1).toString(16).padStart(2, '0');
            const tampered = day.map((r, i) =>
                i === 50 ? { ...r, sig: sig.slice(0, 80) + flipped + sig.slice(82) } : r,
            );
            const batch = readingBatchHex(tampered);
            const m0 = await cust.api.getMeter('m0');
            const other = bytesToHex(ed25519Signer(new Uint8Array(32).fill(9)).publicKey);
            // notes that must not apply: another key (as after a key change), another meter, a
            // ristretto batch noted for another group, one part of two
            const stale: [Parameters<typeof noteReadingBatch>[0], number, number][] = [
                [{ ...m0, signingKey: other }, 0, 1],
                [{ ...m0, id: 'm1' }, 0, 1],
                [{ ...m0, group: 'ffdhe2048' }, 0, 1],
                [m0, 0, 2],
            ];
            for (const [m, part, parts] of stale) {
                noteReadingBatch(m, batch, part, parts);
                await assert.rejects(
                    meter.api.submitReadings('m0', tampered),
                    /readings\[50\].*signature does not verify/,
                );
                assert.equal((await cust.api.getReadings('m0', CHANNEL, PERIOD)).length, 0);
            }
            // the control: a note on exactly these inputs is what lets applyReadings skip the checks
            // (so only checkReadingBatch's verdict may ever make one)
            noteReadingBatch(m0, batch, 1, 2); // completes the two-part note above
            await meter.api.submitReadings('m0', tampered);
            assert.equal((await cust.api.getReadings('m0', CHANNEL, PERIOD)).length, 96);
        } finally {
            await engine.close();
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
