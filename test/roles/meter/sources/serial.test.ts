// SPDX-License-Identifier: Apache-2.0
/**
 * `femeter meter run` on a real serial line: a pseudo-terminal pair made by `socat` stands for the
 * optical head or P1 cable; the test plays the meter on one end (through the `serialport`
 * package) and runs the CLI on the other. Telegrams are replayed at meter speed, split at random
 * byte boundaries, with noise and a corrupted telegram in between; D0 mode C is driven through
 * its request, identification, acknowledgement and baud-rate change-over.
 *
 * Needs `socat` (Debian package; `.ci/run` installs it). Without it the test is skipped, except in
 * CI (`CI` set), where it fails.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { SerialPort } from 'serialport';
import { concat, dsmrStamp, splitAt, withParity, writeD0, writeDsmr } from './writers.js';
import { entry, meterFrame, u } from './sml.helpers.js';

const CLI = join(dirname(fileURLToPath(import.meta.url)), '../../../../src/apps/cli/femeter.js');
const haveSocat = spawnSync('socat', ['-V'], { stdio: 'ignore' }).status === 0;
if (!haveSocat && process.env.CI !== undefined)
    throw new Error('socat is required for the serial-line test in CI (apt-get install socat)');

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface Pair {
    readonly meterPath: string;
    readonly readerPath: string;
    readonly proc: ChildProcess;
}

async function ptyPair(dir: string, name: string): Promise<Pair> {
    const meterPath = join(dir, `${name}-meter`);
    const readerPath = join(dir, `${name}-reader`);
    const proc = spawn(
        'socat',
        [`pty,raw,echo=0,link=${meterPath}`, `pty,raw,echo=0,link=${readerPath}`],
        { stdio: 'ignore' },
    );
    for (let k = 0; k < 200 && !(existsSync(meterPath) && existsSync(readerPath)); k++)
        await sleep(25);
    assert.ok(existsSync(meterPath) && existsSync(readerPath), 'socat made no pty pair');
    return { meterPath, readerPath, proc };
}

async function openMeter(path: string): Promise<SerialPort> {
    const port = new SerialPort({ path, baudRate: 9600, autoOpen: false });
    await new Promise<void>((res, rej) => {
        port.open((e) => {
            if (e) rej(e);
            else res();
        });
    });
    return port;
}

/** Writes bytes in chunks cut at random points, paced like a line of `baud` bits/s (10 bits a byte). */
async function replay(
    port: SerialPort,
    bytes: Uint8Array,
    seed: number,
    baud: number,
): Promise<void> {
    const [cuts] = fc.sample(fc.array(fc.nat({ max: bytes.length }), { maxLength: 60 }), {
        seed,
        numRuns: 1,
    });
    for (const chunk of splitAt(bytes, cuts ?? [])) {
        if (chunk.length === 0) continue;
        await new Promise<void>((res, rej) =>
            port.write(Buffer.from(chunk), (e) => {
                if (e) rej(e);
                else
                    port.drain(() => {
                        res();
                    });
            }),
        );
        await sleep(Math.ceil((chunk.length * 10 * 1000) / baud));
    }
}

/** Runs the CLI on the reader end; resolves with its JSON lines once it prints `listening`. */
function runCli(args: string[]): {
    ready: Promise<void>;
    done: Promise<{ code: number | null; lines: Record<string, unknown>[]; stderr: string }>;
    proc: ChildProcess;
} {
    const proc = spawn(process.execPath, [CLI, 'meter', 'run', ...args], {
        stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: Record<string, unknown>[] = [];
    let out = '';
    let stderr = '';
    let onReady: () => void = () => undefined;
    const ready = new Promise<void>((res) => (onReady = res));
    proc.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        let nl;
        while ((nl = out.indexOf('\n')) >= 0) {
            const l = out.slice(0, nl);
            out = out.slice(nl + 1);
            const o = JSON.parse(l) as Record<string, unknown>;
            lines.push(o);
            if ('listening' in o) onReady();
        }
    });
    proc.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const done = new Promise<{
        code: number | null;
        lines: Record<string, unknown>[];
        stderr: string;
    }>((res) =>
        proc.on('exit', (code) => {
            onReady();
            res({ code, lines, stderr });
        }),
    );
    return { ready, done, proc };
}

describe(
    'femeter meter run on a pseudo-terminal pair',
    { skip: haveSocat ? false : 'socat not installed' },
    () => {
        let dir = '';
        const procs: ChildProcess[] = [];
        const ports: SerialPort[] = [];
        before(() => {
            dir = mkdtempSync(join(tmpdir(), 'femeter-serial-'));
        });
        after(async () => {
            for (const p of ports)
                if (p.isOpen)
                    await new Promise<void>((r) => {
                        p.close(() => {
                            r();
                        });
                    });
            for (const p of procs) if (p.exitCode === null) p.kill();
            rmSync(dir, { recursive: true, force: true });
        });

        it('DSMR P1: telegrams split at random bytes, noise and a bad CRC in between; slots close', async () => {
            const pair = await ptyPair(dir, 'p1');
            procs.push(pair.proc);
            const t0 = Date.UTC(2024, 2, 1, 10, 0);
            const regs = [1_000_000n, 1_000_250n, 1_000_900n, 1_001_000n];
            const kwh = (wh: bigint): string =>
                `${(wh / 1000n).toString().padStart(6, '0')}.${(wh % 1000n).toString().padStart(3, '0')}`;
            const telegram = (k: number, badCrc = false): Uint8Array =>
                writeDsmr({
                    lines: [
                        `0-0:1.0.0(${dsmrStamp(t0 + k * 900_000)})`,
                        `1-0:1.8.1(${kwh(regs[k]! - 400_000n)}*kWh)`,
                        '1-0:1.8.2(400.000*kWh)',
                        '1-0:1.7.0(00.420*kW)',
                    ],
                    badCrc,
                });
            const stream = concat(
                Uint8Array.of(0x30, 0x2d, 0x30), // the port opened mid-telegram
                telegram(0),
                telegram(1),
                Uint8Array.of(0xff, 0xff),
                telegram(2, true),
                telegram(2),
                telegram(3),
            );
            const meter = await openMeter(pair.meterPath);
            ports.push(meter);
            const cli = runCli(['--serial', pair.readerPath, '--format', 'dsmr', '--count', '4']);
            procs.push(cli.proc);
            await cli.ready;
            await replay(meter, stream, 42, 115_200);
            const { code, lines, stderr } = await cli.done;
            assert.equal(code, 0, stderr);
            assert.deepEqual(lines[0], {
                listening: pair.readerPath,
                format: 'dsmr',
                baud: 115_200,
                obis: '1-0:1.8.1*255+1-0:1.8.2*255',
            });
            const tele = lines.filter((l) => 'telegram' in l);
            assert.deepEqual(
                tele.map((l) => l.value),
                regs.map(String),
            );
            assert.deepEqual(
                tele.map((l) => l.time),
                regs.map((_, k) => new Date(t0 + k * 900_000).toISOString()),
            );
            assert.ok(tele.every((l) => l.integrity === 'crc' && l.unit === 'Wh'));
            const rejected = lines.filter((l) => 'rejected' in l);
            assert.equal(rejected.length, 1);
            assert.match(String(rejected[0]?.rejected), /^P1 telegram: CRC mismatch/);
            assert.equal(
                lines.filter((l) => 'noise' in l).reduce((n, l) => n + Number(l.noise), 0),
                5,
            );
            assert.deepEqual(
                lines.filter((l) => 'slot' in l).map((l) => [l.slot, l.wh]),
                [
                    [new Date(t0).toISOString(), '250'],
                    [new Date(t0 + 900_000).toISOString(), '650'],
                    [new Date(t0 + 1_800_000).toISOString(), '100'],
                ],
            );
        });

        it('SML push: frames split at random bytes', async () => {
            const pair = await ptyPair(dir, 'sml');
            procs.push(pair.proc);
            const frames = [5n, 17n, 30n].map((v) =>
                meterFrame([
                    entry('1-0:1.8.0*255', u(v * 10_000n, 8), 30, -1),
                    entry('1-0:16.7.0*255', u(230, 2), 27, 0),
                ]),
            );
            const meter = await openMeter(pair.meterPath);
            ports.push(meter);
            const cli = runCli(['--serial', pair.readerPath, '--format', 'sml', '--count', '3']);
            procs.push(cli.proc);
            await cli.ready;
            await replay(meter, concat(Uint8Array.of(0x1b, 0x00), ...frames), 7, 9600);
            const { code, lines, stderr } = await cli.done;
            assert.equal(code, 0, stderr);
            assert.deepEqual(
                lines.filter((l) => 'telegram' in l).map((l) => l.value),
                ['5000', '17000', '30000'],
            );
        });

        it('D0 mode C: request, identification, ACK with the baud-rate change-over, data block with BCC', async () => {
            const pair = await ptyPair(dir, 'd0');
            procs.push(pair.proc);
            const meter = await openMeter(pair.meterPath);
            ports.push(meter);
            const heard: string[] = [];
            let readouts = 0;
            let rx = '';
            meter.on('data', (d: Buffer) => {
                rx += String.fromCharCode(...[...d].map((b) => b & 0x7f));
                let nl;
                while ((nl = rx.indexOf('\r\n')) >= 0) {
                    const msg = rx.slice(0, nl);
                    rx = rx.slice(nl + 2);
                    heard.push(msg);
                    if (msg === '/?!')
                        void replay(
                            meter,
                            Uint8Array.from('/LGZ5ZMF100AC.M29\r\n', (c) =>
                                withParity(c.charCodeAt(0)),
                            ),
                            1,
                            300,
                        );
                    else if (msg === '\x06050') {
                        readouts++;
                        const data = writeD0({
                            manufacturer: 'LGZ',
                            stx: true,
                            parity: true, // 7E1 as sent on the line
                            sets: [
                                {
                                    address: '1.8.1',
                                    values: [{ raw: `00${readouts}234.5678`, unit: 'kWh' }],
                                },
                                {
                                    address: '1.8.2',
                                    values: [{ raw: '0000100.0000', unit: 'kWh' }],
                                },
                                { address: 'F.F', values: [{ raw: '00' }] },
                            ],
                        });
                        // the identification line was already sent: send from STX on, after the
                        // meter's reaction time (IEC 62056-21: at least 200 ms after the ACK)
                        const block = data.subarray(data.indexOf(0x82));
                        const seed = readouts;
                        void sleep(400).then(() => replay(meter, block, seed, 9600));
                    }
                }
            });
            const cli = runCli([
                '--serial',
                pair.readerPath,
                '--format',
                'd0',
                '--d0-request',
                '--poll-seconds',
                '1',
                '--count',
                '2',
                '--obis',
                '1.8.1+1.8.2',
            ]);
            procs.push(cli.proc);
            const { code, lines, stderr } = await cli.done;
            assert.equal(code, 0, stderr);
            assert.deepEqual(lines[0], {
                listening: pair.readerPath,
                format: 'd0',
                baud: 300,
                obis: '1-0:1.8.1*255+1-0:1.8.2*255',
            });
            assert.deepEqual(heard, ['/?!', '\x06050', '/?!', '\x06050']);
            const tele = lines.filter((l) => 'telegram' in l);
            assert.deepEqual(
                tele.map((l) => [l.telegram, l.integrity, l.value]),
                [
                    ['LGZ5ZMF100AC.M29', 'bcc', '1334567'],
                    ['LGZ5ZMF100AC.M29', 'bcc', '2334567'],
                ],
            );
        });

        it('refuses a device that does not exist, saying what to check', () => {
            const r = spawnSync(
                process.execPath,
                [CLI, 'meter', 'run', '--serial', join(dir, 'nope'), '--format', 'dsmr'],
                { encoding: 'utf8' },
            );
            assert.equal(r.status, 1);
            assert.match(
                r.stderr,
                /cannot open .*nope: .*; check the device path and permissions \(group dialout\)/,
            );
            const bad = spawnSync(
                process.execPath,
                [CLI, 'meter', 'run', '--serial', join(dir, 'nope'), '--format', 'mbus'],
                { encoding: 'utf8' },
            );
            assert.match(bad.stderr, /unknown meter format "mbus"; known: d0, dsmr, sml/);
            const cli = (...a: string[]): string =>
                spawnSync(
                    process.execPath,
                    [CLI, 'meter', 'run', '--serial', join(dir, 'nope'), ...a],
                    { encoding: 'utf8' },
                ).stderr;
            assert.match(
                cli('--format', 'd0', '--medium', 'x'),
                /--medium must be an OBIS medium 0\.\.255/,
            );
            assert.match(
                cli('--format', 'dsmr', '--d0-request'),
                /--d0-request is for --format d0/,
            );
            assert.match(cli('--format', 'd0', '--baud', '0'), /--baud must be a positive integer/);
            assert.match(cli('--format', 'd0', '--obis', 'F.F'), /"F\.F" is not an OBIS code/);
            assert.match(
                spawnSync(process.execPath, [CLI, 'meter', 'run'], { encoding: 'utf8' }).stderr,
                /usage: femeter meter run --serial/,
            );
        });
    },
);
