// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/fabric/deploy
 * Deploy and stop chaincodes on the local native network from Node, through the repository's
 * `scripts/fabric/deploy` and `scripts/fabric/restart-chaincode` (which hold all the lifecycle
 * steps). Used where a fresh ledger is needed: every femeter deployment starts with `Bootstrap`,
 * which runs once per ledger, so the demo, each end-to-end world and each benchmark run get a
 * chaincode of their own (a chaincode is its own world state on the channel). A deploy takes
 * ~1.5–3 s on 2 cores; the stopped chaincode's definition stays on the channel (harmless).
 *
 * Deploys are serialised across processes with a lock in the network's data dir (the script picks
 * the first free chaincode port, which two concurrent deploys could both pick).
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withDirLock } from '../../ledger/fabric/lock.js';

/** Options of {@link deployChaincode}. */
export interface DeployChaincodeOptions {
    /** The network's data dir (connection.json's `dataDir`). */
    readonly dataDir: string;
    /** Chaincode name: letters and digits, `-` or `_` between them. */
    readonly name: string;
    /** A JS file exporting `contracts` (default: the compiled femeter contract, `dist/src/contract/index.js`). */
    readonly entry?: string;
    /** Endorsement policy (default: the script's, `OR('OperatorMSP.peer','CustomersMSP.peer')`). */
    readonly policy?: string;
    /** `CORE_CHAINCODE_LOGGING_LEVEL` of the chaincode server (default: `$CORE_CHAINCODE_LOGGING_LEVEL`, else `warn`). */
    readonly logLevel?: string;
    /** Give up after this long (default 120 s). */
    readonly timeoutMs?: number;
}

/** The repository root (where `scripts/fabric/` is), found from this file in `src/` or `dist/src/`. */
export function repositoryRoot(): string {
    for (const up of ['../../../', '../../../../']) {
        const dir = fileURLToPath(new URL(up, import.meta.url));
        if (existsSync(join(dir, 'scripts', 'fabric', 'deploy'))) return dir;
    }
    throw new Error('scripts/fabric/deploy not found above ' + fileURLToPath(import.meta.url));
}

function run(
    script: string,
    args: readonly string[],
    env: NodeJS.ProcessEnv,
    timeoutMs: number,
): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            join(repositoryRoot(), 'scripts', 'fabric', script),
            args,
            { env, timeout: timeoutMs, maxBuffer: 16 * 1024 * 1024 },
            (err, stdout, stderr) => {
                if (err)
                    reject(
                        new Error(
                            `scripts/fabric/${script} ${args.join(' ')} failed: ${err.message}\n${stdout}${stderr}`.trim(),
                            { cause: err },
                        ),
                    );
                else resolve(stdout + stderr);
            },
        );
    });
}

/**
 * Deploy a chaincode (chaincode-as-a-service) on the running network and wait until it is committed.
 *
 * @returns the script's log (step timings)
 * @throws {Error} with the script's output when a step fails
 *
 * @example
 * ```ts
 * await deployChaincode({ dataDir: profile.dataDir, name: 'e2e-1234-1' });
 * const ledger = await FabricLedger.open({ connectionPath, chaincode: 'e2e-1234-1' });
 * ```
 */
export async function deployChaincode(options: Readonly<DeployChaincodeOptions>): Promise<string> {
    if (!/^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$/.test(options.name))
        throw new RangeError(`invalid chaincode name "${options.name}"`);
    const env: NodeJS.ProcessEnv = {
        ...process.env,
        FEMETER_FABRIC_DIR: options.dataDir,
        FEMETER_CC_LOG_LEVEL:
            options.logLevel ?? process.env.CORE_CHAINCODE_LOGGING_LEVEL ?? 'warn',
    };
    const args = ['--name', options.name, '--no-check'];
    if (options.entry !== undefined) args.push('--entry', options.entry);
    if (options.policy !== undefined) args.push('--policy', options.policy);
    const timeoutMs = options.timeoutMs ?? 120_000;
    return withDirLock(
        join(options.dataDir, 'deploy.lock'),
        () => run('deploy', args, env, timeoutMs),
        { timeoutMs: 3 * timeoutMs },
    );
}

/**
 * Stop the server process of a chaincode deployed with {@link deployChaincode} (frees its port and
 * memory; its definition stays committed, later calls to it fail).
 *
 * @example
 * ```ts
 * await stopChaincode({ dataDir: profile.dataDir, name: 'e2e-1234-1' });
 * ```
 */
export async function stopChaincode(
    options: Readonly<{ dataDir: string; name: string }>,
): Promise<void> {
    await run(
        'restart-chaincode',
        [options.name, '--stop'],
        { ...process.env, FEMETER_FABRIC_DIR: options.dataDir },
        30_000,
    );
}

/**
 * A chaincode name that no earlier run used: `<prefix>-<base36 time>-<pid>-<counter>`.
 *
 * @example
 * ```ts
 * freshChaincodeName('e2e'); // 'e2e-mf3k2x1a-4711-1'
 * ```
 */
export function freshChaincodeName(prefix: string): string {
    _counter += 1;
    return `${prefix}-${Date.now().toString(36)}-${process.pid}-${_counter}`;
}
let _counter = 0;
