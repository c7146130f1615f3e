// SPDX-License-Identifier: Apache-2.0
/**
 * Engine-agnostic end-to-end fixture: a small deployment (operator, two providers, index publisher,
 * auditor, customers with meters) on whichever engine FEMETER_E2E_ENGINE names (embedded by
 * default; 'fabric'; 'gateway': the embedded engine behind `femeter serve`, every participant a remote client). Tests talk to it only through the roles and FemeterApi.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { openAppEngine, type Engine, type Participant } from '../../src/apps/engines.js';
import { DEFAULT_ENGINE, parseEngineName } from '../../src/ledger/engines.js';
import { gatewayEngine } from '../../src/apps/gateway/engine.js';
import { defaultConnectionPath } from '../../src/ledger/fabric/index.js';
import { dlogSolvers } from '../../src/apps/demo/demo.js';
import { ENERGY_TARIFF, FLAT_TARIFF, TWO_ZONE_TARIFF } from '../../src/apps/demo/tariffs.js';
import { ed25519Signer } from '../../src/contract/index.js';
import { periodSlots } from '../../src/contract/tariff/index.js';
import type { AnyGroup } from '../../src/fe/groups.js';
import type { DlogSolver } from '../../src/fe/ipfe.js';
import { Customer } from '../../src/roles/customer/customer.js';
import { Wallet } from '../../src/roles/customer/wallet.js';
import { hpkeKeyPair, type HpkeKeyPair } from '../../src/roles/hpke.js';
import { MeterAgent } from '../../src/roles/meter/agent.js';
import { FileOutbox } from '../../src/roles/meter/outbox.js';
import { Provider } from '../../src/roles/provider/provider.js';

export const CHANNEL = '1-0:1.8.0';
export const PERIOD = '2024-03';
export const NEXT = '2024-04';
export const MAX = 20_000;

export const derive = (label: string): Uint8Array => sha256(utf8ToBytes(`femeter-e2e/${label}`));

export interface Household {
    readonly id: string;
    readonly meterId: string;
    readonly party: Participant;
    readonly meterParty: Participant;
    readonly customer: Customer;
    readonly signingSecret: Uint8Array;
    readonly meterSeed: Uint8Array;
    readonly outboxDir: string;
    agent: MeterAgent;
    outbox: FileOutbox;
}

export interface World {
    readonly engine: Engine;
    readonly dir: string;
    readonly operator: Participant;
    readonly providers: { party: Participant; hpke: HpkeKeyPair; provider: Provider }[];
    readonly auditor: Participant;
    readonly households: Household[];
    readonly dlog: (g: AnyGroup) => DlogSolver<unknown>;
    newAgent(h: Household): Household;
    close(): Promise<void>;
}

/**
 * The engine named by FEMETER_E2E_ENGINE: 'embedded' (default) on `dir`, or 'fabric' on the running
 * local network (connection file `$FEMETER_FABRIC_CONNECTION`, default
 * `~/.cache/femeter/fabric-net/connection.json`). Every Fabric world deploys a chaincode of its own
 * (`e2e-<time>-<pid>-<n>`, ~2 s): a fresh ledger, like a fresh embedded directory, so `Bootstrap` and
 * the fixed party/meter ids work unchanged; its server is stopped when the engine closes.
 */
export async function openEngine(dir: string): Promise<Engine> {
    const name = process.env.FEMETER_E2E_ENGINE ?? DEFAULT_ENGINE;
    // 'gateway': the embedded engine behind `femeter serve`, every participant a remote client.
    if (name === 'gateway') return gatewayEngine(join(dir, 'ledger'), derive('engine'));
    const which = parseEngineName(name, 'FEMETER_E2E_ENGINE');
    return openAppEngine(which, {
        embedded: { path: join(dir, 'ledger'), secret: derive('engine') },
        fabric: { connectionPath: defaultConnectionPath(), freshChaincode: 'e2e' },
    });
}

/** Readings of a household: deterministic, small, every slot. */
export function readingsFor(meterId: string, period: string): bigint[] {
    const n = periodSlots(period, 'Europe/Berlin', 15).slotCount;
    const seed = sha256(utf8ToBytes(meterId + period));
    return Array.from({ length: n }, (_, i) => BigInt((seed[i % 32]! * (i + 1)) % 700));
}

export async function makeWorld(
    customers: number,
    opts: { periods?: string[]; engine?: Engine } = {},
): Promise<World> {
    const dir = mkdtempSync(join(tmpdir(), 'femeter-e2e-'));
    const engine = opts.engine ?? (await openEngine(dir));
    const operator = await engine.connect('operator', 'operator');
    await operator.api.bootstrap('operator', 'Operator');
    const dlog = await dlogSolvers(join(dir, 'cache'), 16);
    const providers: World['providers'] = [];
    for (const pid of ['provider-a', 'provider-b']) {
        const { party, hpke } = await registerKeyedParty(engine, operator, pid, 'provider', pid);
        const provider = new Provider({ api: party.api, partyId: pid, hpke, dlog });
        for (const doc of [ENERGY_TARIFF(pid), FLAT_TARIFF(pid), TWO_ZONE_TARIFF(pid)])
            await provider.publishTariff(doc);
        providers.push({ party, hpke, provider });
    }
    const auditor = await engine.connect('auditor', 'customers');
    await operator.api.registerParty({
        id: 'auditor',
        role: 'auditor',
        name: 'Auditor',
        identity: auditor.identity,
    });
    const households: Household[] = [];
    const newAgent = (h: Household): Household => {
        h.outbox = new FileOutbox(h.outboxDir);
        h.agent = new MeterAgent({
            api: h.meterParty.api,
            meterId: h.meterId,
            signingSecret: h.signingSecret,
            meterSeed: h.meterSeed,
            outbox: h.outbox,
            batchSize: 200,
        });
        return h;
    };
    for (let i = 0; i < customers; i++) {
        const id = `cust-${i}`;
        const meterId = `meter-${i}`;
        const { party, meterParty, signingSecret } = await registerHousehold(
            engine,
            operator,
            id,
            meterId,
        );
        const customer = new Customer({
            api: party.api,
            partyId: id,
            wallet: Wallet.fromSeed(derive(`${id}/root`)),
            dlog,
        });
        for (const p of opts.periods ?? [PERIOD])
            await customer.publishMpks(meterId, CHANNEL, p, 1);
        const h = {
            id,
            meterId,
            party,
            meterParty,
            customer,
            signingSecret,
            meterSeed: derive(`${meterId}/enc`),
            outboxDir: join(dir, 'meters', meterId),
        } as Household;
        households.push(newAgent(h));
    }
    return {
        engine,
        dir,
        operator,
        providers,
        auditor,
        households,
        dlog,
        newAgent,
        async close() {
            for (const h of households) h.outbox.close();
            await engine.close();
            rmSync(dir, { recursive: true, force: true });
        },
    };
}

/** Record, send and close a full period for a household. */
export async function meterPeriod(
    h: Household,
    period: string,
    x = readingsFor(h.meterId, period),
): Promise<bigint[]> {
    await h.agent.openPeriod(CHANNEL, period);
    h.agent.record(
        CHANNEL,
        period,
        x.map((value, slot) => ({ slot, value })),
    );
    await h.agent.flush();
    await h.agent.closePeriod(CHANNEL, period);
    return x;
}

export const dot = (x: readonly bigint[], y: readonly bigint[]): bigint =>
    x.reduce((s, v, i) => s + v * y[i]!, 0n);

/**
 * Household `h` accepts version 1 of `provider`'s tariff `tariff` for `periods` on CHANNEL, through
 * its customer software (which applies the privacy guard and records the decision).
 */
export const acceptTariff = (h: Household, provider: string, tariff: string, periods: string[]) =>
    h.customer.acceptTariff({
        meter: h.meterId,
        channel: CHANNEL,
        provider,
        tariff: { id: tariff, version: 1 },
        periods,
    });

/**
 * Register party `id` of a `role` that holds an X25519 key (its secret derived from `id`) as the
 * operator; the connected participant (operator MSP) and its key pair.
 */
export async function registerKeyedParty(
    engine: Engine,
    operator: Participant,
    id: string,
    role: 'provider' | 'surveyor' | 'gridOperator',
    name: string,
): Promise<{ party: Participant; hpke: HpkeKeyPair }> {
    const party = await engine.connect(id, 'operator');
    const hpke = await hpkeKeyPair(derive(`${id}/hpke`));
    await operator.api.registerParty({
        id,
        role,
        name,
        identity: party.identity,
        hpkePublicKey: hpke.publicKeyHex,
    });
    return { party, hpke };
}

/**
 * Register customer `id` and its meter `meterId` (channel {@link CHANNEL}, {@link MAX} Wh per slot,
 * signing key derived from `meterId`) as the operator; the two connected participants.
 */
export async function registerHousehold(
    engine: Engine,
    operator: Participant,
    id: string,
    meterId: string,
): Promise<{ party: Participant; meterParty: Participant; signingSecret: Uint8Array }> {
    const party = await engine.connect(id, 'customers');
    await operator.api.registerParty({ id, role: 'customer', name: id, identity: party.identity });
    const meterParty = await engine.connect(meterId, 'customers');
    const signingSecret = derive(`${meterId}/sign`);
    await operator.api.registerMeter({
        id: meterId,
        owner: id,
        identity: meterParty.identity,
        signingKey: bytesToHex(ed25519Signer(signingSecret).publicKey),
        channels: [{ id: CHANNEL, unit: 'Wh', medium: 'electricity' }],
        maxPerSlot: MAX,
        software: { id: 'e2e-meter/1', digest: bytesToHex(sha256(utf8ToBytes('e2e'))) },
    });
    return { party, meterParty, signingSecret };
}
