// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/requests
 * Request parsing shared by the transactions (beside the field validators of `./validate.ts`): identities,
 * period ids, and the one way a transaction emits its event.
 */
import type { Context } from 'fabric-contract-api';
import { ContractError } from './errors.js';
import { marshalString } from './marshal.js';
import { parsePeriodId } from './tariff/index.js';
import type { Meter, Party } from './records.js';
import { channelOf, getMeter, requireParty } from './state.js';
import { ed25519KeyHex, id, obj, onlyFields, str } from './validate.js';

/** Prefix of an Ed25519 identity id (the embedded engine's `getID()`: "ed25519::" + hex public key). */
export const ED25519_ID_PREFIX = 'ed25519::';

/**
 * The `identity` field of a request: `{ mspId, id }`.
 *
 * @throws {ContractError} `BAD_REQUEST`
 * @example
 * ```ts
 * const identity = identityOf(body, 'RegisterParty');
 * ```
 */
export function identityOf(
    o: Record<string, unknown>,
    what: string,
): { mspId: string; id: string } {
    const i = obj(o, 'identity', what);
    onlyFields(i, ['mspId', 'id'], `${what}.identity`);
    const identity = {
        mspId: str(i, 'mspId', `${what}.identity`, 64),
        id: str(i, 'id', `${what}.identity`, 1024),
    };
    // An Ed25519 identity (the embedded engine's "ed25519::<hex key>") must be a valid key: a
    // small-order key would let anyone sign as it (fe/ed25519).
    if (identity.id.startsWith(ED25519_ID_PREFIX))
        ed25519KeyHex(
            { key: identity.id.slice(ED25519_ID_PREFIX.length) },
            'key',
            `${what}.identity.id`,
        );
    return identity;
}

/**
 * A period id field (`YYYY-MM`), checked.
 *
 * @throws {ContractError} `BAD_REQUEST`
 * @example
 * ```ts
 * const p = period(body, 'period', 'ClosePeriod');
 * ```
 */
export function period(o: Record<string, unknown>, k: string, what: string): string {
    const p = str(o, k, what, 7);
    try {
        parsePeriodId(p);
    } catch (e) {
        throw new ContractError('BAD_REQUEST', `${what}.${k}: ${(e as Error).message}`, {
            cause: e,
        });
    }
    return p;
}

/**
 * Emit the transaction's chaincode event (one per transaction), payload as canonical JSON.
 *
 * @example
 * ```ts
 * event(ctx, 'refusal', { meter, periods });
 * ```
 */
export function event(ctx: Context, name: string, payload: unknown): void {
    ctx.stub.setEvent(name, new TextEncoder().encode(marshalString(payload)));
}

/**
 * The `meter` and `channel` of a request made by the meter's owner: the submitter must be a
 * registered customer who owns the meter, and the channel one of the meter's.
 *
 * @throws {ContractError} `NOT_FOUND`, `FORBIDDEN` or `BAD_REQUEST`
 * @example
 * ```ts
 * const { meter, channel } = await ownMeterChannel(ctx, body, 'PublishMpk');
 * ```
 */
export async function ownMeterChannel(
    ctx: Context,
    b: Record<string, unknown>,
    w: string,
): Promise<{ meter: Meter; customer: Party; channel: string }> {
    const meter = await getMeter(ctx, id(b, 'meter', w));
    const customer = await requireParty(ctx, ['customer'], w);
    if (meter.owner !== customer.id)
        throw new ContractError(
            'FORBIDDEN',
            `${w}: meter ${meter.id} belongs to ${meter.owner}, not ${customer.id}`,
        );
    const channel = id(b, 'channel', w);
    channelOf(meter, channel);
    return { meter, customer, channel };
}
