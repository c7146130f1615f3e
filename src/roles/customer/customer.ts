// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/customer/customer
 * The customer (DESIGN.md §1, §3, §4): owns the root seed, publishes the mpk of coming periods,
 * reviews tariffs with the privacy guard, issues functional keys sealed to the provider, reads all
 * of their own data and checks every bill against it.
 */
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { parseSurveySpec, surveyWeights, type Bill, type Meter } from '../../contract/index.js';
import { encodeFunctionalKey, encodeMpk } from '../../fe/codec.js';
import { GUARD_DEFAULT_K, GUARD_MIN_K, guardKeySet } from '../../fe/guard.js';
import { groupByName, type AnyGroup } from '../../fe/groups.js';
import {
    decryptSlot,
    keyDer,
    setup,
    type DlogSolver,
    type FunctionalKey,
    type MasterSecretKey,
} from '../../fe/ipfe.js';
import { deriveScalars, LABELS } from '../../fe/kdf.js';
import { nextPeriodId } from '../../contract/tariff/index.js';
import type { FemeterApi } from '../api.js';
import { GuardRefusedError, RoleError } from '../errors.js';
import { sealToProvider } from '../hpke.js';
import { SurveyApi } from '../surveyor/api.js';
import { meterPeriod, TariffCache, tariffWeightsFor } from '../weights.js';
import type { Wallet } from './wallet.js';
import { fetchEpoch, verifyBillPublic, type EpochData } from '../auditor/bills.js';

export interface CustomerOptions {
    readonly api: FemeterApi;
    readonly partyId: string;
    readonly wallet: Wallet;
    /** Discrete-log solver per group (for reading own data). */
    readonly dlog: (group: AnyGroup) => DlogSolver<unknown>;
    /**
     * The customer's own guard k (default 96, never below 4); the software applies the larger of it
     * and the ledger's k, so it never issues a key the contract would refuse.
     */
    readonly k?: number;
}

/** One of the customer's own readings, decrypted. */
export interface OwnReading {
    readonly slot: number;
    readonly value: bigint;
    readonly status: number;
    readonly seq: number;
}

/** Result of checking one bill. */
export interface BillCheck {
    readonly bill: Bill;
    readonly proofValid: boolean;
    /** Σ x_i·y_i from the customer's own decrypted readings. */
    readonly expected: bigint;
    readonly matches: boolean;
}

export class Customer {
    readonly #o: CustomerOptions;
    readonly #k: number;
    readonly #tariffs: TariffCache;
    constructor(opts: Readonly<CustomerOptions>) {
        this.#o = opts;
        this.#k = opts.k ?? GUARD_DEFAULT_K;
        if (!Number.isInteger(this.#k) || this.#k < GUARD_MIN_K)
            throw new RoleError('BAD_OPTION', `guard k must be an integer >= ${GUARD_MIN_K}`);
        this.#tariffs = new TariffCache(opts.api);
    }

    get partyId(): string {
        return this.#o.partyId;
    }

    /** Setup of one epoch (msk and mpk: l fixed-base multiplications). */
    #setup(
        meter: Meter,
        channel: string,
        period: string,
    ): { group: AnyGroup; msk: MasterSecretKey; mpk: ReturnType<typeof setup>['mpk'] } {
        const group = groupByName(meter.group);
        const l = meterPeriod(meter, period).slotCount;
        const { msk, mpk } = setup(
            group,
            this.#o.wallet.seed,
            { meter: meter.id, channel, period },
            l,
        );
        return { group, msk, mpk };
    }

    /** The msk alone (scalar derivation only, no group operations). */
    #msk(meter: Meter, channel: string, period: string): { group: AnyGroup; msk: MasterSecretKey } {
        const group = groupByName(meter.group);
        const ctx = { meter: meter.id, channel, period };
        return {
            group,
            msk: {
                ctx,
                s: deriveScalars(
                    group,
                    this.#o.wallet.seed,
                    LABELS.masterKey,
                    [ctx.meter, ctx.channel, ctx.period],
                    meterPeriod(meter, period).slotCount,
                ),
            },
        };
    }

    /** Publish the mpk for `count` periods from `firstPeriod` (default 12). Idempotent. */
    /** The meters registered to this customer. */
    async meters(): Promise<Meter[]> {
        return (await this.#o.api.listMeters()).filter((m) => m.owner === this.#o.partyId);
    }

    async publishMpks(
        meterId: string,
        channel: string,
        firstPeriod: string,
        count = 12,
    ): Promise<string[]> {
        const meter = await this.#o.api.getMeter(meterId);
        if (meter.owner !== this.#o.partyId)
            throw new RoleError('NOT_OWNER', `meter ${meterId} belongs to ${meter.owner}`);
        const out: string[] = [];
        let p = firstPeriod;
        for (let i = 0; i < count; i++, p = nextPeriodId(p)) {
            const { group, mpk } = this.#setup(meter, channel, p);
            const rec = await this.#o.api.publishMpk(
                meterId,
                channel,
                p,
                bytesToHex(encodeMpk(group, mpk)),
            );
            out.push(rec.digest);
        }
        return out;
    }

    /**
     * Accept a tariff for some periods: run the guard on the epoch's whole key set (every agreement
     * of every provider on the ledger, every accepted survey, plus this tariff), derive sk_y, seal it to the provider,
     * store it with the consent record. A refusal is recorded on the ledger and thrown. With
     * `replaceKey`, re-issue the sealed key of an agreement already held (a key the provider found
     * bad); the weights, and so the key set, do not change.
     */
    async acceptTariff(a: {
        meter: string;
        channel: string;
        provider: string;
        tariff: { id: string; version: number };
        periods: readonly string[];
        replaceKey?: boolean;
    }): Promise<void> {
        const api = this.#o.api;
        const meter = await api.getMeter(a.meter);
        const provider = await api.getParty(a.provider);
        if (provider.role !== 'provider' || provider.hpkePublicKey === undefined)
            throw new RoleError('NOT_PROVIDER', `${a.provider} is not a provider`);
        const { tariff } = await this.#tariffs.get(a.tariff.id, a.tariff.version);
        if (tariff.provider !== provider.id)
            throw new RoleError(
                'WRONG_PROVIDER',
                `tariff ${tariff.id} belongs to ${tariff.provider}`,
            );
        const k = Math.max(this.#k, (await api.getConfig()).guardK);
        const keys: { period: string; encryptedKey: string }[] = [];
        for (const period of a.periods) {
            const y = await tariffWeightsFor(api, meter, period, tariff);
            const existing: bigint[][] = [];
            const agreements = await api.getAgreements(meter.id, a.channel, period);
            const held = agreements.find(
                (ag) => ag.provider === provider.id && ag.tariffId === tariff.id,
            );
            if (a.replaceKey === true && held?.tariffVersion !== tariff.version)
                throw new RoleError(
                    'NO_AGREEMENT',
                    `${provider.id} holds no agreement for ${tariff.id}@${tariff.version} on ${meter.id}/${a.channel}/${period}: nothing to replace`,
                );
            for (const ag of a.replaceKey === true ? [] : agreements) {
                existing.push(
                    await tariffWeightsFor(
                        api,
                        meter,
                        period,
                        (await this.#tariffs.get(ag.tariffId, ag.tariffVersion)).tariff,
                    ),
                );
            }
            if (a.replaceKey !== true)
                for (const s of await new SurveyApi(api.client).getSurveys(
                    meter.id,
                    a.channel,
                    period,
                ))
                    if (s.status === 'accepted')
                        existing.push(surveyWeights(meter, period, parseSurveySpec(s.spec, s.id)));
            const d = a.replaceKey === true ? undefined : guardKeySet([...existing, y], { k });
            if (d?.allowed === false) {
                const reason = d.reason;
                await api.recordRefusal({
                    meter: meter.id,
                    channel: a.channel,
                    provider: provider.id,
                    tariff: a.tariff,
                    periods: [period],
                    reason,
                });
                throw new GuardRefusedError(
                    `privacy guard refused ${tariff.id}@${tariff.version} for ${meter.id}/${a.channel}/${period}: ${reason}`,
                    d.witness === undefined
                        ? d.smallestClass
                        : { slots: d.witness.slots, size: d.witness.support },
                );
            }
            const { group, msk } = this.#msk(meter, a.channel, period);
            const key = keyDer(group, msk, y);
            const binding = {
                meter: meter.id,
                channel: a.channel,
                period,
                provider: provider.id,
                tariff: `${tariff.id}@${tariff.version}`,
            };
            keys.push({
                period,
                encryptedKey: await sealToProvider(
                    provider.hpkePublicKey,
                    binding,
                    encodeFunctionalKey(group, key),
                ),
            });
        }
        await api.acceptTariff({
            meter: meter.id,
            channel: a.channel,
            provider: provider.id,
            tariff: a.tariff,
            periods: keys,
        });
    }

    /**
     * The functional key sk_y of one epoch for weights `y` (used by ./survey.ts; the caller runs
     * the guard first and seals the key to its recipient).
     */
    functionalKey(
        meter: Meter,
        channel: string,
        period: string,
        y: readonly bigint[],
    ): FunctionalKey {
        const { group, msk } = this.#msk(meter, channel, period);
        return keyDer(group, msk, y);
    }

    /** Decrypt all own readings of a period (the customer holds the msk: own data is the customer's). */
    async readings(
        meterId: string,
        channel: string,
        period: string,
        epoch?: EpochData,
    ): Promise<OwnReading[]> {
        const api = this.#o.api;
        const meter = await api.getMeter(meterId);
        const e = epoch ?? (await fetchEpoch(api, meterId, channel, period));
        if (!e.c0) return [];
        const { group, msk } = this.#msk(meter, channel, period);
        const C0 = group.decode(hexToBytes(e.c0), 'C0');
        const dlog = this.#o.dlog(group);
        return e.readings.map((r) => ({
            slot: r.slot,
            seq: r.seq,
            status: r.status,
            value: decryptSlot(
                group,
                msk,
                r.slot,
                C0,
                group.decode(hexToBytes(r.c), `C${r.slot}`),
                dlog,
                BigInt(meter.maxPerSlot),
            ),
        }));
    }

    /** Check every bill of a period: proof valid and value equal to Σ x_i·y_i of own readings. */
    async checkBills(
        meterId: string,
        channel: string,
        period: string,
        own?: readonly OwnReading[],
    ): Promise<BillCheck[]> {
        const api = this.#o.api;
        const meter = await api.getMeter(meterId);
        const epoch = await fetchEpoch(api, meterId, channel, period);
        const readings = own ?? (await this.readings(meterId, channel, period, epoch));
        const out: BillCheck[] = [];
        for (const bill of await api.getBills(meterId, channel, period)) {
            const { tariff } = await this.#tariffs.get(bill.tariffId, bill.tariffVersion);
            const y = await tariffWeightsFor(api, meter, period, tariff);
            const expected = readings.reduce((s, r) => {
                const w = y[r.slot];
                if (w === undefined)
                    throw new RangeError(
                        `reading slot ${r.slot} is outside the ${y.length} tariff weights`,
                    );
                return s + r.value * w;
            }, 0n);
            const proofValid = await verifyBillPublic(api, meter, bill, y, epoch);
            out.push({
                bill,
                proofValid,
                expected,
                matches: proofValid && expected === BigInt(bill.m),
            });
        }
        return out;
    }
}
