// SPDX-License-Identifier: Apache-2.0
/**
 * contract/signing `readingPayloads`: the payloads of a batch, built once per channel and period,
 * are byte for byte what `readingPayload` signs for each reading (ASCII and non-ASCII channels,
 * with and without C_0, several runs, large numbers).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readingPayload, readingPayloads } from '../../src/contract/signing.js';

test('readingPayloads equals readingPayload per reading', () => {
    const c = (n: number, len = 32): Uint8Array =>
        Uint8Array.from({ length: len }, (_, i) => n + i);
    const readings = [
        { channel: '1-0:1.8.0', period: '2024-03', slot: 0, c: c(1), c0: c(9), seq: 1, status: 0 },
        { channel: '1-0:1.8.0', period: '2024-03', slot: 1, c: c(2), seq: 2, status: 7 },
        {
            channel: 'zähler-ü',
            period: '2024-03',
            slot: 2975,
            c: c(3),
            seq: 2 ** 53 - 1,
            status: 1,
        },
        { channel: '1-0:1.8.0', period: '2024-04', slot: 99_999, c: c(4, 256), seq: 17, status: 4 },
        { channel: '1-0:1.8.0', period: '2024-03', slot: 5, c: c(5), c0: c(6), seq: 3, status: 2 },
    ];
    for (const meter of ['m0', 'mètre-7']) {
        const got = readingPayloads(meter, readings);
        assert.equal(got.length, readings.length);
        readings.forEach((r, i) => {
            assert.deepEqual(got[i], readingPayload({ meter, ...r }), `${meter} reading ${i}`);
        });
    }
    assert.deepEqual(readingPayloads('m0', []), []);
});
