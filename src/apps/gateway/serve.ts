// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/serve
 * `femeter serve`: run the gateway over a deployment's ledger until SIGINT/SIGTERM, then shut down
 * gracefully (requests in flight finish, every acknowledged write is already durable, the ledger
 * drains and closes).
 */
import { readFileSync } from 'node:fs';
import { EmbeddedLedger } from '../../ledger/index.js';
import type { FabricLedger } from '../../ledger/fabric/index.js';
import type { Engine } from '../engines.js';
import { startGateway, type GatewayOptions } from './server.js';

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
 * Serve `engine` (embedded or Fabric) until a signal; resolves with the exit code.
 * @param reader the gateway's own registered reader (a deployment's gateway directory); default:
 * the demo world's seeded `gateway` participant, registered by the world's operator
 * @throws if the engine is neither embedded nor Fabric, or the TLS files cannot be read
 */
export async function serve(
    engine: Engine,
    o: Readonly<ServeOptions>,
    reader?: Pick<GatewayOptions, 'reader' | 'bootstrapper' | 'afterBootstrap'>,
): Promise<number> {
    const ledger = (engine as { ledger?: unknown }).ledger;
    if (!(ledger instanceof EmbeddedLedger) && engine.name !== 'fabric')
        throw new Error('femeter serve runs in front of the embedded engine or Fabric');
    if ((o.tlsCert === undefined) !== (o.tlsKey === undefined))
        throw new Error('--tls-cert and --tls-key go together');
    const tls =
        o.tlsCert !== undefined && o.tlsKey !== undefined
            ? { cert: readFileSync(o.tlsCert), key: readFileSync(o.tlsKey) }
            : undefined;
    const who = reader ?? (await (await import('./engine.js')).gatewayReader(engine));
    const verify = engine.verify?.bind(engine);
    const backend =
        ledger instanceof EmbeddedLedger
            ? ledger
            : await (
                  await import('./fabric.js')
              ).fabricBackend(ledger as FabricLedger, who.reader.client, {
                  ...(verify === undefined ? {} : { verify: () => verify() }),
              });
    const gateway = await startGateway({
        ledger: backend,
        ...who,
        host: o.host,
        port: o.port,
        ...(tls ? { tls } : {}),
        logger: o.logger ?? false,
        ...(o.webDir !== undefined ? { webDir: o.webDir } : {}),
    });
    console.log(JSON.stringify({ url: gateway.url, channel: backend.channel, pid: process.pid }));
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
