// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:mcfe` — figures of the grid aggregate (MCFE with labels + decentralised key shares)
 * on ristretto255, beside the per-household IPFE figures measured in the same run, each on the
 * native dalek accelerator and on the pure-JS @noble/curves baseline.
 * Options: --quick (N = 10, 100 only), --logT N (dlog table 2^N, default 20, cached on disk),
 * --out PATH (JSON, default bench-results/mcfe.json). No assertions beyond correctness checks of
 * the decrypted sums: figures only.
 *
 * Key shares: one member's share costs N − 1 DH multiplications and KDF calls; the bench times one
 * member's share (every member computes its own, in parallel on its own device). Combining is timed
 * on N well-formed shares; for N ≤ 100 they are the members' real shares and their sum is checked
 * against central KeyDer; for N = 1000 computing all 1000 shares (10^6 DH) would dominate the run,
 * so the combine input is 1000 well-formed shares of random value (the cost does not depend on the
 * values) and the decryption key comes from central KeyDer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { homedir, cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
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
    makeRistretto255,
    McfeEncryptor,
    mcfeDecrypt,
    mcfeKeyDer,
    memberDhKey,
    pads,
    setup,
    sortMembers,
    type AggregateFunction,
    type Group,
    type KeyShare,
    type RistrettoElement,
} from '../src/fe/index.js';
import { loadOrBuildTable } from '../src/fe/dlog-file.js';
import { arg, fmtMs, measure, printTable } from './timing.js';

const quick = process.argv.includes('--quick');
const logT = Number(arg('logT', '20'));
const out = arg('out', 'bench-results/mcfe.json');
const cacheDir = join(process.env.FEMETER_CACHE ?? join(homedir(), '.cache', 'femeter'), 'dlog');
const sizes = quick ? [10, 100] : [10, 100, 1000];
const MAXREAD = 10_000n; // Wh per 15 min
const L = 96; // one day of 15-minute slots
const epoch = { aggregate: 'feeder-bench', channel: '1-0:1.8.0', epoch: '2024-10' };
const slots = Array.from(
    { length: L },
    (_, i) =>
        `2024-10-01T${String(Math.floor(i / 4)).padStart(2, '0')}:${String((i % 4) * 15).padStart(2, '0')}:00Z`,
);
const reading = (i: number, j = 0): bigint => BigInt((i * 131 + j * 17) % 400);
const seedOf = (i: number): Uint8Array => {
    const s = new Uint8Array(32);
    new DataView(s.buffer).setUint32(0, i + 1);
    return s;
};

type G = Group<RistrettoElement>;
const timed = (fn: () => unknown, budgetMs = 300, minRuns = 2): number =>
    measure(fn, { minRuns, maxRuns: 200, budgetMs }).ms;

async function benchBackend(g: G): Promise<Record<string, number>> {
    const r: Record<string, number> = {};
    const { table } = await loadOrBuildTable(g, logT, cacheDir);

    // IPFE, one household, l = 96 (per-slot costs comparable to the aggregate's)
    const ctx = { meter: 'bench', channel: '1-0:1.8.0', period: '2024-10' };
    const { msk, mpk } = setup(g, seedOf(0), ctx, L);
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

    // MCFE, one household
    const me = clientKey(g, seedOf(0), epoch, ['hh-00000'], 'hh-00000');
    const hashAll = (): ReturnType<typeof hashLabel<RistrettoElement>>[] =>
        slots.map((s) => hashLabel(g, labelOf(epoch, s)));
    r['mcfe: hash labels at period open, per slot'] = timed(hashAll) / L;
    const lps = hashAll();
    r['mcfe: pads at period open, per slot'] = timed(() => pads(g, me, lps)) / L;
    const menc = new McfeEncryptor(g, me, { maxReading: MAXREAD });
    menc.precompute(slots);
    k = 0;
    r['mcfe: encrypt a slot (precomputed)'] = timed(() =>
        menc.encrypt(slots[k++ % L]!, reading(k)),
    );
    const cold = new McfeEncryptor(g, me, { maxReading: MAXREAD });
    r['mcfe: encrypt a slot (no precompute)'] = timed(() => cold.encrypt(slots[k++ % L]!, 5n));

    for (const n of sizes) {
        const members = sortMembers(
            Array.from({ length: n }, (_, i) => `hh-${String(i).padStart(5, '0')}`),
        );
        const keys = members.map((m, i) => clientKey(g, seedOf(i), epoch, members, m));
        const dh = members.map((m, i) => memberDhKey(g, seedOf(i), epoch, m));
        const publics = dh.map((d) => d.pub);
        const fn: AggregateFunction = { epoch, members, weights: members.map(() => 1n) };
        r[`keygen N=${n}: one member's key share`] = timed(
            () => keyShare(g, fn, keys[0]!, dh[0]!.secret, publics),
            n >= 1000 ? 1 : 300,
            n >= 1000 ? 1 : 2,
        );
        let shares: KeyShare[];
        const central = mcfeKeyDer(g, keys, fn.weights);
        if (n <= 100) {
            shares = members.map((_, i) => keyShare(g, fn, keys[i]!, dh[i]!.secret, publics));
            const dk = combineKeyShares(g, fn, shares);
            if (dk.dk[0] !== central.dk[0] || dk.dk[1] !== central.dk[1])
                throw new Error('combined key differs from central KeyDer');
        } else {
            const phi = functionDigest(g, fn);
            const rnd = (): bigint => g.scalarFromWide(randomBytes(64));
            shares = members.map((m) => ({ epoch, member: m, fn: phi, d: [rnd(), rnd()] }));
        }
        r[`keygen N=${n}: combine N shares`] = timed(() => combineKeyShares(g, fn, shares));

        // aggregation: one slot's ciphertexts of all members, as bytes from the ledger
        const slot = slots[37]!;
        const lp = hashLabel(g, labelOf(epoch, slot));
        const bytes = keys.map((kk, i) =>
            encodeMcfeCiphertext(g, {
                label: lp.label,
                member: kk.member,
                c: g.add(pads(g, kk, [lp])[0]!, g.mulBase(reading(i, 37))),
            }),
        );
        const sum = members.reduce((s, _, i) => s + reading(i, 37), 0n);
        const bound = innerProductBound(fn.weights, MAXREAD);
        r[`aggregate N=${n}: decrypt a slot (decode N + Σ + dlog)`] = timed(() => {
            const cts = bytes.map((b) => decodeMcfeCiphertext(g, b).c);
            if (mcfeDecrypt(g, central, lp, cts, table, bound) !== sum)
                throw new Error('mcfe: wrong sum');
        });
    }
    return r;
}

async function main(): Promise<void> {
    console.log(
        `femeter bench:mcfe — ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, dlog table 2^${logT}, ${L} slots, readings ≤ ${MAXREAD}`,
    );
    const nat = makeRistretto255('auto');
    const noble = makeRistretto255('noble');
    const fast = await benchBackend(nat);
    const base = await benchBackend(noble);
    const label = nat.backend === 'native' ? 'native (dalek)' : 'noble (native not built)';
    printTable(
        ['operation (ristretto255)', label, 'baseline noble (pure JS)', 'speed-up'],
        Object.keys(fast).map((op) => [
            op,
            fmtMs(fast[op]),
            fmtMs(base[op]),
            fast[op] && base[op] ? `${(base[op] / fast[op]).toFixed(1)}×` : '',
        ]),
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(
        out,
        JSON.stringify(
            {
                date: new Date().toISOString(),
                node: process.version,
                cpus: cpus().length,
                logT,
                slots: L,
                backend: nat.backend,
                fast,
                baseline: base,
            },
            null,
            1,
        ),
    );
    console.log(`\nresults written to ${out}`);
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
