// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:aggregate` — what grid aggregates (docs/GRID.md) cost, beside the per-household
 * IPFE figures measured in the same run, on the default backend (native dalek when built):
 * - the meter per slot without aggregation (IPFE encrypt + sign) and with it (the same plus the MCFE
 *   ciphertext of the group label, signed), and the pads both precompute at period open;
 * - per group of 10 / 100 / 1,000 members: one member's key share, the grid operator assembling
 *   the functional key (GridOperator.functionalKey: open the N sealed shares, decode, check each
 *   against its commitment, combine; the ledger reads are answered from memory), combining alone,
 *   the aggregate decryption of one slot (decode N ciphertexts + Σ + dlog), the grid operator's
 *   decrypt + proof of a slot and the contract's check of it;
 * - the household's bill proof and its check (IPFE, l = 96) as the baseline of the last two.
 * Options: --quick (10 and 100 members, shorter runs), --logT N (dlog table 2^N, default 20),
 * --out PATH (JSON). Figures only; decrypted sums and the combined key (N ≤ 100) are checked.
 * Share sizing for N = 1000: bench/mcfe-costs.ts.
 */
import { cpus } from 'node:os';
import { bytesToHex } from '@noble/hashes/utils.js';
import { aggregateCiphertextPayload, LABEL_SCHEME } from '../src/contract/grid/index.js';
import type { AggregationGroup, AggregationShare } from '../src/contract/grid/index.js';
import { ed25519Signer, readingPayload } from '../src/contract/signing.js';
import { loadOrBuildTable } from '../src/fe/dlog-file.js';
import {
    clientKey,
    encodeKeyShare,
    Encryptor,
    hashLabel,
    keyCommitment,
    keyDer,
    makeRistretto255,
    McfeEncryptor,
    mcfeDecrypt,
    proveAggregate,
    proveBill,
    setup,
    verifyAggregate,
    verifyBill,
    weightedCiphertextSum,
} from '../src/fe/index.js';
import type { LedgerClient } from '../src/ledger/index.js';
import { FemeterApi } from '../src/roles/api.js';
import { GridApi, shareInfo } from '../src/roles/grid/api.js';
import { GridOperator } from '../src/roles/grid/grid-operator.js';
import { hpkeKeyPair, sealWithInfo } from '../src/roles/hpke.js';
import {
    aggregateDecryptCost,
    cacheDir,
    epoch,
    ipfeContext,
    ipfeCosts,
    keygenCosts,
    L,
    MAXREAD,
    mcfeMeterCosts,
    reading,
    roster,
    seedOf,
    shares,
    slots,
    type G,
    type Roster,
    type Table,
} from './mcfe-costs.js';
import { arg, fmtMs, measure, measureAsync, printTable, writeResults } from './timing.js';

const quick = process.argv.includes('--quick');
const logT = Number(arg('logT', '20'));
const out = arg('out', '');
const sizes = quick ? [10, 100] : [10, 100, 1000];
const budgetMs = quick ? 200 : 500;
const timed = (fn: () => unknown): number => measure(fn, { minRuns: 3, maxRuns: 200, budgetMs }).ms;

/** Meter per slot, without and with aggregation: encrypt, encode, build the payload, sign. */
function meterCosts(g: G): Record<string, number> {
    const signer = ed25519Signer(seedOf(7));
    const { mpk } = setup(g, seedOf(0), ipfeContext, L);
    const ienc = new Encryptor(g, mpk, seedOf(1), { maxReading: MAXREAD, precompute: true });
    ienc.open();
    const me = clientKey(g, seedOf(0), epoch, ['hh-00000'], 'hh-00000');
    const menc = new McfeEncryptor(g, me, { maxReading: MAXREAD });
    menc.precompute(slots);
    const ipfeSlot = (i: number): Uint8Array => {
        const c = g.encode(ienc.slot(i, reading(i)));
        const p = { ...ipfeContext, slot: i, c, seq: i + 1, status: 0 };
        return signer.sign(readingPayload(p));
    };
    const mcfeSlot = (i: number): Uint8Array => {
        const c = g.encode(menc.encrypt(slots[i]!, reading(i)));
        return signer.sign(
            aggregateCiphertextPayload({
                group: epoch.aggregate,
                channel: epoch.channel,
                epoch: epoch.epoch,
                slot: i,
                label: slots[i]!,
                meter: ipfeContext.meter,
                c,
                status: 0,
            }),
        );
    };
    let k = 0;
    return {
        'meter, no aggregation: IPFE encrypt + sign a slot': timed(() => ipfeSlot(k++ % L)),
        'meter, aggregation: + MCFE encrypt + sign the group label': timed(() => {
            const i = k++ % L;
            ipfeSlot(i);
            mcfeSlot(i);
        }),
        '  of which the MCFE ciphertext + its signature': timed(() => mcfeSlot(k++ % L)),
    };
}

/** A ledger answering only the two reads of GridOperator.functionalKey, from memory. */
function readOnlyLedger(group: AggregationGroup, records: AggregationShare[]): LedgerClient {
    const answers = new Map([
        ['GetAggregationGroup', new TextEncoder().encode(JSON.stringify(group))],
        ['GetAggregationShares', new TextEncoder().encode(JSON.stringify(records))],
    ]);
    const refuse = (what: string): Promise<never> =>
        Promise.reject(new Error(`bench ledger: ${what} is not answered`));
    return {
        identity: { mspId: 'bench', credentials: new Uint8Array(0) },
        submit: (tx) => refuse(tx),
        evaluate: (tx) => {
            const a = answers.get(tx);
            return a ? Promise.resolve(a.slice()) : refuse(tx);
        },
        events: () => refuse('events'),
        getCommittedTransaction: () => refuse('getCommittedTransaction'),
        close: () => Promise.resolve(),
    };
}

/** The grid operator assembling the functional key from the N sealed shares (real code path). */
async function assembleCost(g: G, ro: Roster, table: Table): Promise<number> {
    const hpke = await hpkeKeyPair(seedOf(99));
    const rec: AggregationGroup = {
        id: epoch.aggregate,
        gridOperator: 'grid-bench',
        channel: epoch.channel,
        epoch: epoch.epoch,
        members: ro.members,
        households: ro.members.length,
        minMembers: 10,
        group: 'ristretto255',
        slotMinutes: 15,
        timeZone: 'UTC',
        slots: L,
        labelScheme: LABEL_SCHEME,
        roster: bytesToHex(ro.keys[0]!.roster),
        maxPerSlot: Number(MAXREAD),
        registeredAt: new Date(0).toISOString(),
        txId: 'bench',
    };
    const records: AggregationShare[] = [];
    for (const s of shares(g, ro)) {
        const K = keyCommitment(g, s.d);
        records.push({
            group: rec.id,
            channel: rec.channel,
            epoch: rec.epoch,
            meter: s.member,
            sealedShare: await sealWithInfo(
                hpke.publicKeyHex,
                shareInfo(rec, s.member),
                encodeKeyShare(g, s),
            ),
            commitment: [bytesToHex(g.encode(K[0])), bytesToHex(g.encode(K[1]))],
            publishedAt: rec.registeredAt,
            txId: 'bench',
        });
    }
    const client = readOnlyLedger(rec, records);
    const op = new GridOperator({
        api: new FemeterApi(client),
        grid: new GridApi(client),
        partyId: rec.gridOperator,
        hpke,
        dlog: () => table,
    });
    const ref = { group: rec.id, channel: rec.channel, epoch: rec.epoch };
    const n = ro.members.length;
    return (
        await measureAsync(() => op.functionalKey(ref), {
            minRuns: n >= 1000 ? 1 : 3,
            maxRuns: 50,
            budgetMs,
        })
    ).ms;
}

/** The grid operator's decryption + proof of one slot, and the contract's check of it. */
function proofCosts(g: G, ro: Roster, table: Table): [number, number] {
    const slot = slots[37]!;
    const key = ro.central;
    const lp = hashLabel(g, { ...epoch, slot });
    const cts = ro.keys.map((k, i) =>
        new McfeEncryptor(g, k, { maxReading: MAXREAD }).encrypt(slot, reading(i, 37)),
    );
    const want = ro.members.reduce((s, _, i) => s + reading(i, 37), 0n);
    const K = keyCommitment(g, key.dk);
    const bound = MAXREAD * BigInt(ro.members.length);
    const S = weightedCiphertextSum(g, key.members, key.weights, slot, cts);
    let proof = proveAggregate(g, key.dk, { label: lp.label, m: want, K, u: lp.u, S });
    const operator = timed(() => {
        const m = mcfeDecrypt(g, key, lp, cts, table, bound);
        if (m !== want) throw new Error('wrong sum');
        const S = weightedCiphertextSum(g, key.members, key.weights, slot, cts);
        proof = proveAggregate(g, key.dk, { label: lp.label, m, K, u: lp.u, S });
    });
    const ones = ro.members.map(() => 1n);
    const contract = timed(() => {
        const S = g.msmVartime(cts, ones);
        const u = hashLabel(g, lp.label).u;
        if (!verifyAggregate(g, { label: lp.label, m: want, K, u, S }, proof))
            throw new Error('proof');
    });
    return [operator, contract];
}

/** Baseline of the proof rows: one household's bill proof and its check (IPFE, l = 96). */
function billCosts(g: G): Record<string, number> {
    const { msk, mpk } = setup(g, seedOf(0), ipfeContext, L);
    const enc = new Encryptor(g, mpk, seedOf(1), { maxReading: MAXREAD, precompute: true });
    const C0 = enc.open();
    const y = slots.map(() => 1n);
    const C = y.map((_, i) => enc.slot(i, reading(i)));
    const sk = keyDer(g, msk, y);
    const m = slots.reduce((s, _, i) => s + reading(i), 0n);
    const st = { ...ipfeContext, tariff: 't@1', m, K: g.mulBase(sk.sk), C0, S: g.msmVartime(C, y) };
    const p = proveBill(g, sk.sk, st);
    return {
        'ipfe: provider proves a bill (l = 96)': timed(() => proveBill(g, sk.sk, st)),
        'ipfe: contract verifies a bill': timed(() => {
            if (!verifyBill(g, st, p)) throw new Error('bill proof');
        }),
    };
}

async function main(): Promise<void> {
    const g = makeRistretto255('auto');
    console.log(
        `femeter bench:aggregate — ${g.name} (${g.backend} backend), ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), node ${process.version}, dlog table 2^${logT}, readings ≤ ${MAXREAD} per slot`,
    );
    const { table } = await loadOrBuildTable(g, logT, cacheDir);
    const household = {
        ...ipfeCosts(g, table),
        ...billCosts(g),
        ...mcfeMeterCosts(g),
        ...meterCosts(g),
    };
    const perN: Record<string, Record<string, number>> = {};
    const put = (n: number, rows: Record<string, number>): void => {
        for (const [op, ms] of Object.entries(rows)) {
            const what = op.replace(/^(keygen|aggregate) N=\d+: /, '');
            (perN[what] ??= {})[String(n)] = ms;
        }
    };
    for (const n of sizes) {
        const ro = roster(g, n);
        put(n, keygenCosts(g, ro));
        put(n, {
            'grid operator assembles the key (open + check N shares, combine)': await assembleCost(
                g,
                ro,
                table,
            ),
        });
        put(n, aggregateDecryptCost(g, ro, table));
        const [operator, contract] = proofCosts(g, ro, table);
        put(n, {
            'grid operator: decrypt + prove a slot': operator,
            'contract: Σ c_i, H(ℓ), verify a slot': contract,
        });
    }
    console.log('\nper household (IPFE baseline) and per meter');
    printTable(
        ['operation', 'time'],
        Object.entries(household).map(([op, ms]) => [op, fmtMs(ms)]),
    );
    console.log('\nper aggregation group, by number of members');
    printTable(
        ['operation', ...sizes.map((n) => `N = ${n}`)],
        Object.entries(perN).map(([op, byN]) => [op, ...sizes.map((n) => fmtMs(byN[String(n)]))]),
    );
    if (out) writeResults(out, { backend: g.backend, logT, household, perGroup: perN });
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
