// SPDX-License-Identifier: Apache-2.0
/**
 * Hostile inputs to the native ristretto255 accelerator: RFC 9496 invalid encodings and other
 * non-canonical aliases, wrong lengths, non-canonical scalars, wrong argument types. Every rejection
 * must be a thrown Error naming the function, the argument and (for arrays) the index.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { NativeRistretto } from '../../../src/fe/native.js';
import {
    ALL_BAD,
    concat,
    hex,
    L,
    nativeOrSkip,
    Point,
    randomPoint,
    randomScalar,
    rawLE,
    RFC_BAD,
    RFC_MULTIPLES,
    scalarBytes,
    unhex,
} from './support.js';

const P_FIELD = 2n ** 255n - 19n;
const B = unhex(RFC_MULTIPLES[1]!);
const S1 = scalarBytes(1n);

/** Non-canonical aliases s + p (s even, s + p < 2^255) and 2p − s0 of valid encodings s0. */
function aliases(): Uint8Array[] {
    const out: Uint8Array[] = [];
    for (let s = 0n; s < 19n; s += 2n) out.push(rawLE(P_FIELD + s));
    for (const h of RFC_MULTIPLES.slice(1)) {
        const s0 = Point.fromBytes(unhex(h)).toBytes();
        let v = 0n;
        for (let i = 31; i >= 0; i--) v = (v << 8n) | BigInt(s0[i]!);
        out.push(rawLE(2n * P_FIELD - v));
    }
    return out;
}

/** Non-canonical scalars: ℓ, ℓ + 1, 2^252 + 2^253, 2^256 − 1, ℓ + 2^255. */
const BAD_SCALARS = [L, L + 1n, 2n ** 253n + 2n ** 252n, 2n ** 256n - 1n, L + 2n ** 255n].map(
    rawLE,
);

function throwsNaming(fn: () => unknown, ...parts: (string | RegExp)[]): void {
    assert.throws(fn, (e: unknown) => {
        assert.ok(e instanceof Error, 'expected an Error');
        for (const p of parts) {
            if (typeof p === 'string')
                assert.ok(
                    e.message.includes(p),
                    `message ${JSON.stringify(e.message)} lacks ${JSON.stringify(p)}`,
                );
            else assert.match(e.message, p);
        }
        return true;
    });
}

describe('native rejects invalid point encodings', () => {
    it('noble agrees that every test encoding is invalid (sanity of the vectors)', () => {
        for (const bad of [...ALL_BAD, ...aliases()])
            assert.throws(() => Point.fromBytes(bad), hex(bad));
    });

    for (const [reason, list] of Object.entries(RFC_BAD)) {
        it(`decodeCheck flags ${reason}`, (t) => {
            const n = nativeOrSkip(t);
            if (!n) return;
            for (const h of list) assert.equal(n.decodeCheck(unhex(h)), 0, h);
        });
    }

    it('decodeCheck flags non-canonical aliases s + p and 2p − s', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        for (const a of aliases()) assert.equal(n.decodeCheck(a), 0, hex(a));
    });

    it('decodeCheck returns the index of the first bad encoding, also in large (threaded) arrays', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const good = Array.from({ length: 64 }, () => randomPoint().toBytes());
        const pick = (i: number): Uint8Array => good[i % good.length]!;
        for (const count of [1, 2, 33, 1000, 3000]) {
            const items = Array.from({ length: count }, (_, i) => pick(i));
            assert.equal(n.decodeCheck(concat(items)), -1, `count ${count}`);
            for (const at of new Set([
                0,
                count - 1,
                Math.floor(count / 2),
                Math.floor((count * 3) / 4),
            ])) {
                const bad = ALL_BAD[at % ALL_BAD.length]!;
                const withBad = items.slice();
                withBad[at] = bad;
                assert.equal(n.decodeCheck(concat(withBad)), at, `count ${count}, bad at ${at}`);
                // A second bad item later on does not change the answer.
                if (at + 1 < count) {
                    withBad[count - 1] = bad;
                    assert.equal(n.decodeCheck(concat(withBad)), at);
                }
            }
        }
        assert.equal(n.decodeCheck(new Uint8Array(0)), -1);
    });

    it('every point-taking function throws naming the argument and index', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        for (const bad of ALL_BAD) {
            throwsNaming(() => n.add(bad, B), 'add', ' a ');
            throwsNaming(() => n.add(B, bad), 'add', ' b ');
            throwsNaming(() => n.sub(bad, B), 'sub', ' a ');
            throwsNaming(() => n.sub(B, bad), 'sub', ' b ');
            throwsNaming(() => n.mul(bad, S1), 'mul', 'point');
            throwsNaming(() => n.addMulBase!(bad, S1), 'addMulBase', 'point');
            throwsNaming(() => n.stepKeys(bad, B, 4), 'stepKeys', 'start');
            throwsNaming(() => n.stepKeys(B, bad, 4), 'stepKeys', 'step');
        }
        const bad = ALL_BAD[7]!;
        for (const count of [3, 1200]) {
            const at = count - 2;
            const pts = concat(Array.from({ length: count }, (_, i) => (i === at ? bad : B)));
            const ks = concat(Array.from({ length: count }, () => S1));
            throwsNaming(() => n.mulMany(pts, S1), 'mulMany', `points[${at}]`);
            throwsNaming(() => n.msmVartime(pts, ks), 'msmVartime', `points[${at}]`);
            throwsNaming(() => n.addMany(pts), 'addMany', `points[${at}]`);
        }
    });
});

describe('native rejects non-canonical scalars', () => {
    it('mul, mulBase, mulMany, mulBaseMany and msmVartime refuse scalars >= ℓ', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        for (const s of BAD_SCALARS) {
            throwsNaming(() => n.mul(B, s), 'mul', 'scalar', 'canonical');
            throwsNaming(() => n.mulBase(s), 'mulBase', 'scalar', 'canonical');
            throwsNaming(() => n.addMulBase!(B, s), 'addMulBase', 'scalar', 'canonical');
            throwsNaming(() => n.mulMany(concat([B, B]), s), 'mulMany', 'scalar', 'canonical');
            throwsNaming(
                () => n.mulBaseMany(concat([S1, S1, s])),
                'mulBaseMany',
                'scalars[2]',
                'canonical',
            );
            throwsNaming(
                () => n.msmVartime(concat([B, B]), concat([s, S1])),
                'msmVartime',
                'scalars[0]',
                'canonical',
            );
        }
        // ℓ − 1 is the largest canonical scalar.
        assert.equal(hex(n.mulBase(rawLE(L - 1n))), hex(Point.BASE.negate().toBytes()));
    });
});

describe('native rejects wrong lengths and types', () => {
    const single: [string, (n: NativeRistretto, x: Uint8Array) => unknown, string][] = [
        ['add a', (n, x) => n.add(x, B), 'a'],
        ['add b', (n, x) => n.add(B, x), 'b'],
        ['sub a', (n, x) => n.sub(x, B), 'a'],
        ['mul point', (n, x) => n.mul(x, S1), 'point'],
        ['mul scalar', (n, x) => n.mul(B, x), 'scalar'],
        ['mulBase scalar', (n, x) => n.mulBase(x), 'scalar'],
        ['addMulBase point', (n, x) => n.addMulBase!(x, S1), 'point'],
        ['addMulBase scalar', (n, x) => n.addMulBase!(B, x), 'scalar'],
        ['mulMany scalar', (n, x) => n.mulMany(B, x), 'scalar'],
        ['stepKeys start', (n, x) => n.stepKeys(x, B, 1), 'start'],
        ['stepKeys step', (n, x) => n.stepKeys(B, x, 1), 'step'],
    ];
    it('single 32-byte arguments of length 0, 1, 31, 33, 64', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        for (const [label, call, arg] of single) {
            for (const len of [0, 1, 31, 33, 64]) {
                throwsNaming(() => call(n, new Uint8Array(len)), arg, '32 bytes', `got ${len}`);
            }
            assert.doesNotThrow(() => call(n, label.endsWith('scalar') ? S1 : B), label);
        }
    });

    it('array arguments whose length is not a multiple of 32', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        for (const len of [1, 31, 33, 65, 95]) {
            const x = new Uint8Array(len);
            throwsNaming(() => n.decodeCheck(x), 'decodeCheck', 'multiple of 32');
            throwsNaming(() => n.addMany(x), 'addMany', 'multiple of 32');
            throwsNaming(() => n.mulMany(x, S1), 'mulMany', 'multiple of 32');
            throwsNaming(() => n.mulBaseMany(x), 'mulBaseMany', 'multiple of 32');
            throwsNaming(
                () => n.msmVartime(x, new Uint8Array(32)),
                'msmVartime',
                'points',
                'multiple of 32',
            );
            throwsNaming(
                () => n.msmVartime(new Uint8Array(32), x),
                'msmVartime',
                'scalars',
                'multiple of 32',
            );
        }
        throwsNaming(
            () => n.msmVartime(concat([B, B]), S1),
            'msmVartime',
            '2 points but 1 scalars',
        );
    });

    it('stepKeys count must be an integer in [0, 2^27]', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        for (const c of [-1, 1.5, Number.NaN, Infinity, 2 ** 27 + 1, 2 ** 32]) {
            throwsNaming(() => n.stepKeys(B, B, c), 'stepKeys', 'count');
        }
        assert.equal(n.stepKeys(B, B, 0).length, 0);
    });

    it('non-Uint8Array arguments throw a TypeError naming the argument', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const wrong: unknown[] = [
            Array.from(B),
            hex(B),
            new Uint16Array(16),
            new DataView(B.buffer),
            null,
            undefined,
            42,
        ];
        for (const w of wrong) {
            const x = w as Uint8Array;
            assert.throws(
                () => n.add(x, B),
                (e: unknown) =>
                    e instanceof TypeError && e.message.includes('add: a must be a Uint8Array'),
            );
            assert.throws(() => n.decodeCheck(x), TypeError);
            assert.throws(() => n.msmVartime(B, x), /msmVartime: scalars must be a Uint8Array/);
            assert.throws(() => n.stepKeys(B, x, 1), /stepKeys: step must be a Uint8Array/);
        }
    });

    it('a secret scalar of random value is accepted and a wrong-length array is not silently truncated', (t) => {
        const n = nativeOrSkip(t);
        if (!n) return;
        const k = scalarBytes(randomScalar());
        const pts = concat([B, B, B]);
        assert.equal(n.mulMany(pts, k).length, 96);
        throwsNaming(() => n.mulMany(pts.subarray(0, 95), k), 'mulMany', 'points length 95');
    });
});
