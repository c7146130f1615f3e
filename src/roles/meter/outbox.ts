// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/outbox
 * The meter's durable outbox (DESIGN.md §4, WELMEC L8/T8: no silent loss). Every batch of signed
 * readings is appended to `readings.jsonl` as ONE line (so a batch is all or nothing) and fsync'ed
 * before the meter counts it as measured; the highest
 * sequence number the ledger acknowledged is kept in `acked.json` (written atomically: temp file,
 * fsync, rename). After a crash the outbox is replayed: readings above `acked` are resent in order
 * (the contract treats identical resends as no-ops). A torn last line (crash during append) was
 * never acknowledged to anyone and is dropped; the meter re-measures that slot from its source.
 */
import {
    closeSync,
    fsyncSync,
    mkdirSync,
    openSync,
    readFileSync,
    renameSync,
    writeSync,
    existsSync,
} from 'node:fs';
import { join } from 'node:path';
import type { ReadingInput } from '../../contract/index.js';
import { OutboxError } from '../errors.js';

/** What the outbox remembers per reading. */
export interface OutboxEntry extends ReadingInput {
    readonly meter: string;
}

export class FileOutbox {
    readonly #dir: string;
    readonly #entries: OutboxEntry[] = [];
    #acked = 0;
    #fd: number;

    constructor(dir: string) {
        this.#dir = dir;
        try {
            mkdirSync(dir, { recursive: true });
            const path = join(dir, 'readings.jsonl');
            if (existsSync(path)) {
                const text = readFileSync(path, 'utf8');
                const lines = text.split('\n');
                const good: string[] = [];
                for (const [i, line] of lines.entries()) {
                    if (line === '') continue;
                    try {
                        this.#entries.push(...(JSON.parse(line) as OutboxEntry[]));
                        good.push(line);
                    } catch (e) {
                        if (i < lines.length - 1)
                            throw new OutboxError(
                                `outbox ${path} line ${i + 1} is corrupt (not the last line): refusing to guess`,
                                { cause: e },
                            );
                    }
                }
                // a torn tail (crash during append) is dropped so new appends start on a line boundary
                const clean = good.map((l) => l + '\n').join('');
                if (clean !== text) {
                    const tmp = `${path}.tmp`;
                    const fd2 = openSync(tmp, 'w');
                    writeSync(fd2, clean);
                    fsyncSync(fd2);
                    closeSync(fd2);
                    renameSync(tmp, path);
                }
            }
            const ackPath = join(dir, 'acked.json');
            if (existsSync(ackPath))
                this.#acked = (JSON.parse(readFileSync(ackPath, 'utf8')) as { seq: number }).seq;
            this.#fd = openSync(path, 'a');
        } catch (e) {
            if (e instanceof OutboxError) throw e;
            throw new OutboxError(
                `cannot open outbox in ${dir}: ${(e as Error).message}; check the path and free space`,
                { cause: e },
            );
        }
    }

    /** Highest sequence number used (0 if none). */
    get lastSeq(): number {
        return this.#entries.at(-1)?.seq ?? 0;
    }
    get acked(): number {
        return this.#acked;
    }
    /** All entries (committed). */
    get entries(): readonly OutboxEntry[] {
        return this.#entries;
    }
    /** Entries not yet acknowledged by the ledger, in order. */
    pending(): OutboxEntry[] {
        return this.#entries.filter((e) => e.seq > this.#acked);
    }

    /** Durably append readings (one fsync). Throws OutboxError: a full or failing disk refuses, never drops. */
    append(entries: readonly OutboxEntry[]): void {
        if (entries.length === 0) return;
        try {
            writeSync(this.#fd, JSON.stringify(entries) + '\n');
            fsyncSync(this.#fd);
        } catch (e) {
            throw new OutboxError(
                `outbox write failed: ${(e as Error).message}; the readings were NOT recorded, retry`,
                { cause: e },
            );
        }
        this.#entries.push(...entries);
    }

    /** Record that the ledger acknowledged everything up to `seq`. */
    ack(seq: number): void {
        if (seq <= this.#acked) return;
        const path = join(this.#dir, 'acked.json');
        const tmp = `${path}.tmp`;
        const fd = openSync(tmp, 'w');
        writeSync(fd, JSON.stringify({ seq }));
        fsyncSync(fd);
        closeSync(fd);
        renameSync(tmp, path);
        this.#acked = seq;
    }

    close(): void {
        closeSync(this.#fd);
    }
}
