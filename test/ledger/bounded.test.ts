// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/bounded
 * BoundedMap stays within its stated size when overfilled far beyond it (by entries and by weight),
 * evicts the least recently used first, and refuses bounds that would not bound anything.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import { BoundedMap } from '../../src/ledger/bounded.js';

describe('BoundedMap', () => {
    it('holds at most maxEntries when overfilled 100 times over, keeping the newest', () => {
        const m = new BoundedMap<number, string>({ maxEntries: 64 });
        for (let i = 0; i < 6400; i++) {
            m.set(i, `v${i}`);
            assert.ok(m.size <= 64, `size ${m.size} after ${i + 1} sets`);
        }
        assert.equal(m.size, 64);
        assert.equal(m.get(6399), 'v6399');
        assert.equal(m.get(6336), 'v6336');
        assert.equal(m.get(6335), undefined);
        assert.equal(m.has(0), false);
    });

    it('holds at most maxWeight, whatever the mix of sizes', () => {
        const m = new BoundedMap<number, Uint8Array>({
            maxEntries: 1_000_000,
            maxWeight: 10_000,
            weigh: (v) => v.length,
        });
        for (let i = 0; i < 5000; i++) {
            m.set(i, new Uint8Array((i * 7919) % 997));
            assert.ok(m.weight <= 10_000, `weight ${m.weight} after ${i + 1} sets`);
        }
        let sum = 0;
        for (let i = 0; i < 5000; i++) sum += m.get(i)?.length ?? 0;
        assert.equal(sum, m.weight);
        assert.ok(m.size < 5000);
    });

    it('evicts the least recently used: get counts as a use, has does not', () => {
        const m = new BoundedMap<string, number>({ maxEntries: 3 });
        m.set('a', 1).set('b', 2).set('c', 3);
        assert.equal(m.get('a'), 1); // a is now the newest
        assert.equal(m.has('b'), true); // does not refresh b
        m.set('d', 4); // evicts b
        assert.deepEqual(
            ['a', 'b', 'c', 'd'].map((k) => m.has(k)),
            [true, false, true, true],
        );
        m.set('c', 30); // replacing refreshes and does not grow
        m.set('e', 5); // evicts a
        assert.equal(m.size, 3);
        assert.equal(m.has('a'), false);
        assert.equal(m.get('c'), 30);
    });

    it('does not keep an entry heavier than maxWeight, and delete/clear release weight', () => {
        const m = new BoundedMap<string, string>({
            maxEntries: 10,
            maxWeight: 5,
            weigh: (v) => v.length,
        });
        m.set('small', 'abc');
        m.set('huge', 'abcdefgh');
        assert.equal(m.has('huge'), false);
        assert.equal(m.weight, 3);
        assert.equal(m.delete('small'), true);
        assert.equal(m.delete('small'), false);
        assert.equal(m.weight, 0);
        m.set('x', 'ab').set('y', 'cd');
        m.clear();
        assert.equal(m.size, 0);
        assert.equal(m.weight, 0);
    });

    it('refuses bounds that bound nothing and weights that are not numbers', () => {
        for (const maxEntries of [0, -1, 1.5, NaN, Infinity])
            assert.throws(() => new BoundedMap({ maxEntries }), RangeError);
        assert.throws(() => new BoundedMap({ maxEntries: 1, maxWeight: 10 }), TypeError);
        assert.throws(
            () => new BoundedMap({ maxEntries: 1, maxWeight: 0, weigh: () => 1 }),
            RangeError,
        );
        const m = new BoundedMap<string, number>({
            maxEntries: 4,
            maxWeight: 100,
            weigh: (v) => v,
        });
        for (const bad of [NaN, -1, Infinity]) assert.throws(() => m.set('k', bad), RangeError);
        assert.equal(m.size, 0);
    });
});
