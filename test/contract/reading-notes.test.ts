// SPDX-License-Identifier: Apache-2.0
/**
 * A SubmitReadings batch checked ahead in a worker (contract/reading-notes): `checkReadingBatch`
 * passes exactly the batches whose every signature verifies under the meter's key and whose every
 * point decodes in the meter's group, and a note answers once, only for the same meter id, key,
 * group and batch.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import {
    ed25519Signer,
    readingBatchHex,
    readingPayload,
    type ReadingInput,
} from '../../src/contract/index.js';
import { marshal } from '../../src/contract/marshal.js';
import {
    checkReadingBatch,
    noteReadingBatch,
    takeReadingBatch,
} from '../../src/contract/reading-notes.js';
import { ristretto255 as g } from '../../src/fe/ristretto255.js';

const signer = ed25519Signer(new Uint8Array(32).fill(3));
const other = ed25519Signer(new Uint8Array(32).fill(4));
const meter = {
    id: 'm1',
    signingKey: bytesToHex(signer.publicKey),
    group: 'ristretto255',
} as const;
const record = (m: Record<string, unknown> = meter): Uint8Array => marshal(m);

/** n readings of meter m1, signed by `by`; C_0 with the first. */
function batch(
    n: number,
    by = signer,
    edit?: (r: ReadingInput, i: number) => ReadingInput,
): string {
    const rs = Array.from({ length: n }, (_, slot) => {
        const c = g.encode(g.mulBase(BigInt(slot + 5)));
        const c0 = slot === 0 ? g.encode(g.mulBase(3n)) : undefined;
        const base = {
            meter: 'm1',
            channel: '1-0:1.8.0',
            period: '2024-03',
            slot,
            seq: slot + 1,
            status: 0,
        };
        const sig = by.sign(readingPayload({ ...base, c, c0 }));
        const r: ReadingInput = {
            channel: base.channel,
            period: base.period,
            slot,
            seq: base.seq,
            status: 0,
            c: bytesToHex(c),
            ...(c0 === undefined ? {} : { c0: bytesToHex(c0) }),
            sig: bytesToHex(sig),
        };
        return edit ? edit(r, slot) : r;
    });
    return readingBatchHex(rs);
}

describe('reading notes', () => {
    it('checkReadingBatch passes a batch whose signatures and points all hold', () => {
        assert.equal(checkReadingBatch(record(), batch(12)), true);
    });

    it('checkReadingBatch refuses any bad signature, point, key, group or encoding', () => {
        const good = batch(12);
        const notAPoint = 'ff'.repeat(32);
        const cases: [string, Uint8Array, string][] = [
            ['another key signed', record(), batch(12, other)],
            [
                'one signature flipped',
                record(),
                batch(12, signer, (r, i) =>
                    i === 7
                        ? {
                              ...r,
                              sig:
                                  r.sig.slice(0, 10) +
                                  (r.sig[10] === '0' ? '1' : '0') +
                                  r.sig.slice(11),
                          }
                        : r,
                ),
            ],
            [
                'C_i is not a point (signed anyway)',
                record(),
                batch(12, signer, (r, i) => {
                    if (i !== 4) return r;
                    const base = {
                        meter: 'm1',
                        channel: r.channel,
                        period: r.period,
                        slot: r.slot,
                        seq: r.seq,
                        status: 0,
                    };
                    const c = new Uint8Array(32).fill(0xff);
                    return {
                        ...r,
                        c: notAPoint,
                        sig: bytesToHex(signer.sign(readingPayload({ ...base, c }))),
                    };
                }),
            ],
            [
                'the record names another key',
                record({ ...meter, signingKey: bytesToHex(other.publicKey) }),
                good,
            ],
            ['the record names another meter id', record({ ...meter, id: 'm2' }), good],
            [
                'the record names another group (the batch does not decode at its size)',
                record({ ...meter, group: 'ffdhe2048' }),
                good,
            ],
            ['an unknown group', record({ ...meter, group: 'p256' }), good],
            ['not a meter record', new TextEncoder().encode('{'), good],
            ['upper-case hex', record(), good.toUpperCase()],
            ['odd-length hex', record(), good.slice(1)],
            ['truncated batch', record(), good.slice(0, -2)],
            ['empty batch', record(), ''],
        ];
        for (const [what, rec, b] of cases) assert.equal(checkReadingBatch(rec, b), false, what);
    });

    it('checks one part of a batch: that part only, and only valid part numbers', () => {
        const oneBad = batch(12, signer, (r, i) =>
            i === 9 ? { ...r, sig: bytesToHex(other.sign(new Uint8Array([i]))) } : r,
        );
        assert.equal(checkReadingBatch(record(), oneBad), false);
        assert.equal(checkReadingBatch(record(), oneBad, 0, 2), true); // readings 0–5
        assert.equal(checkReadingBatch(record(), oneBad, 1, 2), false); // readings 6–11
        assert.equal(checkReadingBatch(record(), oneBad, 2, 3), false); // readings 8–11
        for (const [part, parts] of [
            [2, 2],
            [0, 0],
            [-1, 2],
            [0.5, 2],
            [0, 17],
            [0, NaN],
        ] as const)
            assert.equal(
                checkReadingBatch(record(), batch(12), part, parts),
                false,
                `${part}/${parts}`,
            );
        assert.equal(checkReadingBatch(record(), batch(12), 15, 16), true);
    });

    it('a note of several parts answers only once every part is noted', () => {
        const b = batch(10);
        noteReadingBatch(meter, b, 0, 3);
        noteReadingBatch(meter, b, 0, 3); // the same part again: a second, separate note
        noteReadingBatch(meter, b, 2, 3);
        assert.equal(takeReadingBatch(meter, b), false);
        noteReadingBatch(meter, b, 1, 3);
        assert.equal(takeReadingBatch(meter, b), true);
        assert.equal(takeReadingBatch(meter, b), false); // the second note lacks parts 1 and 2
        noteReadingBatch(meter, b, 1, 3);
        noteReadingBatch(meter, b, 2, 3);
        assert.equal(takeReadingBatch(meter, b), true);
        noteReadingBatch(meter, b, 3, 3); // not a part: ignored
        noteReadingBatch(meter, b, 0, 1);
        assert.equal(takeReadingBatch(meter, b), true);
        assert.equal(takeReadingBatch(meter, b), false);
    });

    it('a note answers once, for the same meter id, key, group and batch only', () => {
        const b = batch(9);
        noteReadingBatch(meter, b);
        assert.equal(takeReadingBatch({ ...meter, id: 'm2' }, b), false);
        assert.equal(
            takeReadingBatch({ ...meter, signingKey: bytesToHex(other.publicKey) }, b),
            false,
        );
        assert.equal(takeReadingBatch({ ...meter, group: 'ffdhe2048' }, b), false);
        assert.equal(takeReadingBatch(meter, batch(8)), false);
        assert.equal(takeReadingBatch(meter, `${b.slice(0, -1)}0`), false);
        assert.equal(takeReadingBatch(meter, b), true);
        assert.equal(takeReadingBatch(meter, b), false);
        // two notes of the same batch (a resend in flight) answer twice
        noteReadingBatch(meter, b);
        noteReadingBatch(meter, b);
        assert.equal(takeReadingBatch(meter, b), true);
        assert.equal(takeReadingBatch(meter, b), true);
        assert.equal(takeReadingBatch(meter, b), false);
    });

    it('notes are bounded: a flood forgets the oldest, never answers wrongly', () => {
        const first = batch(9);
        noteReadingBatch(meter, first);
        // 70 notes of ~1 MiB for other meters push past the 64 Mi-character bound
        const big = 'ab'.repeat(512 * 1024);
        for (let i = 0; i < 70; i++) noteReadingBatch({ ...meter, id: `flood${i}` }, `${big}${i}`);
        assert.equal(takeReadingBatch(meter, first), false); // forgotten: checked inline then
        assert.equal(takeReadingBatch({ ...meter, id: 'flood69' }, `${big}69`), true);
        for (let i = 0; i < 70; i++) takeReadingBatch({ ...meter, id: `flood${i}` }, `${big}${i}`);
    });
});
