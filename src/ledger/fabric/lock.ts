// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/lock
 * A small cross-process lock on a directory name (`mkdir` is atomic), for the read-modify-write of
 * files in the Fabric network's data dir (participant map, chaincode deploys) by several processes
 * (test files run in parallel, a demo beside a benchmark). A lock older than `staleMs` is taken over:
 * its holder died.
 */
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Options of {@link withDirLock}. */
export interface DirLockOptions {
    /** Give up after this long (default 60 s). */
    readonly timeoutMs?: number;
    /** Treat a lock older than this as abandoned (default 120 s). */
    readonly staleMs?: number;
}

/**
 * Run `fn` while holding the lock `path` (a directory that exists only while held).
 *
 * @throws {Error} if the lock cannot be taken within the timeout
 *
 * @example
 * ```ts
 * await withDirLock('/data/participants.lock', async () => { … read, change, write … });
 * ```
 */
export async function withDirLock<T>(
    path: string,
    fn: () => Promise<T>,
    options: Readonly<DirLockOptions> = {},
): Promise<T> {
    const deadline = Date.now() + (options.timeoutMs ?? 60_000);
    const staleMs = options.staleMs ?? 120_000;
    for (let wait = 5; ; wait = Math.min(wait * 2, 100)) {
        try {
            await mkdir(path);
            break;
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const age = await stat(path).then(
            (s) => Date.now() - s.mtimeMs,
            () => 0,
        );
        if (age > staleMs) {
            await rm(path, { recursive: true, force: true });
            continue;
        }
        if (Date.now() > deadline)
            throw new Error(
                `could not take the lock ${path} within ${options.timeoutMs ?? 60_000} ms (remove it if no femeter process runs)`,
            );
        await sleep(wait);
    }
    try {
        await writeFile(join(path, 'owner'), `${process.pid}\n`).catch(() => undefined);
        return await fn();
    } finally {
        await rm(path, { recursive: true, force: true });
    }
}
