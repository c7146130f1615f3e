// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/signed-readings
 * A period's stored readings with the meter's signatures (issue 11, docs/SCALE.md §5c). State keeps
 * no signatures: each reading GetReadings returns names the transaction that carried it (`tx`), and
 * the signature is read from that transaction's SubmitReadings batch, fetched once per distinct
 * transaction through {@link LedgerClient.getCommittedTransaction}. A reading whose transaction is
 * missing, is not a valid SubmitReadings of this meter, or does not carry that reading with the same
 * slot, seq, status, C_i and C_0 is refused, named. Callers that need only the ciphertexts
 * (provider, surveyor, grid) use GetReadings alone.
 */
import { decodeReadingBatch, type BinaryReading, type Meter } from '../contract/index.js';
import { groupByName } from '../fe/groups.js';
import type { CommittedTransaction } from '../ledger/index.js';
import type { FemeterApi, StoredReading } from './api.js';
import { RoleError } from './errors.js';

/** A stored reading with the signature its transaction carried (lower-case hex). */
export interface SignedReading extends StoredReading {
    readonly sig: string;
}

/** One reading whose signature could not be taken from its transaction, and why. */
export interface ReadingProvenanceProblem {
    readonly slot: number;
    readonly tx: string;
    readonly reason: string;
}

/** Readings whose transaction does not carry them (see {@link ReadingProvenanceProblem}). */
export class ReadingProvenanceError extends RoleError {
    readonly problems: readonly ReadingProvenanceProblem[];
    constructor(where: string, problems: readonly ReadingProvenanceProblem[]) {
        const first = problems[0];
        super(
            'READING_PROVENANCE',
            `${where}: ${problems.length} stored reading(s) not carried by their transaction` +
                (first === undefined ? '' : `, first slot ${first.slot}: ${first.reason}`) +
                '; the ledger state or its transactions were altered: audit the ledger (femeter verify)',
        );
        this.problems = problems;
    }
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const slotKey = (channel: string, period: string, slot: number): string =>
    `${channel}\u0000${period}\u0000${slot}`;
const SUBMIT = new Set(['SubmitReadings', 'femeter:SubmitReadings']);

/** The readings a transaction carried for `meter`, or why it cannot have carried any. */
function batchOf(
    tx: CommittedTransaction | undefined,
    meter: Meter,
): { readings: Map<string, BinaryReading> } | { reason: string } {
    if (tx === undefined) return { reason: 'no committed valid transaction with this id' };
    if (!SUBMIT.has(tx.txName) || tx.args.length !== 1)
        return { reason: `transaction is a ${tx.txName.slice(0, 64)}, not a SubmitReadings` };
    let body: { meter?: unknown; batch?: unknown };
    try {
        body = JSON.parse(tx.args[0] ?? '') as typeof body;
    } catch {
        return { reason: 'transaction argument is not JSON' };
    }
    if (body.meter !== meter.id)
        return { reason: `transaction submitted readings of another meter` };
    if (typeof body.batch !== 'string' || !/^(?:[0-9a-f]{2})+$/.test(body.batch))
        return { reason: 'transaction batch is not lower-case hex' };
    try {
        const rs = decodeReadingBatch(
            Buffer.from(body.batch, 'hex'),
            groupByName(meter.group).elementBytes,
        );
        return { readings: new Map(rs.map((x) => [slotKey(x.channel, x.period, x.slot), x])) };
    } catch (e) {
        return { reason: `transaction batch does not decode: ${(e as Error).message}` };
    }
}

/**
 * The readings a committed SubmitReadings of `meter` carried, by channel, period and slot (what a
 * 'readings' event's items refer to); undefined when the transaction is missing or is not a valid
 * SubmitReadings of that meter.
 * @example const carried = await transactionReadings(api, meter, event.transactionId);
 */
export async function transactionReadings(
    api: FemeterApi,
    meter: Meter,
    transactionId: string,
): Promise<
    { get(channel: string, period: string, slot: number): BinaryReading | undefined } | undefined
> {
    const b = batchOf(await api.client.getCommittedTransaction(transactionId), meter);
    if ('reason' in b) return undefined;
    return { get: (channel, period, slot) => b.readings.get(slotKey(channel, period, slot)) };
}

/**
 * Match stored readings with their transactions' batches: the signed readings, and every reading
 * that could not be matched (for an auditor that lists findings instead of stopping at the first).
 * Each distinct transaction is fetched once.
 * @example const { readings, problems } = await matchSignatures(api, meter, 'import', '2024-03', stored);
 */
export async function matchSignatures(
    api: FemeterApi,
    meter: Meter,
    channel: string,
    period: string,
    stored: readonly StoredReading[],
): Promise<{ readings: SignedReading[]; problems: ReadingProvenanceProblem[] }> {
    const batches = new Map<string, ReturnType<typeof batchOf>>();
    for (const r of stored)
        if (!batches.has(r.tx))
            batches.set(
                r.tx,
                batchOf(
                    typeof r.tx === 'string' && /^[0-9a-f]{64}$/.test(r.tx)
                        ? await api.client.getCommittedTransaction(r.tx)
                        : undefined,
                    meter,
                ),
            );
    const readings: SignedReading[] = [];
    const problems: ReadingProvenanceProblem[] = [];
    for (const r of stored) {
        const b = batches.get(r.tx);
        if (b === undefined || 'reason' in b) {
            problems.push({ slot: r.slot, tx: r.tx, reason: b?.reason ?? 'no transaction' });
            continue;
        }
        const carried = b.readings.get(slotKey(channel, period, r.slot));
        if (carried === undefined) {
            problems.push({
                slot: r.slot,
                tx: r.tx,
                reason: `transaction carries no reading of ${channel} ${period} slot ${r.slot}`,
            });
            continue;
        }
        const c0 = carried.c0 === undefined ? undefined : hex(carried.c0);
        if (
            carried.seq !== r.seq ||
            carried.status !== r.status ||
            hex(carried.c) !== r.c ||
            c0 !== r.c0
        ) {
            problems.push({
                slot: r.slot,
                tx: r.tx,
                reason: 'the transaction carried this slot with another seq, status, C_i or C_0',
            });
            continue;
        }
        readings.push({ ...r, sig: hex(carried.sig) });
    }
    return { readings, problems };
}

/**
 * A period's stored readings (GetReadings) with each one's signature from the transaction that
 * carried it. Refuses, naming the readings, when any is not carried by its transaction. The
 * signatures are not verified here: the caller verifies them over the stored ciphertexts (the
 * auditor does).
 * @throws {ReadingProvenanceError} a reading's transaction is missing, is not a valid SubmitReadings
 *   of this meter, or does not carry that reading identically
 * @example const rs = await signedReadings(api, meter, 'import', '2024-03');
 */
export async function signedReadings(
    api: FemeterApi,
    meter: Meter,
    channel: string,
    period: string,
): Promise<SignedReading[]> {
    const stored = await api.getReadings(meter.id, channel, period);
    const { readings, problems } = await matchSignatures(api, meter, channel, period, stored);
    if (problems.length > 0)
        throw new ReadingProvenanceError(`${meter.id}/${channel}/${period}`, problems);
    return readings;
}
