// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/femeter
 * The femeter contract: every rule of the ledger (DESIGN.md §4–§5) in one fabric-contract-api
 * class that runs unchanged as Hyperledger Fabric chaincode and on the embedded engine.
 * Every transaction takes one JSON argument (or plain ids for queries) and returns canonical JSON.
 * No clock, no randomness: time comes from the transaction timestamp, ids from the caller.
 */
import fabric from 'fabric-contract-api';
import type { Context as FabricContext } from 'fabric-contract-api';
import { sha256 } from '@noble/hashes/sha2.js';
import { decodeMpk } from '../fe/codec.js';
import { FeError } from '../fe/errors.js';
import { GROUP_NAMES, groupByName } from '../fe/groups.js';
import { verifyBillOnLedger } from './billing.js';
import { CONFIG_KEY, ledgerConfig } from './config.js';
import { foldReadings } from './folds.js';
import { GUARD_DEFAULT_K, GUARD_MIN_K } from '../fe/guard.js';
import { ContractError } from './errors.js';
import { keys } from './keys.js';
import { marshalString, parseArg } from './marshal.js';
import { assertMpkFits, MPK_ARG_MAX_BYTES, mpkHexLimit } from './limits.js';
import { acceptTariff, assertBounds, recordRefusal } from './agreements.js';
import { periodDigest } from './period-digest.js';
import { applyReadings, listSlots, readingPreverify, type ReadingEventItem } from './readings.js';
import { event, identityOf, ownMeterChannel, period } from './requests.js';
import {
    MEDIA,
    ROLES,
    UNITS,
    type Agreement,
    type Bill,
    type Consent,
    type IdentityRef,
    type Meter,
    type MeterChannel,
    type MeterSequence,
    type MpkAck,
    type MpkRecord,
    type Party,
    type PeriodRecord,
    type SeriesOwner,
    type SeriesRecord,
    type TariffRecord,
} from './records.js';
import { closePayload, mpkAckPayload, verifyEd25519 } from './signing.js';
import {
    channelOf,
    getJson,
    getMeter,
    listByPrefix,
    mustGet,
    putJson,
    requireMeter,
    requireParty,
    requireRegistered,
    submitter,
    txTime,
    whoIs,
} from './state.js';
import {
    assertPriceSeries,
    assertTimeZone,
    assertIntervalMinutes,
    parseTariff,
    TariffError,
} from './tariff/index.js';
import {
    arr,
    asObj,
    bytesToHex,
    ed25519KeyHex,
    hex,
    hexToBytes,
    id,
    int,
    obj,
    oneOf,
    onlyFields,
    str,
} from './validate.js';
import { getTariff, meterPeriod } from './weights.js';
import * as grid from './grid/index.js';
import { acceptSurvey, getSurveys, refuseSurvey, requestSurvey } from './survey.js';
import { getStateDigests } from './state-digests.js';

const { Contract, Info, Returns, Transaction } = fabric;
/**
 * The runtime Context class under the type's name: fabric-contract-api recognises the `ctx`
 * parameter by the emitted `design:paramtypes` metadata, which needs a value, not a type-only import.
 */
const Context = fabric.Context;
type Context = FabricContext;

export { MAX_AGREEMENT_PERIODS } from './agreements.js';

@Info({
    title: 'femeter',
    description:
        'Privacy-preserving smart metering: encrypted readings, functional keys, verifiable bills',
})
export class FemeterContract extends Contract {
    constructor() {
        super('femeter');
    }

    /** A fresh transaction context (fabric-contract-api's hook; the same class the runtime would create). */
    override createContext(): Context {
        return new Context();
    }

    // ---------------------------------------------------------------- registration

    /**
     * Make the submitter the operator and fix the ledger configuration. Only once per ledger.
     * Request: `{ id, name, guardK? }` — guardK is the privacy guard's k for every epoch (default 96, ≥ 4).
     */
    @Transaction()
    @Returns('string')
    async Bootstrap(ctx: Context, json: string): Promise<string> {
        const b = parseArg(json, 'Bootstrap');
        onlyFields(b, ['id', 'name', 'guardK'], 'Bootstrap');
        const guardK =
            b.guardK === undefined
                ? GUARD_DEFAULT_K
                : int(b, 'guardK', 'Bootstrap', GUARD_MIN_K, 100_000);
        if (await getJson(ctx, CONFIG_KEY))
            throw new ContractError(
                'EXISTS',
                'the ledger already has an operator; Bootstrap runs once',
            );
        const party: Party = {
            id: id(b, 'id', 'Bootstrap'),
            role: 'operator',
            name: str(b, 'name', 'Bootstrap'),
            identity: submitter(ctx),
            registeredAt: txTime(ctx),
        };
        await putJson(ctx, CONFIG_KEY, { operator: party.id, guardK });
        await putJson(ctx, keys.party(ctx.stub, party.id), party);
        await putJson(ctx, keys.ident(ctx.stub, party.identity.mspId, party.identity.id), {
            kind: 'party',
            id: party.id,
        } satisfies IdentityRef);
        return marshalString(party);
    }

    /** Register a party (operator only). */
    @Transaction()
    @Returns('string')
    async RegisterParty(ctx: Context, json: string): Promise<string> {
        await requireParty(ctx, ['operator'], 'RegisterParty');
        const b = parseArg(json, 'RegisterParty');
        onlyFields(b, ['id', 'role', 'name', 'identity', 'hpkePublicKey'], 'RegisterParty');
        const party: Party = {
            id: id(b, 'id', 'RegisterParty'),
            role: oneOf(b, 'role', 'RegisterParty', ROLES),
            name: str(b, 'name', 'RegisterParty'),
            identity: identityOf(b, 'RegisterParty'),
            ...(b.hpkePublicKey === undefined
                ? {}
                : { hpkePublicKey: hex(b, 'hpkePublicKey', 'RegisterParty', 32) }),
            registeredAt: txTime(ctx),
        };
        if (
            (party.role === 'provider' ||
                party.role === 'gridOperator' ||
                party.role === 'surveyor') &&
            party.hpkePublicKey === undefined
        )
            throw new ContractError(
                'BAD_REQUEST',
                `RegisterParty.hpkePublicKey: a ${party.role} needs an X25519 key to receive functional keys or key shares`,
            );
        await this.#claimIdentity(ctx, party.identity, { kind: 'party', id: party.id });
        if (await getJson(ctx, keys.party(ctx.stub, party.id)))
            throw new ContractError('EXISTS', `party ${party.id} already exists`);
        await putJson(ctx, keys.party(ctx.stub, party.id), party);
        return marshalString(party);
    }

    /** Register a meter with its channels, key, limits and software identity (operator only). */
    @Transaction()
    @Returns('string')
    async RegisterMeter(ctx: Context, json: string): Promise<string> {
        await requireParty(ctx, ['operator'], 'RegisterMeter');
        const b = parseArg(json, 'RegisterMeter');
        const w = 'RegisterMeter';
        onlyFields(
            b,
            [
                'id',
                'owner',
                'identity',
                'signingKey',
                'channels',
                'slotMinutes',
                'maxPerSlot',
                'timeZone',
                'software',
                'group',
            ],
            w,
        );
        const owner = id(b, 'owner', w);
        const ownerParty = await mustGet<Party>(ctx, keys.party(ctx.stub, owner), `owner ${owner}`);
        if (ownerParty.role !== 'customer')
            throw new ContractError(
                'BAD_REQUEST',
                `${w}.owner: ${owner} is a ${ownerParty.role}, not a customer`,
            );
        const channels: MeterChannel[] = arr(b, 'channels', w, 1, 8).map((c, i) => {
            const o = asObj(c, `${w}.channels[${i}]`);
            onlyFields(o, ['id', 'unit', 'medium'], `${w}.channels[${i}]`);
            return {
                id: id(o, 'id', `${w}.channels[${i}]`),
                unit: oneOf(o, 'unit', `${w}.channels[${i}]`, UNITS),
                medium: oneOf(o, 'medium', `${w}.channels[${i}]`, MEDIA),
            };
        });
        if (new Set(channels.map((c) => c.id)).size !== channels.length)
            throw new ContractError('BAD_REQUEST', `${w}.channels: duplicate channel id`);
        const software = obj(b, 'software', w);
        onlyFields(software, ['id', 'digest'], `${w}.software`);
        let timeZone: string;
        let slotMinutes: number;
        try {
            timeZone = assertTimeZone(b.timeZone ?? 'Europe/Berlin');
            slotMinutes = assertIntervalMinutes(b.slotMinutes ?? 15);
        } catch (e) {
            throw new ContractError('BAD_REQUEST', `${w}: ${(e as Error).message}`, { cause: e });
        }
        const meter: Meter = {
            id: id(b, 'id', w),
            owner,
            identity: identityOf(b, w),
            signingKey: ed25519KeyHex(b, 'signingKey', w),
            channels,
            slotMinutes,
            maxPerSlot: int(b, 'maxPerSlot', w, 1, 2 ** 32),
            timeZone,
            software: {
                id: str(software, 'id', `${w}.software`),
                digest: hex(software, 'digest', `${w}.software`, 32),
            },
            group: b.group === undefined ? 'ristretto255' : oneOf(b, 'group', w, GROUP_NAMES),
            registeredAt: txTime(ctx),
        };
        assertMpkFits(meter.group, meter.slotMinutes, w);
        if (await getJson(ctx, keys.meter(ctx.stub, meter.id)))
            throw new ContractError('EXISTS', `meter ${meter.id} already exists`);
        await this.#claimIdentity(ctx, meter.identity, { kind: 'meter', id: meter.id });
        await putJson(ctx, keys.meter(ctx.stub, meter.id), meter);
        return marshalString(meter);
    }

    async #claimIdentity(
        ctx: Context,
        identity: { mspId: string; id: string },
        ref: IdentityRef,
    ): Promise<void> {
        const k = keys.ident(ctx.stub, identity.mspId, identity.id);
        if (await getJson(ctx, k))
            throw new ContractError(
                'EXISTS',
                `identity ${identity.mspId}/${identity.id.slice(0, 40)}… is already registered`,
            );
        await putJson(ctx, k, ref);
    }

    // ---------------------------------------------------------------- keys

    /** Publish the mpk of one meter channel period (the meter's owner only). */
    @Transaction()
    @Returns('string')
    async PublishMpk(ctx: Context, json: string): Promise<string> {
        const w = 'PublishMpk';
        const b = parseArg(json, w, MPK_ARG_MAX_BYTES);
        onlyFields(b, ['meter', 'channel', 'period', 'mpk'], w);
        const { meter, channel } = await ownMeterChannel(ctx, b, w);
        const p = period(b, 'period', w);
        const g = groupByName(meter.group);
        const slots = meterPeriod(meter, p).slotCount;
        const mpkHex = hex(b, 'mpk', w, undefined, mpkHexLimit(g, slots));
        let mpk;
        try {
            mpk = decodeMpk(g, hexToBytes(mpkHex));
        } catch (e) {
            if (e instanceof FeError)
                throw new ContractError('BAD_KEY', `${w}: ${e.message}`, { cause: e });
            throw e;
        }
        if (mpk.ctx.meter !== meter.id || mpk.ctx.channel !== channel || mpk.ctx.period !== p)
            throw new ContractError(
                'BAD_KEY',
                `${w}: the mpk is for ${mpk.ctx.meter}/${mpk.ctx.channel}/${mpk.ctx.period}`,
            );
        if (mpk.H.length !== slots)
            throw new ContractError(
                'BAD_KEY',
                `${w}: the mpk has ${mpk.H.length} slots, period ${p} has ${slots}`,
            );
        const k = keys.mpk(ctx.stub, meter.id, channel, p);
        const digest = bytesToHex(sha256(hexToBytes(mpkHex)));
        const existing = await getJson<MpkRecord>(ctx, k);
        if (existing) {
            if (existing.digest === digest) return marshalString({ ...existing, mpk: undefined });
            throw new ContractError(
                'EXISTS',
                `${w}: an mpk for ${meter.id}/${channel}/${p} is already published; mpks are write-once`,
            );
        }
        const rec: MpkRecord = {
            meter: meter.id,
            channel,
            period: p,
            group: meter.group,
            slots,
            mpk: mpkHex,
            digest,
            publishedAt: txTime(ctx),
        };
        await putJson(ctx, k, rec);
        event(ctx, 'mpk', { meter: meter.id, channel, period: p, digest });
        return marshalString({ ...rec, mpk: undefined });
    }

    /** The meter acknowledges an mpk: its signature binds the digest, so the owner cannot swap it later. */
    @Transaction()
    @Returns('string')
    async AckMpk(ctx: Context, json: string): Promise<string> {
        const w = 'AckMpk';
        const b = parseArg(json, w);
        onlyFields(b, ['meter', 'channel', 'period', 'digest', 'signature'], w);
        const meter = await requireMeter(ctx, id(b, 'meter', w), w);
        const channel = id(b, 'channel', w);
        const p = period(b, 'period', w);
        const rec = await mustGet<MpkRecord>(
            ctx,
            keys.mpk(ctx.stub, meter.id, channel, p),
            `mpk ${meter.id}/${channel}/${p}`,
        );
        const digest = hex(b, 'digest', w, 32);
        if (digest !== rec.digest)
            throw new ContractError('BAD_KEY', `${w}: digest does not match the published mpk`);
        const sig = hex(b, 'signature', w, 64);
        if (
            !verifyEd25519(
                hexToBytes(meter.signingKey),
                mpkAckPayload(meter.id, channel, p, hexToBytes(digest)),
                hexToBytes(sig),
            )
        ) {
            throw new ContractError(
                'BAD_SIGNATURE',
                `${w}: signature does not verify under meter ${meter.id}'s key`,
            );
        }
        const ack: MpkAck = { digest, signature: sig, at: txTime(ctx) };
        await putJson(ctx, keys.mpkAck(ctx.stub, meter.id, channel, p), ack);
        return marshalString(ack);
    }

    // ---------------------------------------------------------------- tariffs

    /** Publish a tariff document (providers, for themselves). Versions are write-once. */
    @Transaction()
    @Returns('string')
    async PublishTariff(ctx: Context, json: string): Promise<string> {
        const provider = await requireParty(ctx, ['provider'], 'PublishTariff');
        const doc = parseArg(json, 'PublishTariff');
        let tariff;
        try {
            tariff = parseTariff(doc);
        } catch (e) {
            if (e instanceof TariffError)
                throw new ContractError('BAD_REQUEST', `PublishTariff: ${e.message}`, {
                    cause: e,
                });
            throw e;
        }
        if (tariff.provider !== provider.id)
            throw new ContractError(
                'FORBIDDEN',
                `PublishTariff: the document names provider ${tariff.provider}, submitter is ${provider.id}`,
            );
        await assertBounds(ctx, tariff, 'PublishTariff');
        const k = keys.tariff(ctx.stub, tariff.id, tariff.version);
        if (await getJson(ctx, k))
            throw new ContractError(
                'EXISTS',
                `tariff ${tariff.id}@${tariff.version} already exists; publish a new version`,
            );
        const canonical = marshalString(doc);
        const rec: TariffRecord = {
            id: tariff.id,
            version: tariff.version,
            provider: provider.id,
            doc,
            digest: bytesToHex(sha256(new TextEncoder().encode(canonical))),
            publishedAt: txTime(ctx),
        };
        await putJson(ctx, k, rec);
        event(ctx, 'tariff', {
            id: rec.id,
            version: rec.version,
            provider: rec.provider,
            digest: rec.digest,
        });
        return marshalString(rec);
    }

    /**
     * Publish a price index series for one period (index publishers). Write-once. The first
     * publisher of a series id owns it: nobody else may publish that id for any period.
     */
    @Transaction()
    @Returns('string')
    async PublishPriceSeries(ctx: Context, json: string): Promise<string> {
        const w = 'PublishPriceSeries';
        const publisher = await requireParty(ctx, ['indexPublisher'], w);
        const b = parseArg(json, w);
        onlyFields(b, ['id', 'period', 'startMs', 'intervalMinutes', 'prices'], w);
        const p = period(b, 'period', w);
        try {
            assertPriceSeries({
                id: b.id,
                startMs: b.startMs,
                intervalMinutes: b.intervalMinutes,
                prices: b.prices,
            });
        } catch (e) {
            throw new ContractError('BAD_REQUEST', `${w}: ${(e as Error).message}`, { cause: e });
        }
        const rec: SeriesRecord = {
            id: b.id as string,
            period: p,
            startMs: b.startMs as number,
            intervalMinutes: b.intervalMinutes as 60 | 15,
            prices: b.prices as number[],
            publisher: publisher.id,
            digest: bytesToHex(sha256(new TextEncoder().encode(marshalString(b)))),
            publishedAt: txTime(ctx),
        };
        const ownerKey = keys.seriesOwner(ctx.stub, rec.id);
        const owner = await getJson<SeriesOwner>(ctx, ownerKey);
        if (owner && owner.publisher !== publisher.id)
            throw new ContractError(
                'FORBIDDEN',
                `${w}: series ${rec.id} belongs to index publisher ${owner.publisher}; only it may publish the series`,
            );
        if (!owner)
            await putJson(ctx, ownerKey, {
                id: rec.id,
                publisher: publisher.id,
                registeredAt: txTime(ctx),
            } satisfies SeriesOwner);
        const k = keys.series(ctx.stub, rec.id, p);
        const existing = await getJson<SeriesRecord>(ctx, k);
        if (existing) {
            if (existing.digest === rec.digest) return marshalString(existing);
            throw new ContractError(
                'EXISTS',
                `${w}: series ${rec.id} for ${p} is already published with other prices`,
            );
        }
        await putJson(ctx, k, rec);
        return marshalString({ ...rec, prices: undefined, count: rec.prices.length });
    }

    /**
     * The customer accepts a tariff for some periods of a meter channel: the privacy guard is re-run
     * here on the weights derived on the ledger, then the HPKE-sealed functional keys and the
     * consent record are stored (`./agreements.ts`).
     * The guard decides on the epoch's whole key set derived from ledger state, with k from the
     * ledger configuration. A second AcceptTariff for an existing agreement (same tariff version)
     * replaces its sealed key. Request: `{ meter, channel, provider, tariff: { id, version }, periods: [{ period, encryptedKey }] }`.
     */
    @Transaction()
    @Returns('string')
    async AcceptTariff(ctx: Context, json: string): Promise<string> {
        return acceptTariff(ctx, parseArg(json, 'AcceptTariff'));
    }

    /**
     * The customer records a refusal (e.g. the guard refused): the consent record says why (`./agreements.ts`).
     * Request: `{ meter, channel, provider, tariff: { id, version }, periods: [period], reason }`.
     */
    @Transaction()
    @Returns('string')
    async RecordRefusal(ctx: Context, json: string): Promise<string> {
        return recordRefusal(ctx, parseArg(json, 'RecordRefusal'));
    }

    // ---------------------------------------------------------------- metering

    /**
     * The checks of a SubmitReadings request (signatures, points) that an engine can run in worker
     * threads before ordering (embedded engine, ledger/embedded/verify-pool.ts).
     */
    static preverify = readingPreverify;

    /** Store a batch of signed, encrypted readings (the meter's identity only). */
    @Transaction()
    @Returns('string')
    async SubmitReadings(ctx: Context, json: string): Promise<string> {
        const b = parseArg(json, 'SubmitReadings');
        const meter = await requireMeter(ctx, id(b, 'meter', 'SubmitReadings'), 'SubmitReadings');
        const { stored, received } = await applyReadings(ctx, meter, b);
        await foldReadings(ctx, meter, stored);
        // the event names the stored readings; their ciphertexts are in this transaction and state
        const items: ReadingEventItem[] = stored.map((r) => ({
            channel: r.channel,
            period: r.period,
            slot: r.slot,
            seq: r.seq,
        }));
        if (stored.length > 0) event(ctx, 'readings', { meter: meter.id, items });
        return marshalString({ stored: stored.length, duplicates: received - stored.length });
    }

    /** Close a period: all slots present, count and digest signed by the meter. */
    @Transaction()
    @Returns('string')
    async ClosePeriod(ctx: Context, json: string): Promise<string> {
        const w = 'ClosePeriod';
        const b = parseArg(json, w);
        onlyFields(b, ['meter', 'channel', 'period', 'count', 'digest', 'signature'], w);
        const meter = await requireMeter(ctx, id(b, 'meter', w), w);
        const channel = id(b, 'channel', w);
        channelOf(meter, channel);
        const p = period(b, 'period', w);
        const pKey = keys.period(ctx.stub, meter.id, channel, p);
        const pr = await mustGet<PeriodRecord>(ctx, pKey, `period ${meter.id}/${channel}/${p}`);
        if (pr.closed) throw new ContractError('CLOSED', `${w}: period already closed`);
        const count = int(b, 'count', w, 1, 99_999);
        const digest = hex(b, 'digest', w, 32);
        const sig = hex(b, 'signature', w, 64);
        if (
            !verifyEd25519(
                hexToBytes(meter.signingKey),
                closePayload(meter.id, channel, p, count, hexToBytes(digest)),
                hexToBytes(sig),
            )
        ) {
            throw new ContractError(
                'BAD_SIGNATURE',
                `${w}: signature does not verify under meter ${meter.id}'s key`,
            );
        }
        if (pr.count !== pr.slots || count !== pr.slots)
            throw new ContractError(
                'INCOMPLETE',
                `${w}: ${pr.count} of ${pr.slots} slots stored (meter says ${count}); submit the missing slots first`,
            );
        if (pr.c0 === undefined)
            throw new ContractError('INCOMPLETE', `${w}: the period has no C0 stored`);
        const g = groupByName(meter.group);
        const slots = await listSlots(ctx, meter.id, channel, p, g.elementBytes);
        const actual = bytesToHex(
            periodDigest(
                pr.c0,
                slots.map((s) => s.value.c),
                g.elementBytes,
            ),
        );
        if (actual !== digest)
            throw new ContractError(
                'CONFLICT',
                `${w}: digest of the stored ciphertexts is ${actual}, the meter signed ${digest}`,
            );
        const closed: PeriodRecord = { ...pr, closed: true, digest, closedAt: txTime(ctx) };
        await putJson(ctx, pKey, closed);
        event(ctx, 'close', { meter: meter.id, channel, period: p, count, digest });
        return marshalString(closed);
    }

    // ---------------------------------------------------------------- billing

    /** Post a bill with its proof (a provider holding an agreement). Verified before it is stored. */
    @Transaction()
    @Returns('string')
    async PostBill(ctx: Context, json: string): Promise<string> {
        const w = 'PostBill';
        const provider = await requireParty(ctx, ['provider'], w);
        const b = parseArg(json, w);
        onlyFields(b, ['meter', 'channel', 'period', 'tariff', 'm', 'proof'], w);
        const meter = await getMeter(ctx, id(b, 'meter', w));
        const channel = id(b, 'channel', w);
        channelOf(meter, channel);
        const p = period(b, 'period', w);
        const t = obj(b, 'tariff', w);
        onlyFields(t, ['id', 'version'], `${w}.tariff`);
        const tariffId = id(t, 'id', `${w}.tariff`);
        const version = int(t, 'version', `${w}.tariff`, 1, 2 ** 31 - 1);
        const mStr = str(b, 'm', w, 40);
        if (!/^-?(0|[1-9][0-9]*)$/.test(mStr))
            throw new ContractError('BAD_REQUEST', `${w}.m: expected a decimal integer`);
        const m = BigInt(mStr);
        const proof = hex(b, 'proof', w, undefined, 2048);
        const agreement = await getJson<Agreement>(
            ctx,
            keys.agree(ctx.stub, meter.id, channel, p, provider.id, tariffId),
        );
        if (agreement?.tariffVersion !== version)
            throw new ContractError(
                'FORBIDDEN',
                `${w}: ${provider.id} holds no agreement for ${tariffId}@${version} on ${meter.id}/${channel}/${p}`,
            );
        const pr = await mustGet<PeriodRecord>(
            ctx,
            keys.period(ctx.stub, meter.id, channel, p),
            `period ${meter.id}/${channel}/${p}`,
        );
        if (!pr.closed)
            throw new ContractError('INCOMPLETE', `${w}: period ${p} is not closed yet`);
        const bKey = keys.bill(ctx.stub, meter.id, channel, p, provider.id, tariffId);
        if (await getJson(ctx, bKey))
            throw new ContractError(
                'EXISTS',
                `${w}: a bill for ${tariffId} in ${p} is already posted`,
            );
        await verifyBillOnLedger(ctx, meter, pr, agreement, m, proof);
        const bill: Bill = {
            meter: meter.id,
            channel,
            period: p,
            provider: provider.id,
            tariffId,
            tariffVersion: version,
            m: m.toString(),
            proof,
            slots: pr.slots,
            flags: pr.flags,
            postedAt: txTime(ctx),
            txId: ctx.stub.getTxID(),
        };
        await putJson(ctx, bKey, bill);
        event(ctx, 'bill', bill);
        return marshalString(bill);
    }

    // ---------------------------------------------------------------- surveys (./survey.ts)

    /** Request one aggregate of a meter channel period (surveyors). `{ id, meter, channel, period, spec, purpose }` */
    @Transaction()
    @Returns('string')
    async RequestSurvey(ctx: Context, json: string): Promise<string> {
        return requestSurvey(ctx, parseArg(json, 'RequestSurvey'));
    }

    /** Accept a survey with a key sealed to the requester (the meter's owner); guarded like AcceptTariff. */
    @Transaction()
    @Returns('string')
    async AcceptSurvey(ctx: Context, json: string): Promise<string> {
        return acceptSurvey(ctx, parseArg(json, 'AcceptSurvey'));
    }

    /** Refuse a survey (the meter's owner), recorded with the guard's verdict. */
    @Transaction()
    @Returns('string')
    async RefuseSurvey(ctx: Context, json: string): Promise<string> {
        return refuseSurvey(ctx, parseArg(json, 'RefuseSurvey'));
    }

    /** Surveys of an epoch: owner, auditors, operator all; a surveyor its own. */
    @Transaction(false)
    @Returns('string')
    async GetSurveys(ctx: Context, meterId: string, channel: string, p: string): Promise<string> {
        return getSurveys(ctx, meterId, channel, p);
    }

    // ---------------------------------------------------------------- grid aggregates (./grid, docs/GRID.md)

    /** Register an aggregation group epoch (grid operators). `{ id, channel, epoch, members, minMembers? }` */
    @Transaction()
    @Returns('string')
    async RegisterAggregationGroup(ctx: Context, json: string): Promise<string> {
        return grid.registerAggregationGroup(ctx, parseArg(json, 'RegisterAggregationGroup'));
    }

    /** A household's consent or refusal for a member meter (its owner). */
    @Transaction()
    @Returns('string')
    async ConsentAggregation(ctx: Context, json: string): Promise<string> {
        return grid.consentAggregation(ctx, parseArg(json, 'ConsentAggregation'));
    }

    /** A member's key share, sealed to the grid operator, with its commitment (its owner). */
    @Transaction()
    @Returns('string')
    async PublishAggregationShare(ctx: Context, json: string): Promise<string> {
        return grid.publishAggregationShare(ctx, parseArg(json, 'PublishAggregationShare'));
    }

    /** A member meter's signed MCFE ciphertexts (the meter's identity only). */
    @Transaction()
    @Returns('string')
    async SubmitAggregateCiphertexts(ctx: Context, json: string): Promise<string> {
        const b = parseArg(json, 'SubmitAggregateCiphertexts');
        const meter = await requireMeter(
            ctx,
            id(b, 'meter', 'SubmitAggregateCiphertexts'),
            'SubmitAggregateCiphertexts',
        );
        return grid.submitAggregateCiphertexts(ctx, meter, b);
    }

    /** Slot aggregates with their proofs (the group's grid operator). Verified before they are stored. */
    @Transaction()
    @Returns('string')
    async PostAggregates(ctx: Context, json: string): Promise<string> {
        return grid.postAggregates(ctx, parseArg(json, 'PostAggregates'));
    }

    @Transaction(false)
    @Returns('string')
    async GetAggregationGroup(ctx: Context, g: string, c: string, e: string): Promise<string> {
        return grid.getAggregationGroup(ctx, g, c, e);
    }

    @Transaction(false)
    @Returns('string')
    async ListAggregationGroups(ctx: Context): Promise<string> {
        return grid.listAggregationGroups(ctx);
    }

    @Transaction(false)
    @Returns('string')
    async GetAggregationConsents(ctx: Context, g: string, c: string, e: string): Promise<string> {
        return grid.getAggregationConsents(ctx, g, c, e);
    }

    @Transaction(false)
    @Returns('string')
    async GetAggregationShares(ctx: Context, g: string, c: string, e: string): Promise<string> {
        return grid.getAggregationShares(ctx, g, c, e);
    }

    /** Ciphertexts of one slot (`slot` an index) or of the whole epoch (`slot` empty). */
    @Transaction(false)
    @Returns('string')
    async GetAggregateCiphertexts(
        ctx: Context,
        g: string,
        c: string,
        e: string,
        slot: string,
    ): Promise<string> {
        return grid.getAggregateCiphertexts(ctx, g, c, e, slot);
    }

    @Transaction(false)
    @Returns('string')
    async GetAggregates(ctx: Context, g: string, c: string, e: string): Promise<string> {
        return grid.getAggregates(ctx, g, c, e);
    }

    // ---------------------------------------------------------------- queries

    /** The ledger configuration (operator, the guard's k), for any registered identity. */
    @Transaction(false)
    @Returns('string')
    async GetConfig(ctx: Context): Promise<string> {
        await requireRegistered(ctx, 'GetConfig');
        return marshalString(await ledgerConfig(ctx));
    }

    /**
     * World state as `[key, SHA-256(value)]` pages of one object type (`''`: the simple keys), for
     * auditors and the operator comparing state with the blocks (contract/state-digests.ts).
     */
    @Transaction(false)
    @Returns('string')
    async GetStateDigests(
        ctx: Context,
        objectType: string,
        pageSize: string,
        bookmark: string,
    ): Promise<string> {
        return getStateDigests(ctx, objectType, pageSize, bookmark);
    }

    /** Who the submitter is: a party, a meter, or nobody. */
    @Transaction(false)
    @Returns('string')
    async WhoAmI(ctx: Context): Promise<string> {
        return marshalString({ identity: submitter(ctx), ref: (await whoIs(ctx)) ?? null });
    }

    /** A registered party by id (any registered identity). Refused `NOT_FOUND` if absent. */
    @Transaction(false)
    @Returns('string')
    async GetParty(ctx: Context, partyId: string): Promise<string> {
        await requireRegistered(ctx, 'GetParty');
        return marshalString(
            await mustGet<Party>(ctx, keys.party(ctx.stub, partyId), `party ${partyId}`),
        );
    }

    /** Every registered party (any registered identity). */
    @Transaction(false)
    @Returns('string')
    async ListParties(ctx: Context): Promise<string> {
        await requireRegistered(ctx, 'ListParties');
        return marshalString((await listByPrefix<Party>(ctx, 'party', [])).map((x) => x.value));
    }

    /** A registered meter by id (any registered identity). Refused `NOT_FOUND` if absent. */
    @Transaction(false)
    @Returns('string')
    async GetMeter(ctx: Context, meterId: string): Promise<string> {
        await requireRegistered(ctx, 'GetMeter');
        return marshalString(await getMeter(ctx, meterId));
    }

    /** Every registered meter (any registered identity). */
    @Transaction(false)
    @Returns('string')
    async ListMeters(ctx: Context): Promise<string> {
        await requireRegistered(ctx, 'ListMeters');
        return marshalString((await listByPrefix<Meter>(ctx, 'meter', [])).map((x) => x.value));
    }

    /** A meter channel's master public key for a period, with the meter's acknowledgement (`ack`, or null before it). */
    @Transaction(false)
    @Returns('string')
    async GetMpk(ctx: Context, meterId: string, channel: string, p: string): Promise<string> {
        await requireRegistered(ctx, 'GetMpk');
        const rec = await mustGet<MpkRecord>(
            ctx,
            keys.mpk(ctx.stub, meterId, channel, p),
            `mpk ${meterId}/${channel}/${p}`,
        );
        const ack = await getJson<MpkAck>(ctx, keys.mpkAck(ctx.stub, meterId, channel, p));
        return marshalString({ ...rec, ack: ack ?? null });
    }

    /** A published tariff document by id and version (`version` as a decimal string). */
    @Transaction(false)
    @Returns('string')
    async GetTariff(ctx: Context, tariffId: string, version: string): Promise<string> {
        await requireRegistered(ctx, 'GetTariff');
        return marshalString((await getTariff(ctx, tariffId, Number(version))).rec);
    }

    /** Every published tariff version. */
    @Transaction(false)
    @Returns('string')
    async ListTariffs(ctx: Context): Promise<string> {
        await requireRegistered(ctx, 'ListTariffs');
        return marshalString(
            (await listByPrefix<TariffRecord>(ctx, 'tariff', [])).map((x) => x.value),
        );
    }

    /** An index price series for a period, as the index publisher published it. */
    @Transaction(false)
    @Returns('string')
    async GetPriceSeries(ctx: Context, seriesId: string, p: string): Promise<string> {
        await requireRegistered(ctx, 'GetPriceSeries');
        return marshalString(
            await mustGet<SeriesRecord>(
                ctx,
                keys.series(ctx.stub, seriesId, p),
                `series ${seriesId} ${p}`,
            ),
        );
    }

    /** Agreements of an epoch: the owner, auditors and the operator see all; a provider only its own. */
    @Transaction(false)
    @Returns('string')
    async GetAgreements(
        ctx: Context,
        meterId: string,
        channel: string,
        p: string,
    ): Promise<string> {
        const ref = await requireRegistered(ctx, 'GetAgreements');
        const meter = await getMeter(ctx, meterId);
        const all = (await listByPrefix<Agreement>(ctx, 'agree', [meterId, channel, p])).map(
            (x) => x.value,
        );
        if (ref.kind === 'party' && ref.id !== meter.owner) {
            const party = await mustGet<Party>(
                ctx,
                keys.party(ctx.stub, ref.id),
                `party ${ref.id}`,
            );
            if (party.role === 'provider')
                return marshalString(all.filter((a) => a.provider === party.id));
            if (party.role === 'customer' || party.role === 'surveyor')
                throw new ContractError(
                    'FORBIDDEN',
                    'GetAgreements: only the meter owner, its providers, auditors and the operator may read agreements',
                );
            return marshalString(all.map((a) => ({ ...a, encryptedKey: undefined })));
        }
        if (ref.kind === 'meter')
            throw new ContractError('FORBIDDEN', 'GetAgreements: meters do not read agreements');
        return marshalString(all);
    }

    /** Every consent record (allowed or refused, with the guard decision) of an epoch. */
    @Transaction(false)
    @Returns('string')
    async GetConsents(ctx: Context, meterId: string, channel: string, p: string): Promise<string> {
        await requireRegistered(ctx, 'GetConsents');
        return marshalString(
            (await listByPrefix<Consent>(ctx, 'consent', [meterId, channel, p])).map(
                (x) => x.value,
            ),
        );
    }

    /** A meter channel's period record (count, flags, C_0, closed), or null before its first reading. */
    @Transaction(false)
    @Returns('string')
    async GetPeriod(ctx: Context, meterId: string, channel: string, p: string): Promise<string> {
        await requireRegistered(ctx, 'GetPeriod');
        return marshalString(
            (await getJson<PeriodRecord>(ctx, keys.period(ctx.stub, meterId, channel, p))) ?? null,
        );
    }

    /** Stored readings (ciphertexts are public to registered parties: privacy comes from encryption). */
    @Transaction(false)
    @Returns('string')
    async GetReadings(ctx: Context, meterId: string, channel: string, p: string): Promise<string> {
        await requireRegistered(ctx, 'GetReadings');
        const list = await listSlots(ctx, meterId, channel, p);
        return marshalString(list.map((x) => ({ slot: x.slot, ...x.value })));
    }

    /** Every period record of a meter (all channels). */
    @Transaction(false)
    @Returns('string')
    async ListPeriods(ctx: Context, meterId: string): Promise<string> {
        await requireRegistered(ctx, 'ListPeriods');
        return marshalString(
            (await listByPrefix<PeriodRecord>(ctx, 'period', [meterId])).map((x) => x.value),
        );
    }

    /** A meter's sequence record: the last sequence number and the gaps still open. */
    @Transaction(false)
    @Returns('string')
    async GetMeterSequence(ctx: Context, meterId: string): Promise<string> {
        await requireRegistered(ctx, 'GetMeterSequence');
        return marshalString(
            (await getJson<MeterSequence>(ctx, keys.seq(ctx.stub, meterId))) ?? {
                last: 0,
                gaps: [],
            },
        );
    }

    /** Every posted bill of an epoch, with its proof. */
    @Transaction(false)
    @Returns('string')
    async GetBills(ctx: Context, meterId: string, channel: string, p: string): Promise<string> {
        await requireRegistered(ctx, 'GetBills');
        return marshalString(
            (await listByPrefix<Bill>(ctx, 'bill', [meterId, channel, p])).map((x) => x.value),
        );
    }

    /** Every posted bill of a meter (all channels and periods). */
    @Transaction(false)
    @Returns('string')
    async ListBills(ctx: Context, meterId: string): Promise<string> {
        await requireRegistered(ctx, 'ListBills');
        return marshalString(
            (await listByPrefix<Bill>(ctx, 'bill', meterId ? [meterId] : [])).map((x) => x.value),
        );
    }
}
