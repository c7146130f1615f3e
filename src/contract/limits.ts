// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/limits
 * Argument limits derived from the group and the vector length (issue 9 item 9). An mpk is l group
 * elements: 2976 × 32 bytes for a 31-day month on ristretto255, but 2976 × 384 (ffdhe3072) or
 * × 512 (ffdhe4096), i.e. 2.3–3.1 MB as hex, above the 2 MiB default argument limit. PublishMpk
 * therefore takes an argument as large as the largest mpk any registrable meter can need, and checks
 * the exact bound for the meter's group and period; RegisterMeter refuses a (group, slot length)
 * pair whose longest month would not fit, so every registered meter can publish every month.
 */
import { GROUP_NAMES, groupByName, type AnyGroup } from '../fe/groups.js';
import { ContractError } from './errors.js';

/** Room for the mpk header and its (meter, channel, period) context (3 × (2 + 128) bytes, with margin). */
const MPK_HEADER_BYTES = 512;
/** Room for the JSON around the hex mpk (meter, channel and period ids, field names). */
const JSON_OVERHEAD_BYTES = 1024;
/**
 * Largest PublishMpk argument: 4 MiB envelope of the embedded engine minus room for its framing and
 * signature (Fabric's default gRPC message limit is larger).
 */
export const MPK_ARG_MAX_BYTES = 4 * 1024 * 1024 - 64 * 1024;

/** Most slots a month can have at a slot length: 31 days plus the 25-hour DST day. */
export function maxMonthSlots(slotMinutes: number): number {
    return ((31 * 24 + 1) * 60) / slotMinutes;
}

/** Hex characters of an mpk of `slots` elements of group `g`, header included. */
export function mpkHexLimit(g: AnyGroup, slots: number): number {
    return 2 * (MPK_HEADER_BYTES + slots * g.elementBytes);
}

/**
 * Refuses a meter whose longest month's mpk would not fit in one PublishMpk argument.
 *
 * @throws {ContractError} `BAD_REQUEST` naming the groups that would fit
 * @example
 * ```ts
 * assertMpkFits('ffdhe4096', 15, 'RegisterMeter'); // fits: 2980 × 512 bytes
 * ```
 */
export function assertMpkFits(group: string, slotMinutes: number, what: string): void {
    const fits = (name: string): boolean =>
        mpkHexLimit(groupByName(name), maxMonthSlots(slotMinutes)) + JSON_OVERHEAD_BYTES <=
        MPK_ARG_MAX_BYTES;
    if (!fits(group)) {
        const ok = GROUP_NAMES.filter(fits);
        throw new ContractError(
            'BAD_REQUEST',
            `${what}: with ${slotMinutes}-minute slots an mpk of group ${group} for a 31-day month exceeds ` +
                `${MPK_ARG_MAX_BYTES} bytes; use a longer slot or ${ok.length > 0 ? ok.join(' / ') : 'a smaller group'}`,
        );
    }
}
