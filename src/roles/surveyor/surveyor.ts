// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/surveyor/surveyor
 * A researcher (role `surveyor`, contract/survey): requests one aggregate of a customer's meter
 * channel period, and once the customer accepted, opens the functional key sealed to it, checks it
 * against the survey's weights (derived from the spec, never taken from the key) and the published
 * mpk, and decrypts the aggregate from the stored ciphertexts with the bounded discrete log, like a
 * provider does a bill. It learns that one number and nothing else.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { parseSurveySpec, surveyWeights, type Survey } from '../../contract/index.js';
import { decodeFunctionalKey, decodeMpk } from '../../fe/codec.js';
import { groupByName, type AnyGroup } from '../../fe/groups.js';
import {
    checkKey,
    decryptFolded,
    innerProductBound,
    weightedSum,
    type DlogSolver,
    type FunctionalKey,
} from '../../fe/ipfe.js';
import type { FemeterApi } from '../api.js';
import { BadFunctionalKeyError, RoleError } from '../errors.js';
import { openWithInfo, type HpkeKeyPair } from '../hpke.js';
import { surveyKeyInfo, type SurveyApi, type SurveyRef } from './api.js';

export interface SurveyorOptions {
    readonly api: FemeterApi;
    readonly surveys: SurveyApi;
    readonly partyId: string;
    /** The X25519 key pair registered with the party (hpkePublicKey). */
    readonly hpke: HpkeKeyPair;
    readonly dlog: (group: AnyGroup) => DlogSolver<unknown>;
}

/** The decrypted aggregate of an accepted survey. */
export interface SurveyResult {
    readonly survey: Survey;
    /** Σ x_i·y_i over the period, in the channel's unit. */
    readonly m: bigint;
    readonly slots: number;
}

export class Surveyor {
    readonly #o: SurveyorOptions;
    constructor(opts: Readonly<SurveyorOptions>) {
        this.#o = opts;
    }

    get partyId(): string {
        return this.#o.partyId;
    }

    /** Register a survey request on the ledger. */
    request(r: Parameters<SurveyApi['requestSurvey']>[0]): Promise<Survey> {
        return this.#o.surveys.requestSurvey(r);
    }

    /** This surveyor's survey by its ids, as the ledger holds it. */
    async get(ref: SurveyRef): Promise<Survey> {
        const list = await this.#o.surveys.getSurveys(ref.meter, ref.channel, ref.period);
        const s = list.find((x) => x.id === ref.survey);
        if (s === undefined)
            throw new RoleError(
                'NO_SURVEY',
                `no survey ${ref.survey} of ${this.#o.partyId} on ${ref.meter}/${ref.channel}/${ref.period}`,
            );
        return s;
    }

    /**
     * Decrypt the aggregate of an accepted survey over a closed period.
     * @throws {RoleError} `NOT_ACCEPTED` (open or refused), `NOT_CLOSED`; {@link BadFunctionalKeyError}
     *   when the sealed key does not open or is not the key for the survey's weights.
     */
    async result(ref: SurveyRef): Promise<SurveyResult> {
        const api = this.#o.api;
        const survey = await this.get(ref);
        if (survey.status !== 'accepted' || survey.encryptedKey === undefined)
            throw new RoleError(
                'NOT_ACCEPTED',
                `survey ${survey.id} is ${survey.status}${survey.decision ? `: ${survey.decision.reason}` : ''}`,
            );
        const meter = await api.getMeter(ref.meter);
        const g = groupByName(meter.group);
        const y = surveyWeights(meter, ref.period, parseSurveySpec(survey.spec, 'survey spec'));
        let key: FunctionalKey;
        try {
            key = decodeFunctionalKey(
                g,
                await openWithInfo(
                    this.#o.hpke,
                    surveyKeyInfo(ref, this.#o.partyId),
                    survey.encryptedKey,
                ),
            );
        } catch (e) {
            throw new BadFunctionalKeyError(
                `the key of survey ${survey.id} does not open: ${(e as Error).message}`,
                { cause: e },
            );
        }
        if (
            key.ctx.meter !== ref.meter ||
            key.ctx.channel !== ref.channel ||
            key.ctx.period !== ref.period ||
            key.y.length !== y.length ||
            key.y.some((v, i) => v !== y[i])
        )
            throw new BadFunctionalKeyError(
                `the key of survey ${survey.id} is for another epoch or other weights than the survey's spec`,
            );
        const mpk = decodeMpk(
            g,
            hexToBytes((await api.getMpk(ref.meter, ref.channel, ref.period)).mpk),
        );
        try {
            checkKey(g, mpk, key);
        } catch (e) {
            throw new BadFunctionalKeyError(
                `the key of survey ${survey.id} fails the key check against the published mpk: ${(e as Error).message}`,
                { cause: e },
            );
        }
        const pr = await api.getPeriod(ref.meter, ref.channel, ref.period);
        if (!pr?.closed || pr.c0 === undefined)
            throw new RoleError(
                'NOT_CLOSED',
                `period ${ref.meter}/${ref.channel}/${ref.period} is not closed yet`,
            );
        const rs = await api.getReadings(ref.meter, ref.channel, ref.period);
        if (rs.length !== y.length || rs.some((r, i) => r.slot !== i))
            throw new RoleError(
                'INCOMPLETE',
                `${rs.length} of ${y.length} readings of ${ref.period} are stored`,
            );
        const C = rs.map((r) => g.decode(hexToBytes(r.c), `C${r.slot}`));
        const m = decryptFolded(
            g,
            { ...key, y },
            g.decode(hexToBytes(pr.c0), 'C0'),
            weightedSum(g, y, C),
            this.#o.dlog(g),
            innerProductBound(y, BigInt(meter.maxPerSlot)),
        );
        return { survey, m, slots: y.length };
    }
}
