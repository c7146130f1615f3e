// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/auditor/auditor
 * The auditor and customer-side verifier (DESIGN.md §4 step 7, §6): with read access only and no
 * provider software it checks the chain (where the engine offers it), every meter's registration
 * and software identity, every reading's signature (C_i, and C_0 with the first of a period),
 * gap-free sequence numbers, that every agreement has its consent record, and every bill's proof
 * recomputed from public data. Findings are listed, never silently passed over.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { readingPayload, verifyEd25519, type Meter } from '../../contract/index.js';
import type { FemeterApi } from '../api.js';
import { TariffCache, tariffWeightsFor } from '../weights.js';
import { fetchEpoch, verifyBillPublic } from './bills.js';

export interface AuditReport {
    readonly ok: boolean;
    readonly chain: { checked: boolean; ok: boolean; blocks: number; txs: number; reason?: string };
    readonly meters: number;
    readonly software: Record<string, number>;
    readonly readingsChecked: number;
    readonly badSignatures: string[];
    readonly sequenceGaps: string[];
    readonly agreementsChecked: number;
    readonly missingConsent: string[];
    readonly billsChecked: number;
    readonly badBills: string[];
}

export interface AuditorOptions {
    readonly api: FemeterApi;
}

export class Auditor {
    readonly #api: FemeterApi;
    readonly #tariffs: TariffCache;
    constructor(opts: Readonly<AuditorOptions>) {
        this.#api = opts.api;
        this.#tariffs = new TariffCache(opts.api);
    }

    /** Check a meter's periods, readings, sequence numbers, consents and bills. */
    async auditMeter(
        meter: Meter,
        acc: {
            readings: number;
            badSig: string[];
            gaps: string[];
            agreements: number;
            missing: string[];
            bills: number;
            badBills: string[];
        },
    ): Promise<void> {
        const api = this.#api;
        const pub = hexToBytes(meter.signingKey);
        const seqs: number[] = [];
        for (const p of await api.listPeriods(meter.id)) {
            const epoch = await fetchEpoch(api, meter.id, p.channel, p.period);
            for (const r of epoch.readings) {
                acc.readings++;
                seqs.push(r.seq);
                const payload = readingPayload({
                    meter: meter.id,
                    channel: p.channel,
                    period: p.period,
                    slot: r.slot,
                    c: hexToBytes(r.c),
                    c0: r.c0 === undefined ? undefined : hexToBytes(r.c0),
                    seq: r.seq,
                    status: r.status,
                });
                if (!verifyEd25519(pub, payload, hexToBytes(r.sig)))
                    acc.badSig.push(`${meter.id}/${p.channel}/${p.period} slot ${r.slot}`);
            }
            const agreements = await api.getAgreements(meter.id, p.channel, p.period);
            const consents = await api.getConsents(meter.id, p.channel, p.period);
            for (const a of agreements) {
                acc.agreements++;
                if (
                    !consents.some(
                        (c) =>
                            c.txId === a.txId &&
                            c.decision === 'allowed' &&
                            c.tariffId === a.tariffId &&
                            c.provider === a.provider,
                    )
                ) {
                    acc.missing.push(
                        `${meter.id}/${p.channel}/${p.period} ${a.tariffId} for ${a.provider}`,
                    );
                }
            }
            for (const b of await api.getBills(meter.id, p.channel, p.period)) {
                acc.bills++;
                const y = await tariffWeightsFor(
                    api,
                    meter,
                    p.period,
                    (await this.#tariffs.get(b.tariffId, b.tariffVersion)).tariff,
                );
                if (!(await verifyBillPublic(api, meter, b, y, epoch)))
                    acc.badBills.push(
                        `${meter.id}/${p.channel}/${p.period} ${b.tariffId}: proof does not verify`,
                    );
            }
        }
        const state = await api.getMeterSequence(meter.id);
        seqs.sort((a, b) => a - b);
        let expect = 1;
        for (const s of seqs) {
            if (s > expect) acc.gaps.push(`${meter.id}: sequence ${expect}..${s - 1} missing`);
            expect = s + 1;
        }
        if (state.last !== (seqs.at(-1) ?? 0))
            acc.gaps.push(
                `${meter.id}: ledger says last sequence ${state.last}, readings end at ${seqs.at(-1) ?? 0}`,
            );
    }

    /** Audit everything visible on the ledger. */
    async audit(
        opts: {
            engine?: {
                verify?: () => Promise<{
                    ok: boolean;
                    blocks: number;
                    txs: number;
                    reason?: string;
                }>;
            };
        } = {},
    ): Promise<AuditReport> {
        const chainRes = opts.engine?.verify ? await opts.engine.verify() : undefined;
        const chain = chainRes
            ? {
                  checked: true,
                  ok: chainRes.ok,
                  blocks: chainRes.blocks,
                  txs: chainRes.txs,
                  ...(chainRes.reason ? { reason: chainRes.reason } : {}),
              }
            : { checked: false, ok: true, blocks: 0, txs: 0 };
        const meters = await this.#api.listMeters();
        const software: Record<string, number> = {};
        const acc = {
            readings: 0,
            badSig: [] as string[],
            gaps: [] as string[],
            agreements: 0,
            missing: [] as string[],
            bills: 0,
            badBills: [] as string[],
        };
        for (const m of meters) {
            const sw = `${m.software.id} sha256:${m.software.digest.slice(0, 16)}…`;
            software[sw] = (software[sw] ?? 0) + 1;
            await this.auditMeter(m, acc);
        }
        const ok =
            chain.ok &&
            acc.badSig.length === 0 &&
            acc.gaps.length === 0 &&
            acc.missing.length === 0 &&
            acc.badBills.length === 0;
        return {
            ok,
            chain,
            meters: meters.length,
            software,
            readingsChecked: acc.readings,
            badSignatures: acc.badSig,
            sequenceGaps: acc.gaps,
            agreementsChecked: acc.agreements,
            missingConsent: acc.missing,
            billsChecked: acc.bills,
            badBills: acc.badBills,
        };
    }
}
