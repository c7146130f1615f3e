// SPDX-License-Identifier: Apache-2.0
/**
 * The gateway's dedicated routes of grid aggregation and surveys (apps/gateway/dedicated.ts) over
 * an embedded ledger: the remote client uses them (group registration, listing with member counts,
 * survey request and refusal), and they refuse hostile calls before the contract sees them — wrong
 * role, another household's meter, a transaction posted to another transaction's route, malformed
 * and oversized bodies, replayed envelopes — on the generic submit route too.
 */
import '../ledger/fixtures/quiet.js';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Participant } from '../../src/apps/engines.js';
import { gatewayEngine, participantKey } from '../../src/apps/gateway/engine.js';
import {
    encodeProposal,
    identities,
    newProposal,
    signers,
    signPayload,
    type Identity,
    type Signer,
} from '../../src/ledger/index.js';
import { ROUTES, toBase64, TX_ROUTES } from '../../src/ledger/remote/wire.js';
import { GridApi } from '../../src/roles/grid/api.js';
import { SurveyApi } from '../../src/roles/surveyor/api.js';
import { derive, registerHousehold, registerKeyedParty } from '../e2e/world.js';

const CHANNEL = '1-0:1.8.0';
const EPOCH = '2024-03';

interface Who {
    readonly identity: Identity;
    readonly signer: Signer;
}
interface Reply {
    readonly status: number;
    readonly body: {
        readonly result?: unknown;
        readonly error?: { readonly code: string; readonly message: string };
    };
}

describe('gateway dedicated routes: grid aggregates and surveys', () => {
    let dir: string;
    let engine: Awaited<ReturnType<typeof gatewayEngine>>;
    let gridOp: Participant;
    let lab: Participant;
    const homes: Participant[] = [];
    const mk = (name: string, msp: string): Who => {
        const k = participantKey(derive('engine'), name);
        return { identity: identities.ed25519(msp, k), signer: signers.ed25519(k) };
    };

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-dedicated-'));
        engine = await gatewayEngine(join(dir, 'ledger'), derive('engine'));
        const operator = await engine.connect('operator', 'operator');
        await operator.api.bootstrap('operator', 'Operator');
        const keyed = async (id: string, role: 'surveyor' | 'gridOperator', name: string) =>
            (await registerKeyedParty(engine, operator, id, role, name)).party;
        gridOp = await keyed('grid-op', 'gridOperator', 'Grid operator');
        lab = await keyed('lab', 'surveyor', 'Survey lab');
        for (let i = 0; i < 5; i++) {
            const { party } = await registerHousehold(engine, operator, `cust-${i}`, `meter-${i}`);
            homes.push(party);
        }
    });
    after(async () => {
        await engine.close();
        rmSync(dir, { recursive: true, force: true });
    });

    const envelope = async (
        by: Who,
        txName: string,
        args: string[],
    ): Promise<{ payload: string; signature: string }> => {
        const p = newProposal({ channel: 'femeter', txName, args, creator: by.identity });
        const env = await signPayload(encodeProposal(p), by.signer);
        return { payload: toBase64(env.payload), signature: toBase64(env.signature) };
    };
    const post = async (path: string, body: unknown): Promise<Reply> => {
        const res = await fetch(engine.url + path, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: typeof body === 'string' ? body : JSON.stringify(body),
        });
        return { status: res.status, body: (await res.json()) as Reply['body'] };
    };
    const refused = (r: Reply, status: number, code: string, message?: RegExp): void => {
        assert.equal(r.status, status, JSON.stringify(r.body));
        const e = r.body.error;
        assert.ok(e !== undefined);
        assert.equal(e.code, code);
        if (message) assert.match(e.message, message);
    };
    const consent = (meter: string, extra: Record<string, unknown> = {}): string =>
        JSON.stringify({
            group: 'feeder-1',
            channel: CHANNEL,
            epoch: EPOCH,
            meter,
            decision: 'refused',
            reason: 'no',
            ...extra,
        });
    const members = Array.from({ length: 5 }, (_, i) => `meter-${i}`);

    it('the remote client goes through them: a group registered, listed with its member count', async () => {
        const grid = new GridApi(gridOp.api.client);
        const g = await grid.registerGroup({
            id: 'feeder-1',
            channel: CHANNEL,
            epoch: EPOCH,
            members,
            minMembers: 5,
        });
        assert.equal(g.households, 5);
        const listed = (await new GridApi(homes[0]!.api.client).listGroups()) as unknown as {
            id: string;
            memberCount: number;
        }[];
        assert.deepEqual(
            listed.map((x) => [x.id, x.memberCount]),
            [['feeder-1', 5]],
        );
        const one = (await grid.getGroup({
            group: 'feeder-1',
            channel: CHANNEL,
            epoch: EPOCH,
        })) as unknown as { memberCount: number };
        assert.equal(one.memberCount, 5);
        assert.deepEqual(
            await grid.getAggregates({ group: 'feeder-1', channel: CHANNEL, epoch: EPOCH }),
            [],
        );
        // the gateway counted those requests on the dedicated routes, not on the generic ones
        const metrics = await (await fetch(engine.url + ROUTES.metrics)).text();
        for (const path of [
            TX_ROUTES.RegisterAggregationGroup.path,
            TX_ROUTES.ListAggregationGroups.path,
            TX_ROUTES.GetAggregationGroup.path,
            TX_ROUTES.GetAggregates.path,
        ])
            assert.match(
                metrics,
                new RegExp(
                    `femeter_gateway_requests_total\\{route="${path}",status="200"\\} [1-9]`,
                ),
                path,
            );
    });

    /**
     * A hostile call and what the gateway answers: posted to each of `routes` in turn, either as
     * the raw `body` or as a fresh envelope of `tx(args)` signed by `by`.
     */
    type Hostile = {
        readonly routes: readonly string[];
        readonly status: number;
        readonly code: string;
        readonly message?: RegExp;
    } & (
        | { readonly body: unknown }
        | { readonly by: Who; readonly tx: string; readonly args: readonly string[] }
    );
    const refusedAll = async (cases: readonly Hostile[]): Promise<void> => {
        for (const c of cases)
            for (const route of c.routes) {
                const body = 'body' in c ? c.body : await envelope(c.by, c.tx, [...c.args]);
                refused(await post(route, body), c.status, c.code, c.message);
            }
    };

    it('wrong role: a customer registers a group, a grid operator consents, a customer requests a survey', async () => {
        const cust0 = mk('cust-0', 'CustomersMSP');
        const op = mk('grid-op', 'OperatorMSP');
        const group = JSON.stringify({ id: 'x', channel: CHANNEL, epoch: EPOCH, members });
        const survey = JSON.stringify({
            id: 's1',
            meter: 'meter-0',
            channel: CHANNEL,
            period: EPOCH,
            spec: { kind: 'total' },
            purpose: 'p',
        });
        const aggregates = JSON.stringify({
            group: 'feeder-1',
            channel: CHANNEL,
            epoch: EPOCH,
            results: [{ slot: 0, m: '1', proof: '00' }],
        });
        const forbidden = { status: 403, code: 'FORBIDDEN' } as const;
        await refusedAll([
            {
                routes: [TX_ROUTES.RegisterAggregationGroup.path],
                by: cust0,
                tx: 'RegisterAggregationGroup',
                args: [group],
                ...forbidden,
                message:
                    /\[FORBIDDEN\] RegisterAggregationGroup is for grid operators, not a customer/,
            },
            {
                routes: [TX_ROUTES.ConsentAggregation.path],
                by: op,
                tx: 'ConsentAggregation',
                args: [consent('meter-0')],
                ...forbidden,
                message: /is for the meter's owner, not a gridOperator/,
            },
            {
                routes: [TX_ROUTES.PostAggregates.path],
                by: cust0,
                tx: 'PostAggregates',
                args: [aggregates],
                ...forbidden,
            },
            {
                routes: [TX_ROUTES.RequestSurvey.path],
                by: cust0,
                tx: 'RequestSurvey',
                args: [survey],
                ...forbidden,
                message: /RequestSurvey is for surveyors/,
            },
            // a meter device is not a party at all
            {
                routes: [TX_ROUTES.ConsentAggregation.path],
                by: mk('meter-0', 'CustomersMSP'),
                tx: 'ConsentAggregation',
                args: [consent('meter-0')],
                ...forbidden,
                message: /not a meter/,
            },
        ]);
    });

    it("another household's meter: consent, key share, survey decision refused, on every route", async () => {
        const cust1 = mk('cust-1', 'CustomersMSP');
        const share = JSON.stringify({
            group: 'feeder-1',
            channel: CHANNEL,
            epoch: EPOCH,
            meter: 'meter-0',
            sealedShare: '00'.repeat(80),
            commitment: ['00'.repeat(32), '00'.repeat(32)],
        });
        const decision = JSON.stringify({
            meter: 'meter-0',
            channel: CHANNEL,
            period: EPOCH,
            survey: 's1',
            reason: 'no',
        });
        const forbidden = { by: cust1, status: 403, code: 'FORBIDDEN' } as const;
        await refusedAll([
            {
                routes: [TX_ROUTES.ConsentAggregation.path, ROUTES.submit],
                tx: 'ConsentAggregation',
                args: [consent('meter-0')],
                ...forbidden,
                message: /meter meter-0 is not a meter of cust-1/,
            },
            {
                routes: [TX_ROUTES.PublishAggregationShare.path],
                tx: 'PublishAggregationShare',
                args: [share],
                ...forbidden,
                message: /not a meter of cust-1/,
            },
            {
                routes: [TX_ROUTES.RefuseSurvey.path],
                tx: 'RefuseSurvey',
                args: [decision],
                ...forbidden,
            },
        ]);
        // the consent of the owner itself passes the gateway (the contract records the refusal)
        const own = await new GridApi(homes[0]!.api.client).consent({
            group: 'feeder-1',
            channel: CHANNEL,
            epoch: EPOCH,
            meter: 'meter-0',
            decision: 'refused',
            reason: 'not this month',
        });
        assert.equal(own.decision, 'refused');
    });

    it('malformed and oversized bodies, and a transaction on another route', async () => {
        const cust2 = mk('cust-2', 'CustomersMSP');
        const op = mk('grid-op', 'OperatorMSP');
        const path = TX_ROUTES.ConsentAggregation.path;
        const malformed = { status: 400, code: 'MALFORMED' } as const;
        const consentBy2 = { by: cust2, tx: 'ConsentAggregation', ...malformed } as const;
        const badArgs: [string, RegExp][] = [
            [consent('meter-2', { extra: true }), /must not have additional properties/],
            [consent('meter-2', { decision: 'maybe' }), /\/decision/],
            [consent('meter-2', { reason: 'x'.repeat(513) }), /\/reason/],
            [consent('meter-2', { dhPublicKey: 'zz' }), /\/dhPublicKey/],
            [consent('meter 2'), /\/meter/],
            [consent('meter-2', { epoch: '2024-13' }), /\/epoch/],
            ['{', /not JSON/],
        ];
        await refusedAll([
            { routes: [path], body: 'not json', ...malformed },
            { routes: [path], body: { payload: 'AA==' }, ...malformed },
            ...badArgs.map(([arg, message]) => ({
                routes: [path, ROUTES.submit],
                args: [arg],
                message,
                ...consentBy2,
            })),
            {
                routes: [path],
                args: [consent('meter-2'), '1'],
                ...consentBy2,
                message: /takes one JSON argument/,
            },
            // a ConsentAggregation posted to the group route: named, with the right route
            {
                routes: [TX_ROUTES.RegisterAggregationGroup.path],
                args: [consent('meter-2')],
                ...consentBy2,
                message:
                    /takes RegisterAggregationGroup, not ConsentAggregation; send that to \/v1\/grid\/consents/,
            },
            // a body far above the consent route's limit (16 KiB), below the generic 8 MiB
            {
                routes: [path],
                by: cust2,
                tx: 'ConsentAggregation',
                args: [consent('meter-2', { reason: 'x'.repeat(40_000) })],
                status: 413,
                code: 'TOO_LARGE',
            },
            // query arguments: a group id that is not an identifier, an extra argument
            {
                routes: [TX_ROUTES.GetAggregates.path],
                by: op,
                tx: 'GetAggregates',
                args: ['feeder 1', CHANNEL, EPOCH],
                ...malformed,
            },
            {
                routes: [TX_ROUTES.ListAggregationGroups.path],
                by: op,
                tx: 'ListAggregationGroups',
                args: ['x'],
                ...malformed,
            },
            // a provider may not read grid records (policy.ts), on the dedicated route either
            {
                routes: [TX_ROUTES.ListAggregationGroups.path],
                by: mk('meter-1', 'CustomersMSP'),
                tx: 'ListAggregationGroups',
                args: [],
                status: 403,
                code: 'FORBIDDEN',
            },
        ]);
    });

    it('replay: a committed envelope and a used query envelope are refused the second time', async () => {
        const labWho = mk('lab', 'OperatorMSP');
        const survey = await envelope(labWho, 'RequestSurvey', [
            JSON.stringify({
                id: 'load-1',
                meter: 'meter-3',
                channel: CHANNEL,
                period: EPOCH,
                spec: { kind: 'total' },
                purpose: 'load study',
            }),
        ]);
        const first = await post(TX_ROUTES.RequestSurvey.path, survey);
        assert.equal(first.status, 200, JSON.stringify(first.body));
        refused(await post(TX_ROUTES.RequestSurvey.path, survey), 409, 'DUPLICATE_TXID');
        refused(await post(ROUTES.submit, survey), 409, 'DUPLICATE_TXID');
        const list = await envelope(mk('cust-3', 'CustomersMSP'), 'GetSurveys', [
            'meter-3',
            CHANNEL,
            EPOCH,
        ]);
        const seen = await post(TX_ROUTES.GetSurveys.path, list);
        assert.equal(seen.status, 200);
        assert.deepEqual(
            (seen.body.result as { id: string; status: string }[]).map((s) => [s.id, s.status]),
            [['load-1', 'open']],
        );
        refused(await post(TX_ROUTES.GetSurveys.path, list), 401, 'UNAUTHORIZED', /replay/);
        // the owner refuses through the client (dedicated route), and reads it back
        const own = new SurveyApi(homes[3]!.api.client);
        const r = await own.refuseSurvey({
            meter: 'meter-3',
            channel: CHANNEL,
            period: EPOCH,
            survey: 'load-1',
            reason: 'not now',
        });
        assert.equal(r.status, 'refused');
        assert.equal((await own.getSurveys('meter-3', CHANNEL, EPOCH))[0]?.status, 'refused');
        // the surveyor sees its own survey; another customer may not read meter-3's surveys
        assert.equal(
            (await new SurveyApi(lab.api.client).getSurveys('meter-3', CHANNEL, EPOCH)).length,
            1,
        );
        await assert.rejects(
            new SurveyApi(homes[4]!.api.client).getSurveys('meter-3', CHANNEL, EPOCH),
        );
    });

    it('the OpenAPI document lists every dedicated route', async () => {
        const doc = (await (await fetch(engine.url + ROUTES.openapi)).json()) as {
            paths: Record<string, unknown>;
        };
        for (const r of Object.values(TX_ROUTES)) assert.ok(doc.paths[r.path], r.path);
    });
});
