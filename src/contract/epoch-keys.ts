// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/epoch-keys
 * The weights of every functional key already issued for an epoch (meter, channel, period): every
 * provider's tariff agreements and every accepted survey. This is the key set the privacy guard
 * judges a candidate with (`./agreements.ts`, `./survey.ts`): the guard is about what leaks at
 * all, whoever holds the keys.
 */
import type { Context } from 'fabric-contract-api';
import type { Agreement, Meter, Survey } from './records.js';
import { listByPrefix } from './state.js';
import { parseSurveySpec, surveyWeights } from './survey-spec.js';
import { getTariff, weightsFor } from './weights.js';

/** Weights of every key issued for an epoch: agreements of all providers, then accepted surveys. */
export async function issuedWeights(
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
    for (const s of await listByPrefix<Survey>(ctx, 'survey', [meter.id, channel, p])) {
        if (s.value.status !== 'accepted') continue;
        out.push(surveyWeights(meter, p, parseSurveySpec(s.value.spec, `survey ${s.value.id}`)));
    }
    return out;
}
