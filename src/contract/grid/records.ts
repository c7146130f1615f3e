// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/grid/records
 * Records of grid aggregation (issue 14, docs/GRID.md) and their state keys. An aggregation epoch
 * is (group, channel, epoch = period id); its MCFE labels are (group, channel, epoch, slot start).
 *
 *   agggroup   [group, channel, epoch]               AggregationGroup (write-once)
 *   aggmember  [channel, epoch, meter]               AggregationMembership (one group per meter, channel, epoch)
 *   aggconsent [group, channel, epoch, meter]        AggregationConsent (allowed or refused, write-once)
 *   aggshare   [group, channel, epoch, meter]        AggregationShare (sealed key share, commitment)
 *   aggct      [group, channel, epoch, slot, meter]  AggregateCiphertext (write-once per member and label)
 *   aggsum     [group, channel, epoch, slot]         AggregateResult (posted sum with its proof)
 */
import type { AggregateGuardCode } from '../../fe/aggregate-guard.js';
import type { GroupName } from '../../fe/group.js';
import { pad, type KeyBuilder } from '../keys.js';

/** How slot labels are formed: the slot's start instant, ISO 8601 UTC to the second. */
export const LABEL_SCHEME = 'slot-start/v1';

/** An aggregation group of one channel and epoch, registered by a grid operator. */
export interface AggregationGroup {
    readonly id: string;
    readonly gridOperator: string;
    readonly channel: string;
    /** Period id (YYYY-MM): the MCFE key epoch. */
    readonly epoch: string;
    /** Member meter ids in canonical order (fe/mcfe checkMembers). */
    readonly members: readonly string[];
    /** Distinct households (meter owners) among the members. */
    readonly households: number;
    /** Minimum number of households (default 10, never below 5). */
    readonly minMembers: number;
    readonly group: GroupName;
    readonly slotMinutes: number;
    readonly timeZone: string;
    readonly slots: number;
    readonly labelScheme: typeof LABEL_SCHEME;
    /** fe/mcfe rosterDigest of (group, channel, epoch, members), hex. */
    readonly roster: string;
    /** Largest value a member encrypts per slot (the largest maxPerSlot of the members). */
    readonly maxPerSlot: number;
    readonly registeredAt: string;
    readonly txId: string;
}

export interface AggregationMembership {
    readonly group: string;
}

/** A household's decision on one group epoch, submitted (and so signed) by the meter's owner. */
export interface AggregationConsent {
    readonly group: string;
    readonly channel: string;
    readonly epoch: string;
    readonly meter: string;
    readonly customer: string;
    readonly decision: 'allowed' | 'refused';
    readonly reason: string;
    /** The member's DH public key for the pairwise masks (fe/dmcfe-keygen), hex; allowed only. */
    readonly dhPublicKey?: string;
    /** The aggregate guard's verdict on the group, re-run by the contract. */
    readonly guard: { readonly code: AggregateGuardCode; readonly reason: string };
    readonly at: string;
    readonly txId: string;
}

/** A member's key share, HPKE-sealed to the grid operator, with its public commitment d_i·G. */
export interface AggregationShare {
    readonly group: string;
    readonly channel: string;
    readonly epoch: string;
    readonly meter: string;
    /** hex(enc ‖ ciphertext) of the fe/mcfe-codec key share; only the grid operator can open it. */
    readonly sealedShare: string;
    /** (d_{i,1}·G, d_{i,2}·G), hex elements: they add up to the key commitment of fe/aggregate-proof. */
    readonly commitment: readonly [string, string];
    readonly publishedAt: string;
    readonly txId: string;
}

/** One member's MCFE ciphertext of one label, signed by its meter. */
export interface AggregateCiphertext {
    readonly c: string;
    readonly status: number;
    readonly sig: string;
}

/** A posted slot aggregate. */
export interface AggregateResult {
    readonly group: string;
    readonly channel: string;
    readonly epoch: string;
    readonly slot: number;
    /** The MCFE label's slot part (slot start). */
    readonly label: string;
    /** Σ of the members' values in the channel unit, decimal. */
    readonly m: string;
    /** fe/aggregate-proof, hex. */
    readonly proof: string;
    readonly members: number;
    /** Members whose reading of this slot carries status bits (clock unsynced, catch-up, substitute). */
    readonly statuses: readonly { readonly meter: string; readonly status: number }[];
    readonly postedAt: string;
    readonly txId: string;
}

export const gridKeys = {
    group: (s: KeyBuilder, g: string, c: string, e: string) =>
        s.createCompositeKey('agggroup', [g, c, e]),
    member: (s: KeyBuilder, c: string, e: string, m: string) =>
        s.createCompositeKey('aggmember', [c, e, m]),
    consent: (s: KeyBuilder, g: string, c: string, e: string, m: string) =>
        s.createCompositeKey('aggconsent', [g, c, e, m]),
    share: (s: KeyBuilder, g: string, c: string, e: string, m: string) =>
        s.createCompositeKey('aggshare', [g, c, e, m]),
    ct: (s: KeyBuilder, g: string, c: string, e: string, slot: number, m: string) =>
        s.createCompositeKey('aggct', [g, c, e, pad(slot, 5), m]),
    sum: (s: KeyBuilder, g: string, c: string, e: string, slot: number) =>
        s.createCompositeKey('aggsum', [g, c, e, pad(slot, 5)]),
};
