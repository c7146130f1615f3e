// SPDX-License-Identifier: Apache-2.0
/**
 * A gateway in a child process over an embedded ledger directory, for tests that kill it:
 * `node serve-child.js <ledger dir> <port> <secret hex>`; prints `{"url": …}` when it listens.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { embeddedEngine } from '../../src/apps/engines.js';
import { startGateway } from '../../src/apps/gateway/server.js';

const [dir, port, secret] = process.argv.slice(2);
const engine = await embeddedEngine(dir!, hexToBytes(secret!));
const reader = (await engine.connect('operator', 'operator')).api;
const gateway = await startGateway({ ledger: engine.ledger, reader, port: Number(port) });
process.stdout.write(JSON.stringify({ url: gateway.url }) + '\n');
process.on('SIGTERM', () => {
    void gateway.close().then(() => engine.close());
});
