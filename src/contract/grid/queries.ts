// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/grid/queries
 * Reads of grid aggregation state, for any registered identity. Sealed key shares are shown only
 * to the group's grid operator and to the member's owner; everyone else sees the commitments.
 */
import type { Context } from 'fabric-contract-api';
import { ContractError } from '../errors.js';
import { keys, pad } from '../keys.js';
import { marshalString } from '../marshal.js';
import type { Party } from '../records.js';
import { getMeter, listByPrefix, mustGet, requireRegistered } from '../state.js';
import {
    gridKeys,
    type AggregateCiphertext,
    type AggregateResult,
    type AggregationConsent,
    type AggregationGroup,
    type AggregationShare,
} from './records.js';

async function groupOf(ctx: Context, g: string, c: string, e: string): Promise<AggregationGroup> {
    return mustGet<AggregationGroup>(
        ctx,
        gridKeys.group(ctx.stub, g, c, e),
        `aggregation group ${g} for ${c} in ${e}`,
    );
}

export async function getAggregationGroup(
    ctx: Context,
    g: string,
    c: string,
    e: string,
): Promise<string> {
    await requireRegistered(ctx, 'GetAggregationGroup');
    return marshalString(await groupOf(ctx, g, c, e));
}

export async function listAggregationGroups(ctx: Context): Promise<string> {
    await requireRegistered(ctx, 'ListAggregationGroups');
    return marshalString(
        (await listByPrefix<AggregationGroup>(ctx, 'agggroup', [])).map((x) => x.value),
    );
}

export async function getAggregationConsents(
    ctx: Context,
    g: string,
    c: string,
    e: string,
): Promise<string> {
    await requireRegistered(ctx, 'GetAggregationConsents');
    return marshalString(
        (await listByPrefix<AggregationConsent>(ctx, 'aggconsent', [g, c, e])).map((x) => x.value),
    );
}

export async function getAggregationShares(
    ctx: Context,
    g: string,
    c: string,
    e: string,
): Promise<string> {
    const ref = await requireRegistered(ctx, 'GetAggregationShares');
    const group = await groupOf(ctx, g, c, e);
    const party =
        ref.kind === 'party'
            ? await mustGet<Party>(ctx, keys.party(ctx.stub, ref.id), `party ${ref.id}`)
            : undefined;
    const all = (await listByPrefix<AggregationShare>(ctx, 'aggshare', [g, c, e])).map(
        (x) => x.value,
    );
    if (party?.id === group.gridOperator) return marshalString(all);
    const out: AggregationShare[] = [];
    for (const s of all) {
        const own = party?.id !== undefined && (await getMeter(ctx, s.meter)).owner === party.id;
        out.push(own ? s : { ...s, sealedShare: '' });
    }
    return marshalString(out);
}

/** Ciphertexts of a group epoch, of one slot (`slot` decimal) or all (`slot` empty). */
export async function getAggregateCiphertexts(
    ctx: Context,
    g: string,
    c: string,
    e: string,
    slot: string,
): Promise<string> {
    await requireRegistered(ctx, 'GetAggregateCiphertexts');
    if (slot !== '' && !/^(0|[1-9][0-9]{0,4})$/.test(slot))
        throw new ContractError(
            'BAD_REQUEST',
            'GetAggregateCiphertexts: slot must be an index or empty',
        );
    const attrs = slot === '' ? [g, c, e] : [g, c, e, pad(Number(slot), 5)];
    const list = await listByPrefix<AggregateCiphertext>(ctx, 'aggct', attrs);
    return marshalString(
        list.map((x) => {
            const a = ctx.stub.splitCompositeKey(x.key).attributes;
            return { slot: Number(a[3]), meter: a[4], ...x.value };
        }),
    );
}

export async function getAggregates(
    ctx: Context,
    g: string,
    c: string,
    e: string,
): Promise<string> {
    await requireRegistered(ctx, 'GetAggregates');
    return marshalString(
        (await listByPrefix<AggregateResult>(ctx, 'aggsum', [g, c, e])).map((x) => x.value),
    );
}
