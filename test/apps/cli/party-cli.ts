// SPDX-License-Identifier: Apache-2.0
/**
 * Helpers of the party-directory CLI tests: run the built `femeter` as a child process, expect
 * success or a one-line refusal, make interval CSVs and tariff documents, set up a deployment's
 * party directories (init, bootstrap, registration, tariffs, surveys), run a meter agent.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import { ALMOST_ALL } from '../../e2e/survey-world.js';

export const CLI = fileURLToPath(new URL('../../../src/apps/cli/femeter.js', import.meta.url));
export const PASS = 'test passphrase 1';

export interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

export function femeter(
    line: string | readonly string[],
    env: Record<string, string> = {},
): Promise<Run> {
    const args = typeof line === 'string' ? line.split(/\s+/) : line;
    return new Promise((res, rej) => {
        const p = spawn(process.execPath, [CLI, ...args], {
            env: { ...process.env, FEMETER_PASSPHRASE: PASS, ...env },
            stdio: ['ignore', 'pipe', 'pipe'],
        });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
        p.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
        p.on('error', rej);
        p.on('close', (code) => {
            res({ code: code ?? -1, stdout, stderr });
        });
    });
}

export async function ok(args: string): Promise<string> {
    const r = await femeter(args);
    assert.equal(r.code, 0, `femeter ${args} failed: ${r.stderr}`);
    return r.stdout;
}

export async function refused(
    args: string | readonly string[],
    message: RegExp,
    env?: Record<string, string>,
): Promise<void> {
    const r = await femeter(args, env);
    assert.notEqual(
        r.code,
        0,
        `femeter ${typeof args === 'string' ? args : args.join(' ')} should fail`,
    );
    assert.match(r.stderr, message);
    assert.equal(
        r.stderr
            .trim()
            .split('\n')
            .filter((l) => l.startsWith('femeter:')).length,
        1,
    );
}

/** Interval CSV of a period's slots (Wh or kWh), leaving out the last `drop` slots. */
export function intervalCsv(
    period: string,
    zone: string,
    minutes: number,
    drop = 0,
    kwh = false,
): string {
    const bp = periodSlots(period, zone, minutes);
    const rows = ['timestamp,value'];
    for (let i = 0; i < bp.slotCount - drop; i++) {
        const wh = 50 + ((i * 37) % 200);
        const t = new Date(bp.startMs + i * minutes * 60_000).toISOString().replace('.000Z', 'Z');
        rows.push(`${t},${kwh ? (wh / 1000).toFixed(3) : String(wh)}`);
    }
    return rows.join('\n') + '\n';
}

export const tariff = (
    id: string,
    version: number,
    zone: string,
    price: number,
    provider = 'acme',
): string =>
    JSON.stringify({
        format: 'femeter-tariff/1',
        id,
        version,
        name: `${id} v${String(version)}`,
        provider,
        timeZone: zone,
        currencyUnit: 'µEUR',
        kind: 'flat',
        price,
    });

/** The path of a name in a test's temporary directory. */
export type Paths = (name: string) => string;

/**
 * A temporary directory for the enclosing `describe`, made before its tests and removed after
 * them, after `cleanup` (stopping what still uses it).
 */
export function suiteDir(prefix: string, cleanup?: () => unknown): Paths {
    let dir = '';
    before(() => {
        dir = mkdtempSync(join(tmpdir(), prefix));
    });
    after(async () => {
        try {
            await cleanup?.();
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
    return (name) => join(dir, name);
}

/** A party of a deployment (not the operator): its `femeter init` role and its id. */
export type Party = readonly [
    role: 'provider' | 'customer' | 'meter' | 'survey' | 'auditor' | 'grid',
    id: string,
];

/**
 * A deployment's parties, each in the directory `d(id)`: `femeter init` of the operator `op` and
 * of each party (on the ledger that `engine` names: `--ledger L`, or the Fabric flags), `operator
 * bootstrap`, and `operator register` of each party but the meters (they need an owner:
 * `registerMeter`).
 */
export async function initParties(
    d: Paths,
    engine: string,
    parties: readonly Party[],
): Promise<void> {
    await ok(`init --role operator --id op --dir ${d('op')} ${engine}`);
    for (const [role, id] of parties)
        await ok(`init --role ${role} --id ${id} --dir ${d(id)} ${engine}`);
    await ok(`operator bootstrap --dir ${d('op')}`);
    for (const [role, id] of parties)
        if (role !== 'meter')
            await ok(
                `operator register --dir ${d('op')} --request ${d(`${id}/registration.json`)}`,
            );
}

/** The operator (`d('op')`) registers `meter` (made by `initParties`) for `owner`, with `flags`. */
export async function registerMeter(
    d: Paths,
    meter: string,
    owner: string,
    flags = '',
): Promise<void> {
    await ok(
        `operator register --dir ${d('op')} --request ${d(`${meter}/registration.json`)} --owner ${owner} ${flags}`.trim(),
    );
}

/** `provider` (`d(provider)`) publishes the flat tariff `id`@`version` (see `tariff`). */
export async function publishTariff(
    d: Paths,
    provider: string,
    id: string,
    version: number,
    zone: string,
    price: number,
): Promise<void> {
    const f = d(`${id}-${String(version)}.json`);
    writeFileSync(f, tariff(id, version, zone, price, provider));
    await ok(`provider publish-tariff --dir ${d(provider)} --file ${f}`);
}

/**
 * The surveyor requests, with `lab` (its --dir, --meter and --period flags), survey s1 of the
 * period's total and survey s2 of an aggregate that isolates slots beside a tariff's key
 * (ALMOST_ALL, written to `d('almost.json')`): beside an accepted tariff's key the guard refuses
 * s2.
 */
export async function requestTotalAndIsolating(d: Paths, lab: string): Promise<void> {
    await ok(`survey request ${lab} --id s1 --total --purpose load-study`);
    const spec = d('almost.json');
    writeFileSync(spec, JSON.stringify(ALMOST_ALL));
    await ok(`survey request ${lab} --id s2 --spec ${spec} --purpose night`);
}

/**
 * The `meter run` arguments of an agent recording into `meterDir` from the interval CSV `feed`
 * as it grows, on the source's clock: closing a period an hour after its end with substitutes
 * for missing slots, opening the next a day ahead, polling every 100 ms.
 */
export const followFileArgs = (meterDir: string, feed: string): string[] => [
    '--dir',
    meterDir,
    '--source',
    feed,
    '--kind',
    'csv-interval',
    '--clock',
    'source',
    '--substitute-missing',
    '--close-after-minutes',
    '60',
    '--open-ahead-hours',
    '24',
    '--poll-ms',
    '100',
];

/**
 * `provider run` posts exactly `tariffs`, and `customer bills` finds one bill for the period equal
 * to the customer's own decrypted total.
 */
export async function billsMatch(
    provider: string,
    customer: string,
    meter: string,
    period: string,
    tariffs: readonly string[],
): Promise<void> {
    const run = JSON.parse(await ok(`provider run --dir ${provider}`)) as {
        bills: { tariff: string }[];
    };
    assert.deepEqual(run.bills.map((b) => b.tariff).sort(), [...tariffs].sort());
    const r = JSON.parse(
        await ok(`customer bills --dir ${customer} --meter ${meter} --period ${period}`),
    ) as { bills: { ok: boolean; bill: string; ownReadingsGive: string }[] };
    assert.equal(r.bills.length, 1);
    assert.ok(r.bills.every((b) => b.ok && b.bill === b.ownReadingsGive));
}

/** A `femeter meter run` agent in its own process, its JSON-lines events collected. */
export interface Agent {
    readonly child: ChildProcessWithoutNullStreams;
    readonly events: Record<string, unknown>[];
    /** Wait for an event matching `pred` (rejects when the process ends first). */
    waitFor(
        pred: (e: Record<string, unknown>) => boolean,
        what: string,
    ): Promise<Record<string, unknown>>;
    /** SIGTERM, then the exit code. */
    stop(): Promise<number | null>;
    /** SIGKILL (a crash: no clean shutdown), then the exit signal. */
    kill(): Promise<NodeJS.Signals | null>;
    stderr(): string;
}

export function startAgent(args: string[]): Agent {
    const child = spawn(process.execPath, [CLI, 'meter', 'run', ...args], {
        env: { ...process.env, FEMETER_PASSPHRASE: PASS },
        stdio: ['pipe', 'pipe', 'pipe'],
    });
    const events: Record<string, unknown>[] = [];
    let buf = '';
    let err = '';
    let exited: number | null | undefined;
    const waiters: (() => void)[] = [];
    const poke = (): void => {
        for (const w of waiters.splice(0)) w();
    };
    child.stdout.on('data', (b: Buffer) => {
        buf += b.toString();
        let i;
        while ((i = buf.indexOf('\n')) >= 0) {
            const line = buf.slice(0, i);
            buf = buf.slice(i + 1);
            if (line.trim() !== '') events.push(JSON.parse(line) as Record<string, unknown>);
        }
        poke();
    });
    child.stderr.on('data', (b: Buffer) => (err += b.toString()));
    let signal: NodeJS.Signals | null = null;
    const exit = new Promise<number | null>((res) =>
        child.on('exit', (code, sig) => {
            exited = code;
            signal = sig;
            poke();
            res(code);
        }),
    );
    return {
        child,
        events,
        stderr: () => err,
        async waitFor(pred, what) {
            for (;;) {
                const hit = events.find(pred);
                if (hit !== undefined) return hit;
                if (exited !== undefined)
                    throw new Error(`agent exited (${String(exited)}) before ${what}: ${err}`);
                await new Promise<void>((r) => waiters.push(r));
            }
        },
        async stop() {
            if (exited === undefined) child.kill('SIGTERM');
            return exit;
        },
        async kill() {
            if (exited === undefined) child.kill('SIGKILL');
            await exit;
            return signal;
        },
    };
}
