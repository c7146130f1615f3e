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
 *
 * Storage (issue 11): the request carries the readings as one binary batch (reading-batch.ts) and
 * the readings live in state as binary chunks of 96 slots (CHUNK_SLOTS) per meter channel and
 * period (`rchunk [meter, channel, period, chunk]`), not as a JSON record per slot. A chunk keeps
 * no signatures: each reading names the transaction that carried it (`tx`), and the signature is
 * read from that transaction by who checks it (roles/signed-readings.ts, docs/SCALE.md §5c).
 */
import type { Context } from 'fabric-contract-api';
import { groupByName } from '../fe/groups.js';
import { FeError } from '../fe/errors.js';
import { ContractError } from './errors.js';
import { keys } from './keys.js';
import type { Meter, MeterSequence, PeriodRecord, SlotRecord } from './records.js';
import {
    type HexReading,
    chunkOf,
    decodeChunk,
    decodeReadingBatch,
    encodeChunk,
    MAX_BATCH,
    type ChunkEntry,
} from './reading-batch.js';
import { STATUS, verifyEd25519Many } from './signing.js';
import { channelOf, getJson, putJson } from './state.js';
import { MAX_ARG_BYTES, unmarshal } from './marshal.js';
import {
    allPointsValid,
    noteReadingBatch,
    signedTriples,
    takeReadingBatch,
} from './reading-notes.js';
import { bytesToHex, hexBytes, id, onlyFields } from './validate.js';
import { meterPeriod } from './weights.js';

export { MAX_BATCH, readingBatchHex } from './reading-batch.js';
/** Most open sequence gaps a meter may have before the contract refuses new readings. */
export const MAX_OPEN_GAPS = 1000;

/** One reading as the roles hold it (hex fields); `readingBatchHex` makes the request's batch of them. */
export type ReadingInput = HexReading;

/**
 * What the 'readings' event carries per newly stored reading: a reference, not a copy. The
 * ciphertexts (C_i, C_0) are in the event's transaction (its SubmitReadings batch) and in state;
 * copying them into the event cost ~7 B per reading on disk (docs/SCALE.md §5c).
 */
export interface ReadingEventItem {
    readonly channel: string;
    readonly period: string;
    readonly slot: number;
    readonly seq: number;
}

/** A newly stored reading as applyReadings returns it: the event item and C_i (for the folds). */
export interface NewReading extends ReadingEventItem {
    readonly c: string;
}

/** Largest hex `batch` argument: {@link MAX_BATCH} readings with C_0 each, of the largest group. */
const MAX_BATCH_BYTES = 3 + MAX_BATCH * (80 + 13 + 2 * 512 + 64);

/** Fabric's composite key form (0x00 type 0x00 attr 0x00 …), for reads outside a transaction. */
const plainKeys = {
    createCompositeKey: (t: string, attrs: string[]): string =>
        `\u0000${t}\u0000${attrs.map((a) => `${a}\u0000`).join('')}`,
};

/**
 * Work a worker thread can do for a transaction before it executes (the embedded engine's
 * `preverify` hook, ledger/embedded/verify-pool): call the export `fn` of the ES module `module`
 * with `input`; when it returns true, the engine's thread calls `onValid`.
 */
export interface PreverifyTask {
    readonly module: string;
    readonly fn: string;
    readonly input: readonly (string | number | Uint8Array)[];
    readonly onValid: () => void;
}

/** Batches shorter than this (hex characters, about 8 readings) are checked inline: a worker round trip costs more. */
const MIN_PREVERIFY_CHARS = 8 * 2 * (64 + 32 + 16);
/** Batches at least this long (about 192 readings) are checked in two parts, by two workers. */
const SPLIT_CHARS = 192 * 2 * (64 + 32 + 16);

/**
 * The checks of a SubmitReadings request that worker threads can make before it executes
 * (contract/reading-notes `checkReadingBatch`: every signature and every point of the batch; a
 * large batch in two parts), for an engine that runs them off its own thread. Reads the meter from
 * `state`; undefined for other transactions, unknown meters, a submitter other than the meter's
 * registered identity, small batches and anything malformed (the contract then checks inline, or
 * refuses, with its own messages).
 */
export function readingPreverify(
    txName: string,
    args: readonly string[],
    state: {
        get(key: string): Uint8Array | undefined;
        readonly creator: { readonly mspId: string; readonly id: string };
    },
): PreverifyTask[] | undefined {
    if (txName !== 'SubmitReadings' && txName !== 'femeter:SubmitReadings') return undefined;
    const arg = args[0];
    if (args.length !== 1 || arg === undefined || arg.length > MAX_ARG_BYTES) return undefined;
    const body = JSON.parse(arg) as { meter?: unknown; batch?: unknown };
    const { meter: meterId, batch } = body;
    if (typeof meterId !== 'string' || typeof batch !== 'string') return undefined;
    if (batch.length < MIN_PREVERIFY_CHARS) return undefined;
    const raw = state.get(keys.meter(plainKeys, meterId));
    if (raw === undefined || raw.length === 0) return undefined;
    const meter = unmarshal<Meter>(raw);
    // only the meter itself may make the workers work (the contract refuses anyone else anyway)
    const { creator } = state;
    if (meter.identity.mspId !== creator.mspId || meter.identity.id !== creator.id)
        return undefined;
    const module = new URL('./reading-notes.js', import.meta.url).href;
    const parts = batch.length >= SPLIT_CHARS ? 2 : 1;
    return Array.from({ length: parts }, (_, part) => ({
        module,
        fn: 'checkReadingBatch',
        input: [raw, batch, part, parts],
        onValid: () => {
            noteReadingBatch(meter, batch, part, parts);
        },
    }));
}

/** The stored readings of an epoch in slot order, as GetReadings returns them. */
export async function listSlots(
    ctx: Context,
    meterId: string,
    channel: string,
    period: string,
    elementBytes?: number,
): Promise<{ slot: number; value: SlotRecord }[]> {
    const it = await ctx.stub.getStateByPartialCompositeKey('rchunk', [meterId, channel, period]);
    const out: { slot: number; value: SlotRecord }[] = [];
    try {
        for (;;) {
            const r = await it.next();
            const kv = r.value as typeof r.value | undefined;
            if (kv) {
                const chunk = Number(ctx.stub.splitCompositeKey(kv.key).attributes[3]);
                const e = elementBytes ?? (await elementBytesOf(ctx, meterId));
                elementBytes = e;
                for (const x of decodeChunk(chunk, kv.value, e))
                    out.push({ slot: x.slot, value: slotRecord(x) });
            }
            if (r.done) break;
        }
    } finally {
        await it.close();
    }
    return out;
}

async function elementBytesOf(ctx: Context, meterId: string): Promise<number> {
    const m = await getJson<Meter>(ctx, keys.meter(ctx.stub, meterId));
    if (m === undefined) throw new ContractError('NOT_FOUND', `meter ${meterId} does not exist`);
    return groupByName(m.group).elementBytes;
}

function slotRecord(x: ChunkEntry): SlotRecord {
    return {
        c: bytesToHex(x.c),
        seq: x.seq,
        status: x.status,
        tx: x.tx,
        ...(x.c0 === undefined ? {} : { c0: bytesToHex(x.c0) }),
    };
}

const sameBytes = (a: Uint8Array | undefined, b: Uint8Array | undefined): boolean => {
    if (a === undefined || b === undefined) return a === b;
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
};

/**
 * Apply a batch; returns the newly stored readings (resends that were no-ops are not repeated)
 * and how many readings the batch held.
 */
export async function applyReadings(
    ctx: Context,
    meter: Meter,
    body: Record<string, unknown>,
): Promise<{ stored: NewReading[]; received: number }> {
    onlyFields(body, ['meter', 'batch'], 'SubmitReadings');
    id(body, 'meter', 'SubmitReadings');
    const group = groupByName(meter.group);
    const e = group.elementBytes;
    const readings = decodeReadingBatch(
        hexBytes(body, 'batch', 'SubmitReadings', undefined, MAX_BATCH_BYTES),
        e,
    );
    // A worker thread may have made both costly checks for exactly this meter key, group and batch
    // (contract/reading-notes); otherwise they run here.
    const noted = takeReadingBatch(meter, body.batch as string);
    const pointsValid = noted || allPointsValid(group, readings);
    // Every signature of the batch at once: ed25519-dalek's batch equation where the native
    // accelerator is loaded (verdicts identical to verifyEd25519 one by one, see fe/ed25519);
    // the loop below still refuses at the first bad reading in order, so errors are unchanged.
    const sigOk = noted
        ? readings.map(() => true)
        : verifyEd25519Many(signedTriples(meter, readings));

    const seqKey = keys.seq(ctx.stub, meter.id);
    const seqState = (await getJson<MeterSequence>(ctx, seqKey)) ?? { last: 0, gaps: [] };
    let last = seqState.last;
    let gaps = seqState.gaps.map((g) => [g[0], g[1]] as [number, number]);
    let seqChanged = false;
    const periods = new Map<string, PeriodRecord>();
    const mpkSeen = new Set<string>();
    /** Chunks read or written in this batch: key → entries by slot, and whether it changed. */
    const chunks = new Map<
        string,
        { chunk: number; slots: Map<number, ChunkEntry>; dirty: boolean }
    >();
    const out: NewReading[] = [];

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

        // signature over exactly what is stored (verdict computed for the whole batch above)
        if (sigOk[i] !== true)
            throw new ContractError(
                'BAD_SIGNATURE',
                `${what}: signature does not verify under meter ${meter.id}'s registered key`,
            );

        // write-once slot
        const { chunk } = chunkOf(r.slot);
        const cKey = keys.readingChunk(ctx.stub, meter.id, r.channel, r.period, chunk);
        let held = chunks.get(cKey);
        if (held === undefined) {
            const bytes = await ctx.stub.getState(cKey);
            const slotsOf = new Map<number, ChunkEntry>();
            if (bytes.length > 0)
                for (const x of decodeChunk(chunk, bytes, e)) slotsOf.set(x.slot, x);
            held = { chunk, slots: slotsOf, dirty: false };
            chunks.set(cKey, held);
        }
        const existing = held.slots.get(r.slot);
        if (existing) {
            if (
                sameBytes(existing.c, r.c) &&
                existing.seq === r.seq &&
                existing.status === r.status &&
                sameBytes(existing.c0, r.c0)
            )
                continue; // identical resend
            throw new ContractError(
                'CONFLICT',
                `${what}: slot already holds another reading (seq ${existing.seq}); slots are write-once`,
            );
        }

        // points (checked here one by one only when the batch check found an invalid one)
        try {
            if (!pointsValid) {
                group.decode(r.c, 'c');
                if (r.c0) group.decode(r.c0, 'c0');
            }
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
        if (period?.c0 !== undefined && r.c0 !== undefined && bytesToHex(r.c0) !== period.c0)
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
            ...(prev.c0 === undefined && r.c0 !== undefined ? { c0: bytesToHex(r.c0) } : {}),
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
        held.slots.set(r.slot, {
            slot: r.slot,
            seq: r.seq,
            status: r.status,
            c: r.c,
            c0: r.c0,
            tx: ctx.stub.getTxID(),
        });
        held.dirty = true;
        out.push({
            channel: r.channel,
            period: r.period,
            slot: r.slot,
            seq: r.seq,
            c: bytesToHex(r.c),
        });
    }
    for (const [k, v] of chunks)
        if (v.dirty) await ctx.stub.putState(k, encodeChunk(v.chunk, [...v.slots.values()], e));
    for (const [k, v] of periods) await putJson(ctx, k, v);
    if (seqChanged) await putJson(ctx, seqKey, { last, gaps });
    return { stored: out, received: readings.length };
}
