// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/folds
 * Bill verification in O(1) (issue 11, DESIGN.md §2 "Incremental billing"): the contract keeps,
 * per agreement, K_y = Σ y_i·H_i (computed once at acceptance from the published mpk) and the
 * running sum S = Σ y_i·C_i over the stored slots (folded as readings arrive; the slots stored
 * before the agreement are folded at acceptance). PostBill then checks the Chaum–Pedersen proof
 * against these stored points; it reads no mpk and no readings. The auditor's from-scratch check
 * (roles/auditor) stays independent and O(l).
 *
 * Every fold is deterministic from ledger state: the same readings folded in any batching give
 * the same point, because S is a group sum.
 */
import type { Context } from 'fabric-contract-api';
import { decodeMpk } from '../fe/codec.js';
import { mod } from '../fe/group.js';
import { groupByName, type AnyGroup } from '../fe/groups.js';
import { ContractError } from './errors.js';
import { keys } from './keys.js';
import type { Fold, Meter, MpkRecord, SlotRecord } from './records.js';
import { listSlots } from './readings.js';
import { getJson, mustGet, putJson } from './state.js';
import { bytesToHex, hexToBytes } from './validate.js';

/** Weights as runs [weight, count] (time-of-use tariffs have a few dozen runs a month). */
export function encodeRuns(y: readonly bigint[]): [string, number][] {
    const out: [string, number][] = [];
    let prev: bigint | undefined;
    for (const v of y) {
        const last = out[out.length - 1];
        if (last !== undefined && prev === v) last[1]++;
        else out.push([v.toString(), 1]);
        prev = v;
    }
    return out;
}

/** The weight vector of {@link encodeRuns}' output. */
export function decodeRuns(runs: Fold['y']): bigint[] {
    const out: bigint[] = [];
    for (const [v, n] of runs) {
        const w = BigInt(v);
        for (let i = 0; i < n; i++) out.push(w);
    }
    return out;
}

const point = (g: AnyGroup, hex: string, what: string): unknown =>
    g.decode(hexToBytes(hex), what, { allowIdentity: true });

/**
 * Create the fold of a new agreement: K_y from the mpk, S over the slots already stored.
 * O(l) once per agreement and period.
 */
export async function startFold(
    ctx: Context,
    meter: Meter,
    channel: string,
    period: string,
    provider: string,
    tariffId: string,
    y: readonly bigint[],
): Promise<Fold> {
    const g = groupByName(meter.group);
    const mpkRec = await mustGet<MpkRecord>(
        ctx,
        keys.mpk(ctx.stub, meter.id, channel, period),
        `mpk ${meter.id}/${channel}/${period}`,
    );
    const mpk = decodeMpk(g, hexToBytes(mpkRec.mpk));
    if (mpk.H.length !== y.length)
        throw new ContractError(
            'BAD_REQUEST',
            `tariff ${tariffId} has ${y.length} weights, the mpk of ${period} ${mpk.H.length} slots`,
        );
    const ys = y.map((v) => mod(v, g.order));
    const K = g.msmVartime(mpk.H, ys);
    const slots = await listSlots(ctx, meter.id, channel, period, g.elementBytes);
    const fold: Fold = {
        y: encodeRuns(y),
        K: bytesToHex(g.encode(K)),
        count: slots.length,
        ...(slots.length === 0 ? {} : { S: bytesToHex(g.encode(sumSlots(g, slots, ys))) }),
    };
    await putJson(ctx, keys.fold(ctx.stub, meter.id, channel, period, provider, tariffId), fold);
    // the epoch's list of folds, so SubmitReadings finds them by a point read (no prefix scan)
    const iKey = keys.foldIndex(ctx.stub, meter.id, channel, period);
    const index = (await getJson<FoldIndex>(ctx, iKey)) ?? { folds: [] };
    if (!index.folds.some(([p, t]) => p === provider && t === tariffId)) {
        const folds = [...index.folds, [provider, tariffId] as const].sort((a, b) =>
            a[0] === b[0] ? (a[1] < b[1] ? -1 : 1) : a[0] < b[0] ? -1 : 1,
        );
        await putJson(ctx, iKey, { folds } satisfies FoldIndex);
    }
    return fold;
}

/** The folds of one epoch (`foldidx [meter, channel, period]`): [provider, tariff] pairs, sorted. */
export interface FoldIndex {
    readonly folds: readonly (readonly [string, string])[];
}

function sumSlots(
    g: AnyGroup,
    slots: readonly { slot: number; value: SlotRecord }[],
    ys: readonly bigint[],
): unknown {
    const bytes = new Uint8Array(slots.length * g.elementBytes);
    const w: bigint[] = [];
    slots.forEach((s, i) => {
        bytes.set(hexToBytes(s.value.c), i * g.elementBytes);
        w.push(ys[s.slot] ?? 0n);
    });
    return g.msmVartime(g.decodeMany(bytes, slots.length, 'C'), w);
}

/**
 * Fold newly stored readings into every agreement of their epochs. Called by SubmitReadings with
 * the readings it stored (never resends); costs one point read per epoch (the epoch's fold index,
 * written by {@link startFold}) when nothing is agreed.
 */
export async function foldReadings(
    ctx: Context,
    meter: Meter,
    items: readonly { channel: string; period: string; slot: number; c: string }[],
): Promise<void> {
    const byEpoch = new Map<
        string,
        { channel: string; period: string; slot: number; c: string }[]
    >();
    for (const it of items) {
        const k = `${it.channel}\u0000${it.period}`;
        const list = byEpoch.get(k);
        if (list) list.push(it);
        else byEpoch.set(k, [it]);
    }
    const g = groupByName(meter.group);
    for (const list of byEpoch.values()) {
        const first = list[0];
        if (first === undefined) continue;
        const index = await getJson<FoldIndex>(
            ctx,
            keys.foldIndex(ctx.stub, meter.id, first.channel, first.period),
        );
        if (index === undefined || index.folds.length === 0) continue;
        const folds: { key: string; value: Fold }[] = [];
        for (const [provider, tariff] of index.folds) {
            const key = keys.fold(
                ctx.stub,
                meter.id,
                first.channel,
                first.period,
                provider,
                tariff,
            );
            const value = await getJson<Fold>(ctx, key);
            if (value !== undefined) folds.push({ key, value });
        }
        if (folds.length === 0) continue;
        const bytes = new Uint8Array(list.length * g.elementBytes);
        list.forEach((it, i) => {
            bytes.set(hexToBytes(it.c), i * g.elementBytes);
        });
        const C = g.decodeMany(bytes, list.length, 'C');
        for (const { key, value: f } of folds) {
            const y = decodeRuns(f.y);
            const add = g.msmVartime(
                C,
                list.map((it) => mod(y[it.slot] ?? 0n, g.order)),
            );
            const S = f.S === undefined ? add : g.add(point(g, f.S, 'S'), add);
            await putJson(ctx, key, {
                ...f,
                S: bytesToHex(g.encode(S)),
                count: f.count + list.length,
            } satisfies Fold);
        }
    }
}

/** The stored K_y and S of an agreement, decoded; `count` says how many slots S covers. */
export async function foldedPoints(
    ctx: Context,
    meter: Meter,
    channel: string,
    period: string,
    provider: string,
    tariffId: string,
): Promise<{ K: unknown; S: unknown; count: number } | undefined> {
    const f = await getJson<Fold>(
        ctx,
        keys.fold(ctx.stub, meter.id, channel, period, provider, tariffId),
    );
    if (!f) return undefined;
    const g = groupByName(meter.group);
    return {
        K: point(g, f.K, 'K'),
        S: f.S === undefined ? g.identity : point(g, f.S, 'S'),
        count: f.count,
    };
}
