// SPDX-License-Identifier: Apache-2.0
/**
 * Gateway lifecycle: HTTPS when given a certificate and key; a graceful shutdown answers every
 * write already in flight (each acknowledged write is on the ledger afterwards) and takes no new one.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { sha256 } from '@noble/hashes/sha2.js';
import { utf8ToBytes } from '@noble/hashes/utils.js';
import { embeddedEngine } from '../../src/apps/engines.js';
import { startGateway } from '../../src/apps/gateway/server.js';
import { remoteEngine } from '../../src/apps/gateway/engine.js';
import { fetchTrusting } from '../../src/ledger/remote/tls.js';
import { identities } from '../../src/ledger/index.js';

const SECRET = sha256(new Uint8Array([7, 7]));

describe('gateway lifecycle', () => {
    let dir: string;
    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-gw-life-'));
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    /** A self-signed P-256 certificate for 127.0.0.1, made for this test. */
    const selfSigned = (name: string): { key: string; cert: string } => {
        const key = join(dir, `${name}-key.pem`);
        const cert = join(dir, `${name}-cert.pem`);
        execFileSync(
            'openssl',
            [
                'req',
                '-x509',
                '-newkey',
                'ec',
                '-pkeyopt',
                'ec_paramgen_curve:P-256',
                '-nodes',
                '-keyout',
                key,
                '-out',
                cert,
                '-days',
                '1',
                '-subj',
                '/CN=127.0.0.1',
                '-addext',
                'subjectAltName=IP:127.0.0.1',
            ],
            { stdio: 'ignore' },
        );
        return { key, cert };
    };

    it('remote client over HTTPS: trusts a custom CA it is given, and refuses the server without it', async () => {
        const { key, cert } = selfSigned('ca-test');
        const other = selfSigned('other');
        const path = join(dir, 'ca-ledger');
        const engine = await embeddedEngine(path, SECRET);
        const reader = (await engine.connect('operator', 'operator')).api;
        const g = await startGateway({
            ledger: engine.ledger,
            reader,
            tls: { cert: readFileSync(cert), key: readFileSync(key) },
        });
        try {
            // the default roots do not know the certificate, nor does another self-signed one
            await assert.rejects(remoteEngine(g.url, SECRET), /cannot be reached/);
            await assert.rejects(
                remoteEngine(g.url, SECRET, {
                    fetch: fetchTrusting(readFileSync(other.cert)),
                }),
                /cannot be reached/,
            );
            const remote = await remoteEngine(g.url, SECRET, {
                fetch: fetchTrusting(readFileSync(cert)),
            });
            try {
                const op = await remote.connect('operator', 'operator');
                await op.api.bootstrap('operator', 'Operator');
                assert.equal((await op.api.getParty('operator')).role, 'operator');
                // the event stream opens over the same trusted connection (events() resolves once
                // the gateway's first server-sent message arrived)
                const events = await op.api.client.events({ startBlock: 0n });
                events.close();
            } finally {
                await remote.close();
            }
        } finally {
            await g.close();
            await engine.close();
        }
    });

    it('serves HTTPS with the given certificate', async () => {
        const { key, cert } = selfSigned('serve');
        const engine = await embeddedEngine(join(dir, 'tls-ledger'), SECRET);
        const reader = (await engine.connect('operator', 'operator')).api;
        const g = await startGateway({
            ledger: engine.ledger,
            reader,
            tls: { cert: readFileSync(cert), key: readFileSync(key) },
        });
        try {
            assert.match(g.url, /^https:\/\/127\.0\.0\.1:\d+$/);
            const body = await new Promise<string>((resolve, reject) => {
                const req = request(`${g.url}/health`, { ca: readFileSync(cert) }, (res) => {
                    let s = '';
                    res.on('data', (d: Buffer) => (s += d.toString()));
                    res.on('end', () => {
                        resolve(s);
                    });
                });
                req.on('error', reject);
                req.end();
            });
            assert.equal((JSON.parse(body) as { status: string }).status, 'ok');
            // an untrusted certificate is refused by a client that checks it
            await assert.rejects(
                new Promise((resolve, reject) => {
                    const req = request(`${g.url}/health`, resolve);
                    req.on('error', reject);
                    req.end();
                }),
            );
        } finally {
            await g.close();
            await engine.close();
        }
    });

    it('graceful shutdown: writes in flight are answered and durable; later ones are refused', async () => {
        const path = join(dir, 'drain-ledger');
        const engine = await embeddedEngine(path, SECRET);
        const reader = (await engine.connect('operator', 'operator')).api;
        const g = await startGateway({ ledger: engine.ledger, reader });
        const remote = await remoteEngine(g.url, SECRET);
        const op = await remote.connect('operator', 'operator');
        await op.api.bootstrap('operator', 'Operator');
        const writes = Array.from({ length: 40 }, (_, i) =>
            op.api
                .registerParty({
                    id: `p-${i}`,
                    role: 'auditor',
                    name: `p${i}`,
                    identity: {
                        mspId: 'CustomersMSP',
                        // valid Ed25519 keys: the contract refuses non-points and torsion
                        id: identities.id(
                            identities.ed25519('CustomersMSP', sha256(new Uint8Array([i]))),
                        ),
                    },
                })
                .then(
                    () => 'ok' as const,
                    (e: unknown) => {
                        const err = e as Error & { code?: string };
                        return err.code ?? err.message;
                    },
                ),
        );
        // shut down as soon as the first write is acknowledged: the others are in flight or queued
        await Promise.race(writes);
        const closing = g.close();
        const outcomes = await Promise.all(writes);
        await closing;
        const after = await op.api
            .registerParty({
                id: 'late',
                role: 'auditor',
                name: 'late',
                identity: {
                    mspId: 'CustomersMSP',
                    id: identities.id(
                        identities.ed25519('CustomersMSP', sha256(utf8ToBytes('late'))),
                    ),
                },
            })
            .then(
                () => 'ok',
                (e: unknown) => (e as { code?: string }).code ?? 'refused',
            );
        assert.notEqual(after, 'ok', 'a closed gateway takes no write');
        await remote.close();
        await engine.close();
        // every acknowledged write is on the ledger
        const reopened = await embeddedEngine(path, SECRET);
        try {
            const parties = new Set(
                (await (await reopened.connect('operator', 'operator')).api.listParties()).map(
                    (p) => p.id,
                ),
            );
            const acked = outcomes.flatMap((o, i) => (o === 'ok' ? [`p-${i}`] : []));
            assert.ok(acked.length > 0, `nothing was acknowledged: ${outcomes.join(', ')}`);
            for (const id of acked) assert.ok(parties.has(id), `acknowledged ${id} is missing`);
            assert.ok(!parties.has('late'));
        } finally {
            await reopened.close();
        }
    });
});
