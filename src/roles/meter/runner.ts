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
 * Several channels (e.g. import 1-0:1.8.0 and export 1-0:2.8.0): each follows its own source (the
 * same telegram file with another register, or a file of its own) with its own cursor, clock, open
 * and closed periods, and so its own epochs and keys; all share the meter's agent, outbox and
 * sequence. A channel the meter is not registered with stops the runner (`UNKNOWN_CHANNEL`).
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

/** One channel of the meter and where its readings come from. */
export interface RunnerChannel {
    /** The channel id the meter is registered with (an OBIS code, e.g. 1-0:2.8.0). */
    readonly id: string;
    /** A file that grows, or a folder new files land in (channels may share one). */
    readonly source: string;
    /** A line kind (see `lineKinds()`). */
    readonly kind: string;
    /** Unit, register selector (`obis`), medium. */
    readonly sourceOptions?: SourceOptions;
}

export interface MeterRunnerOptions {
    readonly meterId: string;
    readonly signingSecret: Uint8Array;
    readonly meterSeed: Uint8Array;
    /** Directory of the outbox and `run-state.json`. */
    readonly stateDir: string;
    /** The channels this agent records (at least one, ids unique). */
    readonly channels: readonly RunnerChannel[];
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

/** What survives a restart besides the outbox: per channel, where its source was read to. */
interface RunState {
    format: 'femeter-meter-run/2';
    channels: Record<string, ChannelState>;
}

interface ChannelState {
    source: string;
    kind: string;
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
    readonly #tails = new Map<string, SourceTail>();
    readonly #statePath: string;
    #state: RunState;
    #session: RunnerSession | undefined;
    #api: FemeterApi | undefined;
    #meter: Meter | undefined;
    readonly #agent: MeterAgent;
    readonly #outbox: FileOutbox;
    /** Warnings given once per subject. */
    readonly #warned = new Set<string>();
    /** When to ask again for an mpk found missing (wall clock), per channel and period. */
    readonly #mpkRetryAt = new Map<string, number>();
    /** Per channel: the last error that stalled its source. */
    readonly #stalledBy = new Map<string, string>();

    /** @throws {RoleError} on a missing source, no or repeated channels, or a state file of another source. */
    constructor(o: MeterRunnerOptions) {
        this.#o = o;
        if (o.channels.length === 0)
            throw new RoleError('BAD_CHANNELS', 'the meter runner needs at least one channel');
        for (const c of o.channels) {
            if (this.#tails.has(c.id))
                throw new RoleError('BAD_CHANNELS', `channel ${c.id} is given twice`);
            this.#tails.set(c.id, new SourceTail(c.source));
        }
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

    #tail(ch: string): SourceTail {
        const t = this.#tails.get(ch);
        if (t === undefined) throw new RoleError('BAD_CHANNELS', `no channel ${ch}`);
        return t;
    }

    #ch(ch: string): ChannelState {
        const c = this.#state.channels[ch];
        if (c === undefined) throw new RoleError('BAD_CHANNELS', `no channel ${ch}`);
        return c;
    }

    #loadState(): RunState {
        const o = this.#o;
        const fresh = (c: RunnerChannel): ChannelState => ({
            source: c.source,
            kind: c.kind,
            cursor: this.#tail(c.id).start(),
            clockMs: 0,
            open: [],
            closed: [],
        });
        if (!existsSync(this.#statePath))
            return {
                format: 'femeter-meter-run/2',
                channels: Object.fromEntries(o.channels.map((c) => [c.id, fresh(c)])),
            };
        let raw: Record<string, unknown>;
        try {
            raw = JSON.parse(readFileSync(this.#statePath, 'utf8')) as Record<string, unknown>;
        } catch (e) {
            throw new RoleError(
                'BAD_STATE',
                `${this.#statePath} is not valid JSON (${(e as Error).message}); restore it from a backup, or remove it to start the source from its beginning (recorded slots are skipped)`,
            );
        }
        let channels: Record<string, ChannelState>;
        if (raw.format === 'femeter-meter-run/1') {
            // one channel, kept at the top level
            const { channel, ...rest } = raw as { channel?: unknown } & Record<string, unknown>;
            delete rest.format;
            channels = { [String(channel)]: rest as unknown as ChannelState };
        } else if (
            raw.format === 'femeter-meter-run/2' &&
            typeof raw.channels === 'object' &&
            raw.channels !== null
        )
            channels = raw.channels as Record<string, ChannelState>;
        else throw new RoleError('BAD_STATE', `${this.#statePath} is not a meter run state`);
        for (const [id, c] of Object.entries(channels)) {
            const cursor = (c as Partial<ChannelState> | null)?.cursor as
                Record<string, unknown> | null | undefined;
            if (typeof cursor?.offset !== 'number')
                throw new RoleError(
                    'BAD_STATE',
                    `${this.#statePath}: channel ${id} is not a meter run state`,
                );
        }
        for (const c of o.channels) {
            const s = channels[c.id];
            if (s === undefined) channels[c.id] = fresh(c);
            else if (s.source !== c.source || s.kind !== c.kind)
                throw new RoleError(
                    'BAD_STATE',
                    `${this.#statePath} has channel ${c.id} following --source ${s.source} --kind ${s.kind}; run with those, or move the file away to follow a new source`,
                );
        }
        return { format: 'femeter-meter-run/2', channels };
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
            channels: this.#o.channels.map((c) => ({
                channel: c.id,
                source: c.source,
                kind: c.kind,
                cursor: this.#ch(c.id).cursor,
            })),
            pending: this.#outbox.pending().length,
        });
        try {
            while (!signal.aborted) {
                let busy = false;
                try {
                    busy = await this.step();
                } catch (e) {
                    if (e instanceof RoleError && e.code === 'UNKNOWN_CHANNEL') throw e;
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
                cursors: Object.fromEntries(
                    Object.entries(this.#state.channels).map(([id, c]) => [id, c.cursor]),
                ),
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
            const meter = await this.#agent.meter();
            const known = meter.channels.map((c) => c.id);
            for (const c of this.#o.channels)
                if (!known.includes(c.id))
                    throw new RoleError(
                        'UNKNOWN_CHANNEL',
                        `meter ${meter.id} has no channel ${c.id} (registered: ${known.join(', ')}); run with its channels, or ask the operator to register the meter with this one`,
                    );
            this.#meter = meter;
        }
        return this.#meter;
    }

    #period(id: string, m: Meter): BillingPeriod {
        return periodSlots(id, m.timeZone, m.slotMinutes);
    }

    #now(ch: string): number {
        return this.#o.clock === 'system' ? (this.#o.now ?? Date.now)() : this.#ch(ch).clockMs;
    }

    /**
     * One step: read and record new lines, send the outbox, open the next period ahead, close
     * periods that are due. Returns true when there may be more to do at once.
     */
    async step(): Promise<boolean> {
        let more = false;
        for (const c of this.#o.channels) {
            const st = this.#ch(c.id);
            const chunk = this.#tail(c.id).read(st.cursor);
            if (chunk.lines.length === 0) {
                const next = chunk.cursorAfter(0);
                if (next.file !== st.cursor.file || next.offset !== st.cursor.offset) {
                    st.cursor = next;
                    this.#saveState();
                    more = true;
                }
            } else if (await this.#ingest(c, chunk.lines, chunk.cursorAfter, chunk.file))
                more = true;
        }
        if (this.#outbox.pending().length > 0) {
            await this.#connect();
            const r = await this.#agent.flush();
            if (r.sent > 0) this.#o.log({ level: 'info', event: 'sent', readings: r.sent });
        }
        const started =
            this.#o.clock === 'system' ||
            Object.values(this.#state.channels).some((c) => c.clockMs > 0);
        const meter = this.#meter ?? (started ? await this.#getMeter() : undefined);
        if (meter === undefined) return more;
        for (const c of this.#o.channels) {
            await this.#openAhead(meter, c.id);
            await this.#closeDue(meter, c.id);
        }
        return more;
    }

    async #ingest(
        c: RunnerChannel,
        lines: readonly string[],
        cursorAfter: (n: number) => TailCursor,
        file: string,
    ): Promise<boolean> {
        const ch = c.id;
        const st = this.#ch(ch);
        const meter = await this.#getMeter();
        let dec;
        try {
            dec = decodeLines(c.kind, lines, st.carry, {
                ...c.sourceOptions,
                intervalMinutes: meter.slotMinutes,
            });
        } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            if (this.#stalledBy.get(ch) !== msg)
                this.#o.log({
                    level: 'error',
                    event: 'source-stalled',
                    channel: ch,
                    file,
                    offset: st.cursor.offset,
                    error: msg,
                    hint: 'the lines after the cursor cannot follow the readings before; fix the source (it is re-read every poll)',
                });
            this.#stalledBy.set(ch, msg);
            return false;
        }
        this.#stalledBy.delete(ch);
        // per period, in time order
        const byPeriod = new Map<string, typeof dec.energies>();
        let clock = st.clockMs;
        for (const e of dec.energies) {
            const p = periodIdOfInstant(e.startMs, meter.timeZone);
            const list = byPeriod.get(p) ?? [];
            list.push(e);
            byPeriod.set(p, list);
            clock = Math.max(clock, e.startMs + meter.slotMinutes * 60_000);
        }
        const recorded: Record<string, number> = {};
        for (const [period, energies] of byPeriod) {
            let closed = st.closed.includes(period);
            if (!closed && !st.open.includes(period)) {
                // first readings of this period here: it may have been closed by another run
                const api = await this.#connect();
                closed = (await api.getPeriod(meter.id, ch, period))?.closed === true;
                if (closed) this.#markClosed(ch, period);
            }
            if (closed) {
                this.#o.log({
                    level: 'warn',
                    event: 'late-readings',
                    channel: ch,
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
            if (!st.open.includes(period)) st.open.push(period);
        }
        st.cursor = cursorAfter(dec.consumed);
        st.carry = dec.carry;
        st.clockMs = clock;
        this.#saveState();
        // reported once: only when the cursor moved past them
        for (const r of dec.rejected)
            this.#o.log({
                level: 'warn',
                event: 'line-rejected',
                channel: ch,
                file,
                line: r.index,
                reason: r.reason,
                hint: 'the line is skipped; its slot is a gap (substitute at close)',
            });
        if (Object.keys(recorded).length > 0)
            this.#o.log({
                level: 'info',
                event: 'recorded',
                channel: ch,
                slots: recorded,
                file,
                offset: st.cursor.offset,
            });
        return dec.consumed > 0;
    }

    /**
     * Open a period (fetch and acknowledge the mpk); false (logged once) when it is not published.
     * A missing mpk is asked for again at most every {@link MPK_RETRY_MS} (the embedded ledger is
     * not taken from the other parties every poll).
     */
    async #open(period: string, ch: string): Promise<boolean> {
        const retryAt = this.#mpkRetryAt.get(`${ch}|${period}`);
        if (retryAt !== undefined && Date.now() < retryAt) return false;
        await this.#connect();
        try {
            await this.#agent.openPeriod(ch, period);
            return true;
        } catch (e) {
            const msg = e instanceof Error ? e.message : String(e);
            if (contractErrorCode(msg) !== 'NOT_FOUND') throw e;
            this.#mpkRetryAt.set(`${ch}|${period}`, Date.now() + MPK_RETRY_MS);
            const key = `mpk|${ch}|${period}`;
            if (!this.#warned.has(key)) {
                this.#warned.add(key);
                this.#o.log({
                    level: 'warn',
                    event: 'mpk-missing',
                    period,
                    channel: ch,
                    hint: `the customer publishes it: femeter customer publish-mpks --meter ${this.#o.meterId} --channel ${ch} --from ${period}; readings wait in the source`,
                });
            }
            return false;
        }
    }

    async #openAhead(meter: Meter, ch: string): Promise<void> {
        const now = this.#now(ch);
        if (now <= 0) return;
        const current = periodIdOfInstant(now, meter.timeZone);
        const next = nextPeriodId(current);
        if (this.#ch(ch).closed.includes(next) || this.#warned.has(`opened|${ch}|${next}`)) return;
        const bp = this.#period(current, meter);
        if (now < bp.endMs - this.#o.openAheadMs) return;
        if (await this.#open(next, ch)) {
            this.#warned.add(`opened|${ch}|${next}`);
            this.#o.log({ level: 'info', event: 'opened-ahead', channel: ch, period: next });
        }
    }

    async #closeDue(meter: Meter, ch: string): Promise<void> {
        for (const period of [...this.#ch(ch).open]) {
            const bp = this.#period(period, meter);
            const done = this.#agent.recordedSlots(ch, period);
            const complete = done.size === bp.slotCount;
            const due = this.#now(ch) >= bp.endMs + this.#o.closeAfterMs;
            if (!complete && !due) continue;
            const incomplete = `incomplete|${ch}|${period}`;
            if (!complete && !this.#o.substituteMissing && this.#warned.has(incomplete)) continue;
            const api = await this.#connect();
            const onLedger = await api.getPeriod(meter.id, ch, period);
            if (onLedger?.closed === true) {
                // closed before a restart: the outbox forgot it, the state did not yet
                this.#outbox.forgetPeriod(ch, period);
                this.#markClosed(ch, period);
                continue;
            }
            if (!(await this.#open(period, ch))) continue;
            let substitutes = 0;
            if (!complete) {
                const missing: number[] = [];
                for (let i = 0; i < bp.slotCount; i++) if (!done.has(i)) missing.push(i);
                if (!this.#o.substituteMissing) {
                    if (!this.#warned.has(incomplete)) {
                        this.#warned.add(incomplete);
                        this.#o.log({
                            level: 'warn',
                            event: 'period-incomplete',
                            channel: ch,
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
                    channel: ch,
                    period,
                    slots: missing,
                    count: missing.length,
                    reason: `no reading ${this.#o.closeAfterMs / 60_000} min after the period ended`,
                });
            }
            await this.#agent.closePeriod(ch, period);
            this.#markClosed(ch, period);
            this.#o.log({
                level: 'info',
                event: 'closed',
                channel: ch,
                period,
                slots: bp.slotCount,
                substitutes,
            });
        }
    }

    #markClosed(ch: string, period: string): void {
        const st = this.#ch(ch);
        st.open = st.open.filter((p) => p !== period);
        st.closed = [...st.closed, period].slice(-KEEP_CLOSED);
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
    getCommittedTransaction(
        transactionId: string,
    ): ReturnType<LedgerClient['getCommittedTransaction']> {
        return this.#current().getCommittedTransaction(transactionId);
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
