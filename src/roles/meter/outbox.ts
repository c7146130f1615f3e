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
 *
 * Memory follows what is live (issue 15): the outbox holds the readings not yet acknowledged and,
 * per open period, the ciphertext of each recorded slot (for the close digest). When the meter has
 * closed a period on the ledger it calls {@link FileOutbox.forgetPeriod}: a marker line is
 * appended and the period leaves memory (also on replay). The file itself is the history.
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

/** A line of readings.jsonl: a batch of entries, or the marker of a period closed on the ledger. */
type OutboxLine = OutboxEntry[] | { readonly forget: { channel: string; period: string } };

const periodKey = (channel: string, period: string): string => `${channel}|${period}`;

export class FileOutbox {
    readonly #dir: string;
    /** Entries above `acked`, in order. */
    #pending: OutboxEntry[] = [];
    /** Per open period: slot -> C_i (hex). */
    readonly #periods = new Map<string, Map<number, string>>();
    #lastSeq = 0;
    #recorded = 0;
    #acked = 0;
    #fd: number;

    constructor(dir: string) {
        this.#dir = dir;
        try {
            mkdirSync(dir, { recursive: true });
            const path = join(dir, 'readings.jsonl');
            const ackPath = join(dir, 'acked.json');
            if (existsSync(ackPath))
                this.#acked = (JSON.parse(readFileSync(ackPath, 'utf8')) as { seq: number }).seq;
            if (existsSync(path)) {
                const text = readFileSync(path, 'utf8');
                const lines = text.split('\n');
                const good: string[] = [];
                for (const [i, line] of lines.entries()) {
                    if (line === '') continue;
                    let parsed: OutboxLine;
                    try {
                        parsed = JSON.parse(line) as OutboxLine;
                    } catch (e) {
                        if (i < lines.length - 1)
                            throw new OutboxError(
                                `outbox ${path} line ${i + 1} is corrupt (not the last line): refusing to guess`,
                                { cause: e },
                            );
                        continue;
                    }
                    good.push(line);
                    if (Array.isArray(parsed)) this.#remember(parsed);
                    else
                        this.#periods.delete(
                            periodKey(parsed.forget.channel, parsed.forget.period),
                        );
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
            this.#fd = openSync(path, 'a');
        } catch (e) {
            if (e instanceof OutboxError) throw e;
            throw new OutboxError(
                `cannot open outbox in ${dir}: ${(e as Error).message}; check the path and free space`,
                { cause: e },
            );
        }
    }

    #remember(entries: readonly OutboxEntry[]): void {
        for (const e of entries) {
            const k = periodKey(e.channel, e.period);
            let slots = this.#periods.get(k);
            if (slots === undefined) this.#periods.set(k, (slots = new Map<number, string>()));
            slots.set(e.slot, e.c);
            if (e.seq > this.#acked) this.#pending.push(e);
            this.#lastSeq = Math.max(this.#lastSeq, e.seq);
            this.#recorded++;
        }
    }

    /** Highest sequence number used (0 if none). */
    get lastSeq(): number {
        return this.#lastSeq;
    }
    get acked(): number {
        return this.#acked;
    }
    /** Number of entries in the file (all periods, forgotten ones included). */
    get recorded(): number {
        return this.#recorded;
    }
    /** Recorded slots of an open period with their C_i (hex); empty once forgotten. */
    slots(channel: string, period: string): ReadonlyMap<number, string> {
        return this.#periods.get(periodKey(channel, period)) ?? new Map<number, string>();
    }
    /** Entries not yet acknowledged by the ledger, in order. */
    pending(): OutboxEntry[] {
        return this.#pending.filter((e) => e.seq > this.#acked);
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
        this.#remember(entries);
    }

    /**
     * The period is closed on the ledger: drop its slots from memory, durably (a marker line, so a
     * replay drops it too). Its readings stay in the file.
     */
    forgetPeriod(channel: string, period: string): void {
        const k = periodKey(channel, period);
        if (!this.#periods.has(k)) return;
        try {
            writeSync(this.#fd, JSON.stringify({ forget: { channel, period } }) + '\n');
            fsyncSync(this.#fd);
        } catch (e) {
            throw new OutboxError(`outbox write failed: ${(e as Error).message}; retry`, {
                cause: e,
            });
        }
        this.#periods.delete(k);
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
        let n = 0;
        for (const e of this.#pending) {
            if (e.seq > seq) break;
            n++;
        }
        if (n > 0) this.#pending = this.#pending.slice(n);
    }

    close(): void {
        closeSync(this.#fd);
    }
}
