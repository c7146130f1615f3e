#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/femeter
 * Entry point of the `femeter` command. fabric-contract-api (loaded with the contract) logs every
 * decorator at info level on import, and installs process-wide handlers that log uncaught errors
 * instead of ending the process; the first is silenced before loading, the second undone after.
 */
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'error';
const { runCli } = await import('./program.js');
process.exitCode = await runCli(process.argv.slice(2));
process.removeAllListeners('uncaughtException');
process.removeAllListeners('unhandledRejection');
