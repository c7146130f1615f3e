// SPDX-License-Identifier: Apache-2.0
/**
 * The survey tests' fixtures: survey specs, and a world (./world.ts) with a registered surveyor
 * `survey-lab` and the first household's survey clients.
 */
import { CustomerSurveys } from '../../src/roles/customer/survey.js';
import { SurveyApi } from '../../src/roles/surveyor/api.js';
import { Surveyor } from '../../src/roles/surveyor/surveyor.js';
import { acceptTariff, CHANNEL, PERIOD, registerKeyedParty, type World } from './world.js';

const EVERY_DAY = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun', 'holiday'];

/** A time-of-use spec (German holidays) with one zone from `from` to `to` on every day. */
export const dailyZone = (name: string, from: string, to: string) => ({
    kind: 'timeOfUse',
    holidays: { country: 'DE' },
    zones: [{ name, days: EVERY_DAY, from, to }],
});

/**
 * Every slot but 00:00–00:15 of each day: alone a 0/1 key with one class; beside the energy key,
 * 31 isolated slots (the privacy guard refuses it).
 */
export const ALMOST_ALL = dailyZone('day', '00:15', '24:00');
/** 18:00–22:00 every day. */
export const EVENING = dailyZone('evening', '18:00', '22:00');

export interface SurveyWorld extends World {
    /** The surveyor `survey-lab`. */
    readonly surveyor: Surveyor;
    /** The survey API as the surveyor. */
    readonly surveys: SurveyApi;
    /** The first household's customer software for surveys. */
    readonly customerSurveys: CustomerSurveys;
    /** The survey API as the first household. */
    readonly ownSurveys: SurveyApi;
}

/** Registers the surveyor `survey-lab` in `w` and adds the survey clients. */
export async function withSurveyor(w: World): Promise<SurveyWorld> {
    const { party, hpke } = await registerKeyedParty(
        w.engine,
        w.operator,
        'survey-lab',
        'surveyor',
        'Survey lab',
    );
    const surveys = new SurveyApi(party.api.client);
    const h = w.households[0]!;
    const ownSurveys = new SurveyApi(h.party.api.client);
    return Object.assign(w, {
        surveys,
        ownSurveys,
        surveyor: new Surveyor({
            api: party.api,
            surveys,
            partyId: 'survey-lab',
            hpke,
            dlog: w.dlog,
        }),
        customerSurveys: new CustomerSurveys({
            api: h.party.api,
            surveys: ownSurveys,
            customer: h.customer,
        }),
    });
}

/** Survey `survey` of the first household's meter, CHANNEL, PERIOD. */
export const surveyRef = (w: World, survey: string) => ({
    meter: w.households[0]!.meterId,
    channel: CHANNEL,
    period: PERIOD,
    survey,
});

/** The surveyor requests survey `id` of the first household's meter, CHANNEL, PERIOD. */
export const requestSurvey = (
    w: SurveyWorld,
    id: string,
    spec: Record<string, unknown>,
    purpose: string,
) =>
    w.surveyor.request({
        id,
        meter: w.households[0]!.meterId,
        channel: CHANNEL,
        period: PERIOD,
        spec,
        purpose,
    });

/** The first household accepts provider-a's energy tariff for PERIOD (through its software). */
export const acceptEnergy = (w: World) =>
    acceptTariff(w.households[0]!, 'provider-a', 'provider-a.energy', [PERIOD]);
