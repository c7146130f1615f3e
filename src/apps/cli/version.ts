// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/version
 * Software identification (WELMEC 7.2 S1, DESIGN.md §6): the version from package.json and a
 * SHA-256 digest over the program's compiled files (sorted paths and contents), so two installs can
 * be compared and the figure registered on the ledger.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { describeBackend } from '../../fe/backends.js';
import '../../fe/ristretto255.js'; // runs the backend selection

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

function files(dir: string): string[] {
    return readdirSync(dir)
        .sort()
        .flatMap((n) => {
            const p = join(dir, n);
            return statSync(p).isDirectory() ? files(p) : p.endsWith('.js') ? [p] : [];
        });
}

export function softwareIdentity(): {
    name: string;
    version: string;
    digest: string;
    files: number;
} {
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
        name: string;
        version: string;
    };
    const src = join(ROOT, 'dist', 'src');
    const list = files(src);
    const h = sha256.create();
    for (const f of list) {
        h.update(utf8ToBytes(relative(src, f) + '\n'));
        h.update(readFileSync(f));
    }
    return {
        name: pkg.name,
        version: pkg.version,
        digest: bytesToHex(h.digest()),
        files: list.length,
    };
}

/** The ristretto255 backend in use and why faster ones were passed over (one line). */
export function backendLine(): string {
    return describeBackend();
}
