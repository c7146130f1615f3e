// SPDX-License-Identifier: Apache-2.0
/**
 * contract/hex: the table-driven hex helpers accept and refuse exactly what @noble/hashes' do,
 * and the strict lower-case forms refuse upper case, odd lengths and non-hex characters.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as noble from '@noble/hashes/utils.js';
import {
    bytesToHex,
    hexInto,
    hexToBytes,
    isLowerHex,
    lowerHexToBytes,
} from '../../src/contract/hex.js';
import { hex, hexBytes } from '../../src/contract/validate.js';

const every = Uint8Array.from({ length: 256 }, (_, i) => i);

test('bytesToHex matches noble for every byte value and short and long inputs', () => {
    for (const n of [0, 1, 15, 16, 17, 256]) {
        const b = every.subarray(256 - n);
        assert.equal(bytesToHex(b), noble.bytesToHex(b));
    }
    assert.throws(() => bytesToHex('00' as unknown as Uint8Array), TypeError);
});

test('hexToBytes round-trips both cases and refuses what noble refuses', () => {
    const h = noble.bytesToHex(every);
    assert.deepEqual(hexToBytes(h), every);
    assert.deepEqual(hexToBytes(h.toUpperCase()), every);
    for (const badHex of ['0', 'abc', 'zz', '0g', 'g0', '00 0', '\u00e900', '0\u0100', '+1']) {
        assert.throws(() => noble.hexToBytes(badHex), RangeError, badHex);
        assert.throws(() => hexToBytes(badHex), RangeError, badHex);
    }
    assert.throws(() => hexToBytes(7 as unknown as string), TypeError);
    assert.deepEqual(hexToBytes(''), new Uint8Array(0));
});

test('hexInto writes views into one buffer and refuses overflow', () => {
    const out = new Uint8Array(4);
    const a = hexInto('0102', out, 0);
    const b = hexInto('ff', out, 2);
    assert.deepEqual([...a], [1, 2]);
    assert.deepEqual([...b], [255]);
    assert.deepEqual([...out], [1, 2, 255, 0]);
    assert.throws(() => hexInto('000000', out, 2), RangeError);
    assert.throws(() => hexInto('0x', out, 0), RangeError);
});

test('the strict lower-case forms refuse upper case, odd length and other characters', () => {
    assert.equal(isLowerHex(''), true);
    assert.equal(isLowerHex('00ff'), true);
    for (const s of ['00FF', 'F0', '0', 'g0', '0 ', '\u00e90']) {
        assert.equal(isLowerHex(s), false, s);
        assert.equal(lowerHexToBytes(s), undefined, s);
    }
    assert.deepEqual(lowerHexToBytes('00ff'), Uint8Array.from([0, 255]));
});

test('validate.hexBytes gives hex()’s messages, in the same order', () => {
    const cases: [unknown, number | undefined, number | undefined][] = [
        ['00FF', undefined, undefined],
        [5, undefined, undefined],
        ['0', undefined, undefined],
        ['0011', 3, undefined],
        ['001122', undefined, 2],
        ['zz0011', 3, 2],
    ];
    for (const [v, bytes, max] of cases) {
        const o = { f: v };
        const e1 = (() => {
            try {
                hex(o, 'f', 'T', bytes, max);
            } catch (e) {
                return (e as Error).message;
            }
            return 'ok';
        })();
        assert.notEqual(e1, 'ok');
        assert.throws(() => hexBytes(o, 'f', 'T', bytes, max), { message: e1 });
    }
    assert.deepEqual(hexBytes({ f: 'a0b1' }, 'f', 'T', 2), Uint8Array.from([0xa0, 0xb1]));
});
