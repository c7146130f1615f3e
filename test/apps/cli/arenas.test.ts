// SPDX-License-Identifier: Apache-2.0
/**
 * The malloc-arena launcher of the `femeter` bin (issue 15): which commands relaunch, that the
 * relaunched child sees MALLOC_ARENA_MAX=2 and never relaunches again, that stdin and stdout reach
 * it, that its exit code and the signal that ended it are the launcher's, and that SIGTERM sent to
 * the launcher reaches it. A script standing for the bin relaunches itself with the module's
 * functions; the real bin's exit codes are compared with and without the relaunch.
 */
import { strict as assert } from 'node:assert';
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { isLongRunning, shouldCapArenas } from '../../../src/apps/cli/arenas.js';

const ARENAS = new URL('../../../src/apps/cli/arenas.js', import.meta.url).href;
const CLI = fileURLToPath(new URL('../../../src/apps/cli/femeter.js', import.meta.url));

/** The environment of this process without MALLOC_ARENA_MAX (so the launcher relaunches). */
function cleanEnv(): NodeJS.ProcessEnv {
    const env = { ...process.env };
    delete env.MALLOC_ARENA_MAX;
    delete env.FEMETER_ARENA_LAUNCHER;
    return env;
}

/**
 * Start the stand-in bin `script` in `wait` mode, resolved once it printed its first line; `out()` is
 * everything it printed so far (it keeps collecting).
 */
async function startWaiting(
    script: string,
): Promise<{ p: ChildProcessWithoutNullStreams; out: () => string }> {
    const p = spawn(process.execPath, [script, 'wait'], { env: cleanEnv() });
    let out = '';
    await new Promise<void>((res, rej) => {
        p.stdout.on('data', (b: Buffer) => {
            out += b.toString();
            if (out.includes('\n')) res();
        });
        p.once('exit', () => {
            rej(new Error(`exited before it was ready: ${out}`));
        });
    });
    return { p, out: () => out };
}

describe('malloc arena launcher', () => {
    let dir: string;
    let script: string;
    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-arenas-'));
        script = join(dir, 'bin.mjs');
        // stands for the bin: relaunch as `serve` would, else act out argv[2]
        writeFileSync(
            script,
            `import { followLauncher, relaunchWithArenaCap, shouldCapArenas } from ${JSON.stringify(ARENAS)};
const [mode, arg] = process.argv.slice(2);
if (shouldCapArenas(['serve'])) {
    process.exitCode = await relaunchWithArenaCap(process.argv[1], process.argv.slice(2));
} else {
    followLauncher();
    if (mode === 'wait') {
        // the handler first: the test sends SIGTERM as soon as it reads the line below
        const t = setInterval(() => {}, 1000);
        process.once('SIGTERM', () => { clearInterval(t); console.log('stopping'); process.exitCode = 7; });
    }
    console.log(JSON.stringify({ pid: process.pid, arenas: process.env.MALLOC_ARENA_MAX ?? null }));
    if (mode === 'exit') process.exitCode = Number(arg);
    if (mode === 'echo') process.stdin.pipe(process.stdout);
    if (mode === 'kill') process.kill(process.pid, arg);
}
`,
        );
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('relaunches only the long-running commands, on Linux, with MALLOC_ARENA_MAX unset', () => {
        for (const a of [
            ['serve'],
            ['demo', '--customers', '3'],
            ['meter', 'run'],
            ['provider', 'run'],
        ])
            assert.ok(isLongRunning(a), a.join(' '));
        for (const a of [
            [],
            ['meter', 'ingest'],
            ['provider', 'bills'],
            ['auditor', 'report'],
            ['run'],
        ])
            assert.ok(!isLongRunning(a), a.join(' '));
        assert.ok(shouldCapArenas(['serve'], {}, 'linux'));
        assert.ok(!shouldCapArenas(['serve'], {}, 'darwin'));
        assert.ok(!shouldCapArenas(['serve'], { MALLOC_ARENA_MAX: '8' }, 'linux'));
        assert.ok(!shouldCapArenas(['serve'], { MALLOC_ARENA_MAX: '' }, 'linux'));
        assert.ok(!shouldCapArenas(['operator', 'list'], {}, 'linux'));
    });

    it('runs the command once, in a child that sees MALLOC_ARENA_MAX=2, and returns its exit code', () => {
        const r = spawnSync(process.execPath, [script, 'exit', '3'], {
            encoding: 'utf8',
            env: cleanEnv(),
        });
        assert.equal(r.status, 3, r.stderr);
        const lines = r.stdout.trim().split('\n');
        assert.equal(lines.length, 1, 'the command ran once');
        const seen = JSON.parse(lines[0] ?? '') as { pid: number; arenas: string | null };
        assert.equal(seen.arenas, process.platform === 'linux' ? '2' : null);
        if (process.platform === 'linux') assert.notEqual(seen.pid, r.pid);
    });

    it('leaves a set MALLOC_ARENA_MAX alone and runs in place', () => {
        const r = spawnSync(process.execPath, [script, 'exit', '0'], {
            encoding: 'utf8',
            env: { ...cleanEnv(), MALLOC_ARENA_MAX: '4' },
        });
        assert.equal(r.status, 0, r.stderr);
        const seen = JSON.parse(r.stdout) as { pid: number; arenas: string | null };
        assert.deepEqual(seen, { pid: r.pid, arenas: '4' });
    });

    it('passes stdin to the child and its stdout back', () => {
        const input = 'line one\nline two\n'.repeat(1000);
        const r = spawnSync(process.execPath, [script, 'echo'], {
            encoding: 'utf8',
            env: cleanEnv(),
            input,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.equal(r.stdout.slice(r.stdout.indexOf('\n') + 1), input);
    });

    it('ends with the signal that ended the child', () => {
        const r = spawnSync(process.execPath, [script, 'kill', 'SIGKILL'], {
            encoding: 'utf8',
            env: cleanEnv(),
        });
        assert.equal(r.signal, 'SIGKILL', r.stderr);
        const h = spawnSync(process.execPath, [script, 'kill', 'SIGHUP'], {
            encoding: 'utf8',
            env: cleanEnv(),
        });
        assert.equal(h.signal, 'SIGHUP', h.stderr);
    });

    it('passes SIGTERM on to the child, which stops in its own way', async () => {
        const { p, out } = await startWaiting(script);
        const exited = new Promise<[number | null, NodeJS.Signals | null]>((r) =>
            p.once('exit', (c, s) => {
                r([c, s]);
            }),
        );
        p.kill('SIGTERM');
        assert.deepEqual(await exited, [7, null]);
        assert.match(out(), /stopping/);
    });

    it('ends the child when the launcher is killed with SIGKILL (no orphan keeps running)', async () => {
        const { p, out } = await startWaiting(script);
        const { pid } = JSON.parse(out().split('\n')[0] ?? '') as { pid: number };
        assert.notEqual(pid, p.pid, 'the line comes from the relaunched child');
        const alive = (): boolean => {
            try {
                process.kill(pid, 0);
                return true;
            } catch {
                return false;
            }
        };
        assert.ok(alive());
        p.kill('SIGKILL');
        // the child notices its launcher's channel closing; bounded wait, not a timing assertion
        for (let i = 0; i < 200 && alive(); i++) await new Promise((r) => setTimeout(r, 50));
        const survived = alive();
        if (survived) process.kill(pid, 'SIGKILL'); // leave no orphan behind a failing test
        assert.equal(survived, false, `child ${String(pid)} outlived its SIGKILLed launcher`);
    });

    it("gives the bin's exit code and message the same with and without the relaunch", () => {
        const args = [CLI, 'serve', '--port', '0', '--data', join(dir, 'no-such-world')];
        const relaunched = spawnSync(process.execPath, args, { encoding: 'utf8', env: cleanEnv() });
        const inPlace = spawnSync(process.execPath, args, {
            encoding: 'utf8',
            env: { ...cleanEnv(), MALLOC_ARENA_MAX: '2' },
        });
        assert.equal(relaunched.status, 1, relaunched.stderr);
        assert.equal(inPlace.status, 1, inPlace.stderr);
        assert.match(relaunched.stderr, /^femeter: no deployment in /m);
        assert.equal(relaunched.stderr, inPlace.stderr);
    });
});
