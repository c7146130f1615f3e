// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/agreements
 * Tariff agreements (DESIGN.md §4 step 3): a customer accepts a provider's tariff for some periods of
 * a meter channel (the privacy guard re-runs on the ledger over every key already issued for the
 * epoch; the HPKE-sealed functional keys and a consent record are stored) or records a refusal.
 * Called by `FemeterContract.AcceptTariff` / `RecordRefusal`.
 */
import type { Context } from 'fabric-contract-api';
import { checkKeySet, GUARD_MIN_K, type GuardMode } from '../fe/guard.js';
import { ContractError } from './errors.js';
import { keys } from './keys.js';
import { marshalString } from './marshal.js';
import type { Agreement, Consent, Meter, MpkRecord, Party, PeriodRecord } from './records.js';
import { event, ownMeterChannel, period } from './requests.js';
import { getJson, listByPrefix, mustGet, putJson, txTime } from './state.js';
import { arr, asObj, hex, id, int, obj, oneOf, onlyFields, str } from './validate.js';
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
    onlyFields(b, ['meter', 'channel', 'provider', 'tariff', 'periods', 'guard'], w);
    const { meter, provider, tariff, tariffRec, channel, mode, k } = await agreementContext(
        ctx,
        b,
        w,
    );
    const periods = arr(b, 'periods', w, 1, MAX_AGREEMENT_PERIODS).map((x, i) => {
        const o = asObj(x, `${w}.periods[${i}]`);
        onlyFields(o, ['period', 'encryptedKey'], `${w}.periods[${i}]`);
        return {
            period: period(o, 'period', `${w}.periods[${i}]`),
            encryptedKey: hex(o, 'encryptedKey', `${w}.periods[${i}]`, undefined, 128 * 1024),
        };
    });
    const now = txTime(ctx);
    const txId = ctx.stub.getTxID();
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
        const y = await weightsFor(ctx, meter, pp.period, tariff);
        const aKey = keys.agree(ctx.stub, meter.id, channel, pp.period, provider.id, tariff.id);
        if (await getJson(ctx, aKey))
            throw new ContractError(
                'EXISTS',
                `${w}: ${provider.id} already holds a key for ${tariff.id} in ${pp.period}`,
            );
        const existing = await issuedWeights(ctx, meter, channel, pp.period);
        const decision = checkKeySet(existing, y, { mode, k });
        if (!decision.allowed)
            throw new ContractError(
                'GUARD',
                `${w}: privacy guard refuses ${tariff.id}@${tariff.version} for ${pp.period}: ${decision.reason}`,
            );
        const agreement: Agreement = {
            meter: meter.id,
            channel,
            period: pp.period,
            provider: provider.id,
            tariffId: tariff.id,
            tariffVersion: tariff.version,
            weightsDigest: weightsDigest(y),
            encryptedKey: pp.encryptedKey,
            agreedAt: now,
            txId,
        };
        await putJson(ctx, aKey, agreement);
        const consent: Consent = {
            meter: meter.id,
            channel,
            period: pp.period,
            provider: provider.id,
            tariffId: tariff.id,
            tariffVersion: tariff.version,
            decision: 'allowed',
            reason: decision.reason,
            guard: { mode, k, code: decision.code },
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
    });
    return marshalString({
        meter: meter.id,
        channel,
        provider: provider.id,
        tariff: `${tariff.id}@${tariff.version}`,
        periods: periods.map((x) => x.period),
    });
}

/**
 * RecordRefusal on a parsed request object.
 *
 * @throws {ContractError} `BAD_REQUEST`, `FORBIDDEN` or `NOT_FOUND`
 * @example
 * ```ts
 * return recordRefusal(ctx, parseArg(json, 'RecordRefusal'));
 * ```
 */
export async function recordRefusal(ctx: Context, b: Record<string, unknown>): Promise<string> {
    const w = 'RecordRefusal';
    onlyFields(b, ['meter', 'channel', 'provider', 'tariff', 'periods', 'guard', 'reason'], w);
    const { meter, provider, tariff, channel, mode, k } = await agreementContext(ctx, b, w);
    const reason = str(b, 'reason', w, 1024);
    const periods = arr(b, 'periods', w, 1, MAX_AGREEMENT_PERIODS).map((x, i) => {
        if (typeof x !== 'string')
            throw new ContractError('BAD_REQUEST', `${w}.periods[${i}]: expected a period id`);
        return period({ p: x }, 'p', `${w}.periods[${i}]`);
    });
    const now = txTime(ctx);
    const txId = ctx.stub.getTxID();
    for (const p of periods) {
        const consent: Consent = {
            meter: meter.id,
            channel,
            period: p,
            provider: provider.id,
            tariffId: tariff.id,
            tariffVersion: tariff.version,
            decision: 'refused',
            reason,
            guard: { mode, k, code: 'refused' },
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

/** The checked parties, tariff, channel and guard settings of an agreement request. */
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
    const g = obj(b, 'guard', w);
    onlyFields(g, ['mode', 'k'], `${w}.guard`);
    const mode: GuardMode =
        tariff.kind === 'indexed'
            ? 'indexed'
            : oneOf(g, 'mode', `${w}.guard`, ['class', 'indexed'] as const);
    const k = int(g, 'k', `${w}.guard`, GUARD_MIN_K, 100_000);
    return { meter, customer, provider, tariff, tariffRec, channel, mode, k };
}

/** Weights of every key already issued for an epoch (all providers: the guard is about what leaks at all). */
async function issuedWeights(
    ctx: Context,
    meter: Meter,
    channel: string,
    p: string,
): Promise<bigint[][]> {
    const list = await listByPrefix<Agreement>(ctx, 'agree', [meter.id, channel, p]);
    const out: bigint[][] = [];
    for (const a of list) {
        const { tariff } = await getTariff(ctx, a.value.tariffId, a.value.tariffVersion);
        out.push(await weightsFor(ctx, meter, p, tariff));
    }
    return out;
}
