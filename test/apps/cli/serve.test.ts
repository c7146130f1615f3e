// SPDX-License-Identifier: Apache-2.0
/**
 * `femeter serve` through the built CLI: a tiny demo world served on a free port of 127.0.0.1
 * answers /health and /openapi.json; `femeter customer bills --gateway URL` checks the customer's
 * bills through it; `femeter wallet --gateway` prints the wallet file; a bad --gateway URL and a
 * bad --port are refused with what to do; serve runs relaunched with glibc's malloc arenas capped
 * (MALLOC_ARENA_MAX=2, unless set); SIGTERM stops the service with exit code 0.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { openWalletFile } from '../../../src/apps/gateway/wallet-file.js';

const CLI = fileURLToPath(new URL('../../../src/apps/cli/femeter.js', import.meta.url));

interface Run {
    code: number;
    stdout: string;
    stderr: string;
}

function femeter(args: readonly string[]): Promise<Run> {
    return new Promise((res, rej) => {
        const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
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

/** Start `femeter serve` and resolve with its URL (the first stdout line) once it listens. */
function startServe(data: string): Promise<{
    child: ChildProcessWithoutNullStreams;
    url: string;
    pid: number;
    stderr: () => string;
}> {
    return new Promise((res, rej) => {
        const child = spawn(process.execPath, [CLI, 'serve', '--data', data, '--port', '0']);
        let out = '';
        let err = '';
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        child.stdout.on('data', (b: Buffer) => {
            out += b.toString();
            const line = out.split('\n')[0];
            if (out.includes('\n') && line !== undefined) {
                const { url, pid } = JSON.parse(line) as { url: string; pid: number };
                res({ child, url, pid, stderr: () => err });
            }
        });
        child.on('error', rej);
        child.on('exit', (code) => {
            rej(new Error(`femeter serve exited with ${String(code)} before listening: ${err}`));
        });
    });
}

describe('femeter serve (built CLI)', () => {
    let dir: string;
    let data: string;
    let served: Awaited<ReturnType<typeof startServe>> | undefined;

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-serve-'));
        data = join(dir, 'world');
        const demo = await femeter(['demo', '--customers', '2', '--data', data, '--quiet']);
        assert.equal(demo.code, 0, demo.stderr);
        served = await startServe(data);
    });
    after(async () => {
        const s = served;
        if (s?.child.exitCode === null && s.child.signalCode === null) {
            const exited = new Promise((r) => s.child.once('exit', r));
            s.child.kill('SIGTERM');
            await exited;
        }
        rmSync(dir, { recursive: true, force: true });
    });

    it('answers /health and /openapi.json on 127.0.0.1', async () => {
        assert.ok(served);
        assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const health = await fetch(`${served.url}/health`);
        assert.equal(health.status, 200);
        const h = (await health.json()) as { status: string; channel: string };
        assert.equal(h.status, 'ok');
        const api = await fetch(`${served.url}/openapi.json`);
        assert.equal(api.status, 200);
        const doc = (await api.json()) as { openapi: string; paths: Record<string, unknown> };
        assert.match(doc.openapi, /^3\.1/);
        assert.ok(Object.keys(doc.paths).length > 0);
    });

    it('customer bills --gateway checks every bill through the service', async () => {
        assert.ok(served);
        const r = await femeter([
            'customer',
            'bills',
            '--customer',
            'customer-0001',
            '--gateway',
            served.url,
            '--data',
            data,
        ]);
        assert.equal(r.code, 0, r.stderr);
        const lines = r.stdout.trim().split('\n');
        assert.ok(lines.length >= 1, r.stdout);
        for (const l of lines) assert.match(l, /proof valid → OK$/);
    });

    it('wallet --gateway prints the wallet file of a customer, sealed with a passphrase', async () => {
        assert.ok(served);
        const passFile = join(data, 'wallet.pass');
        writeFileSync(passFile, 'correct horse battery\n');
        const r = await femeter([
            'wallet',
            '--party',
            'customer-0001',
            '--gateway',
            served.url,
            '--data',
            data,
            '--passphrase-file',
            passFile,
        ]);
        assert.equal(r.code, 0, r.stderr);
        assert.equal((JSON.parse(r.stdout) as { format?: string }).format, 'femeter-keyfile/1');
        assert.doesNotMatch(r.stdout, /ledgerKey/);
        await assert.rejects(openWalletFile(r.stdout, 'wrong horse battery'), /wrong passphrase/);
        const w = (await openWalletFile(r.stdout, 'correct horse battery')) as unknown as Record<
            string,
            string
        >;
        assert.equal(w.femeter, 'wallet/1');
        assert.equal(w.role, 'customer');
        assert.match(w.ledgerKey ?? '', /^[0-9a-f]{64}$/);
        assert.match(w.root ?? '', /^[0-9a-f]{64}$/);
    });

    it('refuses a bad --gateway, --gateway with --dir, and a bad --port', async () => {
        const bad = await femeter(['verify', '--gateway', 'ftp://x', '--data', data]);
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /^femeter: --gateway ftp:\/\/x is not an http\(s\) URL — /m);
        const dirToo = await femeter([
            'customer',
            'bills',
            '--dir',
            dir,
            '--gateway',
            'http://127.0.0.1:1',
        ]);
        assert.notEqual(dirToo.code, 0);
        assert.match(dirToo.stderr, /--gateway is for the demo world/);
        const port = await femeter(['serve', '--data', data, '--port', '70000']);
        assert.notEqual(port.code, 0);
        assert.match(port.stderr, /^femeter: --port 70000 is not a port — /m);
    });

    it('runs in a child with MALLOC_ARENA_MAX=2 unless the variable is set', () => {
        const s = served;
        assert.ok(s);
        const environ = readFileSync(`/proc/${String(s.pid)}/environ`, 'utf8').split('\0');
        if (process.env.MALLOC_ARENA_MAX === undefined) {
            assert.notEqual(s.pid, s.child.pid, 'serve runs in a relaunched child');
            assert.ok(environ.includes('MALLOC_ARENA_MAX=2'));
        } else {
            assert.equal(s.pid, s.child.pid, 'a set MALLOC_ARENA_MAX runs serve in place');
            assert.ok(environ.includes(`MALLOC_ARENA_MAX=${process.env.MALLOC_ARENA_MAX}`));
        }
    });

    it('stops on SIGTERM with exit code 0', async () => {
        const s = served;
        assert.ok(s);
        const exited = new Promise<number | null>((r) => s.child.once('exit', r));
        s.child.kill('SIGTERM');
        assert.equal(await exited, 0, s.stderr());
        assert.match(s.stderr(), /shutting down/);
    });
});
