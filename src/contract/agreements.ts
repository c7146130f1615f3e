// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/agreements
 * Tariff agreements (DESIGN.md §3, §4 step 3): a customer accepts a provider's tariff for some
 * periods of a meter channel, or records a refusal. On acceptance the privacy guard
 * (fe/guard `guardKeySet`) decides on the epoch's whole key set — the weights of every agreement
 * of every provider, derived on the ledger from the stored tariffs and price series, plus the
 * candidate, and every accepted survey (`./survey.ts`, via `./epoch-keys.ts`) — with k from the ledger configuration: nothing the guard uses comes from the request,
 * so the verdict is a function of the key set, not of acceptance order or of the caller. Indexed
 * tariffs must also stay within the bounds of `tariff/bounds.ts`. The sealed functional key, the
 * consent record (with the verdict's code, method, rank and minimum support) and the agreement's
 * fold (`./folds.ts`) are stored. A second acceptance of the same agreement by the customer
 * replaces its sealed key (a key that turned out bad), recorded as a "replaced" consent.
 * Called by `FemeterContract.AcceptTariff` / `RecordRefusal`.
 */
import type { Context } from 'fabric-contract-api';
import { guardKeySet, type KeySetVerdict } from '../fe/guard.js';
import { ledgerConfig } from './config.js';
import { ContractError } from './errors.js';
import { issuedWeights } from './epoch-keys.js';
import { startFold } from './folds.js';
import { keys } from './keys.js';
import { marshalString } from './marshal.js';
import type {
    Agreement,
    Consent,
    ConsentGuard,
    MpkRecord,
    Party,
    PeriodRecord,
    SeriesOwner,
} from './records.js';
import { event, ownMeterChannel, period } from './requests.js';
import { getJson, mustGet, putJson, txTime } from './state.js';
import { assertIndexedTariffBounds, TariffError, type Tariff } from './tariff/index.js';
import { arr, asObj, hex, id, int, obj, onlyFields, str } from './validate.js';
import { getTariff, weightsDigest, weightsFor } from './weights.js';

/** Most periods one AcceptTariff may cover (a year of months, with room). */
export const MAX_AGREEMENT_PERIODS = 24;

/**
 * AcceptTariff on a parsed request object.
 *
 * @throws {ContractError} `BAD_REQUEST`, `FORBIDDEN`, `NOT_FOUND`, `CLOSED`, `EXISTS` or `GUARD`
 * @example
 * ```ts
 * return acceptTariff(ctx, parseArg(json, 'AcceptTariff'));
 * ```
 */
export async function acceptTariff(ctx: Context, b: Record<string, unknown>): Promise<string> {
    const w = 'AcceptTariff';
    onlyFields(b, ['meter', 'channel', 'provider', 'tariff', 'periods'], w);
    const { meter, provider, tariff, tariffRec, channel } = await agreementContext(ctx, b, w);
    await assertBounds(ctx, tariff, w);
    const { guardK: k } = await ledgerConfig(ctx);
    const periods = arr(b, 'periods', w, 1, MAX_AGREEMENT_PERIODS).map((x, i) => {
        const o = asObj(x, `${w}.periods[${i}]`);
        onlyFields(o, ['period', 'encryptedKey'], `${w}.periods[${i}]`);
        return {
            period: period(o, 'period', `${w}.periods[${i}]`),
            encryptedKey: hex(o, 'encryptedKey', `${w}.periods[${i}]`, undefined, 128 * 1024),
        };
    });
    if (new Set(periods.map((x) => x.period)).size !== periods.length)
        throw new ContractError('BAD_REQUEST', `${w}.periods: a period is listed twice`);
    const now = txTime(ctx);
    const txId = ctx.stub.getTxID();
    const replaced: string[] = [];
    for (const pp of periods) {
        await mustGet<MpkRecord>(
            ctx,
            keys.mpk(ctx.stub, meter.id, channel, pp.period),
            `mpk ${meter.id}/${channel}/${pp.period}`,
        );
        const pr = await getJson<PeriodRecord>(
            ctx,
            keys.period(ctx.stub, meter.id, channel, pp.period),
        );
        if (pr?.closed)
            throw new ContractError('CLOSED', `${w}: period ${pp.period} is already closed`);
        const aKey = keys.agree(ctx.stub, meter.id, channel, pp.period, provider.id, tariff.id);
        const held = await getJson<Agreement>(ctx, aKey);
        const base = {
            meter: meter.id,
            channel,
            period: pp.period,
            provider: provider.id,
            tariffId: tariff.id,
            tariffVersion: tariff.version,
        };
        if (held) {
            // Key replacement: same agreement, same weights, a new sealed key (issue 9 item 5).
            if (held.tariffVersion !== tariff.version)
                throw new ContractError(
                    'EXISTS',
                    `${w}: ${provider.id} already holds ${tariff.id}@${held.tariffVersion} in ${pp.period}; a new version takes effect from a later period`,
                );
            if (held.encryptedKey === pp.encryptedKey)
                throw new ContractError(
                    'EXISTS',
                    `${w}: ${provider.id} already holds this key for ${tariff.id} in ${pp.period}`,
                );
            await putJson(ctx, aKey, {
                ...held,
                encryptedKey: pp.encryptedKey,
                keyReplacedAt: now,
                txId,
            } satisfies Agreement);
            await putJson(ctx, keys.consent(ctx.stub, meter.id, channel, pp.period, txId), {
                ...base,
                decision: 'replaced',
                reason: 'the customer replaced the sealed functional key of an existing agreement (same weights)',
                guard: { k, code: 'unchanged' },
                at: now,
                txId,
            } satisfies Consent);
            replaced.push(pp.period);
            continue;
        }
        const y = await weightsFor(ctx, meter, pp.period, tariff);
        const existing = await issuedWeights(ctx, meter, channel, pp.period);
        const verdict = guardKeySet([...existing, y], { k });
        if (!verdict.allowed)
            throw new ContractError(
                'GUARD',
                `${w}: privacy guard refuses ${tariff.id}@${tariff.version} for ${pp.period}: ${verdict.reason}`,
            );
        const agreement: Agreement = {
            ...base,
            weightsDigest: weightsDigest(y),
            encryptedKey: pp.encryptedKey,
            agreedAt: now,
            txId,
        };
        await putJson(ctx, aKey, agreement);
        await startFold(ctx, meter, channel, pp.period, provider.id, tariff.id, y);
        const consent: Consent = {
            ...base,
            decision: 'allowed',
            reason: verdict.reason,
            guard: consentGuard(verdict, existing.length + 1),
            at: now,
            txId,
        };
        await putJson(ctx, keys.consent(ctx.stub, meter.id, channel, pp.period, txId), consent);
    }
    event(ctx, 'agreement', {
        meter: meter.id,
        channel,
        provider: provider.id,
        tariff: tariff.id,
        version: tariff.version,
        digest: tariffRec.digest,
        periods: periods.map((x) => x.period),
        ...(replaced.length > 0 ? { replaced } : {}),
    });
    return marshalString({
        meter: meter.id,
        channel,
        provider: provider.id,
        tariff: `${tariff.id}@${tariff.version}`,
        periods: periods.map((x) => x.period),
        replaced,
    });
}

/** What the consent record keeps of a verdict. */
export function consentGuard(v: KeySetVerdict, count: number): ConsentGuard {
    return {
        k: v.k,
        code: v.code,
        method: v.method,
        ...(v.rank === undefined ? {} : { rank: v.rank }),
        ...(v.minSupport === undefined ? {} : { minSupport: v.minSupport }),
        ...(v.minSupportExact === undefined ? {} : { minSupportExact: v.minSupportExact }),
        keys: count,
    };
}

/** An indexed tariff must follow a registered series within the bounds of tariff/bounds.ts. */
export async function assertBounds(ctx: Context, tariff: Tariff, w: string): Promise<void> {
    if (tariff.kind !== 'indexed') return;
    const owner = await getJson<SeriesOwner>(ctx, keys.seriesOwner(ctx.stub, tariff.series));
    try {
        assertIndexedTariffBounds(tariff, { allowedSeries: owner ? [owner.id] : [] });
    } catch (e) {
        if (e instanceof TariffError)
            throw new ContractError('BAD_REQUEST', `${w}: ${e.message}`, { cause: e });
        throw e;
    }
}

/**
 * RecordRefusal on a parsed request object. When the tariff's weights can be derived, the
 * contract records its own verdict on the key set beside the customer's reason.
 *
 * @throws {ContractError} `BAD_REQUEST`, `FORBIDDEN` or `NOT_FOUND`
 * @example
 * ```ts
 * return recordRefusal(ctx, parseArg(json, 'RecordRefusal'));
 * ```
 */
export async function recordRefusal(ctx: Context, b: Record<string, unknown>): Promise<string> {
    const w = 'RecordRefusal';
    onlyFields(b, ['meter', 'channel', 'provider', 'tariff', 'periods', 'reason'], w);
    const { meter, provider, tariff, channel } = await agreementContext(ctx, b, w);
    const { guardK: k } = await ledgerConfig(ctx);
    const reason = str(b, 'reason', w, 1024);
    const periods = arr(b, 'periods', w, 1, MAX_AGREEMENT_PERIODS).map((x, i) => {
        if (typeof x !== 'string')
            throw new ContractError('BAD_REQUEST', `${w}.periods[${i}]: expected a period id`);
        return period({ p: x }, 'p', `${w}.periods[${i}]`);
    });
    const now = txTime(ctx);
    const txId = ctx.stub.getTxID();
    for (const p of periods) {
        let guard: ConsentGuard = { k, code: 'customer' };
        try {
            const y = await weightsFor(ctx, meter, p, tariff);
            const existing = await issuedWeights(ctx, meter, channel, p);
            guard = consentGuard(guardKeySet([...existing, y], { k }), existing.length + 1);
        } catch (e) {
            if (!(e instanceof ContractError)) throw e; // e.g. series not yet published: no verdict
        }
        const consent: Consent = {
            meter: meter.id,
            channel,
            period: p,
            provider: provider.id,
            tariffId: tariff.id,
            tariffVersion: tariff.version,
            decision: 'refused',
            reason,
            guard,
            at: now,
            txId,
        };
        await putJson(ctx, keys.consent(ctx.stub, meter.id, channel, p, txId), consent);
    }
    event(ctx, 'refusal', {
        meter: meter.id,
        channel,
        provider: provider.id,
        tariff: tariff.id,
        periods,
        reason,
    });
    return marshalString({ refused: periods.length, reason });
}

/** The checked parties, tariff and channel of an agreement request. */
async function agreementContext(ctx: Context, b: Record<string, unknown>, w: string) {
    const { meter, customer, channel } = await ownMeterChannel(ctx, b, w);
    const provider = await mustGet<Party>(
        ctx,
        keys.party(ctx.stub, id(b, 'provider', w)),
        `provider ${String(b.provider)}`,
    );
    if (provider.role !== 'provider')
        throw new ContractError('BAD_REQUEST', `${w}.provider: ${provider.id} is not a provider`);
    const t = obj(b, 'tariff', w);
    onlyFields(t, ['id', 'version'], `${w}.tariff`);
    const { rec: tariffRec, tariff } = await getTariff(
        ctx,
        id(t, 'id', `${w}.tariff`),
        int(t, 'version', `${w}.tariff`, 1, 2 ** 31 - 1),
    );
    if (tariff.provider !== provider.id)
        throw new ContractError(
            'BAD_REQUEST',
            `${w}: tariff ${tariff.id} belongs to ${tariff.provider}, not ${provider.id}`,
        );
    return { meter, customer, provider, tariff, tariffRec, channel };
}
