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
import { parseArgs } from 'node:util';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { embeddedEngine, fabricEngine, type Engine } from '../engines.js';
import { defaultConnectionPath, stopChaincode } from '../../ledger/fabric/index.js';
import { CHANNEL, dlogSolvers, runDemo, type DemoReport } from '../demo/demo.js';
import { terminalReporter } from './progress.js';
import { participantKey, remoteEngine } from '../gateway/engine.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { serve } from '../gateway/serve.js';
import { softwareIdentity } from './version.js';
import { Customer } from '../../roles/customer/customer.js';
import { Wallet } from '../../roles/customer/wallet.js';
import { Auditor } from '../../roles/auditor/auditor.js';
import { Provider } from '../../roles/provider/provider.js';
import { hpkeKeyPair } from '../../roles/hpke.js';
import { FileOutbox } from '../../roles/meter/outbox.js';
import { MeterAgent } from '../../roles/meter/agent.js';
import { readingsFromSource } from '../../roles/meter/ingest.js';
import { periodSlots } from '../../contract/tariff/index.js';

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const DEFAULTS = {
    data: process.env['FEMETER_DATA'] ?? '.femeter/demo',
    shared: process.env['FEMETER_SHARED'] ?? resolve(ROOT, '../shared/data'),
    cache: process.env['FEMETER_CACHE'] ?? join(process.env['HOME'] ?? '.', '.cache', 'femeter'),
    customers: '100',
    period: '2024-03',
};

const HELP: Record<string, string> = {
    main: `femeter — privacy-preserving smart metering (IPFE on a permissioned ledger)

Usage: femeter <command> [options]

Commands:
  demo       run the whole flow on a fresh ledger (embedded, or Fabric with --engine fabric)
  verify     re-check the embedded ledger's chain and audit everything on it
  customer   a customer's view: decrypt own readings, check bills
  meter      a meter's outbox status
  provider   recompute a bill (folded state is not persisted: from scratch)
  auditor    audit report of the whole ledger
  wallet     print a participant's wallet file for the web dashboard
  serve      run the HTTP gateway (and web dashboard) over a deployment's ledger
  bench      run a benchmark: fe | ledger | e2e
  --version  print version and software digest

Run 'femeter <command> --help' for a command's options.`,
    demo: `femeter demo [--customers N] [--period YYYY-MM] [--data DIR] [--shared DIR] [--keep] [--no-fold] [--log-json] [--seed S]
            [--engine embedded|fabric] [--fabric-connection PATH] [--fabric-chaincode NAME]

Registers an operator, a provider, an index publisher, an auditor and N customers with meters on a
fresh ledger (embedded in DIR, or on Fabric with --engine fabric), agrees a flat, a two-zone and a spot-price tariff (plus the total-energy
function), simulates one month of 15-minute BDEW-profile readings, bills with proofs and checks every
bill against the customers' own decrypted readings. Exit code 0 only if everything agreed.

  --customers N   households (default ${DEFAULTS.customers})
  --period P      billing month (default ${DEFAULTS.period}; March has a 23-hour DST day)
  --data DIR      data directory, wiped first unless --keep (default ${DEFAULTS.data})
  --shared DIR    directory with the BDEW profiles and day-ahead prices (default ../shared/data)
  --no-fold       provider computes bills from scratch instead of folding the event stream
  --log-json      structured JSON-lines logs on stderr instead of progress bars
  --seed S        world seed (default "demo")
  --engine E      embedded (default): a ledger in DIR/ledger; fabric: the running local Fabric network
                  (scripts/fabric/build && scripts/fabric/up): a fresh chaincode "demo-…" is deployed
                  for the run (a fresh ledger) and left running for the role commands; the previous
                  demo's chaincode in DIR is stopped. Each participant is its own user of the
                  network's MSPs (mapping kept in <network data dir>/participants.json).
  --fabric-connection PATH   the network's connection.json (default $FEMETER_FABRIC_CONNECTION or
                  ~/.cache/femeter/fabric-net/connection.json)
  --fabric-chaincode NAME    use this already deployed, never bootstrapped chaincode instead`,
    verify: `femeter verify [--data DIR]\n\nRe-checks every block (hash links, signatures, state rebuilt from blocks) and audits readings, sequences, consents and bills.`,
    customer: `femeter customer <readings|bills> --customer ID [--period P] [--data DIR]\n\nreadings: decrypt and summarise the customer's own readings (they hold the master secret key).\nbills:    check every bill of the period against the own readings and its proof.`,
    meter: `femeter meter status --meter ID [--data DIR]
femeter meter ingest --meter ID --source FILE [--kind csv-register|csv-interval|d0-log|sml-log] [--period P] [--data DIR]

status: the meter's durable outbox (last sequence number, acknowledged, pending).
ingest: read a period's readings from a file (CSV of timestamp,value; or JSON lines of D0/SML
        telegrams {"t": ISO-8601, "d0": text | "sml": hex}), encrypt, sign, record durably, send.
        The whole file is validated first: a bad line refuses everything, nothing is recorded.`,
    provider: `femeter provider bill --meter ID [--period P] [--data DIR]\n\nRecomputes the provider's bills of a period from the stored ciphertexts (no posting).`,
    auditor: `femeter auditor report [--data DIR]\n\nAudit report: chain, meter software, reading signatures, sequence gaps, consents, bill proofs.`,
    wallet: `femeter wallet --party ID [--data DIR]

Prints the wallet file of a deployment's participant (ledger key; for customers also the wallet
root seed) for the web dashboard, which reads it locally and never sends it. Keep it secret.`,
    serve: `femeter serve [--data DIR] [--port N] [--host H] [--tls-cert PEM --tls-key PEM] [--web DIR] [--log]

Serves the deployment's embedded ledger over HTTP(S): signed transactions, role-checked queries,
the event stream (SSE), /health, /metrics, /openapi.json, and the web dashboard from --web DIR
(default dist/web when built). Role commands reach it with --gateway URL. Stops on SIGINT/SIGTERM
after the requests in flight finish.

  --port N   port (default 8080; 0 = any free port, printed on stdout)
  --host H   interface (default 127.0.0.1)`,
    bench: `femeter bench <fe|ledger|e2e> [-- options]\n\nRuns dist/bench/<name>.js; see README for what each prints.`,
};

interface World {
    seed: string;
    period: string;
    customers: number;
    /** Absent for the embedded engine. */
    engine?: 'embedded' | 'fabric';
    fabric?: { connection: string; chaincode: string; deployedByDemo: boolean };
}

function engineSecret(seed: string): Uint8Array {
    return sha256(utf8ToBytes(`femeter-demo/${seed}/engine`));
}

async function openWorld(
    data: string,
    gateway?: string,
): Promise<{ world: World; engine: Engine }> {
    const wf = join(data, 'world.json');
    if (!existsSync(wf))
        throw new Error(`no deployment in ${data}: run 'femeter demo --data ${data}' first`);
    const world = JSON.parse(readFileSync(wf, 'utf8')) as World;
    if (gateway !== undefined)
        return { world, engine: await remoteEngine(gateway, engineSecret(world.seed)) };
    if (world.engine === 'fabric' && world.fabric)
        return {
            world,
            engine: await fabricEngine(world.fabric.connection, {
                chaincode: world.fabric.chaincode,
            }),
        };
    return { world, engine: await embeddedEngine(join(data, 'ledger'), engineSecret(world.seed)) };
}

const json = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x), 2);
const derive = (seed: string, label: string): Uint8Array =>
    sha256(utf8ToBytes(`femeter-demo/${seed}/${label}`));

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

async function meterIngest(
    data: string,
    values: {
        meter?: string | undefined;
        source?: string | undefined;
        kind: string;
        period?: string | undefined;
        gateway?: string | undefined;
    },
): Promise<number> {
    if (!values.meter || !values.source)
        throw new Error('usage: femeter meter ingest --meter ID --source FILE [--kind K]');
    const kinds = ['csv-register', 'csv-interval', 'd0-log', 'sml-log'] as const;
    const kind = kinds.find((k) => k === values.kind);
    if (!kind) throw new Error(`--kind must be one of ${kinds.join(', ')}`);
    const { engine, world } = await openWorld(data, values.gateway);
    const outbox = new FileOutbox(join(data, 'meters', values.meter, 'outbox'));
    try {
        const period = values.period ?? world.period;
        const meterP = await engine.connect(values.meter, 'customers');
        const meter = await meterP.api.getMeter(values.meter);
        const slots = readingsFromSource(
            readFileSync(values.source, 'utf8'),
            kind,
            periodSlots(period, meter.timeZone, meter.slotMinutes),
        );
        const agent = new MeterAgent({
            api: meterP.api,
            meterId: values.meter,
            signingSecret: derive(world.seed, `${values.meter}/signing`),
            meterSeed: derive(world.seed, `${values.meter}/enc`),
            outbox,
        });
        await agent.openPeriod(CHANNEL, period);
        agent.record(CHANNEL, period, slots);
        const sent = await agent.flush();
        console.log(
            json({
                meter: values.meter,
                period,
                recorded: slots.length,
                sent: sent.sent,
                pending: sent.pending,
            }),
        );
        return 0;
    } finally {
        outbox.close();
        await engine.close();
    }
}

async function main(): Promise<number> {
    const [cmd, sub, ...rest] = process.argv.slice(2);
    if (cmd === undefined || cmd === '--help' || cmd === '-h' || cmd === 'help') {
        console.log(HELP['main']);
        return 0;
    }
    if (cmd === '--version' || cmd === '-V') {
        const id = softwareIdentity();
        console.log(
            `${id.name} ${id.version} sha256:${id.digest} (${id.files} files, node ${process.version})`,
        );
        return 0;
    }
    const args = [sub, ...rest].filter((x): x is string => x !== undefined);
    if (args.includes('--help') || args.includes('-h')) {
        console.log(HELP[cmd] ?? HELP['main']);
        return HELP[cmd] ? 0 : 2;
    }
    const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: {
            customers: { type: 'string', default: DEFAULTS.customers },
            period: { type: 'string' },
            data: { type: 'string', default: DEFAULTS.data },
            shared: { type: 'string', default: DEFAULTS.shared },
            keep: { type: 'boolean', default: false },
            'no-fold': { type: 'boolean', default: false },
            'log-json': { type: 'boolean', default: false },
            quiet: { type: 'boolean', default: false },
            seed: { type: 'string', default: 'demo' },
            customer: { type: 'string' },
            meter: { type: 'string' },
            source: { type: 'string' },
            kind: { type: 'string', default: 'csv-register' },
            engine: { type: 'string', default: 'embedded' },
            'fabric-connection': { type: 'string' },
            'fabric-chaincode': { type: 'string' },
            gateway: { type: 'string' },
            port: { type: 'string', default: '8080' },
            host: { type: 'string', default: '127.0.0.1' },
            'tls-cert': { type: 'string' },
            'tls-key': { type: 'string' },
            web: { type: 'string' },
            party: { type: 'string' },
            log: { type: 'boolean', default: false },
        },
    });
    const data = values.data;
    switch (cmd) {
        case 'demo': {
            const n = Number(values.customers);
            if (!Number.isInteger(n) || n < 1 || n > 10_000)
                throw new Error('--customers must be an integer in 1..10000');
            const period = values.period ?? DEFAULTS.period;
            if (!existsSync(join(values.shared, 'bdew-standard-load-profiles.csv')))
                throw new Error(
                    `shared data not found in ${values.shared}: pass --shared DIR (the folder with bdew-standard-load-profiles.csv)`,
                );
            if (values.engine !== 'embedded' && values.engine !== 'fabric')
                throw new Error('--engine must be embedded or fabric');
            if (!values.keep) {
                await stopPreviousDemoChaincode(data);
                rmSync(data, { recursive: true, force: true });
            }
            mkdirSync(data, { recursive: true });
            const id = softwareIdentity();
            let engine: Engine;
            const world: World = { seed: values.seed, period, customers: n };
            if (values.engine === 'fabric') {
                const connection = resolve(values['fabric-connection'] ?? defaultConnectionPath());
                const chaincode = values['fabric-chaincode'];
                console.error(
                    `femeter ${id.version} sha256:${id.digest.slice(0, 16)}… — demo: ${n} customers, ${period}, Fabric network of ${connection}${chaincode ? `, chaincode ${chaincode}` : ' (deploying a fresh chaincode)'}`,
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
                    `femeter ${id.version} sha256:${id.digest.slice(0, 16)}… — demo: ${n} customers, ${period}, embedded ledger in ${resolve(data)}`,
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
        case 'verify':
        case 'auditor': {
            if (cmd === 'auditor' && sub !== 'report')
                throw new Error('usage: femeter auditor report [--data DIR]');
            const { engine } = await openWorld(data, values.gateway);
            try {
                const p = await engine.connect('auditor', 'customers');
                const report = await new Auditor({ api: p.api }).audit({ engine });
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
                const dlog = await dlogSolvers(join(DEFAULTS.cache, 'dlog'), 20);
                const c = new Customer({
                    api: p.api,
                    partyId: cid,
                    wallet: Wallet.fromSeed(derive(world.seed, `${cid}/root`)),
                    dlog,
                });
                const meter = (await p.api.listMeters()).find((m) => m.owner === cid);
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
            if (sub !== 'status' || !values.meter)
                throw new Error('usage: femeter meter <status|ingest> --meter ID');
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
                const dlog = await dlogSolvers(join(DEFAULTS.cache, 'dlog'), 20);
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
            if (!party) throw new Error('usage: femeter wallet --party ID [--data DIR]');
            const { world, engine } = await openWorld(data);
            try {
                const p = (await engine.connect('operator', 'operator')).api;
                const rec = await p.getParty(party);
                const org = rec.identity.mspId === 'OperatorMSP' ? 'operator' : 'customers';
                const ledgerKey = participantKey(engineSecret(world.seed), party);
                console.log(
                    json({
                        femeter: 'wallet/1',
                        party,
                        role: rec.role,
                        mspId: org === 'operator' ? 'OperatorMSP' : 'CustomersMSP',
                        ledgerKey: bytesToHex(ledgerKey),
                        ...(rec.role === 'customer'
                            ? { root: bytesToHex(derive(world.seed, `${party}/root`)) }
                            : {}),
                    }),
                );
                return 0;
            } finally {
                await engine.close();
            }
        }
        case 'serve': {
            const port = Number(values.port);
            if (!Number.isInteger(port) || port < 0 || port > 65535)
                throw new Error('--port must be an integer in 0..65535');
            const web = values.web ?? join(ROOT, 'dist', 'web');
            const { engine } = await openWorld(data);
            return serve(engine, {
                host: values.host,
                port,
                tlsCert: values['tls-cert'],
                tlsKey: values['tls-key'],
                logger: values.log,
                webDir: existsSync(join(web, 'index.html')) ? resolve(web) : undefined,
            });
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
            console.error(`unknown command "${cmd}"\n\n${HELP['main']}`);
            return 2;
    }
}

main().then(
    (code) => {
        process.exitCode = code;
    },
    (e: unknown) => {
        console.error(`femeter: ${e instanceof Error ? e.message : String(e)}`);
        process.exitCode = 1;
    },
);
