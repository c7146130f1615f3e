// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's HTTP API against a running service on 127.0.0.1 (port 0): every route, the
 * authentication failures (unsigned, wrong signer, unregistered, wrong role, expired, replayed),
 * oversized and malformed bodies, the OpenAPI document (valid 3.1, matching the routes), rate
 * limits, and the event stream resuming after a dropped connection.
 */
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'ws';
import { Validator } from '@seriousme/openapi-schema-validator';
import { startGateway, type Gateway } from '../../src/apps/gateway/server.js';
import {
    encodeProposal,
    identities,
    newProposal,
    signers,
    signPayload,
    type ChaincodeEvent,
    type EmbeddedLedger,
    type Identity,
    type Signer,
} from '../../src/ledger/index.js';
import { RemoteLedger } from '../../src/ledger/remote/client.js';
import { signToken } from '../../src/ledger/remote/token.js';
import { ROUTES, toBase64, TOKEN_SCHEME, TX_ROUTES } from '../../src/ledger/remote/wire.js';
import { acceptTariff, CHANNEL, makeWorld, meterPeriod, PERIOD, type World } from '../e2e/world.js';
import { signedReadings } from '../../src/roles/signed-readings.js';

process.env.FEMETER_E2E_ENGINE = 'gateway';

interface Who {
    readonly identity: Identity;
    readonly signer: Signer;
}

const dec = new TextDecoder();

/** The fields these tests read from gateway responses (each may be absent from a given reply). */
interface Reply {
    readonly status?: string;
    readonly channel?: string;
    readonly height?: string;
    readonly transactionId?: string;
    readonly result?: string;
    readonly number?: string;
    readonly txs?: readonly { readonly txName: string }[];
    readonly txName?: string;
    readonly args?: readonly string[];
    readonly ok?: boolean;
    readonly blocks?: number;
    readonly openapi?: string;
    readonly paths?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
    readonly error?: {
        readonly code: string;
        readonly message: string;
        readonly contractError?: { readonly message: string };
    };
}

describe('gateway API', () => {
    let w: World;
    let url: string;
    let ledger: EmbeddedLedger;
    let gateway: Gateway;
    // participants' keys, derived the way the world derives them
    let who: Record<'operator' | 'auditor' | 'cust0' | 'cust1' | 'meter0' | 'provA' | 'provB', Who>;
    const stranger: Who = (() => {
        const k = identities.newPrivateKey();
        return { identity: identities.ed25519('CustomersMSP', k), signer: signers.ed25519(k) };
    })();

    before(async () => {
        w = await makeWorld(2);
        const engine = w.engine as World['engine'] & {
            url: string;
            ledger: EmbeddedLedger;
            gateway: Gateway;
        };
        url = engine.url;
        ledger = engine.ledger;
        gateway = engine.gateway;
        const { participantKey } = await import('../../src/apps/gateway/engine.js');
        const { derive } = await import('../e2e/world.js');
        const mk = (name: string, msp: string): Who => {
            const k = participantKey(derive('engine'), name);
            return { identity: identities.ed25519(msp, k), signer: signers.ed25519(k) };
        };
        who = {
            operator: mk('operator', 'OperatorMSP'),
            auditor: mk('auditor', 'CustomersMSP'),
            cust0: mk('cust-0', 'CustomersMSP'),
            cust1: mk('cust-1', 'CustomersMSP'),
            meter0: mk('meter-0', 'CustomersMSP'),
            provA: mk('provider-a', 'OperatorMSP'),
            provB: mk('provider-b', 'OperatorMSP'),
        };
        const h = w.households[0]!;
        await acceptTariff(h, 'provider-a', 'provider-a.flat', [PERIOD]);
        await meterPeriod(h, PERIOD);
    });
    after(async () => {
        await w.close();
        rmSync(w.dir, { recursive: true, force: true });
    });

    const envelope = async (
        by: Who,
        txName: string,
        args: string[],
        o: { channel?: string; signer?: Signer; ageMs?: number } = {},
    ): Promise<{ payload: string; signature: string }> => {
        const ms = Date.now() - (o.ageMs ?? 0);
        const p = newProposal({
            channel: o.channel ?? 'femeter',
            txName,
            args,
            creator: by.identity,
            timestamp: { seconds: BigInt(Math.floor(ms / 1000)), nanos: 0 },
        });
        const env = await signPayload(encodeProposal(p), o.signer ?? by.signer);
        return { payload: toBase64(env.payload), signature: toBase64(env.signature) };
    };
    const post = async (
        path: string,
        body: unknown,
        headers: Record<string, string> = {},
    ): Promise<{ status: number; body: Reply }> => {
        const res = await fetch(url + path, {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...headers },
            body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        const text = await res.text();
        let parsed: unknown = text;
        try {
            parsed = JSON.parse(text);
        } catch {
            // not JSON
        }
        return { status: res.status, body: parsed as Reply };
    };
    const evaluate = async (by: Who, txName: string, ...args: string[]) =>
        post(ROUTES.evaluate, await envelope(by, txName, args));
    const token = (
        by: Who,
        method: string,
        path: string,
        o: { now?: number; lifetimeMs?: number; signer?: Signer } = {},
    ) =>
        signToken({
            identity: by.identity,
            signer: o.signer ?? by.signer,
            channel: 'femeter',
            method,
            path,
            ...(o.now === undefined ? {} : { now: o.now }),
            ...(o.lifetimeMs === undefined ? {} : { lifetimeMs: o.lifetimeMs }),
        });
    const get = async (path: string, tok?: string): Promise<{ status: number; body: Reply }> => {
        const res = await fetch(url + path, {
            headers: tok === undefined ? {} : { authorization: `${TOKEN_SCHEME} ${tok}` },
        });
        const text = await res.text();
        try {
            return { status: res.status, body: JSON.parse(text) as Reply };
        } catch {
            return { status: res.status, body: text as Reply };
        }
    };

    it('serves a valid OpenAPI 3.1 document whose paths are exactly the routes', async () => {
        const { status, body: doc } = await get(ROUTES.openapi);
        assert.equal(status, 200);
        assert.equal(doc.openapi, '3.1.0');
        const v = new Validator();
        const res = await v.validate(doc as Parameters<typeof v.validate>[0]);
        assert.equal(res.valid, true, JSON.stringify(res.errors));
        const documented = new Set<string>();
        for (const [path, ops] of Object.entries(doc.paths ?? {}))
            for (const m of Object.keys(ops)) documented.add(`${m.toUpperCase()} ${path}`);
        const expected = new Set([
            `POST ${ROUTES.submit}`,
            `POST ${ROUTES.evaluate}`,
            `GET ${ROUTES.events}`,
            `GET /v1/blocks/{number}`,
            `POST ${ROUTES.verify}`,
            `POST ${ROUTES.transaction}`,
            `GET ${ROUTES.health}`,
            `GET ${ROUTES.metrics}`,
            `GET ${ROUTES.openapi}`,
            ...Object.values(TX_ROUTES).map((r) => `POST ${r.path}`),
        ]);
        assert.deepEqual([...documented].sort(), [...expected].sort());
        // OpenAPI has no WebSocket operations: the WebSocket event stream is routed, not documented
        assert.ok(gateway.app.hasRoute({ method: 'GET', url: ROUTES.eventsWs }));
        for (const d of documented) {
            const [method, path] = d.split(' ') as [string, string];
            assert.ok(
                gateway.app.hasRoute({
                    method: method,
                    url: path.replace(/\{(\w+)\}/g, ':$1'),
                }),
                `${d} is documented but not routed`,
            );
        }
        // every body-taking route documents its schema
        const submit = doc.paths?.[ROUTES.submit]?.post as
            { requestBody?: { content?: Record<string, { schema?: unknown }> } } | undefined;
        assert.ok(submit?.requestBody?.content?.['application/json']?.schema);
    });

    it('reads the registry as its own identity: a registered auditor, not the operator, that may write nothing', async () => {
        const { GATEWAY_PARTY, participantKey } = await import('../../src/apps/gateway/engine.js');
        const { derive } = await import('../e2e/world.js');
        const k = participantKey(derive('engine'), GATEWAY_PARTY);
        const self: Who = {
            identity: identities.ed25519('OperatorMSP', k),
            signer: signers.ed25519(k),
        };
        const party = await w.operator.api.getParty(GATEWAY_PARTY);
        assert.equal(party.role, 'auditor');
        assert.equal(party.identity.id, identities.id(self.identity));
        assert.notEqual(party.identity.id, identities.id(who.operator.identity));
        // the gateway's identity cannot register anyone (only the operator may)
        const r = await post(
            ROUTES.submit,
            await envelope(self, 'RegisterParty', [
                JSON.stringify({
                    id: 'intruder',
                    role: 'operator',
                    name: 'x',
                    identity: { mspId: 'OperatorMSP', id: identities.id(stranger.identity) },
                }),
            ]),
        );
        assert.equal(r.status, 422, JSON.stringify(r.body));
        assert.match(r.body.error?.message ?? '', /only operator may/);
    });

    it('health and metrics', async () => {
        const h = await get(ROUTES.health);
        assert.equal(h.status, 200);
        assert.equal(h.body.status, 'ok');
        assert.equal(h.body.channel, 'femeter');
        assert.ok(BigInt(h.body.height ?? '0') > 0n);
        const m = await fetch(url + ROUTES.metrics);
        assert.match(m.headers.get('content-type') ?? '', /^text\/plain/);
        const text = await m.text();
        assert.match(text, /# TYPE femeter_gateway_requests_total counter/);
        assert.match(text, /femeter_gateway_transactions_total\{tx="SubmitReadings"\} \d+/);
        assert.match(
            text,
            /femeter_gateway_request_seconds_bucket\{route="[^"]+",le="\+Inf"\} \d+/,
        );
    });

    it('submit: forwards a signed, registered transaction and refuses unsigned, wrongly signed, unregistered, replayed ones', async () => {
        const ok = await post(
            ROUTES.submit,
            await envelope(who.operator, 'RegisterParty', [
                JSON.stringify({
                    id: 'aud-2',
                    role: 'auditor',
                    name: 'A2',
                    identity: { mspId: 'CustomersMSP', id: identities.id(stranger.identity) },
                }),
            ]),
        );
        assert.equal(ok.status, 200, JSON.stringify(ok.body));
        assert.match(ok.body.transactionId ?? '', /^[0-9a-f]{64}$/);
        assert.equal(
            (JSON.parse(dec.decode(Buffer.from(ok.body.result ?? '', 'base64'))) as { id: string })
                .id,
            'aud-2',
        );

        const env = await envelope(who.operator, 'ListParties', []);
        const unsigned = await post(ROUTES.submit, { payload: env.payload, signature: '' });
        assert.equal(unsigned.status, 401);
        assert.equal(unsigned.body.error?.code, 'BAD_SIGNATURE');
        const wrong = await post(
            ROUTES.submit,
            await envelope(who.operator, 'RegisterParty', ['{}'], { signer: who.cust0.signer }),
        );
        assert.equal(wrong.status, 401);
        assert.equal(wrong.body.error?.code, 'BAD_SIGNATURE');
        const k = identities.newPrivateKey();
        const nobody = {
            identity: identities.ed25519('CustomersMSP', k),
            signer: signers.ed25519(k),
        };
        const unregistered = await post(
            ROUTES.submit,
            await envelope(nobody, 'Bootstrap', [JSON.stringify({ id: 'x', name: 'x' })]),
        );
        assert.equal(unregistered.status, 403);
        assert.equal(unregistered.body.error?.code, 'ACCESS_DENIED');
        const channel = await post(
            ROUTES.submit,
            await envelope(who.operator, 'ListParties', [], { channel: 'other' }),
        );
        assert.equal(channel.status, 400);
        assert.equal(channel.body.error?.code, 'WRONG_CHANNEL');
        // replay of an accepted write: the engine refuses the spent txId
        const once = await envelope(who.operator, 'RegisterParty', [
            JSON.stringify({
                id: 'aud-3',
                role: 'auditor',
                name: 'A3',
                // a valid Ed25519 key: the contract refuses non-points and torsion
                identity: {
                    mspId: 'CustomersMSP',
                    id: identities.id(
                        identities.ed25519('CustomersMSP', identities.newPrivateKey()),
                    ),
                },
            }),
        ]);
        assert.equal((await post(ROUTES.submit, once)).status, 200);
        const replay = await post(ROUTES.submit, once);
        assert.equal(replay.status, 409);
        assert.equal(replay.body.error?.code, 'DUPLICATE_TXID');
        // a contract refusal carries the contract's error
        const refused = await post(
            ROUTES.submit,
            await envelope(who.cust0, 'RegisterParty', ['{}']),
        );
        assert.equal(refused.status, 422);
        assert.equal(refused.body.error?.code, 'CONTRACT_ERROR');
        assert.ok((refused.body.error.contractError?.message.length ?? 0) > 0);
    });

    it('malformed and oversized bodies', async () => {
        for (const [body, ct] of [
            ['{not json', 'application/json'],
            [JSON.stringify({ payload: 'AAAA' }), 'application/json'],
            [JSON.stringify({ payload: '!!!!', signature: 'AAAA' }), 'application/json'],
            [JSON.stringify({ payload: 'AAAA', signature: 'AAAA', extra: 1 }), 'application/json'],
            [JSON.stringify({ payload: 'AAAA', signature: 'AAAA' }), 'application/json'],
            ['payload', 'text/plain'],
        ] as const) {
            const res = await fetch(url + ROUTES.submit, {
                method: 'POST',
                headers: { 'content-type': ct },
                body,
            });
            assert.ok([400, 415].includes(res.status), `${body}: ${res.status}`);
            const e = (await res.json()) as { error: { code: string } };
            assert.equal(e.error.code, 'MALFORMED');
        }
        const big = JSON.stringify({ payload: 'A'.repeat(9 * 1024 * 1024), signature: 'AAAA' });
        const res = await fetch(url + ROUTES.submit, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: big,
        });
        assert.equal(res.status, 413);
        assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'TOO_LARGE');
        const nf = await get('/v1/nothing');
        assert.equal(nf.status, 404);
    });

    it('evaluate: reads are authorised per role', async () => {
        const m0 = w.households[0]!.meterId;
        const m1 = w.households[1]!.meterId;
        const rows = (r: { body: Reply }): { id: string }[] =>
            JSON.parse(dec.decode(Buffer.from(r.body.result ?? '', 'base64'))) as { id: string }[];
        // customer: own meter yes, the neighbour's no; ListMeters shows only its own
        assert.equal((await evaluate(who.cust0, 'GetReadings', m0, CHANNEL, PERIOD)).status, 200);
        const other = await evaluate(who.cust0, 'GetReadings', m1, CHANNEL, PERIOD);
        assert.equal(other.status, 403);
        assert.equal(other.body.error?.code, 'FORBIDDEN');
        const mine = await evaluate(who.cust0, 'ListMeters');
        assert.deepEqual(
            rows(mine).map((m) => m.id),
            [m0],
        );
        assert.equal((await evaluate(who.cust0, 'ListBills', '')).status, 403);
        // provider: the meter whose customer consented, not the other
        assert.equal((await evaluate(who.provA, 'GetReadings', m0, CHANNEL, PERIOD)).status, 200);
        assert.equal((await evaluate(who.provA, 'GetReadings', m1, CHANNEL, PERIOD)).status, 403);
        assert.equal((await evaluate(who.provB, 'GetMeter', m0)).status, 403);
        // auditor: everything public
        assert.equal(rows(await evaluate(who.auditor, 'ListMeters')).length, 2);
        assert.equal((await evaluate(who.auditor, 'GetReadings', m1, CHANNEL, PERIOD)).status, 200);
        assert.equal((await evaluate(who.auditor, 'ListBills', '')).status, 200);
        // a meter: itself, and not its readings
        assert.equal((await evaluate(who.meter0, 'GetMeter', m0)).status, 200);
        assert.equal((await evaluate(who.meter0, 'GetReadings', m0, CHANNEL, PERIOD)).status, 403);
        // public registry data for every registered identity; unknown queries refused
        assert.equal((await evaluate(who.cust1, 'ListTariffs')).status, 200);
        assert.equal((await evaluate(who.cust1, 'SomethingElse')).status, 403);
        // unregistered callers only learn who they are
        assert.equal((await evaluate(stranger, 'WhoAmI')).status, 200);
        const k = identities.newPrivateKey();
        const nobody = {
            identity: identities.ed25519('CustomersMSP', k),
            signer: signers.ed25519(k),
        };
        assert.equal((await evaluate(nobody, 'ListParties')).status, 403);
        assert.equal((await evaluate(nobody, 'WhoAmI')).status, 200);
    });

    it("committed transactions: a SubmitReadings is readable under GetReadings' role rule, others by auditors only", async () => {
        const m0 = w.households[0]!.meterId;
        const stored = await evaluate(who.auditor, 'GetReadings', m0, CHANNEL, PERIOD);
        const txId = (
            JSON.parse(dec.decode(Buffer.from(stored.body.result ?? '', 'base64'))) as {
                tx: string;
            }[]
        )[0]!.tx;
        const read = async (by: Who, transactionId: string) =>
            post(
                ROUTES.transaction,
                { transactionId },
                {
                    authorization: `${TOKEN_SCHEME} ${await token(by, 'POST', ROUTES.transaction)}`,
                },
            );
        // who may call GetReadings on m0 reads its SubmitReadings
        for (const by of [who.cust0, who.provA, who.auditor, who.operator]) {
            const r = await read(by, txId);
            assert.equal(r.status, 200, JSON.stringify(r.body));
            assert.equal(r.body.txName, 'SubmitReadings');
            assert.equal((JSON.parse(r.body.args![0]!) as { meter: string }).meter, m0);
        }
        // the neighbour, a provider without consent, the meter device: the answer of an unknown id
        for (const by of [who.cust1, who.provB, who.meter0]) {
            const r = await read(by, txId);
            assert.equal(r.status, 404);
            assert.equal(r.body.args, undefined);
        }
        assert.equal((await read(who.auditor, 'ab'.repeat(32))).status, 404);
        // any other transaction (block 0's Bootstrap): auditors and the operator only
        const boot = (await ledger.getBlock(0n))!.txs[0]!.txId;
        assert.equal((await read(who.auditor, boot)).status, 200);
        assert.equal((await read(who.cust0, boot)).status, 404);
        // a token is required; the id is checked
        assert.equal((await post(ROUTES.transaction, { transactionId: txId })).status, 401);
        assert.equal((await read(who.auditor, 'XY')).status, 400);
        // the remote client: signatures taken from the transactions for a reader of the meter
        const meter = await w.auditor.api.getMeter(m0);
        const signed = await signedReadings(w.auditor.api, meter, CHANNEL, PERIOD);
        assert.equal(signed.length, 2972);
        assert.ok(signed.every((r) => /^[0-9a-f]{128}$/.test(r.sig)));
    });

    it('evaluate: a replayed or stale query envelope is refused', async () => {
        const env = await envelope(who.auditor, 'ListParties', []);
        assert.equal((await post(ROUTES.evaluate, env)).status, 200);
        const again = await post(ROUTES.evaluate, env);
        assert.equal(again.status, 401);
        assert.match(again.body.error?.message ?? '', /replay/);
        const stale = await post(
            ROUTES.evaluate,
            await envelope(who.auditor, 'ListParties', [], { ageMs: 10 * 60_000 }),
        );
        assert.equal(stale.status, 401);
        const wrongSigner = await post(
            ROUTES.evaluate,
            await envelope(who.auditor, 'ListParties', [], { signer: who.cust0.signer }),
        );
        assert.equal(wrongSigner.status, 401);
    });

    it('request tokens: missing, expired, wrongly signed, for another route, wrong role, replayed', async () => {
        const path = '/v1/blocks/0';
        assert.equal((await get(path)).status, 401);
        assert.equal((await get(path, 'garbage')).status, 401);
        const expired = await token(who.auditor, 'GET', path, { now: Date.now() - 10 * 60_000 });
        assert.equal((await get(path, expired)).status, 401);
        const tooLong = await token(who.auditor, 'GET', path, { lifetimeMs: 60 * 60_000 });
        assert.equal((await get(path, tooLong)).status, 401);
        const forged = await token(who.auditor, 'GET', path, { signer: who.cust0.signer });
        assert.equal((await get(path, forged)).status, 401);
        const elsewhere = await token(who.auditor, 'GET', '/v1/blocks/1');
        assert.equal((await get(path, elsewhere)).status, 401);
        assert.equal(
            (await get(path, await token(stranger, 'GET', path))).status,
            200,
            'aud-2 was registered above',
        );
        const k = identities.newPrivateKey();
        const nobody = {
            identity: identities.ed25519('CustomersMSP', k),
            signer: signers.ed25519(k),
        };
        assert.equal((await get(path, await token(nobody, 'GET', path))).status, 403);
        const customer = await get(path, await token(who.cust0, 'GET', path));
        assert.equal(customer.status, 403);
        assert.equal(customer.body.error?.code, 'FORBIDDEN');
        const good = await token(who.auditor, 'GET', path);
        const block = await get(path, good);
        assert.equal(block.status, 200);
        assert.equal(block.body.number, '0');
        assert.equal(block.body.txs?.[0]?.txName, 'Bootstrap');
        const replay = await get(path, good);
        assert.equal(replay.status, 401);
        assert.match(replay.body.error?.message ?? '', /already used/);
        const beyond = `/v1/blocks/${ledger.height + 5n}`;
        assert.equal((await get(beyond, await token(who.auditor, 'GET', beyond))).status, 404);
    });

    it('verify: auditors and the operator re-check the chain; customers may not', async () => {
        const r = await post(
            ROUTES.verify,
            {},
            { authorization: `${TOKEN_SCHEME} ${await token(who.auditor, 'POST', ROUTES.verify)}` },
        );
        assert.equal(r.status, 200);
        assert.equal(r.body.ok, true);
        assert.equal(r.body.blocks, Number(ledger.height));
        const c = await post(
            ROUTES.verify,
            {},
            { authorization: `${TOKEN_SCHEME} ${await token(who.cust0, 'POST', ROUTES.verify)}` },
        );
        assert.equal(c.status, 403);
    });

    it('events: filtered per role; resume from Last-Event-ID; the client reconnects after a dropped connection without loss or duplicates', async () => {
        const remote = await RemoteLedger.open({ url, maxReconnectDelayMs: 100 });
        const collect = async (
            by: Who,
            n: number,
            o: { startBlock?: bigint } = {},
        ): Promise<ChaincodeEvent[]> => {
            const c = remote.connect(by);
            const out: ChaincodeEvent[] = [];
            const s = await c.events({ startBlock: 0n, ...o });
            for await (const e of s) {
                out.push(e);
                if (out.length >= n) break;
            }
            await c.close();
            return out;
        };
        const height = ledger.height;
        // everything up to now, as the auditor sees it, from a single connection
        const all: ChaincodeEvent[] = [];
        {
            const c = remote.connect(who.auditor);
            const s = await c.events({ startBlock: 0n });
            const done = new Promise<void>((r) => setTimeout(r, 1500));
            const loop = (async () => {
                for await (const e of s) if (e.blockNumber < height) all.push(e);
            })();
            await done;
            s.close();
            await loop;
        }
        assert.ok(all.length > 5);
        // the customer sees only its own meter's events (and tariffs)
        const mine = await collect(who.cust1, 3);
        for (const e of mine) {
            const p = JSON.parse(dec.decode(e.payload)) as { meter?: string };
            assert.ok(
                e.eventName === 'tariff' || p.meter === w.households[1]!.meterId,
                e.eventName,
            );
        }
        // raw SSE: read 3 events, drop, resume with Last-Event-ID: the rest follows exactly
        const readRaw = async (
            lastId: string | undefined,
            n: number,
        ): Promise<{ ids: string[] }> => {
            const ac = new AbortController();
            const headers: Record<string, string> = {
                authorization: `${TOKEN_SCHEME} ${await token(who.auditor, 'GET', ROUTES.events)}`,
            };
            if (lastId) headers['last-event-id'] = lastId;
            const res = await fetch(url + ROUTES.events + (lastId ? '' : '?startBlock=0'), {
                headers,
                signal: ac.signal,
            });
            assert.equal(res.status, 200);
            assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
            const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
            const ids: string[] = [];
            let buf = '';
            while (ids.length < n) {
                const { value, done } = await reader.read();
                if (done) break;
                buf += value;
                let i: number;
                while ((i = buf.indexOf('\n\n')) >= 0) {
                    const msg = buf.slice(0, i);
                    buf = buf.slice(i + 2);
                    const id = /^id: (.*)$/m.exec(msg)?.[1];
                    if (id && /^data: /m.test(msg)) ids.push(id);
                }
            }
            ac.abort();
            return { ids: ids.slice(0, n) };
        };
        const first = await readRaw(undefined, 3);
        const rest = await readRaw(first.ids[2], 3);
        const expected = all.slice(0, 6).map((e) => `${e.blockNumber}:${e.transactionId}`);
        assert.deepEqual([...first.ids, ...rest.ids], expected);

        // the remote client across server-side drops: the whole sequence, once each
        const c = remote.connect(who.auditor);
        const s = await c.events({ startBlock: 0n });
        const got: ChaincodeEvent[] = [];
        let drops = 0;
        for await (const e of s) {
            if (e.blockNumber < height) got.push(e);
            if (got.length % 7 === 3 && drops < 3) {
                drops++;
                gateway.app.server.closeAllConnections();
            }
            if (got.length >= all.length) break;
        }
        await c.close();
        assert.equal(drops, 3);
        assert.deepEqual(
            got.map((e) => `${e.blockNumber}:${e.transactionId}`),
            all.map((e) => `${e.blockNumber}:${e.transactionId}`),
        );
        // an unauthorised stream is refused before it starts
        const k = identities.newPrivateKey();
        const nobody = remote.connect({
            identity: identities.ed25519('CustomersMSP', k),
            signer: signers.ed25519(k),
        });
        await assert.rejects(
            nobody.events(),
            (e: Error & { code?: string }) => e.code === 'ACCESS_DENIED',
        );
    });

    it('events over WebSocket: token required, filtered per role, resume from lastEventId after a dropped connection', async () => {
        const wsUrl = url.replace(/^http/, 'ws') + ROUTES.eventsWs;
        /** Open a socket; the ids of the first `n` events, then drop the connection. */
        const read = async (
            by: Who,
            query: Record<string, string>,
            n: number,
        ): Promise<{ ids: string[]; events: { eventName: string; payload: string }[] }> => {
            const q = new URLSearchParams({
                ...query,
                token: await token(by, 'GET', ROUTES.eventsWs),
            });
            const sock = new WebSocket(`${wsUrl}?${q.toString()}`);
            const ids: string[] = [];
            const events: { eventName: string; payload: string }[] = [];
            await new Promise<void>((resolve, reject) => {
                sock.on('error', reject);
                sock.on('close', () => {
                    resolve();
                });
                sock.on('message', (data: Buffer) => {
                    const m = JSON.parse(data.toString('utf8')) as {
                        id: string;
                        event?: { eventName: string; payload: string };
                    };
                    // the opening message, or one that arrived after the drop began
                    if (m.event === undefined || ids.length >= n) return;
                    ids.push(m.id);
                    events.push(m.event);
                    if (ids.length === n) sock.terminate(); // a dropped connection, not a clean close
                });
            });
            return { ids, events };
        };
        // no token: the upgrade is refused with 401
        const refused = await new Promise<number>((resolve) => {
            const sock = new WebSocket(wsUrl);
            sock.on('unexpected-response', (_req, res) => {
                resolve(res.statusCode ?? 0);
                sock.terminate();
            });
            sock.on('error', () => undefined);
        });
        assert.equal(refused, 401);
        const first = await read(who.auditor, { startBlock: '0' }, 3);
        const rest = await read(who.auditor, { lastEventId: first.ids[2]! }, 3);
        const all = await read(who.auditor, { startBlock: '0' }, 6);
        assert.deepEqual([...first.ids, ...rest.ids], all.ids);
        assert.equal(new Set(all.ids).size, 6);
        // a customer sees only tariffs and its own meter's events
        const mine = await read(who.cust1, { startBlock: '0' }, 3);
        for (const e of mine.events) {
            const p = JSON.parse(Buffer.from(e.payload, 'base64').toString('utf8')) as {
                meter?: string;
            };
            assert.ok(
                e.eventName === 'tariff' || p.meter === w.households[1]!.meterId,
                e.eventName,
            );
        }
    });

    it('rate limits per client address', async () => {
        const reader = (await w.engine.connect('operator', 'operator')).api;
        const g = await startGateway({
            ledger,
            reader,
            rateLimit: { max: 3, timeWindowMs: 60_000 },
        });
        try {
            const codes: number[] = [];
            for (let i = 0; i < 5; i++) {
                const r = await fetch(g.url + ROUTES.evaluate, {
                    method: 'POST',
                    headers: { 'content-type': 'application/json' },
                    body: JSON.stringify(await envelope(who.auditor, 'ListParties', [])),
                });
                codes.push(r.status);
                if (r.status === 429)
                    assert.equal(
                        ((await r.json()) as { error: { code: string } }).error.code,
                        'RATE_LIMITED',
                    );
                else await r.arrayBuffer();
            }
            assert.deepEqual(codes, [200, 200, 200, 429, 429]);
            assert.equal(
                (await fetch(g.url + ROUTES.health)).status,
                200,
                'health is not rate limited',
            );
        } finally {
            await g.close();
        }
    });
});
