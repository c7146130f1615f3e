// SPDX-License-Identifier: Apache-2.0
/**
 * kill -9 of the gateway while meters send: no acknowledged reading is lost (an acknowledgement
 * means the block holding it was durable), and the meters' outboxes resend the rest after the
 * gateway is back, so every slot ends on the ledger exactly once.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import { remoteEngine } from '../../src/apps/gateway/engine.js';
import { MeterAgent } from '../../src/roles/meter/agent.js';
import { FileOutbox } from '../../src/roles/meter/outbox.js';
import { CHANNEL, derive, makeWorld, PERIOD, readingsFor, type World } from '../e2e/world.js';

const CHILD = fileURLToPath(new URL('./serve-child.js', import.meta.url));

function startChild(dir: string, port: number): Promise<{ child: ChildProcess; url: string }> {
    const child = spawn(
        process.execPath,
        [CHILD, join(dir, 'ledger'), String(port), bytesToHex(derive('engine'))],
        { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    return new Promise((resolve, reject) => {
        let out = '';
        child.stdout.on('data', (d: Buffer) => {
            out += d.toString();
            const line = out.split('\n').find((l) => l.startsWith('{"url":'));
            if (line !== undefined)
                resolve({ child, url: (JSON.parse(line) as { url: string }).url });
        });
        child.once('exit', (code) => {
            reject(new Error(`gateway child exited with ${code}`));
        });
    });
}

describe('gateway kill -9 under load', () => {
    let w: World;
    let child: ChildProcess | undefined;
    const outboxes: FileOutbox[] = [];
    before(async () => {
        delete process.env.FEMETER_E2E_ENGINE;
        w = await makeWorld(3);
        // the child process opens the ledger: close it here but keep the directory (w.close()
        // would delete it); `after` removes it
        for (const h of w.households) h.outbox.close();
        await w.engine.close();
    });
    after(async () => {
        for (const o of outboxes) o.close();
        const running = child;
        if (running?.exitCode === null) {
            running.kill('SIGKILL');
            await new Promise((r) => running.once('exit', r));
        }
        rmSync(w.dir, { recursive: true, force: true });
    });

    it('loses no acknowledged reading; outboxes resend the rest', async () => {
        const first = await startChild(w.dir, 0);
        const url = first.url;
        let c = first.child;
        child = c;
        const port = Number(new URL(url).port);
        const engine = await remoteEngine(url, derive('engine'));
        const agents: { agent: MeterAgent; outbox: FileOutbox; meterId: string; slots: number }[] =
            [];
        for (const h of w.households) {
            const outbox = new FileOutbox(h.outboxDir);
            outboxes.push(outbox);
            const p = await engine.connect(h.meterId, 'customers');
            const agent = new MeterAgent({
                api: p.api,
                meterId: h.meterId,
                signingSecret: h.signingSecret,
                meterSeed: h.meterSeed,
                outbox,
                batchSize: 96,
            });
            await agent.openPeriod(CHANNEL, PERIOD);
            const x = readingsFor(h.meterId, PERIOD);
            agent.record(
                CHANNEL,
                PERIOD,
                x.map((value, slot) => ({ slot, value })),
            );
            agents.push({ agent, outbox, meterId: h.meterId, slots: x.length });
        }
        // send concurrently; kill -9 the gateway once some batches are acknowledged
        const flushes = agents.map((a) =>
            a.agent.flush().then(
                () => 'done',
                (e: unknown) => (e as Error).message,
            ),
        );
        while (agents.reduce((s, a) => s + a.outbox.acked, 0) < 3 * 96)
            await new Promise((r) => setTimeout(r, 2));
        c.kill('SIGKILL');
        await new Promise((r) => c.once('exit', r));
        const ackedAtKill = agents.map((a) => a.outbox.acked);
        const outcomes = await Promise.all(flushes);
        assert.ok(
            outcomes.some((o) => o !== 'done'),
            `the kill came too late to interrupt anything: ${outcomes.join(', ')}`,
        );
        // the acknowledgements only grow after the kill if a response was already on its way
        const acked = agents.map((a) => a.outbox.acked);
        ({ child: c } = await startChild(w.dir, port));
        child = c;
        const auditor = await engine.connect('auditor', 'customers');
        for (const [i, a] of agents.entries()) {
            const stored = new Set(
                (await auditor.api.getReadings(a.meterId, CHANNEL, PERIOD)).map((r) => r.seq),
            );
            for (let s = 1; s <= acked[i]!; s++)
                assert.ok(stored.has(s), `${a.meterId}: acknowledged reading seq ${s} is missing`);
            assert.ok(acked[i]! >= ackedAtKill[i]!);
        }
        // the outboxes resend what was not acknowledged; every slot is there exactly once
        for (const a of agents) await a.agent.flush();
        for (const a of agents) {
            const rs = await auditor.api.getReadings(a.meterId, CHANNEL, PERIOD);
            assert.equal(rs.length, a.slots);
            assert.equal(new Set(rs.map((r) => r.slot)).size, a.slots);
            assert.equal(a.outbox.pending().length, 0);
        }
        await engine.close();
        c.kill('SIGTERM');
        await new Promise((r) => c.once('exit', r));
    });
});
