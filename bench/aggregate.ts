// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:aggregate` — the ledger side of grid aggregates (docs/GRID.md) per slot, for
 * 10 / 100 / 1,000 members, beside the per-household bill proof from the same run: the grid
 * operator's decryption and proof of one slot, and the contract's check of it (S = Σ c_i from the
 * stored ciphertexts, u_ℓ = H(ℓ), proof verification). The FE costs (meter per slot with and
 * without aggregation, key shares, decryption) are in `npm run bench:mcfe`. Options: --quick
 * (10 and 100 members). Figures only; the decrypted sums are checked.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';
import { loadOrBuildTable } from '../src/fe/dlog-file.js';
import {
    Encryptor,
    clientKey,
    groupByName,
    hashLabel,
    keyCommitment,
    keyDer,
    McfeEncryptor,
    mcfeDecrypt,
    mcfeKeyDer,
    proveAggregate,
    proveBill,
    setup,
    sortMembers,
    verifyAggregate,
    verifyBill,
    weightedCiphertextSum,
} from '../src/fe/index.js';
import { fmtMs, measure, printTable } from './timing.js';

const quick = process.argv.includes('--quick');
const sizes = quick ? [10, 100] : [10, 100, 1000];
const cacheDir = join(process.env.FEMETER_CACHE ?? join(homedir(), '.cache', 'femeter'), 'dlog');
const g = groupByName('ristretto255');
const MAX = 10_000n;
const epoch = { aggregate: 'feeder-bench', channel: '1-0:1.8.0', epoch: '2024-10' };
const slot = '2024-10-01T12:00:00Z';
const seedOf = (i: number): Uint8Array => {
    const s = new Uint8Array(32);
    new DataView(s.buffer).setUint32(0, i + 1);
    return s;
};
const timed = (fn: () => unknown): number =>
    measure(fn, { minRuns: 3, maxRuns: 100, budgetMs: 500 }).ms;

const { table } = await loadOrBuildTable(g, 20, cacheDir);
const rows: string[][] = [];

// baseline: one household's bill proof (IPFE, 96 slots), same run
{
    const ctx = { meter: 'bench', channel: '1-0:1.8.0', period: '2024-10' };
    const { msk, mpk } = setup(g, seedOf(0), ctx, 96);
    const enc = new Encryptor(g, mpk, seedOf(1), { maxReading: MAX, precompute: true });
    const C0 = enc.open();
    const y = Array.from({ length: 96 }, () => 1n);
    const C = y.map((_, i) => enc.slot(i, BigInt(i)));
    const sk = keyDer(g, msk, y);
    const S = g.msmVartime(C, y);
    const st = { ...ctx, tariff: 't@1', m: 4560n, K: g.mulBase(sk.sk), C0, S };
    const p = proveBill(g, sk.sk, st);
    rows.push([
        'household bill (IPFE, l = 96)',
        '1',
        fmtMs(timed(() => proveBill(g, sk.sk, st))),
        fmtMs(timed(() => verifyBill(g, st, p))),
    ]);
}

for (const n of sizes) {
    const members = sortMembers(
        Array.from({ length: n }, (_, i) => `hh-${String(i).padStart(5, '0')}`),
    );
    const keys = members.map((m, i) => clientKey(g, seedOf(i), epoch, members, m));
    const key = mcfeKeyDer(
        g,
        keys,
        members.map(() => 1n),
    );
    const lp = hashLabel(g, { ...epoch, slot });
    const cts = keys.map((k, i) =>
        new McfeEncryptor(g, k, { maxReading: MAX }).encrypt(slot, BigInt(i % 400)),
    );
    const want = members.reduce((s, _, i) => s + BigInt(i % 400), 0n);
    const K = keyCommitment(g, key.dk);
    const bound = MAX * BigInt(n);
    let proof = proveAggregate(g, key.dk, {
        label: lp.label,
        m: want,
        K,
        u: lp.u,
        S: weightedCiphertextSum(g, key.members, key.weights, slot, cts),
    });
    const operator = timed(() => {
        const m = mcfeDecrypt(g, key, lp, cts, table, bound);
        if (m !== want) throw new Error('wrong sum');
        const S = weightedCiphertextSum(g, key.members, key.weights, slot, cts);
        proof = proveAggregate(g, key.dk, { label: lp.label, m, K, u: lp.u, S });
    });
    const ones = members.map(() => 1n);
    const contract = timed(() => {
        const S = g.msmVartime(cts, ones);
        const u = hashLabel(g, lp.label).u;
        if (!verifyAggregate(g, { label: lp.label, m: want, K, u, S }, proof))
            throw new Error('proof');
    });
    rows.push([`grid slot aggregate (MCFE)`, String(n), fmtMs(operator), fmtMs(contract)]);
}

console.log(`bench:aggregate — ${g.name} (default backend), per slot`);
printTable(
    ['what', 'members', 'grid operator: decrypt + prove', 'contract: S, H(ℓ), verify'],
    rows,
);
console.log(
    '(household bill row: prove / verify of one bill; FE costs per slot: npm run bench:mcfe)',
);
