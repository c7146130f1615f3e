// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/program
 * The `femeter` command line (commander): every command has --help with an example; failures exit
 * non-zero with one line `femeter: <cause> — <what to do>`.
 *
 * Two kinds of commands: a real deployment's (`init`, and `--dir PARTY_DIR` for operator,
 * customer, meter, provider, index, auditor) and the demo world's (`demo`, `verify`, and the role
 * commands with `--data DIR`, acting on identities derived from the demo's seed).
 */
import { Command, Option } from 'commander';
import { resolve } from 'node:path';
import { DEFAULT_ENGINE, ENGINE_NAMES, parseEngineName } from '../../ledger/engines.js';
import { softwareIdentity, backendLine } from './version.js';
import { CliError } from './errors.js';
import { initParty, passphrase, PARTY_ROLES, type PartyRole } from './party.js';
import * as d from './deploy.js';
import * as grid from './grid.js';
import * as survey from './survey.js';
import { runWorldCommand, serveOptions, WORLD_DEFAULTS, type WorldValues } from './main.js';
import { sourceKinds } from '../../roles/meter/ingest.js';
import { lineKinds } from '../../roles/meter/lines.js';
import { untilSignal } from './meter-run.js';

const example = (lines: string): string => `\nExample:\n  ${lines.split('\n').join('\n  ')}\n`;
let exitCode = 0;
const set = (code: number): void => {
    exitCode = Math.max(exitCode, code);
};

/** Options every --dir command takes. */
function withDir(c: Command): Command {
    return c
        .requiredOption('--dir <dir>', 'the party directory (made by femeter init)')
        .option(
            '--passphrase-file <file>',
            'read the key passphrase from a file (else $FEMETER_PASSPHRASE or a prompt)',
        );
}

function worldValues(o: Record<string, unknown>): WorldValues {
    const str = (k: string): string | undefined => (typeof o[k] === 'string' ? o[k] : undefined);
    const strs = (k: string): string[] | undefined => {
        const v = o[k];
        return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
    };
    return {
        customers: str('customers') ?? WORLD_DEFAULTS.customers,
        period: str('period'),
        data: str('data') ?? WORLD_DEFAULTS.data,
        shared: str('shared') ?? WORLD_DEFAULTS.shared,
        keep: o.keep === true,
        'no-fold': o.fold === false,
        'log-json': o.logJson === true,
        quiet: o.quiet === true,
        seed: str('seed') ?? 'demo',
        customer: str('customer'),
        meter: str('meter'),
        source: str('source'),
        kind: str('kind') ?? 'csv-register',
        obis: str('obis'),
        medium: str('medium'),
        unit: str('unit'),
        serial: str('serial'),
        format: str('format'),
        baud: str('baud'),
        count: str('count'),
        'd0-request': o.d0Request === true,
        'poll-seconds': str('pollSeconds'),
        'interval-minutes': str('intervalMinutes'),
        engine: str('engine') ?? DEFAULT_ENGINE,
        'fabric-connection': str('fabricConnection'),
        'fabric-chaincode': str('fabricChaincode'),
        gateway: str('gateway'),
        party: str('party'),
        port: str('port'),
        host: str('host'),
        'tls-cert': str('tlsCert'),
        'tls-key': str('tlsKey'),
        web: str('web'),
        log: o.log === true,
        'engine-key': str('engineKey'),
        checkpoint: strs('checkpoint'),
        receipt: strs('receipt'),
        out: str('out'),
        'passphrase-file': str('passphraseFile'),
        plain: o.plain === true,
    };
}
const dataOption = (): Option =>
    new Option('--data <dir>', 'the demo world directory').default(WORLD_DEFAULTS.data);
const gatewayOption = (): Option =>
    new Option(
        '--gateway <url>',
        "demo world: reach its ledger through this 'femeter serve' (e.g. http://127.0.0.1:8080)",
    );
/** The demo-world branch of a command that also takes --dir; --gateway belongs to that branch only. */
const collect = (v: string, all: string[]): string[] => [...all, v];
/** Trust anchors kept outside the ledger's data directory (embedded engine; issue 9 item 7). */
const engineKeyOption = (): Option =>
    new Option(
        '--engine-key <hex|file>',
        "the engine's Ed25519 public key, kept outside the data directory (else the recorded one is trusted)",
    );
const checkpointOption = (): Option =>
    new Option(
        '--checkpoint <file>',
        'a signed checkpoint kept outside the data directory (needs --engine-key; repeatable)',
    )
        .argParser(collect)
        .default([]);
const receiptOption = (): Option =>
    new Option(
        '--receipt <file>',
        'a submit receipt {"blockNumber","blockHash"} the chain must reach, e.g. a party directory\'s receipt.json (repeatable)',
    )
        .argParser(collect)
        .default([]);

async function worldOrDir(
    cmd: string,
    sub: string | undefined,
    o: Record<string, unknown>,
    dir: () => Promise<unknown>,
): Promise<void> {
    if (typeof o.dir !== 'string') {
        set(await runWorldCommand(cmd, sub, worldValues(o)));
        return;
    }
    if (typeof o.gateway === 'string')
        throw new CliError(
            '--gateway is for the demo world (--data), not a party directory (--dir)',
            'drop --gateway; a party directory names its ledger in femeter.json',
        );
    const code = await dir();
    if (typeof code === 'number') set(code);
}

/** Build the program (a fresh one per call, so tests can parse several command lines). */
export function buildProgram(): Command {
    const program = new Command('femeter')
        .description('privacy-preserving smart metering (IPFE on a permissioned ledger)')
        .option('-V, --version', 'print version, software digest and FE backend')
        .configureOutput({
            outputError: (str, write) => {
                write(`femeter: ${str.replace(/^error: /, '')}`);
            },
        })
        .showHelpAfterError('(run the command with --help for its options and an example)')
        .action((o: { version?: boolean }) => {
            if (o.version !== true) {
                program.outputHelp();
                return;
            }
            const id = softwareIdentity();
            console.log(
                `${id.name} ${id.version} sha256:${id.digest} (${id.files} files, node ${process.version})`,
            );
            console.log(backendLine());
        });

    // ------------------------------------------------------------ init
    program
        .command('init')
        .description(
            'make a party directory: its own key (passphrase-sealed), femeter.json and registration.json for the operator',
        )
        .addOption(
            new Option('--role <role>', 'the party').choices(PARTY_ROLES).makeOptionMandatory(),
        )
        .requiredOption('--dir <dir>', 'the directory to create')
        .requiredOption('--id <id>', 'the party id (meter id for a meter)')
        .option('--name <name>', 'display name (default: the id)')
        .addOption(
            new Option('--engine <engine>', 'ledger engine')
                .choices(ENGINE_NAMES)
                .default(DEFAULT_ENGINE),
        )
        .option(
            '--ledger <dir>',
            'embedded: the ledger directory (relative to --dir, or absolute)',
            '../ledger',
        )
        .option('--fabric-connection <file>', 'fabric: the network connection.json')
        .option('--fabric-chaincode <name>', 'fabric: the chaincode name')
        .option(
            '--passphrase-file <file>',
            'read the passphrase from a file (else $FEMETER_PASSPHRASE or a prompt)',
        )
        .addHelpText(
            'after',
            example(
                'femeter init --role customer --id alice --dir ./alice --ledger /srv/femeter/ledger',
            ),
        )
        .action(async (o: Record<string, string | undefined>) => {
            const role = o.role as PartyRole;
            const engine = parseEngineName(o.engine ?? DEFAULT_ENGINE, '--engine');
            if (
                engine === 'fabric' &&
                (o.fabricConnection === undefined || o.fabricChaincode === undefined)
            )
                throw new CliError(
                    '--engine fabric needs --fabric-connection and --fabric-chaincode',
                    'pass both',
                );
            const r = await initParty({
                dir: o.dir ?? '',
                role,
                id: o.id ?? '',
                name: o.name ?? o.id ?? '',
                engine,
                ledger: o.ledger,
                fabric:
                    engine === 'fabric'
                        ? {
                              connection: resolve(o.fabricConnection ?? ''),
                              chaincode: o.fabricChaincode ?? '',
                          }
                        : undefined,
                passphrase: await passphrase(o, true),
            });
            console.log(`made ${resolve(o.dir ?? '')} (${role} ${o.id ?? ''})`);
            if (role === 'operator')
                console.log('next: femeter operator bootstrap --dir ' + (o.dir ?? ''));
            else {
                console.log('hand this to the operator (also in registration.json):');
                console.log(JSON.stringify(r.registration, null, 2));
            }
            if (r.mnemonic !== undefined)
                process.stderr.write(
                    `wallet backup (24 words, keep offline; femeter customer backup shows them again):\n${r.mnemonic}\n`,
                );
        });

    // ------------------------------------------------------------ operator
    const operator = program
        .command('operator')
        .description('the metering point operator: ledger and registry');
    withDir(
        operator
            .command('bootstrap')
            .description(
                'create the ledger (embedded: the ledger directory and its engine key) and become its operator',
            ),
    )
        .addHelpText('after', example('femeter operator bootstrap --dir ./operator'))
        .action((o: d.DirOptions) => d.operatorBootstrap(o));
    withDir(
        operator
            .command('register')
            .description('register a party or meter from the registration.json it sent'),
    )
        .requiredOption('--request <file>', "the party's registration.json")
        .option('--owner <customer>', 'meters: the owning customer id')
        .option('--slot-minutes <n>', 'meters: slot length in minutes', '15')
        .option('--zone <iana>', "meters: IANA time zone of the meter's clock", 'Europe/Berlin')
        .option('--channel <obis,unit,medium...>', 'meters: channels', ['1-0:1.8.0,Wh,electricity'])
        .option('--max-per-slot <n>', 'meters: largest reading per slot (channel unit)', '20000')
        .option(
            '--software-id <id>',
            'meters: software id',
            `femeter-meter-agent/${softwareIdentity().version}`,
        )
        .option('--software-digest <hex>', 'meters: software digest (default: SHA-256 of the id)')
        .addHelpText(
            'after',
            example(
                'femeter operator register --dir ./operator --request ./alice/registration.json\nfemeter operator register --dir ./operator --request ./m1/registration.json --owner alice --slot-minutes 30 --zone Australia/Brisbane',
            ),
        )
        .action((o: d.RegisterOptions) => d.operatorRegister(o));
    withDir(
        operator
            .command('list')
            .description('list (or export) the registry: parties and meters with their settings'),
    )
        .option('--out <file>', 'write JSON to a file')
        .addHelpText('after', example('femeter operator list --dir ./operator --out registry.json'))
        .action((o: d.DirOptions & { out?: string }) => d.operatorList(o));

    // ------------------------------------------------------------ customer
    const customer = program
        .command('customer')
        .description('a household: keys, tariffs, own readings, bills');
    const meterOpt = (c: Command): Command =>
        c
            .requiredOption('--meter <id>', 'the meter')
            .option('--channel <obis>', 'channel', '1-0:1.8.0');
    meterOpt(
        withDir(
            customer
                .command('publish-mpks')
                .description('publish master public keys for the next N periods'),
        ),
    )
        .requiredOption('--from <YYYY-MM>', 'first period')
        .option('--count <n>', 'number of periods', '12')
        .addHelpText(
            'after',
            example(
                'femeter customer publish-mpks --dir ./alice --meter m1 --from 2024-03 --count 3',
            ),
        )
        .action((o: Parameters<typeof d.customerPublishMpks>[0]) => d.customerPublishMpks(o));
    meterOpt(
        withDir(
            customer
                .command('accept')
                .description(
                    "review a provider's tariff with the privacy guard; accept (functional key sealed to the provider) or refuse (recorded)",
                ),
        ),
    )
        .requiredOption('--provider <id>', 'the provider')
        .requiredOption('--tariff <id@version>', 'the tariff')
        .requiredOption('--periods <YYYY-MM,...>', 'periods the agreement covers')
        .addHelpText(
            'after',
            example(
                'femeter customer accept --dir ./alice --meter m1 --provider acme --tariff acme.flat@1 --periods 2024-03,2024-04',
            ),
        )
        .action((o: Parameters<typeof d.customerAccept>[0]) => d.customerAccept(o));
    meterOpt(
        withDir(
            customer
                .command('switch')
                .description(
                    "move the meter's channel to another provider from a period on (accepts its tariff for those periods)",
                ),
        ),
    )
        .requiredOption('--to <provider>', 'the new provider')
        .requiredOption('--tariff <id@version>', "the new provider's tariff")
        .requiredOption('--from <YYYY-MM>', 'the first period with the new provider')
        .option('--count <n>', 'periods to agree', '12')
        .addHelpText(
            'after',
            example(
                'femeter customer switch --dir ./alice --meter m1 --to bolt --tariff bolt.green@1 --from 2024-07 --count 6',
            ),
        )
        .action((o: Parameters<typeof d.customerSwitch>[0]) => d.customerSwitch(o));
    const readings = customer
        .command('readings')
        .description('decrypt own readings (export CSV / JSON with --dir)');
    readings
        .option('--dir <dir>', 'the customer directory')
        .option('--passphrase-file <file>', 'key passphrase file')
        .option('--meter <id>', 'the meter')
        .option('--channel <obis>', 'channel', '1-0:1.8.0')
        .option('--period <YYYY-MM>', 'the period')
        .option('--format <csv|json>', 'export format', 'csv')
        .option('--out <file>', 'write to a file')
        .option('--customer <id>', 'demo world: the customer')
        .addOption(dataOption())
        .addOption(gatewayOption())
        .addHelpText(
            'after',
            example(
                'femeter customer readings --dir ./alice --meter m1 --period 2024-03 --format csv --out march.csv\nfemeter customer readings --customer customer-0001 --gateway http://127.0.0.1:8080',
            ),
        )
        .action((o: Record<string, unknown>) =>
            worldOrDir('customer', 'readings', o, () =>
                d.customerReadings(o as unknown as Parameters<typeof d.customerReadings>[0]),
            ),
        );
    customer
        .command('bills')
        .description('check every bill of a period against own readings and its proof')
        .option('--dir <dir>', 'the customer directory')
        .option('--passphrase-file <file>', 'key passphrase file')
        .option('--meter <id>', 'the meter')
        .option('--channel <obis>', 'channel', '1-0:1.8.0')
        .option('--period <YYYY-MM>', 'the period')
        .option('--customer <id>', 'demo world: the customer')
        .addOption(dataOption())
        .addOption(gatewayOption())
        .addHelpText(
            'after',
            example(
                'femeter customer bills --dir ./alice --meter m1 --period 2024-03\nfemeter customer bills --customer customer-0001 --gateway http://127.0.0.1:8080',
            ),
        )
        .action((o: Record<string, unknown>) =>
            worldOrDir('customer', 'bills', o, () =>
                d.customerBills(o as unknown as Parameters<typeof d.customerBills>[0]),
            ),
        );
    withDir(
        customer.command('backup').description('print the wallet as a BIP-39 phrase (24 words)'),
    )
        .addHelpText('after', example('femeter customer backup --dir ./alice'))
        .action((o: d.DirOptions) => d.customerBackup(o));
    withDir(customer.command('restore').description('restore the wallet from a BIP-39 phrase'))
        .requiredOption('--mnemonic-file <file>', 'file with the 24 words')
        .option('--force', 'replace an existing wallet.key', false)
        .addHelpText(
            'after',
            example('femeter customer restore --dir ./alice --mnemonic-file words.txt --force'),
        )
        .action((o: Parameters<typeof d.customerRestore>[0]) => d.customerRestore(o));

    // ------------------------------------------------------------ meter
    const meter = program
        .command('meter')
        .description('a meter: ingest readings, close periods, live serial reading');
    meter
        .command('ingest')
        .description('read a period from a file, encrypt, sign, record durably in the outbox, send')
        .option('--dir <dir>', 'the meter directory')
        .option('--passphrase-file <file>', 'key passphrase file')
        .requiredOption('--source <file>', 'the file')
        .option('--period <YYYY-MM>', 'the period')
        .addOption(
            new Option('--kind <kind>', 'source format')
                .choices(sourceKinds())
                .default('csv-register'),
        )
        .addOption(
            new Option('--unit <unit>', 'CSV value unit').choices(['Wh', 'kWh']).default('Wh'),
        )
        .option('--obis <code[+code...]>', 'telegram register(s), summed with +')
        .option('--medium <n>', 'OBIS medium (1 electricity, 6 heat, 7 gas, 8 water)')
        .option('--channel <obis>', 'channel', '1-0:1.8.0')
        .option('--meter <id>', 'demo world: the meter')
        .addOption(dataOption())
        .addOption(gatewayOption())
        .addHelpText(
            'after',
            example(
                'femeter meter ingest --dir ./m1 --source march.csv --kind csv-interval --unit kWh --period 2024-03\nfemeter meter ingest --meter meter-0001 --source march.csv --gateway http://127.0.0.1:8080',
            ),
        )
        .action((o: Record<string, unknown>) =>
            worldOrDir('meter', 'ingest', o, () =>
                d.meterIngest(o as unknown as Parameters<typeof d.meterIngest>[0]),
            ),
        );
    withDir(
        meter
            .command('close')
            .description(
                "close a period (month's end): missing slots as substitutes with --substitute-missing",
            ),
    )
        .requiredOption('--period <YYYY-MM>', 'the period')
        .option('--channel <obis>', 'channel', '1-0:1.8.0')
        .option(
            '--substitute-missing',
            'record missing slots as substitutes (0 Wh, status substitute)',
            false,
        )
        .addHelpText(
            'after',
            example('femeter meter close --dir ./m1 --period 2024-03 --substitute-missing'),
        )
        .action((o: Parameters<typeof d.meterClose>[0]) => d.meterClose(o));
    meter
        .command('status')
        .description("the meter's durable outbox")
        .option('--dir <dir>', 'the meter directory')
        .option('--passphrase-file <file>', 'key passphrase file')
        .option('--meter <id>', 'demo world: the meter')
        .addOption(dataOption())
        .addHelpText('after', example('femeter meter status --dir ./m1'))
        .action(async (o: Record<string, unknown>) => {
            if (typeof o.dir !== 'string') {
                set(await runWorldCommand('meter', 'status', worldValues(o)));
                return;
            }
            await d.meterStatus(o as unknown as d.DirOptions);
        });
    meter
        .command('run')
        .description(
            'the meter agent: with --dir, follow a file or folder of readings (encrypt, sign, submit as they arrive; open and close periods on the meter clock; resume after restart; stop on SIGTERM); with --serial, read a live optical head or P1 port',
        )
        .option('--dir <dir>', 'the meter directory (made by femeter init)')
        .option('--passphrase-file <file>', 'key passphrase file')
        .option(
            '--source <file|folder>',
            '--dir: a file appended to, or a folder new files land in',
        )
        .addOption(
            new Option('--kind <kind>', '--dir: source format (line by line)')
                .choices(lineKinds())
                .default('csv-interval'),
        )
        .addOption(
            new Option('--unit <unit>', '--dir: CSV value unit')
                .choices(['Wh', 'kWh'])
                .default('Wh'),
        )
        .option(
            '--channel <spec>',
            '--dir: a channel to record, ID[,obis=CODE[+CODE…]][,source=PATH][,kind=KIND]; repeat for several (import 1-0:1.8.0 and export 1-0:2.8.0); default 1-0:1.8.0',
            (v: string, prev: string[] | undefined) => [...(prev ?? []), v],
        )
        .addOption(
            new Option(
                '--clock <clock>',
                "--dir: the meter clock: system time, or the newest reading's time (replayed data)",
            )
                .choices(['system', 'source'])
                .default('system'),
        )
        .option(
            '--substitute-missing',
            '--dir: close a period that ended with missing slots, recording them as substitutes',
            false,
        )
        .option(
            '--close-after-minutes <n>',
            '--dir: close an incomplete period this long after its end',
            '60',
        )
        .option(
            '--open-ahead-hours <n>',
            "--dir: acknowledge the next period's mpk this long ahead",
            '48',
        )
        .option('--poll-ms <n>', '--dir: source poll interval', '1000')
        .option('--serial <device>', 'serial device (required)')
        .option('--format <d0|dsmr|sml>', 'telegram format (required)')
        .option('--baud <n>', 'baud rate')
        .option('--d0-request', 'IEC 62056-21 mode C request')
        .option('--poll-seconds <s>', 'D0 poll interval')
        .option('--interval-minutes <n>', 'slot length')
        .option('--obis <code[+code...]>', 'register(s)')
        .option('--medium <n>', 'OBIS medium')
        .option('--count <n>', 'stop after N telegrams')
        .option('--meter <id>', 'demo world: record as this meter')
        .option('--period <YYYY-MM>', 'demo world: period')
        .addOption(dataOption())
        .addOption(gatewayOption())
        .addHelpText(
            'after',
            example(
                'femeter meter run --dir ./m1 --source /var/spool/m1/readings.csv --kind csv-interval --substitute-missing\nfemeter meter run --dir ./m1 --source ./p1.log --kind dsmr-log --channel 1-0:1.8.0,obis=1-0:1.8.1+1-0:1.8.2 --channel 1-0:2.8.0,obis=1-0:2.8.1+1-0:2.8.2\nfemeter meter run --serial /dev/ttyUSB0 --format dsmr --dir ./m1\nfemeter meter run --serial /dev/ttyUSB0 --format dsmr --count 10\nfemeter meter run --serial /dev/ttyUSB0 --format dsmr --meter meter-0001 --gateway http://127.0.0.1:8080',
            ),
        )
        .action(async (o: Record<string, unknown>) => {
            if (typeof o.dir !== 'string') {
                set(await runWorldCommand('meter', 'run', worldValues(o)));
                return;
            }
            if (typeof o.serial === 'string') {
                if (typeof o.source === 'string')
                    throw new CliError(
                        '--serial and --source exclude each other',
                        'read the device (--serial) or follow a file (--source)',
                    );
                set(
                    await d.meterRunSerialDir(
                        o as unknown as Parameters<typeof d.meterRunSerialDir>[0],
                    ),
                );
                return;
            }
            if (typeof o.source !== 'string')
                throw new CliError(
                    '--source is required with --dir',
                    'e.g. --source ./readings.csv',
                );
            // the CLI entry owns the process: SIGINT/SIGTERM stop the agent after its current step
            await untilSignal((signal) =>
                d.meterRunDir(o as unknown as d.MeterRunDirOptions, signal),
            );
        });

    // ------------------------------------------------------------ provider
    const provider = program.command('provider').description('an energy provider: tariffs, bills');
    withDir(
        provider
            .command('publish-tariff')
            .description('validate and publish a tariff document (femeter-tariff/1)'),
    )
        .requiredOption('--file <tariff.json>', 'the tariff document')
        .addHelpText(
            'after',
            example('femeter provider publish-tariff --dir ./acme --file flat.json'),
        )
        .action((o: Parameters<typeof d.providerPublish>[0]) => d.providerPublish(o));
    withDir(
        provider
            .command('run')
            .description(
                'follow the event stream from the checkpoint, fold readings, post every bill with proof at each close',
            ),
    )
        .option('--follow', 'keep running (else stop when caught up)', false)
        .addHelpText('after', example('femeter provider run --dir ./acme'))
        .action((o: Parameters<typeof d.providerRun>[0]) =>
            untilSignal((signal) => d.providerRun(o, signal)),
        );
    withDir(provider.command('bills').description('export posted bills'))
        .option('--meter <id>', 'only this meter')
        .addOption(
            new Option('--format <f>', 'export format').choices(['csv', 'json']).default('csv'),
        )
        .option('--out <file>', 'write to a file')
        .addHelpText(
            'after',
            example('femeter provider bills --dir ./acme --format json --out bills.json'),
        )
        .action((o: Parameters<typeof d.providerBills>[0]) => d.providerBills(o));
    provider
        .command('bill')
        .description("demo world: recompute a meter's bills from scratch (no posting)")
        .requiredOption('--meter <id>', 'the meter')
        .option('--period <YYYY-MM>', 'the period')
        .addOption(dataOption())
        .addOption(gatewayOption())
        .addHelpText(
            'after',
            example(
                'femeter provider bill --meter meter-0001\nfemeter provider bill --meter meter-0001 --gateway http://127.0.0.1:8080',
            ),
        )
        .action(async (o: Record<string, unknown>) => {
            set(await runWorldCommand('provider', 'bill', worldValues(o)));
        });

    // ------------------------------------------------------------ index publisher
    const index = program.command('index').description('an index publisher: signed price series');
    withDir(
        index
            .command('publish')
            .description(
                'publish a period of a price series from a file (DE-LU day-ahead CSV or timestamp,price CSV; EUR/MWh)',
            ),
    )
        .requiredOption('--file <csv>', 'the price file')
        .requiredOption('--period <YYYY-MM>', 'the period')
        .option('--series <id>', 'series id (default DE-LU/day-ahead)')
        .addHelpText(
            'after',
            example('femeter index publish --dir ./index --file prices.csv --period 2024-03'),
        )
        .action((o: Parameters<typeof d.indexPublish>[0]) => d.indexPublish(o));

    // ------------------------------------------------------------ auditor, verify
    const auditor = program.command('auditor').description('an auditor: full audit of the ledger');
    auditor
        .command('report')
        .description(
            'audit: chain, meter software, reading signatures, sequence gaps, consents, bill proofs',
        )
        .option('--dir <dir>', 'the auditor directory')
        .option('--passphrase-file <file>', 'key passphrase file')
        .option('--json', 'machine-readable report', false)
        .addOption(dataOption())
        .addOption(gatewayOption())
        .addOption(engineKeyOption())
        .addOption(checkpointOption())
        .addOption(receiptOption())
        .addHelpText(
            'after',
            example(
                'femeter auditor report --dir ./audit --json\nfemeter auditor report --data .femeter/demo --gateway http://127.0.0.1:8080\n' +
                    'femeter auditor report --dir ./audit --receipt ./customer/receipt.json --receipt ./provider/receipt.json',
            ),
        )
        .action((o: Record<string, unknown>) =>
            worldOrDir('auditor', 'report', o, () =>
                d.auditorReport(o as unknown as Parameters<typeof d.auditorReport>[0]),
            ),
        );
    program
        .command('verify')
        .description(
            "re-check the demo world's chain and audit everything on it (deployments: auditor report --dir)",
        )
        .addOption(dataOption())
        .addOption(gatewayOption())
        .addOption(engineKeyOption())
        .addOption(checkpointOption())
        .addOption(receiptOption())
        .addHelpText(
            'after',
            example(
                'femeter verify --data .femeter/demo\nfemeter verify --data .femeter/demo --gateway http://127.0.0.1:8080\n' +
                    'femeter checkpoint --data .femeter/demo --out /safe/cp.json\n' +
                    'femeter verify --data .femeter/demo --checkpoint /safe/cp.json --engine-key <hex>',
            ),
        )
        .action(async (o: Record<string, unknown>) => {
            set(await runWorldCommand('verify', undefined, worldValues(o)));
        });
    program
        .command('checkpoint')
        .description(
            "sign a checkpoint of the demo world's chain tip with the engine key and print the engine's public key",
        )
        .addOption(dataOption())
        .option('--out <file>', 'write the checkpoint here (default: stdout)')
        .addHelpText(
            'after',
            example('femeter checkpoint --data .femeter/demo --out /safe/cp.json'),
        )
        .action(async (o: Record<string, unknown>) => {
            set(await runWorldCommand('checkpoint', undefined, worldValues(o)));
        });

    // ------------------------------------------------------------ grid aggregates (docs/GRID.md)
    const groupOpts = (c: Command): Command =>
        withDir(c)
            .requiredOption('--group <id>', 'the aggregation group')
            .requiredOption('--epoch <YYYY-MM>', 'the epoch (period)')
            .option('--channel <obis>', 'channel', '1-0:1.8.0');
    // ------------------------------------------------------------ statistical surveys
    const surveyOpts = (c: Command): Command =>
        withDir(c)
            .requiredOption('--meter <id>', 'the meter')
            .requiredOption('--period <YYYY-MM>', 'the period')
            .option('--channel <obis>', 'channel', '1-0:1.8.0');
    const surveyCmd = program
        .command('survey')
        .description('a surveyor (researcher): one aggregate per request, with consent');
    surveyOpts(surveyCmd.command('request').description('request one aggregate of a meter period'))
        .requiredOption('--id <id>', 'the survey id')
        .requiredOption('--purpose <text>', 'what the aggregate is for (shown to the customer)')
        .option('--total', "the period's total")
        .option('--spec <file>', 'a JSON weight spec (kind "total" or "timeOfUse")')
        .addHelpText(
            'after',
            example(
                'femeter survey request --dir ./lab --id s1 --meter m1 --period 2024-03 --total --purpose "load study"',
            ),
        )
        .action((o: Parameters<typeof survey.surveyRequest>[0]) => survey.surveyRequest(o));
    surveyOpts(
        surveyCmd.command('result').description('decrypt the aggregate of an accepted survey'),
    )
        .requiredOption('--id <id>', 'the survey id')
        .addHelpText(
            'after',
            example('femeter survey result --dir ./lab --id s1 --meter m1 --period 2024-03'),
        )
        .action((o: Parameters<typeof survey.surveyResult>[0]) => survey.surveyResult(o));
    const customerSurveyCmd = customer
        .command('survey')
        .description('list, accept (privacy guard, key sealed to the surveyor) or refuse surveys');
    surveyOpts(customerSurveyCmd.command('list').description('the surveys of a meter period'))
        .addHelpText(
            'after',
            example('femeter customer survey list --dir ./alice --meter m1 --period 2024-03'),
        )
        .action((o: survey.SurveyEpochOptions) => survey.customerSurvey('list', o));
    surveyOpts(
        customerSurveyCmd
            .command('accept')
            .description('accept a survey if the guard allows it (a refusal is recorded)'),
    )
        .requiredOption('--id <id>', 'the survey id')
        .addHelpText(
            'after',
            example(
                'femeter customer survey accept --dir ./alice --meter m1 --period 2024-03 --id s1',
            ),
        )
        .action((o: survey.SurveyEpochOptions & { id: string }) =>
            survey.customerSurvey('accept', o),
        );
    surveyOpts(customerSurveyCmd.command('refuse').description('refuse a survey (recorded)'))
        .requiredOption('--id <id>', 'the survey id')
        .option('--reason <text>', 'why (recorded on the ledger)', 'refused by the customer')
        .addHelpText(
            'after',
            example(
                'femeter customer survey refuse --dir ./alice --meter m1 --period 2024-03 --id s1 --reason "no"',
            ),
        )
        .action((o: survey.SurveyEpochOptions & { id: string; reason: string }) =>
            survey.customerSurvey('refuse', o),
        );

    const gridCmd = program
        .command('grid')
        .description('a grid operator: aggregation groups, per-slot sums with proofs');
    groupOpts(gridCmd.command('register-group').description('register an aggregation group epoch'))
        .requiredOption('--members <meter,...>', 'member meters')
        .option('--min-members <n>', 'minimum households (default 10, never below 5)')
        .addHelpText(
            'after',
            example(
                'femeter grid register-group --dir ./grid --group feeder-7 --epoch 2024-03 --members m1,m2,…,m10',
            ),
        )
        .action((o: Parameters<typeof grid.gridRegisterGroup>[0]) => grid.gridRegisterGroup(o));
    groupOpts(
        gridCmd
            .command('aggregate')
            .description(
                'assemble the key from the sealed shares, decrypt every complete slot, post sums with proofs',
            ),
    )
        .addHelpText(
            'after',
            example('femeter grid aggregate --dir ./grid --group feeder-7 --epoch 2024-03'),
        )
        .action((o: grid.GroupOptions) => grid.gridAggregate(o));
    groupOpts(gridCmd.command('aggregates').description('export the posted load curve'))
        .addOption(
            new Option('--format <f>', 'export format').choices(['csv', 'json']).default('csv'),
        )
        .option('--out <file>', 'write to a file')
        .addHelpText(
            'after',
            example('femeter grid aggregates --dir ./grid --group feeder-7 --epoch 2024-03'),
        )
        .action((o: Parameters<typeof grid.gridAggregates>[0]) => grid.gridAggregates(o));
    groupOpts(
        customer
            .command('grid-consent')
            .description(
                'review a grid aggregation group with the aggregate guard; consent (DH key on the ledger) or refuse (recorded)',
            ),
    )
        .requiredOption('--meter <id>', 'the member meter')
        .option('--refuse <reason>', 'record a refusal instead')
        .option('--min-members <n>', "the household's own minimum group size (default 10, ≥ 5)")
        .option('--client-key-out <file>', "write the meter's MCFE client key (secret, 0600)")
        .addHelpText(
            'after',
            example(
                'femeter customer grid-consent --dir ./alice --meter m1 --group feeder-7 --epoch 2024-03 --client-key-out m1-feeder-7.key',
            ),
        )
        .action((o: Parameters<typeof grid.customerGridConsent>[0]) => grid.customerGridConsent(o));
    groupOpts(
        customer
            .command('grid-share')
            .description('publish the key share for the group (sealed to the grid operator)'),
    )
        .requiredOption('--meter <id>', 'the member meter')
        .option('--min-members <n>', "the household's own minimum group size (default 10, ≥ 5)")
        .addHelpText(
            'after',
            example(
                'femeter customer grid-share --dir ./alice --meter m1 --group feeder-7 --epoch 2024-03',
            ),
        )
        .action((o: Parameters<typeof grid.customerGridShare>[0]) => grid.customerGridShare(o));
    groupOpts(
        meter
            .command('grid-submit')
            .description("encrypt a period's readings under the group's labels, sign, send"),
    )
        .requiredOption('--client-key <file>', "the client key from the household's grid-consent")
        .requiredOption('--source <file>', 'the readings file')
        .addOption(
            new Option('--kind <kind>', 'source format')
                .choices(sourceKinds())
                .default('csv-register'),
        )
        .addOption(
            new Option('--unit <unit>', 'CSV value unit').choices(['Wh', 'kWh']).default('Wh'),
        )
        .option('--obis <code[+code...]>', 'telegram register(s), summed with +')
        .option('--medium <n>', 'OBIS medium (1 electricity, 6 heat, 7 gas, 8 water)')
        .addHelpText(
            'after',
            example(
                'femeter meter grid-submit --dir ./m1 --group feeder-7 --epoch 2024-03 --client-key m1-feeder-7.key --source march.csv',
            ),
        )
        .action((o: Parameters<typeof grid.meterGridSubmit>[0]) => grid.meterGridSubmit(o));
    groupOpts(auditor.command('grid-check').description("verify a group's posted sums"))
        .addHelpText(
            'after',
            example('femeter auditor grid-check --dir ./audit --group feeder-7 --epoch 2024-03'),
        )
        .action(async (o: grid.GroupOptions) => {
            set(await grid.auditorGridCheck(o));
        });

    // ------------------------------------------------------------ gateway: serve, wallet
    program
        .command('serve')
        .description(
            "serve a deployment's embedded ledger (--dir: the gateway's own party directory) or a demo world's (--data) over HTTP(S): signed transactions, role-checked queries, events (SSE), /health, /metrics, /openapi.json and the web dashboard; stops on SIGINT/SIGTERM after requests in flight",
        )
        .option(
            '--dir <dir>',
            "the gateway's party directory (femeter init --role auditor --id gateway; registered by the operator): serve the ledger its femeter.json names, reading as its identity",
        )
        .option(
            '--passphrase-file <file>',
            "with --dir: the key file's passphrase (else $FEMETER_PASSPHRASE or a prompt)",
        )
        .addOption(dataOption())
        .option('--port <n>', 'port (0: any free port; the URL is printed on stdout)', '8080')
        .option('--host <h>', 'interface to listen on', '127.0.0.1')
        .option('--tls-cert <pem>', 'serve HTTPS with this certificate (with --tls-key)')
        .option('--tls-key <pem>', 'the private key of --tls-cert')
        .option('--web <dir>', 'the built web dashboard (default dist/web when built)')
        .option('--log', 'log every request (JSON lines on stdout)', false)
        .addHelpText(
            'after',
            example(
                'femeter serve --dir ./gateway --port 8080\nfemeter serve --data .femeter/demo --port 8080\nfemeter customer bills --customer customer-0001 --gateway http://127.0.0.1:8080',
            ),
        )
        .action(async (o: Record<string, unknown>, cmd: Command) => {
            if (typeof o.dir !== 'string') {
                set(await runWorldCommand('serve', undefined, worldValues(o)));
                return;
            }
            if (cmd.getOptionValueSource('data') === 'cli')
                throw new CliError(
                    '--dir and --data do not go together',
                    'serve a deployment with --dir (the gateway directory) or a demo world with --data',
                );
            const v = worldValues(o);
            const { serveDir } = await import('./serve-dir.js');
            set(
                await serveDir({
                    ...serveOptions(v),
                    dir: o.dir,
                    passphraseFile: v['passphrase-file'],
                }),
            );
        });
    program
        .command('wallet')
        .description(
            "print a participant's wallet file for the web dashboard (ledger key; a customer's wallet root too), sealed with a passphrase (scrypt + XChaCha20-Poly1305, the party directories' key file format); the dashboard opens it locally and never sends it. --dir: from a party directory's own key file (sealed with the key file's passphrase unless --wallet-passphrase-file); --party: a demo world participant",
        )
        .option('--dir <dir>', 'the party directory (operator, provider, customer, auditor, index)')
        .option('--party <id>', 'demo world: the participant')
        .option(
            '--passphrase-file <file>',
            "read the passphrase from a file (else $FEMETER_PASSPHRASE or a prompt); with --dir the key file's, which also seals the wallet",
        )
        .option(
            '--wallet-passphrase-file <file>',
            "with --dir: seal the wallet with this passphrase instead of the key file's",
        )
        .option(
            '--plain',
            'print the wallet unsealed (insecure: anyone with the file holds the keys)',
            false,
        )
        .addOption(dataOption())
        .addOption(gatewayOption())
        .addHelpText(
            'after',
            example(
                'femeter wallet --dir ./alice > alice.wallet.json\nfemeter wallet --party customer-0001 --data .femeter/demo > wallet.key.json',
            ),
        )
        .action(async (o: Record<string, unknown>, cmd: Command) => {
            if (typeof o.dir !== 'string') {
                set(await runWorldCommand('wallet', undefined, worldValues(o)));
                return;
            }
            if (
                cmd.getOptionValueSource('data') === 'cli' ||
                typeof o.gateway === 'string' ||
                typeof o.party === 'string'
            )
                throw new CliError(
                    '--dir does not go with --data, --gateway or --party',
                    'a party directory makes its own wallet: femeter wallet --dir DIR',
                );
            const { walletDir } = await import('./serve-dir.js');
            process.stdout.write(
                await walletDir({
                    dir: o.dir,
                    passphraseFile:
                        typeof o.passphraseFile === 'string' ? o.passphraseFile : undefined,
                    walletPassphraseFile:
                        typeof o.walletPassphraseFile === 'string'
                            ? o.walletPassphraseFile
                            : undefined,
                    plain: o.plain === true,
                }),
            );
        });

    // ------------------------------------------------------------ demo, bench
    program
        .command('demo')
        .description(
            'INSECURE BY DESIGN (seeded identities): the whole flow on a fresh ledger, every bill checked',
        )
        .option('--customers <n>', 'households', WORLD_DEFAULTS.customers)
        .option('--period <YYYY-MM>', 'billing month', WORLD_DEFAULTS.period)
        .addOption(dataOption())
        .option('--shared <dir>', 'BDEW profiles and day-ahead prices', WORLD_DEFAULTS.shared)
        .option('--keep', 'do not wipe the data directory', false)
        .option('--no-fold', 'bills from scratch instead of folding the event stream')
        .option('--log-json', 'JSON-lines logs on stderr', false)
        .option('--quiet', 'no step lines', false)
        .option('--seed <s>', 'world seed', 'demo')
        .addOption(
            new Option('--engine <engine>', 'ledger engine')
                .choices(ENGINE_NAMES)
                .default(DEFAULT_ENGINE),
        )
        .option('--fabric-connection <file>', 'Fabric connection.json')
        .option('--fabric-chaincode <name>', 'use this deployed chaincode')
        .addHelpText('after', example('femeter demo --customers 10'))
        .action(async (o: Record<string, unknown>) => {
            set(await runWorldCommand('demo', undefined, worldValues(o)));
        });
    program
        .command('bench')
        .description('run a benchmark')
        .argument('<name>', 'fe | ledger | e2e | native')
        .argument('[args...]', 'benchmark options')
        .addHelpText('after', example('femeter bench fe -- --quick'))
        .action(async (name: string, args: string[]) => {
            set(await runWorldCommand('bench', name, worldValues({}), [name, ...args]));
        });
    return program;
}

/** Run the CLI on argv; returns the exit code (never calls process.exit). */
export async function runCli(argv: readonly string[]): Promise<number> {
    exitCode = 0;
    const program = buildProgram().exitOverride();
    for (const c of program.commands) {
        c.exitOverride();
        for (const s of c.commands) s.exitOverride();
    }
    try {
        await program.parseAsync([...argv], { from: 'user' });
        return exitCode;
    } catch (e) {
        const ce = e as { code?: unknown; exitCode?: unknown };
        if (typeof ce.code === 'string' && ce.code.startsWith('commander.'))
            return typeof ce.exitCode === 'number' ? ce.exitCode : 2;
        const { explain } = await import('./errors.js');
        console.error(`femeter: ${explain(e)}`);
        return 1;
    }
}
