// SPDX-License-Identifier: Apache-2.0
/**
 * Every contract rule fed hostile input through a real engine (embedded by default): each refusal
 * carries its code and leaves the state as it was.
 */
import { strict as assert } from 'node:assert';
import { after, before, beforeEach, describe, it } from 'node:test';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
    closePayload,
    contractErrorCode,
    ed25519Signer,
    readingBatchHex,
    readingPayload,
    type ReadingInput,
} from '../../src/contract/index.js';
import { decodeMpk } from '../../src/fe/codec.js';
import { groupByName } from '../../src/fe/groups.js';
import { Encryptor } from '../../src/fe/ipfe.js';
import type { Participant } from '../../src/apps/engines.js';
import { LedgerError } from '../../src/ledger/index.js';
import { CHANNEL, derive, makeWorld, MAX, PERIOD, type World } from '../e2e/world.js';

/** The contract's refusal code, else the engine's (e.g. `TOO_LARGE` refused before ordering). */
const code = (e: unknown): string | undefined =>
    contractErrorCode(e instanceof Error ? e.message : String(e)) ??
    (e instanceof LedgerError ? e.code : undefined);
const g = groupByName('ristretto255');

describe('contract rules under hostile input', () => {
    let w: World;
    let enc: Encryptor<unknown>;
    let c0: string;
    // Every case gets a meter of its own (registered in beforeEach) and sets up the state it needs
    // itself (`start`), so each passes alone, in any order, and none depends on the sequence
    // numbers an earlier case used. One world for all: on Fabric a world deploys a chaincode.
    let meter = '';
    let meterP: Participant;
    let signer = ed25519Signer(derive('unused'));
    let n = 0;
    const mk = (
        slot: number,
        seq: number,
        x: bigint,
        o: { withC0?: boolean; status?: number; signer?: typeof signer; c?: string } = {},
    ): ReadingInput => {
        const c = o.c ?? bytesToHex(g.encode(enc.slot(Math.min(slot, 2971), x)));
        const status = o.status ?? 0;
        const payload = readingPayload({
            meter: meter,
            channel: CHANNEL,
            period: PERIOD,
            slot,
            c: hexToBytes(c),
            c0: o.withC0 ? hexToBytes(c0) : undefined,
            seq,
            status,
        });
        return {
            channel: CHANNEL,
            period: PERIOD,
            slot,
            seq,
            status,
            c,
            ...(o.withC0 ? { c0 } : {}),
            sig: bytesToHex((o.signer ?? signer).sign(payload)),
        };
    };
    const snapshot = async (): Promise<string> =>
        JSON.stringify([
            await w.operator.api.getReadings(meter, CHANNEL, PERIOD),
            await w.operator.api.getMeterSequence(meter),
            await w.operator.api.getPeriod(meter, CHANNEL, PERIOD),
        ]);
    const refused = async (
        p: () => Promise<unknown>,
        expected: string | readonly string[],
    ): Promise<void> => {
        const before = await snapshot();
        await assert.rejects(p(), (e) => {
            const got = code(e);
            if (typeof expected === 'string') assert.equal(got, expected, String(e));
            else assert.ok(got !== undefined && expected.includes(got), String(e));
            return true;
        });
        assert.equal(await snapshot(), before, 'state changed after a refusal');
    };

    before(async () => {
        w = await makeWorld(1);
    });
    after(async () => w.close());
    beforeEach(async () => {
        meter = `hostile-${++n}`;
        meterP = await w.engine.connect(meter, 'customers');
        signer = ed25519Signer(derive(`${meter}/sign`));
        await w.operator.api.registerMeter({
            id: meter,
            owner: w.households[0]!.id,
            identity: meterP.identity,
            signingKey: bytesToHex(signer.publicKey),
            channels: [{ id: CHANNEL, unit: 'Wh', medium: 'electricity' }],
            maxPerSlot: MAX,
            software: { id: 'e2e-meter/1', digest: 'ab'.repeat(32) },
        });
        await w.households[0]!.customer.publishMpks(meter, CHANNEL, PERIOD, 1);
        const mpk = decodeMpk(
            g,
            hexToBytes((await w.operator.api.getMpk(meter, CHANNEL, PERIOD)).mpk),
        );
        enc = new Encryptor(g, mpk, derive(`${meter}/enc`), { maxReading: 20_000n });
        c0 = bytesToHex(g.encode(enc.open()));
    });

    const meterApi = () => meterP.api;
    /** Slots 0 (with C_0) and 1 stored with sequence numbers 1 and 2. */
    const start = async (): Promise<void> => {
        assert.deepEqual(
            await meterApi().submitReadings(meter, [mk(0, 1, 5n, { withC0: true }), mk(1, 2, 6n)]),
            { stored: 2, duplicates: 0 },
        );
    };

    it('readings: first needs C_0, then accepted; identical resend is a no-op', async () => {
        await refused(() => meterApi().submitReadings(meter, [mk(0, 1, 5n)]), 'BAD_REQUEST');
        assert.deepEqual(
            await meterApi().submitReadings(meter, [mk(0, 1, 5n, { withC0: true }), mk(1, 2, 6n)]),
            { stored: 2, duplicates: 0 },
        );
        assert.deepEqual(
            await meterApi().submitReadings(meter, [mk(0, 1, 5n, { withC0: true }), mk(1, 2, 6n)]),
            { stored: 0, duplicates: 2 },
        );
    });

    it('wrong role and wrong submitter', async () => {
        await start();
        await refused(
            () => w.households[0]!.party.api.submitReadings(meter, [mk(2, 3, 1n)]),
            'FORBIDDEN',
        ); // the customer is not the meter
        await refused(() => w.operator.api.submitReadings(meter, [mk(2, 3, 1n)]), 'FORBIDDEN');
        await refused(
            () =>
                w.households[0]!.party.api.registerParty({
                    id: 'x',
                    role: 'auditor',
                    name: 'x',
                    identity: { mspId: 'M', id: 'y' },
                }),
            'FORBIDDEN',
        );
        await refused(
            () => w.providers[0]!.party.api.publishMpk(meter, CHANNEL, '2024-05', '00'),
            'FORBIDDEN',
        );
        await refused(
            () => w.households[0]!.party.api.publishTariff({ format: 'femeter-tariff/1' }),
            'FORBIDDEN',
        );
        await refused(() => w.operator.api.bootstrap('again', 'again'), 'EXISTS');
    });

    it('wrong signer, tampered signature, tampered ciphertext', async () => {
        await start();
        await refused(
            () =>
                meterApi().submitReadings(meter, [
                    mk(2, 3, 1n, { signer: ed25519Signer(derive('mallory')) }),
                ]),
            'BAD_SIGNATURE',
        );
        const r = mk(2, 3, 1n);
        await refused(
            () =>
                meterApi().submitReadings(meter, [
                    { ...r, sig: r.sig.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) },
                ]),
            'BAD_SIGNATURE',
        );
        await refused(
            () =>
                meterApi().submitReadings(meter, [
                    { ...r, c: bytesToHex(g.encode(enc.slot(2, 2n))) },
                ]),
            'BAD_SIGNATURE',
        );
        await refused(
            () => meterApi().submitReadings(meter, [{ ...r, status: 1 }]),
            'BAD_SIGNATURE',
        );
    });

    it('a batch verified in worker threads before ordering: one bad signature refuses it all', async () => {
        await start();
        const batch = Array.from({ length: 12 }, (_, i) => mk(2 + i, 3 + i, BigInt(i)));
        const bad = batch[9]!;
        const forged = [
            ...batch.slice(0, 9),
            { ...bad, sig: bad.sig.replace(/^./, (ch) => (ch === '0' ? '1' : '0')) },
            ...batch.slice(10),
        ];
        await refused(() => meterApi().submitReadings(meter, forged), 'BAD_SIGNATURE');
        assert.deepEqual(await meterApi().submitReadings(meter, batch), {
            stored: 12,
            duplicates: 0,
        });
        // a resend of the same bytes is checked again (and is a no-op)
        assert.deepEqual(await meterApi().submitReadings(meter, batch), {
            stored: 0,
            duplicates: 12,
        });
    });

    it('conflicting slot and reused sequence number', async () => {
        await start();
        await refused(() => meterApi().submitReadings(meter, [mk(1, 3, 7n)]), 'CONFLICT'); // slot 1 holds another reading
        await refused(() => meterApi().submitReadings(meter, [mk(5, 2, 7n)]), 'CONFLICT'); // seq 2 already used
        await refused(
            () => meterApi().submitReadings(meter, [mk(0, 1, 5n, { withC0: false })]),
            'CONFLICT',
        ); // resend without C_0 differs
    });

    it('invalid points: non-canonical, identity, not on the curve', async () => {
        await start();
        for (const bad of [
            'ff'.repeat(32),
            '00'.repeat(32),
            'edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f',
        ]) {
            await refused(
                () => meterApi().submitReadings(meter, [mk(2, 3, 0n, { c: bad })]),
                'BAD_POINT',
            );
        }
        await refused(
            () => meterApi().submitReadings(meter, [mk(2, 3, 0n, { c: 'abcd' })]),
            'BAD_REQUEST',
        ); // wrong length
    });

    it('slot outside the period, unknown channel, malformed and oversized requests', async () => {
        await start();
        await refused(() => meterApi().submitReadings(meter, [mk(2972, 3, 1n)]), 'OUT_OF_RANGE'); // March has 2972 slots
        await refused(
            () => meterApi().submitReadings(meter, [{ ...mk(2, 3, 1n), channel: '1-0:2.8.0' }]),
            'NOT_FOUND',
        );
        await refused(
            () => meterApi().submitReadings(meter, [{ ...mk(2, 3, 1n), period: '2024-13' }]),
            'BAD_REQUEST',
        );
        await refused(
            () => meterApi().submitReadings(meter, [{ ...mk(2, 3, 1n), status: 8 }]),
            'BAD_REQUEST',
        );
        await refused(
            () =>
                meterApi().submitReadings(meter, [
                    { ...mk(0, 3, 1n, { withC0: true }), period: '2024-05' },
                ]),
            'NOT_FOUND',
        ); // no mpk for that period
        // the JSON list of the old request form is refused: readings travel as one binary batch
        await refused(
            () =>
                meterApi().client.submit(
                    'SubmitReadings',
                    JSON.stringify({ meter, readings: [mk(2, 3, 1n)] }),
                ),
            'BAD_REQUEST',
        );
        await refused(() => meterApi().submitReadings(meter, []), 'BAD_REQUEST');
        await refused(
            () =>
                meterApi().submitReadings(
                    meter,
                    Array.from({ length: 1001 }, (_, i) => mk(2 + (i % 100), 3 + i, 1n)),
                ),
            'BAD_REQUEST',
        );
        await refused(() => meterApi().client.submit('SubmitReadings', '{not json'), 'BAD_REQUEST');
        await refused(() => meterApi().client.submit('SubmitReadings', '[]'), 'BAD_REQUEST');
        await refused(
            () =>
                meterApi().client.submit(
                    'SubmitReadings',
                    JSON.stringify({ meter: meter, readings: 'x'.repeat(3 * 1024 * 1024) }),
                ),
            // the embedded engine refuses it before ordering (per-kind size cap); Fabric's contract
            ['BAD_REQUEST', 'TOO_LARGE'],
        );
        await refused(
            () =>
                w.operator.api.registerParty({
                    id: 'x'.repeat(65),
                    role: 'auditor',
                    name: 'n',
                    identity: { mspId: 'M', id: 'i' },
                }),
            'BAD_REQUEST',
        );
        await refused(
            () =>
                w.operator.api.registerParty({
                    id: 'ok',
                    role: 'king' as 'auditor',
                    name: 'n',
                    identity: { mspId: 'M', id: 'i' },
                }),
            'BAD_REQUEST',
        );
    });

    it('binary batch: truncated, trailing, bad flags, duplicate slot, seq and slot out of range', async () => {
        await start();
        const raw = (bytes: Uint8Array): Promise<unknown> =>
            meterApi().client.submit(
                'SubmitReadings',
                JSON.stringify({ meter, batch: bytesToHex(bytes) }),
            );
        const good = hexToBytes(readingBatchHex([mk(2, 3, 1n), mk(3, 4, 1n)]));
        // the well-formed batch is accepted below, after every mutation of it is refused
        const runHeader = 1 + 2 + 1 + CHANNEL.length + 1 + 7 + 2; // version, runs, channel, period, count
        const entry = 4 + 8 + 1 + 32 + 64;
        const mutate = (f: (b: Uint8Array) => void): Uint8Array => {
            const b = good.slice();
            f(b);
            return b;
        };
        await refused(() => raw(good.subarray(0, good.length - 1)), 'BAD_REQUEST'); // truncated
        await refused(() => raw(new Uint8Array([...good, 0])), 'BAD_REQUEST'); // trailing byte
        await refused(() => raw(mutate((b) => (b[0] = 2))), 'BAD_REQUEST'); // unknown version
        await refused(() => raw(mutate((b) => (b[2] = 0))), 'BAD_REQUEST'); // zero runs
        await refused(
            () => raw(mutate((b) => (b[runHeader + 12] = 0x08))), // flag bit 3: not a status bit
            'BAD_REQUEST',
        );
        await refused(
            () => raw(mutate((b) => (b[runHeader + 4] = 0xff))), // seq ≥ 2^53
            'BAD_REQUEST',
        );
        await refused(
            () => raw(mutate((b) => b.fill(0, runHeader + 4, runHeader + 12))), // seq 0
            'BAD_REQUEST',
        );
        await refused(
            () => raw(mutate((b) => b.fill(0xff, runHeader, runHeader + 4))), // slot 2^32 − 1
            'BAD_REQUEST',
        );
        // the same slot twice in one batch (second entry re-labelled slot 2), even identical
        await refused(
            () =>
                raw(
                    mutate((b) => {
                        b.set(b.subarray(runHeader, runHeader + entry), runHeader + entry);
                    }),
                ),
            'BAD_REQUEST',
        );
        await refused(
            () => raw(mutate((b) => (b[1 + 2 + 1 + 3] = 0xff))), // channel not UTF-8
            'BAD_REQUEST',
        );
        await refused(
            () =>
                raw(
                    mutate((b) => {
                        b.set([0x32, 0x30, 0x32, 0x34, 0x2f, 0x30, 0x33], runHeader - 9);
                    }),
                ), // "2024/03"
            'BAD_REQUEST',
        );
        await refused(
            () =>
                meterApi().client.submit(
                    'SubmitReadings',
                    JSON.stringify({ meter, batch: bytesToHex(good).toUpperCase() }),
                ),
            'BAD_REQUEST',
        );
        // C_0 flag set on a later reading: the bytes no longer line up (or the signature fails)
        await assert.rejects(raw(mutate((b) => (b[runHeader + 12] = 0x80))));
        assert.deepEqual(
            JSON.parse(
                new TextDecoder().decode(((await raw(good)) as { result: Uint8Array }).result),
            ),
            {
                stored: 2,
                duplicates: 0,
            },
        );
        const stored = await meterApi().getReadings(meter, CHANNEL, PERIOD);
        assert.deepEqual(
            stored.map((r) => [r.slot, r.seq]),
            [
                [0, 1],
                [1, 2],
                [2, 3],
                [3, 4],
            ],
        );
        assert.equal(stored[0]!.c0, c0);
        assert.equal(stored[2]!.c, mk(2, 3, 1n).c);
    });

    it('a sequence gap is recorded and flagged, and filled by a late reading', async () => {
        await start();
        await meterApi().submitReadings(meter, [mk(3, 5, 1n)]); // seq 3, 4 skipped
        assert.deepEqual(await meterApi().getMeterSequence(meter), { last: 5, gaps: [[3, 4]] });
        assert.equal((await meterApi().getPeriod(meter, CHANNEL, PERIOD))!.flags.afterGap, 1);
        await meterApi().submitReadings(meter, [mk(2, 3, 1n)]);
        assert.deepEqual(await meterApi().getMeterSequence(meter), { last: 5, gaps: [[4, 4]] });
        assert.equal((await meterApi().getPeriod(meter, CHANNEL, PERIOD))!.flags.lateFilled, 1);
    });

    it('close: incomplete refused, wrong digest refused, then nothing after close', async () => {
        await start();
        const sign = (count: number, digest: Uint8Array): string =>
            bytesToHex(signer.sign(closePayload(meter, CHANNEL, PERIOD, count, digest)));
        const d0 = new Uint8Array(32);
        await refused(
            () =>
                meterApi().closePeriod({
                    meter: meter,
                    channel: CHANNEL,
                    period: PERIOD,
                    count: 4,
                    digest: bytesToHex(d0),
                    signature: sign(4, d0),
                }),
            'INCOMPLETE',
        );
        // fill the period: slots 2..2971 with sequence numbers 3..2972
        const rest: ReadingInput[] = [];
        for (let s = 2; s < 2972; s++) rest.push(mk(s, s + 1, 1n));
        for (let i = 0; i < rest.length; i += 500)
            await meterApi().submitReadings(meter, rest.slice(i, i + 500));
        await refused(
            () =>
                meterApi().closePeriod({
                    meter: meter,
                    channel: CHANNEL,
                    period: PERIOD,
                    count: 2972,
                    digest: bytesToHex(d0),
                    signature: sign(2972, d0),
                }),
            'CONFLICT',
        );
        await refused(
            () =>
                meterApi().closePeriod({
                    meter: meter,
                    channel: CHANNEL,
                    period: PERIOD,
                    count: 2972,
                    digest: bytesToHex(d0),
                    signature: sign(2971, d0),
                }),
            'BAD_SIGNATURE',
        );
        const readings = await meterApi().getReadings(meter, CHANNEL, PERIOD);
        assert.deepEqual(
            readings.map((r) => r.slot),
            Array.from({ length: 2972 }, (_, i) => i),
        );
        const all = new Uint8Array(2973 * 32);
        all.set(hexToBytes(c0), 0);
        readings.forEach((r, i) => {
            all.set(hexToBytes(r.c), (i + 1) * 32);
        });
        const { sha256 } = await import('@noble/hashes/sha2.js');
        const digest = sha256(all);
        await meterApi().closePeriod({
            meter: meter,
            channel: CHANNEL,
            period: PERIOD,
            count: 2972,
            digest: bytesToHex(digest),
            signature: sign(2972, digest),
        });
        await refused(
            () => meterApi().submitReadings(meter, [mk(0, 1, 5n, { withC0: true })]),
            'CLOSED',
        );
        await refused(
            () =>
                meterApi().closePeriod({
                    meter: meter,
                    channel: CHANNEL,
                    period: PERIOD,
                    count: 2972,
                    digest: bytesToHex(digest),
                    signature: sign(2972, digest),
                }),
            'CLOSED',
        );
    });
});
