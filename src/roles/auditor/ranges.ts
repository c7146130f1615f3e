// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/auditor/ranges
 * A set of positive integers kept as sorted disjoint runs [first, last]: memory grows with the number
 * of gaps, not with the number of members (a meter's gap-free sequence numbers are one run).
 */

/** r[i], which the run arithmetic below only asks for inside the array. */
function at(r: readonly number[], i: number): number {
    const v = r[i];
    if (v === undefined) throw new RangeError(`RunSet: run index ${i} outside 0..${r.length - 1}`);
    return v;
}

/** Sorted disjoint runs of integers. */
export class RunSet {
    /** Flat [first0, last0, first1, last1, …], sorted, runs neither overlapping nor adjacent. */
    #runs: number[] = [];

    /** Number of runs (1 for a gap-free range). */
    get runs(): number {
        return this.#runs.length / 2;
    }

    /** Largest member, or 0 when empty. */
    get max(): number {
        return this.#runs.at(-1) ?? 0;
    }

    /** Add n (a safe integer). */
    add(n: number): void {
        const r = this.#runs;
        // first run whose last >= n - 1 (binary search over run ends)
        let lo = 0;
        let hi = r.length / 2;
        while (lo < hi) {
            const mid = (lo + hi) >> 1;
            if (at(r, 2 * mid + 1) < n - 1) lo = mid + 1;
            else hi = mid;
        }
        const i = 2 * lo;
        if (i === r.length || at(r, i) > n + 1) {
            r.splice(i, 0, n, n); // a new run
            return;
        }
        if (n >= at(r, i) && n <= at(r, i + 1)) return; // already a member
        if (n === at(r, i) - 1) r[i] = n;
        else r[i + 1] = Math.max(at(r, i + 1), n);
        // merge with the next run if they touch now
        if (i + 2 < r.length && at(r, i + 2) <= at(r, i + 1) + 1) {
            r[i + 1] = Math.max(at(r, i + 1), at(r, i + 3));
            r.splice(i + 2, 2);
        }
    }

    /** The missing stretches between `from` and the largest member, as [first, last] pairs. */
    gaps(from = 1): [number, number][] {
        const out: [number, number][] = [];
        let expect = from;
        for (let i = 0; i < this.#runs.length; i += 2) {
            const first = at(this.#runs, i);
            if (first > expect) out.push([expect, first - 1]);
            expect = Math.max(expect, at(this.#runs, i + 1) + 1);
        }
        return out;
    }
}
