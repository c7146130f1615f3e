// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/atomicfile
 * Crash-safe replacement of a small file (checkpoints, the engine key): temporary file in the same directory,
 * fsync, rename over the target, fsync of the directory. A crash leaves the old or the new content, never a mix.
 */

import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let _tmpCounter = 0;

/**
 * Write `data` to `path` so that a crash leaves either the old or the new content: write a temporary file in the
 * same directory, fsync it, rename it over the target, fsync the directory.
 *
 * @example
 * ```ts
 * await writeFileAtomic('./data/engine.key', keyHex, 0o600);
 * ```
 */
export async function writeFileAtomic(
    path: string,
    data: string | Uint8Array,
    mode = 0o644,
): Promise<void> {
    const dir = dirname(path);
    const tmp = join(dir, `.${basename(path)}.${process.pid}.${++_tmpCounter}.tmp`);
    const file = await open(tmp, 'w', mode);
    try {
        await file.writeFile(data);
        await file.sync();
    } finally {
        await file.close();
    }
    try {
        await rename(tmp, path);
    } catch (err) {
        await unlink(tmp).catch(() => undefined);
        throw err;
    }
    const dirHandle = await open(dir, 'r');
    try {
        await dirHandle.sync();
    } catch {
        // Some file systems refuse fsync on a directory; the rename is still atomic there.
    } finally {
        await dirHandle.close();
    }
}
