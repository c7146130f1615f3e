// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/policy
 * Who may read what through the gateway, from the roles the contract knows (on top of the
 * contract's own checks, which still run):
 *
 * - operator, auditor: everything public (the whole registry, every meter's ciphertexts, periods,
 *   consents, bills, every event, blocks, verify).
 * - customer: the public registry and tariffs, and only the meters it owns.
 * - provider: the public registry and tariffs, and the meters for which it holds a consent record
 *   (an agreement or a refusal) — what the customer's consent grants.
 * - indexPublisher: the public registry and tariffs.
 * - meter: its own record, mpks and sequence; the aggregation groups it joins and their stored
 *   ciphertexts (MCFE ciphertexts every grid reader sees; a meter checks what it already sent).
 * - grid aggregation (docs/GRID.md): groups, consents, share commitments, ciphertexts and posted
 *   sums for the operator, auditors, grid operators and customers (households need the group's
 *   consents to make their share); the contract shows sealed shares only to the group's grid
 *   operator and the member's household.
 *
 * - surveys (contract/survey): GetSurveys for any party; the contract shows the meter's owner,
 *   auditors and the operator every survey, a surveyor only its own, and refuses everyone else.
 *   A surveyor with an accepted survey on a meter reads what decrypting it takes (the meter
 *   record, mpks, period records and ciphertexts), nothing else of that meter: no bills, no
 *   consents, no events.
 *
 * Queries are named by transaction; an unknown query is refused (default deny).
 */
import type { Directory, Principal } from './directory.js';

/** Queries about the shared registry that any registered identity may make. */
const _PUBLIC = new Set([
    'WhoAmI',
    'GetConfig',
    'GetParty',
    'ListParties',
    'GetTariff',
    'ListTariffs',
    'GetPriceSeries',
]);
/** Queries scoped to one meter: the first argument is the meter id. */
const _METER_SCOPED = new Set([
    'GetMeter',
    'GetMpk',
    'GetAgreements',
    'GetConsents',
    'GetPeriod',
    'GetReadings',
    'ListPeriods',
    'GetMeterSequence',
    'GetBills',
    'ListBills',
]);
/** Grid-aggregation queries (arguments: group, channel, epoch). */
const _GRID = new Set([
    'GetAggregationGroup',
    'ListAggregationGroups',
    'GetAggregationConsents',
    'GetAggregationShares',
    'GetAggregateCiphertexts',
    'GetAggregates',
]);
const _GRID_READERS = new Set(['operator', 'auditor', 'gridOperator', 'customer']);
/** Grid queries a meter device makes: its group, and the stored ciphertexts (what it already sent). */
const _METER_GRID = new Set(['GetAggregationGroup', 'GetAggregateCiphertexts']);
/** Meter-scoped queries a surveyor makes about a meter it holds an accepted survey on. */
const _SURVEYOR_READS = new Set(['GetMeter', 'GetMpk', 'GetPeriod', 'GetReadings']);
/** Meter-scoped queries a meter device makes about itself. */
const _METER_SELF = new Set(['GetMeter', 'GetMpk', 'GetMeterSequence']);

/** A refusal with the reason the caller sees. */
export interface Refusal {
    readonly message: string;
}

/** Whether `who` may read the meter `meterId`. */
export async function mayReadMeter(
    dir: Directory,
    who: Principal,
    meterId: string,
): Promise<boolean> {
    if (who.kind === 'meter') return who.id === meterId;
    switch (who.role) {
        case 'operator':
        case 'auditor':
            return true;
        case 'customer':
            return (await dir.meter(meterId))?.owner === who.id;
        case 'provider':
            return dir.granted(who.id, meterId);
        default:
            return false;
    }
}

/** Whether `who` sees everything public (events, blocks, verify). */
export const seesEverything = (who: Principal): boolean =>
    who.kind === 'party' && (who.role === 'operator' || who.role === 'auditor');

/**
 * Check an evaluate call. Returns a refusal, or a filter to apply to the (JSON array) result
 * (ListMeters for a customer or provider), or nothing.
 */
export async function checkEvaluate(
    dir: Directory,
    who: Principal,
    txName: string,
    args: readonly string[],
): Promise<Refusal | { filter: (rows: unknown[]) => Promise<unknown[]> } | undefined> {
    const name = txName.startsWith('femeter:') ? txName.slice('femeter:'.length) : txName;
    const label = who.kind === 'meter' ? 'a meter' : `a ${who.role}`;
    if (_PUBLIC.has(name)) return undefined;
    if (_GRID.has(name)) {
        if (who.kind === 'meter')
            return _METER_GRID.has(name) ? undefined : { message: `${label} may not call ${name}` };
        if (_GRID_READERS.has(who.role)) return undefined;
        return { message: `${label} may not read grid aggregation records` };
    }
    if (name === 'GetSurveys')
        return who.kind === 'party' ? undefined : { message: `${label} may not read surveys` };
    if (name === 'ListMeters') {
        if (seesEverything(who)) return undefined;
        return {
            filter: async (rows) => {
                const out: unknown[] = [];
                for (const r of rows) {
                    const id = (r as { id?: unknown }).id;
                    if (typeof id === 'string' && (await mayReadMeter(dir, who, id))) out.push(r);
                }
                return out;
            },
        };
    }
    if (_METER_SCOPED.has(name)) {
        const meterId = args[0] ?? '';
        if (meterId === '') {
            if (seesEverything(who)) return undefined;
            return {
                message: `${name} over all meters is for auditors and the operator; name a meter`,
            };
        }
        if (who.kind === 'meter' && !_METER_SELF.has(name))
            return { message: `${label} may not call ${name}` };
        if (who.kind === 'party' && who.role === 'surveyor')
            return _SURVEYOR_READS.has(name) && dir.granted(who.id, meterId)
                ? undefined
                : { message: `${label} may not call ${name} on meter ${meterId.slice(0, 64)}` };
        if (await mayReadMeter(dir, who, meterId)) return undefined;
        return { message: `${label} may not read meter ${meterId.slice(0, 64)}` };
    }
    return { message: `no read policy for ${name.slice(0, 64)}: refused` };
}

/**
 * Whether `who` may read a committed transaction's request (`ROUTES.transaction`). The operator and
 * auditors read any; everyone else only a SubmitReadings, and only when the same caller may call
 * GetReadings on that request's meter (the request holds that meter's ciphertexts and signatures:
 * the tx fetch must not reach further than GetReadings does).
 */
export async function checkTransactionRead(
    dir: Directory,
    who: Principal,
    txName: string,
    args: readonly string[],
): Promise<Refusal | undefined> {
    if (seesEverything(who)) return undefined;
    const name = txName.startsWith('femeter:') ? txName.slice('femeter:'.length) : txName;
    const label = who.kind === 'meter' ? 'a meter' : `a ${who.role}`;
    let meter: unknown;
    try {
        meter = (JSON.parse(args[0] ?? '') as { meter?: unknown } | null)?.meter;
    } catch {
        meter = undefined;
    }
    if (name !== 'SubmitReadings' || args.length !== 1 || typeof meter !== 'string' || meter === '')
        return {
            message: `${label} may read only SubmitReadings transactions of meters it may read`,
        };
    const r = await checkEvaluate(dir, who, 'GetReadings', [meter]);
    return r !== undefined && 'message' in r ? r : undefined;
}

/**
 * A per-connection filter of the event stream for `who`. Tariff publications are public; every
 * other event names a meter and passes when `who` may read that meter. A provider's own agreement
 * or refusal events widen its view as they pass (the stream is in commit order).
 */
export function eventFilter(
    dir: Directory,
    who: Principal,
): (eventName: string, payload: Uint8Array) => Promise<boolean> {
    if (seesEverything(who)) return () => Promise.resolve(true);
    const dec = new TextDecoder();
    return async (eventName, payload) => {
        if (eventName === 'tariff') return true;
        let p: { meter?: unknown; provider?: unknown };
        try {
            p = JSON.parse(dec.decode(payload)) as typeof p;
        } catch {
            return false;
        }
        if (typeof p.meter !== 'string') return false;
        if (
            who.kind === 'party' &&
            who.role === 'provider' &&
            (eventName === 'agreement' || eventName === 'refusal') &&
            p.provider === who.id
        ) {
            dir.grant(who.id, p.meter);
            return true;
        }
        if (who.kind === 'party' && who.role === 'provider' && eventName === 'bill')
            return p.provider === who.id;
        return mayReadMeter(dir, who, p.meter);
    };
}
