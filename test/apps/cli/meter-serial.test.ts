// SPDX-License-Identifier: Apache-2.0
/**
 * `femeter meter run --serial DEVICE --dir DIR`: the live reader recording into a meter's party
 * directory. No serial device exists here: a pseudo-terminal pair made by `socat` stands in for
 * it (the agent opens one end as its serial port, the test writes DSMR P1 telegrams, with their
 * own timestamps, into the other). A telegram with a bad CRC is refused and reported; the slots
 * between telegrams are encrypted, signed and recorded, and the customer decrypts them.
 * Skipped when `socat` is not installed.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, openSync, writeSync, closeSync } from 'node:fs';
import { describe, it } from 'node:test';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import { dsmrStamp, writeDsmr } from '../../roles/meter/sources/writers.js';
import { initParties, ok, refused, registerMeter, startAgent, suiteDir } from './party-cli.js';

const Q = 15 * 60_000;
const hasSocat = spawnSync('socat', ['-V']).status === 0;

/** Import register (Wh) at boundary k: 100..299 Wh a slot. */
const reg = (k: number): number => {
    let r = 2_000_000;
    for (let j = 0; j < k; j++) r += 100 + ((j * 53) % 200);
    return r;
};

describe(
    'femeter meter run --serial --dir (a pty standing in for the device)',
    { skip: !hasSocat },
    () => {
        let socat: ChildProcess | undefined;
        const d = suiteDir('femeter-meter-serial-', () => socat?.kill('SIGTERM'));

        it('records the slots of live telegrams into the meter directory', async () => {
            await initParties(d, `--ledger ${d('ledger')}`, [
                ['customer', 'alice'],
                ['meter', 'm1'],
            ]);
            await registerMeter(d, 'm1', 'alice');
            await ok(
                `customer publish-mpks --dir ${d('alice')} --meter m1 --from 2024-03 --count 1`,
            );

            socat = spawn('socat', [
                `pty,raw,echo=0,link=${d('tty-meter')}`,
                `pty,raw,echo=0,link=${d('tty-agent')}`,
            ]);
            for (
                let i = 0;
                i < 100 && !(existsSync(d('tty-meter')) && existsSync(d('tty-agent')));
                i++
            )
                await new Promise((r) => setTimeout(r, 50));
            assert.ok(existsSync(d('tty-agent')), 'socat made the pty pair');

            // hostile: a channel the meter does not have
            await refused(
                `meter run --serial ${d('tty-agent')} --format dsmr --dir ${d('m1')} --channel 1-0:2.8.0 --obis 1-0:1.8.1`,
                /meter m1 has no channel 1-0:2\.8\.0/,
            );

            const agent = startAgent([
                '--serial',
                d('tty-agent'),
                '--format',
                'dsmr',
                '--dir',
                d('m1'),
                '--obis',
                '1-0:1.8.1',
            ]);
            const events = agent.events;
            // a stuck agent fails the test with what it logged instead of hanging it
            const guard = setTimeout(() => void agent.kill(), 180_000);
            // an agent that exits first is reported by its exit code below
            const unlessExited = (p: Promise<unknown>): Promise<unknown> =>
                p.catch(() => undefined);
            await unlessExited(agent.waitFor((e) => e.listening !== undefined, 'listening'));

            const bp = periodSlots('2024-03', 'Europe/Berlin', 15);
            const tty = openSync(d('tty-meter'), 'w');
            const send = (k: number, badCrc = false): void => {
                const t = bp.startMs + k * Q;
                writeSync(
                    tty,
                    writeDsmr({
                        lines: [
                            `0-0:1.0.0(${dsmrStamp(t)})`,
                            `1-0:1.8.1(${(reg(k) / 1000).toFixed(3).padStart(10, '0')}*kWh)`,
                        ],
                        badCrc,
                    }),
                );
            };
            // boundaries 0..8, one telegram corrupted on the line (bad CRC) in between
            for (let k = 0; k <= 8; k++) {
                send(k);
                if (k === 3) send(3, true);
                await new Promise((r) => setTimeout(r, 30));
            }
            await unlessExited(agent.waitFor((e) => e.event === 'recorded', 'a recording'));
            // the agent records each batch as it comes; wait for the eight slots, then stop it
            for (let i = 0; i < 200; i++) {
                const n = events
                    .filter((e) => e.event === 'recorded')
                    .reduce((s, e) => s + Number(e.recorded), 0);
                if (n >= 8) break;
                await new Promise((r) => setTimeout(r, 100));
            }
            closeSync(tty);
            const code = await agent.stop();
            clearTimeout(guard);
            assert.equal(code, 0, agent.stderr() + JSON.stringify(events));
            assert.ok(
                events.some((e) => typeof e.rejected === 'string'),
                JSON.stringify(events),
            );
            const total = events
                .filter((e) => e.event === 'recorded')
                .reduce((s, e) => s + Number(e.recorded), 0);
            assert.equal(total, 8, JSON.stringify(events));

            // the customer decrypts exactly the meter's energies from the telegrams
            const own = JSON.parse(
                await ok(
                    `customer readings --dir ${d('alice')} --meter m1 --period 2024-03 --format json`,
                ),
            ) as { readings: { slot: number; value: string }[] };
            assert.deepEqual(
                own.readings.map((r) => [r.slot, BigInt(r.value)]),
                Array.from({ length: 8 }, (_, k) => [k, BigInt(reg(k + 1) - reg(k))]),
            );
        });
    },
);
