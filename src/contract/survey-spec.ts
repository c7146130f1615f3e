// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/survey-spec
 * Weight specs of statistical surveys (`./survey.ts`, DESIGN.md §1, §3): a researcher asks for ONE
 * aggregate of a meter channel period, named by a spec from which the ledger derives the weight
 * vector y (a researcher never supplies weights). Only class-structured 0/1 forms exist, so the
 * guard's class rule applies to the survey beside the epoch's tariff keys:
 *
 * - `{ kind: "total" }`: y_i = 1 for every slot — the period's total.
 * - `{ kind: "timeOfUse", zones: [{ name, days, from, to }], holidays }`: y_i = 1 when the local
 *   start of slot i lies in one of the zones, else 0 — the total over those hours (zones and
 *   holidays exactly as in a `zones` tariff, tariff/document.ts).
 *
 * One request is one weight vector: per-day totals are as many requests, each judged by the guard
 * with the others accepted before it.
 */
import { ContractError } from './errors.js';
import type { Meter } from './records.js';
import {
    energyWeights,
    parseTariff,
    TariffError,
    tariffWeights,
    TARIFF_FORMAT,
} from './tariff/index.js';
import { arr, asObj, obj, oneOf, onlyFields } from './validate.js';
import { meterPeriod } from './weights.js';

/** Most zones of a time-of-use survey. */
export const MAX_SURVEY_ZONES = 16;
export const SURVEY_KINDS = ['total', 'timeOfUse'] as const;

/** A validated spec, as stored in the survey record. */
export type SurveySpec =
    | { readonly kind: 'total' }
    | {
          readonly kind: 'timeOfUse';
          readonly zones: readonly {
              readonly name: string;
              readonly days: readonly string[];
              readonly from: string;
              readonly to: string;
          }[];
          readonly holidays: Record<string, unknown>;
      };

/** The zones tariff document a time-of-use spec stands for (weights 1 in the zones, 0 elsewhere). */
function zonesDoc(
    spec: { readonly zones: readonly object[]; readonly holidays: unknown },
    timeZone: string,
) {
    return {
        format: TARIFF_FORMAT,
        id: 'survey',
        version: 1,
        name: 'survey',
        provider: 'survey',
        timeZone,
        currencyUnit: 'µEUR',
        kind: 'zones',
        holidays: spec.holidays,
        defaultPrice: 0,
        zones: spec.zones.map((z) => ({ ...z, price: 1 })),
    };
}

/**
 * Validate a spec from a request (strict: unknown fields are refused).
 * @throws {ContractError} `BAD_REQUEST`
 */
export function parseSurveySpec(raw: Record<string, unknown>, what: string): SurveySpec {
    const kind = oneOf(raw, 'kind', what, SURVEY_KINDS);
    if (kind === 'total') {
        onlyFields(raw, ['kind'], what);
        return { kind };
    }
    onlyFields(raw, ['kind', 'zones', 'holidays'], what);
    const zones = arr(raw, 'zones', what, 1, MAX_SURVEY_ZONES).map((z, i) => {
        const o = asObj(z, `${what}.zones[${i}]`);
        onlyFields(o, ['name', 'days', 'from', 'to'], `${what}.zones[${i}]`);
        return o;
    });
    const holidays = obj(raw, 'holidays', what);
    try {
        const t = parseTariff(zonesDoc({ zones, holidays }, 'UTC'));
        if (t.kind !== 'zones') throw new Error('internal: not a zones document');
        return {
            kind,
            zones: t.zones.map((z) => ({
                name: z.name,
                days: [...z.days],
                from: z.from,
                to: z.to,
            })),
            holidays: JSON.parse(JSON.stringify(t.holidays)) as Record<string, unknown>,
        };
    } catch (e) {
        if (e instanceof TariffError)
            throw new ContractError('BAD_REQUEST', `${what}: ${e.message}`, { cause: e });
        throw e;
    }
}

/**
 * The weight vector of a survey for its meter period (in the meter's time zone).
 * @throws {ContractError} `BAD_REQUEST` (a zone edge off the slot grid, or all weights zero) or `OUT_OF_RANGE`
 */
export function surveyWeights(meter: Meter, period: string, spec: SurveySpec): bigint[] {
    const bp = meterPeriod(meter, period);
    if (spec.kind === 'total') return energyWeights(bp);
    let y: bigint[];
    try {
        y = tariffWeights(parseTariff(zonesDoc(spec, meter.timeZone)), bp);
    } catch (e) {
        if (e instanceof TariffError)
            throw new ContractError('BAD_REQUEST', `survey spec: ${e.message}`, { cause: e });
        throw e;
    }
    if (!y.some((v) => v !== 0n))
        throw new ContractError(
            'BAD_REQUEST',
            `survey spec: no slot of ${period} lies in its zones; the aggregate would be empty`,
        );
    return y;
}
