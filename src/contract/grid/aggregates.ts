// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/grid/aggregates
 * Posting of slot aggregates by the group's grid operator (docs/GRID.md): every member's key share
 * published (their commitments add up to K = dk·G), every member's ciphertext of the slot stored
 * (a slot whose group is incomplete is not decryptable, and not postable), and a proof
 * (fe/aggregate-proof) that m is the decryption of Σ_i c_{i,ℓ} under the key committed to by K.
 * Each slot is posted once; the record carries the members' status bits.
 */
import type { Context } from 'fabric-contract-api';
import { decodeAggregateProof, verifyAggregate } from '../../fe/aggregate-proof.js';
import { groupByName, type AnyGroup } from '../../fe/groups.js';
import { hashLabel } from '../../fe/mcfe.js';
import { ContractError } from '../errors.js';
import { marshalString } from '../marshal.js';
import { event } from '../requests.js';
import { getJson, listByPrefix, putJson, requireParty, txTime } from '../state.js';
import { arr, asObj, hex, hexToBytes, int, onlyFields, str } from '../validate.js';
import { groupEpochOf } from './groups.js';
import { aggregateLabeler } from './labels.js';
import {
    gridKeys,
    type AggregateCiphertext,
    type AggregateResult,
    type AggregationGroup,
    type AggregationShare,
} from './records.js';
import { pad } from '../keys.js';

/** Most slot results in one transaction. */
export const MAX_RESULTS_BATCH = 200;

/** K = Σ_i commitments of every member's share; refuses while a share is missing. */
export async function keyCommitmentOnLedger(
    ctx: Context,
    g: AggregationGroup,
    group: AnyGroup,
    w: string,
): Promise<[unknown, unknown]> {
    const shares = await listByPrefix<AggregationShare>(ctx, 'aggshare', [
        g.id,
        g.channel,
        g.epoch,
    ]);
    const by = new Map(shares.map((s) => [s.value.meter, s.value]));
    const present: AggregationShare[] = [];
    const missing: string[] = [];
    for (const m of g.members) {
        const s = by.get(m);
        if (s === undefined) missing.push(m);
        else present.push(s);
    }
    if (missing.length > 0)
        throw new ContractError(
            'INCOMPLETE',
            `${w}: no key share from ${missing.length} member(s) (${missing.slice(0, 8).join(', ')}): the group's key does not exist yet`,
        );
    const pts = (j: 0 | 1): unknown[] =>
        present.map((s) => group.decode(hexToBytes(s.commitment[j]), 'commitment'));
    const ones = g.members.map(() => 1n);
    return [group.msmVartime(pts(0), ones), group.msmVartime(pts(1), ones)];
}

/** PostAggregates: `{ group, channel, epoch, results: [{ slot, m, proof }] }`. */
export async function postAggregates(ctx: Context, b: Record<string, unknown>): Promise<string> {
    const w = 'PostAggregates';
    const op = await requireParty(ctx, ['gridOperator'], w);
    onlyFields(b, ['group', 'channel', 'epoch', 'results'], w);
    const g = await groupEpochOf(ctx, b, w);
    if (g.gridOperator !== op.id)
        throw new ContractError(
            'FORBIDDEN',
            `${w}: group ${g.id} belongs to grid operator ${g.gridOperator}, not ${op.id}`,
        );
    const results = arr(b, 'results', w, 1, MAX_RESULTS_BATCH);
    const group = groupByName(g.group);
    const K = await keyCommitmentOnLedger(ctx, g, group, w);
    const labelOf = aggregateLabeler(g);
    const bound = BigInt(g.maxPerSlot) * BigInt(g.members.length);
    const posted: AggregateResult[] = [];
    const seen = new Set<number>();
    for (const [i, v] of results.entries()) {
        const what = `${w}.results[${i}]`;
        const o = asObj(v, what);
        onlyFields(o, ['slot', 'm', 'proof'], what);
        const slot = int(o, 'slot', what, 0, g.slots - 1);
        const mStr = str(o, 'm', what, 40);
        if (!/^(0|[1-9][0-9]*)$/.test(mStr) || BigInt(mStr) > bound)
            throw new ContractError(
                'BAD_REQUEST',
                `${what}.m: expected a decimal integer in [0, ${bound}]`,
            );
        const m = BigInt(mStr);
        const proofHex = hex(o, 'proof', what, 3 * group.scalarBytes);
        if (seen.has(slot))
            throw new ContractError('BAD_REQUEST', `${what}: slot ${slot} twice in one batch`);
        seen.add(slot);
        const sKey = gridKeys.sum(ctx.stub, g.id, g.channel, g.epoch, slot);
        const existing = await getJson<AggregateResult>(ctx, sKey);
        if (existing)
            throw new ContractError(
                'EXISTS',
                `${what}: the aggregate of slot ${slot} of ${g.id} is already posted`,
            );
        const cts = await listByPrefix<AggregateCiphertext>(ctx, 'aggct', [
            g.id,
            g.channel,
            g.epoch,
            pad(slot, 5),
        ]);
        const byMember = new Map(
            cts.map((x) => [ctx.stub.splitCompositeKey(x.key).attributes[4] ?? '', x.value]),
        );
        const row: { meter: string; ct: AggregateCiphertext }[] = [];
        const missing: string[] = [];
        for (const mm of g.members) {
            const ct = byMember.get(mm);
            if (ct === undefined) missing.push(mm);
            else row.push({ meter: mm, ct });
        }
        if (missing.length > 0)
            throw new ContractError(
                'INCOMPLETE',
                `${what}: slot ${slot} has no ciphertext from ${missing.length} member(s) (${missing.slice(0, 8).join(', ')}): it is not decryptable until their catch-up or substitute values arrive`,
            );
        const S = group.msmVartime(
            row.map((r) => group.decode(hexToBytes(r.ct.c), 'c')),
            row.map(() => 1n),
        );
        const label = labelOf(slot);
        let ok: boolean;
        try {
            const proof = decodeAggregateProof(group, hexToBytes(proofHex));
            ok = verifyAggregate(group, { label, m, K, u: hashLabel(group, label).u, S }, proof);
        } catch {
            ok = false;
        }
        if (!ok)
            throw new ContractError(
                'BAD_PROOF',
                `${what}: the proof does not show that ${m} is the decryption of slot ${slot}'s ciphertexts under the members' combined key`,
            );
        const rec: AggregateResult = {
            group: g.id,
            channel: g.channel,
            epoch: g.epoch,
            slot,
            label: label.slot,
            m: mStr,
            proof: proofHex,
            members: g.members.length,
            statuses: row
                .map((r) => ({ meter: r.meter, status: r.ct.status }))
                .filter((s) => s.status !== 0),
            postedAt: txTime(ctx),
            txId: ctx.stub.getTxID(),
        };
        await putJson(ctx, sKey, rec);
        posted.push(rec);
    }
    event(ctx, 'aggregates', {
        group: g.id,
        channel: g.channel,
        epoch: g.epoch,
        slots: posted.map((p) => p.slot),
    });
    return marshalString({ posted: posted.length });
}
