// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/aggregate
 * A member meter's grid aggregation (docs/GRID.md): with the MCFE client key its household handed
 * it, the meter precomputes the pads <s_i, u_ℓ> of every slot label of the group epoch when it
 * joins (period open), then encrypts each slot value with one small fixed-base multiplication,
 * signs (group, channel, epoch, slot, label, meter, c, status) and submits in batches. Encryption
 * is deterministic, so a restarted meter re-creates byte-identical ciphertexts (resends are no-ops
 * on the ledger) and keeps no outbox of its own for them.
 */
import { bytesToHex } from '@noble/hashes/utils.js';
import {
    aggregateCiphertextPayload,
    slotLabeler,
    type AggregationGroup,
} from '../../contract/grid/index.js';
import { ed25519Signer } from '../../contract/index.js';
import { groupByName, type AnyGroup } from '../../fe/groups.js';
import { McfeEncryptor, type ClientKey } from '../../fe/mcfe.js';
import type { FemeterApi } from '../api.js';
import { RoleError } from '../errors.js';
import type { AggregateCiphertextInput, GridApi, GroupEpochRef } from '../grid/api.js';

export interface MeterAggregationOptions {
    readonly api: FemeterApi;
    readonly grid: GridApi;
    readonly meterId: string;
    /** Ed25519 secret seed (32 bytes) of the meter's signing key. */
    readonly signingSecret: Uint8Array;
    /** Ciphertexts per transaction (default 500). */
    readonly batchSize?: number;
}

interface Joined {
    readonly g: AggregationGroup;
    readonly group: AnyGroup;
    readonly enc: McfeEncryptor<unknown>;
    readonly label: (slot: number) => string;
}

const refKey = (r: GroupEpochRef): string => `${r.group}\u0000${r.channel}\u0000${r.epoch}`;

export class MeterAggregation {
    readonly #o: MeterAggregationOptions;
    readonly #signer: ReturnType<typeof ed25519Signer>;
    readonly #joined = new Map<string, Joined>();
    #pending: AggregateCiphertextInput[] = [];

    constructor(opts: Readonly<MeterAggregationOptions>) {
        this.#o = opts;
        this.#signer = ed25519Signer(opts.signingSecret);
    }

    /** Groups this meter encrypts for, by channel and epoch. */
    groupsFor(channel: string, epoch: string): GroupEpochRef[] {
        return [...this.#joined.values()]
            .filter((j) => j.g.channel === channel && j.g.epoch === epoch)
            .map((j) => ({ group: j.g.id, channel, epoch }));
    }

    /**
     * Join a group epoch with the client key from the household: checks that the key is bound to
     * the group's roster and to this meter, and precomputes the pads of all slots.
     */
    async join(ref: GroupEpochRef, key: ClientKey): Promise<void> {
        if (this.#joined.has(refKey(ref))) return;
        const g = await this.#o.grid.getGroup(ref);
        const meter = await this.#o.api.getMeter(this.#o.meterId);
        if (meter.signingKey !== bytesToHex(this.#signer.publicKey))
            throw new RoleError('WRONG_KEY', `not meter ${this.#o.meterId}'s signing key`);
        if (!g.members.includes(this.#o.meterId))
            throw new RoleError('NOT_MEMBER', `meter ${this.#o.meterId} is not in group ${g.id}`);
        if (
            key.member !== this.#o.meterId ||
            key.epoch.aggregate !== g.id ||
            key.epoch.channel !== g.channel ||
            key.epoch.epoch !== g.epoch ||
            bytesToHex(key.roster) !== g.roster
        )
            throw new RoleError(
                'BAD_CLIENT_KEY',
                `the client key is not this meter's key for group ${g.id}/${g.channel}/${g.epoch} and its roster`,
            );
        const group = groupByName(g.group);
        const enc = new McfeEncryptor(group, key, { maxReading: BigInt(meter.maxPerSlot) });
        const label = slotLabeler(g);
        enc.precompute(Array.from({ length: g.slots }, (_, i) => label(i)));
        this.#joined.set(refKey(ref), { g, group, enc, label });
    }

    /** Encrypt and sign readings of a joined group epoch; sent by {@link flush}. */
    record(
        ref: GroupEpochRef,
        readings: readonly { slot: number; value: bigint; status?: number }[],
    ): void {
        const j = this.#joined.get(refKey(ref));
        if (!j)
            throw new RoleError(
                'NOT_OPEN',
                `group ${ref.group}/${ref.channel}/${ref.epoch} is not joined: call join first`,
            );
        for (const r of readings) {
            if (!Number.isInteger(r.slot) || r.slot < 0 || r.slot >= j.g.slots)
                throw new RoleError('OUT_OF_RANGE', `slot ${r.slot} outside 0..${j.g.slots - 1}`);
            const label = j.label(r.slot);
            const c = j.group.encode(j.enc.encrypt(label, r.value));
            const status = r.status ?? 0;
            const sig = this.#signer.sign(
                aggregateCiphertextPayload({
                    group: j.g.id,
                    channel: j.g.channel,
                    epoch: j.g.epoch,
                    slot: r.slot,
                    label,
                    meter: this.#o.meterId,
                    c,
                    status,
                }),
            );
            this.#pending.push({
                ...ref,
                slot: r.slot,
                status,
                c: bytesToHex(c),
                sig: bytesToHex(sig),
            });
        }
    }

    /** Submit pending ciphertexts in batches; stops at the first failure (the rest stays pending). */
    async flush(): Promise<{ sent: number; pending: number }> {
        const size = this.#o.batchSize ?? 500;
        let sent = 0;
        while (this.#pending.length > 0) {
            const batch = this.#pending.slice(0, size);
            await this.#o.grid.submitCiphertexts(this.#o.meterId, batch);
            this.#pending = this.#pending.slice(batch.length);
            sent += batch.length;
        }
        return { sent, pending: this.#pending.length };
    }

    /** Leave a group epoch (its pads are dropped). */
    leave(ref: GroupEpochRef): void {
        this.#joined.delete(refKey(ref));
    }
}
