// SPDX-License-Identifier: Apache-2.0
/** The meter's durable outbox through its public interface: append, ack, reopen, torn and corrupt files. */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { OutboxError } from '../../../src/roles/errors.js';
import { FileOutbox, type OutboxEntry } from '../../../src/roles/meter/outbox.js';

const entry = (seq: number): OutboxEntry => ({
    meter: 'meter-1',
    channel: '1-0:1.8.0',
    period: '2024-03',
    slot: seq - 1,
    seq,
    status: 0,
    c: 'aa'.repeat(32),
    sig: 'bb'.repeat(64),
});

describe('FileOutbox', () => {
    let dir: string;
    beforeEach(() => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-outbox-'));
    });
    afterEach(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('keeps appended entries and the ack across a reopen; pending is what is not acked', () => {
        const o = new FileOutbox(dir);
        o.append([entry(1), entry(2)]);
        o.append([entry(3)]);
        o.ack(2);
        assert.deepEqual(
            o.pending().map((e) => e.seq),
            [3],
        );
        o.close();
        const again = new FileOutbox(dir);
        try {
            assert.equal(again.lastSeq, 3);
            assert.equal(again.acked, 2);
            assert.equal(again.recorded, 3);
            assert.deepEqual(again.pending(), [entry(3)]);
            assert.deepEqual([...again.slots('1-0:1.8.0', '2024-03').keys()], [0, 1, 2]);
            again.ack(1); // an older ack never moves the mark back
            assert.equal(again.acked, 2);
        } finally {
            again.close();
        }
    });

    it('drops a torn last line (crash during append) and appends after it on a line boundary', () => {
        const o = new FileOutbox(dir);
        o.append([entry(1)]);
        o.close();
        appendFileSync(join(dir, 'readings.jsonl'), '[{"meter":"meter-1","cha');
        const a = new FileOutbox(dir);
        a.append([entry(2)]);
        a.close();
        const b = new FileOutbox(dir);
        try {
            assert.equal(b.recorded, 2);
            assert.deepEqual(
                b.pending().map((e) => e.seq),
                [1, 2],
            );
        } finally {
            b.close();
        }
    });

    it('refuses a file corrupt before its last line instead of guessing', () => {
        writeFileSync(
            join(dir, 'readings.jsonl'),
            `${JSON.stringify([entry(1)])}\nnot json\n${JSON.stringify([entry(3)])}\n`,
        );
        assert.throws(
            () => new FileOutbox(dir),
            (e) => e instanceof OutboxError && e.code === 'OUTBOX' && e.message.includes('line 2'),
        );
    });
});
