// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/customer/survey
 * The customer's side of statistical surveys (contract/survey): list the surveys of an epoch,
 * accept one — the guard runs on the epoch's whole key set (every provider's agreements, every
 * survey accepted before, and this one), sk_y is derived and sealed to the requester with HPKE —
 * or refuse it. A guard refusal is recorded on the ledger (RefuseSurvey) and thrown.
 */
import { parseSurveySpec, surveyWeights, type Survey } from '../../contract/index.js';
import { encodeFunctionalKey } from '../../fe/codec.js';
import { GUARD_DEFAULT_K, GUARD_MIN_K, guardKeySet } from '../../fe/guard.js';
import { groupByName } from '../../fe/groups.js';
import type { FemeterApi } from '../api.js';
import { GuardRefusedError, RoleError } from '../errors.js';
import { sealWithInfo } from '../hpke.js';
import { surveyKeyInfo, type SurveyApi, type SurveyRef } from '../surveyor/api.js';
import { TariffCache, tariffWeightsFor } from '../weights.js';
import type { Customer } from './customer.js';

export interface CustomerSurveysOptions {
    readonly api: FemeterApi;
    readonly surveys: SurveyApi;
    readonly customer: Customer;
    /** The customer's own guard k (default 96); the larger of it and the ledger's k applies. */
    readonly k?: number;
}

export class CustomerSurveys {
    readonly #o: CustomerSurveysOptions;
    readonly #k: number;
    readonly #tariffs: TariffCache;
    constructor(opts: Readonly<CustomerSurveysOptions>) {
        this.#o = opts;
        this.#k = opts.k ?? GUARD_DEFAULT_K;
        if (!Number.isInteger(this.#k) || this.#k < GUARD_MIN_K)
            throw new RoleError('BAD_OPTION', `guard k must be an integer >= ${GUARD_MIN_K}`);
        this.#tariffs = new TariffCache(opts.api);
    }

    /** Every survey of an epoch of one of the customer's meters. */
    list(meter: string, channel: string, period: string): Promise<Survey[]> {
        return this.#o.surveys.getSurveys(meter, channel, period);
    }

    async #open(ref: SurveyRef): Promise<Survey> {
        const s = (await this.list(ref.meter, ref.channel, ref.period)).find(
            (x) => x.id === ref.survey,
        );
        if (s === undefined)
            throw new RoleError(
                'NO_SURVEY',
                `no survey ${ref.survey} on ${ref.meter}/${ref.channel}/${ref.period}`,
            );
        if (s.status !== 'open')
            throw new RoleError('DECIDED', `survey ${s.id} is already ${s.status}`);
        return s;
    }

    /**
     * Accept a survey: guard on the epoch's key set, then the key sealed to the requester.
     * @throws {GuardRefusedError} after recording the refusal on the ledger
     */
    async accept(ref: SurveyRef): Promise<Survey> {
        const api = this.#o.api;
        const survey = await this.#open(ref);
        const meter = await api.getMeter(ref.meter);
        if (meter.owner !== this.#o.customer.partyId)
            throw new RoleError('NOT_OWNER', `meter ${meter.id} belongs to ${meter.owner}`);
        const requester = await api.getParty(survey.requester);
        if (requester.role !== 'surveyor' || requester.hpkePublicKey === undefined)
            throw new RoleError('NOT_SURVEYOR', `${survey.requester} is not a surveyor`);
        const y = surveyWeights(meter, ref.period, parseSurveySpec(survey.spec, 'survey spec'));
        const existing: bigint[][] = [];
        for (const ag of await api.getAgreements(meter.id, ref.channel, ref.period)) {
            const { tariff } = await this.#tariffs.get(ag.tariffId, ag.tariffVersion);
            existing.push(await tariffWeightsFor(api, meter, ref.period, tariff));
        }
        for (const s of await this.list(meter.id, ref.channel, ref.period))
            if (s.status === 'accepted')
                existing.push(surveyWeights(meter, ref.period, parseSurveySpec(s.spec, s.id)));
        const k = Math.max(this.#k, (await api.getConfig()).guardK);
        const d = guardKeySet([...existing, y], { k });
        if (!d.allowed) {
            await this.#o.surveys.refuseSurvey({ ...ref, reason: d.reason });
            throw new GuardRefusedError(
                `privacy guard refused survey ${survey.id} for ${meter.id}/${ref.channel}/${ref.period}: ${d.reason}`,
                d.witness === undefined
                    ? d.smallestClass
                    : { slots: d.witness.slots, size: d.witness.support },
            );
        }
        const key = this.#o.customer.functionalKey(meter, ref.channel, ref.period, y);
        const encryptedKey = await sealWithInfo(
            requester.hpkePublicKey,
            surveyKeyInfo(ref, requester.id),
            encodeFunctionalKey(groupByName(meter.group), key),
        );
        return this.#o.surveys.acceptSurvey({ ...ref, encryptedKey });
    }

    /** Refuse a survey; the reason is recorded on the ledger with the contract's verdict. */
    async refuse(ref: SurveyRef, reason: string): Promise<Survey> {
        await this.#open(ref);
        return this.#o.surveys.refuseSurvey({ ...ref, reason });
    }
}
