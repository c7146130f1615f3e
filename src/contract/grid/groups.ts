// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/grid/groups
 * Registration of an aggregation group by a grid operator, and the group epoch lookup the other
 * grid rules share. Rules (docs/GRID.md):
 * - only a party of role gridOperator registers; a group epoch (group, channel, epoch) is write-once;
 * - members are registered meters with the channel, one curve, one slot grid (time zone, slot length);
 * - at least `minMembers` distinct households (default 10, never below 5) and the plain sum only
 *   (fe/aggregate-guard checkAggregateFunction with all weights 1);
 * - a meter belongs to at most one group per channel and epoch (fe/aggregate-guard
 *   checkDisjointGroups over the groups it would overlap), so no two sums can be differenced.
 */
import type { Context } from 'fabric-contract-api';
import {
    AGGREGATE_DEFAULT_MIN_MEMBERS,
    AGGREGATE_MIN_MEMBERS_FLOOR,
    checkAggregateFunction,
    checkDisjointGroups,
} from '../../fe/aggregate-guard.js';
import { MAX_MEMBERS, rosterDigest, sortMembers, checkMembers } from '../../fe/mcfe.js';
import { groupByName } from '../../fe/groups.js';
import { ContractError } from '../errors.js';
import { keys } from '../keys.js';
import { marshalString } from '../marshal.js';
import type { Meter } from '../records.js';
import { event, period } from '../requests.js';
import { getJson, mustGet, putJson, requireParty, txTime } from '../state.js';
import { arr, bytesToHex, id, int, onlyFields } from '../validate.js';
import { meterPeriod } from '../weights.js';
import {
    gridKeys,
    LABEL_SCHEME,
    type AggregationGroup,
    type AggregationMembership,
} from './records.js';

/** The group epoch named by `group`, `channel`, `epoch` fields of a request. */
export async function groupEpochOf(
    ctx: Context,
    b: Record<string, unknown>,
    w: string,
): Promise<AggregationGroup> {
    const g = id(b, 'group', w);
    const channel = id(b, 'channel', w);
    const epoch = period(b, 'epoch', w);
    return mustGet<AggregationGroup>(
        ctx,
        gridKeys.group(ctx.stub, g, channel, epoch),
        `aggregation group ${g} for ${channel} in ${epoch}`,
    );
}

/** RegisterAggregationGroup: `{ id, channel, epoch, members: [meterId], minMembers? }`. */
export async function registerAggregationGroup(
    ctx: Context,
    b: Record<string, unknown>,
): Promise<string> {
    const w = 'RegisterAggregationGroup';
    const operator = await requireParty(ctx, ['gridOperator'], w);
    onlyFields(b, ['id', 'channel', 'epoch', 'members', 'minMembers'], w);
    const gid = id(b, 'id', w);
    const channel = id(b, 'channel', w);
    const epoch = period(b, 'epoch', w);
    const minMembers =
        b.minMembers === undefined
            ? AGGREGATE_DEFAULT_MIN_MEMBERS
            : int(b, 'minMembers', w, AGGREGATE_MIN_MEMBERS_FLOOR, MAX_MEMBERS);
    const raw = arr(b, 'members', w, 1, MAX_MEMBERS).map((m, i) =>
        id({ m }, 'm', `${w}.members[${i}]`),
    );
    const members = sortMembers(raw);
    try {
        checkMembers(members);
    } catch (e) {
        throw new ContractError('BAD_REQUEST', `${w}.members: ${(e as Error).message}`, {
            cause: e,
        });
    }
    const gKey = gridKeys.group(ctx.stub, gid, channel, epoch);
    if (await getJson(ctx, gKey))
        throw new ContractError(
            'EXISTS',
            `${w}: group ${gid} is already registered for ${channel} in ${epoch}; group epochs are write-once (register the changed group for a later epoch)`,
        );
    const meters: Meter[] = [];
    for (const m of members)
        meters.push(await mustGet<Meter>(ctx, keys.meter(ctx.stub, m), `meter ${m}`));
    const first = meters[0];
    if (first === undefined)
        throw new ContractError('BAD_REQUEST', `${w}.members: at least one member`);
    for (const m of meters) {
        if (!m.channels.some((c) => c.id === channel))
            throw new ContractError('NOT_FOUND', `${w}: meter ${m.id} has no channel ${channel}`);
        if (
            m.group !== first.group ||
            m.slotMinutes !== first.slotMinutes ||
            m.timeZone !== first.timeZone
        )
            throw new ContractError(
                'BAD_REQUEST',
                `${w}: meter ${m.id} uses ${m.group}/${m.slotMinutes} min/${m.timeZone}, ${first.id} ${first.group}/${first.slotMinutes} min/${first.timeZone}: members share one curve and slot grid`,
            );
    }
    const households = new Set(meters.map((m) => m.owner)).size;
    const verdict = checkAggregateFunction(
        members,
        members.map(() => 1n),
        { minMembers },
    );
    if (!verdict.allowed) throw new ContractError('GUARD', `${w}: ${verdict.reason}`);
    if (households < minMembers)
        throw new ContractError(
            'GUARD',
            `${w}: ${members.length} meters of ${households} households; an aggregate needs at least ${minMembers} households`,
        );
    // at most one group per meter, channel and epoch: the guard judges the groups this one would overlap
    const others = new Map<string, string[]>();
    for (const m of members) {
        const owner = await getJson<AggregationMembership>(
            ctx,
            gridKeys.member(ctx.stub, channel, epoch, m),
        );
        if (owner && !others.has(owner.group)) {
            const og = await mustGet<AggregationGroup>(
                ctx,
                gridKeys.group(ctx.stub, owner.group, channel, epoch),
                `aggregation group ${owner.group}`,
            );
            others.set(owner.group, [...og.members]);
        }
    }
    const disjoint = checkDisjointGroups([
        ...[...others].map(([g, ms]) => ({ id: g, members: ms })),
        { id: gid, members },
    ]);
    if (!disjoint.allowed) throw new ContractError('GUARD', `${w}: ${disjoint.reason}`);
    const group = groupByName(first.group);
    const rec: AggregationGroup = {
        id: gid,
        gridOperator: operator.id,
        channel,
        epoch,
        members,
        households,
        minMembers,
        group: first.group,
        slotMinutes: first.slotMinutes,
        timeZone: first.timeZone,
        slots: meterPeriod(first, epoch).slotCount,
        labelScheme: LABEL_SCHEME,
        roster: bytesToHex(rosterDigest(group, { aggregate: gid, channel, epoch }, members)),
        maxPerSlot: Math.max(...meters.map((m) => m.maxPerSlot)),
        registeredAt: txTime(ctx),
        txId: ctx.stub.getTxID(),
    };
    await putJson(ctx, gKey, rec);
    for (const m of members)
        await putJson(ctx, gridKeys.member(ctx.stub, channel, epoch, m), {
            group: gid,
        } satisfies AggregationMembership);
    event(ctx, 'aggregationGroup', {
        id: gid,
        channel,
        epoch,
        members: members.length,
        roster: rec.roster,
    });
    return marshalString(rec);
}
