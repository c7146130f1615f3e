// SPDX-License-Identifier: Apache-2.0
/**
 * Known-answer vectors of the grid aggregate (MCFE + decentralised key shares) on ristretto255, from
 * fixed seeds. `node dist/test/fe/mcfe-vectors.js --write` regenerates test/vectors/mcfe.json (only
 * for an intended, documented format change); mcfe-vectors.test.ts checks the frozen file against
 * the library AND against an independent computation with @noble/curves' ristretto255 directly.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
    clientKey,
    combineKeyShares,
    encodeKeyShare,
    encodeMcfeCiphertext,
    encodeMcfeFunctionalKey,
    encodeMemberPublicKey,
    functionDigest,
    hashLabel,
    keyShare,
    labelOf,
    McfeEncryptor,
    memberDhKey,
    ristretto255,
    sortMembers,
    type AggregateFunction,
} from './exports.js';
import { hex } from './helpers.js';

export interface McfeVector {
    group: 'ristretto255';
    minMembers: number;
    epoch: { aggregate: string; channel: string; epoch: string };
    members: string[];
    rootSeeds: string[];
    slots: string[];
    /** x[member][slot] */
    x: string[][];
    weights: string[];
    /** roster digest ρ */
    roster: string;
    /** s[member] = [s1, s2] (hex) */
    s: string[][];
    /** u[slot] = [u1, u2] (encodings) */
    u: string[][];
    /** c[member][slot] (encodings) */
    c: string[][];
    /** DH secret a and public P per member */
    a: string[];
    P: string[];
    fn: string;
    /** share[member] = [d1, d2] (hex) */
    share: string[][];
    dk: string[];
    /** Σ x per slot */
    sum: string[];
    ciphertext: string;
    dhkey: string;
    keyShare: string;
    functionalKey: string;
}

export const MCFE_VECTOR_PATH = fileURLToPath(
    new URL('../../../test/vectors/mcfe.json', import.meta.url),
);

export function makeMcfeVector(): McfeVector {
    const g = ristretto255;
    const epoch = { aggregate: 'feeder-DE-0042', channel: '1-0:1.8.0', epoch: '2024-10' };
    const minMembers = 5;
    const members = sortMembers(['DE0001', 'DE0002', 'DE0003', 'DE0004', 'DE0005']);
    const rootSeeds = members.map((_, i) => new Uint8Array(32).map((_, j) => (i * 32 + j) & 0xff));
    const slots = ['2024-10-01T00:00:00Z', '2024-10-01T00:15:00Z'];
    const x = members.map((_, i) => slots.map((_, j) => BigInt([0, 1, 250, 4000, 17][i]! + j * 3)));
    const weights = members.map(() => 1n);
    const keys = members.map((m, i) => clientKey(g, rootSeeds[i]!, epoch, members, m));
    const dh = members.map((m, i) => memberDhKey(g, rootSeeds[i]!, epoch, m));
    const fn: AggregateFunction = { epoch, members, weights };
    const shares = members.map((_, i) =>
        keyShare(
            g,
            fn,
            keys[i]!,
            dh[i]!.secret,
            dh.map((d) => d.pub),
            { minMembers },
        ),
    );
    const dk = combineKeyShares(g, fn, shares);
    const c = keys.map((k, i) => {
        const e = new McfeEncryptor(g, k, { maxReading: 10_000n });
        return slots.map((s, j) => e.encrypt(s, x[i]![j]!));
    });
    return {
        group: 'ristretto255',
        minMembers,
        epoch,
        members,
        rootSeeds: rootSeeds.map(hex),
        slots,
        x: x.map((r) => r.map(String)),
        weights: weights.map(String),
        roster: hex(keys[0]!.roster),
        s: keys.map((k) => k.s.map((v) => v.toString(16))),
        u: slots.map((s) => hashLabel(g, labelOf(epoch, s)).u.map((p) => hex(g.encode(p)))),
        c: c.map((r) => r.map((p) => hex(g.encode(p)))),
        a: dh.map((d) => d.secret.a.toString(16)),
        P: dh.map((d) => hex(g.encode(d.pub.P))),
        fn: hex(functionDigest(g, fn)),
        share: shares.map((s) => s.d.map((v) => v.toString(16))),
        dk: dk.dk.map((v) => v.toString(16)),
        sum: slots.map((_, j) => String(x.reduce((a, r) => a + r[j]!, 0n))),
        ciphertext: hex(
            encodeMcfeCiphertext(g, {
                label: labelOf(epoch, slots[0]!),
                member: members[0]!,
                c: c[0]![0]!,
            }),
        ),
        dhkey: hex(encodeMemberPublicKey(g, dh[0]!.pub)),
        keyShare: hex(encodeKeyShare(g, shares[0]!)),
        functionalKey: hex(encodeMcfeFunctionalKey(g, dk)),
    };
}

if (process.argv.includes('--write')) {
    writeFileSync(MCFE_VECTOR_PATH, JSON.stringify(makeMcfeVector(), null, 1) + '\n');
    console.log(`wrote ${MCFE_VECTOR_PATH}`);
}
