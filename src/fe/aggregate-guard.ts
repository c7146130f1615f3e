// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/aggregate-guard
 * Privacy guard for grid aggregates ({@link ./mcfe.ts}, {@link ./dmcfe-keygen.ts}). A functional key
 * of an aggregation epoch opens Σ y_i·x_{i,ℓ} per slot. The only function allowed is the plain sum
 * over a large enough group:
 *
 * - every weight is exactly 1 — a weight 0 leaves a member out (two keys differing in one member
 *   isolate it), a weight 2 or 1000 scales a member so that its value can be read off the sum
 *   (positional encoding), a negative weight differences members;
 * - at least `minMembers` members (default {@link AGGREGATE_DEFAULT_MIN_MEMBERS}, never below
 *   {@link AGGREGATE_MIN_MEMBERS_FLOOR}); a coalition of all members but one learns the last one's
 *   values from any sum, so the group must be large enough that such a coalition is implausible;
 * - members listed once each.
 *
 * And across groups ({@link checkDisjointGroups}): a household belongs to at most one aggregation
 * group per channel and epoch, so no two group sums can be differenced to isolate a household
 * (groups {a,b,c,…} and {b,c,…} would give x_a). The contract checks this from ledger state when a
 * group is registered or changed; the customer's software checks both before contributing a key
 * share. Pure functions of public data.
 */
import { FeError } from './errors.js';
import { GuardInputError } from './guard.js';
import { checkMembers } from './mcfe.js';

/** Default minimum number of households in an aggregation group. */
export const AGGREGATE_DEFAULT_MIN_MEMBERS = 10;
/** minMembers may be configured, but never below this. */
export const AGGREGATE_MIN_MEMBERS_FLOOR = 5;

/** Options of {@link checkAggregateFunction}. */
export interface AggregateGuardOptions {
    /** Minimum group size, integer ≥ {@link AGGREGATE_MIN_MEMBERS_FLOOR}; default {@link AGGREGATE_DEFAULT_MIN_MEMBERS}. */
    readonly minMembers?: number;
}

/** Why the aggregate guard decided as it did. */
export type AggregateGuardCode =
    | 'ok'
    | 'too-few-members'
    | 'weight-not-one'
    | 'bad-members'
    | 'length-mismatch'
    | 'overlapping-groups';

/** The aggregate guard's decision (recorded with the consent or refusal). */
export interface AggregateGuardDecision {
    readonly allowed: boolean;
    readonly code: AggregateGuardCode;
    /** One sentence for the household and the consent record. */
    readonly reason: string;
    /** The member the refusal is about (weight-not-one, overlapping-groups). */
    readonly member?: string;
}

/** A refused aggregate function or group registration. */
export class AggregateGuardError extends FeError {
    readonly decision: AggregateGuardDecision;
    constructor(decision: AggregateGuardDecision) {
        super('FE_AGGREGATE_GUARD', `aggregate refused (${decision.code}): ${decision.reason}`);
        this.decision = decision;
    }
}

function minMembersOf(opts?: AggregateGuardOptions): number {
    const n = opts?.minMembers ?? AGGREGATE_DEFAULT_MIN_MEMBERS;
    if (!Number.isSafeInteger(n) || n < AGGREGATE_MIN_MEMBERS_FLOOR)
        throw new GuardInputError(
            `aggregate minMembers must be an integer ≥ ${AGGREGATE_MIN_MEMBERS_FLOOR}, got ${String(n)}; the default is ${AGGREGATE_DEFAULT_MIN_MEMBERS}`,
        );
    return n;
}

const refuse = (
    code: AggregateGuardCode,
    reason: string,
    member?: string,
): AggregateGuardDecision =>
    member === undefined
        ? { allowed: false, code, reason }
        : { allowed: false, code, reason, member };

/**
 * Decide whether a functional key for `weights` over `members` may be issued (or a key share
 * contributed to it).
 * @param members - member ids in canonical order (./mcfe.ts checkMembers).
 * @param weights - one weight per member.
 * @throws {GuardInputError} for minMembers below the floor.
 * @example
 * checkAggregateFunction(tenMeters, tenMeters.map(() => 1n)).allowed;                  // true
 * checkAggregateFunction(tenMeters, tenMeters.map((_, i) => (i ? 1n : 1000n))).code;  // 'weight-not-one'
 */
export function checkAggregateFunction(
    members: readonly string[],
    weights: readonly bigint[],
    opts?: AggregateGuardOptions,
): AggregateGuardDecision {
    const min = minMembersOf(opts);
    try {
        checkMembers(members);
    } catch (e) {
        return refuse('bad-members', (e as Error).message);
    }
    if (!Array.isArray(weights) || weights.length !== members.length)
        return refuse(
            'length-mismatch',
            `${Array.isArray(weights) ? weights.length : 'no'} weights for ${members.length} members`,
        );
    const bad = weights.findIndex((w) => w !== 1n);
    if (bad !== -1)
        return refuse(
            'weight-not-one',
            `weight ${String(weights[bad])} for ${members[bad]}: an aggregate sums every member with weight 1, a weight that leaves out, scales or subtracts a household would single it out`,
            members[bad],
        );
    if (members.length < min)
        return refuse(
            'too-few-members',
            `${members.length} members, an aggregate needs at least ${min} households`,
        );
    return {
        allowed: true,
        code: 'ok',
        reason: `plain sum over ${members.length} households (minimum ${min})`,
    };
}

/** {@link checkAggregateFunction}, throwing {@link AggregateGuardError} on refusal. */
export function assertAggregateFunction(
    members: readonly string[],
    weights: readonly bigint[],
    opts?: AggregateGuardOptions,
): void {
    const d = checkAggregateFunction(members, weights, opts);
    if (!d.allowed) throw new AggregateGuardError(d);
}

/**
 * Decide whether aggregation groups of ONE channel and epoch may coexist: no household in two of
 * them (the candidate group included, as one entry of `groups`). A re-registration of a group under
 * the same id replaces it, so pass the registry's state with the candidate substituted.
 * @param groups - group id and members of every group registered for the channel and epoch.
 */
export function checkDisjointGroups(
    groups: readonly { readonly id: string; readonly members: readonly string[] }[],
): AggregateGuardDecision {
    const owner = new Map<string, string>();
    const ids = new Set<string>();
    for (const g of groups) {
        if (ids.has(g.id))
            return refuse('bad-members', `group ${g.id} listed twice: pass each group once`);
        ids.add(g.id);
        for (const m of g.members) {
            const o = owner.get(m);
            if (o !== undefined && o !== g.id)
                return refuse(
                    'overlapping-groups',
                    `${m} is in groups ${o} and ${g.id}: a household belongs to at most one aggregation group per channel and epoch, or two sums could be differenced to isolate it`,
                    m,
                );
            owner.set(m, g.id);
        }
    }
    return { allowed: true, code: 'ok', reason: `${groups.length} disjoint group(s)` };
}
