// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/msm
 * Variable-time multi-scalar sums Σ k_i·P_i for the pure-JS and WebAssembly ristretto255 backends,
 * over any point type that offers `add` and `double` (here: @noble/curves points). A bucket
 * (Pippenger) method whose window count follows the largest scalar actually present, not the
 * group's 253 bits: femeter's weights (tariff prices, |y| < 2^48) are short, and noble's own
 * `pippenger` always walks all 253 bits (≈ 9× the work for 20-bit weights). Public data only.
 */

/** The point operations a bucket sum needs. */
export interface MsmPoint<P> {
    add(other: P): P;
    double(): P;
}

/** Additions a window width `c` costs for `n` points and `bits`-bit scalars (plus `bits` doublings). */
function cost(c: number, n: number, bits: number): number {
    return Math.ceil(bits / c) * (n + 2 ** (c + 1));
}

/**
 * Σ k_i·P_i for non-negative scalars (any size). Returns `zero` for empty input or all-zero scalars.
 * @example
 * bucketMsm(Point.ZERO, [Point.BASE, Point.BASE], [2n, 3n]).equals(Point.BASE.multiply(5n));
 */
export function bucketMsm<P extends MsmPoint<P>>(
    zero: P,
    points: readonly P[],
    scalars: readonly bigint[],
): P {
    if (points.length !== scalars.length)
        throw new RangeError(`msm: ${points.length} points but ${scalars.length} scalars`);
    let max = 0n;
    for (const k of scalars) {
        if (k < 0n) throw new RangeError('msm: negative scalar');
        if (k > max) max = k;
    }
    const bits = max.toString(2).length;
    if (max === 0n) return zero;
    const n = points.length;
    let c = 1;
    for (let w = 2; w <= 16; w++) if (cost(w, n, bits) < cost(c, n, bits)) c = w;
    const mask = BigInt((1 << c) - 1);
    const windows = Math.ceil(bits / c);
    const buckets: (P | undefined)[] = new Array<P | undefined>(1 << c);
    let acc: P | undefined;
    for (let w = windows - 1; w >= 0; w--) {
        if (acc !== undefined) for (let d = 0; d < c; d++) acc = acc.double();
        buckets.fill(undefined);
        const shift = BigInt(w * c);
        for (let i = 0; i < n; i++) {
            const digit = Number((scalars[i]! >> shift) & mask);
            if (digit !== 0) {
                const b = buckets[digit];
                buckets[digit] = b === undefined ? points[i]! : b.add(points[i]!);
            }
        }
        // Σ_d d·B_d as running sums from the top bucket down
        let running: P | undefined;
        let windowSum: P | undefined;
        for (let d = buckets.length - 1; d > 0; d--) {
            const b = buckets[d];
            if (b !== undefined) running = running === undefined ? b : running.add(b);
            if (running !== undefined)
                windowSum = windowSum === undefined ? running : windowSum.add(running);
        }
        if (windowSum !== undefined) acc = acc === undefined ? windowSum : acc.add(windowSum);
    }
    return acc ?? zero;
}
