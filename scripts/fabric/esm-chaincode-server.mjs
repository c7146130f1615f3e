// SPDX-License-Identifier: Apache-2.0
// scripts/fabric/esm-chaincode-server.mjs — serve a contract module as chaincode-as-a-service when
// fabric-chaincode-node cannot load it: fabric-shim 2.5 loads the module with a synchronous
// require(), which fails for an ES module whose import graph has a top-level await (femeter's
// crypto backends initialise with one: ERR_REQUIRE_ASYNC_MODULE). This launcher imports the module
// with import() first and then hands its `contracts` to fabric-shim's own bootstrap (the same
// register() the `server` command calls), with the same command-line options:
//
//   node esm-chaincode-server.mjs --entry /abs/module.js --chaincode-address 127.0.0.1:P \
//        --chaincode-id NAME_V:HASH [--module-path DIR] [grpc.* options of `fabric-chaincode-node server`]
//
// `scripts/fabric/deploy --entry FILE` (and its default, dist/src/contract/index.js) starts the
// chaincode with it. fabric-shim and fabric-contract-api resolve from the entry's location.
import console from 'node:console';
import { createRequire } from 'node:module';
import process from 'node:process';
import { pathToFileURL } from 'node:url';

const i = process.argv.indexOf('--entry');
const entry = i === -1 ? undefined : process.argv[i + 1];
if (!entry) {
    console.error('esm-chaincode-server: --entry /abs/path/to/module.js is required');
    process.exit(2);
}
process.argv.splice(i, 2); // the rest are fabric-chaincode-node server's options

const mod = await import(pathToFileURL(entry).href);
if (!Array.isArray(mod.contracts) || mod.contracts.length === 0) {
    console.error(`esm-chaincode-server: ${entry} does not export a non-empty \`contracts\` array`);
    process.exit(3);
}
const require = createRequire(entry);
const yargs = require('yargs');
const ServerCommand = require('fabric-shim/lib/cmds/serverCommand.js');
const Bootstrap = require('fabric-shim/lib/contract-spi/bootstrap.js');
const { JSONSerializer } = require('fabric-contract-api');

yargs.options(ServerCommand.validOptions);
const opts = ServerCommand.getArgs(yargs);
const serializers = mod.serializers ?? {
    transaction: 'jsonSerializer',
    serializers: { jsonSerializer: JSONSerializer },
};
const metadata = await Bootstrap.getMetadata(opts['module-path']);
const title = process.env.FEMETER_CC_TITLE ?? 'chaincode';
const version = process.env.FEMETER_CC_VERSION ?? '1.0';
await Bootstrap.register(mod.contracts, serializers, metadata, title, version, opts, true);
