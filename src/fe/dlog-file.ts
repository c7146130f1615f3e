// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/dlog-file
 * On-disk cache of baby-step tables (Node only), keyed by group and table size:
 * `<dir>/<group>-bsgs-<logT>.bin`. A file that fails its integrity check is rebuilt and rewritten
 * (atomically: temp file, fsync, rename), never trusted.
 */
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { join } from 'node:path';
import { BsgsTable, type Progress } from './dlog.js';
import { TableIntegrityError } from './errors.js';
import type { Group } from './group.js';

/** What happened when a table was requested. */
export type TableSource = 'loaded' | 'built' | 'rebuilt-corrupt';

/** Path of the cache file for a group and size. */
export function tablePath(dir: string, groupName: string, logT: number): string {
    return join(dir, `${groupName}-bsgs-${logT}.bin`);
}

/**
 * Load the table from `dir`, or build and store it.
 * @example const { table } = await loadOrBuildTable(ristretto255, 20, '.femeter/cache');
 */
export async function loadOrBuildTable<E>(
    group: Group<E>,
    logT: number,
    dir: string,
    progress?: Progress,
): Promise<{ table: BsgsTable<E>; source: TableSource; reason?: string }> {
    const path = tablePath(dir, group.name, logT);
    let reason: string | undefined;
    try {
        const bytes = await readFile(path);
        return {
            table: BsgsTable.fromBytes(
                group,
                logT,
                new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length),
            ),
            source: 'loaded',
        };
    } catch (e) {
        if (e instanceof TableIntegrityError) reason = e.message;
        else if ((e as { code?: string }).code !== 'ENOENT') throw e;
    }
    const table = BsgsTable.build(group, logT, progress);
    await mkdir(dir, { recursive: true });
    const tmp = `${path}.${process.pid}.tmp`;
    const fh = await open(tmp, 'w');
    try {
        await fh.writeFile(table.toBytes());
        await fh.sync();
    } finally {
        await fh.close();
    }
    await rename(tmp, path);
    return reason === undefined
        ? { table, source: 'built' }
        : { table, source: 'rebuilt-corrupt', reason };
}
