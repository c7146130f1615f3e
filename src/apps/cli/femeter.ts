#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/femeter
 * Entry point of the `femeter` command. The long-running commands (`serve`, `demo`, `meter run`,
 * `provider run`) re-run in a child process with glibc's malloc arenas capped (`./arenas.ts`)
 * unless `MALLOC_ARENA_MAX` is set. fabric-contract-api (loaded with the contract) logs every
 * decorator at info level on import, and installs process-wide handlers that log uncaught errors
 * instead of ending the process; the first is silenced before loading, the second undone after.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'error';
const args = process.argv.slice(2);
const arenas = await import('./arenas.js');
const script = process.argv[1];
if (script !== undefined && arenas.shouldCapArenas(args)) {
    process.exitCode = await arenas.relaunchWithArenaCap(script, args);
} else {
    arenas.followLauncher();
    const { runCli } = await import('./program.js');
    process.exitCode = await runCli(args);
    process.removeAllListeners('uncaughtException');
    process.removeAllListeners('unhandledRejection');
}
