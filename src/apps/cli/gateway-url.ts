// SPDX-License-Identifier: Apache-2.0
/**
 * Reaching a femeter gateway from the CLI: the URL check and the transport for an HTTPS gateway
 * whose certificate no public CA issued (`FEMETER_GATEWAY_CA`, a PEM file).
 */
import { existsSync, readFileSync } from 'node:fs';
import type { RemoteLedgerOptions } from '../../ledger/remote/client.js';
import { CliError } from './errors.js';

/**
 * Check a gateway URL and build its transport.
 *
 * @throws {CliError} a URL that is not http(s), or `FEMETER_GATEWAY_CA` naming a missing file
 * @example
 * ```ts
 * const transport = await gatewayTransport('http://127.0.0.1:8080', '--gateway');
 * ```
 */
export async function gatewayTransport(
    url: string,
    what: string,
): Promise<Pick<RemoteLedgerOptions, 'fetch'>> {
    if (!/^https?:\/\/[^/]/.test(url))
        throw new CliError(
            `${what} ${url} is not an http(s) URL`,
            'pass the URL femeter serve printed, e.g. http://127.0.0.1:8080',
        );
    const caFile = process.env.FEMETER_GATEWAY_CA;
    if (caFile === undefined) return {};
    if (!existsSync(caFile))
        throw new CliError(
            `FEMETER_GATEWAY_CA names ${caFile}, which does not exist`,
            "set it to the gateway's CA certificate (PEM), or unset it",
        );
    const { fetchTrusting } = await import('../../ledger/remote/tls.js');
    return { fetch: fetchTrusting(readFileSync(caFile)) };
}
