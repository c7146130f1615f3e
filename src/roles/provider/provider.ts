// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/provider/provider
 * The energy provider (DESIGN.md §4 steps 3 and 5): publishes tariffs, receives functional keys
 * (HPKE-sealed on the ledger) and checks each against the mpk, folds every reading into
 * Σ y_i·C_i as the ledger's event stream delivers it, and at period close decrypts the bill
 * (sk_y·C_0 and a bounded discrete log remain), proves it and posts it. Any bill can also be
 * recomputed from scratch from the stored ciphertexts.
 *
 * Memory follows what is live, never the history (issue 15): the provider holds one running sum
 * per agreed tariff of an open epoch and drops it once that epoch's bills are posted. Readings of
 * an epoch whose keys are not loaded yet are not buffered: when the keys arrive, the epoch is
 * caught up from the ledger (where the readings are stored anyway). Epochs found to have no
 * agreement with this provider are remembered in a {@link BoundedMap} of
 * {@link PROVIDER_UNAGREED_EPOCHS} entries, so other providers' meters cost a look-up per epoch.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import type { Agreement, Meter, ReadingEventItem } from '../../contract/index.js';
import { decodeFunctionalKey, decodeMpk, encodeProof } from '../../fe/codec.js';
import { groupByName, type AnyGroup } from '../../fe/groups.js';
import {
    Accumulator,
    checkKey,
    decryptFolded,
    innerProductBound,
    weightedSum,
    type DlogSolver,
    type FunctionalKey,
} from '../../fe/ipfe.js';
import { proveBill } from '../../fe/proof.js';
import { transactionReadings } from '../signed-readings.js';
import type { FemeterApi } from '../api.js';
import type {
    ChaincodeEvent,
    Checkpointer,
    CloseableAsyncIterable,
    EventsOptions,
} from '../../ledger/client.js';
import { BoundedMap } from '../../ledger/bounded.js';
import { BadFunctionalKeyError, RoleError } from '../errors.js';
import { openFromCustomer, type HpkeKeyPair } from '../hpke.js';
import { TariffCache } from '../weights.js';

export interface ProviderOptions {
    readonly api: FemeterApi;
    readonly partyId: string;
    readonly hpke: HpkeKeyPair;
    readonly dlog: (group: AnyGroup) => DlogSolver<unknown>;
    /** Fold readings as they arrive (default true). With false, bills are computed from scratch. */
    readonly fold?: boolean;
}

/** One functional key the provider holds, with its running sum. */
interface Held {
    readonly agreement: Agreement;
    readonly meter: Meter;
    readonly group: AnyGroup;
    readonly key: FunctionalKey;
    readonly acc: Accumulator<unknown>;
    c0?: unknown;
}

/** The running sums of a provider's open epochs, persisted across restarts ({@link Provider.exportFolds}). */
export interface FoldSnapshot {
    readonly format: 'femeter-provider-folds/1';
    readonly epochs: readonly {
        readonly meter: string;
        readonly channel: string;
        readonly period: string;
        readonly tariffId: string;
        readonly tariffVersion: number;
        /** Σ y_i·C_i so far (encoded group element, hex). */
        readonly sum: string;
        /** Folded slots, one byte 0/1 per slot (base64). */
        readonly seen: string;
        readonly c0?: string;
    }[];
}

/** A posted (or computed) bill. */
export interface BillResult {
    readonly meter: string;
    readonly channel: string;
    readonly period: string;
    readonly tariff: string;
    readonly m: bigint;
    readonly folded: boolean;
    readonly ms: number;
}

/** Epochs remembered as having no agreement with this provider (least recently seen dropped first). */
export const PROVIDER_UNAGREED_EPOCHS = 65_536;

const epochKey = (m: string, c: string, p: string): string => `${m}|${c}|${p}`;
const dec = new TextDecoder();

export class Provider {
    readonly #o: ProviderOptions;
    readonly #tariffs: TariffCache;
    /** Keys and running sums of epochs not billed yet; an epoch leaves when its bills are posted. */
    readonly #held = new Map<string, Held[]>();
    /** Epochs without an agreement with this provider (checked on their first readings). */
    readonly #unagreed = new BoundedMap<string, true>({ maxEntries: PROVIDER_UNAGREED_EPOCHS });
    /** Keys found bad (epoch|tariff|sealed key → why), until the customer replaces them. */
    readonly #bad = new Map<string, BadFunctionalKeyError>();
    /** Persisted sums waiting for their keys (epoch|tariff@version → entry). */
    readonly #resume = new Map<string, FoldSnapshot['epochs'][number]>();
    #folded = 0;

    constructor(opts: Readonly<ProviderOptions>) {
        this.#o = opts;
        this.#tariffs = new TariffCache(opts.api);
    }

    get partyId(): string {
        return this.#o.partyId;
    }

    publishTariff(doc: Record<string, unknown>): ReturnType<FemeterApi['publishTariff']> {
        return this.#o.api.publishTariff(doc);
    }

    /** Ciphertexts folded by this instance (events and catch-up), for tests and metrics. */
    get foldedReadings(): number {
        return this.#folded;
    }

    /** The running sums of every held epoch, to persist (a restart resumes them with {@link importFolds}). */
    exportFolds(): FoldSnapshot {
        const epochs: FoldSnapshot['epochs'][number][] = [...this.#resume.values()];
        for (const list of this.#held.values())
            for (const h of list)
                epochs.push({
                    meter: h.meter.id,
                    channel: h.agreement.channel,
                    period: h.agreement.period,
                    tariffId: h.agreement.tariffId,
                    tariffVersion: h.agreement.tariffVersion,
                    sum: bytesToHex(h.group.encode(h.acc.value)),
                    seen: Buffer.from(h.acc.seen()).toString('base64'),
                    ...(h.c0 === undefined ? {} : { c0: bytesToHex(h.group.encode(h.c0)) }),
                });
        return { format: 'femeter-provider-folds/1', epochs };
    }

    /**
     * Resume running sums persisted by {@link exportFolds}: when an epoch's keys are loaded again,
     * its sum starts from the snapshot and only slots not folded yet are read back and folded.
     * @throws {RoleError} `BAD_STATE` when the snapshot is not one.
     */
    importFolds(snap: FoldSnapshot): void {
        const raw = snap as unknown as { format?: unknown; epochs?: unknown };
        if (raw.format !== 'femeter-provider-folds/1' || !Array.isArray(raw.epochs))
            throw new RoleError('BAD_STATE', 'not a femeter-provider-folds/1 snapshot');
        (raw.epochs as unknown[]).forEach((x, i) => {
            const e = x as Record<string, unknown>;
            const str = (k: string): boolean => typeof e[k] === 'string';
            if (
                !['meter', 'channel', 'period', 'tariffId', 'sum', 'seen'].every(str) ||
                !Number.isSafeInteger(e.tariffVersion) ||
                (e.c0 !== undefined && !str('c0'))
            )
                throw new RoleError('BAD_STATE', `fold snapshot entry ${i} is malformed`);
            const ok = e as unknown as FoldSnapshot['epochs'][number];
            this.#resume.set(
                `${epochKey(ok.meter, ok.channel, ok.period)}|${ok.tariffId}@${ok.tariffVersion}`,
                ok,
            );
        });
    }

    /** Epochs whose keys and running sums are held now (they leave once billed). */
    get heldEpochs(): number {
        return this.#held.size;
    }

    /**
     * Fetch, open and check the functional keys of one epoch, and catch each new key's running sum
     * up with the readings already on the ledger; returns how many keys are held. A key that does
     * not open or does not match the mpk is not held: it is listed by {@link badKeys} (the customer
     * must replace it) and the epoch's good keys are still loaded and billed. A replaced key (a new
     * sealed key on the same agreement) is loaded on the next call.
     */
    async loadKeys(meterId: string, channel: string, period: string): Promise<number> {
        const k = epochKey(meterId, channel, period);
        const api = this.#o.api;
        const meter = await api.getMeter(meterId);
        const group = groupByName(meter.group);
        const agreements = (await api.getAgreements(meterId, channel, period)).filter(
            (a) => a.provider === this.#o.partyId,
        );
        const held = this.#held.get(k) ?? [];
        const fresh: Held[] = [];
        let mpk;
        for (const a of agreements) {
            if (held.some((h) => h.agreement.tariffId === a.tariffId)) continue;
            const badKey = `${k}|${a.tariffId}|${a.encryptedKey}`;
            if (this.#bad.get(badKey) !== undefined) continue;
            try {
                mpk ??= decodeMpk(
                    group,
                    hexToBytes((await api.getMpk(meterId, channel, period)).mpk),
                );
                const h = this.#resumed(k, await this.#openKey(a, meter, group, mpk));
                held.push(h);
                fresh.push(h);
            } catch (e) {
                if (!(e instanceof BadFunctionalKeyError)) throw e;
                this.#bad.set(badKey, e);
            }
        }

        if (held.length === 0) {
            this.#unagreed.set(k, true);
            return 0;
        }
        this.#unagreed.delete(k);
        this.#held.set(k, held);
        if (fresh.length > 0 && this.#o.fold !== false) {
            // Catch up: readings stored before the keys were here are read back from the ledger.
            const pr = await api.getPeriod(meterId, channel, period);
            if (pr !== null && pr.count > 0) {
                const stored = await api.getReadings(meterId, channel, period);
                const items = stored.map((r) => ({ ...r, channel, period }));
                this.#fold(fresh, items, pr.c0);
            }
        }
        return held.length;
    }

    /** A freshly opened key with its persisted sum, if one was imported (a bad entry is dropped). */
    #resumed(k: string, h: Held): Held {
        const rk = `${k}|${h.agreement.tariffId}@${h.agreement.tariffVersion}`;
        const r = this.#resume.get(rk);
        if (r === undefined) return h;
        this.#resume.delete(rk);
        try {
            const acc = Accumulator.resume(
                h.group,
                h.key.y,
                h.group.decode(hexToBytes(r.sum), 'fold sum'),
                new Uint8Array(Buffer.from(r.seen, 'base64')),
            );
            const c0 = r.c0 === undefined ? undefined : h.group.decode(hexToBytes(r.c0), 'C0');
            return c0 === undefined ? { ...h, acc } : { ...h, acc, c0 };
        } catch {
            return h; // unusable snapshot entry: fold this epoch again from the ledger
        }
    }

    /** The keys of an epoch that {@link loadKeys} could not use, with why (the customer must replace them). */
    badKeys(meterId: string, channel: string, period: string): BadFunctionalKeyError[] {
        const prefix = `${epochKey(meterId, channel, period)}|`;
        const out: BadFunctionalKeyError[] = [];
        for (const [key, e] of this.#bad) if (key.startsWith(prefix)) out.push(e);
        return out;
    }

    /** Open one sealed key and check it against the agreed weights and the mpk. */
    async #openKey(
        a: Agreement,
        meter: Meter,
        group: AnyGroup,
        mpk: ReturnType<typeof decodeMpk>,
    ): Promise<Held> {
        const { channel, period } = a;
        const meterId = meter.id;
        {
            const tariff = `${a.tariffId}@${a.tariffVersion}`;
            let key: FunctionalKey;
            try {
                key = decodeFunctionalKey(
                    group,
                    await openFromCustomer(
                        this.#o.hpke,
                        { meter: meterId, channel, period, provider: this.#o.partyId, tariff },
                        a.encryptedKey,
                    ),
                );
            } catch (e) {
                throw new BadFunctionalKeyError(
                    `functional key for ${tariff} on ${meterId}/${channel}/${period} does not open: ${(e as Error).message}`,
                    { cause: e },
                );
            }
            // shared by every meter with this tariff, period and slot layout (roles/weights)
            const y = await this.#tariffs.weights(meter, period, a.tariffId, a.tariffVersion);
            if (
                key.ctx.meter !== meterId ||
                key.ctx.channel !== channel ||
                key.ctx.period !== period
            )
                throw new BadFunctionalKeyError(`key for ${tariff} names another epoch`);
            if (key.y.length !== y.length || key.y.some((v, i) => v !== y[i]))
                throw new BadFunctionalKeyError(
                    `key for ${tariff} on ${period} is for other weights than the agreed tariff`,
                );
            try {
                checkKey(group, mpk, key);
            } catch (e) {
                throw new BadFunctionalKeyError(
                    `key for ${tariff} on ${meterId}/${channel}/${period} fails the key check against the published mpk: ${(e as Error).message}`,
                    { cause: e },
                );
            }
            key = { ...key, y }; // the key's own copy of the weights is dropped, and so is the
            const agreement = { ...a, encryptedKey: '' }; // sealed key (≈ 48 KB of hex per month)
            return { agreement, meter, group, key, acc: new Accumulator(group, y) };
        }
    }

    /** Fold items of one epoch into each held sum that has not seen them. */
    #fold(
        held: readonly Held[],
        items: readonly { slot: number; c: string; c0?: string | undefined }[],
        c0?: string,
    ): void {
        const g = held[0]?.group;
        if (g === undefined) return;
        const decoded = new Map<number, unknown>();
        const point = (it: { slot: number; c: string }): unknown => {
            let C = decoded.get(it.slot);
            if (C === undefined)
                decoded.set(it.slot, (C = g.decode(hexToBytes(it.c), `C${it.slot}`)));
            return C;
        };
        const first = c0 ?? items.find((it) => it.c0 !== undefined)?.c0;
        for (const h of held) {
            const fresh = items.filter((it) => !h.acc.has(it.slot));
            h.acc.addMany(
                fresh.map((it) => it.slot),
                fresh.map(point),
            );
            this.#folded += fresh.length;
            if (first !== undefined && h.c0 === undefined) h.c0 = g.decode(hexToBytes(first), 'C0');
        }
    }

    /**
     * Fold a 'readings' event. Its items name the stored readings (channel, period, slot, seq); the
     * ciphertexts are read from the event's transaction, fetched once per event and only when an
     * item concerns an epoch this provider holds a key for. A reading the transaction does not
     * carry is not folded: that epoch's bill is then computed from the stored readings.
     */
    async #foldItems(
        meterId: string,
        items: readonly ReadingEventItem[],
        transactionId: string,
    ): Promise<void> {
        let carried: Awaited<ReturnType<typeof transactionReadings>> | null = null;
        const byEpoch = new Map<string, ReadingEventItem[]>();
        for (const it of items) {
            const k = epochKey(meterId, it.channel, it.period);
            let list = byEpoch.get(k);
            if (list === undefined) byEpoch.set(k, (list = []));
            list.push(it);
        }
        for (const [k, list] of byEpoch) {
            if (this.#unagreed.get(k) !== undefined) continue;
            const held = this.#held.get(k);
            if (held === undefined) {
                // First readings of an epoch (or after a restart): load its keys, which catches up
                // from the ledger, these readings included. A bad key is set aside (badKeys); an
                // epoch with no usable key is not folded until a replaced key arrives.
                const first = list[0];
                if (first !== undefined) await this.loadKeys(meterId, first.channel, first.period);
                continue;
            }
            const meter = held[0]?.meter;
            if (meter === undefined) continue;
            // a transaction that cannot be read (gateway refusal, engine without the query) leaves
            // the epoch unfolded: its bill is then computed from the stored readings
            carried ??= await transactionReadings(this.#o.api, meter, transactionId).catch(
                () => undefined,
            );
            const withC: { slot: number; c: string; c0?: string }[] = [];
            for (const it of list) {
                const r = carried?.get(it.channel, it.period, it.slot);
                if (r?.seq !== it.seq) continue;
                withC.push({
                    slot: it.slot,
                    c: bytesToHex(r.c),
                    ...(r.c0 === undefined ? {} : { c0: bytesToHex(r.c0) }),
                });
            }
            this.#fold(held, withC);
        }
    }

    /**
     * Handle one chaincode event: fold readings, remember closes, load keys on agreements.
     * Returns the epochs that became billable.
     */
    async onEvent(ev: ChaincodeEvent): Promise<string[]> {
        const body = JSON.parse(dec.decode(ev.payload)) as Record<string, unknown>;
        if (ev.eventName === 'readings' && this.#o.fold !== false) {
            await this.#foldItems(
                body.meter as string,
                body.items as ReadingEventItem[],
                ev.transactionId,
            );
        } else if (ev.eventName === 'agreement' && body.provider === this.#o.partyId) {
            for (const p of body.periods as string[])
                await this.loadKeys(body.meter as string, body.channel as string, p);
        } else if (ev.eventName === 'close') {
            const k = epochKey(body.meter as string, body.channel as string, body.period as string);
            // a restarted provider resumes after the agreement events: load its keys now
            if (!this.#held.get(k)?.length && this.#unagreed.get(k) === undefined) {
                try {
                    await this.loadKeys(
                        body.meter as string,
                        body.channel as string,
                        body.period as string,
                    );
                } catch (e) {
                    if (!(e instanceof BadFunctionalKeyError)) throw e;
                    this.#unagreed.set(k, true);
                }
            }
            if (this.#held.get(k)?.length) return [k];
        }
        return [];
    }

    /** The ledger's chaincode events as this provider's connection sees them (feed them to {@link run}). */
    events(options: Readonly<EventsOptions> = {}): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        return this.#o.api.client.events(options);
    }

    /** Consume the ledger's events until `stop()` returns true; checkpoints after each event. */
    async run(
        events: CloseableAsyncIterable<ChaincodeEvent>,
        checkpoint: Checkpointer | undefined,
        stop: () => boolean,
        onBillable?: (epoch: string) => Promise<void>,
    ): Promise<void> {
        try {
            for await (const ev of events) {
                for (const e of await this.onEvent(ev)) await onBillable?.(e);
                await checkpoint?.checkpointChaincodeEvent(ev);
                if (stop()) break;
            }
        } finally {
            events.close();
        }
    }

    /** Bill every held tariff of a closed epoch: decrypt, prove, post. */
    async bill(
        meterId: string,
        channel: string,
        period: string,
        opts: { fromScratch?: boolean; post?: boolean } = {},
    ): Promise<BillResult[]> {
        const k = epochKey(meterId, channel, period);
        if (!this.#held.get(k)?.length) await this.loadKeys(meterId, channel, period);
        const held = this.#held.get(k) ?? [];
        const api = this.#o.api;
        const out: BillResult[] = [];
        let scratch: { C: unknown[]; C0: unknown } | undefined;
        for (const h of held) {
            const t0 = performance.now();
            const g = h.group;
            const tariff = `${h.agreement.tariffId}@${h.agreement.tariffVersion}`;
            const useFold =
                !opts.fromScratch &&
                this.#o.fold !== false &&
                h.acc.count === h.key.y.length &&
                h.c0 !== undefined;
            let S: unknown;
            let C0: unknown;
            if (useFold) {
                S = h.acc.value;
                C0 = h.c0;
            } else {
                if (!scratch) {
                    const pr = await api.getPeriod(meterId, channel, period);
                    if (!pr?.closed || !pr.c0)
                        throw new RoleError(
                            'NOT_CLOSED',
                            `period ${meterId}/${channel}/${period} is not closed`,
                        );
                    const rs = await api.getReadings(meterId, channel, period);
                    scratch = {
                        C: rs.map((r) => g.decode(hexToBytes(r.c), `C${r.slot}`)),
                        C0: g.decode(hexToBytes(pr.c0), 'C0'),
                    };
                }
                S = weightedSum(g, h.key.y, scratch.C);
                C0 = scratch.C0;
            }
            const bound = innerProductBound(h.key.y, BigInt(h.meter.maxPerSlot));
            const m = decryptFolded(g, h.key, C0, S, this.#o.dlog(g), bound);
            const K = g.mulBase(h.key.sk); // equals K_y = Σ y_i·H_i: checked when the key was loaded
            const proof = proveBill(g, h.key.sk, {
                meter: meterId,
                channel,
                period,
                tariff,
                m,
                K,
                C0,
                S,
            });
            const ms = performance.now() - t0;
            if (opts.post !== false) {
                await api.postBill({
                    meter: meterId,
                    channel,
                    period,
                    tariff: { id: h.agreement.tariffId, version: h.agreement.tariffVersion },
                    m: m.toString(),
                    proof: bytesToHex(encodeProof(g, proof)),
                });
            }
            out.push({ meter: meterId, channel, period, tariff, m, folded: useFold, ms });
        }
        // Posted: the epoch is done, its keys and sums are not needed any more.
        if (opts.post !== false) this.#held.delete(k);
        return out;
    }
}
