// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/mcfe
 * Multi-client inner-product functional encryption with labels, DDH variant, of Chotard, Dufour Sans,
 * Gay, Phan and Pointcheval, "Decentralized Multi-Client Functional Encryption for Inner Product",
 * ASIACRYPT 2018 (https://eprint.iacr.org/2017/989), its DDH-based MCFE (no pairings), written once
 * against {@link Group}; ristretto255 is the default group. Members are the households of one
 * aggregation group; each encrypts its own slot values, and a key for weights y opens only
 * Σ y_i·x_{i,ℓ} per label ℓ, never a single x_{i,ℓ} (for y allowed by ./aggregate-guard.ts):
 *
 *   Epoch:       (aggregate, channel, epoch): members, keys and labels of one aggregation period
 *   Roster:      ρ = TupleHash(aggregate, channel, epoch, members in canonical order) (32 bytes)
 *   Client key:  s_i = KDF(root seed of household i; aggregate, channel, epoch, ρ, member i) ∈ Z_q^2
 *   Label:       ℓ = (aggregate, channel, epoch, slot start),  u_ℓ = H(ℓ) ∈ G^2 (./hash-to-group.ts)
 *   Enc:         c_{i,ℓ} = <s_i, u_ℓ> + x_{i,ℓ}·G = s_{i,1}·u_{ℓ,1} + s_{i,2}·u_{ℓ,2} + x_{i,ℓ}·G
 *   KeyDer(y):   dk_y = Σ_i y_i·s_i ∈ Z_q^2   (centrally here; decentralised in ./dmcfe-keygen.ts)
 *   Dec:         D = Σ_i y_i·c_{i,ℓ} − <dk_y, u_ℓ> = (Σ_i y_i·x_{i,ℓ})·G,  m = dlog_G(D), |m| <= Σ|y_i|·B_x
 *
 * Labels are known in advance, so a meter precomputes the pads <s_i, u_ℓ> of a period's slots at
 * period open (two hashes to the group and two multiplications per slot) as it does the IPFE pads;
 * a slot then costs one small fixed-base multiplication and one addition.
 *
 * Security (CDGPP18): IND-security under DDH in the random-oracle model against static
 * corruptions, for the sums the issued keys define, in their model where the adversary obtains a
 * ciphertext of every member for each label it attacks (the "complete queries" restriction that
 * the second compiler of Abdalla et al., PKC 2019, removes at extra cost; not applied here — the
 * contract should treat a slot whose group is incomplete as not decryptable, as the issue asks).
 * What that means here:
 * - One value per (member, label). Encryption is deterministic, so a resent slot is byte-identical;
 *   two DIFFERENT ciphertexts of one member under one label reveal x − x' (c − c' = (x − x')·G).
 *   Whoever stores ciphertexts (the contract) must refuse a second, different ciphertext for a
 *   (member, label) — corrections need a new label, never a re-encryption.
 * - Each epoch AND roster has its own s_i. With one s_i for two member sets A and A\{j} (another
 *   epoch, or a re-registration), dk_A − dk_{A\{j}} would be s_j itself and open every value of j.
 *   Binding s_i to ρ makes a key for any other member set useless against ciphertexts made under
 *   this roster, and a household makes a key share only for the all-ones function over its roster
 *   (./dmcfe-keygen.ts), so each (epoch, roster) has exactly one possible key. What the roster
 *   binding cannot stop: a meter encrypting the same slot under two rosters — the contract allows
 *   one roster per household, channel and epoch (./aggregate-guard.ts checkDisjointGroups).
 * - A key for y reveals Σ y_i·x_{i,ℓ} for every label of its epoch; whoever also knows the s_j (or
 *   the x_{j,ℓ}) of all members but one learns the last member's values. That is inherent to sums:
 *   the guard's minimum group size (./aggregate-guard.ts) is the defence.
 * - Not authenticated: authenticity comes from the meter's signature over the label and c_{i,ℓ}.
 */
import { DlogBoundError, FeError, RangeCheckError } from './errors.js';
import { mod } from './group.js';
import type { Group } from './group.js';
import { hashToGroup } from './hash-to-group.js';
import { checkWeights, type DlogSolver } from './ipfe.js';
import { deriveScalars, encodeTuple, LABELS } from './kdf.js';
import { bytesEqual } from './wire.js';
import { tuplehash256 } from '@noble/hashes/sha3-addons.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';

/** One aggregation key epoch: a channel of an aggregation group over one period. */
export interface AggregationEpoch {
    /** Aggregation group id (e.g. a feeder), as registered by the grid operator. */
    readonly aggregate: string;
    /** OBIS channel, e.g. `1-0:1.8.0`. */
    readonly channel: string;
    /** Period of the key epoch, e.g. `2024-10`. */
    readonly epoch: string;
}

/** A label: one slot of an aggregation epoch. */
export interface McfeLabel extends AggregationEpoch {
    /** Slot start, e.g. `2024-10-01T00:15:00Z` (opaque to the scheme; must be unique per slot). */
    readonly slot: string;
}

/** One member's ciphertext of one label, as stored and signed. */
export interface McfeCiphertext<E> {
    readonly label: McfeLabel;
    readonly member: string;
    readonly c: E;
}

/** Client (encryption) key of one member in one epoch and roster: s_i ∈ Z_q^2. Secret. */
export interface ClientKey {
    readonly epoch: AggregationEpoch;
    /** Roster digest ρ ({@link rosterDigest}) the key is bound to. */
    readonly roster: Uint8Array;
    readonly member: string;
    readonly s: readonly [bigint, bigint];
}

/** A hashed label: u_ℓ = H(ℓ) ∈ G^2 (public). */
export interface LabelPoints<E> {
    readonly label: McfeLabel;
    readonly u: readonly [E, E];
}

/** Functional key for weights y over the members of one epoch: dk_y = Σ y_i·s_i ∈ Z_q^2. */
export interface McfeFunctionalKey {
    readonly epoch: AggregationEpoch;
    /** Members in canonical order ({@link checkMembers}). */
    readonly members: readonly string[];
    /** y_i of members[i]. */
    readonly weights: readonly bigint[];
    readonly dk: readonly [bigint, bigint];
}

/** Most members of one aggregation group. */
export const MAX_MEMBERS = 10_000;
/** Longest identifier (aggregate, channel, epoch, member, slot) in UTF-8 bytes. */
export const MAX_ID_BYTES = 128;

/** Ciphertexts of a label are incomplete: the aggregate for that slot cannot be decrypted. */
export class IncompleteAggregateError extends FeError {
    /** Members whose ciphertext is missing. */
    readonly missing: readonly string[];
    constructor(slot: string, missing: readonly string[]) {
        super(
            'FE_MCFE_INCOMPLETE',
            `slot ${slot}: no ciphertext from ${missing.length} member(s) (${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}); ` +
                `the aggregate of a slot needs every member's ciphertext: wait for the meters' catch-up or their substitute values`,
        );
        this.missing = [...missing];
    }
}

const utf8 = new TextEncoder();
const utf8Fatal = new TextDecoder('utf-8', { fatal: true });

/** Validate an identifier: a well-formed string of 1..{@link MAX_ID_BYTES} UTF-8 bytes. */
export function checkId(value: string, what: string): void {
    if (typeof value !== 'string') throw new RangeCheckError(`${what} must be a string`);
    const b = utf8.encode(value);
    // lone surrogates would encode as U+FFFD and collide with another identifier
    if (b.length < 1 || b.length > MAX_ID_BYTES || utf8Fatal.decode(b) !== value)
        throw new RangeCheckError(
            `${what} must be well-formed text of 1..${MAX_ID_BYTES} UTF-8 bytes`,
        );
}

/** Validate an epoch's three identifiers. */
export function checkEpoch(e: AggregationEpoch): void {
    checkId(e.aggregate, 'aggregate');
    checkId(e.channel, 'channel');
    checkId(e.epoch, 'epoch');
}

/** Whether two epochs are the same. */
export function sameEpoch(a: AggregationEpoch, b: AggregationEpoch): boolean {
    return a.aggregate === b.aggregate && a.channel === b.channel && a.epoch === b.epoch;
}

/** Canonical order of member ids: bytewise on UTF-8 (independent of any language's string order). */
export function compareMembers(a: string, b: string): number {
    const x = utf8.encode(a);
    const y = utf8.encode(b);
    for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
    return x.length - y.length;
}

/** Members in canonical order: each a valid id, strictly ascending (hence no duplicates), 1..MAX_MEMBERS. */
export function checkMembers(members: readonly string[]): void {
    // Checked through an `unknown` alias: narrowing `members` itself would widen it to any[].
    const untrusted: unknown = members;
    if (!Array.isArray(untrusted) || members.length < 1 || members.length > MAX_MEMBERS)
        throw new RangeCheckError(`an aggregation group has 1..${MAX_MEMBERS} members`);
    members.forEach((m, i) => {
        checkId(m, `member[${i}]`);
        const prev = i > 0 ? members[i - 1]! : undefined;
        if (prev !== undefined && compareMembers(prev, m) >= 0)
            throw new RangeCheckError(
                `members must be strictly ascending (bytewise UTF-8): "${prev}" before "${m}"` +
                    (prev === m ? ' is a duplicate' : ''),
            );
    });
}

/** Members sorted into canonical order (duplicates are kept, so {@link checkMembers} still catches them). */
export function sortMembers(members: readonly string[]): string[] {
    return [...members].sort(compareMembers);
}

function epochTuple(e: AggregationEpoch): string[] {
    return [e.aggregate, e.channel, e.epoch];
}

/** Length of a roster digest. */
export const ROSTER_DIGEST_BYTES = 32;

/** ρ = TupleHash256(group, aggregate, channel, epoch, n, members…; S = mcfeRoster), 32 bytes. */
export function rosterDigest<E>(
    group: Group<E>,
    epoch: AggregationEpoch,
    members: readonly string[],
): Uint8Array {
    checkEpoch(epoch);
    checkMembers(members);
    return tuplehash256(
        [group.name, ...epochTuple(epoch), String(members.length), ...members].map((p) =>
            utf8ToBytes(p),
        ),
        { dkLen: ROSTER_DIGEST_BYTES, personalization: utf8ToBytes(LABELS.mcfeRoster) },
    );
}

/**
 * Client key s_i of `member` in `epoch` under the roster `members` (canonical order, `member`
 * among them), derived from the household's 32-byte root seed.
 */
export function clientKey<E>(
    group: Group<E>,
    rootSeed: Uint8Array,
    epoch: AggregationEpoch,
    members: readonly string[],
    member: string,
): ClientKey {
    checkId(member, 'member');
    const roster = rosterDigest(group, epoch, members);
    if (!members.includes(member))
        throw new RangeCheckError(`${member} is not on the roster of ${epoch.aggregate}`);
    const [s1, s2] = deriveScalars(
        group,
        rootSeed,
        LABELS.mcfeClientKey,
        [...epochTuple(epoch), roster, member],
        2,
    );
    return { epoch: { ...epoch }, roster, member, s: [s1!, s2!] };
}

/** The label of `slot` in `epoch`. */
export function labelOf(epoch: AggregationEpoch, slot: string): McfeLabel {
    return { aggregate: epoch.aggregate, channel: epoch.channel, epoch: epoch.epoch, slot };
}

/** u_ℓ = H(ℓ) ∈ G^2: two hashes to the group with distinct tags over one injective encoding of ℓ. */
export function hashLabel<E>(group: Group<E>, label: McfeLabel): LabelPoints<E> {
    checkEpoch(label);
    checkId(label.slot, 'slot');
    const msg = encodeTuple([group.name, ...epochTuple(label), label.slot]);
    return {
        label: labelOf(label, label.slot),
        u: [
            hashToGroup(group, `${LABELS.mcfeLabel}/u1`, msg),
            hashToGroup(group, `${LABELS.mcfeLabel}/u2`, msg),
        ],
    };
}

/** The pad <s_i, u_ℓ> (constant-time in s_i). */
export function pad<E>(group: Group<E>, key: ClientKey, lp: LabelPoints<E>): E {
    return group.add(group.mul(lp.u[0], key.s[0]), group.mul(lp.u[1], key.s[1]));
}

/** Pads of many labels in one batch (two one-scalar-many-points multiplications). */
export function pads<E>(group: Group<E>, key: ClientKey, lps: readonly LabelPoints<E>[]): E[] {
    const a = group.mulMany(
        lps.map((lp) => lp.u[0]),
        key.s[0],
    );
    const b = group.mulMany(
        lps.map((lp) => lp.u[1]),
        key.s[1],
    );
    return a.map((p, j) => group.add(p, b[j]!));
}

/**
 * Encryptor of one member in one epoch. `precompute(slots)` hashes the labels and computes their
 * pads in one batch (at period open); `encrypt(slot, x)` then costs one x·G and one addition.
 */
export class McfeEncryptor<E> {
    readonly #group: Group<E>;
    readonly #key: ClientKey;
    readonly #maxReading: bigint;
    readonly #pads = new Map<string, E>();

    constructor(group: Group<E>, key: ClientKey, opts: Readonly<{ maxReading: bigint }>) {
        if (typeof opts.maxReading !== 'bigint' || opts.maxReading < 0n)
            throw new RangeCheckError('maxReading must be a non-negative bigint');
        checkEpoch(key.epoch);
        checkId(key.member, 'member');
        this.#group = group;
        this.#key = key;
        this.#maxReading = opts.maxReading;
    }
    /** Hash the labels of `slots` and precompute their pads. */
    precompute(slots: readonly string[]): void {
        const fresh = [...new Set(slots)].filter((s) => !this.#pads.has(s));
        const lps = fresh.map((s) => hashLabel(this.#group, labelOf(this.#key.epoch, s)));
        pads(this.#group, this.#key, lps).forEach((p, j) => this.#pads.set(fresh[j]!, p));
    }
    /** Number of precomputed pads. */
    get precomputed(): number {
        return this.#pads.size;
    }
    /** c_{i,ℓ} = <s_i, u_ℓ> + x·G for the label of `slot`, 0 <= x <= maxReading. Deterministic. */
    encrypt(slot: string, x: bigint): E {
        const g = this.#group;
        if (typeof x !== 'bigint' || x < 0n || x > this.#maxReading)
            throw new RangeCheckError(`reading ${x} outside [0, ${this.#maxReading}]`);
        const p =
            this.#pads.get(slot) ?? pad(g, this.#key, hashLabel(g, labelOf(this.#key.epoch, slot)));
        return g.add(p, g.mulBase(x));
    }
}

/**
 * Central KeyDer (reference and tests; in production the key comes from ./dmcfe-keygen.ts and no
 * party holds the s_i of others): dk_y = Σ y_i·s_i over `keys` in canonical member order.
 */
export function mcfeKeyDer<E>(
    group: Group<E>,
    keys: readonly ClientKey[],
    weights: readonly bigint[],
): McfeFunctionalKey {
    const first = keys[0];
    if (first === undefined) throw new RangeCheckError('KeyDer needs at least one client key');
    const members = keys.map((k) => k.member);
    checkMembers(members);
    checkWeights(weights, keys.length);
    let d1 = 0n;
    let d2 = 0n;
    const roster = rosterDigest(group, first.epoch, members);
    keys.forEach((k, i) => {
        if (!sameEpoch(k.epoch, first.epoch) || !bytesEqual(k.roster, roster))
            throw new RangeCheckError(
                `client key of ${k.member} belongs to another epoch or roster than the keys given`,
            );
        d1 += weights[i]! * k.s[0];
        d2 += weights[i]! * k.s[1];
    });
    return {
        epoch: { ...first.epoch },
        members,
        weights: [...weights],
        dk: [mod(d1, group.order), mod(d2, group.order)],
    };
}

/**
 * Σ y_i·c_{i,ℓ} over the members (variable-time: public ciphertexts and weights). `cts[i]` is the
 * ciphertext of `key.members[i]`; a missing one (undefined) of a member with non-zero weight throws
 * {@link IncompleteAggregateError}.
 */
export function weightedCiphertextSum<E>(
    group: Group<E>,
    members: readonly string[],
    weights: readonly bigint[],
    slot: string,
    cts: readonly (E | undefined)[],
): E {
    if (cts.length !== members.length)
        throw new RangeCheckError(
            `${cts.length} ciphertexts for ${members.length} members: give one entry per member (undefined when missing)`,
        );
    const missing = members.filter((_, i) => cts[i] === undefined && weights[i] !== 0n);
    if (missing.length > 0) throw new IncompleteAggregateError(slot, missing);
    const ps: E[] = [];
    const ks: bigint[] = [];
    cts.forEach((c, i) => {
        if (c !== undefined && weights[i] !== 0n) {
            ps.push(c);
            ks.push(mod(weights[i]!, group.order));
        }
    });
    return group.msmVartime(ps, ks);
}

/**
 * Dec of one label: D = Σ y_i·c_{i,ℓ} − <dk_y, u_ℓ>, m = dlog(D) with |m| <= `bound`
 * (innerProductBound(weights, B_x) of ./ipfe.ts). Throws {@link IncompleteAggregateError} for a missing ciphertext,
 * RangeCheckError for a label of another epoch, DlogBoundError when the result is out of bound
 * (wrong key or share, foreign ciphertext) — never a wrong number.
 */
export function mcfeDecrypt<E>(
    group: Group<E>,
    key: McfeFunctionalKey,
    label: McfeLabel | LabelPoints<E>,
    cts: readonly (E | undefined)[],
    dlog: DlogSolver<E>,
    bound: bigint,
): bigint {
    const lp = 'u' in label ? label : hashLabel(group, label);
    if (!sameEpoch(lp.label, key.epoch))
        throw new RangeCheckError(
            `label ${lp.label.aggregate}/${lp.label.channel}/${lp.label.epoch} is not of the key's epoch ${key.epoch.aggregate}/${key.epoch.channel}/${key.epoch.epoch}`,
        );
    const S = weightedCiphertextSum(group, key.members, key.weights, lp.label.slot, cts);
    const D = group.sub(S, group.add(group.mul(lp.u[0], key.dk[0]), group.mul(lp.u[1], key.dk[1])));
    const m = dlog.solve(D, bound);
    if (m > bound || m < -bound) throw new DlogBoundError(bound);
    return m;
}
