// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/types
 * What every interval source yields: the energy of one slot, as a register delta in Wh, with the
 * status flags DESIGN.md §4 asks a meter to report. After a power loss the meter books the whole
 * register delta in the first slot after it resumes (`catchUp`); the slots it missed carry 0 Wh
 * and `powerLoss`, so every slot of a period has a value and the slots still add up to the
 * register difference. {@link assignSlots} maps readings onto the slots of a billing period.
 */

import { slotOfInstant, type BillingPeriod } from '../../../contract/tariff/index.js';
import { SourceError } from './errors.js';

/** Energy of one slot. */
export interface IntervalEnergy {
    /** Slot start, UTC epoch ms. */
    readonly startMs: number;
    /** Energy in Wh (≥ 0). */
    readonly wh: bigint;
    /** The slot books energy of earlier slots lost to a power failure. */
    readonly catchUp: boolean;
    /** The meter was off during this slot: 0 Wh here, the energy follows in the catch-up slot. */
    readonly powerLoss: boolean;
}

/** An interval energy placed in a billing period. */
export interface SlotEnergy extends IntervalEnergy {
    /** Slot index in the period. */
    readonly slot: number;
}

/**
 * The readings that fall into a billing period, with their slot indices.
 * @param readings - interval energies (any order).
 * @param period - the billing period; its slot length must equal the readings' interval.
 * @returns the readings inside the period, sorted by slot.
 * @throws {SourceError} when a reading inside the period does not start on one of its slot boundaries,
 *   or two readings claim the same slot.
 * @example
 * assignSlots(readCsvSource(text, { mode: 'register' }), periodSlots('2024-03'));
 */
export function assignSlots(
    readings: readonly IntervalEnergy[],
    period: BillingPeriod,
): SlotEnergy[] {
    const stepMs = period.intervalMinutes * 60_000;
    const out: SlotEnergy[] = [];
    const seen = new Set<number>();
    for (const r of readings) {
        if (r.startMs < period.startMs || r.startMs >= period.endMs) continue;
        if ((r.startMs - period.startMs) % stepMs !== 0) {
            throw new SourceError(
                'SOURCE_SLOTS',
                `reading at ${new Date(r.startMs).toISOString()} is not on a ${period.intervalMinutes}-minute slot boundary of period ${period.periodId}`,
            );
        }
        const slot = slotOfInstant(period, r.startMs);
        if (seen.has(slot)) {
            throw new SourceError(
                'SOURCE_SLOTS',
                `two readings for slot ${slot} of period ${period.periodId}`,
            );
        }
        seen.add(slot);
        out.push(Object.freeze({ ...r, slot }));
    }
    return out.sort((a, b) => a.slot - b.slot);
}
