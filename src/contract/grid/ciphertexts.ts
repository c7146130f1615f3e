// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/grid/ciphertexts
 * A member meter's MCFE ciphertexts (docs/GRID.md): submitted by the meter's identity, signed by its
 * key over (group, channel, epoch, slot, label, meter, c, status); only members whose household
 * consented; one ciphertext per member and label — an identical resend is a no-op, a different one
 * is refused (two ciphertexts of one label would reveal the difference of the two values).
 */
import type { Context } from 'fabric-contract-api';
import { groupByName } from '../../fe/groups.js';
import { ContractError } from '../errors.js';
import { marshalString } from '../marshal.js';
import type { Meter } from '../records.js';
import { event, period } from '../requests.js';
import { STATUS_MASK, verifyEd25519 } from '../signing.js';
import { getJson, mustGet, putJson } from '../state.js';
import { arr, asObj, hex, hexToBytes, id, int, onlyFields } from '../validate.js';
import { aggregateCiphertextPayload, slotLabeler } from './labels.js';
import {
    gridKeys,
    type AggregateCiphertext,
    type AggregationConsent,
    type AggregationGroup,
} from './records.js';

/** Most ciphertexts in one transaction. */
export const MAX_AGGREGATE_BATCH = 1000;

/** SubmitAggregateCiphertexts: `{ meter, items: [{ group, channel, epoch, slot, status, c, sig }] }`. */
export async function submitAggregateCiphertexts(
    ctx: Context,
    meter: Meter,
    b: Record<string, unknown>,
): Promise<string> {
    const w = 'SubmitAggregateCiphertexts';
    onlyFields(b, ['meter', 'items'], w);
    const items = arr(b, 'items', w, 1, MAX_AGGREGATE_BATCH);
    const groups = new Map<string, { g: AggregationGroup; at: (s: number) => string }>();
    const written = new Map<string, AggregateCiphertext>();
    const pub = hexToBytes(meter.signingKey);
    let stored = 0;
    for (const [i, v] of items.entries()) {
        const what = `${w}.items[${i}]`;
        const o = asObj(v, what);
        onlyFields(o, ['group', 'channel', 'epoch', 'slot', 'status', 'c', 'sig'], what);
        const gid = id(o, 'group', what);
        const channel = id(o, 'channel', what);
        const epoch = period(o, 'epoch', what);
        const gk = `${gid}\u0000${channel}\u0000${epoch}`;
        let ge = groups.get(gk);
        if (ge === undefined) {
            const g = await mustGet<AggregationGroup>(
                ctx,
                gridKeys.group(ctx.stub, gid, channel, epoch),
                `aggregation group ${gid} for ${channel} in ${epoch}`,
            );
            if (!g.members.includes(meter.id))
                throw new ContractError(
                    'FORBIDDEN',
                    `${what}: meter ${meter.id} is not a member of group ${gid}: its ciphertexts are not taken`,
                );
            const consent = await getJson<AggregationConsent>(
                ctx,
                gridKeys.consent(ctx.stub, gid, channel, epoch, meter.id),
            );
            if (consent?.decision !== 'allowed')
                throw new ContractError(
                    'FORBIDDEN',
                    `${what}: the household of ${meter.id} has not consented to group ${gid} in ${epoch}`,
                );
            ge = { g, at: slotLabeler(g) };
            groups.set(gk, ge);
        }
        const { g, at } = ge;
        const slot = int(o, 'slot', what, 0, 99_999);
        if (slot >= g.slots)
            throw new ContractError(
                'OUT_OF_RANGE',
                `${what}: slot ${slot} outside the epoch (0..${g.slots - 1})`,
            );
        const status = int(o, 'status', what, 0, STATUS_MASK);
        const group = groupByName(g.group);
        const cHex = hex(o, 'c', what, group.elementBytes);
        const sig = hex(o, 'sig', what, 64);
        const c = hexToBytes(cHex);
        try {
            if (group.isIdentity(group.decode(c, `${what}.c`)))
                throw new ContractError('BAD_POINT', `${what}.c: the identity element`);
        } catch (e) {
            if (e instanceof ContractError) throw e;
            throw new ContractError('BAD_POINT', `${what}.c: ${(e as Error).message}`, {
                cause: e,
            });
        }
        const payload = aggregateCiphertextPayload({
            group: gid,
            channel,
            epoch,
            slot,
            label: at(slot),
            meter: meter.id,
            c,
            status,
        });
        if (!verifyEd25519(pub, payload, hexToBytes(sig)))
            throw new ContractError(
                'BAD_SIGNATURE',
                `${what}: signature does not verify under meter ${meter.id}'s registered key`,
            );
        const rec: AggregateCiphertext = { c: cHex, status, sig };
        const k = gridKeys.ct(ctx.stub, gid, channel, epoch, slot, meter.id);
        const prior = written.get(k) ?? (await getJson<AggregateCiphertext>(ctx, k));
        if (prior !== undefined) {
            if (prior.c === cHex && prior.status === status) continue; // identical resend
            throw new ContractError(
                'CONFLICT',
                `${what}: ${meter.id} already has a different ciphertext for slot ${slot} of ${gid}; one ciphertext per member and label (two would reveal the difference of the values)`,
            );
        }
        written.set(k, rec);
        await putJson(ctx, k, rec);
        stored++;
    }
    if (stored > 0) event(ctx, 'aggregateCiphertexts', { meter: meter.id, stored });
    return marshalString({ stored, duplicates: items.length - stored });
}
