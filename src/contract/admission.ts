// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/admission
 * What an engine may refuse BEFORE ordering a transaction, from the contract's own rules (issue 9
 * item 8): a creator the contract has not registered, a transaction name it does not have, and a
 * request larger than the largest argument that transaction accepts. A refusal here stores nothing,
 * so neither an unregistered key nor an oversized request can fill the ledger's disk.
 *
 * The rules only read committed state through `get` and build keys as `keys.ts` does, so an engine
 * (the embedded one: `creatorCheck` and `maxTxBytes`) applies them without running the contract.
 * The contract still checks everything itself when the transaction executes.
 */
import { CONFIG_KEY } from './config.js';
import { keys, type KeyBuilder } from './keys.js';
import { MPK_ARG_MAX_BYTES } from './limits.js';
import { MAX_ARG_BYTES } from './marshal.js';

/** Room for an envelope's framing around its arguments (creator, nonce, channel, name, signature). */
export const ENVELOPE_OVERHEAD_BYTES = 16 * 1024;
/** Largest request of a transaction whose arguments are a few ids or a small record. */
const SMALL_TX_BYTES = 64 * 1024;
/** Largest query: up to four ids of at most 64 characters each, with room to spare. */
const QUERY_TX_BYTES = 32 * 1024;
/** Largest request of a transaction that takes one argument of at most `MAX_ARG_BYTES`. */
const ARG_TX_BYTES = MAX_ARG_BYTES + ENVELOPE_OVERHEAD_BYTES;

/**
 * Largest signed request (payload + signature, bytes) per transaction of the contract: the largest
 * argument the transaction itself accepts plus the envelope's framing, so valid traffic always fits.
 * A test keeps this table in step with the contract's transactions.
 */
export const TX_MAX_BYTES: Readonly<Record<string, number>> = Object.freeze({
    Bootstrap: SMALL_TX_BYTES,
    RegisterParty: SMALL_TX_BYTES,
    RegisterMeter: SMALL_TX_BYTES,
    PublishMpk: MPK_ARG_MAX_BYTES + ENVELOPE_OVERHEAD_BYTES,
    AckMpk: SMALL_TX_BYTES,
    PublishTariff: ARG_TX_BYTES,
    PublishPriceSeries: ARG_TX_BYTES,
    AcceptTariff: ARG_TX_BYTES,
    RecordRefusal: ARG_TX_BYTES,
    SubmitReadings: ARG_TX_BYTES,
    ClosePeriod: SMALL_TX_BYTES,
    PostBill: SMALL_TX_BYTES,
    RegisterAggregationGroup: ARG_TX_BYTES,
    ConsentAggregation: ARG_TX_BYTES,
    PublishAggregationShare: ARG_TX_BYTES,
    SubmitAggregateCiphertexts: ARG_TX_BYTES,
    PostAggregates: ARG_TX_BYTES,
    RequestSurvey: ARG_TX_BYTES,
    AcceptSurvey: ARG_TX_BYTES,
    RefuseSurvey: SMALL_TX_BYTES,
    GetConfig: QUERY_TX_BYTES,
    WhoAmI: QUERY_TX_BYTES,
    GetParty: QUERY_TX_BYTES,
    ListParties: QUERY_TX_BYTES,
    GetMeter: QUERY_TX_BYTES,
    ListMeters: QUERY_TX_BYTES,
    GetMpk: QUERY_TX_BYTES,
    GetTariff: QUERY_TX_BYTES,
    ListTariffs: QUERY_TX_BYTES,
    GetPriceSeries: QUERY_TX_BYTES,
    GetAgreements: QUERY_TX_BYTES,
    GetConsents: QUERY_TX_BYTES,
    GetPeriod: QUERY_TX_BYTES,
    GetReadings: QUERY_TX_BYTES,
    ListPeriods: QUERY_TX_BYTES,
    GetMeterSequence: QUERY_TX_BYTES,
    GetBills: QUERY_TX_BYTES,
    ListBills: QUERY_TX_BYTES,
    GetAggregationGroup: QUERY_TX_BYTES,
    ListAggregationGroups: QUERY_TX_BYTES,
    GetAggregationConsents: QUERY_TX_BYTES,
    GetAggregationShares: QUERY_TX_BYTES,
    GetAggregateCiphertexts: QUERY_TX_BYTES,
    GetAggregates: QUERY_TX_BYTES,
    GetSurveys: QUERY_TX_BYTES,
    GetStateDigests: QUERY_TX_BYTES,
});

/** The contract's name as a transaction-name prefix (`femeter:SubmitReadings`). */
const CONTRACT_PREFIX = 'femeter:';

/**
 * {@link TX_MAX_BYTES} under every name an engine may see: bare and with the contract prefix.
 *
 * @example
 * ```ts
 * await EmbeddedLedger.open({ path, contracts, maxTxBytes: txMaxBytesByName() });
 * ```
 */
export function txMaxBytesByName(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [name, cap] of Object.entries(TX_MAX_BYTES)) {
        out[name] = cap;
        out[CONTRACT_PREFIX + name] = cap;
    }
    return out;
}

/**
 * Fabric's composite-key layout (`\0type\0attr\0…`), the one every engine's stub builds, for
 * reading state outside a transaction.
 */
const plainKeys: KeyBuilder = {
    createCompositeKey: (type, attributes) =>
        `\u0000${type}\u0000${attributes.map((a) => `${a}\u0000`).join('')}`,
};

/**
 * Why a creator may not send `txName`, or undefined to admit it: the transaction must be one of the
 * contract's ({@link TX_MAX_BYTES}); the creator must be a registered party or meter, except
 * `WhoAmI` (anyone may ask whether it is registered) and `Bootstrap` on a ledger with no operator
 * yet. `get` reads committed state.
 *
 * @example
 * ```ts
 * const why = unadmittedCreator({ mspId, id: 'ed25519::…' }, 'SubmitReadings', (k) => state.get(k));
 * if (why !== undefined) refuse(why);
 * ```
 */
export function unadmittedCreator(
    creator: { readonly mspId: string; readonly id: string },
    txName: string,
    get: (key: string) => Uint8Array | undefined,
): string | undefined {
    const name = txName.startsWith(CONTRACT_PREFIX) ? txName.slice(CONTRACT_PREFIX.length) : txName;
    if (!Object.hasOwn(TX_MAX_BYTES, name))
        return `the contract has no transaction ${JSON.stringify(txName.slice(0, 64))}`;
    if (name === 'WhoAmI') return undefined;
    if (name === 'Bootstrap' && get(CONFIG_KEY) === undefined) return undefined;
    if (get(keys.ident(plainKeys, creator.mspId, creator.id)) !== undefined) return undefined;
    return (
        `identity ${creator.mspId}/${creator.id.slice(0, 40)}… is not registered on this ledger; ` +
        'hand its registration.json to the operator (femeter operator register)'
    );
}
