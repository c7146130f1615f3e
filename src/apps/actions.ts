// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/actions
 * What each party command does once its party is open and connected: the bodies of `operator
 * bootstrap/register`, `customer publish-mpks/accept/bills`, `meter ingest/close`, `provider run`,
 * `index publish` and `auditor report`. The CLI (`apps/cli/deploy.ts`) calls them for a party
 * directory and prints the result; `femeter demo` (`apps/demo/demo.ts`) calls the same functions
 * for every party of its world, so the demo takes no path of its own. Nothing here prints, reads
 * flags or exits: inputs are typed, failures are {@link ActionError}s saying what to do.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { STATUS, type Meter } from '../contract/index.js';
import { parseTariff, type BillingPeriod } from '../contract/tariff/index.js';
import { checkpointers, type ChaincodeEvent } from '../ledger/index.js';
import type { FemeterApi } from '../roles/api.js';
import { Operator } from '../roles/operator/index.js';
import type { Customer } from '../roles/customer/customer.js';
import type { MeterAgent } from '../roles/meter/agent.js';
import type { Provider, FoldSnapshot } from '../roles/provider/provider.js';
import { Auditor, type AuditReport } from '../roles/auditor/auditor.js';
import {
    DAY_AHEAD_HEADER,
    IndexPublisher,
    parseDayAheadCsv,
    seriesForPeriod,
} from '../roles/index-publisher/index.js';

/** A slot's reading as the meter agent records it. */
export type SlotReading = Parameters<MeterAgent['record']>[2][number];

/** A party command's failure: what went wrong and what to do (the CLI prints both). */
export class ActionError extends Error {
    readonly hint: string;
    constructor(message: string, hint: string) {
        super(message);
        this.name = 'ActionError';
        this.hint = hint;
    }
}

// ---------------------------------------------------------------- operator

/** What a party hands the operator (a party directory's `registration.json`). */
export interface Registration {
    readonly role: string;
    readonly id: string;
    readonly name: string;
    readonly identity: { readonly mspId: string; readonly id: string };
    readonly hpkePublicKey?: string | undefined;
    readonly signingKey?: string | undefined;
}

/** The settings of a meter the operator registers (validated by the caller). */
export interface MeterSettings {
    readonly owner: string;
    readonly channels: Meter['channels'];
    readonly maxPerSlot: number;
    readonly software: { readonly id: string; readonly digest: string };
    readonly slotMinutes?: number;
    readonly timeZone?: string;
}

/** A party directory's role → the contract's role. */
const CONTRACT_ROLE: Readonly<Record<string, string>> = {
    provider: 'provider',
    customer: 'customer',
    index: 'indexPublisher',
    auditor: 'auditor',
    grid: 'gridOperator',
    survey: 'surveyor',
};

/** `femeter operator bootstrap`. */
export async function bootstrapLedger(api: FemeterApi, id: string, name: string) {
    return new Operator({ api }).bootstrap(id, name);
}

/** `femeter operator register`: a party, or a meter with its settings. */
export async function registerParty(
    api: FemeterApi,
    req: Registration,
    meter?: MeterSettings,
): Promise<{ kind: 'meter'; meter: Meter } | { kind: 'party'; role: string; party: unknown }> {
    const op = new Operator({ api });
    if (req.role === 'operator')
        throw new ActionError(
            'an operator is not registered, it bootstraps',
            'use femeter operator bootstrap',
        );
    if (req.role === 'meter') {
        if (meter === undefined)
            throw new ActionError(
                'a meter needs --owner CUSTOMER',
                'name the customer who owns the meter',
            );
        const m = await op.registerMeter({
            id: req.id,
            owner: meter.owner,
            identity: req.identity,
            signingKey: req.signingKey ?? '',
            channels: meter.channels,
            maxPerSlot: meter.maxPerSlot,
            software: meter.software,
            ...(meter.slotMinutes === undefined ? {} : { slotMinutes: meter.slotMinutes }),
            ...(meter.timeZone === undefined ? {} : { timeZone: meter.timeZone }),
        });
        return { kind: 'meter', meter: m };
    }
    const role = CONTRACT_ROLE[req.role];
    if (role === undefined)
        throw new ActionError(`role ${req.role} cannot be registered`, 'check registration.json');
    const party = await op.registerParty({
        id: req.id,
        role: role as Parameters<Operator['registerParty']>[0]['role'],
        name: req.name,
        identity: req.identity,
        ...(req.hpkePublicKey === undefined ? {} : { hpkePublicKey: req.hpkePublicKey }),
    });
    return { kind: 'party', role: req.role, party };
}

// ---------------------------------------------------------------- customer

/** `ID@VERSION` of `--tariff`. */
export function parseTariffRef(s: string): { id: string; version: number } {
    const m = /^(.+)@(\d+)$/.exec(s);
    if (m?.[1] === undefined || m[2] === undefined)
        throw new ActionError(`--tariff ${s}: expected ID@VERSION`, 'e.g. --tariff acme.flat@1');
    return { id: m[1], version: Number(m[2]) };
}

/** `femeter customer accept`: through the privacy guard; a refusal is recorded on the ledger. */
export async function acceptTariff(
    customer: Customer,
    o: { meter: string; channel: string; provider: string; tariff: string; periods: string[] },
): Promise<void> {
    const tariff = parseTariffRef(o.tariff);
    try {
        await customer.acceptTariff({
            meter: o.meter,
            channel: o.channel,
            provider: o.provider,
            tariff,
            periods: o.periods,
        });
    } catch (e) {
        throw new ActionError(
            `refused ${o.tariff} (${e instanceof Error ? e.message : String(e)})`,
            'the refusal is recorded on the ledger; ask the provider for another tariff',
        );
    }
}

/** `femeter customer bills`: every bill of the period against the customer's own readings. */
export async function checkBills(
    customer: Customer,
    meter: string,
    channel: string,
    period: string,
): Promise<{
    energyWh: bigint;
    checks: Awaited<ReturnType<Customer['checkBills']>>;
}> {
    const own = await customer.readings(meter, channel, period);
    const checks = await customer.checkBills(meter, channel, period, own);
    return { energyWh: own.reduce((s, x) => s + x.value, 0n), checks };
}

// ---------------------------------------------------------------- meter

/**
 * `femeter meter ingest` (after reading its file) and each batch of a source: open the period,
 * record the slots not recorded before, send. Returns what was new and what the ledger has.
 */
export async function recordSlots(
    agent: MeterAgent,
    channel: string,
    period: string,
    slots: readonly SlotReading[],
): Promise<{ recorded: number; before: number; sent: number; pending: number }> {
    await agent.openPeriod(channel, period);
    const done = agent.recordedSlots(channel, period);
    const fresh = slots.filter((s) => !done.has(s.slot));
    agent.record(channel, period, fresh);
    const r = await agent.flush();
    return {
        recorded: fresh.length,
        before: slots.length - fresh.length,
        sent: r.sent,
        pending: r.pending,
    };
}

/** `femeter meter close`: missing slots as substitutes when allowed, else refused. */
export async function closePeriod(
    agent: MeterAgent,
    channel: string,
    bp: BillingPeriod,
    substituteMissing: boolean,
): Promise<{ substitutes: number }> {
    const period = bp.periodId;
    await agent.openPeriod(channel, period);
    const done = agent.recordedSlots(channel, period);
    const missing: number[] = [];
    for (let i = 0; i < bp.slotCount; i++) if (!done.has(i)) missing.push(i);
    if (missing.length > 0 && !substituteMissing)
        throw new ActionError(
            `${missing.length} of ${bp.slotCount} slots of ${period} have no reading`,
            'ingest them, or pass --substitute-missing to record them as substitutes (0 Wh, status substitute)',
        );
    if (missing.length > 0)
        agent.record(
            channel,
            period,
            missing.map((slot) => ({ slot, value: 0n, status: STATUS.substitute })),
        );
    await agent.flush();
    await agent.closePeriod(channel, period);
    return { substitutes: missing.length };
}

// ---------------------------------------------------------------- provider

/** A bill `provider run` posted. */
export interface PostedBill {
    readonly epoch: string;
    readonly tariff: string;
    readonly m: bigint;
    readonly ms: number;
}

/**
 * `femeter provider run`: follow the event stream from the checkpoint, fold readings, post every
 * bill of each period closed. The running sums of open periods are kept in `foldsFile` so a
 * restart resumes them. Without `follow` it stops once the stream is idle (caught up); with it,
 * when `signal` aborts.
 */
export async function runProvider(
    prov: Provider,
    o: {
        checkpointFile: string;
        foldsFile: string;
        follow: boolean;
        signal?: AbortSignal | undefined;
        onBilled?: (epoch: string, bills: readonly PostedBill[]) => void;
    },
): Promise<{ closes: string[]; bills: PostedBill[] }> {
    const foldsFile = o.foldsFile;
    if (existsSync(foldsFile)) {
        try {
            prov.importFolds(JSON.parse(readFileSync(foldsFile, 'utf8')) as FoldSnapshot);
        } catch (e) {
            throw new ActionError(
                `${foldsFile}: ${e instanceof Error ? e.message : String(e)}`,
                'move the file away: the provider then folds open periods again from the ledger',
            );
        }
    }
    const saveFolds = (): void => {
        writeFileSync(`${foldsFile}.tmp`, JSON.stringify(prov.exportFolds()) + '\n');
        renameSync(`${foldsFile}.tmp`, foldsFile);
    };
    const checkpoint = await checkpointers.file(o.checkpointFile);
    const events = await prov.events({ checkpoint, startBlock: 0n });
    const closes: string[] = [];
    const posted: PostedBill[] = [];
    // Without follow: stop once the stream has been idle for a while (caught up with the
    // ledger). An event counts as busy from the moment it is handed out until the next one is
    // asked for, so folding, key loading and billing never look idle.
    let lastEvent = Date.now();
    let busy = false;
    const tracked = {
        async *[Symbol.asyncIterator](): AsyncGenerator<ChaincodeEvent> {
            for await (const ev of events) {
                busy = true;
                yield ev;
                busy = false;
                lastEvent = Date.now();
            }
        },
        close: (): void => {
            events.close();
        },
    };
    // a stop ends the stream; the folds are saved below
    const onAbort = (): void => {
        events.close();
    };
    if (o.signal?.aborted === true) onAbort();
    o.signal?.addEventListener('abort', onAbort);
    // following waits for events that no timer of this process announces: keep it alive
    const keepAlive = o.follow ? setInterval(() => undefined, 60_000) : undefined;
    const idle = o.follow
        ? undefined
        : setInterval(() => {
              if (!busy && Date.now() - lastEvent > 1500) events.close();
          }, 250);
    try {
        await prov.run(
            tracked,
            checkpoint,
            () => false,
            async (epoch) => {
                closes.push(epoch);
                const [meter, channel, period] = epoch.split('|');
                if (meter === undefined || channel === undefined || period === undefined) return;
                const bills = (await prov.bill(meter, channel, period)).map((b) => ({
                    epoch,
                    tariff: b.tariff,
                    m: b.m,
                    ms: b.ms,
                }));
                posted.push(...bills);
                saveFolds();
                o.onBilled?.(epoch, bills);
            },
        );
    } finally {
        o.signal?.removeEventListener('abort', onAbort);
        if (idle !== undefined) clearInterval(idle);
        if (keepAlive !== undefined) clearInterval(keepAlive);
        saveFolds();
    }
    return { closes, bills: posted };
}

/**
 * `femeter provider publish`: a tariff document, validated (format, guard-relevant fields) and
 * published under the provider's own id.
 */
export async function publishTariff(
    prov: Provider,
    providerId: string,
    doc: unknown,
    file: string,
) {
    try {
        parseTariff(doc);
    } catch (e) {
        throw new ActionError(
            `${file}: ${e instanceof Error ? e.message : String(e)}`,
            'fix the tariff document',
        );
    }
    const t = doc as { provider?: unknown };
    if (t.provider !== providerId)
        throw new ActionError(
            `the tariff's "provider" is ${String(t.provider)}, you are ${providerId}`,
            'set "provider" to your id',
        );
    return prov.publishTariff(doc as Record<string, unknown>);
}

// ---------------------------------------------------------------- index publisher, auditor

/**
 * `femeter index publish`: a DE-LU day-ahead file or a plain `timestamp,price` CSV (EUR/MWh, UTC),
 * the period's prices signed onto the ledger.
 */
export async function publishIndex(
    api: FemeterApi,
    o: { text: string; file: string; bp: BillingPeriod; series?: string | undefined },
): Promise<{ id: string; prices: number }> {
    let text = o.text;
    const first = text.split('\n', 1)[0]?.trim();
    if (first === 'timestamp,price') text = DAY_AHEAD_HEADER + text.slice(text.indexOf('\n'));
    let series;
    try {
        series = parseDayAheadCsv(text, o.series === undefined ? {} : { seriesId: o.series });
    } catch (e) {
        throw new ActionError(
            `${o.file}: ${e instanceof Error ? e.message : String(e)}`,
            `the file is "${DAY_AHEAD_HEADER}" (DE-LU) or "timestamp,price" CSV, EUR/MWh, UTC timestamps`,
        );
    }
    const s = seriesForPeriod(series, o.bp);
    await new IndexPublisher({ api }).publish(s, o.bp.periodId);
    return { id: s.id, prices: s.prices.length };
}

/** `femeter auditor report`: every signature, proof, sequence and the chain. */
export function auditReport(
    api: FemeterApi,
    engine: NonNullable<Parameters<Auditor['audit']>[0]>['engine'],
): Promise<AuditReport> {
    return new Auditor({ api }).audit({ engine });
}
