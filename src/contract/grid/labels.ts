// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/grid/labels
 * What a grid label is and what a meter signs with an aggregate ciphertext. Shared by the contract
 * and the roles so both compute the same bytes.
 *
 *   label slot:  ISO 8601 UTC start of the slot, to the second ("2024-03-01T00:15:00Z" style)
 *   signature:   ("femeter/v1/aggregate-ct", group, channel, epoch, slot index, label slot, meter, c, status)
 */
import { encodeTuple } from '../../fe/kdf.js';
import type { McfeLabel } from '../../fe/mcfe.js';
import { periodSlots } from '../tariff/index.js';

/** The labeller of a group epoch's slot grid: slot index → the slot part of its label (slot start). */
export function slotLabeler(g: {
    readonly epoch: string;
    readonly timeZone: string;
    readonly slotMinutes: number;
}): (slot: number) => string {
    const { startMs } = periodSlots(g.epoch, g.timeZone, g.slotMinutes);
    const step = g.slotMinutes * 60_000;
    return (slot) => new Date(startMs + slot * step).toISOString().replace('.000Z', 'Z');
}

/** The labeller of a group epoch: slot index → its MCFE label (group, channel, epoch, slot start). */
export function aggregateLabeler(g: {
    readonly id: string;
    readonly channel: string;
    readonly epoch: string;
    readonly timeZone: string;
    readonly slotMinutes: number;
}): (slot: number) => McfeLabel {
    const at = slotLabeler(g);
    return (slot) => ({ aggregate: g.id, channel: g.channel, epoch: g.epoch, slot: at(slot) });
}

/** The bytes a meter signs with its aggregate ciphertext of one slot. */
export function aggregateCiphertextPayload(r: {
    group: string;
    channel: string;
    epoch: string;
    slot: number;
    label: string;
    meter: string;
    c: Uint8Array;
    status: number;
}): Uint8Array {
    return encodeTuple([
        'femeter/v1/aggregate-ct',
        r.group,
        r.channel,
        r.epoch,
        String(r.slot),
        r.label,
        r.meter,
        r.c,
        String(r.status),
    ]);
}
