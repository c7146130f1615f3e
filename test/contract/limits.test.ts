// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 9 item 9: every supported group works for every month. The limits are derived from the
 * group and the vector length: an mpk of the longest month (31 days and the 25-hour DST day) of
 * every group at 15-, 30- and 60-minute slots — encoded by the real codec, with the longest ids the
 * contract allows — fits the PublishMpk argument, and that argument fits the embedded engine's
 * size cap for PublishMpk (admission before ordering); (group, slot) pairs whose mpk could never
 * fit are refused at RegisterMeter with the groups that would.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { bytesToHex } from '@noble/hashes/utils.js';
import { TX_MAX_BYTES } from '../../src/contract/admission.js';
import {
    assertMpkFits,
    maxMonthSlots,
    MPK_ARG_MAX_BYTES,
    mpkHexLimit,
} from '../../src/contract/limits.js';
import { ContractError } from '../../src/contract/errors.js';
import { encodeMpk } from '../../src/fe/codec.js';
import { GROUP_NAMES, groupByName } from '../../src/fe/groups.js';

const LONG_ID = 'm'.repeat(64);

describe('mpk limits derived from the group and l', () => {
    for (const name of GROUP_NAMES)
        for (const minutes of [15, 30, 60])
            it(`${name}, ${minutes}-minute slots: the longest month's mpk fits PublishMpk and its cap`, () => {
                const g = groupByName(name);
                const l = maxMonthSlots(minutes);
                assert.ok(Number.isInteger(l));
                assert.doesNotThrow(() => {
                    assertMpkFits(name, minutes, 'RegisterMeter');
                });
                // a real encoding (every H_i the generator: the size does not depend on the values)
                const mpk = encodeMpk(g, {
                    ctx: { meter: LONG_ID, channel: '1-0:1.8.0', period: '2024-10' },
                    H: Array.from({ length: l }, () => g.generator),
                });
                const hex = bytesToHex(mpk);
                assert.ok(hex.length <= mpkHexLimit(g, l), 'the contract bound covers the codec');
                const arg = JSON.stringify({
                    meter: LONG_ID,
                    channel: '1-0:1.8.0',
                    period: '2024-10',
                    mpk: hex,
                });
                assert.ok(arg.length <= MPK_ARG_MAX_BYTES, `${arg.length} > ${MPK_ARG_MAX_BYTES}`);
                assert.ok(
                    arg.length < (TX_MAX_BYTES.PublishMpk ?? 0),
                    'the engine admits the request',
                );
            });

    it('refuses at RegisterMeter a group and slot whose mpk could never fit, naming what would', () => {
        for (const name of ['ffdhe2048', 'ffdhe3072', 'ffdhe4096'].filter((n) =>
            (GROUP_NAMES as readonly string[]).includes(n),
        ))
            assert.throws(
                () => {
                    assertMpkFits(name, 5, 'RegisterMeter');
                },
                (e: unknown) =>
                    e instanceof ContractError &&
                    e.code === 'BAD_REQUEST' &&
                    e.message.includes('use a longer slot or ristretto255'),
            );
        assert.doesNotThrow(() => {
            assertMpkFits('ristretto255', 1, 'RegisterMeter');
        });
    });
});
