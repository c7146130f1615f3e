// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/surveyor/api
 * Typed calls of the survey transactions (contract/survey) over any {@link LedgerClient}, beside
 * {@link FemeterApi} for the rest of the contract; and the HPKE binding of a survey's sealed key.
 */
import type { Survey } from '../../contract/index.js';
import { encodeTuple } from '../../fe/kdf.js';
import type { LedgerClient } from '../../ledger/index.js';

const dec = new TextDecoder();

/** The ids that name one survey. */
export interface SurveyRef {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    readonly survey: string;
}

/**
 * HPKE info of a survey's functional key: binds it to (meter, channel, period, requester, survey)
 * under its own label, so it can neither be replayed into another survey nor pass as a tariff key.
 */
export const surveyKeyInfo = (r: SurveyRef, requester: string): Uint8Array =>
    encodeTuple(['femeter/v1/survey-key', r.meter, r.channel, r.period, requester, r.survey]);

export class SurveyApi {
    readonly client: LedgerClient;
    constructor(client: LedgerClient) {
        this.client = client;
    }

    async #submit<T>(tx: string, body: unknown): Promise<T> {
        const res = await this.client.submit(tx, JSON.stringify(body));
        return JSON.parse(dec.decode(res.result)) as T;
    }

    requestSurvey(r: {
        id: string;
        meter: string;
        channel: string;
        period: string;
        spec: Record<string, unknown>;
        purpose: string;
    }): Promise<Survey> {
        return this.#submit('RequestSurvey', r);
    }
    acceptSurvey(a: SurveyRef & { encryptedKey: string }): Promise<Survey> {
        return this.#submit('AcceptSurvey', a);
    }
    refuseSurvey(r: SurveyRef & { reason: string }): Promise<Survey> {
        return this.#submit('RefuseSurvey', r);
    }
    async getSurveys(meter: string, channel: string, period: string): Promise<Survey[]> {
        return JSON.parse(
            dec.decode(await this.client.evaluate('GetSurveys', meter, channel, period)),
        ) as Survey[];
    }
}
