// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/auditor/aggregates
 * Anyone's check of posted grid aggregates (docs/GRID.md), from public ledger data only: the key
 * commitment K = Σ of the members' share commitments, S = Σ of the stored member ciphertexts of the
 * slot, u_ℓ from the label, and the proof (fe/aggregate-proof). Also checks that the record names
 * exactly the members whose stored ciphertext carries status bits.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { aggregateLabeler, type AggregateResult } from '../../contract/grid/index.js';
import { decodeAggregateProof, verifyAggregate } from '../../fe/aggregate-proof.js';
import { groupByName } from '../../fe/groups.js';
import { hashLabel } from '../../fe/mcfe.js';
import type { GridApi, GroupEpochRef, StoredAggregateCiphertext } from '../grid/api.js';

/** The auditor's verdict on one posted slot aggregate. */
export interface AggregateCheck {
    readonly result: AggregateResult;
    readonly proofValid: boolean;
    /** Every member's ciphertext of the slot is on the ledger. */
    readonly complete: boolean;
    /** The record's statuses equal the stored ciphertexts' status bits. */
    readonly statusesMatch: boolean;
}

/** Verify every posted aggregate of a group epoch. */
export async function checkAggregates(
    grid: GridApi,
    ref: GroupEpochRef,
): Promise<AggregateCheck[]> {
    const g = await grid.getGroup(ref);
    const group = groupByName(g.group);
    const shares = await grid.getShares(ref);
    const by = new Map(shares.map((s) => [s.meter, s]));
    const posted = await grid.getAggregates(ref);
    if (posted.length === 0) return [];
    const commitments = g.members.flatMap((m) => {
        const s = by.get(m);
        return s === undefined ? [] : [s.commitment];
    });
    const sumOf = (j: 0 | 1): unknown =>
        group.msmVartime(
            commitments.map((c) => group.decode(hexToBytes(c[j]), 'commitment')),
            commitments.map(() => 1n),
        );
    const K: [unknown, unknown] | undefined =
        commitments.length === g.members.length ? [sumOf(0), sumOf(1)] : undefined;
    const labelOf = aggregateLabeler(g);
    const out: AggregateCheck[] = [];
    for (const r of posted) {
        const cts: StoredAggregateCiphertext[] = await grid.getCiphertexts(ref, r.slot);
        const mine = new Map(cts.map((c) => [c.meter, c]));
        const row = g.members.flatMap((m) => {
            const c = mine.get(m);
            return c === undefined ? [] : [c];
        });
        const complete = row.length === g.members.length;
        let proofValid = false;
        if (complete && K !== undefined) {
            const S = group.msmVartime(
                row.map((c) => group.decode(hexToBytes(c.c), 'c')),
                row.map(() => 1n),
            );
            const label = labelOf(r.slot);
            try {
                proofValid =
                    label.slot === r.label &&
                    verifyAggregate(
                        group,
                        {
                            label,
                            m: BigInt(r.m),
                            K,
                            u: hashLabel(group, label).u,
                            S,
                        },
                        decodeAggregateProof(group, hexToBytes(r.proof)),
                    );
            } catch {
                proofValid = false;
            }
        }
        const stored = row
            .filter((c) => c.status !== 0)
            .map((c) => `${c.meter}:${c.status}`)
            .join(',');
        const claimed = r.statuses.map((s) => `${s.meter}:${s.status}`).join(',');
        out.push({ result: r, proofValid, complete, statusesMatch: stored === claimed });
    }
    return out;
}
