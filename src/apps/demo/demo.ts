// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/demo/demo
 * `femeter demo`, the main job: on a fresh data directory it registers an operator, a provider, an
 * index publisher, an auditor and N customers with one meter each; customers publish their mpks;
 * the provider publishes an energy, a flat, a two-zone and a spot-price tariff, the index publisher
 * the real day-ahead prices; every customer accepts the energy function plus one billing tariff
 * (through the privacy guard); the meters simulate one month of 15-minute BDEW-profile readings in
 * compressed time, encrypt, sign and submit them; the provider folds readings from the event
 * stream, bills at close with proofs; customers decrypt their own readings and check every bill;
 * the auditor verifies everything. The result says whether everything agreed.
 * Progress and logs go to the `report` callbacks, so the same flow runs in the CLI, tests and bench.
 *
 * Every party acts through the party commands' own code ({@link module:apps/actions}): the
 * operator's bootstrap and registrations, the customers' guard-checked acceptances and bill
 * checks, the meters' recording and closing, the provider's `provider run` loop (folding and
 * billing at each close), the index publisher's price file, the auditor's report. What the demo
 * adds is its world: identities and keys derived from the public seed, and simulated readings.
 */
import { join } from 'node:path';
import { readFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { AnyGroup } from '../../fe/groups.js';
import { BsgsTable } from '../../fe/dlog.js';
import { loadOrBuildTable } from '../../fe/dlog-file.js';
import { dlogTableLog2, initBackends } from '../../fe/backends.js';
import type { DlogSolver } from '../../fe/ipfe.js';
import { periodSlots } from '../../contract/tariff/index.js';
import { ed25519Signer } from '../../contract/signing.js';
import { Customer } from '../../roles/customer/customer.js';
import { Wallet } from '../../roles/customer/wallet.js';
import { hpkeKeyPair } from '../../roles/hpke.js';
import { MeterAgent } from '../../roles/meter/agent.js';
import { FileOutbox } from '../../roles/meter/outbox.js';
import { parseProfiles, simulatePeriod, type ProfileTable } from '../../roles/meter/simulator.js';
import { Provider } from '../../roles/provider/provider.js';
import type { AuditReport } from '../../roles/auditor/auditor.js';
import { DEFAULT_SERIES_ID } from '../../roles/index-publisher/index.js';
import {
    acceptTariff,
    auditReport,
    bootstrapLedger,
    checkBills,
    closePeriod,
    publishIndex,
    publishTariff,
    recordSlots,
    registerParty,
    runProvider,
    type PostedBill,
} from '../actions.js';
import type { Engine, Participant } from '../engines.js';
import { ENERGY_TARIFF, FLAT_TARIFF, SPOT_TARIFF, TWO_ZONE_TARIFF } from './tariffs.js';

export const CHANNEL = '1-0:1.8.0';
const MAX_PER_SLOT = 20_000; // Wh per quarter hour (80 kW)

export interface DemoOptions {
    readonly engine: Engine;
    readonly dataDir: string;
    /** Directory with bdew-standard-load-profiles.csv and de-day-ahead-prices.csv. */
    readonly sharedData: string;
    readonly customers: number;
    readonly period: string;
    /** Meters submitting concurrently. */
    readonly concurrency?: number;
    /** Readings per transaction. */
    readonly batchSize?: number;
    /** Fold readings from the event stream (default true). */
    readonly fold?: boolean;
    /** Deterministic seed of the whole world (households, keys). */
    readonly seed?: string;
    /** Discrete-log table size 2^logT (cached under dataDir/../cache). */
    readonly dlogLogT?: number;
    readonly cacheDir?: string;
}

export interface DemoReport {
    readonly ok: boolean;
    readonly customers: number;
    readonly readings: number;
    readonly bills: number;
    readonly proofsValid: number;
    readonly billsMatchingCustomer: number;
    readonly mismatches: string[];
    readonly timings: Record<string, number>;
    readonly readingsPerSecond: number;
    readonly billMsFolded: number[];
    readonly audit: AuditReport;
    readonly totalsKwh: {
        customer: string;
        tariff: string;
        energyWh: bigint;
        /** The bill in µEUR (rounded half up from nEUR tariffs): what the summary prints. */
        bill: bigint;
        unit: string;
        /** The exact billed value m in the tariff's own currency unit. */
        exact: { m: bigint; unit: string };
    }[];
}

/** A bill in µEUR for the summary, beside the exact value in the tariff's unit. */
function billInMicroEur(
    m: bigint,
    unit: string | undefined,
): { bill: bigint; unit: 'µEUR'; exact: { m: bigint; unit: string } } {
    const u = unit ?? 'µEUR';
    const bill = u === 'nEUR' ? (m >= 0n ? (m + 500n) / 1000n : -((-m + 500n) / 1000n)) : m;
    return { bill, unit: 'µEUR', exact: { m, unit: u } };
}

/** Progress and log sinks (the CLI renders bars; tests ignore them). */
export interface DemoReporter {
    step(name: string): void;
    progress(name: string, done: number, total: number): void;
    log(event: string, fields?: Record<string, unknown>): void;
}

export const silentReporter: DemoReporter = {
    step: () => undefined,
    progress: () => undefined,
    log: () => undefined,
};

/**
 * A secret of the demo world, derived from its seed and a label (`<meter>/signing`, `<meter>/enc`,
 * `<customer>/root`, `provider-hpke`, `engine`): the one derivation the demo and the role commands share.
 *
 * @example
 * ```ts
 * const wallet = Wallet.fromSeed(derive('demo', 'customer-0001/root'));
 * ```
 */
export function derive(seed: string, label: string): Uint8Array {
    return sha256(utf8ToBytes(`femeter-demo/${seed}/${label}`));
}

async function pool<T>(
    items: readonly T[],
    n: number,
    fn: (t: T, i: number) => Promise<void>,
): Promise<void> {
    let next = 0;
    const worker = async (): Promise<void> => {
        while (next < items.length) {
            const i = next++;
            const item = items[i];
            if (item !== undefined) await fn(item, i);
        }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.min(n, items.length)) }, worker));
}

/** Discrete-log solvers per group, tables cached on disk. */
export async function dlogSolvers(
    cacheDir: string,
    logT: number,
): Promise<(g: AnyGroup) => DlogSolver<unknown>> {
    const tables = new Map<string, BsgsTable<unknown>>();
    const { ristretto255 } = await import('../../fe/ristretto255.js');
    tables.set(
        'ristretto255',
        (await loadOrBuildTable(ristretto255 as AnyGroup, logT, cacheDir)).table,
    );
    return (g) => {
        let t = tables.get(g.name);
        if (!t) tables.set(g.name, (t = BsgsTable.build(g, 16)));
        return t;
    };
}

export async function runDemo(
    o: DemoOptions,
    r: DemoReporter = silentReporter,
): Promise<DemoReport> {
    const seed = o.seed ?? 'demo';
    const timings: Record<string, number> = {};
    const t = (name: string, since: number): void => {
        timings[name] = performance.now() - since;
    };
    const e = o.engine;
    const cacheDir = o.cacheDir ?? join(o.dataDir, 'cache');
    let t0 = performance.now();

    r.step(
        `INSECURE BY DESIGN: every secret of this demo world (root seeds, meter and ledger keys) is derived from the public seed "${seed}"; never use it for real meters`,
    );
    r.log('demo.insecure', { seed, reason: 'all secrets derive from a public seed' });
    r.step('discrete-log table');
    const dlog = await dlogSolvers(cacheDir, o.dlogLogT ?? dlogTableLog2(await initBackends()));
    t('dlog table', t0);

    // ---- registration
    r.step('registration');
    t0 = performance.now();
    const operatorP = await e.connect('operator', 'operator');
    await bootstrapLedger(operatorP.api, 'operator', 'Metering point operator');
    const providerP = await e.connect('provider', 'operator');
    const hpke = await hpkeKeyPair(derive(seed, 'provider-hpke'));
    await registerParty(operatorP.api, {
        role: 'provider',
        id: 'provider',
        name: 'Stadtwerke Demo',
        identity: providerP.identity,
        hpkePublicKey: hpke.publicKeyHex,
    });
    const publisherP = await e.connect('index-publisher', 'operator');
    await registerParty(operatorP.api, {
        role: 'index',
        id: 'index-publisher',
        name: 'Day-ahead index (SMARD data)',
        identity: publisherP.identity,
    });
    const auditorP = await e.connect('auditor', 'customers');
    await registerParty(operatorP.api, {
        role: 'auditor',
        id: 'auditor',
        name: 'Market surveillance',
        identity: auditorP.identity,
    });

    const softwareDigest = bytesToHex(sha256(utf8ToBytes('femeter-meter-agent/0.1.0')));
    interface Household {
        id: string;
        meterId: string;
        customer: Customer;
        agent: MeterAgent;
        outbox: FileOutbox;
        tariff: string;
        annualKwh: number;
        profile: string;
        party: Participant;
    }
    const households: Household[] = [];
    const ids = Array.from({ length: o.customers }, (_, i) => i);
    await pool(ids, 8, async (i) => {
        const cid = `customer-${String(i + 1).padStart(4, '0')}`;
        const mid = `meter-${String(i + 1).padStart(4, '0')}`;
        const party = await e.connect(cid, 'customers');
        await registerParty(operatorP.api, {
            role: 'customer',
            id: cid,
            name: `Household ${i + 1}`,
            identity: party.identity,
        });
        const meterP = await e.connect(mid, 'customers');
        const signingSecret = derive(seed, `${mid}/signing`);
        const meterKey = ed25519Signer(signingSecret);
        await registerParty(
            operatorP.api,
            {
                role: 'meter',
                id: mid,
                name: mid,
                identity: meterP.identity,
                signingKey: bytesToHex(meterKey.publicKey),
            },
            {
                owner: cid,
                channels: [{ id: CHANNEL, unit: 'Wh', medium: 'electricity' }],
                maxPerSlot: MAX_PER_SLOT,
                software: { id: 'femeter-meter-agent/0.1.0', digest: softwareDigest },
            },
        );
        const wallet = Wallet.fromSeed(derive(seed, `${cid}/root`));
        const customer = new Customer({ api: party.api, partyId: cid, wallet, dlog });
        const outbox = new FileOutbox(join(o.dataDir, 'meters', mid, 'outbox'));
        const agent = new MeterAgent({
            api: meterP.api,
            meterId: mid,
            signingSecret,
            meterSeed: derive(seed, `${mid}/enc`),
            outbox,
            batchSize: o.batchSize ?? 96,
        });
        const tariff = (['flat', 'htnt', 'spot'] as const)[i % 3] ?? 'flat';
        households[i] = {
            id: cid,
            meterId: mid,
            customer,
            agent,
            outbox,
            tariff,
            annualKwh: 1500 + ((i * 577) % 4000),
            profile: i % 10 === 9 ? 'G0' : 'H0',
            party,
        };
        r.progress('registration', households.filter(Boolean).length, o.customers);
    });
    t('registration', t0);

    // ---- tariffs and index
    r.step('tariffs and price index');
    t0 = performance.now();
    const provider = new Provider({
        api: providerP.api,
        partyId: 'provider',
        hpke,
        dlog,
        fold: o.fold !== false,
    });
    // the series first: an indexed tariff may only follow a series an index publisher registered
    const bp = periodSlots(o.period, 'Europe/Berlin', 15);
    const pricesFile = join(o.sharedData, 'de-day-ahead-prices.csv');
    await publishIndex(publisherP.api, {
        text: readFileSync(pricesFile, 'utf8'),
        file: pricesFile,
        bp,
    });
    const currency = new Map<string, string>();
    for (const doc of [
        ENERGY_TARIFF('provider'),
        FLAT_TARIFF('provider'),
        TWO_ZONE_TARIFF('provider'),
        SPOT_TARIFF('provider', DEFAULT_SERIES_ID),
    ]) {
        await publishTariff(provider, 'provider', doc, String(doc.id));
        currency.set(String(doc.id), String(doc.currencyUnit));
    }
    t('tariffs', t0);

    // ---- provider listens to the event stream from here on
    // (`provider run --follow`: folds readings as they arrive, bills each period at its close)
    const stopProvider = new AbortController();
    const billed = new Set<string>();
    const providerLoop = runProvider(provider, {
        checkpointFile: join(o.dataDir, 'provider.checkpoint.json'),
        foldsFile: join(o.dataDir, 'provider.folds.json'),
        follow: true,
        signal: stopProvider.signal,
        onBilled: (epoch) => {
            billed.add(epoch);
            r.progress('bills', billed.size, households.length);
        },
    });
    // a failure of the loop stops the demo's wait below (reported when awaited)
    const provider$ = { failed: false };
    providerLoop.catch(() => {
        provider$.failed = true;
    });

    // ---- keys: mpk + acceptance
    r.step('key setup (mpk) and tariff agreements');
    t0 = performance.now();
    let done = 0;
    await pool(households, 4, async (h) => {
        await h.customer.publishMpks(h.meterId, CHANNEL, o.period, 1);
        for (const tariff of ['provider.energy@1', `provider.${h.tariff}@1`])
            await acceptTariff(h.customer, {
                meter: h.meterId,
                channel: CHANNEL,
                provider: 'provider',
                tariff,
                periods: [o.period],
            });
        r.progress('keys', ++done, households.length);
    });
    t('keys', t0);

    // ---- metering
    r.step(`metering: ${o.customers} meters × ${bp.slotCount} slots (${o.period})`);
    t0 = performance.now();
    const profiles: ProfileTable = parseProfiles(
        readFileSync(join(o.sharedData, 'bdew-standard-load-profiles.csv'), 'utf8'),
    );
    let readings = 0;
    await pool(households, o.concurrency ?? 16, async (h) => {
        const x = simulatePeriod({
            profiles,
            profile: h.profile,
            annualKwh: h.annualKwh,
            period: bp,
            seed: `${seed}/${h.meterId}`,
            noise: 0.3,
            spikes: 2,
        });
        // a day at a time, as `meter ingest` records a file (`meter close` then closes the period)
        for (let day = 0; day * 96 < x.length; day++) {
            const slots = x
                .slice(day * 96, day * 96 + 96)
                .map((value, j) => ({ slot: day * 96 + j, value }));
            const { recorded } = await recordSlots(h.agent, CHANNEL, o.period, slots);
            readings += recorded;
            r.progress('readings', readings, households.length * bp.slotCount);
        }
        await closePeriod(h.agent, CHANNEL, bp, false);
    });
    t('metering', t0);
    const readingsPerSecond = readings / ((timings.metering ?? 1) / 1000);

    // ---- billing
    r.step('billing (folded, with proofs)');
    t0 = performance.now();
    // the provider's loop follows the event stream and bills every close; wait until it has
    // billed every meter (or stops making progress for a minute)
    let seen = billed.size;
    let lastProgress = Date.now();
    while (billed.size < households.length && !provider$.failed) {
        if (billed.size !== seen) {
            seen = billed.size;
            lastProgress = Date.now();
        } else if (Date.now() - lastProgress > 60_000) break;
        await new Promise((res) => setTimeout(res, 20));
    }
    stopProvider.abort();
    const run = await providerLoop;
    r.log('provider.caught-up', { closesSeen: run.closes.length, meters: households.length });
    const billMs: number[] = run.bills.map((b: PostedBill) => b.ms);
    t('billing', t0);

    // ---- customers check
    r.step('customers decrypt own readings and check bills');
    t0 = performance.now();
    const mismatches: string[] = [];
    let bills = 0;
    let proofsValid = 0;
    let matching = 0;
    const totals: DemoReport['totalsKwh'] = [];
    for (const h of households) {
        const { energyWh: energy, checks } = await checkBills(
            h.customer,
            h.meterId,
            CHANNEL,
            o.period,
        );
        for (const c of checks) {
            bills++;
            if (c.proofValid) proofsValid++;
            if (c.matches) matching++;
            else
                mismatches.push(
                    `${h.meterId} ${c.bill.tariffId}: bill ${c.bill.m} vs own ${c.expected} (proof ${c.proofValid ? 'ok' : 'BAD'})`,
                );
            if (c.bill.tariffId !== 'provider.energy')
                totals.push({
                    customer: h.id,
                    tariff: c.bill.tariffId,
                    energyWh: energy,
                    ...billInMicroEur(BigInt(c.bill.m), currency.get(c.bill.tariffId)),
                });
        }
        r.progress('checks', totals.length, households.length);
    }
    t('customer checks', t0);

    // ---- audit
    r.step('audit');
    t0 = performance.now();
    const audit = await auditReport(auditorP.api, e);
    t('audit', t0);

    const ok =
        mismatches.length === 0 &&
        bills === households.length * 2 &&
        proofsValid === bills &&
        audit.ok;
    r.log('demo.finished', { ok, bills, proofsValid, matching });
    return {
        ok,
        customers: households.length,
        readings,
        bills,
        proofsValid,
        billsMatchingCustomer: matching,
        mismatches,
        timings,
        readingsPerSecond,
        billMsFolded: billMs,
        audit,
        totalsKwh: totals,
    };
}
