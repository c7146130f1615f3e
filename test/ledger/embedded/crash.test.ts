// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/crash
 * Crash safety: a child process submits concurrently and reports each acknowledged (durable) transaction; the
 * parent SIGKILLs it at a random moment (sometimes while it is still opening or creating the ledger), reopens the
 * ledger and checks that every acknowledged transaction is there with its effect, every acknowledged refusal is
 * recorded, `verify` passes (hash chain, signatures, txId index, state = replayed write sets: nothing
 * half-written), and the ledger keeps working. Many rounds on the same ledger. SIGKILL tests process crashes;
 * power loss additionally relies on LevelDB's fsync of its log (`sync: true`).
 */

import '../fixtures/quiet.js';

import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'node:test';

import { connect, openLedger, party, tempDir, text } from '../helpers.js';

const CHILD = fileURLToPath(new URL('../fixtures/crash-child.js', import.meta.url));
const ROUNDS = Number(process.env.LEDGER_CRASH_ROUNDS ?? 20);

interface RoundOutput {
    readonly acked: { txId: string; key: string }[];
    readonly nacked: string[];
    readonly ready: boolean;
}

/** Run the child and SIGKILL it `delayMs` after it is ready (or after spawn when `early`). */
function runChild(dir: string, delayMs: number, early: boolean): Promise<RoundOutput> {
    return new Promise((resolve, reject) => {
        const child = fork(CHILD, [dir, '12'], {
            silent: true,
            env: { ...process.env, CORE_CHAINCODE_LOGGING_LEVEL: 'ERROR' },
        });
        const acked: { txId: string; key: string }[] = [];
        const nacked: string[] = [];
        let ready = false;
        let buffer = '';
        let stderr = '';
        let timer: NodeJS.Timeout | undefined;
        const kill = (): void => {
            child.kill('SIGKILL');
        };
        if (early) timer = setTimeout(kill, delayMs);
        child.stdout?.setEncoding('utf8');
        child.stdout?.on('data', (chunk: string) => {
            buffer += chunk;
            let nl: number;
            while ((nl = buffer.indexOf('\n')) >= 0) {
                const line = buffer.slice(0, nl);
                buffer = buffer.slice(nl + 1);
                const [kind, txId, key] = line.split(' ');
                if (kind === 'ready') {
                    ready = true;
                    if (!early) timer = setTimeout(kill, delayMs);
                } else if (kind === 'ack' && txId !== undefined && key !== undefined)
                    acked.push({ txId, key });
                else if (kind === 'nack' && txId !== undefined) nacked.push(txId);
            }
        });
        child.stderr?.on('data', (chunk: Buffer) => {
            stderr += chunk.toString();
        });
        child.on('error', reject);
        child.on('close', (code, signal) => {
            clearTimeout(timer);
            if (signal !== 'SIGKILL')
                reject(new Error(`child ended with code ${code}, signal ${signal}: ${stderr}`));
            else resolve({ acked, nacked, ready });
        });
    });
}

describe('crash safety', () => {
    it(`keeps every acknowledged transaction and a verifiable ledger over ${ROUNDS} SIGKILLs`, async () => {
        const { dir, cleanup } = await tempDir();
        const path = join(dir, 'ledger');
        const seed = Date.now();
        let state = seed;
        const random = (): number => {
            state = (state * 1103515245 + 12345) % 2 ** 31; // reproducible delays (seed in failures)
            return state / 2 ** 31;
        };
        let totalAcked = 0;
        try {
            for (let round = 0; round < ROUNDS; round++) {
                const early = round % 5 === 0; // kill during start-up / ledger creation now and then
                const delay = early ? Math.floor(random() * 400) : 20 + Math.floor(random() * 350);
                const out = await runChild(path, delay, early);
                totalAcked += out.acked.length;
                if (process.env.LEDGER_CRASH_DEBUG)
                    console.log(
                        round,
                        delay,
                        early,
                        out.ready,
                        out.acked.length,
                        out.nacked.length,
                    );
                const ctx = `round ${round} (seed ${seed}, delay ${delay} ms, early ${early})`;
                if (!out.ready) continue; // killed before the ledger was even open: reopen happens next round

                const ledger = await openLedger(path);
                try {
                    for (const { txId } of out.acked) {
                        const info = await ledger.getTransaction(txId);
                        assert.equal(
                            info?.validationCode,
                            'VALID',
                            `${ctx}: acknowledged ${txId} missing`,
                        );
                    }
                    for (const txId of out.nacked) {
                        const info = await ledger.getTransaction(txId);
                        assert.equal(
                            info?.validationCode,
                            'CONTRACT_ERROR',
                            `${ctx}: acknowledged refusal ${txId} missing`,
                        );
                    }
                    const client = connect(ledger, party('AuditMSP'));
                    for (const { key } of out.acked.slice(-5))
                        assert.equal(text(await client.evaluate('Get', key)), key, ctx);
                    const report = await ledger.verify();
                    assert.equal(report.ok, true, `${ctx}: ${report.reason}`);
                    await client.submit('Put', `after-${round}`, 'ok'); // still writable
                } finally {
                    await ledger.close();
                }
            }
            assert.ok(totalAcked > 0, 'the child never got a transaction acknowledged');
        } finally {
            await cleanup();
        }
    });
});
