// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/customer/aggregation
 * The household's side of grid aggregation (docs/GRID.md): review a group against the aggregate
 * guard (plain sum, enough households, no overlapping group of the channel and epoch on the
 * ledger), record consent (with the member's DH public key) or a refusal, hand the meter its MCFE
 * client key, and publish the key share for the group's one function — sealed to the grid operator,
 * with its commitment. The root seed never leaves the wallet; no party learns s_i.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { AggregationGroup } from '../../contract/grid/index.js';
import {
    AGGREGATE_DEFAULT_MIN_MEMBERS,
    checkAggregateFunction,
    checkDisjointGroups,
    type AggregateGuardDecision,
} from '../../fe/aggregate-guard.js';
import { keyCommitment } from '../../fe/aggregate-proof.js';
import { keyShare, memberDhKey, type MemberPublicKey } from '../../fe/dmcfe-keygen.js';
import { groupByName } from '../../fe/groups.js';
import { encodeKeyShare } from '../../fe/mcfe-codec.js';
import { clientKey, type ClientKey } from '../../fe/mcfe.js';
import type { FemeterApi } from '../api.js';
import { GuardRefusedError, RoleError } from '../errors.js';
import { mcfeEpochOf, shareInfo, type GridApi, type GroupEpochRef } from '../grid/api.js';
import { sealWithInfo } from '../hpke.js';
import type { Wallet } from './wallet.js';

export interface HouseholdAggregationOptions {
    readonly api: FemeterApi;
    readonly grid: GridApi;
    readonly partyId: string;
    readonly wallet: Wallet;
    /** The household's own minimum group size (default 10); the larger of it and the group's applies. */
    readonly minMembers?: number;
}

export class HouseholdAggregation {
    readonly #o: HouseholdAggregationOptions;
    constructor(opts: Readonly<HouseholdAggregationOptions>) {
        this.#o = opts;
    }

    async #ownGroup(ref: GroupEpochRef, meterId: string): Promise<AggregationGroup> {
        const meter = await this.#o.api.getMeter(meterId);
        if (meter.owner !== this.#o.partyId)
            throw new RoleError('NOT_OWNER', `meter ${meterId} belongs to ${meter.owner}`);
        const g = await this.#o.grid.getGroup(ref);
        if (!g.members.includes(meterId))
            throw new RoleError(
                'NOT_MEMBER',
                `meter ${meterId} is not a member of group ${g.id} for ${g.channel} in ${g.epoch}`,
            );
        return g;
    }

    /**
     * The guard's verdict on a group from the household's side: the plain sum over at least
     * max(own minimum, group minimum) households, and no other group of the channel and epoch on
     * the ledger sharing a member.
     */
    async review(ref: GroupEpochRef, meterId: string): Promise<AggregateGuardDecision> {
        const g = await this.#ownGroup(ref, meterId);
        const min = Math.max(this.#o.minMembers ?? AGGREGATE_DEFAULT_MIN_MEMBERS, g.minMembers);
        const d = checkAggregateFunction(
            g.members,
            g.members.map(() => 1n),
            { minMembers: min },
        );
        if (!d.allowed) return d;
        if (g.households < min)
            return {
                allowed: false,
                code: 'too-few-members',
                reason: `${g.households} households, this household asks for at least ${min}`,
            };
        const same = (await this.#o.grid.listGroups()).filter(
            (o) => o.channel === g.channel && o.epoch === g.epoch,
        );
        return checkDisjointGroups(same.map((o) => ({ id: o.id, members: o.members })));
    }

    /**
     * Consent for `meterId` after {@link review}; a refusal by the guard is recorded on the ledger
     * and thrown as GuardRefusedError.
     */
    async consent(ref: GroupEpochRef, meterId: string): Promise<void> {
        const g = await this.#ownGroup(ref, meterId);
        const d = await this.review(ref, meterId);
        if (!d.allowed) {
            await this.refuse(ref, meterId, `aggregate guard: ${d.reason}`);
            throw new GuardRefusedError(`aggregate guard refused group ${g.id}: ${d.reason}`);
        }
        const group = groupByName(g.group);
        const { pub } = memberDhKey(group, this.#o.wallet.seed, mcfeEpochOf(g), meterId);
        await this.#o.grid.consent({
            ...ref,
            meter: meterId,
            decision: 'allowed',
            dhPublicKey: bytesToHex(group.encode(pub.P)),
        });
    }

    /** Record a refusal (the group's key can then never exist for this epoch). */
    async refuse(ref: GroupEpochRef, meterId: string, reason: string): Promise<void> {
        await this.#ownGroup(ref, meterId);
        await this.#o.grid.consent({ ...ref, meter: meterId, decision: 'refused', reason });
    }

    /** The meter's MCFE client key for the group epoch (hand it to the meter over a local channel). */
    async clientKey(ref: GroupEpochRef, meterId: string): Promise<ClientKey> {
        const g = await this.#ownGroup(ref, meterId);
        return clientKey(
            groupByName(g.group),
            this.#o.wallet.seed,
            mcfeEpochOf(g),
            g.members,
            meterId,
        );
    }

    /**
     * Publish this member's key share: needs every member's consent (their DH keys) on the ledger;
     * re-runs {@link review}; seals the share to the group's grid operator.
     */
    async publishShare(ref: GroupEpochRef, meterId: string): Promise<void> {
        const g = await this.#ownGroup(ref, meterId);
        const d = await this.review(ref, meterId);
        if (!d.allowed)
            throw new GuardRefusedError(`aggregate guard refused group ${g.id}: ${d.reason}`);
        const group = groupByName(g.group);
        const epoch = mcfeEpochOf(g);
        const consents = await this.#o.grid.getConsents(ref);
        const refused = consents.filter((c) => c.decision === 'refused').map((c) => c.meter);
        if (refused.length > 0)
            throw new RoleError(
                'GROUP_BLOCKED',
                `${refused.join(', ')} refused group ${g.id}: its key cannot exist for ${g.epoch}`,
            );
        const publics: MemberPublicKey<unknown>[] = consents.map((c) => ({
            epoch,
            member: c.meter,
            P: group.decode(hexToBytes(c.dhPublicKey ?? ''), `dhPublicKey of ${c.meter}`),
        }));
        const { secret } = memberDhKey(group, this.#o.wallet.seed, epoch, meterId);
        const key = clientKey(group, this.#o.wallet.seed, epoch, g.members, meterId);
        const share = keyShare(
            group,
            { epoch, members: g.members, weights: g.members.map(() => 1n) },
            key,
            secret,
            publics,
            { minMembers: g.minMembers },
        );
        const op = await this.#o.api.getParty(g.gridOperator);
        if (op.role !== 'gridOperator' || op.hpkePublicKey === undefined)
            throw new RoleError('NOT_GRID_OPERATOR', `${g.gridOperator} is not a grid operator`);
        const K = keyCommitment(group, share.d);
        await this.#o.grid.publishShare({
            ...ref,
            meter: meterId,
            sealedShare: await sealWithInfo(
                op.hpkePublicKey,
                shareInfo(g, meterId),
                encodeKeyShare(group, share),
            ),
            commitment: [bytesToHex(group.encode(K[0])), bytesToHex(group.encode(K[1]))],
        });
    }
}
