#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/main
 * The `femeter` command. Subcommands: demo (the main job), verify, customer, meter, provider,
 * auditor, bench, and --version. Settings come from flags with defaults printed by --help.
 * Role subcommands act on a deployment created by `femeter demo` (its data directory holds the
 * ledger, the meters' outboxes and world.json naming the participants).
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { embeddedEngine, fabricEngine, type Engine } from '../engines.js';
import { parseEngineName } from '../../ledger/engines.js';
import type { EngineName } from '../../ledger/engines.js';
import { defaultConnectionPath } from '../../ledger/fabric/index.js';
import { stopChaincode } from '../fabric/deploy.js';
import { CHANNEL, derive, dlogSolvers, runDemo, type DemoReport } from '../demo/demo.js';
import { terminalReporter } from './progress.js';
import { backendLine, softwareIdentity } from './version.js';
import { dlogTableLog2, initBackends } from '../../fe/backends.js';
import { Customer } from '../../roles/customer/customer.js';
import { Wallet } from '../../roles/customer/wallet.js';
import { Auditor } from '../../roles/auditor/auditor.js';
import { Provider } from '../../roles/provider/provider.js';
import { hpkeKeyPair } from '../../roles/hpke.js';
import { FileOutbox } from '../../roles/meter/outbox.js';
import { MeterAgent } from '../../roles/meter/agent.js';
import { readingsFromSource, readingsOfSlots, sourceKinds } from '../../roles/meter/ingest.js';
import { periodSlots, type BillingPeriod } from '../../contract/tariff/index.js';
import { meterRun, parseMedium, type MeterRunArgs } from './meter-run.js';
import { participantKey, remoteEngine } from '../gateway/engine.js';
import { serve, type ServeOptions } from '../gateway/serve.js';
import { CliError } from './errors.js';
import { readTrustAnchors } from './anchors.js';
import { gatewayTransport } from './gateway-url.js';
import { bytesToHex } from '@noble/hashes/utils.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DEFAULTS = {
    data: process.env.FEMETER_DATA ?? '.femeter/demo',
    shared: process.env.FEMETER_SHARED ?? resolve(ROOT, '../shared/data'),
    cache: process.env.FEMETER_CACHE ?? join(process.env.HOME ?? '.', '.cache', 'femeter'),
    customers: '100',
    period: '2024-03',
};

interface World {
    seed: string;
    period: string;
    customers: number;
    /** Absent for the embedded engine. */
    engine?: EngineName;
    fabric?: { connection: string; chaincode: string; deployedByDemo: boolean };
}

function engineSecret(seed: string): Uint8Array {
    return derive(seed, 'engine');
}

/** The demo world recorded in `data` (world.json). */
function readWorld(data: string): World {
    const wf = join(data, 'world.json');
    if (!existsSync(wf))
        throw new Error(`no deployment in ${data}: run 'femeter demo --data ${data}' first`);
    return JSON.parse(readFileSync(wf, 'utf8')) as World;
}

/**
 * The demo world in `data` and its engine: through the gateway at `gateway` when given (participant
 * keys derived from the world's seed, exactly as the embedded engine derives them), else the
 * world's own engine.
 */
async function openWorld(
    data: string,
    gateway?: string,
): Promise<{ world: World; engine: Engine }> {
    const world = readWorld(data);
    if (gateway !== undefined) {
        const transport = await gatewayTransport(gateway, '--gateway');
        if (world.engine === 'fabric' && world.fabric) {
            const { remoteFabricEngine } = await import('../gateway/fabric-engine.js');
            return {
                world,
                engine: await remoteFabricEngine(
                    gateway,
                    world.fabric.connection,
                    world.fabric.chaincode,
                    transport,
                ),
            };
        }
        return { world, engine: await remoteEngine(gateway, engineSecret(world.seed), transport) };
    }
    if (world.engine === 'fabric' && world.fabric)
        return {
            world,
            engine: await fabricEngine(world.fabric.connection, {
                chaincode: world.fabric.chaincode,
            }),
        };
    return { world, engine: await embeddedEngine(join(data, 'ledger'), engineSecret(world.seed)) };
}

/** The demo world in `data`, which must be on the embedded engine and opened directly (no gateway). */
async function openEmbeddedWorld(
    data: string,
    gateway: string | undefined,
    what: string,
): Promise<{ world: World; engine: Awaited<ReturnType<typeof embeddedEngine>> }> {
    if (gateway !== undefined)
        throw new CliError(
            `${what} checks the ledger's own files`,
            'drop --gateway and run it where the ledger directory is',
        );
    const world = readWorld(data);
    if (world.engine === 'fabric')
        throw new CliError(
            `${what}: ${data} is a Fabric world`,
            'Fabric blocks are checked against the peers; anchors are for the embedded engine',
        );
    return { world, engine: await embeddedEngine(join(data, 'ledger'), engineSecret(world.seed)) };
}

const json = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2);

function printDemo(rep: DemoReport, data: string): void {
    const s = (ms: number | undefined): string => `${((ms ?? 0) / 1000).toFixed(1)} s`;
    const kwh = (wh: bigint): string => (Number(wh) / 1000).toFixed(1);
    const eur = (u: bigint): string => (Number(u) / 1e6).toFixed(2);
    console.log('\nfemeter demo — summary');
    console.log(`  customers / meters        ${rep.customers}`);
    console.log(
        `  readings stored           ${rep.readings}  (${rep.readingsPerSecond.toFixed(0)} readings/s end to end: encrypt, sign, contract checks, durable commit)`,
    );
    console.log(
        `  bills posted              ${rep.bills}  (each verified by the contract before it was stored)`,
    );
    console.log(
        `  bill proofs valid         ${rep.proofsValid}/${rep.bills}  (re-verified from public data)`,
    );
    console.log(
        `  bills = own readings      ${rep.billsMatchingCustomer}/${rep.bills}  (customers' own decrypted totals, exact)`,
    );
    const folded = [...rep.billMsFolded].sort((a, b) => a - b);
    console.log(
        `  provider time per bill    median ${(folded[Math.floor(folded.length / 2)] ?? 0).toFixed(1)} ms (decrypt + proof; folding happened while readings arrived)`,
    );
    const chain = rep.audit.chain.checked
        ? `chain ${rep.audit.chain.blocks} blocks / ${rep.audit.chain.txs} txs`
        : 'chain validated by the Fabric peers';
    console.log(
        `  audit                     ${rep.audit.ok ? 'ok' : 'FAILED'}: ${chain}, ${rep.audit.readingsChecked} reading signatures, ${rep.audit.billsChecked} bill proofs, ${rep.audit.sequenceGaps.length} sequence gaps`,
    );
    console.log(
        `  timings                   ${Object.entries(rep.timings)
            .map(([k, v]) => `${k} ${s(v)}`)
            .join(', ')}`,
    );
    console.log('  sample bills (µEUR → EUR):');
    for (const t of rep.totalsKwh.slice(0, 6))
        console.log(
            `    ${t.customer}  ${t.tariff.padEnd(16)} ${kwh(t.energyWh).padStart(7)} kWh  ${eur(t.bill).padStart(8)} EUR`,
        );
    for (const m of rep.mismatches.slice(0, 10)) console.log(`  MISMATCH ${m}`);
    console.log(
        `  data                      ${resolve(data)} (${rep.audit.chain.checked ? 'ledger/, ' : ''}meters/*/outbox, world.json)`,
    );
    console.log(
        rep.ok
            ? "\nOK: every bill verified and equal to the customer's own readings."
            : '\nFAILED: see above.',
    );
}

/** Stop the chaincode server a previous `femeter demo --engine fabric` in this data dir deployed (best effort). */
async function stopPreviousDemoChaincode(data: string): Promise<void> {
    try {
        const old = JSON.parse(readFileSync(join(data, 'world.json'), 'utf8')) as World;
        if (old.engine !== 'fabric' || !old.fabric?.deployedByDemo) return;
        const conn = JSON.parse(readFileSync(old.fabric.connection, 'utf8')) as { dataDir: string };
        await stopChaincode({ dataDir: conn.dataDir, name: old.fabric.chaincode });
    } catch {
        // no previous demo, another network, or already stopped
    }
}

/** The meter agent of a deployment's meter and the billing period to record (not opened yet). */
async function openMeterAgent(
    data: string,
    meterId: string,
    periodArg: string | undefined,
    gateway: string | undefined,
): Promise<{ agent: MeterAgent; period: string; bp: BillingPeriod; close: () => Promise<void> }> {
    const { engine, world } = await openWorld(data, gateway);
    const outbox = new FileOutbox(join(data, 'meters', meterId, 'outbox'));
    try {
        const period = periodArg ?? world.period;
        const meterP = await engine.connect(meterId, 'customers');
        const meter = await meterP.api.getMeter(meterId);
        const agent = new MeterAgent({
            api: meterP.api,
            meterId,
            signingSecret: derive(world.seed, `${meterId}/signing`),
            meterSeed: derive(world.seed, `${meterId}/enc`),
            outbox,
        });
        const bp = periodSlots(period, meter.timeZone, meter.slotMinutes);
        const close = async (): Promise<void> => {
            outbox.close();
            await engine.close();
        };
        return { agent, period, bp, close };
    } catch (e) {
        outbox.close();
        await engine.close();
        throw e;
    }
}

async function meterIngest(
    data: string,
    values: {
        meter?: string | undefined;
        source?: string | undefined;
        kind: string;
        period?: string | undefined;
        obis?: string | undefined;
        medium?: string | undefined;
        gateway?: string | undefined;
    },
): Promise<number> {
    if (!values.meter || !values.source)
        throw new Error('usage: femeter meter ingest --meter ID --source FILE [--kind K]');
    const kind = values.kind;
    if (!sourceKinds().includes(kind))
        throw new Error(`--kind must be one of ${sourceKinds().join(', ')}`);
    const medium = parseMedium(values.medium);
    const m = await openMeterAgent(data, values.meter, values.period, values.gateway);
    try {
        const slots = readingsFromSource(new Uint8Array(readFileSync(values.source)), kind, m.bp, {
            obis: values.obis,
            medium,
        });
        await m.agent.openPeriod(CHANNEL, m.period);
        m.agent.record(CHANNEL, m.period, slots);
        const sent = await m.agent.flush();
        console.log(
            json({
                meter: values.meter,
                period: m.period,
                recorded: slots.length,
                sent: sent.sent,
                pending: sent.pending,
            }),
        );
        return 0;
    } finally {
        await m.close();
    }
}

/** `meter run`, recording closed slots of the period when --meter is given. */
async function meterRunCommand(
    data: string,
    values: MeterRunArgs & {
        meter?: string | undefined;
        period?: string | undefined;
        gateway?: string | undefined;
    },
): Promise<number> {
    if (values.meter === undefined) return meterRun(values);
    const m = await openMeterAgent(data, values.meter, values.period, values.gateway);
    try {
        await m.agent.openPeriod(CHANNEL, m.period);
        return await meterRun(values, async (closed) => {
            const slots = readingsOfSlots(closed, m.bp);
            if (slots.length === 0) return;
            m.agent.record(CHANNEL, m.period, slots);
            await m.agent.flush();
        });
    } finally {
        await m.close();
    }
}

/** Options of the demo-world commands (commander's parsed flags, kebab-case keys). */
export interface WorldValues {
    customers: string;
    period?: string | undefined;
    data: string;
    shared: string;
    keep: boolean;
    'no-fold': boolean;
    'log-json': boolean;
    quiet: boolean;
    seed: string;
    customer?: string | undefined;
    meter?: string | undefined;
    source?: string | undefined;
    kind: string;
    obis?: string | undefined;
    medium?: string | undefined;
    unit?: string | undefined;
    serial?: string | undefined;
    format?: string | undefined;
    baud?: string | undefined;
    count?: string | undefined;
    'd0-request'?: boolean | undefined;
    'poll-seconds'?: string | undefined;
    'interval-minutes'?: string | undefined;
    engine: string;
    'fabric-connection'?: string | undefined;
    'fabric-chaincode'?: string | undefined;
    /** verify: the engine's public key (hex or file), signed checkpoints, submit receipts. */
    'engine-key'?: string | undefined;
    checkpoint?: string[] | undefined;
    receipt?: string[] | undefined;
    /** checkpoint: where to write it (default stdout). */
    out?: string | undefined;
    /** Role commands: reach the world's ledger through this `femeter serve` URL. */
    gateway?: string | undefined;
    /** wallet: the participant. */
    party?: string | undefined;
    /** serve: listen address, TLS files, dashboard directory, request log. */
    port?: string | undefined;
    host?: string | undefined;
    'tls-cert'?: string | undefined;
    'tls-key'?: string | undefined;
    web?: string | undefined;
    log?: boolean | undefined;
    /** wallet: seal with the passphrase from this file (else $FEMETER_PASSPHRASE or a prompt), or not at all. */
    'passphrase-file'?: string | undefined;
    plain?: boolean | undefined;
}

export const WORLD_DEFAULTS = DEFAULTS;

/**
 * `femeter serve`'s listening options (port, TLS files, dashboard directory, request log), checked.
 * @throws {CliError} a bad --port, a lone --tls-cert/--tls-key, a --web without index.html
 */
export function serveOptions(values: WorldValues): ServeOptions {
    const port = Number(values.port ?? '8080');
    if (!/^\d+$/.test(values.port ?? '8080') || port > 65535)
        throw new CliError(
            `--port ${values.port ?? ''} is not a port`,
            'pass an integer in 0..65535 (0: any free port)',
        );
    if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined))
        throw new CliError('--tls-cert and --tls-key go together', 'pass both or neither');
    const web = values.web ?? join(ROOT, 'dist', 'web');
    if (values.web !== undefined && !existsSync(join(web, 'index.html')))
        throw new CliError(
            `--web ${web} has no index.html`,
            'build the dashboard (npm run build:web) and pass its directory (dist/web)',
        );
    return {
        host: values.host ?? '127.0.0.1',
        port,
        tlsCert: values['tls-cert'],
        tlsKey: values['tls-key'],
        logger: values.log === true,
        webDir: existsSync(join(web, 'index.html')) ? resolve(web) : undefined,
    };
}

/**
 * The commands acting on a demo world (`--data DIR` holding world.json): demo, verify, auditor
 * report, customer readings/bills, meter status/ingest/run, provider bill, bench.
 */
export async function runWorldCommand(
    cmd: string,
    sub: string | undefined,
    values: WorldValues,
    positionals: readonly string[] = [],
): Promise<number> {
    const data = values.data;
    switch (cmd) {
        case 'demo': {
            console.error(
                '\n*** femeter demo: INSECURE BY DESIGN. Every identity and key of this world is derived from a public seed;\n' +
                    '*** anyone can impersonate any party. For a real deployment: femeter init (README, "Run it for real"). ***\n',
            );
            const n = Number(values.customers);
            if (!Number.isInteger(n) || n < 1 || n > 10_000)
                throw new Error('--customers must be an integer in 1..10000');
            const period = values.period ?? DEFAULTS.period;
            if (!existsSync(join(values.shared, 'bdew-standard-load-profiles.csv')))
                throw new Error(
                    `shared data not found in ${values.shared}: pass --shared DIR (the folder with bdew-standard-load-profiles.csv)`,
                );
            const engineName = parseEngineName(values.engine, '--engine');
            if (!values.keep) {
                await stopPreviousDemoChaincode(data);
                rmSync(data, { recursive: true, force: true });
            }
            mkdirSync(data, { recursive: true });
            const id = softwareIdentity();
            let engine: Engine;
            const world: World = { seed: values.seed, period, customers: n };
            if (engineName === 'fabric') {
                const connection = resolve(values['fabric-connection'] ?? defaultConnectionPath());
                const chaincode = values['fabric-chaincode'];
                console.error(
                    `femeter ${id.version} sha256:${id.digest.slice(0, 16)}… — demo: ${n} customers, ${period}, Fabric network of ${connection}${chaincode ? `, chaincode ${chaincode}` : ' (deploying a fresh chaincode)'}; ${backendLine()}`,
                );
                const fabric = await fabricEngine(
                    connection,
                    chaincode
                        ? { chaincode }
                        : { freshChaincode: 'demo', stopChaincodeOnClose: false },
                );
                engine = fabric;
                Object.assign(world, {
                    engine: 'fabric',
                    fabric: {
                        connection,
                        chaincode: fabric.chaincode,
                        deployedByDemo: chaincode === undefined,
                    },
                });
                console.error(
                    `femeter: chaincode ${fabric.chaincode} on channel ${fabric.ledger.channel}`,
                );
            } else {
                console.error(
                    `femeter ${id.version} sha256:${id.digest.slice(0, 16)}… — demo: ${n} customers, ${period}, embedded ledger in ${resolve(data)}; ${backendLine()}`,
                );
                engine = await embeddedEngine(join(data, 'ledger'), engineSecret(values.seed));
            }
            writeFileSync(join(data, 'world.json'), json(world));
            const rep = terminalReporter({ json: values['log-json'], quiet: values.quiet });
            try {
                const report = await runDemo(
                    {
                        engine,
                        dataDir: data,
                        sharedData: values.shared,
                        customers: n,
                        period,
                        fold: !values['no-fold'],
                        seed: values.seed,
                        cacheDir: join(DEFAULTS.cache, 'dlog'),
                    },
                    rep,
                );
                rep.done();
                printDemo(report, data);
                writeFileSync(join(data, 'report.json'), json(report));
                return report.ok ? 0 : 1;
            } finally {
                await engine.close();
            }
        }
        case 'checkpoint': {
            const { engine } = await openEmbeddedWorld(data, values.gateway, 'femeter checkpoint');
            try {
                const cp = engine.ledger.checkpoint();
                if (cp === undefined)
                    throw new CliError(`the ledger in ${data} is empty`, 'run femeter demo first');
                const text = JSON.stringify(cp, null, 2) + '\n';
                if (values.out === undefined) process.stdout.write(text);
                else writeFileSync(values.out, text);
                console.error(
                    `femeter: checkpoint of block ${cp.blockNumber}${values.out === undefined ? '' : ` written to ${values.out}`}; ` +
                        `engine public key ${cp.enginePublicKey} — keep both outside ${data} and verify with ` +
                        '--checkpoint FILE --engine-key KEY',
                );
                return 0;
            } finally {
                await engine.close();
            }
        }
        case 'verify':
        case 'auditor': {
            if (cmd === 'auditor' && sub !== 'report')
                throw new Error('usage: femeter auditor report [--data DIR]');
            const trust = readTrustAnchors(
                {
                    engineKey: values['engine-key'],
                    checkpoints: values.checkpoint,
                    receipts: values.receipt,
                },
                'femeter',
            );
            const { engine } =
                trust === undefined
                    ? await openWorld(data, values.gateway)
                    : await openEmbeddedWorld(
                          data,
                          values.gateway,
                          '--checkpoint/--receipt/--engine-key',
                      );
            try {
                const p = await engine.connect('auditor', 'customers');
                const verify = engine.verify?.bind(engine);
                const checked =
                    trust === undefined || verify === undefined
                        ? engine
                        : {
                              verify: async (o: { workDir?: string } = {}) => {
                                  const r = await verify({ ...o, ...trust });
                                  console.error(
                                      `femeter: chain checked against ${trust.anchors.length} anchor(s), engine key ${trust.enginePublicKey === undefined ? 'as recorded in the data directory (pass --engine-key to check it)' : 'given'}: ${r.ok ? 'ok' : `FAILED — ${r.reason ?? ''}`}`,
                                  );
                                  return r;
                              },
                          };
                const report = await new Auditor({ api: p.api }).audit({ engine: checked });
                console.log(json(report));
                return report.ok ? 0 : 1;
            } finally {
                await engine.close();
            }
        }
        case 'customer': {
            if (sub !== 'readings' && sub !== 'bills')
                throw new Error('usage: femeter customer <readings|bills> --customer ID');
            const cid = values.customer ?? 'customer-0001';
            const { engine, world } = await openWorld(data, values.gateway);
            try {
                const p = await engine.connect(cid, 'customers');
                const dlog = await dlogSolvers(
                    join(DEFAULTS.cache, 'dlog'),
                    dlogTableLog2(await initBackends()),
                );
                const c = new Customer({
                    api: p.api,
                    partyId: cid,
                    wallet: Wallet.fromSeed(derive(world.seed, `${cid}/root`)),
                    dlog,
                });
                const meter = (await c.meters())[0];
                if (!meter) throw new Error(`${cid} owns no meter`);
                const period = values.period ?? world.period;
                const own = await c.readings(meter.id, CHANNEL, period);
                if (sub === 'readings') {
                    const total = own.reduce((s, r) => s + r.value, 0n);
                    const days = new Map<number, bigint>();
                    for (const r of own)
                        days.set(
                            Math.floor(r.slot / 96),
                            (days.get(Math.floor(r.slot / 96)) ?? 0n) + r.value,
                        );
                    console.log(
                        `${cid} / ${meter.id} / ${period}: ${own.length} slots, ${total} Wh`,
                    );
                    for (const [d, wh] of days)
                        console.log(
                            `  day ${String(d + 1).padStart(2)}  ${'▇'.repeat(Math.round(Number(wh) / 1000))} ${wh} Wh`,
                        );
                } else {
                    for (const b of await c.checkBills(meter.id, CHANNEL, period, own))
                        console.log(
                            `${b.bill.tariffId}@${b.bill.tariffVersion}: bill ${b.bill.m}, own readings give ${b.expected}, proof ${b.proofValid ? 'valid' : 'INVALID'} → ${b.matches ? 'OK' : 'MISMATCH'}`,
                        );
                }
                return 0;
            } finally {
                await engine.close();
            }
        }
        case 'meter': {
            if (sub === 'ingest') return meterIngest(data, values);
            if (sub === 'run') return meterRunCommand(data, values);
            if (sub !== 'status' || !values.meter)
                throw new Error('usage: femeter meter <status|ingest|run> --meter ID');
            const ob = new FileOutbox(join(data, 'meters', values.meter, 'outbox'));
            console.log(
                json({
                    meter: values.meter,
                    lastSeq: ob.lastSeq,
                    acked: ob.acked,
                    pending: ob.pending().length,
                }),
            );
            ob.close();
            return 0;
        }
        case 'provider': {
            if (sub !== 'bill' || !values.meter)
                throw new Error('usage: femeter provider bill --meter ID [--period P]');
            const { engine, world } = await openWorld(data, values.gateway);
            try {
                const p = await engine.connect('provider', 'operator');
                const dlog = await dlogSolvers(
                    join(DEFAULTS.cache, 'dlog'),
                    dlogTableLog2(await initBackends()),
                );
                const prov = new Provider({
                    api: p.api,
                    partyId: 'provider',
                    hpke: await hpkeKeyPair(derive(world.seed, 'provider-hpke')),
                    dlog,
                    fold: false,
                });
                for (const b of await prov.bill(
                    values.meter,
                    CHANNEL,
                    values.period ?? world.period,
                    { fromScratch: true, post: false },
                ))
                    console.log(`${b.tariff}: m = ${b.m} (from scratch, ${b.ms.toFixed(1)} ms)`);
                return 0;
            } finally {
                await engine.close();
            }
        }
        case 'wallet': {
            const party = values.party;
            if (party === undefined || party === '')
                throw new CliError(
                    'wallet needs --party ID',
                    'e.g. femeter wallet --party customer-0001',
                );
            const { world, engine } = await openWorld(data, values.gateway);
            try {
                const p = (await engine.connect('operator', 'operator')).api;
                const rec = await p.getParty(party);
                const ledgerKey = participantKey(engineSecret(world.seed), party);
                const wallet = {
                    femeter: 'wallet/1' as const,
                    party,
                    role: rec.role,
                    mspId: rec.identity.mspId,
                    ledgerKey: bytesToHex(ledgerKey),
                    ...(rec.role === 'customer'
                        ? { root: bytesToHex(derive(world.seed, `${party}/root`)) }
                        : {}),
                };
                if (values.plain === true) console.log(json(wallet));
                else {
                    const { sealWalletFile } = await import('../gateway/wallet-file.js');
                    const { passphrase } = await import('./party.js');
                    const p = await passphrase({ passphraseFile: values['passphrase-file'] }, true);
                    process.stdout.write(await sealWalletFile(wallet, p));
                }
                return 0;
            } finally {
                await engine.close();
            }
        }
        case 'serve': {
            const opts = serveOptions(values);
            const { engine } = await openWorld(data);
            try {
                return await serve(engine, opts);
            } catch (e) {
                await engine.close();
                throw e;
            }
        }
        case 'bench': {
            const name = sub ?? '';
            if (!['fe', 'ledger', 'e2e', 'native'].includes(name))
                throw new Error('usage: femeter bench <fe|ledger|e2e|native>');
            return (
                spawnSync(
                    process.execPath,
                    [join(ROOT, 'dist', 'bench', `${name}.js`), ...positionals.slice(1)],
                    { stdio: 'inherit' },
                ).status ?? 1
            );
        }
        default:
            console.error(`unknown command "${cmd}"`);
            return 2;
    }
}
