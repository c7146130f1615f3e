// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/grid
 * The grid-aggregation commands of a real deployment (`--dir` party directories, docs/GRID.md):
 * the grid operator registers groups, aggregates and exports the load curve; a household consents
 * (writing its meter's client key to a 0600 file) and publishes its key share; a meter encrypts a
 * period's readings under the group's labels; an auditor checks the posted sums.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { periodSlots } from '../../contract/tariff/index.js';
import { AGGREGATE_MIN_MEMBERS_FLOOR } from '../../fe/aggregate-guard.js';
import { dlogTableLog2, initBackends } from '../../fe/backends.js';
import type { ClientKey } from '../../fe/mcfe.js';
import { checkAggregates } from '../../roles/auditor/aggregates.js';
import { HouseholdAggregation } from '../../roles/customer/aggregation.js';
import { GridApi, type GroupEpochRef } from '../../roles/grid/api.js';
import { GridOperator } from '../../roles/grid/grid-operator.js';
import { MeterAggregation } from '../../roles/meter/aggregate.js';
import { dlogSolvers } from '../demo/demo.js';
import {
    cacheDir,
    json,
    parsePeriod,
    periodSlotsFromFile,
    progress,
    withParty,
    type DirOptions,
} from './deploy.js';
import { CliError } from './errors.js';
import { openWallet } from './party.js';

/** Options naming a group epoch. */
export interface GroupOptions extends DirOptions {
    readonly group: string;
    readonly channel: string;
    readonly epoch: string;
}

const refOf = (o: GroupOptions): GroupEpochRef => ({
    group: o.group,
    channel: o.channel,
    epoch: parsePeriod(o.epoch, '--epoch'),
});

const CLIENT_KEY_FORMAT = 'femeter-mcfe-client-key/1';

/** Write a meter's client key (secret) to a 0600 file. */
function writeClientKey(file: string, k: ClientKey): void {
    if (existsSync(file))
        throw new CliError(`${file} exists already`, 'pick another --client-key-out file');
    writeFileSync(
        file,
        JSON.stringify(
            {
                format: CLIENT_KEY_FORMAT,
                ...k.epoch,
                member: k.member,
                roster: bytesToHex(k.roster),
                s: k.s.map((x) => x.toString(16)),
            },
            null,
            2,
        ) + '\n',
        { mode: 0o600 },
    );
}

function readClientKey(file: string): ClientKey {
    const bad = (why: string): never => {
        throw new CliError(
            `${file}: ${why}`,
            'pass the file femeter customer grid-consent --client-key-out wrote',
        );
    };
    let o: Record<string, unknown>;
    try {
        o = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
        return bad('not a JSON file');
    }
    const str = (k: string): string => (typeof o[k] === 'string' ? o[k] : bad(`"${k}" missing`));
    if (o.format !== CLIENT_KEY_FORMAT) bad(`"format" must be ${CLIENT_KEY_FORMAT}`);
    const s: unknown = o.s;
    const [s1, s2] =
        Array.isArray(s) && s.length === 2 && typeof s[0] === 'string' && typeof s[1] === 'string'
            ? [s[0], s[1]]
            : bad('"s" must be two hex scalars');
    const scalar = (x: string): bigint =>
        /^[0-9a-f]{1,64}$/.test(x) ? BigInt(`0x${x}`) : bad('"s" must be two hex scalars');
    return {
        epoch: { aggregate: str('aggregate'), channel: str('channel'), epoch: str('epoch') },
        member: str('member'),
        roster: hexToBytes(str('roster')),
        s: [scalar(s1), scalar(s2)],
    };
}

// ---------------------------------------------------------------- grid operator

async function gridOperatorOf(
    p: Parameters<Parameters<typeof withParty>[2]>[0],
    c: Parameters<Parameters<typeof withParty>[2]>[1],
): Promise<{ op: GridOperator; grid: GridApi }> {
    progress('loading the discrete-log table');
    const dlog = await dlogSolvers(cacheDir(), dlogTableLog2(await initBackends()));
    const grid = new GridApi(c.participant.api.client);
    return {
        grid,
        op: new GridOperator({
            api: c.participant.api,
            grid,
            partyId: p.config.id,
            hpke: await p.secrets.gridHpke(),
            dlog,
        }),
    };
}

export async function gridRegisterGroup(
    o: GroupOptions & { members: string; minMembers?: string | undefined },
): Promise<void> {
    const ref = refOf(o);
    const members = o.members
        .split(',')
        .map((m) => m.trim())
        .filter((m) => m !== '');
    const minMembers = o.minMembers === undefined ? undefined : Number(o.minMembers);
    await withParty(o, 'grid', async (_p, c) => {
        const g = await new GridApi(c.participant.api.client).registerGroup({
            id: ref.group,
            channel: ref.channel,
            epoch: ref.epoch,
            members,
            ...(minMembers === undefined ? {} : { minMembers }),
        });
        console.log(json({ registered: 'aggregation group', group: g }));
    });
}

export async function gridAggregate(o: GroupOptions): Promise<void> {
    const ref = refOf(o);
    await withParty(o, 'grid', async (p, c) => {
        const { op } = await gridOperatorOf(p, c);
        const run = await op.aggregate(ref);
        console.log(
            json({
                ...ref,
                posted: run.posted.length,
                alreadyPosted: run.alreadyPosted,
                incomplete: run.incomplete,
            }),
        );
    });
}

/** The load curve: slot start, sum, members, flagged members (CSV or JSON). */
export async function gridAggregates(
    o: GroupOptions & { format: string; out?: string | undefined },
): Promise<void> {
    const ref = refOf(o);
    await withParty(o, 'grid', async (_p, c) => {
        const rows = await new GridApi(c.participant.api.client).getAggregates(ref);
        const text =
            o.format === 'json'
                ? json(rows)
                : [
                      'slot,start,sum,members,flagged',
                      ...rows.map(
                          (r) =>
                              `${r.slot},${r.label},${r.m},${r.members},${r.statuses.map((s) => `${s.meter}:${s.status}`).join(' ')}`,
                      ),
                  ].join('\n') + '\n';
        if (o.out === undefined) process.stdout.write(text);
        else writeFileSync(o.out, text);
    });
}

// ---------------------------------------------------------------- household

async function householdOf(
    p: Parameters<Parameters<typeof withParty>[2]>[0],
    c: Parameters<Parameters<typeof withParty>[2]>[1],
    minMembers: string | undefined,
): Promise<HouseholdAggregation> {
    const min = minMembers === undefined ? undefined : Number(minMembers);
    if (min !== undefined && (!Number.isInteger(min) || min < AGGREGATE_MIN_MEMBERS_FLOOR))
        throw new CliError(
            `--min-members ${String(minMembers)}: the household's minimum group size must be an integer ≥ ${AGGREGATE_MIN_MEMBERS_FLOOR}`,
            'e.g. --min-members 10 (the default)',
        );
    return new HouseholdAggregation({
        api: c.participant.api,
        grid: new GridApi(c.participant.api.client),
        partyId: p.config.id,
        wallet: await openWallet(p),
        ...(min === undefined ? {} : { minMembers: min }),
    });
}

export async function customerGridConsent(
    o: GroupOptions & {
        meter: string;
        refuse?: string | undefined;
        clientKeyOut?: string | undefined;
        minMembers?: string | undefined;
    },
): Promise<void> {
    const ref = refOf(o);
    await withParty(o, 'customer', async (p, c) => {
        const h = await householdOf(p, c, o.minMembers);
        if (o.refuse !== undefined) {
            await h.refuse(ref, o.meter, o.refuse);
            console.log(json({ ...ref, meter: o.meter, decision: 'refused', reason: o.refuse }));
            return;
        }
        try {
            await h.consent(ref, o.meter);
        } catch (e) {
            throw new CliError(
                `no consent (${e instanceof Error ? e.message : String(e)})`,
                'a guard refusal is recorded on the ledger; ask the grid operator for a larger or disjoint group',
            );
        }
        if (o.clientKeyOut !== undefined)
            writeClientKey(o.clientKeyOut, await h.clientKey(ref, o.meter));
        console.log(
            json({
                ...ref,
                meter: o.meter,
                decision: 'allowed',
                ...(o.clientKeyOut === undefined ? {} : { clientKey: o.clientKeyOut }),
            }),
        );
    });
}

export async function customerGridShare(
    o: GroupOptions & { meter: string; minMembers?: string | undefined },
): Promise<void> {
    const ref = refOf(o);
    await withParty(o, 'customer', async (p, c) => {
        await (await householdOf(p, c, o.minMembers)).publishShare(ref, o.meter);
        console.log(json({ ...ref, meter: o.meter, share: 'published' }));
    });
}

// ---------------------------------------------------------------- meter

export async function meterGridSubmit(
    o: GroupOptions & {
        clientKey: string;
        source: string;
        kind: string;
        unit: string;
        obis?: string | undefined;
        medium?: string | undefined;
    },
): Promise<void> {
    const ref = refOf(o);
    const key = readClientKey(o.clientKey);
    await withParty(o, 'meter', async (p, c) => {
        const meter = await c.participant.api.getMeter(p.config.id);
        const agg = new MeterAggregation({
            api: c.participant.api,
            grid: new GridApi(c.participant.api.client),
            meterId: p.config.id,
            signingSecret: p.secrets.meterSigning,
        });
        progress('precomputing the pads of every slot label');
        await agg.join(ref, key);
        const bp = periodSlots(ref.epoch, meter.timeZone, meter.slotMinutes);
        const slots = periodSlotsFromFile(o.source, o.kind, bp, o);
        agg.record(ref, slots);
        const sent = await agg.flush();
        console.log(json({ ...ref, meter: p.config.id, sent: sent.sent }));
    });
}

// ---------------------------------------------------------------- auditor

export async function auditorGridCheck(o: GroupOptions): Promise<number> {
    const ref = refOf(o);
    return withParty(o, 'auditor', async (_p, c) => {
        const checks = await checkAggregates(new GridApi(c.participant.api.client), ref);
        const bad = checks.filter((x) => !x.proofValid || !x.complete || !x.statusesMatch);
        console.log(
            json({
                ...ref,
                posted: checks.length,
                valid: checks.length - bad.length,
                bad: bad.map((x) => x.result.slot),
            }),
        );
        return bad.length === 0 ? 0 : 1;
    });
}
