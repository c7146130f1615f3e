// SPDX-License-Identifier: Apache-2.0
/**
 * fe/point-notes: a note answers once, for the same group and the same bytes only, and the
 * waiting notes are bounded (the oldest are forgotten; an oversized run is never kept).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { noteValidPoints, takeValidPoints } from '../../src/fe/point-notes.js';

test('a note answers once, for exactly its group and bytes', () => {
    const b = Uint8Array.from({ length: 64 }, (_, i) => i);
    noteValidPoints('ristretto255', b);
    const copy = b.slice();
    copy[33]! ^= 1; // same first and last bytes, another middle
    assert.equal(takeValidPoints('ristretto255', copy), false);
    assert.equal(takeValidPoints('ffdhe2048', b), false);
    b[0]! ^= 1; // the note holds its own copy: changing the caller's bytes changes nothing
    b[0]! ^= 1;
    assert.equal(takeValidPoints('ristretto255', b), true);
    assert.equal(takeValidPoints('ristretto255', b), false);
});

test('waiting notes are bounded: the oldest are forgotten first', () => {
    const mib = (v: number): Uint8Array => new Uint8Array(1 << 20).fill(v);
    for (let v = 1; v <= 5; v++) noteValidPoints('ristretto255', mib(v));
    assert.equal(takeValidPoints('ristretto255', mib(1)), false); // forgotten
    assert.equal(takeValidPoints('ristretto255', mib(5)), true);
    assert.equal(takeValidPoints('ristretto255', mib(2)), true);
    noteValidPoints('ristretto255', new Uint8Array((4 << 20) + 32)); // larger than the bound
    assert.equal(takeValidPoints('ristretto255', new Uint8Array((4 << 20) + 32)), false);
    assert.equal(takeValidPoints('ristretto255', mib(3)), true);
    assert.equal(takeValidPoints('ristretto255', mib(4)), true);
});
