// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/grid/consent
 * A household's consent to a group epoch, and its key share (docs/GRID.md):
 * - the consent (allowed or refused, with a reason) is submitted by the member meter's owner, so the
 *   customer's ledger identity signs it; it is write-once per meter and group epoch; an allowed
 *   consent carries the member's DH public key for the pairwise masks (fe/dmcfe-keygen); the
 *   contract re-runs the aggregate guard on the group and records its verdict;
 * - a key share can be published only once every member has consented (a refusal blocks the group:
 *   its key never exists); it is HPKE-sealed to the group's grid operator and comes with its public
 *   commitment (d_{i,1}·G, d_{i,2}·G), which the posted aggregates' proofs are checked against.
 */
import type { Context } from 'fabric-contract-api';
import { checkAggregateFunction } from '../../fe/aggregate-guard.js';
import { groupByName } from '../../fe/groups.js';
import { ContractError } from '../errors.js';
import { marshalString } from '../marshal.js';
import type { Meter } from '../records.js';
import { event } from '../requests.js';
import { getJson, getMeter, listByPrefix, putJson, requireParty, txTime } from '../state.js';
import { arr, hex, hexToBytes, id, oneOf, onlyFields, str } from '../validate.js';
import { groupEpochOf } from './groups.js';
import {
    gridKeys,
    type AggregationConsent,
    type AggregationGroup,
    type AggregationShare,
} from './records.js';

/** Most bytes of a sealed key share (enc 32 + share ≲ 600 + tag 16). */
export const SEALED_SHARE_MAX_BYTES = 1024;

/** The member meter of a request, owned by the submitting customer. */
async function ownMember(
    ctx: Context,
    b: Record<string, unknown>,
    g: AggregationGroup,
    w: string,
): Promise<{ meter: Meter; customer: string }> {
    const customer = await requireParty(ctx, ['customer'], w);
    const meter = await getMeter(ctx, id(b, 'meter', w));
    if (meter.owner !== customer.id)
        throw new ContractError(
            'FORBIDDEN',
            `${w}: meter ${meter.id} belongs to ${meter.owner}, not ${customer.id}`,
        );
    if (!g.members.includes(meter.id))
        throw new ContractError(
            'FORBIDDEN',
            `${w}: meter ${meter.id} is not a member of group ${g.id} for ${g.channel} in ${g.epoch}`,
        );
    return { meter, customer: customer.id };
}

function point(hexStr: string, groupName: string, what: string): void {
    const g = groupByName(groupName);
    let p;
    try {
        p = g.decode(hexToBytes(hexStr), what);
    } catch (e) {
        throw new ContractError('BAD_POINT', `${what}: ${(e as Error).message}`, { cause: e });
    }
    if (g.isIdentity(p))
        throw new ContractError('BAD_POINT', `${what}: the identity element is not allowed`);
}

/** ConsentAggregation: `{ group, channel, epoch, meter, decision, reason?, dhPublicKey? }`. */
export async function consentAggregation(
    ctx: Context,
    b: Record<string, unknown>,
): Promise<string> {
    const w = 'ConsentAggregation';
    onlyFields(b, ['group', 'channel', 'epoch', 'meter', 'decision', 'reason', 'dhPublicKey'], w);
    const g = await groupEpochOf(ctx, b, w);
    const { meter, customer } = await ownMember(ctx, b, g, w);
    const decision = oneOf(b, 'decision', w, ['allowed', 'refused'] as const);
    const elementBytes = groupByName(g.group).elementBytes;
    let dhPublicKey: string | undefined;
    if (decision === 'allowed') {
        dhPublicKey = hex(b, 'dhPublicKey', w, elementBytes);
        point(dhPublicKey, g.group, `${w}.dhPublicKey`);
    } else if (b.dhPublicKey !== undefined)
        throw new ContractError('BAD_REQUEST', `${w}.dhPublicKey: a refusal carries no key`);
    const reason =
        b.reason === undefined
            ? decision === 'allowed'
                ? 'consented'
                : 'refused by the household'
            : str(b, 'reason', w, 512);
    const k = gridKeys.consent(ctx.stub, g.id, g.channel, g.epoch, meter.id);
    const existing = await getJson<AggregationConsent>(ctx, k);
    if (existing) {
        if (existing.decision === decision && existing.dhPublicKey === dhPublicKey)
            return marshalString(existing);
        throw new ContractError(
            'EXISTS',
            `${w}: ${meter.id} already ${existing.decision} group ${g.id} for ${g.channel} in ${g.epoch}; a decision is final for the epoch`,
        );
    }
    const verdict = checkAggregateFunction(
        g.members,
        g.members.map(() => 1n),
        { minMembers: g.minMembers },
    );
    const rec: AggregationConsent = {
        group: g.id,
        channel: g.channel,
        epoch: g.epoch,
        meter: meter.id,
        customer,
        decision,
        reason,
        ...(dhPublicKey === undefined ? {} : { dhPublicKey }),
        guard: { code: verdict.code, reason: verdict.reason },
        at: txTime(ctx),
        txId: ctx.stub.getTxID(),
    };
    await putJson(ctx, k, rec);
    event(ctx, 'aggregationConsent', {
        group: g.id,
        channel: g.channel,
        epoch: g.epoch,
        meter: meter.id,
        decision,
    });
    return marshalString(rec);
}

/** Every consent of a group epoch, by meter. */
export async function consentsOf(
    ctx: Context,
    g: AggregationGroup,
): Promise<Map<string, AggregationConsent>> {
    const list = await listByPrefix<AggregationConsent>(ctx, 'aggconsent', [
        g.id,
        g.channel,
        g.epoch,
    ]);
    return new Map(list.map((x) => [x.value.meter, x.value]));
}

/** PublishAggregationShare: `{ group, channel, epoch, meter, sealedShare, commitment: [hex, hex] }`. */
export async function publishAggregationShare(
    ctx: Context,
    b: Record<string, unknown>,
): Promise<string> {
    const w = 'PublishAggregationShare';
    onlyFields(b, ['group', 'channel', 'epoch', 'meter', 'sealedShare', 'commitment'], w);
    const g = await groupEpochOf(ctx, b, w);
    const { meter } = await ownMember(ctx, b, g, w);
    const sealedShare = hex(b, 'sealedShare', w, undefined, SEALED_SHARE_MAX_BYTES);
    if (sealedShare.length < 2 * (32 + 16))
        throw new ContractError('BAD_REQUEST', `${w}.sealedShare: too short to be sealed`);
    const elementBytes = groupByName(g.group).elementBytes;
    const cm = arr(b, 'commitment', w, 2, 2);
    const commitment = cm.map((v, i) => {
        const h = hex({ v }, 'v', `${w}.commitment[${i}]`, elementBytes);
        point(h, g.group, `${w}.commitment[${i}]`);
        return h;
    }) as [string, string];
    const consents = await consentsOf(ctx, g);
    const refused = g.members.filter((m) => consents.get(m)?.decision === 'refused');
    if (refused.length > 0)
        throw new ContractError(
            'FORBIDDEN',
            `${w}: ${refused.join(', ')} refused group ${g.id} for ${g.epoch}: its key cannot exist, no share is taken`,
        );
    const missing = g.members.filter((m) => !consents.has(m));
    if (missing.length > 0)
        throw new ContractError(
            'INCOMPLETE',
            `${w}: ${missing.length} member(s) have not consented yet (${missing.slice(0, 8).join(', ')}): shares need every member's DH key`,
        );
    const k = gridKeys.share(ctx.stub, g.id, g.channel, g.epoch, meter.id);
    const existing = await getJson<AggregationShare>(ctx, k);
    if (existing) {
        if (
            existing.sealedShare === sealedShare &&
            existing.commitment[0] === commitment[0] &&
            existing.commitment[1] === commitment[1]
        )
            return marshalString(existing);
        throw new ContractError(
            'EXISTS',
            `${w}: ${meter.id} already published its share for ${g.id} in ${g.epoch}; shares are write-once`,
        );
    }
    const rec: AggregationShare = {
        group: g.id,
        channel: g.channel,
        epoch: g.epoch,
        meter: meter.id,
        sealedShare,
        commitment,
        publishedAt: txTime(ctx),
        txId: ctx.stub.getTxID(),
    };
    await putJson(ctx, k, rec);
    event(ctx, 'aggregationShare', {
        group: g.id,
        channel: g.channel,
        epoch: g.epoch,
        meter: meter.id,
    });
    return marshalString({ ...rec, sealedShare: undefined });
}
