// SPDX-License-Identifier: Apache-2.0
/**
 * Known-answer vectors for every group, from fixed seeds. `node dist/test/fe/vectors.js --write`
 * regenerates test/vectors/fe.json (only do that for an intended, documented format change);
 * vectors.test.ts checks the frozen file against the library AND against an independent
 * computation (plain BigInt modular arithmetic for ffdhe, @noble/curves points for ristretto255).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
    encodeFunctionalKey,
    encodeMpk,
    encodeProof,
    encRandomness,
    Encryptor,
    groupByName,
    GROUP_NAMES,
    keyDer,
    keyImage,
    proveBill,
    setup,
    weightedSum,
} from './exports.js';
import { hex } from './helpers.js';

export interface Vector {
    group: string;
    rootSeed: string;
    meterSeed: string;
    ctx: { meter: string; channel: string; period: string };
    x: string[];
    y: string[];
    s: string[];
    r: string;
    H: string[];
    C0: string;
    C: string[];
    sk: string;
    m: string;
    mpk: string;
    key: string;
    proof: string;
}

export const VECTOR_PATH = fileURLToPath(new URL('../../../test/vectors/fe.json', import.meta.url));

export function makeVectors(): Vector[] {
    return GROUP_NAMES.map((name) => {
        const g = groupByName(name);
        const rootSeed = new Uint8Array(32).map((_, i) => i);
        const meterSeed = new Uint8Array(32).map((_, i) => 255 - i);
        const ctx = { meter: 'DE0001', channel: '1-0:1.8.0', period: '2024-10' };
        const x = [0n, 1n, 250n, 4000n];
        const y = [1n, -2n, 3n, 0n];
        const { msk, mpk } = setup(g, rootSeed, ctx, 4);
        const enc = new Encryptor(g, mpk, meterSeed, { maxReading: 4000n });
        const C0 = enc.open();
        const C = x.map((xi, i) => enc.slot(i, xi));
        const key = keyDer(g, msk, y);
        const m = x.reduce((s, v, i) => s + v * y[i]!, 0n);
        const proof = proveBill(g, key.sk, {
            ...ctx,
            tariff: 'vector@1',
            m,
            K: keyImage(g, mpk, y),
            C0,
            S: weightedSum(g, y, C),
        });
        return {
            group: name,
            rootSeed: hex(rootSeed),
            meterSeed: hex(meterSeed),
            ctx,
            x: x.map(String),
            y: y.map(String),
            s: msk.s.map((v) => v.toString(16)),
            r: encRandomness(g, meterSeed, ctx).toString(16),
            H: mpk.H.map((h) => hex(g.encode(h))),
            C0: hex(g.encode(C0)),
            C: C.map((c) => hex(g.encode(c))),
            sk: key.sk.toString(16),
            m: m.toString(),
            mpk: hex(encodeMpk(g, mpk)),
            key: hex(encodeFunctionalKey(g, key)),
            proof: hex(encodeProof(g, proof)),
        };
    });
}

if (process.argv.includes('--write')) {
    writeFileSync(VECTOR_PATH, JSON.stringify(makeVectors(), null, 1) + '\n');
    console.log(`wrote ${VECTOR_PATH}`);
}
