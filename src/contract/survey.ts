// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/survey
 * Statistical surveys (DESIGN.md §1, §3; issue 13, issue 9 item 1): a researcher party (role
 * `surveyor`, with an X25519 key) requests ONE aggregate of a customer's meter channel for a
 * period, named by a weight spec (`./survey-spec.ts`); the meter's owner accepts it with a
 * functional key sealed to the requester, or refuses it. Both decisions are recorded in the survey
 * record on the ledger.
 *
 * On acceptance the contract derives the survey's weights itself and applies the same guard as
 * AcceptTariff (fe/guard `guardKeySet`, k from the ledger configuration) to the epoch's whole key
 * set — every provider's agreements, every survey accepted before, and this one
 * (`./epoch-keys.ts`) — so a survey that would isolate slots beside the tariff keys is refused
 * whatever the customer's software did, and a later tariff is judged with the survey included.
 *
 * Records: `survey` [meter, channel, period, id]. Called by `FemeterContract.RequestSurvey`,
 * `AcceptSurvey`, `RefuseSurvey` and `GetSurveys`.
 */
import type { Context } from 'fabric-contract-api';
import { guardKeySet } from '../fe/guard.js';
import { consentGuard } from './agreements.js';
import { ledgerConfig } from './config.js';
import { issuedWeights } from './epoch-keys.js';
import { ContractError } from './errors.js';
import { keys } from './keys.js';
import { marshalString } from './marshal.js';
import type { ConsentGuard, MpkRecord, Party, Survey } from './records.js';
import { event, ownMeterChannel, period } from './requests.js';
import {
    channelOf,
    getJson,
    getMeter,
    listByPrefix,
    mustGet,
    putJson,
    requireParty,
    requireRegistered,
    txTime,
} from './state.js';
import { parseSurveySpec, surveyWeights } from './survey-spec.js';
import { hex, id, obj, onlyFields, str } from './validate.js';
import { weightsDigest } from './weights.js';

/** Most survey records (open, accepted or refused) per epoch: a bound on what the guard path reads. */
export const MAX_SURVEYS_PER_EPOCH = 64;

/**
 * RequestSurvey (surveyors): `{ id, meter, channel, period, spec, purpose }`.
 * @throws {ContractError} `BAD_REQUEST`, `FORBIDDEN`, `NOT_FOUND`, `OUT_OF_RANGE` or `EXISTS`
 */
export async function requestSurvey(ctx: Context, b: Record<string, unknown>): Promise<string> {
    const w = 'RequestSurvey';
    const requester = await requireParty(ctx, ['surveyor'], w);
    onlyFields(b, ['id', 'meter', 'channel', 'period', 'spec', 'purpose'], w);
    if (requester.hpkePublicKey === undefined)
        throw new ContractError(
            'BAD_REQUEST',
            `${w}: ${requester.id} has no X25519 key to receive the functional key; register it with one`,
        );
    const meter = await getMeter(ctx, id(b, 'meter', w));
    const channel = id(b, 'channel', w);
    channelOf(meter, channel);
    const p = period(b, 'period', w);
    const surveyId = id(b, 'id', w);
    const spec = parseSurveySpec(obj(b, 'spec', w), `${w}.spec`);
    const y = surveyWeights(meter, p, spec);
    const k = keys.survey(ctx.stub, meter.id, channel, p, surveyId);
    if (await getJson(ctx, k))
        throw new ContractError(
            'EXISTS',
            `${w}: survey ${surveyId} on ${meter.id}/${channel}/${p} already exists`,
        );
    const held = await listByPrefix<Survey>(ctx, 'survey', [meter.id, channel, p]);
    if (held.length >= MAX_SURVEYS_PER_EPOCH)
        throw new ContractError(
            'BAD_REQUEST',
            `${w}: ${meter.id}/${channel}/${p} already has ${held.length} surveys, the most an epoch takes`,
        );
    const survey: Survey = {
        id: surveyId,
        requester: requester.id,
        meter: meter.id,
        channel,
        period: p,
        spec,
        purpose: str(b, 'purpose', w, 1024),
        requestedAt: txTime(ctx),
        status: 'open',
        weightsDigest: weightsDigest(y),
    };
    await putJson(ctx, k, survey);
    event(ctx, 'survey', {
        meter: meter.id,
        channel,
        period: p,
        id: surveyId,
        requester: requester.id,
        status: 'open',
    });
    return marshalString(survey);
}

/** The open survey a decision is about, owned by the submitter. */
async function openSurvey(ctx: Context, b: Record<string, unknown>, w: string) {
    const { meter, channel } = await ownMeterChannel(ctx, b, w);
    const p = period(b, 'period', w);
    const surveyId = id(b, 'survey', w);
    const k = keys.survey(ctx.stub, meter.id, channel, p, surveyId);
    const survey = await mustGet<Survey>(
        ctx,
        k,
        `survey ${surveyId} on ${meter.id}/${channel}/${p}`,
    );
    if (survey.status !== 'open')
        throw new ContractError('EXISTS', `${w}: survey ${surveyId} is already ${survey.status}`);
    const y = surveyWeights(meter, p, parseSurveySpec(survey.spec, `survey ${surveyId}`));
    const { guardK } = await ledgerConfig(ctx);
    const existing = await issuedWeights(ctx, meter, channel, p);
    return { meter, channel, p, k, survey, y, guardK, existing };
}

/**
 * AcceptSurvey (the meter's owner): `{ meter, channel, period, survey, encryptedKey }`. The guard
 * decides on the epoch's key set with this survey's weights included.
 * @throws {ContractError} `BAD_REQUEST`, `FORBIDDEN`, `NOT_FOUND`, `CLOSED`... or `GUARD`
 */
export async function acceptSurvey(ctx: Context, b: Record<string, unknown>): Promise<string> {
    const w = 'AcceptSurvey';
    onlyFields(b, ['meter', 'channel', 'period', 'survey', 'encryptedKey'], w);
    const encryptedKey = hex(b, 'encryptedKey', w, undefined, 128 * 1024);
    const { meter, channel, p, k, survey, y, guardK, existing } = await openSurvey(ctx, b, w);
    await mustGet<MpkRecord>(
        ctx,
        keys.mpk(ctx.stub, meter.id, channel, p),
        `mpk ${meter.id}/${channel}/${p}`,
    );
    const verdict = guardKeySet([...existing, y], { k: guardK });
    if (!verdict.allowed)
        throw new ContractError(
            'GUARD',
            `${w}: privacy guard refuses survey ${survey.id} for ${p}: ${verdict.reason}`,
        );
    const accepted: Survey = {
        ...survey,
        status: 'accepted',
        encryptedKey,
        decision: {
            reason: verdict.reason,
            guard: consentGuard(verdict, existing.length + 1),
            at: txTime(ctx),
            txId: ctx.stub.getTxID(),
        },
    };
    await putJson(ctx, k, accepted);
    event(ctx, 'survey', {
        meter: meter.id,
        channel,
        period: p,
        id: survey.id,
        requester: survey.requester,
        status: 'accepted',
    });
    return marshalString({ ...accepted, encryptedKey: undefined });
}

/**
 * RefuseSurvey (the meter's owner): `{ meter, channel, period, survey, reason }`. The contract
 * records its own verdict on the key set beside the customer's reason.
 * @throws {ContractError} `BAD_REQUEST`, `FORBIDDEN`, `NOT_FOUND` or `EXISTS`
 */
export async function refuseSurvey(ctx: Context, b: Record<string, unknown>): Promise<string> {
    const w = 'RefuseSurvey';
    onlyFields(b, ['meter', 'channel', 'period', 'survey', 'reason'], w);
    const reason = str(b, 'reason', w, 1024);
    const { meter, channel, p, k, survey, y, guardK, existing } = await openSurvey(ctx, b, w);
    const guard: ConsentGuard = consentGuard(
        guardKeySet([...existing, y], { k: guardK }),
        existing.length + 1,
    );
    const refused: Survey = {
        ...survey,
        status: 'refused',
        decision: { reason, guard, at: txTime(ctx), txId: ctx.stub.getTxID() },
    };
    await putJson(ctx, k, refused);
    event(ctx, 'survey', {
        meter: meter.id,
        channel,
        period: p,
        id: survey.id,
        requester: survey.requester,
        status: 'refused',
    });
    return marshalString(refused);
}

/**
 * GetSurveys(meter, channel, period): the meter's owner, auditors and the operator see every
 * survey of the epoch (auditors and the operator without sealed keys); a surveyor only its own.
 * @throws {ContractError} `FORBIDDEN` for anyone else
 */
export async function getSurveys(
    ctx: Context,
    meterId: string,
    channel: string,
    p: string,
): Promise<string> {
    const w = 'GetSurveys';
    const ref = await requireRegistered(ctx, w);
    const meter = await getMeter(ctx, meterId);
    const all = (await listByPrefix<Survey>(ctx, 'survey', [meterId, channel, p])).map(
        (x) => x.value,
    );
    if (ref.kind === 'meter')
        throw new ContractError('FORBIDDEN', `${w}: meters do not read surveys`);
    if (ref.id === meter.owner) return marshalString(all);
    const party = await mustGet<Party>(ctx, keys.party(ctx.stub, ref.id), `party ${ref.id}`);
    if (party.role === 'surveyor')
        return marshalString(all.filter((s) => s.requester === party.id));
    if (party.role === 'operator' || party.role === 'auditor')
        return marshalString(all.map((s) => ({ ...s, encryptedKey: undefined })));
    throw new ContractError(
        'FORBIDDEN',
        `${w}: only the meter owner, the requesting surveyor, auditors and the operator may read surveys`,
    );
}
