// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/engine
 * The embedded engine through its public interface: submit / evaluate, contract dispatch and hooks, Fabric
 * semantics of the stub (no read-your-writes, empty value deletes, last event wins), refused transactions,
 * group commit, restart, and options.
 */

import '../fixtures/quiet.js';

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';

import {
    decodeProposal,
    encodeProposal,
    EndorseError,
    identities,
    newProposal,
    signers,
    signPayload,
    SubmitError,
    transactionId,
} from '../../../src/ledger/index.js';
import type { EmbeddedLedger, LedgerClient } from '../../../src/ledger/index.js';
import { connect, openLedger, party, tempDir, text } from '../helpers.js';
import type { Party } from '../helpers.js';

describe('embedded engine', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    let ledger: EmbeddedLedger;
    let alice: Party;
    let client: LedgerClient;

    before(async () => {
        ({ dir, cleanup } = await tempDir());
        ledger = await openLedger(dir);
        alice = party('OrgMSP');
        client = connect(ledger, alice);
    });
    after(async () => {
        await ledger.close();
        await cleanup();
    });

    it('submits, then evaluates what was committed (read-after-commit)', async () => {
        const r = await client.submit('Put', 'a', 'one');
        assert.match(r.transactionId, /^[0-9a-f]{64}$/);
        assert.equal(typeof r.blockNumber, 'bigint');
        assert.equal(text(await client.evaluate('Get', 'a')), 'one');
        const info = await ledger.getTransaction(r.transactionId);
        assert.equal(info?.blockNumber, r.blockNumber);
        assert.equal(info.validationCode, 'VALID');
    });

    it('returns the contract result serialised as Fabric does', async () => {
        const r = await client.submit(
            'PutMany',
            JSON.stringify([
                ['b', '1'],
                ['c', '2'],
            ]),
        );
        assert.equal(text(r.result), '2'); // number → text
        assert.equal(text(await client.evaluate('Double', '21')), '42'); // declared number parameter is converted
        assert.equal(
            text(await client.submit('PutOnce', 'once', 'x').then((x) => x.result)),
            'stored',
        );
        assert.equal(
            text(await client.submit('PutOnce', 'once', 'x').then((x) => x.result)),
            'unchanged',
        );
    });

    it('passes string parameters through unchanged; refuses a lone surrogate (MALFORMED)', async () => {
        const values = ['plain', 'ü€😀 \u0000 "q" \\ \ud83d\ude00', 'z'.repeat(100_000)];
        for (const [i, v] of values.entries()) {
            await client.submit('Put', `utf8-${i}`, v);
            assert.equal(text(await client.evaluate('Get', `utf8-${i}`)), v, `value ${i}`);
        }
        for (const v of ['x\ud800y', '\udc00'])
            await assert.rejects(client.submit('Put', 'utf8-bad', v), { code: 'MALFORMED' });
        await assert.rejects(client.evaluate('Get', 'utf8-bad'), { code: 'CONTRACT_ERROR' });
    });

    it('computes the txId as hex(SHA-256(nonce ‖ creator)) and exposes it to the contract', async () => {
        const r = await client.submit('Put', 'tx', 'id');
        const block = await ledger.getBlock(r.blockNumber);
        const tx = block?.txs.find((t) => t.txId === r.transactionId);
        assert.ok(tx);
        const proposal = decodeProposal(tx.payload, { maxArgs: 16 });
        assert.equal(proposal.nonce.length, 24);
        // creator = varint(len) ‖ mspId ‖ varint(32) ‖ public key
        const creator = Buffer.concat([
            Buffer.from([6]),
            Buffer.from('OrgMSP'),
            Buffer.from([32]),
            alice.identity.credentials,
        ]);
        const expected = createHash('sha256').update(proposal.nonce).update(creator).digest('hex');
        assert.equal(r.transactionId, expected);
        assert.deepEqual(proposal.args, ['tx', 'id']);
        assert.equal(proposal.txName, 'Put');

        const info = JSON.parse(text(await client.evaluate('TxInfo'))) as Record<string, unknown>;
        assert.match(String(info.txId), /^[0-9a-f]{64}$/);
        assert.equal(info.channel, 'femeter');
        assert.deepEqual(info.args, ['TxInfo']);
        assert.ok(Math.abs(Number(info.seconds) - Date.now() / 1000) < 600);
    });

    it('gives the contract the envelope timestamp (deterministic, not the clock)', async () => {
        const proposal = newProposal({
            channel: 'femeter',
            txName: 'TxInfo',
            args: [],
            creator: alice.identity,
            timestamp: { seconds: 1_700_000_000n, nanos: 123_000_000 },
        });
        const envelope = await signPayload(encodeProposal(proposal), alice.signer);
        for (let i = 0; i < 2; i++) {
            const info = JSON.parse(text(await ledger.evaluateSigned(envelope))) as Record<
                string,
                unknown
            >;
            assert.equal(info.seconds, 1_700_000_000);
            assert.equal(info.nanos, 123_000_000);
            assert.equal(info.txId, transactionId(proposal.nonce, alice.identity));
        }
    });

    it('shows the contract the caller as ed25519::<hex key> with its MSP, and no attributes', async () => {
        const who = JSON.parse(text(await client.evaluate('WhoAmI'))) as Record<string, unknown>;
        assert.equal(who.id, identities.id(alice.identity));
        assert.equal(who.id, 'ed25519::' + Buffer.from(alice.identity.credentials).toString('hex'));
        assert.equal(who.mspId, 'OrgMSP');
        assert.equal(who.creatorMsp, 'OrgMSP');
        assert.equal(who.attr, null);
    });

    it('dispatches "Contract:Tx" to a named contract and "Tx" to the default one', async () => {
        assert.equal(text(await client.evaluate('other:Ping')), 'pong other:Ping');
        assert.equal(text(await client.evaluate('kv:Get', 'a')), 'one');
        await assert.rejects(client.evaluate('nope:Ping'), (e: unknown) => {
            assert.ok(e instanceof EndorseError);
            assert.equal(e.code, 'UNKNOWN_TRANSACTION');
            assert.match(e.message, /Contract name is not known: nope/);
            return true;
        });
    });

    it('routes unknown transaction names through unknownTransaction', async () => {
        await assert.rejects(client.submit('NoSuchTx', 'x'), (e: unknown) => {
            assert.ok(e instanceof EndorseError);
            assert.equal(e.code, 'UNKNOWN_TRANSACTION');
            assert.deepEqual(e.contractError, {
                message: 'no such transaction: NoSuchTx',
                name: 'KvError',
                code: 'NO_SUCH_TX',
            });
            return true;
        });
    });

    it('honours beforeTransaction (a guard in the hook refuses the call)', async () => {
        await client.submit('Put', 'guarded', 'v');
        await assert.rejects(client.submit('ResetAdminOnly', 'guarded'), (e: unknown) => {
            assert.ok(e instanceof EndorseError);
            assert.equal(e.contractError?.code, 'FORBIDDEN');
            return true;
        });
        assert.equal(text(await client.evaluate('Get', 'guarded')), 'v');
        const admin = connect(ledger, party('AdminMSP'));
        await admin.submit('ResetAdminOnly', 'guarded');
        await assert.rejects(client.evaluate('Get', 'guarded'), /does not exist/);
    });

    it('honours afterTransaction (a veto there discards the writes)', async () => {
        await assert.rejects(client.submit('Put', 'after-veto', 'v'), (e: unknown) => {
            assert.ok(e instanceof EndorseError);
            assert.equal(e.contractError?.code, 'VETO');
            return true;
        });
        await assert.rejects(client.evaluate('Get', 'after-veto'), /does not exist/);
    });

    it('refuses a wrong parameter count before running the contract (BAD_ARGUMENTS)', async () => {
        await assert.rejects(client.submit('Put', 'only-key'), (e: unknown) => {
            assert.ok(e instanceof EndorseError);
            assert.equal(e.code, 'BAD_ARGUMENTS');
            assert.match(e.message, /Expected 2 parameters, but 1 have been supplied/);
            return true;
        });
        await assert.rejects(
            client.evaluate('Double', 'abc'),
            (e: unknown) => e instanceof EndorseError && e.code === 'BAD_ARGUMENTS',
        );
    });

    it('leaves state and events unchanged when the contract throws, and records the refusal', async () => {
        const heightBefore = ledger.height;
        let txId: string | undefined;
        await assert.rejects(client.submit('PutThenFail', 'doomed', 'v'), (e: unknown) => {
            assert.ok(e instanceof EndorseError);
            assert.equal(e.code, 'CONTRACT_ERROR');
            assert.deepEqual(e.contractError, {
                message: 'refused doomed',
                name: 'KvError',
                code: 'DELIBERATE',
            });
            txId = e.transactionId;
            return true;
        });
        await assert.rejects(client.evaluate('Get', 'doomed'), /does not exist/);
        assert.ok(txId);
        const info = await ledger.getTransaction(txId);
        assert.equal(info?.validationCode, 'CONTRACT_ERROR');
        assert.equal(info.message, 'refused doomed');
        const block = await ledger.getBlock(info.blockNumber);
        const tx = block?.txs[info.index];
        assert.deepEqual(tx?.writes, []);
        assert.equal(tx.event, undefined);
        assert.ok(ledger.height > heightBefore);
        // A plain Error carries only its message.
        await assert.rejects(client.submit('Fail', 'plain'), (e: unknown) => {
            assert.ok(e instanceof EndorseError);
            assert.deepEqual(e.contractError, {
                message: 'plain',
                name: undefined,
                code: undefined,
            });
            return true;
        });
    });

    it('uses Fabric read semantics: a transaction does not read its own writes', async () => {
        await client.submit('Put', 'row', 'old');
        const r = await client.submit('ReadOwnWrite', 'row', 'new');
        assert.equal(text(r.result), 'old');
        assert.equal(text(await client.evaluate('Get', 'row')), 'new');
    });

    it('treats putState with an empty value as a delete, as Fabric does', async () => {
        await client.submit('Put', 'gone', 'x');
        await client.submit('Put', 'gone', '');
        await assert.rejects(client.evaluate('Get', 'gone'), /does not exist/);
    });

    it('keeps only the last event of a transaction', async () => {
        const r = await client.submit('TwoEvents', 'e');
        const block = await ledger.getBlock(r.blockNumber);
        const tx = block?.txs.find((t) => t.txId === r.transactionId);
        assert.equal(tx?.event?.name, 'Second');
    });

    it('returns range scans in UTF-8 key order, end exclusive', async () => {
        const keys = ['b', 'a', 'ab', 'a\u{1F600}', 'a\uFFFF', 'c', 'B', 'z'];
        for (const k of keys) await client.submit('PutPlain', k, 'v');
        const all = JSON.parse(text(await client.evaluate('Range', '', ''))) as string[];
        const expected = [...keys].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
        assert.deepEqual(all, expected);
        assert.ok(all.indexOf('a\uFFFF') < all.indexOf('a\u{1F600}')); // code point order, not UTF-16
        assert.deepEqual(
            JSON.parse(text(await client.evaluate('Range', 'a', 'c'))),
            expected.filter((k) => k >= 'a' && k < 'c'),
        );
        // Composite keys never appear in simple-key ranges.
        assert.ok(all.every((k) => !k.startsWith('\u0000')));
    });

    it('lists composite keys by partial key in order', async () => {
        const list = JSON.parse(text(await client.evaluate('List'))) as [string, string][];
        const names = list.map(([k]) => k);
        assert.deepEqual(
            names,
            [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y))),
        );
        assert.ok(names.includes('a'));
    });

    it('groups concurrent submits into shared blocks and answers each one', async () => {
        const before = ledger.height;
        const n = 200;
        const clients = Array.from({ length: 8 }, () => connect(ledger, party('OrgMSP')));
        const results = await Promise.all(
            Array.from({ length: n }, (_, i) =>
                clients[i % clients.length]!.submit('Put', `g${i}`, String(i)),
            ),
        );
        assert.equal(new Set(results.map((r) => r.transactionId)).size, n);
        const blocks = Number(ledger.height - before);
        assert.ok(blocks < n, `expected grouping, got ${blocks} blocks for ${n} txs`);
        for (const i of [0, 57, 199])
            assert.equal(text(await client.evaluate('Get', `g${i}`)), String(i));
        // A later transaction sees every earlier one (serial execution): PutOnce after Put conflicts.
        await assert.rejects(
            client.submit('PutOnce', 'g3', 'different'),
            (e: unknown) => e instanceof EndorseError && e.contractError?.code === 'CONFLICT',
        );
    });

    it('executes in arrival order even within one block', async () => {
        const [first, second] = await Promise.allSettled([
            client.submit('PutOnce', 'race', 'first'),
            client.submit('PutOnce', 'race', 'second'),
        ]);
        assert.equal(first.status, 'fulfilled');
        assert.equal(second.status, 'rejected');
        assert.equal(text(await client.evaluate('Get', 'race')), 'first');
    });

    it('verifies clean', async () => {
        const report = await ledger.verify();
        assert.equal(report.ok, true, report.reason);
        assert.equal(BigInt(report.blocks), ledger.height);
    });
});

describe('embedded engine lifecycle', () => {
    it('keeps state, height and txIds across close and reopen, and drains pending submits on close', async () => {
        const { dir, cleanup } = await tempDir();
        try {
            const p = party('OrgMSP');
            let ledger = await openLedger(dir);
            let client = connect(ledger, p);
            const envelopes = await Promise.all(
                Array.from({ length: 50 }, (_, i) =>
                    signPayload(
                        encodeProposal(
                            newProposal({
                                channel: 'femeter',
                                txName: 'Put',
                                args: [`k${i}`, `v${i}`],
                                creator: p.identity,
                            }),
                        ),
                        p.signer,
                    ),
                ),
            );
            const pending = envelopes.map((e) => ledger.submitSigned(e)); // all admitted now
            const closing = ledger.close();
            const results = await Promise.all(pending); // every admitted submit is answered
            await closing;
            await assert.rejects(
                client.submit('Put', 'late', 'x'),
                (e: unknown) => e instanceof SubmitError && e.code === 'CLOSED',
            );
            const height = ledger.height;

            ledger = await openLedger(dir);
            client = connect(ledger, p);
            assert.equal(ledger.height, height);
            assert.equal(text(await client.evaluate('Get', 'k49')), 'v49');
            for (const r of results) assert.ok(await ledger.getTransaction(r.transactionId));
            const next = await client.submit('Put', 'after', 'restart');
            assert.equal(next.blockNumber, height);
            assert.equal((await ledger.verify()).ok, true);
            await ledger.close();
        } finally {
            await cleanup();
        }
    });

    it('creates an engine key file once and refuses a different engine key or channel later', async () => {
        const { dir, cleanup } = await tempDir();
        try {
            const ledger = await openLedger(dir);
            const publicKey = ledger.enginePublicKey;
            await ledger.close();
            const again = await openLedger(dir);
            assert.deepEqual(again.enginePublicKey, publicKey);
            await again.close();
            await assert.rejects(
                openLedger(dir, { engineKey: identities.newPrivateKey() }),
                /engine key does not match/,
            );
            await assert.rejects(openLedger(dir, { channel: 'elsewhere' }), /channel/);
        } finally {
            await cleanup();
        }
    });

    it('admits only listed MSP members when msps is set', async () => {
        const { dir, cleanup } = await tempDir();
        try {
            const member = party('MeterMSP');
            const stranger = party('MeterMSP');
            const anyone = party('AuditorMSP');
            const ledger = await openLedger(dir, {
                msps: { MeterMSP: [member.identity.credentials], AuditorMSP: '*' },
            });
            await connect(ledger, member).submit('Put', 'm', '1');
            assert.equal(text(await connect(ledger, anyone).evaluate('Get', 'm')), '1');
            await assert.rejects(
                connect(ledger, stranger).submit('Put', 'm', '2'),
                (e: unknown) => e instanceof EndorseError && e.code === 'ACCESS_DENIED',
            );
            await assert.rejects(
                connect(ledger, party('OtherMSP')).evaluate('Get', 'm'),
                (e: unknown) => e instanceof EndorseError && e.code === 'ACCESS_DENIED',
            );
            await ledger.close();
        } finally {
            await cleanup();
        }
    });

    it('accepts signatures made with the noble backend (same Ed25519)', async () => {
        const { dir, cleanup } = await tempDir();
        try {
            const ledger = await openLedger(dir, { ed25519: 'noble' });
            const key = identities.newPrivateKey();
            const c = ledger.connect({
                identity: identities.ed25519('OrgMSP', key),
                signer: signers.ed25519(key, { backend: 'noble' }),
            });
            await c.submit('Put', 'n', '1');
            const c2 = ledger.connect({
                identity: identities.ed25519('OrgMSP', key),
                signer: signers.ed25519(key),
            });
            assert.equal(text(await c2.evaluate('Get', 'n')), '1');
            assert.equal((await ledger.verify()).ok, true);
            assert.equal((await ledger.verify({ ed25519: 'node' })).ok, true);
            await ledger.close();
        } finally {
            await cleanup();
        }
    });

    it('pushes back with OVERLOADED when too much is pending, and answers every admitted submit', async () => {
        const { dir, cleanup } = await tempDir();
        try {
            const ledger = await openLedger(dir, { maxPending: 5 });
            const p = party('OrgMSP');
            const envelopes = await Promise.all(
                Array.from({ length: 40 }, (_, i) =>
                    signPayload(
                        encodeProposal(
                            newProposal({
                                channel: 'femeter',
                                txName: 'Put',
                                args: [`o${i}`, 'v'],
                                creator: p.identity,
                            }),
                        ),
                        p.signer,
                    ),
                ),
            );
            const outcomes = await Promise.allSettled(envelopes.map((e) => ledger.submitSigned(e)));
            const refused = outcomes.filter((o) => o.status === 'rejected');
            assert.ok(refused.length > 0);
            for (const o of refused)
                assert.ok(o.reason instanceof SubmitError && o.reason.code === 'OVERLOADED');
            const accepted = outcomes.filter((o) => o.status === 'fulfilled').length;
            assert.equal(accepted + refused.length, 40);
            const list = JSON.parse(text(await connect(ledger, p).evaluate('List'))) as unknown[];
            assert.equal(list.length, accepted);
            await ledger.close();
        } finally {
            await cleanup();
        }
    });

    it('fails a contract call that does not finish within executeTimeoutMs, and carries on', async () => {
        const { dir, cleanup } = await tempDir();
        try {
            const ledger = await openLedger(dir, { executeTimeoutMs: 50 });
            const c = connect(ledger, party('OrgMSP'));
            await assert.rejects(
                c.submit('Hang'),
                (e: unknown) => e instanceof EndorseError && e.message.includes('timed out'),
            );
            await c.submit('Put', 'still', 'working');
            assert.equal(text(await c.evaluate('Get', 'still')), 'working');
            await ledger.close();
        } finally {
            await cleanup();
        }
    });
});
