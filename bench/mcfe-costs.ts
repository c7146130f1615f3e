// SPDX-License-Identifier: Apache-2.0
/**
 * Measurements shared by `npm run bench:mcfe` and `npm run bench:aggregate`: the per-household IPFE
 * costs (the baseline), the meter's MCFE costs per slot, the decentralised key shares and the
 * aggregate decryption of one slot for N members. Each function returns `{ operation: ms }`; the
 * decrypted sums and the combined key are checked, nothing else is asserted (figures only).
 *
 * Key shares: one member's share costs N − 1 DH multiplications and KDF calls; it is timed for one
 * member (every member computes its own, in parallel on its own device). Combining is timed on N
 * well-formed shares; for N ≤ 100 they are the members' real shares and their sum is checked
 * against central KeyDer; for N = 1000 computing all 1000 shares (10^6 DH) would dominate the run,
 * so the combine input is 1000 well-formed shares of random value (the cost does not depend on the
 * values) and the decryption key comes from central KeyDer.
 */
import { randomBytes } from 'node:crypto';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
    Accumulator,
    clientKey,
    combineKeyShares,
    decodeMcfeCiphertext,
    decryptFolded,
    encodeMcfeCiphertext,
    Encryptor,
    functionDigest,
    hashLabel,
    innerProductBound,
    keyDer,
    keyShare,
    labelOf,
    McfeEncryptor,
    mcfeDecrypt,
    mcfeKeyDer,
    memberDhKey,
    pads,
    setup,
    sortMembers,
    type AggregateFunction,
    type ClientKey,
    type DlogSolver,
    type Group,
    type KeyShare,
    type McfeFunctionalKey,
    type MemberDhSecret,
    type MemberPublicKey,
    type RistrettoElement,
} from '../src/fe/index.js';
import { measure } from './timing.js';

export type G = Group<RistrettoElement>;
export type Table = DlogSolver<RistrettoElement>;

export const cacheDir = join(
    process.env.FEMETER_CACHE ?? join(homedir(), '.cache', 'femeter'),
    'dlog',
);
/** Wh per 15 min. */
export const MAXREAD = 10_000n;
/** One day of 15-minute slots. */
export const L = 96;
export const epoch = { aggregate: 'feeder-bench', channel: '1-0:1.8.0', epoch: '2024-10' };
export const ipfeContext = { meter: 'bench', channel: '1-0:1.8.0', period: '2024-10' };
export const slots = Array.from(
    { length: L },
    (_, i) =>
        `2024-10-01T${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}:00Z`,
);
export const reading = (i: number, j = 0): bigint => BigInt((i * 131 + j * 17) % 400);
export const seedOf = (i: number): Uint8Array => {
    const s = new Uint8Array(32);
    new DataView(s.buffer).setUint32(0, i + 1);
    return s;
};
export const timed = (fn: () => unknown, budgetMs = 300, minRuns = 2): number =>
    measure(fn, { minRuns, maxRuns: 200, budgetMs }).ms;

/** A group of `n` members with their client keys and DH keys (the roster, sorted). */
export interface Roster {
    readonly members: string[];
    readonly keys: ClientKey[];
    readonly dh: MemberDhSecret[];
    readonly publics: MemberPublicKey<RistrettoElement>[];
    readonly fn: AggregateFunction;
    readonly central: McfeFunctionalKey;
}

export function roster(g: G, n: number): Roster {
    const members = sortMembers(
        Array.from({ length: n }, (_, i) => `hh-${String(i).padStart(5, '0')}`),
    );
    const keys = members.map((m, i) => clientKey(g, seedOf(i), epoch, members, m));
    const dhk = members.map((m, i) => memberDhKey(g, seedOf(i), epoch, m));
    const fn: AggregateFunction = { epoch, members, weights: members.map(() => 1n) };
    return {
        members,
        keys,
        dh: dhk.map((d) => d.secret),
        publics: dhk.map((d) => d.pub),
        fn,
        central: mcfeKeyDer(g, keys, fn.weights),
    };
}

/** The per-household IPFE figures, l = 96 (per-slot costs comparable to the aggregate's). */
export function ipfeCosts(g: G, table: Table): Record<string, number> {
    const r: Record<string, number> = {};
    const { msk, mpk } = setup(g, seedOf(0), ipfeContext, L);
    r['ipfe: pads at period open, per slot'] =
        timed(() => new Encryptor(g, mpk, seedOf(1), { maxReading: MAXREAD, precompute: true })) /
        L;
    const ienc = new Encryptor(g, mpk, seedOf(1), { maxReading: MAXREAD, precompute: true });
    const C0 = ienc.open();
    let k = 0;
    r['ipfe: encrypt a slot (precomputed)'] = timed(() => ienc.slot(k++ % L, reading(k)));
    const C = slots.map((_, i) => ienc.slot(i, reading(i)));
    const y = slots.map(() => 1n);
    r['ipfe: provider folds a slot'] =
        timed(() => {
            const acc = new Accumulator(g, y);
            for (let i = 0; i < 8; i++) acc.add(i, C[i]!);
        }) / 8;
    const key = keyDer(g, msk, y);
    const acc = new Accumulator(g, y);
    acc.addMany(
        slots.map((_, i) => i),
        C,
    );
    const want = slots.reduce((s, _, i) => s + reading(i), 0n);
    r['ipfe: decrypt folded (per household, per period)'] = timed(() => {
        if (decryptFolded(g, key, C0, acc.value, table, innerProductBound(y, MAXREAD)) !== want)
            throw new Error('ipfe: wrong sum');
    });
    return r;
}

/** One household's MCFE costs: label hashing and pads at period open, encrypting a slot. */
export function mcfeMeterCosts(g: G): Record<string, number> {
    const r: Record<string, number> = {};
    const me = clientKey(g, seedOf(0), epoch, ['hh-00000'], 'hh-00000');
    const hashAll = (): ReturnType<typeof hashLabel<RistrettoElement>>[] =>
        slots.map((s) => hashLabel(g, labelOf(epoch, s)));
    r['mcfe: hash labels at period open, per slot'] = timed(hashAll) / L;
    const lps = hashAll();
    r['mcfe: pads at period open, per slot'] = timed(() => pads(g, me, lps)) / L;
    const menc = new McfeEncryptor(g, me, { maxReading: MAXREAD });
    menc.precompute(slots);
    let k = 0;
    r['mcfe: encrypt a slot (precomputed)'] = timed(() =>
        menc.encrypt(slots[k++ % L]!, reading(k)),
    );
    const cold = new McfeEncryptor(g, me, { maxReading: MAXREAD });
    r['mcfe: encrypt a slot (no precompute)'] = timed(() => cold.encrypt(slots[k++ % L]!, 5n));
    return r;
}

/** Key shares of a roster: one member's share, and combining the N shares (checked, see above). */
export function keygenCosts(g: G, ro: Roster): Record<string, number> {
    const n = ro.members.length;
    const r: Record<string, number> = {};
    r[`keygen N=${n}: one member's key share`] = timed(
        () => keyShare(g, ro.fn, ro.keys[0]!, ro.dh[0]!, ro.publics),
        n >= 1000 ? 1 : 300,
        n >= 1000 ? 1 : 2,
    );
    r[`keygen N=${n}: combine N shares`] = timed(() => combineKeyShares(g, ro.fn, shares(g, ro)));
    return r;
}

const sharesOf = new WeakMap<Roster, KeyShare[]>();
/** The roster's N key shares: real (and checked) for N ≤ 100, well-formed random ones above. */
export function shares(g: G, ro: Roster): KeyShare[] {
    const have = sharesOf.get(ro);
    if (have) return have;
    let out: KeyShare[];
    if (ro.members.length <= 100) {
        out = ro.members.map((_, i) => keyShare(g, ro.fn, ro.keys[i]!, ro.dh[i]!, ro.publics));
        const dk = combineKeyShares(g, ro.fn, out);
        if (dk.dk[0] !== ro.central.dk[0] || dk.dk[1] !== ro.central.dk[1])
            throw new Error('combined key differs from central KeyDer');
    } else {
        const phi = functionDigest(g, ro.fn);
        const rnd = (): bigint => g.scalarFromWide(randomBytes(64));
        out = ro.members.map((m) => ({ epoch, member: m, fn: phi, d: [rnd(), rnd()] }));
    }
    sharesOf.set(ro, out);
    return out;
}

/** Aggregate decryption of one slot: decode the N ciphertexts from ledger bytes, Σ, dlog. */
export function aggregateDecryptCost(g: G, ro: Roster, table: Table): Record<string, number> {
    const n = ro.members.length;
    const slot = slots[37]!;
    const lp = hashLabel(g, labelOf(epoch, slot));
    const bytes = ro.keys.map((kk, i) =>
        encodeMcfeCiphertext(g, {
            label: lp.label,
            member: kk.member,
            c: g.add(pads(g, kk, [lp])[0]!, g.mulBase(reading(i, 37))),
        }),
    );
    const sum = ro.members.reduce((s, _, i) => s + reading(i, 37), 0n);
    const bound = innerProductBound(ro.fn.weights, MAXREAD);
    return {
        [`aggregate N=${n}: decrypt a slot (decode N + Σ + dlog)`]: timed(() => {
            const cts = bytes.map((b) => decodeMcfeCiphertext(g, b).c);
            if (mcfeDecrypt(g, ro.central, lp, cts, table, bound) !== sum)
                throw new Error('mcfe: wrong sum');
        }),
    };
}
