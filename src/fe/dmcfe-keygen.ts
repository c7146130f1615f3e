// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/dmcfe-keygen
 * Decentralised generation of MCFE functional keys ({@link ./mcfe.ts}) without pairings and without
 * a key authority, after the first compiler of Abdalla, Benhamouda, Kohlweiss and Waldner,
 * "Decentralizing Inner-Product Functional Encryption", PKC 2019 (https://eprint.iacr.org/2019/020):
 * the MCFE key is linear in the client keys (dk_y = Σ y_i·s_i, their "special key derivation"), so
 * every member publishes its term y_i·s_i one-time-padded with a mask t_i, where the t_i sum to
 * zero. Here the t_i are built non-interactively, per function, from pairwise Diffie–Hellman keys
 * and a PRF (KMAC256), so no setup round and no dealer is needed. Written once against {@link Group}.
 *
 *   DH key:      a_i = KDF(root seed of i; aggregate, channel, epoch, member i),  P_i = a_i·G (published)
 *   Function:    f = (epoch, members in canonical order, weights y);  φ = TupleHash(f) (32 bytes)
 *   Pair mask:   K_ij = a_i·P_j = a_j·P_i,  m_ij = KMAC256(K_ij; φ, id_lo, id_hi, P_lo, P_hi) ∈ Z_q^2
 *   Share:       d_i = y_i·s_i + t_i,  t_i = Σ_{j ≠ i} σ_ij·m_ij,  σ_ij = +1 if id_i < id_j else −1
 *   Combine:     Σ_i d_i = Σ_i y_i·s_i + Σ_{i<j} (m_ij − m_ij) = dk_y
 *
 * Each member checks the function with ./aggregate-guard.ts before contributing, and contributes
 * only to the function over the roster its client key is bound to (./mcfe.ts): per epoch and roster
 * there is exactly one function a household helps build, the all-ones sum over the roster.
 *
 * A missing member: its y_i·s_i and its masks are absent, so the other shares sum to a value masked
 * by the m_ij of its pairs — uniformly random to everyone who lacks them, useless as a key.
 * {@link combineKeyShares} refuses before that with a {@link KeyShareError} of kind "missing"
 * listing the absent members; nothing of the epoch can be decrypted until every member has
 * contributed (or the group is re-registered for a later epoch without the member).
 *
 * What a coalition learns (static corruption; DDH and PRF security): members of a set C
 * know their own s_j, a_j and hence every mask m_jk with j ∈ C. From the shares of the honest set H
 * they can strip the masks shared with C, but the masks between two honest members remain, so with
 * |H| ≥ 2 the shares reveal only Σ_{i∈H} y_i·s_i — exactly what dk_y itself reveals once C's
 * own terms are subtracted — and hence only the honest members' SUM per slot. With |H| = 1 the
 * last household is exposed, but then dk_y alone already exposes it: the minimum group size of the
 * guard is the defence. The recipient of the shares (grid operator) learns dk_y and nothing else;
 * the shares must reach it confidentially (anyone who sees all shares holds dk_y).
 *
 * Shares are deterministic: a member re-sending its share sends the same bytes; a share is bound to
 * its epoch and function by φ (masks of another function do not cancel against these). A wrong but
 * well-formed share is not detectable before decryption, where it gives DlogBoundError, never a
 * wrong sum.
 */
import { FeError, RangeCheckError } from './errors.js';
import { mod } from './group.js';
import type { Group } from './group.js';
import { tuplehash256 } from '@noble/hashes/sha3-addons.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { assertAggregateFunction, type AggregateGuardOptions } from './aggregate-guard.js';
import { checkWeights } from './ipfe.js';
import { deriveScalars, LABELS } from './kdf.js';
import { bytesEqual } from './wire.js';
import {
    checkEpoch,
    rosterDigest,
    checkId,
    checkMembers,
    compareMembers,
    sameEpoch,
    type AggregationEpoch,
    type ClientKey,
    type McfeFunctionalKey,
} from './mcfe.js';

/** A member's published Diffie–Hellman key of one epoch. */
export interface MemberPublicKey<E> {
    readonly epoch: AggregationEpoch;
    readonly member: string;
    readonly P: E;
}

/** A member's Diffie–Hellman secret of one epoch. Secret. */
export interface MemberDhSecret {
    readonly epoch: AggregationEpoch;
    readonly member: string;
    readonly a: bigint;
}

/** The agreed function of an epoch: weights over the members (canonical order). */
export interface AggregateFunction {
    readonly epoch: AggregationEpoch;
    readonly members: readonly string[];
    readonly weights: readonly bigint[];
}

/** One member's key share d_i ∈ Z_q^2 for the function with digest `fn`. Confidential to the recipient. */
export interface KeyShare {
    readonly epoch: AggregationEpoch;
    readonly member: string;
    /** Function digest φ (32 bytes, {@link functionDigest}). */
    readonly fn: Uint8Array;
    readonly d: readonly [bigint, bigint];
}

/** Length of a function digest. */
export const FUNCTION_DIGEST_BYTES = 32;

/** What is wrong with a set of key shares or a share request. */
export type KeyShareProblem =
    | 'missing'
    | 'duplicate'
    | 'foreign-epoch'
    | 'foreign-function'
    | 'unknown-member'
    | 'public-key';

/** Key shares that do not combine into the function's key, or a share that must not be made. */
export class KeyShareError extends FeError {
    readonly problem: KeyShareProblem;
    /** Members concerned (the missing ones for "missing"). */
    readonly members: readonly string[];
    constructor(problem: KeyShareProblem, members: readonly string[], message: string) {
        super('FE_KEY_SHARE', message);
        this.problem = problem;
        this.members = [...members];
    }
}

/** A member's DH key pair of `epoch`, from its 32-byte root seed. */
export function memberDhKey<E>(
    group: Group<E>,
    rootSeed: Uint8Array,
    epoch: AggregationEpoch,
    member: string,
): { secret: MemberDhSecret; pub: MemberPublicKey<E> } {
    checkEpoch(epoch);
    checkId(member, 'member');
    let a = deriveScalars(
        group,
        rootSeed,
        LABELS.dmcfeDhKey,
        [epoch.aggregate, epoch.channel, epoch.epoch, member],
        1,
    )[0]!;
    if (a === 0n) a = 1n; // probability 2^-252; keeps P != identity
    const e = { ...epoch };
    return { secret: { epoch: e, member, a }, pub: { epoch: e, member, P: group.mulBase(a) } };
}

/** Check a function: valid epoch, canonical members, one weight per member (range only; the guard decides policy). */
export function checkFunction(fn: AggregateFunction): void {
    checkEpoch(fn.epoch);
    checkMembers(fn.members);
    checkWeights(fn.weights, fn.members.length);
}

/** φ = TupleHash256(group, aggregate, channel, epoch, n, members…, weights…; S = dmcfeFunction), 32 bytes. */
export function functionDigest<E>(group: Group<E>, fn: AggregateFunction): Uint8Array {
    checkFunction(fn);
    const w = fn.weights.map((y) => {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigInt64(0, y);
        return b;
    });
    const parts = [
        group.name,
        fn.epoch.aggregate,
        fn.epoch.channel,
        fn.epoch.epoch,
        String(fn.members.length),
        ...fn.members,
    ].map((p) => utf8ToBytes(p));
    return tuplehash256([...parts, ...w], {
        dkLen: FUNCTION_DIGEST_BYTES,
        personalization: utf8ToBytes(LABELS.dmcfeFunction),
    });
}

/** m_ij: the pairwise mask of members i and j for function φ, from the shared point K_ij. */
function pairMask<E>(
    group: Group<E>,
    shared: E,
    phi: Uint8Array,
    lo: MemberPublicKey<E>,
    hi: MemberPublicKey<E>,
): bigint[] {
    return deriveScalars(
        group,
        group.encode(shared),
        LABELS.dmcfeMask,
        [phi, lo.member, hi.member, group.encode(lo.P), group.encode(hi.P)],
        2,
    );
}

/**
 * Member i's key share for `fn`: d_i = y_i·s_i + Σ_{j≠i} σ_ij·m_ij. Refuses (AggregateGuardError)
 * a function the aggregate guard does not allow, and (KeyShareError) a member not in the function,
 * keys of another epoch, or public keys that are missing, duplicated, of another epoch, or — for
 * the member itself — not its own. Costs one DH multiplication and one KDF per other member.
 * @param publics - the published DH keys of the function's members (others are ignored).
 */
export function keyShare<E>(
    group: Group<E>,
    fn: AggregateFunction,
    key: ClientKey,
    dh: MemberDhSecret,
    publics: readonly MemberPublicKey<E>[],
    guard?: AggregateGuardOptions,
): KeyShare {
    checkFunction(fn);
    assertAggregateFunction(fn.members, fn.weights, guard);
    const me = key.member;
    if (dh.member !== me || !sameEpoch(key.epoch, fn.epoch) || !sameEpoch(dh.epoch, fn.epoch))
        throw new KeyShareError(
            'foreign-epoch',
            [me],
            `client key, DH key and function must be of one member and one epoch`,
        );
    if (!bytesEqual(key.roster, rosterDigest(group, fn.epoch, fn.members)))
        throw new KeyShareError(
            'foreign-function',
            [me],
            `the function's members are not the roster this household's key is bound to: a share for any other member set is refused`,
        );
    const i = fn.members.indexOf(me);
    if (i === -1)
        throw new KeyShareError(
            'unknown-member',
            [me],
            `${me} is not a member of the function: no share`,
        );
    const byMember = new Map<string, MemberPublicKey<E>>();
    const inFn = new Set(fn.members);
    for (const p of publics) {
        if (!inFn.has(p.member)) continue;
        if (byMember.has(p.member))
            throw new KeyShareError(
                'public-key',
                [p.member],
                `two DH keys published for ${p.member}: refuse and report the member`,
            );
        if (!sameEpoch(p.epoch, fn.epoch))
            throw new KeyShareError(
                'public-key',
                [p.member],
                `the DH key of ${p.member} is of another epoch`,
            );
        if (group.isIdentity(p.P))
            throw new KeyShareError(
                'public-key',
                [p.member],
                `the DH key of ${p.member} is the identity`,
            );
        byMember.set(p.member, p);
    }
    const absent = fn.members.filter((m) => !byMember.has(m));
    if (absent.length > 0)
        throw new KeyShareError(
            'missing',
            absent,
            `no DH key published for ${absent.length} member(s) (${absent.slice(0, 8).join(', ')}): wait until every member has registered`,
        );
    const mine = byMember.get(me)!;
    if (!group.equals(mine.P, group.mulBase(dh.a)))
        throw new KeyShareError(
            'public-key',
            [me],
            `the DH key published for ${me} is not this household's: it was replaced; do not contribute`,
        );
    const phi = functionDigest(group, fn);
    const q = group.order;
    const y = fn.weights[i]!;
    let d1 = y * key.s[0];
    let d2 = y * key.s[1];
    for (const other of fn.members) {
        if (other === me) continue;
        const them = byMember.get(other)!;
        const shared = group.mul(them.P, dh.a); // constant-time in a_i
        const meFirst = compareMembers(me, other) < 0;
        const [m1, m2] = meFirst
            ? pairMask(group, shared, phi, mine, them)
            : pairMask(group, shared, phi, them, mine);
        if (meFirst) {
            d1 += m1!;
            d2 += m2!;
        } else {
            d1 -= m1!;
            d2 -= m2!;
        }
    }
    return { epoch: { ...fn.epoch }, member: me, fn: phi, d: [mod(d1, q), mod(d2, q)] };
}

/**
 * Combine the shares of every member into dk_y. Throws KeyShareError: "missing" (lists the members
 * without a share: the aggregate cannot be decrypted until they contribute), "duplicate" (two shares
 * of one member), "foreign-epoch"/"foreign-function" (a share for another epoch or function),
 * "unknown-member" (a share from a non-member). Variable-time only in public counts.
 */
export function combineKeyShares<E>(
    group: Group<E>,
    fn: AggregateFunction,
    shares: readonly KeyShare[],
): McfeFunctionalKey {
    const phi = functionDigest(group, fn);
    const q = group.order;
    const inFn = new Set(fn.members);
    const seen = new Set<string>();
    let d1 = 0n;
    let d2 = 0n;
    for (const s of shares) {
        if (!sameEpoch(s.epoch, fn.epoch))
            throw new KeyShareError(
                'foreign-epoch',
                [s.member],
                `share of ${s.member} is for epoch ${s.epoch.aggregate}/${s.epoch.channel}/${s.epoch.epoch}, not this one`,
            );
        if (!bytesEqual(s.fn, phi))
            throw new KeyShareError(
                'foreign-function',
                [s.member],
                `share of ${s.member} is for another function (digest differs): ask the member for a share of this one`,
            );
        if (!inFn.has(s.member))
            throw new KeyShareError(
                'unknown-member',
                [s.member],
                `share from ${s.member}, who is not a member of the function`,
            );
        if (seen.has(s.member))
            throw new KeyShareError(
                'duplicate',
                [s.member],
                `two shares from ${s.member}: pass each member's share once`,
            );
        for (const d of s.d)
            if (typeof d !== 'bigint' || d < 0n || d >= q)
                throw new RangeCheckError(
                    `share of ${s.member}: entries must be scalars in [0, q)`,
                );
        seen.add(s.member);
        d1 += s.d[0];
        d2 += s.d[1];
    }
    const missing = fn.members.filter((m) => !seen.has(m));
    if (missing.length > 0)
        throw new KeyShareError(
            'missing',
            missing,
            `no key share from ${missing.length} of ${fn.members.length} member(s) (${missing.slice(0, 8).join(', ')}${missing.length > 8 ? ', …' : ''}): the key exists only when every member has contributed`,
        );
    return {
        epoch: { ...fn.epoch },
        members: [...fn.members],
        weights: [...fn.weights],
        dk: [mod(d1, q), mod(d2, q)],
    };
}
