// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/state
 * Typed access to world state and to the submitter, shared by the contract's transactions.
 * Reads see committed state only (Fabric semantics, also on the embedded engine), so a transaction
 * that updates one record several times keeps it in memory and writes it once.
 */
import type { Context } from 'fabric-contract-api';
import { ContractError } from './errors.js';
import { keys } from './keys.js';
import { marshal, unmarshal } from './marshal.js';
import type { IdentityRef, LedgerIdentity, Meter, Party, Role } from './records.js';

export async function getJson<T>(ctx: Context, key: string): Promise<T | undefined> {
    const b = await ctx.stub.getState(key);
    return b.length > 0 ? unmarshal<T>(b) : undefined;
}

export async function mustGet<T>(ctx: Context, key: string, what: string): Promise<T> {
    const v = await getJson<T>(ctx, key);
    if (v === undefined) throw new ContractError('NOT_FOUND', `${what} does not exist`);
    return v;
}

export async function putJson(ctx: Context, key: string, value: unknown): Promise<void> {
    await ctx.stub.putState(key, marshal(value));
}

/** Deterministic transaction time (ISO 8601), from the signed proposal. */
export function txTime(ctx: Context): string {
    const ts = ctx.stub.getTxTimestamp();
    const secs = typeof ts.seconds === 'number' ? ts.seconds : Number(ts.seconds.toString());
    return new Date(secs * 1000 + Math.floor(ts.nanos / 1e6)).toISOString();
}

export function submitter(ctx: Context): LedgerIdentity {
    return { mspId: ctx.clientIdentity.getMSPID(), id: ctx.clientIdentity.getID() };
}

export async function whoIs(ctx: Context): Promise<IdentityRef | undefined> {
    const me = submitter(ctx);
    return getJson<IdentityRef>(ctx, keys.ident(ctx.stub, me.mspId, me.id));
}

/** The submitter's party record, refusing unknown identities and roles not in `roles`. */
export async function requireParty(
    ctx: Context,
    roles: readonly Role[],
    action: string,
): Promise<Party> {
    const ref = await whoIs(ctx);
    if (ref?.kind !== 'party')
        throw new ContractError(
            'FORBIDDEN',
            `${action}: the submitting identity is not a registered party; ask the operator to register it`,
        );
    const p = await mustGet<Party>(ctx, keys.party(ctx.stub, ref.id), `party ${ref.id}`);
    if (!roles.includes(p.role))
        throw new ContractError(
            'FORBIDDEN',
            `${action}: party ${p.id} is a ${p.role}; only ${roles.join(' or ')} may do this`,
        );
    return p;
}

/** Any registered party or meter (for reads). */
export async function requireRegistered(ctx: Context, action: string): Promise<IdentityRef> {
    const ref = await whoIs(ctx);
    if (ref === undefined)
        throw new ContractError(
            'FORBIDDEN',
            `${action}: the submitting identity is not registered`,
        );
    return ref;
}

export async function getMeter(ctx: Context, id: string): Promise<Meter> {
    return mustGet<Meter>(ctx, keys.meter(ctx.stub, id), `meter ${id}`);
}

/** The meter whose registered identity submits this transaction. */
export async function requireMeter(ctx: Context, meterId: string, action: string): Promise<Meter> {
    const meter = await getMeter(ctx, meterId);
    const me = submitter(ctx);
    if (meter.identity.mspId !== me.mspId || meter.identity.id !== me.id) {
        throw new ContractError(
            'FORBIDDEN',
            `${action}: only meter ${meterId}'s registered identity may do this`,
        );
    }
    return meter;
}

export function channelOf(meter: Meter, channel: string): void {
    if (!meter.channels.some((c) => c.id === channel))
        throw new ContractError('NOT_FOUND', `meter ${meter.id} has no channel ${channel}`);
}

/** Collect all values of a partial composite key. */
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the stored record type
export async function listByPrefix<T>(
    ctx: Context,
    type: string,
    attrs: string[],
    limit = 100_000,
): Promise<{ key: string; value: T }[]> {
    const it = await ctx.stub.getStateByPartialCompositeKey(type, attrs);
    const out: { key: string; value: T }[] = [];
    try {
        for (;;) {
            const r = await it.next();
            // an exhausted iterator may answer without a value, whatever the typings say
            const kv = r.value as typeof r.value | undefined;
            if (kv) out.push({ key: kv.key, value: unmarshal<T>(kv.value) });
            if (r.done) break;
            if (out.length > limit)
                throw new ContractError(
                    'BAD_REQUEST',
                    `more than ${limit} ${type} records: narrow the query`,
                );
        }
    } finally {
        await it.close();
    }
    return out;
}
