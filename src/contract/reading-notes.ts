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
 * (ledger/embedded/verify-pool), from the meter record's bytes and the request's `batch` hex; a
 * large batch is cut into parts, one worker each. When a part passes, the engine's thread calls
 * {@link noteReadingBatch}; when the transaction executes, `applyReadings` asks
 * {@link takeReadingBatch} with the meter record it read itself and skips both checks only if
 * every part is noted for all four inputs (meter id, key, group, batch) exactly.
 * Each note answers once; anything not noted (refused, never sent, forgotten, or the meter's key
 * changed in between) is checked inline, so a verdict never depends on the notes.
 */
import { verifyEd25519Many, type Ed25519Triple } from '../fe/ed25519.js';
import { groupByName, type AnyGroup } from '../fe/groups.js';
import { lowerHexToBytes } from './hex.js';
import { unmarshal } from './marshal.js';
import { decodeReadingBatch, type BinaryReading } from './reading-batch.js';
import type { Meter } from './records.js';
import { readingPayloads } from './signing.js';
import { hexToBytes } from './validate.js';

/** Each reading's Ed25519 check: the meter's key, the payload it signed, its signature. */
export function signedTriples(
    meter: Pick<Meter, 'id' | 'signingKey'>,
    readings: readonly BinaryReading[],
): Ed25519Triple[] {
    const publicKey = hexToBytes(meter.signingKey);
    const messages = readingPayloads(meter.id, readings);
    return readings.map((r, i) => ({
        publicKey,
        message: messages[i] ?? new Uint8Array(0),
        signature: r.sig,
    }));
}

/**
 * Whether every C_i and C_0 of the readings decodes (in reading order: C_i, then C_0 if present),
 * in one `decodeMany` call (one native call with the accelerator). When false, applyReadings
 * checks the readings one by one, in order, so its refusal names the first bad reading.
 */
export function allPointsValid(group: AnyGroup, readings: readonly BinaryReading[]): boolean {
    const e = group.elementBytes;
    let count = 0;
    for (const r of readings) count += r.c0 === undefined ? 1 : 2;
    if (count === 0) return true;
    const bytes = new Uint8Array(count * e);
    let i = 0;
    for (const r of readings) {
        bytes.set(r.c, e * i++);
        if (r.c0 !== undefined) bytes.set(r.c0, e * i++);
    }
    try {
        group.decodeMany(bytes, count, 'c');
        return true;
    } catch {
        return false;
    }
}

/** Most parts a batch's check may be split into (one worker each). */
export const MAX_PARTS = 16;

/**
 * Whether every signature of the batch verifies under the meter's key and every point decodes in
 * the meter's group: the checks applyReadings would make, nothing else. `meterRecord` is the
 * stored meter record (marshalled JSON), `batchHex` the request's `batch`. With `parts` > 1 only
 * the readings of part `part` (a contiguous range, the batch cut into `parts` nearly equal runs)
 * are checked, so several workers can share one batch. Never throws: anything malformed answers
 * false (the contract then checks inline and refuses with its own message).
 */
export function checkReadingBatch(
    meterRecord: Uint8Array,
    batchHex: string,
    part = 0,
    parts = 1,
): boolean {
    try {
        if (!validPart(part, parts)) return false;
        const meter = unmarshal<Meter>(meterRecord);
        const group = groupByName(meter.group);
        const batch = lowerHexToBytes(batchHex);
        if (batch === undefined) return false;
        const all = decodeReadingBatch(batch, group.elementBytes);
        const readings = all.slice(
            Math.floor((all.length * part) / parts),
            Math.floor((all.length * (part + 1)) / parts),
        );
        const ok = verifyEd25519Many(signedTriples(meter, readings));
        return (
            ok.length === readings.length && ok.every((x) => x) && allPointsValid(group, readings)
        );
    } catch {
        return false;
    }
}

const validPart = (part: number, parts: number): boolean =>
    Number.isSafeInteger(part) &&
    Number.isSafeInteger(parts) &&
    parts >= 1 &&
    parts <= MAX_PARTS &&
    part >= 0 &&
    part < parts;

/** What notes say passed: the inputs the verdicts depend on, and which parts passed so far. */
interface Note {
    readonly signingKey: string;
    readonly group: string;
    readonly batch: string;
    readonly parts: number;
    /** Bit i set: part i passed. */
    done: number;
}

/** Notes by meter id (a meter has few batches in flight). */
const notes = new Map<string, Note[]>();
/** Hex characters of the batches noted and not yet taken. */
let held = 0;
/** Beyond this many waiting hex characters the oldest meter's notes are forgotten (checked inline then). */
const NOTES_MAX_CHARS = 64 << 20;

/**
 * Record that {@link checkReadingBatch} answered true for this meter record's id, key and group,
 * this batch and part `part` of `parts`. Call it only with that verdict. Bounded: the oldest
 * notes go first.
 */
export function noteReadingBatch(
    meter: Pick<Meter, 'id' | 'signingKey' | 'group'>,
    batch: string,
    part = 0,
    parts = 1,
): void {
    if (!validPart(part, parts) || batch.length > NOTES_MAX_CHARS) return;
    const bit = 2 ** part;
    const list = notes.get(meter.id);
    // a part joins a note of the same inputs still missing it (identical inputs, identical verdicts)
    const open = list?.find(
        (n) =>
            n.parts === parts &&
            (n.done & bit) === 0 &&
            n.batch === batch &&
            n.signingKey === meter.signingKey &&
            n.group === meter.group,
    );
    if (open !== undefined) {
        open.done |= bit;
        return;
    }
    while (held + batch.length > NOTES_MAX_CHARS) {
        const oldest = notes.entries().next();
        if (oldest.done === true) break;
        for (const n of oldest.value[1]) held -= n.batch.length;
        notes.delete(oldest.value[0]);
    }
    held += batch.length;
    const note = { signingKey: meter.signingKey, group: meter.group, batch, parts, done: bit };
    const now = notes.get(meter.id);
    if (now === undefined) notes.set(meter.id, [note]);
    else now.push(note);
}

/**
 * Whether this exact batch was noted as passing, every part of it, for this meter's id, key and
 * group (and forget the note: it answers once).
 */
export function takeReadingBatch(
    meter: Pick<Meter, 'id' | 'signingKey' | 'group'>,
    batch: string,
): boolean {
    const list = notes.get(meter.id);
    if (list === undefined) return false;
    const i = list.findIndex(
        (n) =>
            n.done === 2 ** n.parts - 1 &&
            n.batch === batch &&
            n.signingKey === meter.signingKey &&
            n.group === meter.group,
    );
    if (i < 0) return false;
    held -= batch.length;
    list.splice(i, 1);
    if (list.length === 0) notes.delete(meter.id);
    return true;
}
