// SPDX-License-Identifier: Apache-2.0
/**
 * The binary reading batch and state chunk (contract/reading-batch): round trips, and hostile bytes
 * refused with BAD_REQUEST (never another exception, never a silently different reading).
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
    CHUNK_SLOTS,
    ContractError,
    decodeReadingBatch,
    encodeReadingBatch,
    type BinaryReading,
} from '../../src/contract/index.js';
import { decodeChunk, encodeChunk, type ChunkEntry } from '../../src/contract/reading-batch.js';

const E = 32;
const bytes = (n: number, fill: number): Uint8Array => new Uint8Array(n).fill(fill);
const reading = (slot: number, seq: number, o: Partial<BinaryReading> = {}): BinaryReading => ({
    channel: '1-0:1.8.0',
    period: '2024-03',
    slot,
    seq,
    status: 0,
    c: bytes(E, slot & 0xff),
    sig: bytes(64, seq & 0xff),
    ...o,
});
const TX_A = 'a1'.repeat(32);
const TX_B = '0b'.repeat(32);
const entry = (slot: number, seq: number, tx: string): ChunkEntry => ({
    slot,
    seq,
    status: 0,
    c: bytes(E, slot & 0xff),
    tx,
});
const badRequest = (f: () => unknown): void => {
    assert.throws(f, (e) => e instanceof ContractError && e.code === 'BAD_REQUEST');
};

describe('binary reading batch', () => {
    it('round-trips runs of channels and periods in their order, C_0 and status kept', () => {
        const rs = [
            reading(0, 1, { c0: bytes(E, 9), status: 7 }),
            reading(1, 2),
            reading(5, 3, { period: '2024-04' }),
            reading(2, 4),
            reading(2, 5, { channel: '1-0:2.8.0' }),
        ];
        const b = encodeReadingBatch(rs, E);
        assert.equal(b.length, 3 + 4 * 20 + 5 * (13 + E + 64) + E); // 4 runs, one C_0
        assert.deepEqual(
            decodeReadingBatch(b, E),
            rs.map((r) => ({ c0: undefined, ...r })),
        );
    });

    it('refuses what the format cannot carry when encoding', () => {
        badRequest(() => encodeReadingBatch([], E));
        badRequest(() => encodeReadingBatch([reading(0, 0)], E));
        badRequest(() => encodeReadingBatch([reading(100_000, 1)], E));
        badRequest(() => encodeReadingBatch([reading(0, 1, { status: 8 })], E));
        badRequest(() => encodeReadingBatch([reading(0, 1, { c: bytes(31, 1) })], E));
        badRequest(() => encodeReadingBatch([reading(0, 1, { sig: bytes(63, 1) })], E));
        badRequest(() => encodeReadingBatch([reading(0, 1, { channel: '' })], E));
        badRequest(() => encodeReadingBatch([reading(0, 1, { period: '2024-3' })], E));
        badRequest(() =>
            encodeReadingBatch(
                Array.from({ length: 1001 }, (_, i) => reading(i, i + 1)),
                E,
            ),
        );
    });

    it('the element size comes from the meter, not the bytes: another size does not decode', () => {
        const b = encodeReadingBatch([reading(0, 1), reading(1, 2)], E);
        badRequest(() => decodeReadingBatch(b, 64));
        badRequest(() => decodeReadingBatch(b, 16));
    });

    it('any mutation or truncation of a batch is refused or decodes to a well-formed batch', () => {
        const good = encodeReadingBatch([reading(0, 1, { c0: bytes(E, 3) }), reading(1, 2)], E);
        fc.assert(
            fc.property(
                fc.nat(good.length - 1),
                fc.integer({ min: 0, max: 255 }),
                fc.nat(good.length),
                (at, v, cut) => {
                    const b = good.slice(0, Math.max(1, cut === good.length ? good.length : cut));
                    if (at < b.length) b[at] = v;
                    try {
                        for (const r of decodeReadingBatch(b, E)) {
                            assert.ok(r.slot <= 99_999 && r.seq >= 1 && r.status <= 7);
                            assert.equal(r.c.length, E);
                            assert.equal(r.sig.length, 64);
                        }
                    } catch (e) {
                        assert.ok(
                            e instanceof ContractError && e.code === 'BAD_REQUEST',
                            String(e),
                        );
                    }
                },
            ),
            { numRuns: 2000 },
        );
    });

    it('random bytes never throw anything but BAD_REQUEST', () => {
        fc.assert(
            fc.property(fc.uint8Array({ maxLength: 400 }), (b) => {
                try {
                    decodeReadingBatch(b, E);
                } catch (e) {
                    assert.ok(e instanceof ContractError && e.code === 'BAD_REQUEST', String(e));
                }
            }),
            { numRuns: 2000 },
        );
    });

    it('a state chunk round-trips in slot order and refuses foreign, repeated or reordered slots', () => {
        const chunk = 3;
        const base = chunk * CHUNK_SLOTS;
        const es = [
            entry(base + 7, 9, TX_B),
            { ...entry(base, 1, TX_A), c0: bytes(E, 4) },
            entry(base + 9, 3, TX_A), // a late gap fill: seq below the previous entry's
        ];
        const b = encodeChunk(chunk, es, E);
        const back = decodeChunk(chunk, b, E);
        assert.deepEqual(
            back.map((x) => [x.slot, x.seq, x.tx]),
            [
                [base, 1, TX_A],
                [base + 7, 9, TX_B],
                [base + 9, 3, TX_A],
            ],
        );
        assert.deepEqual(back[0]!.c0, bytes(E, 4));
        assert.equal(back[1]!.c0, undefined);
        // two transaction ids of 32 bytes, then 36 bytes per entry with a one-byte seq delta
        assert.equal(b.length, 2 + 2 * 32 + 3 * (4 + E) + E);
        badRequest(() => encodeChunk(chunk, [entry(base - 1, 1, TX_A)], E)); // another chunk's slot
        badRequest(() => encodeChunk(chunk, [entry(base, 1, TX_A), entry(base, 2, TX_A)], E));
        badRequest(() => encodeChunk(chunk, [entry(base, 1, 'tx-1')], E)); // not a hex id
        badRequest(() => encodeChunk(chunk, [entry(base, 1, TX_A), entry(base + 1, 1, TX_A)], E));
        badRequest(() => encodeChunk(chunk, [], E));
        // entries out of order, a trailing byte, a truncated entry
        const two = encodeChunk(chunk, [entry(base, 1, TX_A), entry(base + 1, 2, TX_A)], E);
        const head = 2 + 32;
        const size = 4 + E;
        const swapped = new Uint8Array([
            ...two.subarray(0, head),
            ...two.subarray(head + size, head + 2 * size),
            ...two.subarray(head, head + size),
        ]);
        badRequest(() => decodeChunk(chunk, swapped, E));
        badRequest(() => decodeChunk(chunk, new Uint8Array([...two, 0]), E));
        badRequest(() => decodeChunk(chunk, two.subarray(0, two.length - 1), E));
        badRequest(() => decodeChunk(chunk, new Uint8Array([1]), E)); // version 1 (signatures)
        badRequest(() => decodeChunk(chunk, new Uint8Array([3, 1]), E)); // unknown version
        badRequest(() => decodeChunk(chunk, new Uint8Array([2]), E)); // no table
        badRequest(() => decodeChunk(chunk, new Uint8Array([2, 0]), E)); // empty table
    });

    it('hostile chunk bytes: bad index, bad varints, unused or repeated ids, zero delta', () => {
        const chunk = 0;
        const ids = [...Buffer.from(TX_A, 'hex')];
        const idsB = [...Buffer.from(TX_B, 'hex')];
        const c = [...bytes(E, 5)];
        const one = (...entryHead: number[]): Uint8Array =>
            new Uint8Array([2, 1, ...ids, ...entryHead, ...c]);
        // the well-formed base case: slot 0, flags 0, tx 0, seq delta 300 (two bytes)
        assert.equal(decodeChunk(chunk, one(0, 0, 0, 0xac, 0x02), E)[0]!.seq, 300);
        badRequest(() => decodeChunk(chunk, one(0, 0, 1, 0xac, 0x02), E)); // index out of range
        badRequest(() => decodeChunk(chunk, one(0, 0, 0, 0x81, 0x00), E)); // overlong (1 as 2 bytes)
        badRequest(() => decodeChunk(chunk, one(0, 0, 0, 0x00), E)); // delta 0
        badRequest(() => decodeChunk(chunk, one(0, 0x40, 0, 0x01), E)); // seq 0 going down
        badRequest(() => decodeChunk(chunk, one(0, 0x20, 0, 0x01), E)); // unknown flag bit
        badRequest(() => decodeChunk(chunk, one(96, 0, 0, 0x01), E)); // offset beyond the chunk
        // nine continuation bytes: longer than 8
        badRequest(() =>
            decodeChunk(chunk, one(0, 0, 0, ...new Array<number>(9).fill(0x81), 0x01), E),
        );
        // a seq above 2^53 − 1
        badRequest(() =>
            decodeChunk(chunk, one(0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f), E),
        );
        // truncated inside the varint
        badRequest(() => decodeChunk(chunk, new Uint8Array([2, 1, ...ids, 0, 0, 0, 0x81]), E));
        // a listed id no entry uses; the same id listed twice
        badRequest(() =>
            decodeChunk(chunk, new Uint8Array([2, 2, ...ids, ...idsB, 0, 0, 0, 1, ...c]), E),
        );
        badRequest(() =>
            decodeChunk(
                chunk,
                new Uint8Array([2, 2, ...ids, ...ids, 0, 0, 0, 1, 1, 0, 1, 1, ...c, ...c]),
                E,
            ),
        );
    });

    it('any mutation or truncation of a chunk is refused or decodes to well-formed entries', () => {
        const good = encodeChunk(
            0,
            [{ ...entry(0, 5, TX_A), c0: bytes(E, 3) }, entry(1, 6, TX_B), entry(2, 2, TX_A)],
            E,
        );
        fc.assert(
            fc.property(
                fc.nat(good.length - 1),
                fc.integer({ min: 0, max: 255 }),
                fc.nat(good.length),
                (at, v, cut) => {
                    const b = good.slice(0, Math.max(1, cut));
                    if (at < b.length) b[at] = v;
                    try {
                        for (const r of decodeChunk(0, b, E)) {
                            assert.ok(r.slot < CHUNK_SLOTS && Number.isSafeInteger(r.seq));
                            assert.ok(r.seq >= 1 && r.status <= 7 && /^[0-9a-f]{64}$/.test(r.tx));
                            assert.equal(r.c.length, E);
                        }
                    } catch (e) {
                        assert.ok(
                            e instanceof ContractError && e.code === 'BAD_REQUEST',
                            String(e),
                        );
                    }
                },
            ),
            { numRuns: 2000 },
        );
    });
});
