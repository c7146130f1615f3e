// SPDX-License-Identifier: Apache-2.0
/**
 * `npm run bench:bill` — bill verification by the contract (issue 11, DESIGN.md §7: ≤ 5 ms for a
 * 2976-slot month), beside the from-scratch baseline measured in the same run.
 * - PostBill verify (folded): `contract/billing.verifyBillOnLedger` on a world state holding the
 *   agreement's fold (K_y, S) and the period record: reads two records, decodes three points, checks
 *   the Chaum–Pedersen proof. Independent of the number of slots.
 * - from scratch (the contract before issue 11, and what the auditor does): decode the mpk and the
 *   l stored ciphertexts from hex, K_y = Σ y_i·H_i and S = Σ y_i·C_i by multi-scalar
 *   multiplication, then the same proof check.
 * - folding cost the contract now pays as readings arrive: one SubmitReadings batch of 96 readings
 *   folded into one agreement (decode 96 points, one 96-term MSM), per reading.
 * Time-of-use (HT/NT) weights of the demo, ristretto255, month `--period` (default 2024-01: 2976
 * slots). No assertions; medians over repeated runs.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { TWO_ZONE_TARIFF } from '../src/apps/demo/tariffs.js';
import { verifyBillOnLedger } from '../src/contract/billing.js';
import { encodeRuns } from '../src/contract/folds.js';
import { keys } from '../src/contract/keys.js';
import { marshal } from '../src/contract/marshal.js';
import type { Fold, Meter, PeriodRecord } from '../src/contract/records.js';
import { parseTariff, periodSlots, tariffWeights } from '../src/contract/tariff/index.js';
import { initBackends } from '../src/fe/backends.js';
import { decodeMpk, decodeProof, encodeMpk, encodeProof } from '../src/fe/codec.js';
import { mod } from '../src/fe/group.js';
import { groupByName } from '../src/fe/groups.js';
import { Encryptor, keyDer, setup } from '../src/fe/ipfe.js';
import { proveBill, verifyBill } from '../src/fe/proof.js';
import { arg, fmtMs, measure, printTable } from './timing.js';

const backend = await initBackends();
const periodId = arg('period', '2024-01');
const g = groupByName('ristretto255');
const bp = periodSlots(periodId, 'Europe/Berlin', 15);
const l = bp.slotCount;
const epoch = { meter: 'm1', channel: '1-0:1.8.0', period: periodId };
const y = tariffWeights(parseTariff(TWO_ZONE_TARIFF('p')), bp);
const ys = y.map((v) => mod(v, g.order));
const { msk, mpk } = setup(g, new Uint8Array(32).fill(1), epoch, l);
const enc = new Encryptor(g, mpk, new Uint8Array(32).fill(2), {
    maxReading: 20_000n,
    precompute: true,
});
const x = Array.from({ length: l }, (_, i) => BigInt((i * 7919) % 700));
const C0 = enc.open();
const C = x.map((v, i) => enc.slot(i, v));
const key = keyDer(g, msk, y);
const K = g.msmVartime(mpk.H, ys);
const S = g.msmVartime(C, ys);
const m = x.reduce((s, v, i) => s + v * y[i]!, 0n);
const tariff = 'p.htnt@1';
const proof = proveBill(g, key.sk, { ...epoch, tariff, m, K, C0, S });
const proofHex = bytesToHex(encodeProof(g, proof));

// world state of the folded path, as the contract stores it
const SEP = '\u0000';
const state = new Map<string, Uint8Array>();
const stub = {
    createCompositeKey: (t: string, a: string[]) => SEP + t + SEP + a.map((s) => s + SEP).join(''),
    getState: (k: string) => Promise.resolve(state.get(k) ?? new Uint8Array()),
};
const fold: Fold = {
    y: encodeRuns(y),
    K: bytesToHex(g.encode(K)),
    S: bytesToHex(g.encode(S)),
    count: l,
};
state.set(keys.fold(stub, 'm1', epoch.channel, periodId, 'p', 'p.htnt'), marshal(fold));
const meter = { id: 'm1', group: 'ristretto255' } as Meter;
const period = {
    meter: 'm1',
    channel: epoch.channel,
    period: periodId,
    slots: l,
    c0: bytesToHex(g.encode(C0)),
    count: l,
    closed: true,
} as PeriodRecord;
const ctx = { stub } as unknown as Parameters<typeof verifyBillOnLedger>[0];
const agreement = { provider: 'p', tariffId: 'p.htnt', tariffVersion: 1 };

// stored hex as the from-scratch path reads it
const mpkHex = bytesToHex(encodeMpk(g, mpk));
const cHex = C.map((c) => bytesToHex(g.encode(c)));
const c0Hex = period.c0!;

async function folded(): Promise<void> {
    await verifyBillOnLedger(ctx, meter, period, agreement, m, proofHex);
}
function fromScratch(): boolean {
    const H = decodeMpk(g, hexToBytes(mpkHex)).H;
    const bytes = new Uint8Array(l * g.elementBytes);
    cHex.forEach((h, i) => {
        bytes.set(hexToBytes(h), i * g.elementBytes);
    });
    const Cs = g.decodeMany(bytes, l, 'C');
    return verifyBill(
        g,
        {
            ...epoch,
            tariff,
            m,
            K: g.msmVartime(H, ys),
            C0: g.decode(hexToBytes(c0Hex), 'C0'),
            S: g.msmVartime(Cs, ys),
        },
        decodeProof(g, hexToBytes(proofHex)),
    );
}

async function measureAsync(fn: () => Promise<void>, runs: number): Promise<number> {
    const t: number[] = [];
    for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        await fn();
        t.push(performance.now() - t0);
    }
    t.sort((a, b) => a - b);
    return t[Math.floor(t.length / 2)]!;
}

if (!fromScratch()) throw new Error('bench setup: the proof does not verify');
await folded();
const foldedMs = await measureAsync(folded, 200);
const scratch = measure(fromScratch, { minRuns: 5, budgetMs: 2000 });
const batch = cHex.slice(0, 96);
const foldBatch = measure(
    () => {
        const b = new Uint8Array(96 * g.elementBytes);
        batch.forEach((h, i) => {
            b.set(hexToBytes(h), i * g.elementBytes);
        });
        const add = g.msmVartime(g.decodeMany(b, 96, 'C'), ys.slice(0, 96));
        g.encode(g.add(S, add));
    },
    { minRuns: 20, budgetMs: 1000 },
);

console.log(
    `bill verification, ${periodId} (${l} slots), ristretto255 backend ${backend.backend}, HT/NT weights`,
);
printTable(
    ['what', 'time', 'note'],
    [
        ['PostBill verify (folded, O(1))', fmtMs(foldedMs), 'target ≤ 5 ms; median of 200'],
        [
            'from scratch (baseline)',
            fmtMs(scratch.ms),
            `decode mpk + ${l} C, 2 MSMs, proof; ${scratch.runs} runs`,
        ],
        ['speed-up', `${(scratch.ms / foldedMs).toFixed(0)}×`, ''],
        [
            'fold per reading (paid at SubmitReadings)',
            fmtMs(foldBatch.ms / 96),
            '96-reading batch into one agreement',
        ],
    ],
);
