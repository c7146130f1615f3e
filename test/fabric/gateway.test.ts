// SPDX-License-Identifier: Apache-2.0
/**
 * `femeter serve` in front of Fabric (FEMETER_E2E_ENGINE=fabric; skipped otherwise — scripts/fabric/test
 * with FEMETER_FABRIC_TEST_FILES=dist/test/fabric/gateway.test.js runs it): the demo flow at small scale
 * with every participant a remote client signing its own Fabric messages, and the gateway refusing a
 * proposal whose signature does not match, one for another chaincode, a write by an unregistered
 * identity and a customer reading a meter it does not own.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runDemo } from '../../src/apps/demo/demo.js';
import { gatewayFabricEngine } from '../../src/apps/gateway/fabric-engine.js';
import { defaultConnectionPath } from '../../src/ledger/fabric/index.js';
import { ROUTES } from '../../src/ledger/remote/wire.js';
import { EndorseError } from '../../src/ledger/index.js';
import { FabricOfflineSigner } from '../../src/ledger/fabric/offline.js';

const ON = process.env.FEMETER_E2E_ENGINE === 'fabric';
const SHARED = process.env.FEMETER_SHARED ?? join(process.cwd(), '..', 'shared', 'data');

describe(
    'the gateway in front of Fabric',
    { skip: ON ? false : 'set FEMETER_E2E_ENGINE=fabric' },
    () => {
        it('runs the demo flow with remote participants; refuses forged, foreign and unauthorised calls', async () => {
            const dir = mkdtempSync(join(tmpdir(), 'femeter-gw-fabric-'));
            const engine = await gatewayFabricEngine(defaultConnectionPath(), {
                freshChaincode: 'gw',
            });
            try {
                const health = (await (await fetch(engine.url + ROUTES.health)).json()) as {
                    engine?: string;
                    chaincode?: string;
                };
                assert.equal(health.engine, 'fabric');
                const rep = await runDemo(
                    {
                        engine,
                        dataDir: dir,
                        sharedData: SHARED,
                        customers: 2,
                        period: '2024-03',
                        dlogLogT: 16,
                        cacheDir: join(dir, 'cache'),
                    },
                    { step: () => undefined, progress: () => undefined, log: () => undefined },
                );
                assert.equal(rep.ok, true, JSON.stringify(rep.mismatches));
                assert.equal(rep.bills, 4);
                assert.equal(rep.proofsValid, 4);
                assert.equal(rep.billsMatchingCustomer, 4);
                assert.equal(rep.audit.ok, true);
                assert.ok(
                    engine.gateway.metrics.render().includes('femeter_gateway_transactions_total'),
                );

                // A customer reads its own meter, not another's (the gateway's read policy).
                const c1 = await engine.connect('customer-0001', 'customers');
                const own = await c1.api.client.evaluate('GetMeter', 'meter-0001');
                assert.ok(own.length > 0);
                await assert.rejects(
                    c1.api.client.evaluate('GetMeter', 'meter-0002'),
                    (e: unknown) => e instanceof EndorseError && e.code === 'ACCESS_DENIED',
                );

                // Forged and foreign proposals never reach a peer.
                const identity = c1.api.client.identity;
                const post = (path: string, body: unknown): Promise<Response> =>
                    fetch(engine.url + path, {
                        method: 'POST',
                        headers: { 'content-type': 'application/json' },
                        body: JSON.stringify(body),
                    });
                const b64 = (b: Uint8Array): string => Buffer.from(b).toString('base64');
                const offline = await FabricOfflineSigner.open(
                    identity,
                    engine.ledger.channel,
                    health.chaincode ?? '',
                );
                try {
                    // a signature from another key (a fresh P-256 key) does not match the certificate
                    const { p256 } = await import('@noble/curves/nist.js');
                    const other = p256.utils.randomSecretKey();
                    const forger = {
                        sign: (d: Uint8Array) =>
                            Promise.resolve(p256.sign(d, other, { prehash: false, format: 'der' })),
                    };
                    const p = await offline.proposal('GetMeter', ['meter-0001'], forger);
                    const forged = await post(ROUTES.fabricEvaluate, {
                        bytes: b64(p.bytes),
                        signature: b64(p.signature),
                    });
                    assert.equal(forged.status, 401);
                    const wrong = await post(ROUTES.fabricEndorse, {
                        bytes: b64(p.bytes.subarray(3)),
                        signature: b64(p.signature),
                    });
                    assert.equal(wrong.status, 400);
                } finally {
                    offline.close();
                }
                const foreign = await FabricOfflineSigner.open(
                    identity,
                    engine.ledger.channel,
                    'another-chaincode',
                );
                try {
                    const signer = {
                        sign: () => Promise.resolve(new Uint8Array(70)),
                    };
                    const p = await foreign.proposal('GetMeter', ['meter-0001'], signer);
                    const r = await post(ROUTES.fabricEvaluate, {
                        bytes: b64(p.bytes),
                        signature: b64(p.signature),
                    });
                    assert.equal(r.status, 400);
                } finally {
                    foreign.close();
                }

                // An identity nobody registered cannot write through the gateway.
                const stranger = await engine.connect('stranger', 'customers');
                await assert.rejects(
                    stranger.api.client.submit('RegisterParty', '{}'),
                    (e: unknown) => e instanceof EndorseError && e.code === 'ACCESS_DENIED',
                );
            } finally {
                await engine.close();
                rmSync(dir, { recursive: true, force: true });
            }
        });
    },
);
