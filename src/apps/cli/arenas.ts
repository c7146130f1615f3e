// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/arenas
 * A cap on glibc's malloc arenas for the CLI's long-running commands (issue 15). glibc gives each
 * thread that contends for the heap an arena of its own, up to 8 per core, and keeps the freed
 * memory of each; Node's worker threads (LevelDB, libuv, V8) make the resident size of a process
 * that runs for days grow well past what it holds (soak bench: 19 vs 10 B/reading of anonymous
 * memory). glibc reads `MALLOC_ARENA_MAX` once, before any JavaScript runs, so the `femeter` bin
 * re-runs itself in a child process with `MALLOC_ARENA_MAX=2` when the variable is unset: stdin,
 * stdout and stderr are the child's, its exit code (or the signal that ended it) is the
 * launcher's, and SIGTERM, SIGHUP, SIGUSR2 (and SIGINT, SIGQUIT unless the terminal sent them to
 * both processes already) are passed on. Setting `MALLOC_ARENA_MAX` yourself (any value) runs the
 * command in place. The child ends itself (SIGKILL, as a crash) when the launcher is gone without
 * a word — a launcher killed by SIGKILL cannot pass anything on, and a `meter run` left running
 * beside its restarted successor would share one outbox — by watching an IPC channel to the
 * launcher ({@link followLauncher}). Only the bin does this: importing femeter changes nothing.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';

/**
 * The value the launcher sets: two arenas (main + one for all other threads) halved the soak's
 * growth; threads then share an arena's lock, so heavy multi-threaded malloc may be slower.
 */
export const ARENA_MAX = '2';

/** Set in the relaunched child, so it never relaunches again (whatever its environment says). */
const RELAUNCHED = 'FEMETER_ARENA_LAUNCHER';

/** The commands that run for a long time: `serve`, `demo`, `meter run`, `provider run`. */
export function isLongRunning(args: readonly string[]): boolean {
    const [a, b] = args;
    return a === 'serve' || a === 'demo' || ((a === 'meter' || a === 'provider') && b === 'run');
}

/**
 * Whether the bin should relaunch itself for `args`: a long-running command on Linux (glibc reads
 * the variable; other C libraries ignore it), `MALLOC_ARENA_MAX` unset, and not already relaunched.
 */
export function shouldCapArenas(
    args: readonly string[],
    env: NodeJS.ProcessEnv = process.env,
    platform: NodeJS.Platform = process.platform,
): boolean {
    return (
        platform === 'linux' &&
        env.MALLOC_ARENA_MAX === undefined &&
        env[RELAUNCHED] === undefined &&
        isLongRunning(args)
    );
}

/** Signals a terminal sends to its whole foreground process group (the child gets them, too). */
const TERMINAL_SIGNALS: readonly NodeJS.Signals[] = ['SIGINT', 'SIGQUIT'];
const FORWARDED: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGHUP', 'SIGUSR2', ...TERMINAL_SIGNALS];

/** True when this process is in its terminal's foreground process group (/proc/self/stat). */
function inTerminalForeground(): boolean {
    try {
        const stat = readFileSync('/proc/self/stat', 'utf8');
        // fields after "(comm)": state ppid pgrp session tty_nr tpgid
        const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
        return f[4] !== '0' && f[2] === f[5];
    } catch {
        return false;
    }
}

/**
 * Run `script` with `args` in a child Node process (same flags) whose environment adds
 * `MALLOC_ARENA_MAX=2`, wait for it, and return its exit code. When a signal ended the child, this
 * process ends with the same signal (or, if it survives it, returns 128 + the signal's number).
 */
export async function relaunchWithArenaCap(
    script: string,
    args: readonly string[],
): Promise<number> {
    const child = spawn(process.execPath, [...process.execArgv, script, ...args], {
        // fd 3: an IPC channel that only tells the child its launcher is gone (followLauncher)
        stdio: ['inherit', 'inherit', 'inherit', 'ipc'],
        env: { ...process.env, MALLOC_ARENA_MAX: ARENA_MAX, [RELAUNCHED]: '1' },
    });
    const forward = (signal: NodeJS.Signals): void => {
        if (TERMINAL_SIGNALS.includes(signal) && inTerminalForeground()) return;
        child.kill(signal);
    };
    for (const s of FORWARDED) process.on(s, forward);
    try {
        const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
            (resolve, reject) => {
                child.once('error', reject);
                child.once('exit', (c, s) => {
                    resolve([c, s]);
                });
            },
        );
        if (signal === null) return code ?? 1;
        for (const s of FORWARDED) process.off(s, forward);
        process.kill(process.pid, signal);
        return 128 + constants.signals[signal];
    } finally {
        for (const s of FORWARDED) process.off(s, forward);
    }
}

/**
 * In a relaunched child: end this process (SIGKILL, as the launcher's own death was) when the
 * launcher's IPC channel closes, i.e. when the launcher died without passing a signal on. The
 * channel does not keep the process alive. Does nothing in a process that was not relaunched.
 */
export function followLauncher(env: NodeJS.ProcessEnv = process.env): void {
    const channel = process.channel;
    if (env[RELAUNCHED] === undefined || channel === undefined) return;
    channel.unref();
    process.once('disconnect', () => {
        process.kill(process.pid, 'SIGKILL');
    });
}
