// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/records
 * The records the contract keeps in world state (DESIGN.md §4–§5). All are stored through
 * {@link marshal} (canonical JSON); bytes are lower-case hex, big numbers decimal strings, times
 * ISO 8601 from the transaction timestamp.
 */
import type { GroupName } from '../fe/group.js';
import type { GuardMode } from '../fe/guard.js';

export const ROLES = ['operator', 'customer', 'provider', 'auditor', 'indexPublisher'] as const;
export type Role = (typeof ROLES)[number];

/** A ledger identity as the engine reports it (Fabric: MSP id + X.509 id; embedded: MSP id + ed25519::key). */
export interface LedgerIdentity {
    readonly mspId: string;
    readonly id: string;
}

/** Who an identity is. */
export interface IdentityRef {
    readonly kind: 'party' | 'meter';
    readonly id: string;
}

export interface Party {
    readonly id: string;
    readonly role: Role;
    readonly name: string;
    readonly identity: LedgerIdentity;
    /** Providers: X25519 public key (hex) that functional keys are encrypted to (HPKE, RFC 9180). */
    readonly hpkePublicKey?: string;
    readonly registeredAt: string;
}

export const MEDIA = ['electricity', 'gas', 'water', 'heat'] as const;
export const UNITS = ['Wh', 'dm3', 'J'] as const;

export interface MeterChannel {
    /** OBIS code, e.g. "1-0:1.8.0" (import) or "1-0:2.8.0" (export). */
    readonly id: string;
    readonly unit: (typeof UNITS)[number];
    readonly medium: (typeof MEDIA)[number];
}

export interface Meter {
    readonly id: string;
    /** Customer party id. */
    readonly owner: string;
    readonly identity: LedgerIdentity;
    /** Ed25519 public key (hex) the meter signs readings with. */
    readonly signingKey: string;
    readonly channels: readonly MeterChannel[];
    readonly slotMinutes: number;
    /** Largest reading per slot (B_x), in the channel unit. */
    readonly maxPerSlot: number;
    readonly timeZone: string;
    readonly software: { readonly id: string; readonly digest: string };
    readonly group: GroupName;
    readonly registeredAt: string;
}

export interface MpkRecord {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    readonly group: GroupName;
    readonly slots: number;
    /** Serialized mpk (fe/codec), hex. */
    readonly mpk: string;
    /** SHA-256 of the serialized mpk, hex. */
    readonly digest: string;
    readonly publishedAt: string;
}

export interface MpkAck {
    readonly digest: string;
    readonly signature: string;
    readonly at: string;
}

export interface TariffRecord {
    readonly id: string;
    readonly version: number;
    readonly provider: string;
    /** The validated tariff document. */
    readonly doc: Record<string, unknown>;
    readonly digest: string;
    readonly publishedAt: string;
}

export interface SeriesRecord {
    readonly id: string;
    readonly period: string;
    readonly startMs: number;
    readonly intervalMinutes: 60 | 15;
    readonly prices: readonly number[];
    readonly publisher: string;
    readonly digest: string;
    readonly publishedAt: string;
}

export interface Agreement {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    readonly provider: string;
    readonly tariffId: string;
    readonly tariffVersion: number;
    /** SHA-256 of the weight vector (i64 big-endian per slot), hex. */
    readonly weightsDigest: string;
    /** HPKE-sealed functional key for the provider, hex (enc ‖ ciphertext as produced by the customer). */
    readonly encryptedKey: string;
    readonly agreedAt: string;
    readonly txId: string;
}

export interface Consent {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    readonly provider: string;
    readonly tariffId: string;
    readonly tariffVersion: number;
    readonly decision: 'allowed' | 'refused';
    readonly reason: string;
    readonly guard: { readonly mode: GuardMode; readonly k: number; readonly code: string };
    readonly at: string;
    readonly txId: string;
}

export interface MeterSequence {
    /** Highest sequence number accepted. */
    readonly last: number;
    /** Sequence numbers skipped so far ([from, to] inclusive), filled when late readings arrive. */
    readonly gaps: readonly (readonly [number, number])[];
}

export interface PeriodRecord {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    readonly slots: number;
    readonly c0?: string;
    readonly count: number;
    readonly closed: boolean;
    readonly digest?: string;
    readonly closedAt?: string;
    /** Readings with each status bit, and readings that arrived after a sequence gap. */
    readonly flags: {
        readonly unsynced: number;
        readonly catchUp: number;
        readonly substitute: number;
        readonly afterGap: number;
        readonly lateFilled: number;
    };
}

export interface SlotRecord {
    readonly c: string;
    readonly seq: number;
    readonly status: number;
    readonly sig: string;
    /** The C_0 this reading carried (the first reading of its period signs C_0 with it). */
    readonly c0?: string;
}

export interface Bill {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    readonly provider: string;
    readonly tariffId: string;
    readonly tariffVersion: number;
    /** The billed value <x, y> in the tariff's unit (Wh for the energy function). */
    readonly m: string;
    readonly proof: string;
    readonly slots: number;
    readonly flags: PeriodRecord['flags'];
    readonly postedAt: string;
    readonly txId: string;
}
