// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/auditor/auditor
 * The auditor and customer-side verifier (DESIGN.md §4 step 7, §6): with read access only and no
 * provider software it checks the chain (where the engine offers it), every meter's registration
 * and software identity, every reading's signature (C_i, and C_0 with the first of a period),
 * gap-free sequence numbers, that every agreement has its consent record, and every bill's proof
 * recomputed from public data. Findings are listed, never silently passed over.
 *
 * Memory does not grow with the number of readings: the ledger is read one epoch at a time and
 * sequence numbers are kept as runs. With `resumeDir` the audit records its progress after every
 * meter (and the chain check keeps its replayed state there), so an interrupted audit resumes
 * where it stopped; a completed audit removes its progress, and the next one starts over.
 */
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { hexToBytes } from '@noble/hashes/utils.js';
import { readingPayload, verifyEd25519, type Meter } from '../../contract/index.js';
import type { FemeterApi } from '../api.js';
import { writeFileAtomic } from '../../ledger/atomicfile.js';
import { TariffCache, tariffWeightsFor } from '../weights.js';
import { matchSignatures } from '../signed-readings.js';
import { fetchEpoch, verifyBillPublic } from './bills.js';
import { RunSet } from './ranges.js';

export interface AuditReport {
    readonly ok: boolean;
    readonly chain: {
        checked: boolean;
        ok: boolean;
        blocks: number;
        txs: number;
        reason?: string;
        /** World-state keys compared with the blocks (Fabric). */
        stateKeys?: number;
    };
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

/** What an interrupted audit has checked so far (meters in id order). */
interface AuditProgress {
    after: string | undefined;
    software: Record<string, number>;
    acc: {
        readings: number;
        badSig: string[];
        gaps: string[];
        agreements: number;
        missing: string[];
        bills: number;
        badBills: string[];
    };
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
        const seqs = new RunSet(); // memory grows with gaps, not with readings
        for (const p of await api.listPeriods(meter.id)) {
            const epoch = await fetchEpoch(api, meter.id, p.channel, p.period);
            // signatures live in the transactions that carried the readings (state keeps none):
            // each one is taken from its transaction and verified over the ciphertext in state
            const signed = await matchSignatures(api, meter, p.channel, p.period, epoch.readings);
            for (const r of epoch.readings) seqs.add(r.seq);
            for (const x of signed.problems) {
                acc.readings++;
                acc.badSig.push(
                    `${meter.id}/${p.channel}/${p.period} slot ${x.slot}: ${x.reason} (tx ${x.tx.slice(0, 64)})`,
                );
            }
            for (const r of signed.readings) {
                acc.readings++;
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
                    acc.badSig.push(
                        `${meter.id}/${p.channel}/${p.period} slot ${r.slot}: signature does not verify`,
                    );
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
        for (const [first, last] of seqs.gaps())
            acc.gaps.push(`${meter.id}: sequence ${first}..${last} missing`);
        if (state.last !== seqs.max)
            acc.gaps.push(
                `${meter.id}: ledger says last sequence ${state.last}, readings end at ${seqs.max}`,
            );
    }

    /** Audit everything visible on the ledger. */
    async audit(
        opts: {
            engine?: {
                verify?: (options?: { workDir?: string }) => Promise<{
                    ok: boolean;
                    blocks: number;
                    txs: number;
                    reason?: string;
                    stateKeys?: number;
                }>;
            };
            /** Directory for progress: an interrupted audit resumes after the last meter checked. */
            resumeDir?: string;
        } = {},
    ): Promise<AuditReport> {
        const dir = opts.resumeDir;
        if (dir !== undefined) await mkdir(dir, { recursive: true });
        const progressFile = dir === undefined ? undefined : join(dir, 'audit-progress.json');
        const chainRes = opts.engine?.verify
            ? await opts.engine.verify(dir === undefined ? {} : { workDir: join(dir, 'chain') })
            : undefined;
        const chain = chainRes
            ? {
                  checked: true,
                  ok: chainRes.ok,
                  blocks: chainRes.blocks,
                  txs: chainRes.txs,
                  ...(chainRes.reason ? { reason: chainRes.reason } : {}),
                  ...(chainRes.stateKeys === undefined ? {} : { stateKeys: chainRes.stateKeys }),
              }
            : { checked: false, ok: true, blocks: 0, txs: 0 };
        const meters = (await this.#api.listMeters()).sort((a, b) =>
            a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
        );
        let progress: AuditProgress = {
            after: undefined,
            software: {},
            acc: {
                readings: 0,
                badSig: [],
                gaps: [],
                agreements: 0,
                missing: [],
                bills: 0,
                badBills: [],
            },
        };
        if (progressFile !== undefined && existsSync(progressFile))
            progress = JSON.parse(readFileSync(progressFile, 'utf8')) as AuditProgress;
        const { software, acc } = progress;
        for (const m of meters) {
            if (progress.after !== undefined && m.id <= progress.after) continue;
            const sw = `${m.software.id} sha256:${m.software.digest.slice(0, 16)}…`;
            software[sw] = (software[sw] ?? 0) + 1;
            await this.auditMeter(m, acc);
            if (progressFile !== undefined) {
                progress = { after: m.id, software, acc };
                await writeFileAtomic(progressFile, JSON.stringify(progress));
            }
        }
        if (progressFile !== undefined) await rm(progressFile, { force: true });
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
