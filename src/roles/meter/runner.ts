// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/runner
 * The long-lived meter agent: follows a growing source ({@link SourceTail}), turns new lines into
 * slot readings ({@link decodeLines}), and records them with the {@link MeterAgent} as they arrive.
 * It keeps the meter's clock (the system clock, or the newest reading's time for replayed data)
 * and, on that clock, opens the next period ahead of its start (acknowledging the customer's mpk)
 * and closes each period: at once when every slot is recorded, else once the period ended
 * `closeAfterMs` ago — recording the missing slots as substitutes when allowed, or reporting the
 * period as incomplete.
 *
 * Durable: readings reach the outbox (fsync) before the source cursor moves (`run-state.json`,
 * written atomically), so a restart neither loses nor records twice (slots already in the outbox
 * or in a closed period are skipped); the outbox resends what the ledger has not acknowledged.
 * The ledger is held only while there is work (`connect` per step): on the embedded engine other
 * parties' processes use it in between.
 *
 * Library code: no signal handlers, no process exit; it stops when `signal` aborts.
 */
import {
    closeSync,
    existsSync,
    fsyncSync,
    openSync,
    readFileSync,
    renameSync,
    writeSync,
} from 'node:fs';
import { join } from 'node:path';
import { contractErrorCode, STATUS, type Meter } from '../../contract/index.js';
import {
    nextPeriodId,
    periodIdOfInstant,
    periodSlots,
    type BillingPeriod,
} from '../../contract/tariff/index.js';
import { FemeterApi } from '../api.js';
import type {
    ChaincodeEvent,
    CloseableAsyncIterable,
    EventsOptions,
    LedgerClient,
    SubmitResult,
} from '../../ledger/index.js';
import { RoleError } from '../errors.js';
import { MeterAgent } from './agent.js';
import { readingsOfSlots, type SourceOptions } from './ingest.js';
import { decodeLines } from './lines.js';
import { FileOutbox } from './outbox.js';
import { SourceTail, type TailCursor } from './tail.js';

/** One structured log line of the runner. */
export interface RunnerEvent {
    readonly level: 'info' | 'warn' | 'error';
    readonly event: string;
    readonly [k: string]: unknown;
}

/** A ledger session (held only while the runner has work). */
export interface RunnerSession {
    readonly api: FemeterApi;
    close(): Promise<void>;
}

export interface MeterRunnerOptions {
    readonly meterId: string;
    readonly signingSecret: Uint8Array;
    readonly meterSeed: Uint8Array;
    /** Directory of the outbox and `run-state.json`. */
    readonly stateDir: string;
    /** A file that grows, or a folder new files land in. */
    readonly source: string;
    /** A line kind (see `lineKinds()`). */
    readonly kind: string;
    readonly sourceOptions?: SourceOptions;
    readonly channel: string;
    /** `system`: wall time; `source`: the end of the newest reading (replayed or delayed data). */
    readonly clock: 'system' | 'source';
    /** Record missing slots as substitutes when closing a period that ended without them. */
    readonly substituteMissing: boolean;
    /** Close an incomplete period this long after its end (meter clock). */
    readonly closeAfterMs: number;
    /** Open (acknowledge the mpk of) the next period this long before it starts. */
    readonly openAheadMs: number;
    /** Poll interval of the source. */
    readonly pollMs: number;
    readonly connect: () => Promise<RunnerSession>;
    readonly log: (e: RunnerEvent) => void;
    /** Wall clock (tests). */
    readonly now?: () => number;
}

/** What survives a restart besides the outbox. */
interface RunState {
    format: 'femeter-meter-run/1';
    source: string;
    kind: string;
    channel: string;
    cursor: TailCursor;
    carry?: string | undefined;
    /** Newest reading end seen (ms), for the source clock. */
    clockMs: number;
    /** Periods with readings, not yet closed. */
    open: string[];
    /** Periods this agent closed (recent ones; late readings for them are skipped). */
    closed: string[];
}

const KEEP_CLOSED = 24;
/** How often a missing mpk is asked for again. */
export const MPK_RETRY_MS = 30_000;

export class MeterRunner {
    readonly #o: MeterRunnerOptions;
    readonly #tail: SourceTail;
    readonly #statePath: string;
    #state: RunState;
    #session: RunnerSession | undefined;
    #api: FemeterApi | undefined;
    #meter: Meter | undefined;
    readonly #agent: MeterAgent;
    readonly #outbox: FileOutbox;
    /** Warnings given once per subject. */
    readonly #warned = new Set<string>();
    #stalled: string | undefined;
    /** When to ask again for an mpk found missing (wall clock). */
    readonly #mpkRetryAt = new Map<string, number>();

    /** @throws {RoleError} on a missing source or a state file of another source. */
    constructor(o: MeterRunnerOptions) {
        this.#o = o;
        this.#tail = new SourceTail(o.source);
        this.#statePath = join(o.stateDir, 'run-state.json');
        this.#state = this.#loadState();
        this.#outbox = new FileOutbox(join(o.stateDir, 'outbox'));
        // the agent calls the ledger through whichever session is open
        const api = new FemeterApi(new SessionClient(() => this.#currentClient()));
        this.#agent = new MeterAgent({
            api,
            meterId: o.meterId,
            signingSecret: o.signingSecret,
            meterSeed: o.meterSeed,
            outbox: this.#outbox,
        });
    }

    #currentClient(): LedgerClient {
        const a = this.#api;
        if (a === undefined)
            throw new RoleError('NOT_CONNECTED', 'the meter runner has no ledger session');
        return a.client;
    }

    #loadState(): RunState {
        const o = this.#o;
        if (!existsSync(this.#statePath))
            return {
                format: 'femeter-meter-run/1',
                source: o.source,
                kind: o.kind,
                channel: o.channel,
                cursor: this.#tail.start(),
                clockMs: 0,
                open: [],
                closed: [],
            };
        let s: RunState;
        try {
            s = JSON.parse(readFileSync(this.#statePath, 'utf8')) as RunState;
        } catch (e) {
            throw new RoleError(
                'BAD_STATE',
                `${this.#statePath} is not valid JSON (${(e as Error).message}); restore it from a backup, or remove it to start the source from its beginning (recorded slots are skipped)`,
            );
        }
        const raw = s as unknown as Record<string, unknown>;
        const cursor = raw.cursor as Record<string, unknown> | null | undefined;
        if (raw.format !== 'femeter-meter-run/1' || typeof cursor?.offset !== 'number')
            throw new RoleError('BAD_STATE', `${this.#statePath} is not a meter run state`);
        if (s.source !== o.source || s.kind !== o.kind || s.channel !== o.channel)
            throw new RoleError(
                'BAD_STATE',
                `${this.#statePath} belongs to --source ${s.source} --kind ${s.kind} --channel ${s.channel}; run with those, or move the file away to follow a new source`,
            );
        return s;
    }

    #saveState(): void {
        const tmp = `${this.#statePath}.tmp`;
        const fd = openSync(tmp, 'w');
        try {
            writeSync(fd, JSON.stringify(this.#state, null, 1));
            fsyncSync(fd);
        } finally {
            closeSync(fd);
        }
        renameSync(tmp, this.#statePath);
    }

    /** Run until `signal` aborts; then finish the step in progress, close the session and return. */
    async run(signal: AbortSignal): Promise<void> {
        this.#o.log({
            level: 'info',
            event: 'start',
            meter: this.#o.meterId,
            source: this.#o.source,
            kind: this.#o.kind,
            cursor: this.#state.cursor,
            pending: this.#outbox.pending().length,
        });
        try {
            while (!signal.aborted) {
                let busy = false;
                try {
                    busy = await this.step();
                } catch (e) {
                    this.#o.log({
                        level: 'error',
                        event: 'step-failed',
                        error: e instanceof Error ? e.message : String(e),
                        hint: 'nothing is lost: the step is retried',
                    });
                } finally {
                    await this.#disconnect();
                }
                if (!busy) await sleep(this.#o.pollMs, signal);
            }
        } finally {
            await this.#disconnect();
            this.#outbox.close();
            this.#o.log({
                level: 'info',
                event: 'stop',
                cursor: this.#state.cursor,
                pending: this.#outbox.pending().length,
            });
        }
    }

    async #connect(): Promise<FemeterApi> {
        if (this.#api !== undefined) return this.#api;
        this.#session = await this.#o.connect();
        this.#api = this.#session.api;
        return this.#api;
    }

    async #disconnect(): Promise<void> {
        const s = this.#session;
        this.#session = undefined;
        this.#api = undefined;
        if (s !== undefined) await s.close();
    }

    async #getMeter(): Promise<Meter> {
        if (this.#meter === undefined) {
            await this.#connect();
            this.#meter = await this.#agent.meter();
        }
        return this.#meter;
    }

    #period(id: string, m: Meter): BillingPeriod {
        return periodSlots(id, m.timeZone, m.slotMinutes);
    }

    #now(): number {
        return this.#o.clock === 'system' ? (this.#o.now ?? Date.now)() : this.#state.clockMs;
    }

    /**
     * One step: read and record new lines, send the outbox, open the next period ahead, close
     * periods that are due. Returns true when there may be more to do at once.
     */
    async step(): Promise<boolean> {
        const ch = this.#o.channel;
        const chunk = this.#tail.read(this.#state.cursor);
        let more = false;
        if (chunk.lines.length === 0) {
            const c = chunk.cursorAfter(0);
            if (c.file !== this.#state.cursor.file || c.offset !== this.#state.cursor.offset) {
                this.#state.cursor = c;
                this.#saveState();
                more = true;
            }
        } else {
            more = await this.#ingest(chunk.lines, chunk.cursorAfter, chunk.file);
        }
        if (this.#outbox.pending().length > 0) {
            await this.#connect();
            const r = await this.#agent.flush();
            if (r.sent > 0) this.#o.log({ level: 'info', event: 'sent', readings: r.sent });
        }
        const meter =
            this.#meter ??
            (this.#state.clockMs > 0 || this.#o.clock === 'system'
                ? await this.#getMeter()
                : undefined);
        if (meter === undefined) return more;
        await this.#openAhead(meter, ch);
        await this.#closeDue(meter, ch);
        return more;
    }

    async #ingest(
        lines: readonly string[],
        cursorAfter: (n: number) => TailCursor,
        file: string,
    ): Promise<boolean> {
        const ch = this.#o.channel;
        const meter = await this.#getMeter();
        let dec;
        try {
            dec = decodeLines(this.#o.kind, lines, this.#state.carry, {
                ...this.#o.sourceOptions,
                intervalMinutes: meter.slotMinutes,
            });
        } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            if (this.#stalled !== msg)
                this.#o.log({
                    level: 'error',
                    event: 'source-stalled',
                    file,
                    offset: this.#state.cursor.offset,
                    error: msg,
                    hint: 'the lines after the cursor cannot follow the readings before; fix the source (it is re-read every poll)',
                });
            this.#stalled = msg;
            return false;
        }
        this.#stalled = undefined;
        // per period, in time order
        const byPeriod = new Map<string, typeof dec.energies>();
        let clock = this.#state.clockMs;
        for (const e of dec.energies) {
            const p = periodIdOfInstant(e.startMs, meter.timeZone);
            const list = byPeriod.get(p) ?? [];
            list.push(e);
            byPeriod.set(p, list);
            clock = Math.max(clock, e.startMs + meter.slotMinutes * 60_000);
        }
        const recorded: Record<string, number> = {};
        for (const [period, energies] of byPeriod) {
            let closed = this.#state.closed.includes(period);
            if (!closed && !this.#state.open.includes(period)) {
                // first readings of this period here: it may have been closed by another run
                const api = await this.#connect();
                closed = (await api.getPeriod(meter.id, ch, period))?.closed === true;
                if (closed) this.#markClosed(period);
            }
            if (closed) {
                this.#o.log({
                    level: 'warn',
                    event: 'late-readings',
                    period,
                    readings: energies.length,
                    hint: 'the period is closed on the ledger; these readings are not recorded',
                });
                continue;
            }
            if (!(await this.#open(period, ch))) return false; // cursor stays: retried next poll
            const done = this.#agent.recordedSlots(ch, period);
            const fresh = readingsOfSlots(energies, this.#period(period, meter)).filter(
                (s) => !done.has(s.slot),
            );
            if (fresh.length > 0) this.#agent.record(ch, period, fresh);
            recorded[period] = fresh.length;
            if (!this.#state.open.includes(period)) this.#state.open.push(period);
        }
        this.#state.cursor = cursorAfter(dec.consumed);
        this.#state.carry = dec.carry;
        this.#state.clockMs = clock;
        this.#saveState();
        // reported once: only when the cursor moved past them
        for (const r of dec.rejected)
            this.#o.log({
                level: 'warn',
                event: 'line-rejected',
                file,
                line: r.index,
                reason: r.reason,
                hint: 'the line is skipped; its slot is a gap (substitute at close)',
            });
        if (Object.keys(recorded).length > 0)
            this.#o.log({
                level: 'info',
                event: 'recorded',
                slots: recorded,
                file,
                offset: this.#state.cursor.offset,
            });
        return dec.consumed > 0;
    }

    /**
     * Open a period (fetch and acknowledge the mpk); false (logged once) when it is not published.
     * A missing mpk is asked for again at most every {@link MPK_RETRY_MS} (the embedded ledger is
     * not taken from the other parties every poll).
     */
    async #open(period: string, ch: string): Promise<boolean> {
        const retryAt = this.#mpkRetryAt.get(period);
        if (retryAt !== undefined && Date.now() < retryAt) return false;
        await this.#connect();
        try {
            await this.#agent.openPeriod(ch, period);
            return true;
        } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            if (contractErrorCode(msg) !== 'NOT_FOUND') throw e;
            this.#mpkRetryAt.set(period, Date.now() + MPK_RETRY_MS);
            const key = `mpk|${period}`;
            if (!this.#warned.has(key)) {
                this.#warned.add(key);
                this.#o.log({
                    level: 'warn',
                    event: 'mpk-missing',
                    period,
                    channel: ch,
                    hint: `the customer publishes it: femeter customer publish-mpks --meter ${this.#o.meterId} --from ${period}; readings wait in the source`,
                });
            }
            return false;
        }
    }

    async #openAhead(meter: Meter, ch: string): Promise<void> {
        const now = this.#now();
        if (now <= 0) return;
        const current = periodIdOfInstant(now, meter.timeZone);
        const next = nextPeriodId(current);
        if (this.#state.closed.includes(next) || this.#warned.has(`opened|${next}`)) return;
        const bp = this.#period(current, meter);
        if (now < bp.endMs - this.#o.openAheadMs) return;
        if (await this.#open(next, ch)) {
            this.#warned.add(`opened|${next}`);
            this.#o.log({ level: 'info', event: 'opened-ahead', period: next });
        }
    }

    async #closeDue(meter: Meter, ch: string): Promise<void> {
        for (const period of [...this.#state.open]) {
            const bp = this.#period(period, meter);
            const done = this.#agent.recordedSlots(ch, period);
            const complete = done.size === bp.slotCount;
            const due = this.#now() >= bp.endMs + this.#o.closeAfterMs;
            if (!complete && !due) continue;
            if (!complete && !this.#o.substituteMissing && this.#warned.has(`incomplete|${period}`))
                continue;
            const api = await this.#connect();
            const onLedger = await api.getPeriod(meter.id, ch, period);
            if (onLedger?.closed === true) {
                // closed before a restart: the outbox forgot it, the state did not yet
                this.#outbox.forgetPeriod(ch, period);
                this.#markClosed(period);
                continue;
            }
            if (!(await this.#open(period, ch))) continue;
            let substitutes = 0;
            if (!complete) {
                const missing: number[] = [];
                for (let i = 0; i < bp.slotCount; i++) if (!done.has(i)) missing.push(i);
                if (!this.#o.substituteMissing) {
                    const key = `incomplete|${period}`;
                    if (!this.#warned.has(key)) {
                        this.#warned.add(key);
                        this.#o.log({
                            level: 'warn',
                            event: 'period-incomplete',
                            period,
                            missing: missing.length,
                            slots: bp.slotCount,
                            hint: 'append the missing readings to the source, or restart with --substitute-missing to close with substitutes',
                        });
                    }
                    continue;
                }
                this.#agent.record(
                    ch,
                    period,
                    missing.map((slot) => ({ slot, value: 0n, status: STATUS.substitute })),
                );
                substitutes = missing.length;
                this.#o.log({
                    level: 'warn',
                    event: 'substitutes',
                    period,
                    slots: missing,
                    count: missing.length,
                    reason: `no reading ${this.#o.closeAfterMs / 60_000} min after the period ended`,
                });
            }
            await this.#agent.closePeriod(ch, period);
            this.#markClosed(period);
            this.#o.log({
                level: 'info',
                event: 'closed',
                period,
                slots: bp.slotCount,
                substitutes,
            });
        }
    }

    #markClosed(period: string): void {
        this.#state.open = this.#state.open.filter((p) => p !== period);
        this.#state.closed = [...this.#state.closed, period].slice(-KEEP_CLOSED);
        this.#saveState();
    }
}

/** A ledger client that forwards to the runner's current session (refuses between sessions). */
class SessionClient implements LedgerClient {
    readonly #current: () => LedgerClient;
    constructor(current: () => LedgerClient) {
        this.#current = current;
    }
    get identity(): LedgerClient['identity'] {
        return this.#current().identity;
    }
    submit(txName: string, ...args: string[]): Promise<SubmitResult> {
        return this.#current().submit(txName, ...args);
    }
    evaluate(txName: string, ...args: string[]): Promise<Uint8Array> {
        return this.#current().evaluate(txName, ...args);
    }
    events(options?: Readonly<EventsOptions>): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        return this.#current().events(options);
    }
    close(): Promise<void> {
        return Promise.resolve();
    }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((res) => {
        if (signal.aborted) {
            res();
            return;
        }
        const t = setTimeout(done, ms);
        function done(): void {
            clearTimeout(t);
            signal.removeEventListener('abort', done);
            res();
        }
        signal.addEventListener('abort', done, { once: true });
    });
}
