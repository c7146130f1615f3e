// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/remote/tls
 * Node only: a `fetch` for {@link RemoteLedgerOptions.fetch} that trusts the given roots (PEM) for an
 * HTTPS gateway whose certificate no public CA issued (a deployment's own CA, or a self-signed
 * certificate). Built on `node:https` with `ca`, which replaces the default roots: a certificate not
 * issued by one of them is refused, and host names are checked as usual. Kept out of `client.ts` so a
 * browser bundle of the client loads nothing of Node.
 */
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';

/** What the remote client needs of `fetch`. */
export type FetchLike = (url: string, init?: RequestInit) => Promise<Response>;

/**
 * A `fetch` trusting only `ca` for HTTPS (plain HTTP passes through unchanged).
 *
 * @example
 * ```ts
 * const ledger = await RemoteLedger.open({ url: 'https://gw:8443', fetch: fetchTrusting(readFileSync('ca.pem')) });
 * ```
 */
export function fetchTrusting(
    ca: string | Uint8Array | readonly (string | Uint8Array)[],
): FetchLike {
    const roots = (Array.isArray(ca) ? ca : [ca]) as (string | Uint8Array)[];
    const pem = roots.map((r) => (typeof r === 'string' ? r : Buffer.from(r).toString('utf8')));
    return (url, init = {}) =>
        new Promise<Response>((resolve, reject) => {
            const u = new URL(url);
            const headers: Record<string, string> = {};
            new Headers(init.headers).forEach((v, k) => {
                headers[k] = v;
            });
            const body = typeof init.body === 'string' ? Buffer.from(init.body) : undefined;
            if (init.body !== undefined && init.body !== null && body === undefined) {
                reject(new TypeError('fetchTrusting sends string bodies only'));
                return;
            }
            if (body !== undefined) headers['content-length'] = String(body.length);
            const options = {
                method: init.method ?? 'GET',
                headers,
                signal: init.signal ?? undefined,
            };
            const onResponse = (res: IncomingMessage): void => {
                const h = new Headers();
                for (const [k, v] of Object.entries(res.headers))
                    if (v !== undefined) h.set(k, Array.isArray(v) ? v.join(', ') : v);
                const status = res.statusCode ?? 500;
                const stream =
                    status === 204 || status === 304
                        ? null
                        : (Readable.toWeb(res) as ReadableStream<Uint8Array>);
                resolve(new Response(stream, { status, headers: h }));
            };
            const req =
                u.protocol === 'https:'
                    ? httpsRequest(u, { ...options, ca: pem }, onResponse)
                    : httpRequest(u, options, onResponse);
            req.on('error', reject);
            req.end(body);
        });
}
