// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/records
 * The records the contract keeps in world state (DESIGN.md §4–§5). All are stored through
 * {@link marshal} (canonical JSON); bytes are lower-case hex, big numbers decimal strings, times
 * ISO 8601 from the transaction timestamp.
 */
import type { GroupName } from '../fe/group.js';
import type { KeySetCode, KeySetMethod } from '../fe/guard.js';

export const ROLES = [
    'operator',
    'customer',
    'provider',
    'auditor',
    'indexPublisher',
    'gridOperator',
    'surveyor',
] as const;
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
    /** Providers, grid operators and surveyors: X25519 public key (hex) that functional keys or key shares are encrypted to (HPKE, RFC 9180). */
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
    /** Set when the customer replaced the sealed key (a second AcceptTariff for the same agreement). */
    readonly keyReplacedAt?: string;
}

export interface Consent {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    readonly provider: string;
    readonly tariffId: string;
    readonly tariffVersion: number;
    /** "replaced": the customer re-issued the sealed key of an existing agreement (same weights). */
    readonly decision: 'allowed' | 'refused' | 'replaced';
    readonly reason: string;
    /** The guard's verdict on the epoch's whole key set, k taken from the ledger configuration. */
    readonly guard: ConsentGuard;
    readonly at: string;
    readonly txId: string;
}

/** What the consent record keeps of the guard's verdict (fe/guard `guardKeySet`). */
export interface ConsentGuard {
    readonly k: number;
    /** The verdict's code, or "customer" for a refusal the customer recorded without a verdict. */
    readonly code: KeySetCode | 'customer' | 'unchanged';
    readonly method?: KeySetMethod;
    /** Span dimension of the key set (absent when the class rule decided). */
    readonly rank?: number;
    /** Smallest support of a non-zero span vector (exact or a proven lower bound, see `minSupportExact`). */
    readonly minSupport?: number;
    readonly minSupportExact?: boolean;
    /** Number of keys (agreements) in the set judged, the candidate included. */
    readonly keys?: number;
}

/** The ledger-wide configuration written by Bootstrap. */
export interface LedgerConfig {
    readonly operator: string;
    /** The privacy guard's k (minimum support of any key combination), ≥ 4; default 96. */
    readonly guardK: number;
}

/** A price series id and the index publisher that registered it: nobody else may publish it. */
export interface SeriesOwner {
    readonly id: string;
    readonly publisher: string;
    readonly registeredAt: string;
}

/**
 * Per agreement, what bill verification needs in O(1) (issue 11): the weights (run-length
 * encoded), K_y = Σ y_i·H_i computed once at acceptance, and S = Σ y_i·C_i over the stored
 * slots, folded as readings arrive (the slots stored before acceptance are folded at acceptance).
 */
export interface Fold {
    /** Weights as runs [weight (decimal), count]. */
    readonly y: readonly (readonly [string, number])[];
    /** K_y, encoded group element, hex. */
    readonly K: string;
    /** Σ y_i·C_i over the folded slots, hex; absent while no slot is folded. */
    readonly S?: string;
    /** Number of slots folded into S. */
    readonly count: number;
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
    /**
     * Id of the transaction whose SubmitReadings batch carried this reading (and its signature,
     * which state does not keep: roles/signed-readings.ts `signedReadings` fetches it).
     */
    readonly tx: string;
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

/**
 * A researcher's request for one aggregate of a meter channel period (`./survey.ts`), with the
 * customer's decision once made. The weights are derived on the ledger from `spec`.
 */
export interface Survey {
    readonly id: string;
    readonly requester: string;
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    /** The validated weight spec (`./survey-spec.ts`). */
    readonly spec: Record<string, unknown>;
    readonly purpose: string;
    readonly requestedAt: string;
    readonly status: 'open' | 'accepted' | 'refused';
    /** SHA-256 of the weight vector (i64 big-endian per slot), hex. */
    readonly weightsDigest: string;
    /** HPKE-sealed functional key for the requester, hex (accepted surveys). */
    readonly encryptedKey?: string;
    /** The customer's decision with the guard's verdict on the epoch's key set. */
    readonly decision?: {
        readonly reason: string;
        readonly guard: ConsentGuard;
        readonly at: string;
        readonly txId: string;
    };
}
