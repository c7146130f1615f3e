// SPDX-License-Identifier: Apache-2.0
/**
 * `femeter meter run --dir` with several channels: import 1-0:1.8.0 and export 1-0:2.8.0 read
 * from one D0 telegram log, each channel its own register, cursor, epochs and keys, both sharing
 * the meter's outbox and sequence. Hostile input: a line that is not a telegram (rejected for
 * both channels), a telegram with the import register only (rejected for the export channel
 * only), a channel the meter is not registered with, a malformed channel spec.
 */
import { strict as assert } from 'node:assert';
import { readFileSync, writeFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import { writeD0 } from '../../roles/meter/sources/writers.js';
import { initParties, ok, refused, registerMeter, startAgent, suiteDir } from './party-cli.js';

const IMPORT = '1-0:1.8.0';
const EXPORT = '1-0:2.8.0';
const Q = 15 * 60_000;

/** A register at boundary k growing by `inc(j)` in slot j. */
const register =
    (base: number, inc: (j: number) => number) =>
    (k: number): number => {
        let r = base;
        for (let j = 0; j < k; j++) r += inc(j);
        return r;
    };
/** Import grows 40..239 Wh a slot, export 0..29 Wh. */
const regImport = register(1_000_000, (j) => 40 + ((j * 37) % 200));
const regExport = register(500_000, (j) => (j * 7) % 30);

const kwh = (wh: number): string => (wh / 1000).toFixed(3).padStart(10, '0');

function telegram(tMs: number, sets: [string, number][]): string {
    const d0 = String.fromCharCode(
        ...writeD0({
            stx: true,
            sets: sets.map(([address, wh]) => ({
                address,
                values: [{ raw: kwh(wh), unit: 'kWh' }],
            })),
        }),
    );
    return JSON.stringify({ t: new Date(tMs).toISOString(), d0 });
}

/** Run the agent until its events satisfy `until` (or it exits); SIGTERM; events and exit code. */
async function runAgent(
    args: string[],
    until: (events: Record<string, unknown>[]) => boolean,
): Promise<{ code: number | null; events: Record<string, unknown>[]; stderr: string }> {
    const agent = startAgent(args);
    // a stuck agent fails the test with what it logged instead of hanging it
    const guard = setTimeout(() => void agent.kill(), 180_000);
    // an agent that exits first is reported by its exit code below
    await agent.waitFor(() => until(agent.events), 'until').catch(() => undefined);
    const code = await agent.stop();
    clearTimeout(guard);
    return { code, events: agent.events, stderr: agent.stderr() };
}

describe('femeter meter run --dir with two channels from one telegram log', () => {
    const d = suiteDir('femeter-meter-channels-');

    it('records import and export as separate channels sharing one sequence', async () => {
        await initParties(d, `--ledger ${d('ledger')}`, [
            ['customer', 'alice'],
            ['meter', 'm1'],
        ]);
        await registerMeter(
            d,
            'm1',
            'alice',
            `--channel ${IMPORT},Wh,electricity --channel ${EXPORT},Wh,electricity`,
        );
        for (const ch of [IMPORT, EXPORT])
            await ok(
                `customer publish-mpks --dir ${d('alice')} --meter m1 --channel ${ch} --from 2024-03 --count 1`,
            );

        // the first day of March and one more sample; a line that is no telegram after
        // boundary 10, and at boundary 20 a telegram with the import register only
        const bp = periodSlots('2024-03', 'Europe/Berlin', 15);
        const lines: string[] = [];
        for (let k = 0; k <= 97; k++) {
            const t = bp.startMs + k * Q;
            if (k === 20) lines.push(telegram(t, [['1.8.0', regImport(k)]]));
            else
                lines.push(
                    telegram(t, [
                        ['1.8.0', regImport(k)],
                        ['2.8.0', regExport(k)],
                    ]),
                );
            if (k === 10) lines.push('{"t":"2024-03-01T00:00:00Z","d0":"garbage, no telegram"}');
        }
        const log = d('d0.log');
        writeFileSync(log, lines.join('\n') + '\n');
        const base = [
            '--dir',
            d('m1'),
            '--source',
            log,
            '--kind',
            'd0-log',
            '--substitute-missing',
            '--poll-ms',
            '100',
        ];

        // hostile: a channel the meter does not have; a spec with an unknown key
        await refused(
            `meter run ${base.join(' ')} --channel ${IMPORT} --channel 1-0:3.8.0`,
            /meter m1 has no channel 1-0:3\.8\.0 \(registered: 1-0:1\.8\.0, 1-0:2\.8\.0\)/,
        );
        await refused(
            `meter run ${base.join(' ')} --channel ${EXPORT},register=2.8.0`,
            /"register=2\.8\.0" is not obis=…, source=… or kind=…/,
        );

        // the system clock is long past March: both channels close March with substitutes
        const closedBoth = (events: Record<string, unknown>[]): boolean =>
            [IMPORT, EXPORT].every((ch) =>
                events.some((e) => e.event === 'closed' && e.channel === ch),
            );
        const run = await runAgent(
            [...base, '--channel', `${IMPORT},obis=1.8.0`, '--channel', `${EXPORT},obis=2.8.0`],
            closedBoth,
        );
        assert.equal(run.code, 0, run.stderr + JSON.stringify(run.events));
        assert.ok(closedBoth(run.events), JSON.stringify(run.events.slice(-5)));
        const rejected = run.events.filter((e) => e.event === 'line-rejected');
        // the garbage line for both channels, the import-only telegram for export alone
        assert.deepEqual(
            rejected.map((e) => e.channel).sort(),
            [IMPORT, EXPORT, EXPORT].sort(),
            JSON.stringify(rejected),
        );
        assert.ok(rejected.some((e) => e.channel === EXPORT && String(e.reason).includes('2.8.0')));

        // each channel decrypts to its own register's energy (the customer's own keys per channel)
        const own = async (ch: string): Promise<{ value: string; status: number }[]> =>
            (
                JSON.parse(
                    await ok(
                        `customer readings --dir ${d('alice')} --meter m1 --channel ${ch} --period 2024-03 --format json`,
                    ),
                ) as { readings: { value: string; status: number }[] }
            ).readings;
        const imp = await own(IMPORT);
        const exp = await own(EXPORT);
        assert.equal(imp.length, bp.slotCount);
        assert.equal(exp.length, bp.slotCount);
        const sum = (rs: { value: string }[], n: number): bigint =>
            rs.slice(0, n).reduce((s, r) => s + BigInt(r.value), 0n);
        // 96 slots of the first day (the 98th sample closes slot 95); the rest substitutes
        assert.equal(sum(imp, 96), BigInt(regImport(96) - regImport(0)));
        assert.equal(sum(exp, 96), BigInt(regExport(96) - regExport(0)));
        for (let k = 0; k < 96; k++)
            if (k !== 19 && k !== 20)
                assert.equal(BigInt(imp[k]?.value ?? -1), BigInt(regImport(k + 1) - regImport(k)));
        assert.notEqual(sum(imp, 96), sum(exp, 96));

        // one outbox, one sequence: every slot of both channels numbered once
        const status = JSON.parse(await ok(`meter status --dir ${d('m1')}`)) as {
            lastSeq: number;
            pending: number;
        };
        assert.equal(status.pending, 0);
        assert.equal(status.lastSeq, 2 * bp.slotCount);
        const state = JSON.parse(readFileSync(d('m1/run-state.json'), 'utf8')) as {
            channels: Record<string, { closed: string[] }>;
        };
        assert.deepEqual(Object.keys(state.channels).sort(), [IMPORT, EXPORT]);
        assert.deepEqual(state.channels[EXPORT]?.closed, ['2024-03']);

        // a restart with the same channels records nothing twice
        const again = await runAgent(
            [...base, '--channel', `${IMPORT},obis=1.8.0`, '--channel', `${EXPORT},obis=2.8.0`],
            (events) => events.some((e) => e.event === 'start'),
        );
        assert.equal(again.code, 0, again.stderr);
        const st2 = JSON.parse(await ok(`meter status --dir ${d('m1')}`)) as { lastSeq: number };
        assert.equal(st2.lastSeq, 2 * bp.slotCount);
    });
});
