// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/deploy
 * The commands of a real deployment: each party acts from its own directory (`--dir`, made by
 * `femeter init`) with its own keys, through the roles.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { dlogTableLog2, initBackends } from '../../fe/backends.js';
import type { Bill, Meter } from '../../contract/index.js';
import {
    nextPeriodId,
    periodIdOfInstant,
    periodSlots,
    type BillingPeriod,
} from '../../contract/tariff/index.js';
import { Operator } from '../../roles/operator/index.js';
import { Customer } from '../../roles/customer/customer.js';
import { Wallet } from '../../roles/customer/wallet.js';
import { MeterAgent } from '../../roles/meter/agent.js';
import { FileOutbox } from '../../roles/meter/outbox.js';
import { readingsFromSource, readingsOfSlots, sourceKinds } from '../../roles/meter/ingest.js';
import type { IntervalEnergy } from '../../roles/meter/sources/index.js';
import { lineKinds } from '../../roles/meter/lines.js';
import { MeterRunner, type RunnerChannel, type RunnerEvent } from '../../roles/meter/runner.js';
import { RoleError } from '../../roles/errors.js';
import { Provider } from '../../roles/provider/provider.js';
import { dlogSolvers } from '../demo/demo.js';
import {
    acceptTariff,
    auditReport,
    bootstrapLedger,
    checkBills,
    closePeriod,
    parseTariffRef,
    publishIndex,
    publishTariff,
    recordSlots,
    registerParty,
    runProvider,
    type MeterSettings,
} from '../actions.js';
import { CliError } from './errors.js';
import { connectParty, loadParty, openWallet, readRegistration, type Party } from './party.js';
import type { Engine, Participant } from '../engines.js';
import { meterRun, parseMedium, type MeterRunArgs } from './meter-run.js';
import { readTrustAnchors } from './anchors.js';

export interface DirOptions {
    dir: string;
    passphraseFile?: string | undefined;
}

export const json = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2);
export const progress = (msg: string): void => {
    process.stderr.write(`▸ ${msg}\n`);
};
export const cacheDir = (): string =>
    join(process.env.FEMETER_CACHE ?? join(process.env.HOME ?? '.', '.cache', 'femeter'), 'dlog');

/** Open the party and its ledger connection, run `fn`, close. */
export async function withParty<T>(
    o: DirOptions,
    role: Party['config']['role'],
    fn: (p: Party, c: { engine: Engine; participant: Participant }) => Promise<T>,
): Promise<T> {
    const party = await loadParty(o.dir, o, role);
    const c = await connectParty(party);
    try {
        return await fn(party, c);
    } finally {
        await c.engine.close();
    }
}

const PERIOD_RE = /^\d{4}-(0[1-9]|1[0-2])$/;
export function parsePeriod(p: string | undefined, flag = '--period'): string {
    if (p === undefined || !PERIOD_RE.test(p))
        throw new CliError(
            `${flag} must be a month YYYY-MM, got ${String(p)}`,
            `e.g. ${flag} 2024-03`,
        );
    return p;
}
function positiveInt(v: string, flag: string, max = 1_000_000_000): number {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < 1 || n > max)
        throw new CliError(`${flag} must be an integer in 1..${max}, got ${v}`, `e.g. ${flag} 12`);
    return n;
}

// ---------------------------------------------------------------- operator

export async function operatorBootstrap(o: DirOptions): Promise<void> {
    await withParty(o, 'operator', async (p, c) => {
        const party = await bootstrapLedger(c.participant.api, p.config.id, p.config.name);
        console.log(json({ bootstrapped: party.id, ledger: p.config.ledger }));
    });
}

export interface RegisterOptions extends DirOptions {
    request: string;
    owner?: string | undefined;
    slotMinutes: string;
    zone: string;
    channel: string[];
    maxPerSlot: string;
    softwareId: string;
    softwareDigest?: string | undefined;
}

export async function operatorRegister(o: RegisterOptions): Promise<void> {
    const req = readRegistration(o.request);
    let meter: MeterSettings | undefined;
    if (req.role === 'meter' && o.owner !== undefined) {
        const slotMinutes = positiveInt(o.slotMinutes, '--slot-minutes', 60);
        try {
            new Intl.DateTimeFormat('en', { timeZone: o.zone });
        } catch {
            throw new CliError(
                `--zone ${o.zone} is not an IANA time zone`,
                'e.g. --zone Europe/Berlin',
            );
        }
        const channels = o.channel.map((ch) => {
            const [id, unit, medium] = ch.split(',');
            if (id === undefined || unit === undefined || medium === undefined)
                throw new CliError(
                    `--channel ${ch}: expected OBIS,UNIT,MEDIUM`,
                    'e.g. --channel 1-0:1.8.0,Wh,electricity',
                );
            return { id, unit, medium };
        });
        const digest = o.softwareDigest ?? bytesToHex(sha256(utf8ToBytes(o.softwareId)));
        meter = {
            owner: o.owner,
            channels: channels as unknown as Meter['channels'],
            maxPerSlot: positiveInt(o.maxPerSlot, '--max-per-slot'),
            software: { id: o.softwareId, digest },
            slotMinutes,
            timeZone: o.zone,
        };
    }
    await withParty(o, 'operator', async (_p, c) => {
        const r = await registerParty(c.participant.api, req, meter);
        if (r.kind === 'meter') console.log(json({ registered: 'meter', meter: r.meter }));
        else console.log(json({ registered: r.role, party: r.party }));
    });
}

export async function operatorList(o: DirOptions & { out?: string | undefined }): Promise<void> {
    await withParty(o, 'operator', async (_p, c) => {
        const op = new Operator({ api: c.participant.api });
        const registry = { parties: await op.listParties(), meters: await op.listMeters() };
        if (o.out !== undefined) {
            writeFileSync(o.out, json(registry) + '\n');
            console.log(
                `wrote ${registry.parties.length} parties and ${registry.meters.length} meters to ${o.out}`,
            );
        } else console.log(json(registry));
    });
}

// ---------------------------------------------------------------- customer

export async function customerOf(p: Party, c: { participant: Participant }): Promise<Customer> {
    progress('loading the discrete-log table');
    const dlog = await dlogSolvers(cacheDir(), dlogTableLog2(await initBackends()));
    return new Customer({
        api: c.participant.api,
        partyId: p.config.id,
        wallet: await openWallet(p),
        dlog,
    });
}

export async function customerPublishMpks(
    o: DirOptions & { meter: string; channel: string; from: string; count: string },
): Promise<void> {
    const from = parsePeriod(o.from, '--from');
    const n = positiveInt(o.count, '--count', 36);
    await withParty(o, 'customer', async (p, c) => {
        const customer = await customerOf(p, c);
        const digests = await customer.publishMpks(o.meter, o.channel, from, n);
        console.log(
            json({ meter: o.meter, channel: o.channel, from, periods: digests.length, digests }),
        );
    });
}

export async function customerAccept(
    o: DirOptions & {
        meter: string;
        channel: string;
        provider: string;
        tariff: string;
        periods: string;
    },
): Promise<void> {
    parseTariffRef(o.tariff);
    const periods = o.periods.split(',').map((x) => parsePeriod(x, '--periods'));
    await withParty(o, 'customer', async (p, c) => {
        await acceptTariff(await customerOf(p, c), { ...o, periods });
        console.log(json({ accepted: o.tariff, meter: o.meter, periods, guard: 'passed' }));
    });
}

/**
 * Move a meter's channel to another provider from a period on: the new provider's tariff is
 * accepted (guard, key sealed to it) for `count` periods. Refused when another provider already
 * holds an agreement for one of them (the customer would be billed twice): that provider keeps its
 * periods, the switch starts after them.
 */
export async function customerSwitch(
    o: DirOptions & {
        meter: string;
        channel: string;
        to: string;
        tariff: string;
        from: string;
        count: string;
    },
): Promise<void> {
    const from = parsePeriod(o.from, '--from');
    const n = positiveInt(o.count, '--count', 36);
    const periods = [from];
    while (periods.length < n) periods.push(nextPeriodId(periods.at(-1) ?? from));
    await withParty(o, 'customer', async (_p, c) => {
        for (const period of periods) {
            const other = (await c.participant.api.getAgreements(o.meter, o.channel, period)).find(
                (a) => a.provider !== o.to,
            );
            if (other !== undefined)
                throw new CliError(
                    `${other.provider} holds ${other.tariffId}@${other.tariffVersion} for ${o.meter} ${o.channel} ${period}`,
                    `switch from the period after the last one agreed with ${other.provider}`,
                );
        }
    });
    await customerAccept({ ...o, provider: o.to, periods: periods.join(',') });
}

export async function customerReadings(
    o: DirOptions & {
        meter: string;
        channel: string;
        period: string;
        format: string;
        out?: string | undefined;
    },
): Promise<void> {
    const period = parsePeriod(o.period);
    if (o.format !== 'csv' && o.format !== 'json')
        throw new CliError(`--format ${o.format}`, 'use --format csv or --format json');
    await withParty(o, 'customer', async (p, c) => {
        const customer = await customerOf(p, c);
        const meter = await c.participant.api.getMeter(o.meter);
        const bp = periodSlots(period, meter.timeZone, meter.slotMinutes);
        const own = await customer.readings(o.meter, o.channel, period);
        const rows = own.map((r) => ({
            slot: r.slot,
            start: new Date(bp.startMs + r.slot * bp.intervalMinutes * 60_000).toISOString(),
            value: r.value,
            status: r.status,
        }));
        const text =
            o.format === 'json'
                ? json({ meter: o.meter, channel: o.channel, period, unit: 'Wh', readings: rows })
                : 'slot,start_utc,wh,status\n' +
                  rows.map((r) => `${r.slot},${r.start},${r.value},${r.status}`).join('\n');
        if (o.out !== undefined) writeFileSync(o.out, text + '\n');
        else console.log(text);
        const total = own.reduce((s, r) => s + r.value, 0n);
        process.stderr.write(`${o.meter} ${period}: ${own.length} slots, ${total} Wh\n`);
    });
}

export async function customerBills(
    o: DirOptions & { meter: string; channel: string; period: string },
): Promise<number> {
    const period = parsePeriod(o.period);
    return withParty(o, 'customer', async (p, c) => {
        const { checks } = await checkBills(await customerOf(p, c), o.meter, o.channel, period);
        if (checks.length === 0) {
            console.log(json({ meter: o.meter, period, bills: [] }));
            return 1;
        }
        console.log(
            json({
                meter: o.meter,
                period,
                bills: checks.map((b) => ({
                    tariff: `${b.bill.tariffId}@${b.bill.tariffVersion}`,
                    bill: b.bill.m,
                    ownReadingsGive: b.expected,
                    proof: b.proofValid ? 'valid' : 'INVALID',
                    ok: b.matches,
                })),
            }),
        );
        return checks.every((b) => b.matches) ? 0 : 1;
    });
}

export async function customerBackup(o: DirOptions): Promise<void> {
    const party = await loadParty(o.dir, o, 'customer');
    console.log((await openWallet(party)).toMnemonic());
    process.stderr.write(
        'write these 24 words down; anyone holding them can read your meter data\n',
    );
}

export async function customerRestore(
    o: DirOptions & { mnemonicFile: string; force: boolean },
): Promise<void> {
    const party = await loadParty(o.dir, o, 'customer');
    const target = join(party.dir, 'wallet.key');
    if (existsSync(target) && !o.force)
        throw new CliError(`${target} exists`, 'pass --force to replace the wallet');
    const wallet = Wallet.fromMnemonic(readFileSync(o.mnemonicFile, 'utf8'));
    writeFileSync(target, await wallet.seal(party.passphrase), { mode: 0o600 });
    console.log(`restored the wallet into ${target}`);
}

// ---------------------------------------------------------------- meter

async function meterAgent(
    p: Party,
    c: { participant: Participant },
): Promise<{ agent: MeterAgent; meter: Meter; outbox: FileOutbox }> {
    const meter = await c.participant.api.getMeter(p.config.id);
    const outbox = new FileOutbox(join(p.dir, 'outbox'));
    const agent = new MeterAgent({
        api: c.participant.api,
        meterId: p.config.id,
        signingSecret: p.secrets.meterSigning,
        meterSeed: p.secrets.meterSeed,
        outbox,
    });
    return { agent, meter, outbox };
}

function sourceHint(kind: string, unit: string, msg: string): string {
    if (msg.includes('register decreased'))
        return 'the values look like energies per slot, not a register: use --kind csv-interval';
    if (msg.includes('not a whole number of Wh') && unit === 'Wh')
        return 'the column looks like kWh: pass --unit kWh';
    if (kind.startsWith('csv') && msg.includes('expected'))
        return `check the file is timestamp,value CSV; other formats: --kind ${sourceKinds().join('|')}`;
    return 'fix the line named above; nothing was recorded';
}

/** Read a period's slots from a file, refusing a file of which nothing falls in the period. */
export function periodSlotsFromFile(
    file: string,
    kind: string,
    bp: BillingPeriod,
    opts: { obis?: string | undefined; medium?: string | undefined; unit: string },
): ReturnType<typeof readingsFromSource> {
    if (!sourceKinds().includes(kind))
        throw new CliError(`--kind ${kind} is unknown`, `use one of ${sourceKinds().join(', ')}`);
    if (opts.unit !== 'Wh' && opts.unit !== 'kWh')
        throw new CliError(`--unit ${opts.unit}`, 'use --unit Wh or --unit kWh');
    if (!existsSync(file)) throw new CliError(`${file} does not exist`, 'check --source');
    let slots;
    try {
        slots = readingsFromSource(new Uint8Array(readFileSync(file)), kind, bp, {
            obis: opts.obis,
            medium: parseMedium(opts.medium),
            unit: opts.unit,
        });
    } catch (e) {
        const msg = e instanceof Error ? e.message : String(e);
        throw new CliError(`${file}: ${msg}`, sourceHint(kind, opts.unit, msg));
    }
    if (slots.length === 0)
        throw new CliError(
            `nothing in ${file} falls in period ${bp.periodId} (${new Date(bp.startMs).toISOString()} – ${new Date(bp.endMs).toISOString()})`,
            'pass the --period the file covers',
        );
    return slots;
}

export async function meterIngest(
    o: DirOptions & {
        source: string;
        period: string;
        kind: string;
        unit: string;
        obis?: string | undefined;
        medium?: string | undefined;
        channel: string;
    },
): Promise<void> {
    const period = parsePeriod(o.period);
    await withParty(o, 'meter', async (p, c) => {
        const { agent, meter, outbox } = await meterAgent(p, c);
        try {
            const bp = periodSlots(period, meter.timeZone, meter.slotMinutes);
            const slots = periodSlotsFromFile(o.source, o.kind, bp, o);
            progress(`recording ${slots.length} slots of ${o.source}`);
            const sent = await recordSlots(agent, o.channel, period, slots);
            progress(`${sent.before} of them were recorded before`);
            console.log(
                json({
                    meter: p.config.id,
                    period,
                    slots: bp.slotCount,
                    recorded: sent.recorded,
                    sent: sent.sent,
                    pending: sent.pending,
                }),
            );
        } finally {
            outbox.close();
        }
    });
}

export async function meterClose(
    o: DirOptions & { period: string; channel: string; substituteMissing: boolean },
): Promise<void> {
    const period = parsePeriod(o.period);
    await withParty(o, 'meter', async (p, c) => {
        const { agent, meter, outbox } = await meterAgent(p, c);
        try {
            const bp = periodSlots(period, meter.timeZone, meter.slotMinutes);
            const { substitutes } = await closePeriod(agent, o.channel, bp, o.substituteMissing);
            if (substitutes > 0) progress(`recorded ${substitutes} substitute slots`);
            console.log(json({ meter: p.config.id, period, closed: true, substitutes }));
        } finally {
            outbox.close();
        }
    });
}

export interface MeterRunDirOptions extends DirOptions {
    source: string;
    kind: string;
    unit: string;
    obis?: string | undefined;
    medium?: string | undefined;
    /** `ID[,obis=CODE[+CODE…]][,source=PATH][,kind=KIND]`, one per channel. */
    channel?: string[] | string | undefined;
    clock: string;
    substituteMissing: boolean;
    closeAfterMinutes: string;
    openAheadHours: string;
    pollMs: string;
}

/**
 * The channels of `meter run --dir`: each `--channel ID[,obis=SEL][,source=PATH][,kind=KIND]`
 * takes the command's --source, --kind and --unit unless it names its own. Its register selector
 * is its `obis=`, else (one channel) --obis or the format's default, else (several channels, e.g.
 * import and export from one telegram) the channel id itself.
 */
export function runnerChannels(o: MeterRunDirOptions): RunnerChannel[] {
    const specs = typeof o.channel === 'string' ? [o.channel] : (o.channel ?? []);
    const list = specs.length === 0 ? ['1-0:1.8.0'] : specs;
    const medium = parseMedium(o.medium);
    return list.map((spec) => {
        const [id = '', ...opts] = spec.split(',');
        const kv: Record<string, string> = {};
        for (const x of opts) {
            const m = /^(obis|source|kind)=(.+)$/.exec(x);
            if (m?.[1] === undefined || m[2] === undefined || kv[m[1]] !== undefined)
                throw new CliError(
                    `--channel ${spec}: "${x}" is not obis=…, source=… or kind=… (each once)`,
                    'e.g. --channel 1-0:2.8.0,obis=1-0:2.8.0 or --channel 1-0:2.8.0,source=export.csv',
                );
            kv[m[1]] = m[2];
        }
        if (!/^[A-Za-z0-9][A-Za-z0-9:.*_-]{0,63}$/.test(id))
            throw new CliError(`--channel ${spec}: bad channel id`, 'e.g. --channel 1-0:1.8.0');
        const kind = kv.kind ?? o.kind;
        if (!lineKinds().includes(kind))
            throw new CliError(
                `--kind ${kind} cannot be followed line by line`,
                `use one of ${lineKinds().join(', ')} (raw serial captures: femeter meter run --serial)`,
            );
        const source = resolve(kv.source ?? o.source);
        if (!existsSync(source))
            throw new CliError(
                `${source} does not exist`,
                'create the file or folder the readings go to',
            );
        const obis = kv.obis ?? (list.length === 1 ? o.obis : id);
        return {
            id,
            source,
            kind,
            sourceOptions: {
                unit: o.unit as 'Wh' | 'kWh',
                ...(obis === undefined || kind.startsWith('csv') ? {} : { obis }),
                ...(medium === undefined ? {} : { medium }),
            },
        };
    });
}

/**
 * `femeter meter run --dir`: the long-lived agent over a growing file or a folder, until `signal`
 * aborts (the CLI wires SIGINT/SIGTERM to it). One JSON line per event on stdout.
 */
export async function meterRunDir(o: MeterRunDirOptions, signal: AbortSignal): Promise<void> {
    if (o.unit !== 'Wh' && o.unit !== 'kWh')
        throw new CliError(`--unit ${o.unit}`, 'use --unit Wh or --unit kWh');
    if (o.clock !== 'system' && o.clock !== 'source')
        throw new CliError(`--clock ${o.clock}`, 'use --clock system or --clock source');
    const channels = runnerChannels(o);
    const closeAfter = /^\d+$/.test(o.closeAfterMinutes) ? Number(o.closeAfterMinutes) : NaN;
    if (!Number.isSafeInteger(closeAfter))
        throw new CliError(
            `--close-after-minutes ${o.closeAfterMinutes}`,
            'e.g. --close-after-minutes 60',
        );
    const ahead = positiveInt(o.openAheadHours, '--open-ahead-hours', 24 * 31);
    const pollMs = positiveInt(o.pollMs, '--poll-ms', 3_600_000);
    const party = await loadParty(o.dir, o, 'meter');
    const log = (e: RunnerEvent): void => {
        console.log(JSON.stringify({ t: new Date().toISOString(), ...e }));
    };
    let runner: MeterRunner;
    try {
        runner = new MeterRunner({
            meterId: party.config.id,
            signingSecret: party.secrets.meterSigning,
            meterSeed: party.secrets.meterSeed,
            stateDir: party.dir,
            channels,
            clock: o.clock,
            substituteMissing: o.substituteMissing,
            closeAfterMs: closeAfter * 60_000,
            openAheadMs: ahead * 3_600_000,
            pollMs,
            connect: async () => {
                const c = await connectParty(party);
                return { api: c.participant.api, close: () => c.engine.close() };
            },
            log,
        });
    } catch (e) {
        if (e instanceof RoleError) throw new CliError(e.message, 'see above');
        throw e;
    }
    try {
        await runner.run(signal);
    } catch (e) {
        if (e instanceof RoleError)
            throw new CliError(e.message, 'nothing was lost: fix it and run again');
        throw e;
    }
}

/**
 * `femeter meter run --serial DEVICE --dir DIR`: the live reader of a meter's optical head or P1
 * port recording into the meter's party directory: each batch of closed slots is encrypted,
 * signed and sent by the meter agent (the same recording as `meter ingest`), per period of the
 * meter's zone. The ledger is held only while a batch is recorded. One channel (its `--obis`);
 * periods are closed with `femeter meter close`.
 */
export async function meterRunSerialDir(
    o: MeterRunArgs & DirOptions & { channel?: string[] | string | undefined },
): Promise<number> {
    const specs = typeof o.channel === 'string' ? [o.channel] : (o.channel ?? []);
    if (specs.length > 1 || specs.some((c) => c.includes(',')))
        throw new CliError(
            '--serial records one channel (its register chosen with --obis)',
            'run one femeter meter run --serial per channel, or record a telegram log with --dir --source',
        );
    const channel = specs[0] ?? '1-0:1.8.0';
    const party = await loadParty(o.dir, o, 'meter');
    const line = (v: unknown): void => {
        console.log(
            JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x)),
        );
    };
    // the meter's slot length and zone, and that it has this channel
    const c0 = await connectParty(party);
    let meter: Meter;
    try {
        meter = await c0.participant.api.getMeter(party.config.id);
    } finally {
        await c0.engine.close();
    }
    if (!meter.channels.some((c) => c.id === channel))
        throw new CliError(
            `meter ${meter.id} has no channel ${channel} (registered: ${meter.channels.map((c) => c.id).join(', ')})`,
            'pass one of its channels with --channel',
        );
    return meterRun(
        { ...o, 'interval-minutes': o['interval-minutes'] ?? String(meter.slotMinutes) },
        async (closed) => {
            const byPeriod = new Map<string, IntervalEnergy[]>();
            for (const e of closed) {
                const p = periodIdOfInstant(e.startMs, meter.timeZone);
                byPeriod.set(p, [...(byPeriod.get(p) ?? []), e]);
            }
            const c = await connectParty(party);
            const { agent, outbox } = await meterAgent(party, c);
            try {
                for (const [period, energies] of byPeriod) {
                    const bp = periodSlots(period, meter.timeZone, meter.slotMinutes);
                    const slots = readingsOfSlots(energies, bp);
                    try {
                        const r = await recordSlots(agent, channel, period, slots);
                        line({ event: 'recorded', channel, period, ...r });
                    } catch (e) {
                        line({
                            level: 'error',
                            event: 'not-recorded',
                            channel,
                            period,
                            slots: slots.map((s) => s.slot),
                            error: e instanceof Error ? e.message : String(e),
                            hint: 'the customer publishes the mpk first (femeter customer publish-mpks); these slots are not recorded',
                        });
                    }
                }
            } finally {
                outbox.close();
                await c.engine.close();
            }
        },
    );
}

export async function meterStatus(o: DirOptions): Promise<void> {
    const party = await loadParty(o.dir, o, 'meter');
    const ob = new FileOutbox(join(party.dir, 'outbox'));
    console.log(
        json({
            meter: party.config.id,
            lastSeq: ob.lastSeq,
            acked: ob.acked,
            pending: ob.pending().length,
        }),
    );
    ob.close();
}

// ---------------------------------------------------------------- provider

export async function providerPublish(o: DirOptions & { file: string }): Promise<void> {
    if (!existsSync(o.file))
        throw new CliError(`${o.file} does not exist`, 'pass a tariff document (JSON)');
    let doc: unknown;
    try {
        doc = JSON.parse(readFileSync(o.file, 'utf8'));
    } catch {
        throw new CliError(
            `${o.file} is not JSON`,
            'a tariff is a JSON document of format femeter-tariff/1',
        );
    }
    await withParty(o, 'provider', async (p, c) => {
        const rec = await publishTariff(await providerOf(p, c), p.config.id, doc, o.file);
        console.log(json({ published: rec }));
    });
}

async function providerOf(p: Party, c: { participant: Participant }): Promise<Provider> {
    progress('loading the discrete-log table');
    const dlog = await dlogSolvers(cacheDir(), dlogTableLog2(await initBackends()));
    return new Provider({
        api: c.participant.api,
        partyId: p.config.id,
        hpke: await p.secrets.providerHpke(),
        dlog,
    });
}

/**
 * Follow the event stream from the last checkpoint, fold readings and post every bill of each
 * period closed since. Without --follow it stops when it has caught up (on the embedded engine one
 * process at a time holds the ledger).
 */
export async function providerRun(
    o: DirOptions & { follow: boolean },
    signal?: AbortSignal,
): Promise<void> {
    await withParty(o, 'provider', async (p, c) => {
        const prov = await providerOf(p, c);
        const run = await runProvider(prov, {
            checkpointFile: join(p.dir, 'provider.checkpoint.json'),
            foldsFile: join(p.dir, 'provider.folds.json'),
            follow: o.follow,
            signal,
            onBilled: (epoch) => {
                const [meter, channel, period] = epoch.split('|');
                progress(`billed ${meter ?? ''} ${channel ?? ''} ${period ?? ''}`);
            },
        });
        console.log(
            json({
                closes: run.closes.length,
                bills: run.bills.map((b) => ({ epoch: b.epoch, tariff: b.tariff, m: b.m })),
                openEpochs: prov.heldEpochs,
                folded: prov.foldedReadings,
            }),
        );
    });
}

export async function providerBills(
    o: DirOptions & { meter?: string | undefined; format: string; out?: string | undefined },
): Promise<void> {
    await withParty(o, 'provider', async (_p, c) => {
        const bills: Bill[] = await c.participant.api.listBills(o.meter ?? '');
        const text =
            o.format === 'json'
                ? json(bills)
                : 'meter,channel,period,tariff,version,m\n' +
                  bills
                      .map(
                          (b) =>
                              `${b.meter},${b.channel},${b.period},${b.tariffId},${b.tariffVersion},${b.m}`,
                      )
                      .join('\n');
        if (o.out !== undefined) writeFileSync(o.out, text + '\n');
        else console.log(text);
    });
}

// ---------------------------------------------------------------- index publisher, auditor

export async function indexPublish(
    o: DirOptions & { file: string; period: string; series?: string | undefined },
): Promise<void> {
    const period = parsePeriod(o.period);
    if (!existsSync(o.file))
        throw new CliError(`${o.file} does not exist`, 'pass the price file with --file');
    const text = readFileSync(o.file, 'utf8');
    await withParty(o, 'index', async (_p, c) => {
        const bp = periodSlots(period, 'Europe/Berlin', 15);
        const s = await publishIndex(c.participant.api, {
            text,
            file: o.file,
            bp,
            series: o.series,
        });
        console.log(json({ published: s.id, period, prices: s.prices }));
    });
}

export async function auditorReport(
    o: DirOptions & {
        json: boolean;
        engineKey?: string;
        checkpoint?: string[];
        receipt?: string[];
    },
): Promise<number> {
    // anchors kept outside the data directory: receipts of the parties, signed checkpoints
    const trust = readTrustAnchors(
        { engineKey: o.engineKey, checkpoints: o.checkpoint, receipts: o.receipt },
        'femeter',
    );
    return withParty(o, 'auditor', async (_p, c) => {
        const verify = c.engine.verify?.bind(c.engine);
        if (trust !== undefined && (c.engine.name !== 'embedded' || verify === undefined))
            throw new CliError(
                '--checkpoint/--receipt/--engine-key check the embedded engine only',
                'drop them on Fabric: its blocks are checked against the orderer signatures',
            );
        const engine =
            trust === undefined || verify === undefined
                ? c.engine
                : { verify: (v: { workDir?: string } = {}) => verify({ ...v, ...trust }) };
        const report = await auditReport(c.participant.api, engine);
        if (o.json) console.log(json(report));
        else
            console.log(
                `audit ${report.ok ? 'ok' : 'FAILED'}: ${report.readingsChecked} reading signatures, ${report.billsChecked} bill proofs, ${report.sequenceGaps.length} sequence gaps` +
                    (report.chain.ok
                        ? ''
                        : `\nchain FAILED after ${report.chain.blocks} blocks: ${report.chain.reason ?? 'see --json'}`),
            );
        return report.ok ? 0 : 1;
    });
}
