#!/usr/bin/env node
// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/femeter
 * Entry point of the `femeter` command: fabric-contract-api logs every decorator at info level on
 * import, so its level is set before the program (and the contract) is loaded.
 */
process.env['CORE_CHAINCODE_LOGGING_LEVEL'] ??= 'error';
await import('./main.js');
