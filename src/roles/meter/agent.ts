// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/agent
 * The meter agent (DESIGN.md §4 steps 2 and 4): fetches and acknowledges the mpk of each period,
 * encrypts every slot (C_i = r·H_i + x_i·G, r derived from the meter seed so a restarted meter
 * resumes byte-identically), signs (meter, channel, period, slot, C_i, C_0 with the first, seq,
 * status), keeps everything in a durable outbox and submits in batches, in order, one batch in
 * flight per meter. Closes periods with the count and digest of all ciphertexts.
 */
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import {
    closePayload,
    ed25519Signer,
    mpkAckPayload,
    periodDigest,
    readingPayload,
    type Meter,
} from '../../contract/index.js';
import { decodeMpk } from '../../fe/codec.js';
import { groupByName, type AnyGroup } from '../../fe/groups.js';
import { Encryptor } from '../../fe/ipfe.js';
import type { FemeterApi } from '../api.js';
import { BoundedMap } from '../../ledger/bounded.js';
import { RoleError } from '../errors.js';
import { meterPeriod } from '../weights.js';
import type { FileOutbox, OutboxEntry } from './outbox.js';

export interface MeterAgentOptions {
    readonly api: FemeterApi;
    readonly meterId: string;
    /** Ed25519 secret seed (32 bytes) from the meter's key file. */
    readonly signingSecret: Uint8Array;
    /** Seed of the per-period encryption randomness (32 bytes). */
    readonly meterSeed: Uint8Array;
    readonly outbox: FileOutbox;
    /** Readings per transaction (default 96: one day of 15-minute slots). */
    readonly batchSize?: number;
}

interface OpenPeriod {
    readonly enc: Encryptor<unknown>;
    readonly group: AnyGroup;
    readonly c0: string;
    readonly slots: number;
}

export class MeterAgent {
    readonly #o: MeterAgentOptions;
    readonly #signer: ReturnType<typeof ed25519Signer>;
    /** Periods being metered (encryptor with its pads); a period leaves when it is closed. */
    readonly #open = new Map<string, OpenPeriod>();
    /** Recently closed periods, to refuse late readings with a clear message. */
    readonly #closed = new BoundedMap<string, true>({ maxEntries: 64 });
    #meter: Meter | undefined;

    constructor(opts: Readonly<MeterAgentOptions>) {
        this.#o = opts;
        this.#signer = ed25519Signer(opts.signingSecret);
    }

    get meterId(): string {
        return this.#o.meterId;
    }

    /** This meter's registration, once its registered signing key is checked against this agent's key. */
    meter(): Promise<Meter> {
        return this.#getMeter();
    }

    async #getMeter(): Promise<Meter> {
        this.#meter ??= await this.#o.api.getMeter(this.#o.meterId);
        if (this.#meter.signingKey !== bytesToHex(this.#signer.publicKey))
            throw new RoleError(
                'WRONG_KEY',
                `this key file does not hold meter ${this.#o.meterId}'s registered signing key`,
            );
        return this.#meter;
    }

    /** Fetch the period's mpk, check it, acknowledge it on the ledger, prepare the encryptor. */
    async openPeriod(channel: string, period: string): Promise<void> {
        const k = `${channel}|${period}`;
        if (this.#open.has(k) || this.#closed.has(k)) return; // closed: record() says so
        const meter = await this.#getMeter();
        const rec = await this.#o.api.getMpk(meter.id, channel, period);
        if (rec.meter !== meter.id || rec.channel !== channel || rec.period !== period)
            throw new RoleError('BAD_MPK', 'ledger returned an mpk for another epoch');
        const mpkBytes = hexToBytes(rec.mpk);
        const digest = bytesToHex(sha256(mpkBytes));
        if (digest !== rec.digest)
            throw new RoleError('BAD_MPK', `mpk digest mismatch for ${period}`);
        const group = groupByName(meter.group);
        const mpk = decodeMpk(group, mpkBytes);
        if (mpk.ctx.meter !== meter.id || mpk.ctx.channel !== channel || mpk.ctx.period !== period)
            throw new RoleError('BAD_MPK', 'mpk context does not match this meter');
        if (rec.ack === null) {
            const sig = this.#signer.sign(
                mpkAckPayload(meter.id, channel, period, hexToBytes(digest)),
            );
            await this.#o.api.ackMpk(meter.id, channel, period, digest, bytesToHex(sig));
        } else if (rec.ack.digest !== digest) {
            throw new RoleError('BAD_MPK', 'the acknowledged mpk differs from the published one');
        }
        const enc = new Encryptor(group, mpk, this.#o.meterSeed, {
            maxReading: BigInt(meter.maxPerSlot),
            precompute: true,
        });
        this.#open.set(k, {
            enc,
            group,
            c0: bytesToHex(group.encode(enc.open())),
            slots: meterPeriod(meter, period).slotCount,
        });
    }

    /** Slots of a period already in the outbox (a restarted meter resumes after them). */
    recordedSlots(channel: string, period: string): Set<number> {
        return new Set(this.#o.outbox.slots(channel, period).keys());
    }

    /**
     * Encrypt, sign and durably record readings (x in the channel unit per slot). Returns the
     * entries; they are sent by {@link flush}.
     */
    record(
        channel: string,
        period: string,
        readings: readonly { slot: number; value: bigint; status?: number }[],
    ): OutboxEntry[] {
        const p = this.#open.get(`${channel}|${period}`);
        if (!p && this.#closed.has(`${channel}|${period}`))
            throw new RoleError(
                'DUPLICATE_SLOT',
                `period ${period} of ${channel} is closed: its slots are already recorded`,
            );
        if (!p)
            throw new RoleError(
                'NOT_OPEN',
                `period ${period} of ${channel} is not open: call openPeriod first`,
            );
        const already = this.#o.outbox.slots(channel, period);
        const firstOfPeriod = already.size === 0;
        let seq = this.#o.outbox.lastSeq;
        const out: OutboxEntry[] = [];
        readings.forEach((r, i) => {
            if (already.has(r.slot))
                throw new RoleError(
                    'DUPLICATE_SLOT',
                    `slot ${r.slot} of ${period} is already recorded`,
                );
            const c = p.group.encode(p.enc.slot(r.slot, r.value));
            const c0 = firstOfPeriod && i === 0 ? hexToBytes(p.c0) : undefined;
            const status = r.status ?? 0;
            seq += 1;
            const sig = this.#signer.sign(
                readingPayload({
                    meter: this.#o.meterId,
                    channel,
                    period,
                    slot: r.slot,
                    c,
                    c0,
                    seq,
                    status,
                }),
            );
            out.push({
                meter: this.#o.meterId,
                channel,
                period,
                slot: r.slot,
                seq,
                status,
                c: bytesToHex(c),
                ...(c0 ? { c0: p.c0 } : {}),
                sig: bytesToHex(sig),
            });
        });
        this.#o.outbox.append(out);
        return out;
    }

    /** Submit pending readings in order, in batches; returns how many were sent. Stops at the first failure (kept for later). */
    async flush(): Promise<{ sent: number; pending: number }> {
        const pending = this.#o.outbox.pending();
        const size = this.#o.batchSize ?? 96;
        let sent = 0;
        for (let i = 0; i < pending.length; i += size) {
            const batch = pending.slice(i, i + size);
            await this.#o.api.submitReadings(
                this.#o.meterId,
                batch.map(({ meter: _m, ...r }) => r),
            );
            const last = batch.at(-1); // batch is never empty: i < pending.length
            if (last !== undefined) this.#o.outbox.ack(last.seq);
            sent += batch.length;
        }
        return { sent, pending: this.#o.outbox.pending().length };
    }

    /** Close a period: every slot recorded and sent; signs count and digest of C_0 ‖ C_1 ‖ … */
    async closePeriod(channel: string, period: string): Promise<void> {
        const p = this.#open.get(`${channel}|${period}`);
        if (!p) throw new RoleError('NOT_OPEN', `period ${period} of ${channel} is not open`);
        await this.flush();
        const entries = [...this.#o.outbox.slots(channel, period)]
            .map(([slot, c]) => ({ slot, c }))
            .sort((a, b) => a.slot - b.slot);
        if (entries.length !== p.slots)
            throw new RoleError(
                'INCOMPLETE',
                `${entries.length} of ${p.slots} slots recorded for ${period}`,
            );
        const digest = periodDigest(
            p.c0,
            entries.map((e) => e.c),
            p.group.elementBytes,
        );
        const sig = this.#signer.sign(
            closePayload(this.#o.meterId, channel, period, entries.length, digest),
        );
        await this.#o.api.closePeriod({
            meter: this.#o.meterId,
            channel,
            period,
            count: entries.length,
            digest: bytesToHex(digest),
            signature: bytesToHex(sig),
        });
        // Closed on the ledger: the encryptor and the period's slots are not needed any more.
        this.#o.outbox.forgetPeriod(channel, period);
        this.#open.delete(`${channel}|${period}`);
        this.#closed.set(`${channel}|${period}`, true);
    }
}
