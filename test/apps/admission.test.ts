// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/apps/admission
 * The apps open the embedded engine with the contract's admission rules (issue 9 item 8): an
 * unregistered creator, an unknown transaction and a request larger than its transaction kind
 * accepts are refused before ordering (nothing stored), while valid traffic still passes.
 */
import '../ledger/fixtures/quiet.js';

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { embeddedEngine, type Participant } from '../../src/apps/engines.js';
import {
    ENVELOPE_OVERHEAD_BYTES,
    FemeterContract,
    TX_MAX_BYTES,
} from '../../src/contract/index.js';
import { MPK_ARG_MAX_BYTES } from '../../src/contract/limits.js';
import { MAX_ARG_BYTES } from '../../src/contract/marshal.js';
import { EndorseError, identities } from '../../src/ledger/index.js';
import type { EmbeddedLedger } from '../../src/ledger/index.js';

type Opened = Awaited<ReturnType<typeof embeddedEngine>>;

/** The refusal `code`, and that nothing of the refused transaction was stored. */
async function refusedBeforeOrdering(
    ledger: EmbeddedLedger,
    attempt: Promise<unknown>,
    code: string,
    message?: RegExp,
): Promise<void> {
    const height = ledger.height;
    let txId: string | undefined;
    await assert.rejects(attempt, (e: unknown) => {
        assert.ok(e instanceof EndorseError, `expected EndorseError, got ${String(e)}`);
        assert.equal(e.code, code, e.message);
        if (message !== undefined) assert.match(e.message, message);
        txId = e.transactionId;
        return true;
    });
    assert.equal(ledger.height, height, 'nothing was ordered');
    assert.ok(txId !== undefined, 'the refusal names the transaction');
    assert.equal(await ledger.getTransaction(txId), undefined, 'nothing was recorded');
}

describe('apps: the embedded engine admits by the contract rules', () => {
    let dir: string;
    let engine: Opened;
    let operator: Participant;
    let stranger: Participant;
    let strangerKey: Uint8Array;

    before(async () => {
        dir = await mkdtemp(join(tmpdir(), 'femeter-admission-'));
        engine = await embeddedEngine(join(dir, 'ledger'), new Uint8Array(32).fill(7));
        operator = await engine.connect('operator', 'operator');
        strangerKey = identities.newPrivateKey();
        stranger = engine.connectWithKey!(strangerKey, 'customers');
    });
    after(async () => {
        await engine.close();
        await rm(dir, { recursive: true, force: true });
    });

    it('lets the first Bootstrap in, then refuses another from an unregistered key before ordering', async () => {
        await operator.api.bootstrap('operator', 'Operator');
        await refusedBeforeOrdering(
            engine.ledger,
            stranger.api.bootstrap('usurper', 'Usurper'),
            'ACCESS_DENIED',
            /not registered on this ledger.*femeter operator register/,
        );
    });

    it('refuses every transaction of an unregistered key before it reaches a block, 1 MiB ones included', async () => {
        const big = 'x'.repeat(1024 * 1024);
        const before = engine.ledger.height;
        for (const name of ['SubmitReadings', 'PublishMpk', 'femeter:AcceptTariff'])
            await refusedBeforeOrdering(
                engine.ledger,
                stranger.api.client.submit(name, big),
                'ACCESS_DENIED',
                /not registered/,
            );
        await refusedBeforeOrdering(
            engine.ledger,
            stranger.api.registerParty({
                id: 'mallory',
                role: 'operator',
                name: 'Mallory',
                identity: stranger.identity,
            }),
            'ACCESS_DENIED',
            /not registered/,
        );
        // Queries too (they run against state), except WhoAmI: anyone may ask who it is.
        await assert.rejects(stranger.api.client.evaluate('ListMeters'), (e: unknown) => {
            assert.ok(e instanceof EndorseError);
            assert.equal(e.code, 'ACCESS_DENIED');
            return true;
        });
        const who = await stranger.api.whoAmI();
        assert.equal(who.ref, null);
        assert.equal(engine.ledger.height, before);
    });

    it('refuses a transaction the contract does not have before ordering, from anyone', async () => {
        await refusedBeforeOrdering(
            engine.ledger,
            operator.api.client.submit('DropEverything', '{}'),
            'ACCESS_DENIED',
            /no transaction "DropEverything"/,
        );
    });

    it('admits the same key once registered; its valid traffic is ordered', async () => {
        const before = engine.ledger.height;
        await operator.api.registerParty({
            id: 'alice',
            role: 'customer',
            name: 'Alice',
            identity: stranger.identity,
        });
        const who = await stranger.api.whoAmI();
        assert.deepEqual(who.ref, { kind: 'party', id: 'alice' });
        const config = await stranger.api.getConfig();
        assert.equal(config.operator, 'operator');
        // A contract refusal of a registered key is ordered (a bounded record), not refused at admission.
        await assert.rejects(stranger.api.client.submit('RegisterParty', '{}'), (e: unknown) => {
            assert.ok(e instanceof EndorseError);
            assert.equal(e.code, 'CONTRACT_ERROR', e.message);
            return true;
        });
        assert.ok(engine.ledger.height > before);
    });

    it('refuses a request over its kind limit with TOO_LARGE, for every transaction, and admits one at the contract limit', async () => {
        for (const [name, cap] of Object.entries(TX_MAX_BYTES)) {
            // The argument alone is as long as the whole allowed request.
            await refusedBeforeOrdering(
                engine.ledger,
                operator.api.client.submit(name, 'x'.repeat(cap)),
                'TOO_LARGE',
                new RegExp(`"${name}" envelope of \\d+ bytes exceeds ${cap}`),
            );
        }
        // The largest argument the contract accepts for the bulk kinds still reaches the contract.
        for (const [name, arg] of [
            ['PublishMpk', MPK_ARG_MAX_BYTES],
            ['SubmitReadings', MAX_ARG_BYTES],
            ['PublishPriceSeries', MAX_ARG_BYTES],
        ] as const) {
            await assert.rejects(
                operator.api.client.submit(name, 'x'.repeat(arg)),
                (e: unknown) => {
                    assert.ok(e instanceof EndorseError);
                    assert.equal(e.code, 'CONTRACT_ERROR', `${name}: ${e.message}`);
                    return true;
                },
            );
        }
    });

    it('has a size limit for every transaction of the contract, each above its envelope framing', () => {
        const names = Object.getOwnPropertyNames(FemeterContract.prototype).filter((n) =>
            /^[A-Z]/.test(n),
        );
        assert.ok(names.length > 20);
        assert.deepEqual([...names].sort(), Object.keys(TX_MAX_BYTES).sort());
        for (const cap of Object.values(TX_MAX_BYTES)) assert.ok(cap > ENVELOPE_OVERHEAD_BYTES);
    });
});
