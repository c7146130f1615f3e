// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/grid/grid-operator
 * The grid operator (docs/GRID.md): registers aggregation groups of meters per channel and epoch,
 * assembles the group's functional key from the members' sealed key shares (checking each against
 * its public commitment), decrypts only the per-slot sums Σ_i x_{i,ℓ} of complete slots, and posts
 * each with its proof (fe/aggregate-proof) for the contract to verify. It never holds a client key
 * and cannot decrypt a single household: the only key that exists is the all-ones sum over the
 * roster, and only once every member contributed.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { AggregateResult, AggregationGroup } from '../../contract/grid/index.js';
import { aggregateLabeler } from '../../contract/grid/index.js';
import { encodeAggregateProof, keyCommitment, proveAggregate } from '../../fe/aggregate-proof.js';
import { combineKeyShares, type KeyShare } from '../../fe/dmcfe-keygen.js';
import { groupByName, type AnyGroup } from '../../fe/groups.js';
import type { DlogSolver } from '../../fe/ipfe.js';
import { decodeKeyShare } from '../../fe/mcfe-codec.js';
import {
    hashLabel,
    mcfeDecrypt,
    weightedCiphertextSum,
    type McfeFunctionalKey,
} from '../../fe/mcfe.js';
import type { FemeterApi } from '../api.js';
import { BadFunctionalKeyError, RoleError } from '../errors.js';
import { openWithInfo, type HpkeKeyPair } from '../hpke.js';
import {
    mcfeEpochOf,
    shareInfo,
    type GridApi,
    type GroupEpochRef,
    type StoredAggregateCiphertext,
} from './api.js';

export interface GridOperatorOptions {
    readonly api: FemeterApi;
    readonly grid: GridApi;
    readonly partyId: string;
    /** The X25519 key pair registered with the party (key shares are sealed to it). */
    readonly hpke: HpkeKeyPair;
    readonly dlog: (group: AnyGroup) => DlogSolver<unknown>;
    /** Slot results per PostAggregates transaction (default 200). */
    readonly batchSize?: number;
}

/** What {@link GridOperator.aggregate} did for one group epoch. */
export interface AggregationRun {
    /** Slots posted in this run. */
    readonly posted: number[];
    /** Slots already on the ledger. */
    readonly alreadyPosted: number;
    /** Slots not decryptable yet: members without a ciphertext. */
    readonly incomplete: { readonly slot: number; readonly missing: readonly string[] }[];
}

export class GridOperator {
    readonly #o: GridOperatorOptions;
    constructor(opts: Readonly<GridOperatorOptions>) {
        this.#o = opts;
    }

    get partyId(): string {
        return this.#o.partyId;
    }

    /** Register a group epoch (the contract applies the guard and the one-group-per-meter rule). */
    registerGroup(g: {
        id: string;
        channel: string;
        epoch: string;
        members: readonly string[];
        minMembers?: number;
    }): Promise<AggregationGroup> {
        return this.#o.grid.registerGroup(g);
    }

    /**
     * The group's functional key: opens every member's sealed share, checks it against its public
     * commitment, combines. Throws RoleError INCOMPLETE while a share is missing (the key does not
     * exist yet), BadFunctionalKeyError for a share that does not open or does not match.
     */
    async functionalKey(
        ref: GroupEpochRef,
    ): Promise<{ g: AggregationGroup; key: McfeFunctionalKey }> {
        const g = await this.#o.grid.getGroup(ref);
        if (g.gridOperator !== this.#o.partyId)
            throw new RoleError('NOT_OURS', `group ${g.id} belongs to ${g.gridOperator}`);
        const group = groupByName(g.group);
        const records = await this.#o.grid.getShares(ref);
        const have = new Set(records.map((r) => r.meter));
        const missing = g.members.filter((m) => !have.has(m));
        if (missing.length > 0)
            throw new RoleError(
                'INCOMPLETE',
                `no key share from ${missing.length} of ${g.members.length} member(s) of ${g.id} (${missing.slice(0, 8).join(', ')}): the key exists only once every member contributed`,
            );
        const shares: KeyShare[] = [];
        for (const r of records) {
            let share: KeyShare;
            try {
                share = decodeKeyShare(
                    group,
                    await openWithInfo(this.#o.hpke, shareInfo(g, r.meter), r.sealedShare),
                );
            } catch (e) {
                throw new BadFunctionalKeyError(
                    `the key share of ${r.meter} does not open or decode: ask its household to re-issue it`,
                    { cause: e },
                );
            }
            const K = keyCommitment(group, share.d);
            if (
                share.member !== r.meter ||
                bytesToHex(group.encode(K[0])) !== r.commitment[0] ||
                bytesToHex(group.encode(K[1])) !== r.commitment[1]
            )
                throw new BadFunctionalKeyError(
                    `the key share of ${r.meter} does not match its commitment on the ledger`,
                );
            shares.push(share);
        }
        const key = combineKeyShares(
            group,
            { epoch: mcfeEpochOf(g), members: g.members, weights: g.members.map(() => 1n) },
            shares,
        );
        return { g, key };
    }

    /**
     * Decrypt and post every complete slot not yet posted. Slots with a missing member ciphertext
     * are reported, not posted (the meters' catch-up or substitutes fill them; run again).
     */
    async aggregate(ref: GroupEpochRef): Promise<AggregationRun> {
        const { g, key } = await this.functionalKey(ref);
        const group = groupByName(g.group);
        const dlog = this.#o.dlog(group);
        const done = new Set((await this.#o.grid.getAggregates(ref)).map((a) => a.slot));
        const index = new Map(g.members.map((m, i) => [m, i]));
        const bySlot = new Map<number, unknown[]>();
        const fill = (cts: readonly StoredAggregateCiphertext[]): void => {
            for (const c of cts) {
                const i = index.get(c.meter);
                if (i === undefined) continue;
                let row = bySlot.get(c.slot);
                if (!row) bySlot.set(c.slot, (row = new Array<unknown>(g.members.length)));
                row[i] = group.decode(hexToBytes(c.c), `c of ${c.meter} slot ${c.slot}`);
            }
        };
        if (g.members.length * g.slots <= 50_000) fill(await this.#o.grid.getCiphertexts(ref));
        else
            for (let s = 0; s < g.slots; s++)
                if (!done.has(s)) fill(await this.#o.grid.getCiphertexts(ref, s));
        const labelOf = aggregateLabeler(g);
        const K = keyCommitment(group, key.dk);
        const bound = BigInt(g.maxPerSlot) * BigInt(g.members.length);
        const incomplete: { slot: number; missing: string[] }[] = [];
        const results: { slot: number; m: string; proof: string }[] = [];
        const posted: number[] = [];
        const size = this.#o.batchSize ?? 200;
        const post = async (): Promise<void> => {
            if (results.length === 0) return;
            await this.#o.grid.postAggregates({ ...ref, results });
            posted.push(...results.map((r) => r.slot));
            results.length = 0;
        };
        for (let s = 0; s < g.slots; s++) {
            if (done.has(s)) continue;
            const row = bySlot.get(s) ?? new Array<unknown>(g.members.length);
            const missing = g.members.filter((_, i) => row[i] === undefined);
            if (missing.length > 0) {
                incomplete.push({ slot: s, missing });
                continue;
            }
            const label = labelOf(s);
            const lp = hashLabel(group, label);
            const m = mcfeDecrypt(group, key, lp, row, dlog, bound);
            const S = weightedCiphertextSum(group, key.members, key.weights, label.slot, row);
            const proof = proveAggregate(group, key.dk, { label, m, K, u: lp.u, S });
            results.push({
                slot: s,
                m: m.toString(),
                proof: bytesToHex(encodeAggregateProof(group, proof)),
            });
            if (results.length >= size) await post();
        }
        await post();
        return { posted, alreadyPosted: done.size, incomplete };
    }

    /** The posted aggregates of a group epoch (the feeder's load curve). */
    aggregates(ref: GroupEpochRef): Promise<AggregateResult[]> {
        return this.#o.grid.getAggregates(ref);
    }
}
