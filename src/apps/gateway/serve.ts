// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/serve
 * `femeter serve`: run the gateway over a deployment's ledger until SIGINT/SIGTERM, then shut down
 * gracefully (requests in flight finish, every acknowledged write is already durable, the ledger
 * drains and closes).
 */
import { readFileSync } from 'node:fs';
import { EmbeddedLedger } from '../../ledger/index.js';
import type { Engine } from '../engines.js';
import { startGateway } from './server.js';

/** Options of {@link serve}. */
export interface ServeOptions {
    readonly host: string;
    readonly port: number;
    readonly tlsCert?: string | undefined;
    readonly tlsKey?: string | undefined;
    readonly logger?: boolean;
    /** Directory of the built web dashboard to serve at `/` (optional). */
    readonly webDir?: string | undefined;
}

/**
 * Serve `engine` (embedded) until a signal; resolves with the exit code.
 * @throws if the engine is not embedded, or the TLS files cannot be read
 */
export async function serve(engine: Engine, o: Readonly<ServeOptions>): Promise<number> {
    const ledger = (engine as { ledger?: unknown }).ledger;
    if (!(ledger instanceof EmbeddedLedger))
        throw new Error(
            'femeter serve runs in front of the embedded engine; a Fabric deployment is reached through its own gateway peers',
        );
    if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
        throw new Error('--tls-cert and --tls-key go together');
    const tls =
        o.tlsCert !== undefined && o.tlsKey !== undefined
            ? { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) }
            : undefined;
    const reader = (await engine.connect('operator', 'operator')).api;
    const gateway = await startGateway({
        ledger,
        reader,
        host: o.host,
        port: o.port,
        ...(tls ? { tls } : {}),
        logger: o.logger ?? false,
        ...(o.webDir !== undefined ? { webDir: o.webDir } : {}),
    });
    console.log(JSON.stringify({ url: gateway.url, channel: ledger.channel, pid: process.pid }));
    await new Promise<void>((resolve) => {
        const stop = (): void => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            resolve();
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
    });
    console.error('femeter serve: shutting down (finishing requests in flight)');
    await gateway.close();
    await engine.close();
    return 0;
}
