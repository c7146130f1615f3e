// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/readings
 * The metering rules (DESIGN.md §4 step 4, §5), applied to a batch of signed readings:
 * - the submitter is the meter's registered identity, and every reading is signed by the meter's key
 *   over (meter, channel, period, slot, C_i, C_0 if first, seq, status);
 * - C_i (and C_0) decode to valid group elements, not the identity;
 * - the period's mpk is published, the slot lies in the period, the period is not closed;
 * - the first reading of a period carries C_0, later ones may repeat it only identically;
 * - slots are write-once: an identical resend is a no-op, different content a conflict;
 * - per-meter sequence numbers increase; a skipped range is recorded as a gap (flagged on the period
 *   and its bills) and filled if the missing readings arrive later; a number reused with other
 *   content is a conflict.
 * Reads see committed state only, so records touched several times are cached and written once.
 */
import type { Context } from 'fabric-contract-api';
import { groupByName } from '../fe/groups.js';
import { FeError } from '../fe/errors.js';
import { ContractError } from './errors.js';
import { keys } from './keys.js';
import type { Meter, MeterSequence, PeriodRecord, SlotRecord } from './records.js';
import { readingPayload, STATUS, STATUS_MASK, verifyEd25519 } from './signing.js';
import { channelOf, getJson, putJson } from './state.js';
import { asObj, hex, hexToBytes, id, int, onlyFields, str } from './validate.js';
import { meterPeriod } from './weights.js';
import { period } from './requests.js';

/** Most readings in one transaction. */
export const MAX_BATCH = 1000;
/** Most open sequence gaps a meter may have before the contract refuses new readings. */
export const MAX_OPEN_GAPS = 1000;

/** One reading as submitted. */
export interface ReadingInput {
    readonly channel: string;
    readonly period: string;
    readonly slot: number;
    readonly seq: number;
    readonly status: number;
    readonly c: string;
    readonly c0?: string;
    readonly sig: string;
}

/** What the 'readings' event carries per newly stored reading. */
export interface ReadingEventItem {
    readonly channel: string;
    readonly period: string;
    readonly slot: number;
    readonly seq: number;
    readonly c: string;
    readonly c0?: string;
}

function parseReading(v: unknown, i: number, elementBytes: number): ReadingInput {
    const what = `readings[${i}]`;
    const o = asObj(v, what);
    onlyFields(o, ['channel', 'period', 'slot', 'seq', 'status', 'c', 'c0', 'sig'], what);
    return {
        channel: str(o, 'channel', what, 32),
        period: period(o, 'period', what),
        slot: int(o, 'slot', what, 0, 99_999),
        seq: int(o, 'seq', what, 1, Number.MAX_SAFE_INTEGER),
        status: int(o, 'status', what, 0, STATUS_MASK),
        c: hex(o, 'c', what, elementBytes),
        ...(o.c0 === undefined ? {} : { c0: hex(o, 'c0', what, elementBytes) }),
        sig: hex(o, 'sig', what, 64),
    };
}

/** Apply a batch; returns the newly stored readings (resends that were no-ops are not repeated). */
export async function applyReadings(
    ctx: Context,
    meter: Meter,
    body: Record<string, unknown>,
): Promise<ReadingEventItem[]> {
    onlyFields(body, ['meter', 'readings'], 'SubmitReadings');
    id(body, 'meter', 'SubmitReadings');
    const list = body.readings;
    if (!Array.isArray(list) || list.length < 1)
        throw new ContractError(
            'BAD_REQUEST',
            'SubmitReadings.readings: expected a non-empty array',
        );
    if (list.length > MAX_BATCH)
        throw new ContractError(
            'BAD_REQUEST',
            `SubmitReadings.readings: ${list.length} readings exceed the batch limit of ${MAX_BATCH}; split the batch`,
        );
    const group = groupByName(meter.group);
    const readings = list.map((r, i) => parseReading(r, i, group.elementBytes));
    const pub = hexToBytes(meter.signingKey);

    const seqKey = keys.seq(ctx.stub, meter.id);
    const seqState = (await getJson<MeterSequence>(ctx, seqKey)) ?? { last: 0, gaps: [] };
    let last = seqState.last;
    let gaps = seqState.gaps.map((g) => [g[0], g[1]] as [number, number]);
    let seqChanged = false;
    const periods = new Map<string, PeriodRecord>();
    const mpkSeen = new Set<string>();
    const written = new Map<string, SlotRecord>(); // slots stored earlier in this batch
    const out: ReadingEventItem[] = [];

    for (const [i, r] of readings.entries()) {
        const what = `readings[${i}] (${r.channel} ${r.period} slot ${r.slot} seq ${r.seq})`;
        channelOf(meter, r.channel);
        const pKey = keys.period(ctx.stub, meter.id, r.channel, r.period);
        let period = periods.get(pKey) ?? (await getJson<PeriodRecord>(ctx, pKey));
        // a stored period record proves its mpk was checked with the period's first reading:
        // skip re-reading the mpk (l points, ~190 KB) on every later batch
        if (period === undefined && !mpkSeen.has(pKey)) {
            const mpk = await ctx.stub.getState(keys.mpk(ctx.stub, meter.id, r.channel, r.period));
            if (mpk.length === 0)
                throw new ContractError(
                    'NOT_FOUND',
                    `${what}: no mpk published for this period; the customer must publish it before the meter encrypts`,
                );
            mpkSeen.add(pKey);
        }
        const slots = period?.slots ?? meterPeriod(meter, r.period).slotCount;
        if (r.slot >= slots)
            throw new ContractError(
                'OUT_OF_RANGE',
                `${what}: slot outside the period (0..${slots - 1})`,
            );
        if (period?.closed)
            throw new ContractError(
                'CLOSED',
                `${what}: period is closed; nothing can be added after close`,
            );

        // signature over exactly what is stored
        const c = hexToBytes(r.c);
        const c0 = r.c0 === undefined ? undefined : hexToBytes(r.c0);
        const payload = readingPayload({
            meter: meter.id,
            channel: r.channel,
            period: r.period,
            slot: r.slot,
            c,
            c0,
            seq: r.seq,
            status: r.status,
        });
        if (!verifyEd25519(pub, payload, hexToBytes(r.sig)))
            throw new ContractError(
                'BAD_SIGNATURE',
                `${what}: signature does not verify under meter ${meter.id}'s registered key`,
            );

        // write-once slot
        const sKey = keys.slot(ctx.stub, meter.id, r.channel, r.period, r.slot);
        const existing = written.get(sKey) ?? (await getJson<SlotRecord>(ctx, sKey));
        const record: SlotRecord = {
            c: r.c,
            seq: r.seq,
            status: r.status,
            sig: r.sig,
            ...(r.c0 === undefined ? {} : { c0: r.c0 }),
        };
        if (existing) {
            if (
                existing.c === r.c &&
                existing.seq === r.seq &&
                existing.status === r.status &&
                existing.c0 === r.c0
            )
                continue; // identical resend
            throw new ContractError(
                'CONFLICT',
                `${what}: slot already holds another reading (seq ${existing.seq}); slots are write-once`,
            );
        }

        // points
        try {
            group.decode(c, 'c');
            if (c0) group.decode(c0, 'c0');
        } catch (e) {
            if (e instanceof FeError)
                throw new ContractError('BAD_POINT', `${what}: ${e.message}`, { cause: e });
            throw e;
        }

        // C_0 with the first reading of the period
        if (period?.c0 === undefined && r.c0 === undefined)
            throw new ContractError(
                'BAD_REQUEST',
                `${what}: the first reading of a period must carry C_0`,
            );
        if (period?.c0 !== undefined && r.c0 !== undefined && r.c0 !== period.c0)
            throw new ContractError(
                'CONFLICT',
                `${what}: C_0 differs from the one stored for this period`,
            );

        // sequence numbers
        let afterGap = 0;
        let lateFilled = 0;
        if (r.seq > last) {
            if (r.seq > last + 1) {
                if (gaps.length >= MAX_OPEN_GAPS)
                    throw new ContractError(
                        'CONFLICT',
                        `${what}: meter has ${gaps.length} open sequence gaps; the operator must investigate before more readings are accepted`,
                    );
                gaps.push([last + 1, r.seq - 1]);
                afterGap = 1;
            }
            last = r.seq;
        } else {
            const gi = gaps.findIndex(([a, b]) => r.seq >= a && r.seq <= b);
            const gap = gaps[gi]; // undefined when gi is -1
            if (gap === undefined)
                throw new ContractError(
                    'CONFLICT',
                    `${what}: sequence number ${r.seq} was already used for another reading`,
                );
            const [a, b] = gap;
            const rest: [number, number][] = [];
            if (a <= r.seq - 1) rest.push([a, r.seq - 1]);
            if (r.seq + 1 <= b) rest.push([r.seq + 1, b]);
            gaps = [...gaps.slice(0, gi), ...rest, ...gaps.slice(gi + 1)];
            lateFilled = 1;
        }
        seqChanged = true;

        const prev = period ?? {
            meter: meter.id,
            channel: r.channel,
            period: r.period,
            slots,
            count: 0,
            closed: false,
            flags: { unsynced: 0, catchUp: 0, substitute: 0, afterGap: 0, lateFilled: 0 },
        };
        period = {
            ...prev,
            ...(prev.c0 === undefined ? { c0: r.c0 } : {}),
            count: prev.count + 1,
            flags: {
                unsynced: prev.flags.unsynced + (r.status & STATUS.clockUnsynced ? 1 : 0),
                catchUp: prev.flags.catchUp + (r.status & STATUS.catchUp ? 1 : 0),
                substitute: prev.flags.substitute + (r.status & STATUS.substitute ? 1 : 0),
                afterGap: prev.flags.afterGap + afterGap,
                lateFilled: prev.flags.lateFilled + lateFilled,
            },
        };
        periods.set(pKey, period);
        written.set(sKey, record);
        out.push({
            channel: r.channel,
            period: r.period,
            slot: r.slot,
            seq: r.seq,
            c: r.c,
            ...(r.c0 && prev.c0 === undefined ? { c0: r.c0 } : {}),
        });
    }
    for (const [k, v] of written) await putJson(ctx, k, v);
    for (const [k, v] of periods) await putJson(ctx, k, v);
    if (seqChanged) await putJson(ctx, seqKey, { last, gaps });
    return out;
}
