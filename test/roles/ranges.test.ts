// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/roles/ranges
 * RunSet (the auditor's sequence numbers): same gaps and maximum as a sorted list, in any insertion
 * order, with duplicates; a gap-free million-member set is one run.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';

import { RunSet } from '../../src/roles/auditor/ranges.js';

/** Gaps of a set of integers from 1, the obvious way. */
function naiveGaps(xs: readonly number[]): [number, number][] {
    const sorted = [...new Set(xs)].sort((a, b) => a - b);
    const out: [number, number][] = [];
    let expect = 1;
    for (const x of sorted) {
        if (x > expect) out.push([expect, x - 1]);
        expect = Math.max(expect, x + 1);
    }
    return out;
}

describe('RunSet', () => {
    it('agrees with a sorted list on gaps and maximum (property)', () => {
        fc.assert(
            fc.property(fc.array(fc.integer({ min: 1, max: 200 }), { maxLength: 300 }), (xs) => {
                const s = new RunSet();
                for (const x of xs) s.add(x);
                assert.deepEqual(s.gaps(), naiveGaps(xs));
                assert.equal(s.max, xs.length === 0 ? 0 : Math.max(...xs));
            }),
        );
    });

    it('keeps a gap-free sequence as one run, in whatever order it arrives', () => {
        const s = new RunSet();
        for (let i = 1_000_000; i >= 1; i -= 2) s.add(i);
        for (let i = 1; i <= 1_000_000; i += 2) s.add(i);
        assert.equal(s.runs, 1);
        assert.equal(s.max, 1_000_000);
        assert.deepEqual(s.gaps(), []);
    });
});
