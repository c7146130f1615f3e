// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/dedicated
 * The gateway's dedicated routes of grid aggregation (contract/grid, docs/GRID.md) and statistical
 * surveys (contract/survey): one route per transaction (paths in `ledger/remote/wire.ts`
 * {@link TX_ROUTES}), each with
 *
 * - the role rule of its transaction, checked before anything is forwarded: groups and aggregate
 *   results by grid operators, consents and key shares by the customer who owns the meter (never
 *   another household's meter), survey requests by surveyors, survey decisions by the meter's owner;
 *   queries under the read policy of policy.ts;
 * - a schema of its argument (fields, identifiers, hex sizes, list lengths; nothing else accepted)
 *   and a body limit sized to that transaction, far below the generic routes' 8 MiB.
 *
 * The same checks apply when one of these transactions arrives on the generic submit route, so the
 * dedicated routes cannot be bypassed. The contract still checks everything again.
 */
import { Type, type TSchema } from 'typebox';
import { Value } from 'typebox/value';
import { TX_ROUTES, type DedicatedTx } from '../../ledger/remote/wire.js';
import type { Directory, Principal } from './directory.js';

/** A refusal of the gateway (HTTP status, a code the client maps onto its error tree, what to do). */
export class GatewayRefusal extends Error {
    readonly statusCode: number;
    readonly code: string;
    constructor(statusCode: number, code: string, message: string) {
        super(message);
        this.name = 'GatewayRefusal';
        this.statusCode = statusCode;
        this.code = code;
    }
}

const Id = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._:@\\-/]{0,63}$', maxLength: 64 });
const Period = Type.String({ pattern: '^[0-9]{4}-(0[1-9]|1[0-2])$' });
const Hex = (maxChars: number): TSchema =>
    Type.String({ pattern: '^([0-9a-f]{2})*$', maxLength: maxChars });
const Text = (max: number): TSchema => Type.String({ maxLength: max });
const closed = { additionalProperties: false } as const;
const GroupEpoch = { group: Id, channel: Id, epoch: Period };

/** Most members of a group (fe/mcfe MAX_MEMBERS) and slots of a month (5-minute slots, 31 days). */
const MAX_MEMBERS = 10_000;
const MAX_SLOTS = 31 * 24 * 12 + 12;

/** Who may send a transaction: parties of these roles; `owner`: the meter named in the argument is theirs. */
interface SubmitSpec {
    readonly kind: 'submit';
    readonly roles: readonly string[];
    readonly owner: boolean;
    readonly arg: TSchema;
    /** Largest request body (base64 envelope in JSON). */
    readonly bodyLimit: number;
    readonly summary: string;
}
interface QuerySpec {
    readonly kind: 'query';
    /** The positional arguments. */
    readonly args: TSchema;
    readonly result: TSchema;
    readonly bodyLimit: number;
    readonly summary: string;
}
type Spec = SubmitSpec | QuerySpec;

const KiB = 1024;
/** A group record as the routes answer it: what the contract stores, plus `memberCount`. */
const GroupResult = Type.Object(
    {
        id: Type.String(),
        gridOperator: Type.String(),
        channel: Type.String(),
        epoch: Type.String(),
        members: Type.Array(Type.String()),
        memberCount: Type.Integer(),
        households: Type.Integer(),
        minMembers: Type.Integer(),
        slots: Type.Integer(),
        slotMinutes: Type.Integer(),
        timeZone: Type.String(),
    },
    { additionalProperties: true, title: 'AggregationGroup' },
);
const AggregateResult = Type.Object(
    {
        slot: Type.Integer(),
        label: Type.String(),
        m: Type.String({ description: 'the slot sum, decimal' }),
        proof: Type.String({ description: 'fe/aggregate-proof, hex' }),
        members: Type.Integer(),
        statuses: Type.Array(Type.Object({ meter: Type.String(), status: Type.Integer() })),
    },
    { additionalProperties: true, title: 'AggregateResult' },
);
const SurveyResult = Type.Object(
    {
        id: Type.String(),
        requester: Type.String(),
        meter: Type.String(),
        channel: Type.String(),
        period: Type.String(),
        status: Type.String(),
    },
    { additionalProperties: true, title: 'Survey' },
);

/** Every dedicated route's rule, by transaction. */
export const DEDICATED: Readonly<Record<DedicatedTx, Spec>> = {
    RegisterAggregationGroup: {
        kind: 'submit',
        roles: ['gridOperator'],
        owner: false,
        summary:
            'Register an aggregation group of meters for one channel and epoch (grid operators)',
        arg: Type.Object(
            {
                id: Id,
                channel: Id,
                epoch: Period,
                members: Type.Array(Id, { minItems: 1, maxItems: MAX_MEMBERS }),
                minMembers: Type.Optional(Type.Integer({ minimum: 5, maximum: MAX_MEMBERS })),
            },
            closed,
        ),
        bodyLimit: 2048 * KiB,
    },
    ConsentAggregation: {
        kind: 'submit',
        roles: ['customer'],
        owner: true,
        summary:
            "A household's consent or refusal for its own meter in a group epoch (the meter's owner)",
        arg: Type.Object(
            {
                ...GroupEpoch,
                meter: Id,
                decision: Type.Union([Type.Literal('allowed'), Type.Literal('refused')]),
                reason: Type.Optional(Text(512)),
                dhPublicKey: Type.Optional(Hex(1024)),
            },
            closed,
        ),
        bodyLimit: 16 * KiB,
    },
    PublishAggregationShare: {
        kind: 'submit',
        roles: ['customer'],
        owner: true,
        summary:
            "A household's key share for its own meter, sealed to the grid operator, with its commitment",
        arg: Type.Object(
            {
                ...GroupEpoch,
                meter: Id,
                sealedShare: Hex(2048),
                commitment: Type.Array(Hex(1024), { minItems: 2, maxItems: 2 }),
            },
            closed,
        ),
        bodyLimit: 16 * KiB,
    },
    PostAggregates: {
        kind: 'submit',
        roles: ['gridOperator'],
        owner: false,
        summary:
            "Post slot sums with their proofs (the group's grid operator; the contract verifies)",
        arg: Type.Object(
            {
                ...GroupEpoch,
                results: Type.Array(
                    Type.Object(
                        {
                            slot: Type.Integer({ minimum: 0, maximum: MAX_SLOTS }),
                            m: Type.String({ pattern: '^(0|[1-9][0-9]{0,30})$' }),
                            proof: Hex(8192),
                        },
                        closed,
                    ),
                    { minItems: 1, maxItems: 200 },
                ),
            },
            closed,
        ),
        bodyLimit: 1024 * KiB,
    },
    ListAggregationGroups: {
        kind: 'query',
        summary: 'Every aggregation group, with its member count (grid readers)',
        args: Type.Array(Type.String(), { maxItems: 0 }),
        result: Type.Array(GroupResult),
        bodyLimit: 16 * KiB,
    },
    GetAggregationGroup: {
        kind: 'query',
        summary: 'One aggregation group epoch, with its member count (grid readers, its members)',
        args: Type.Tuple([Id, Id, Period]),
        result: GroupResult,
        bodyLimit: 16 * KiB,
    },
    GetAggregates: {
        kind: 'query',
        summary: 'The posted slot sums of a group epoch, each with its proof and member statuses',
        args: Type.Tuple([Id, Id, Period]),
        result: Type.Array(AggregateResult),
        bodyLimit: 16 * KiB,
    },
    RequestSurvey: {
        kind: 'submit',
        roles: ['surveyor'],
        owner: false,
        summary: 'Request a survey key for one aggregate of a meter and period (surveyors)',
        arg: Type.Object(
            {
                id: Id,
                meter: Id,
                channel: Id,
                period: Period,
                spec: Type.Object({}, { additionalProperties: true }),
                purpose: Text(1024),
            },
            closed,
        ),
        bodyLimit: 256 * KiB,
    },
    AcceptSurvey: {
        kind: 'submit',
        roles: ['customer'],
        owner: true,
        summary: "Accept a survey on one's own meter: the functional key, sealed to the surveyor",
        arg: Type.Object(
            {
                meter: Id,
                channel: Id,
                period: Period,
                survey: Id,
                encryptedKey: Hex(256 * KiB),
            },
            closed,
        ),
        bodyLimit: 512 * KiB,
    },
    RefuseSurvey: {
        kind: 'submit',
        roles: ['customer'],
        owner: true,
        summary: "Refuse a survey on one's own meter (recorded, with the guard's verdict)",
        arg: Type.Object(
            { meter: Id, channel: Id, period: Period, survey: Id, reason: Text(1024) },
            closed,
        ),
        bodyLimit: 16 * KiB,
    },
    GetSurveys: {
        kind: 'query',
        summary:
            "Surveys of a meter's epoch (its owner, the requester of each, auditors, the operator)",
        args: Type.Union([Type.Tuple([Id]), Type.Tuple([Id, Id]), Type.Tuple([Id, Id, Period])]),
        result: Type.Array(SurveyResult),
        bodyLimit: 16 * KiB,
    },
};

const ROLE_TEXT: Record<string, string> = {
    gridOperator: 'grid operators',
    customer: "the meter's owner",
    surveyor: 'surveyors',
};

function _firstError(schema: TSchema, value: unknown): string {
    const errors = [...Value.Errors(schema, value)];
    // a field no schema allows shows up twice: prefer the error that names it
    const e = errors.find((x) => x.keyword !== 'boolean') ?? errors[0];
    if (e === undefined) return 'does not match its schema';
    const extra = (e.params as { additionalProperties?: unknown }).additionalProperties;
    return `${e.instancePath === '' ? '(the argument)' : e.instancePath} ${e.message}${
        Array.isArray(extra) ? `: ${extra.map(String).join(', ').slice(0, 200)}` : ''
    }`;
}

/** The spec of a transaction name (with or without `femeter:`), if it has a dedicated route. */
export function dedicatedSpec(txName: string): (Spec & { readonly name: DedicatedTx }) | undefined {
    const name = txName.startsWith('femeter:') ? txName.slice('femeter:'.length) : txName;
    if (!Object.hasOwn(DEDICATED, name)) return undefined;
    return { ...DEDICATED[name as DedicatedTx], name: name as DedicatedTx };
}

/**
 * Check a dedicated transaction's sender's role, then its argument(s), then (decisions of a
 * household) that the meter is the sender's (submits; queries take policy.ts on top). Throws {@link GatewayRefusal}: 400 `MALFORMED` with the first schema violation, 403
 * `FORBIDDEN` for a wrong role or another household's meter. Messages carry the contract's
 * `[CODE]` so callers read the same code whichever layer refused.
 */
export async function checkDedicated(
    dir: Directory,
    who: Principal | undefined,
    name: DedicatedTx,
    args: readonly string[],
): Promise<void> {
    const spec = DEDICATED[name];
    if (spec.kind === 'query') {
        if (!Value.Check(spec.args, args))
            throw new GatewayRefusal(
                400,
                'MALFORMED',
                `[BAD_REQUEST] ${name} arguments: ${_firstError(spec.args, args)}`,
            );
        return;
    }
    // who first (as the contract does), then what was sent
    const roleText = spec.roles.map((r) => ROLE_TEXT[r] ?? r).join(' or ');
    if (who?.kind !== 'party' || !spec.roles.includes(who.role))
        throw new GatewayRefusal(
            403,
            'FORBIDDEN',
            `[FORBIDDEN] ${name} is for ${roleText}, not ${who === undefined ? 'an unregistered identity' : who.kind === 'meter' ? 'a meter' : `a ${who.role}`}`,
        );
    if (args.length !== 1)
        throw new GatewayRefusal(
            400,
            'MALFORMED',
            `[BAD_REQUEST] ${name} takes one JSON argument, got ${args.length}`,
        );
    let arg: unknown;
    try {
        arg = JSON.parse(args[0] ?? '');
    } catch {
        throw new GatewayRefusal(
            400,
            'MALFORMED',
            `[BAD_REQUEST] ${name}: the argument is not JSON`,
        );
    }
    if (!Value.Check(spec.arg, arg))
        throw new GatewayRefusal(
            400,
            'MALFORMED',
            `[BAD_REQUEST] ${name}: ${_firstError(spec.arg, arg)}`,
        );
    if (spec.owner) {
        const meterId = (arg as { meter: string }).meter;
        const meter = await dir.meter(meterId);
        if (meter?.owner !== who.id)
            throw new GatewayRefusal(
                403,
                'FORBIDDEN',
                `[FORBIDDEN] ${name}: meter ${meterId} is not a meter of ${who.id}; a household decides for its own meters only`,
            );
    }
}

/** Add `memberCount` to group records (ListAggregationGroups, GetAggregationGroup results). */
export function withMemberCounts(name: DedicatedTx, result: unknown): unknown {
    const count = (g: unknown): unknown =>
        typeof g === 'object' && g !== null && Array.isArray((g as { members?: unknown }).members)
            ? { ...g, memberCount: (g as { members: unknown[] }).members.length }
            : g;
    if (name === 'ListAggregationGroups' && Array.isArray(result)) return result.map(count);
    if (name === 'GetAggregationGroup') return count(result);
    return result;
}

export { TX_ROUTES };
