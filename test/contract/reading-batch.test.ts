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
import { decodeChunk, encodeChunk } from '../../src/contract/reading-batch.js';

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
            { ...reading(base + 7, 9), c0: undefined },
            { ...reading(base, 1), c0: bytes(E, 4) },
        ];
        const b = encodeChunk(chunk, es, E);
        assert.deepEqual(
            decodeChunk(chunk, b, E).map((x) => x.slot),
            [base, base + 7],
        );
        assert.deepEqual(decodeChunk(chunk, b, E)[0]!.c0, bytes(E, 4));
        badRequest(() => encodeChunk(chunk, [reading(base - 1, 1)], E)); // another chunk's slot
        badRequest(() => encodeChunk(chunk, [reading(base, 1), reading(base, 2)], E));
        // entries out of order, a trailing byte, a truncated entry
        const two = encodeChunk(chunk, [reading(base, 1), reading(base + 1, 2)], E);
        const entry = 10 + E + 64;
        const swapped = new Uint8Array([
            1,
            ...two.subarray(1 + entry, 1 + 2 * entry),
            ...two.subarray(1, 1 + entry),
        ]);
        badRequest(() => decodeChunk(chunk, swapped, E));
        badRequest(() => decodeChunk(chunk, new Uint8Array([...two, 0]), E));
        badRequest(() => decodeChunk(chunk, two.subarray(0, two.length - 1), E));
        badRequest(() => decodeChunk(chunk, new Uint8Array([2]), E)); // unknown version
        assert.deepEqual(decodeChunk(chunk, new Uint8Array([1]), E), []);
    });
});
