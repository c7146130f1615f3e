// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/survey
 * The statistical-survey commands of a real deployment (`--dir` party directories,
 * contract/survey): a surveyor requests one aggregate of a meter channel period and reads its
 * result once the customer accepted; the customer lists, accepts (privacy guard on the epoch's
 * whole key set, key sealed to the surveyor) or refuses surveys.
 */
import { readFileSync } from 'node:fs';
import { dlogTableLog2, initBackends } from '../../fe/backends.js';
import { CustomerSurveys } from '../../roles/customer/survey.js';
import { SurveyApi, type SurveyRef } from '../../roles/surveyor/api.js';
import { Surveyor } from '../../roles/surveyor/surveyor.js';
import { dlogSolvers } from '../demo/demo.js';
import {
    cacheDir,
    customerOf,
    json,
    parsePeriod,
    progress,
    withParty,
    type DirOptions,
} from './deploy.js';
import { CliError } from './errors.js';

/** Options naming one survey's epoch. */
export interface SurveyEpochOptions extends DirOptions {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
}

const refOf = (o: SurveyEpochOptions, survey: string): SurveyRef => ({
    meter: o.meter,
    channel: o.channel,
    period: parsePeriod(o.period),
    survey,
});

/** The weight spec from `--total` or a JSON file. */
function specOf(o: { total?: boolean; spec?: string }): Record<string, unknown> {
    if ((o.total === true) === (o.spec !== undefined))
        throw new CliError(
            'name the aggregate with exactly one of --total or --spec FILE',
            'e.g. --total, or --spec evening.json with { "kind": "timeOfUse", "holidays": { "country": "DE" }, "zones": [...] }',
        );
    if (o.total === true) return { kind: 'total' };
    let v: unknown;
    try {
        v = JSON.parse(readFileSync(o.spec ?? '', 'utf8'));
    } catch (e) {
        throw new CliError(
            `--spec ${String(o.spec)}: not a readable JSON file (${(e as Error).message})`,
            'pass a JSON object { "kind": "total" } or { "kind": "timeOfUse", ... }',
        );
    }
    if (typeof v !== 'object' || v === null || Array.isArray(v))
        throw new CliError(
            `--spec ${String(o.spec)}: expected a JSON object`,
            'see README, "Statistical surveys"',
        );
    return v as Record<string, unknown>;
}

export async function surveyRequest(
    o: SurveyEpochOptions & { id: string; purpose: string; total?: boolean; spec?: string },
): Promise<void> {
    const spec = specOf(o);
    await withParty(o, 'survey', async (_p, c) => {
        const s = await new SurveyApi(c.participant.api.client).requestSurvey({
            id: o.id,
            meter: o.meter,
            channel: o.channel,
            period: parsePeriod(o.period),
            spec,
            purpose: o.purpose,
        });
        console.log(json(s));
    });
}

export async function surveyResult(o: SurveyEpochOptions & { id: string }): Promise<void> {
    await withParty(o, 'survey', async (p, c) => {
        progress('loading the discrete-log table');
        const dlog = await dlogSolvers(cacheDir(), dlogTableLog2(await initBackends()));
        const surveyor = new Surveyor({
            api: c.participant.api,
            surveys: new SurveyApi(c.participant.api.client),
            partyId: p.config.id,
            hpke: await p.secrets.surveyHpke(),
            dlog,
        });
        const r = await surveyor.result(refOf(o, o.id));
        console.log(
            json({ ...refOf(o, o.id), m: r.m.toString(), slots: r.slots, spec: r.survey.spec }),
        );
    });
}

export async function customerSurvey(
    action: 'list' | 'accept' | 'refuse',
    o: SurveyEpochOptions & { id?: string; reason?: string },
): Promise<void> {
    await withParty(o, 'customer', async (p, c) => {
        const cs = new CustomerSurveys({
            api: c.participant.api,
            surveys: new SurveyApi(c.participant.api.client),
            customer: await customerOf(p, c),
        });
        if (action === 'list') {
            const list = await cs.list(o.meter, o.channel, parsePeriod(o.period));
            console.log(json(list.map((s) => ({ ...s, encryptedKey: undefined }))));
            return;
        }
        const ref = refOf(o, o.id ?? '');
        if (action === 'refuse') {
            const s = await cs.refuse(ref, o.reason ?? 'refused by the customer');
            console.log(json({ ...ref, decision: s.status, reason: s.decision?.reason }));
            return;
        }
        try {
            const s = await cs.accept(ref);
            console.log(json({ ...ref, decision: s.status, guard: s.decision?.guard }));
        } catch (e) {
            throw new CliError(
                `refused survey ${ref.survey} (${e instanceof Error ? e.message : String(e)})`,
                'a guard refusal is recorded on the ledger; the surveyor may ask for a coarser aggregate',
            );
        }
    });
}
