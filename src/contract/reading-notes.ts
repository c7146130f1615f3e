// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/reading-notes
 * A SubmitReadings batch checked before it executes (issue 11). The two costly checks of
 * `applyReadings` depend only on the batch and three fields of the meter record:
 *
 *   every reading's Ed25519 signature verifies under `signingKey` over
 *   readingPayloads(meter id, readings), and every C_i and C_0 decodes in the meter's `group`.
 *
 * {@link checkReadingBatch} makes exactly those checks, in a worker thread of the embedded engine
 * (ledger/embedded/verify-pool), from the meter record's bytes and the request's `batch` hex.
 * When it answers true the engine's thread calls {@link noteReadingBatch}; when the transaction
 * executes, `applyReadings` asks {@link takeReadingBatch} with the meter record it read itself and
 * skips both checks only if a note matches all four inputs (meter id, key, group, batch) exactly.
 * Each note answers once; anything not noted (refused, never sent, forgotten, or the meter's key
 * changed in between) is checked inline, so a verdict never depends on the notes.
 */
import { verifyEd25519Many } from '../fe/ed25519.js';
import { groupByName } from '../fe/groups.js';
import { lowerHexToBytes } from './hex.js';
import { unmarshal } from './marshal.js';
import { decodeReadingBatch, type BinaryReading } from './reading-batch.js';
import type { Meter } from './records.js';
import { readingPayloads } from './signing.js';
import { hexToBytes } from './validate.js';

/** Every C_i and C_0 of the batch in reading order (C_i, then C_0 if present), and how many. */
export function pointEncodings(
    e: number,
    readings: readonly BinaryReading[],
): { bytes: Uint8Array; count: number } {
    let count = 0;
    for (const r of readings) count += r.c0 === undefined ? 1 : 2;
    const bytes = new Uint8Array(count * e);
    let i = 0;
    for (const r of readings) {
        bytes.set(r.c, e * i++);
        if (r.c0 !== undefined) bytes.set(r.c0, e * i++);
    }
    return { bytes, count };
}

/**
 * Whether every signature of the batch verifies under the meter's key and every point decodes in
 * the meter's group: the checks applyReadings would make, nothing else. `meterRecord` is the
 * stored meter record (marshalled JSON), `batchHex` the request's `batch`. Never throws: anything
 * malformed answers false (the contract then checks inline and refuses with its own message).
 */
export function checkReadingBatch(meterRecord: Uint8Array, batchHex: string): boolean {
    try {
        const meter = unmarshal<Meter>(meterRecord);
        const group = groupByName(meter.group);
        const batch = lowerHexToBytes(batchHex);
        if (batch === undefined) return false;
        const readings = decodeReadingBatch(batch, group.elementBytes);
        const publicKey = hexToBytes(meter.signingKey);
        const messages = readingPayloads(meter.id, readings);
        const ok = verifyEd25519Many(
            readings.map((r, i) => ({
                publicKey,
                message: messages[i] ?? new Uint8Array(0),
                signature: r.sig,
            })),
        );
        if (ok.length !== readings.length || !ok.every((x) => x)) return false;
        const { bytes, count } = pointEncodings(group.elementBytes, readings);
        group.decodeMany(bytes, count, 'c');
        return true;
    } catch {
        return false;
    }
}

/** What a note says passed: the inputs of {@link checkReadingBatch} that the verdict depends on. */
interface Note {
    readonly signingKey: string;
    readonly group: string;
    readonly batch: string;
}

/** Notes by meter id (a meter has few batches in flight). */
const notes = new Map<string, Note[]>();
/** Hex characters of the batches noted and not yet taken. */
let held = 0;
/** Beyond this many waiting hex characters the oldest meter's notes are forgotten (checked inline then). */
const NOTES_MAX_CHARS = 64 << 20;

/**
 * Record that {@link checkReadingBatch} answered true for this meter record's id, key and group and
 * this batch. Call it only with that verdict. Bounded: the oldest notes go first.
 */
export function noteReadingBatch(
    meter: Pick<Meter, 'id' | 'signingKey' | 'group'>,
    batch: string,
): void {
    if (batch.length > NOTES_MAX_CHARS) return;
    while (held + batch.length > NOTES_MAX_CHARS) {
        const oldest = notes.entries().next();
        if (oldest.done === true) break;
        for (const n of oldest.value[1]) held -= n.batch.length;
        notes.delete(oldest.value[0]);
    }
    held += batch.length;
    const note = { signingKey: meter.signingKey, group: meter.group, batch };
    const list = notes.get(meter.id);
    if (list === undefined) notes.set(meter.id, [note]);
    else list.push(note);
}

/**
 * Whether this exact batch was noted as passing for this meter's id, key and group (and forget the
 * note: it answers once).
 */
export function takeReadingBatch(
    meter: Pick<Meter, 'id' | 'signingKey' | 'group'>,
    batch: string,
): boolean {
    const list = notes.get(meter.id);
    if (list === undefined) return false;
    const i = list.findIndex(
        (n) => n.batch === batch && n.signingKey === meter.signingKey && n.group === meter.group,
    );
    if (i < 0) return false;
    held -= batch.length;
    list.splice(i, 1);
    if (list.length === 0) notes.delete(meter.id);
    return true;
}
