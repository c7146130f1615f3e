// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/events
 * Chaincode event streams: live delivery, replay from a block, refused transactions emit nothing, resuming inside a
 * block after a checkpointed transaction, and resuming with a file checkpointer across a ledger restart with no
 * gaps and no duplicates.
 */

import '../fixtures/quiet.js';

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, it } from 'node:test';

import { checkpointers } from '../../../src/ledger/index.js';
import type {
    ChaincodeEvent,
    CloseableAsyncIterable,
    EmbeddedLedger,
    LedgerClient,
} from '../../../src/ledger/index.js';
import { connect, openLedger, party, tempDir, text } from '../helpers.js';

async function take(
    stream: CloseableAsyncIterable<ChaincodeEvent>,
    n: number,
): Promise<ChaincodeEvent[]> {
    const out: ChaincodeEvent[] = [];
    const it = stream[Symbol.asyncIterator]();
    while (out.length < n) {
        const r = await it.next();
        if (r.done === true) break;
        out.push(r.value);
    }
    return out;
}

/** Every valid event on the chain, in order, read from the blocks. */
async function chainEvents(
    ledger: EmbeddedLedger,
): Promise<{ block: bigint; txId: string; name: string }[]> {
    const out: { block: bigint; txId: string; name: string }[] = [];
    for (let n = 0n; n < ledger.height; n++) {
        const block = await ledger.getBlock(n);
        for (const tx of block?.txs ?? []) {
            if (tx.validationCode === 'VALID' && tx.event !== undefined)
                out.push({ block: n, txId: tx.txId, name: tx.event.name });
        }
    }
    return out;
}

/** Submit `n` Puts concurrently so that several land in one block. */
function burst(client: LedgerClient, prefix: string, n: number): Promise<unknown> {
    return Promise.all(
        Array.from({ length: n }, (_, i) => client.submit('Put', `${prefix}${i}`, String(i))),
    );
}

describe('events', () => {
    it('hands each stream its own payload bytes, not a view into a shared block', async () => {
        const { dir, cleanup } = await tempDir();
        try {
            let ledger = await openLedger(dir);
            await burst(connect(ledger, party('OrgMSP')), 'p', 3);
            await ledger.close();
            ledger = await openLedger(dir); // replay from disk, not from the live cache
            try {
                const [a, b] = [
                    await ledger.events({ startBlock: 0n }),
                    await ledger.events({ startBlock: 0n }),
                ];
                const [first] = await take(a, 1);
                assert.ok(first !== undefined);
                const original = text(first.payload);
                assert.equal(
                    first.payload.byteLength,
                    first.payload.buffer.byteLength,
                    'not a view',
                );
                first.payload.fill(0);
                const [again] = await take(b, 1);
                assert.equal(text(again?.payload ?? new Uint8Array()), original);
                a.close();
                b.close();
            } finally {
                await ledger.close();
            }
        } finally {
            await cleanup();
        }
    });

    it('delivers live events with block, txId, name and payload, and nothing for refused txs', async () => {
        const { dir, cleanup } = await tempDir();
        const ledger = await openLedger(dir);
        try {
            const client = connect(ledger, party('OrgMSP'));
            await client.submit('Put', 'before', 'stream');
            const stream = await client.events(); // from the next commit on
            const next = take(stream, 2);
            await assert.rejects(client.submit('PutThenFail', 'no', 'event'));
            await client.evaluate('Get', 'before'); // evaluations emit nothing
            const a = await client.submit('Put', 'k', 'v');
            const b = await client.submit('Delete', 'k');
            const events = await next;
            assert.deepEqual(
                events.map((e) => [e.blockNumber, e.transactionId, e.eventName]),
                [
                    [a.blockNumber, a.transactionId, 'Put'],
                    [b.blockNumber, b.transactionId, 'Delete'],
                ],
            );
            assert.deepEqual(JSON.parse(text(events[0]?.payload ?? new Uint8Array())), {
                key: 'k',
                value: 'v',
            });
            stream.close();
        } finally {
            await ledger.close();
            await cleanup();
        }
    });

    it('replays from startBlock, then continues live, in chain order', async () => {
        const { dir, cleanup } = await tempDir();
        const ledger = await openLedger(dir);
        try {
            const client = connect(ledger, party('OrgMSP'));
            await burst(client, 'a', 20);
            const stream = await client.events({ startBlock: 0n });
            const first = await take(stream, 20);
            await burst(client, 'b', 10);
            const rest = await take(stream, 10);
            const expected = await chainEvents(ledger);
            assert.deepEqual(
                [...first, ...rest].map((e) => e.transactionId),
                expected.map((e) => e.txId),
            );
            stream.close();
        } finally {
            await ledger.close();
            await cleanup();
        }
    });

    it('resumes inside a block after the checkpointed transaction; a checkpoint beats startBlock', async () => {
        const { dir, cleanup } = await tempDir();
        const ledger = await openLedger(dir);
        try {
            const client = connect(ledger, party('OrgMSP'));
            await burst(client, 'c', 40);
            await client.submit('Put', 'tail', 'x'); // so that a later block always exists
            const all = await chainEvents(ledger);
            // Find a block with at least three events and checkpoint after its second one.
            const counts = new Map<bigint, number>();
            for (const e of all) counts.set(e.block, (counts.get(e.block) ?? 0) + 1);
            const block = [...counts].find(([, c]) => c >= 3)?.[0];
            assert.ok(block !== undefined, 'expected a block with several events');
            const inBlock = all.filter((e) => e.block === block);
            const checkpoint = checkpointers.inMemory();
            await checkpoint.checkpointTransaction(block, inBlock[1]?.txId ?? '');
            const stream = await client.events({ checkpoint, startBlock: 0n });
            const from = all.findIndex((e) => e.txId === inBlock[2]?.txId);
            const got = await take(stream, all.length - from);
            assert.deepEqual(
                got.map((e) => e.transactionId),
                all.slice(from).map((e) => e.txId),
            );
            stream.close();

            // checkpointBlock(n) resumes at n + 1.
            const cp2 = checkpointers.inMemory();
            await cp2.checkpointBlock(block);
            const s2 = await client.events({ checkpoint: cp2 });
            const firstAfter = all.findIndex((e) => e.block > block);
            assert.deepEqual((await take(s2, 1))[0]?.transactionId, all[firstAfter]?.txId);
            s2.close();
        } finally {
            await ledger.close();
            await cleanup();
        }
    });

    it('ends a waiting iteration on close(), on client.close() and on ledger close', async () => {
        const { dir, cleanup } = await tempDir();
        const ledger = await openLedger(dir);
        try {
            const client = connect(ledger, party('OrgMSP'));
            const s1 = await client.events();
            const waiting = take(s1, 1);
            s1.close();
            assert.deepEqual(await waiting, []);

            const s2 = await client.events();
            const waiting2 = take(s2, 1);
            await client.close();
            assert.deepEqual(await waiting2, []);

            const s3 = await ledger.events();
            const collected: ChaincodeEvent[] = [];
            const loop = (async () => {
                for await (const e of s3) collected.push(e);
            })();
            await ledger.close();
            await loop;
            assert.deepEqual(collected, []);
        } finally {
            await ledger.close();
            await cleanup();
        }
    });

    it('resumes from a file checkpointer across a ledger restart with no gaps or duplicates', async () => {
        const { dir, cleanup } = await tempDir();
        const checkpointFile = join(dir, 'consumer.checkpoint.json');
        const seen: string[] = [];
        try {
            const p = party('OrgMSP');
            for (let round = 0; round < 4; round++) {
                const ledger = await openLedger(join(dir, 'ledger'));
                const client = connect(ledger, p);
                await burst(client, `r${round}-`, 25);
                const checkpoint = await checkpointers.file(checkpointFile);
                const stream = await client.events({ checkpoint, startBlock: 0n });
                // Consume part of what is there (stopping inside a block), checkpointing each event.
                const budget = 17 + round * 5;
                const it = stream[Symbol.asyncIterator]();
                for (let i = 0; i < budget; i++) {
                    const r = await it.next();
                    if (r.done === true) break;
                    seen.push(r.value.transactionId);
                    await checkpoint.checkpointChaincodeEvent(r.value);
                }
                stream.close();
                await ledger.close();
            }
            // Drain the rest after a final restart.
            const ledger = await openLedger(join(dir, 'ledger'));
            const all = await chainEvents(ledger);
            const checkpoint = await checkpointers.file(checkpointFile);
            const stream = await ledger.events({ checkpoint, startBlock: 0n });
            for (const e of await take(stream, all.length - seen.length))
                seen.push(e.transactionId);
            stream.close();
            await ledger.close();
            assert.equal(new Set(seen).size, seen.length, 'duplicates');
            assert.deepEqual(
                seen,
                all.map((e) => e.txId),
            );
        } finally {
            await cleanup();
        }
    });
});
