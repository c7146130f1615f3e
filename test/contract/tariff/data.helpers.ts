// SPDX-License-Identifier: Apache-2.0
/**
 * Test helper: where the shared data files (BDEW load profiles, day-ahead prices) live. They sit
 * beside the repository in ../shared/data; FEMETER_SHARED overrides that. A missing file fails the
 * test with a message saying where it was looked for.
 */

import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Directory of the shared data files. */
export function dataDir(): string {
    const fromEnv = process.env.FEMETER_SHARED;
    if (fromEnv !== undefined && fromEnv !== '') return resolve(fromEnv);
    // this file runs as dist/test/contract/tariff/data.helpers.js; the repository root is four levels up
    return resolve(
        fileURLToPath(new URL('.', import.meta.url)),
        '..',
        '..',
        '..',
        '..',
        '..',
        'shared',
        'data',
    );
}

/** Text of a shared data file. */
export function readDataFile(name: string): string {
    const path = join(dataDir(), name);
    if (!existsSync(path)) {
        throw new Error(
            `test data ${name} not found at ${path}; put the shared data there or set FEMETER_SHARED`,
        );
    }
    return readFileSync(path, 'utf8');
}
