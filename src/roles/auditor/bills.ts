// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/auditor/bills
 * Independent bill verification from public ledger data (no provider software, DESIGN.md §6):
 * K_y = Σ y_i·H_i from the mpk, S = Σ y_i·C_i from the stored ciphertexts, and the Chaum–Pedersen
 * proof of the posted value.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import type { Bill, Meter } from '../../contract/index.js';
import { decodeMpk, decodeProof } from '../../fe/codec.js';
import { mod } from '../../fe/group.js';
import { groupByName } from '../../fe/groups.js';
import { verifyBill } from '../../fe/proof.js';
import type { FemeterApi, StoredReading } from '../api.js';

/** Ledger data of one epoch, fetched once and reused for all its bills. */
export interface EpochData {
    readonly mpkHex: string;
    readonly c0: string | undefined;
    readonly readings: readonly StoredReading[];
}

export async function fetchEpoch(
    api: FemeterApi,
    meter: string,
    channel: string,
    period: string,
): Promise<EpochData> {
    const [mpk, pr, readings] = await Promise.all([
        api.getMpk(meter, channel, period),
        api.getPeriod(meter, channel, period),
        api.getReadings(meter, channel, period),
    ]);
    return { mpkHex: mpk.mpk, c0: pr?.c0, readings };
}

export async function verifyBillPublic(
    api: FemeterApi,
    meter: Meter,
    bill: Bill,
    y: readonly bigint[],
    epoch?: EpochData,
): Promise<boolean> {
    const g = groupByName(meter.group);
    try {
        const e = epoch ?? (await fetchEpoch(api, bill.meter, bill.channel, bill.period));
        const mpk = decodeMpk(g, hexToBytes(e.mpkHex));
        const pr = { c0: e.c0 };
        const readings = e.readings;
        if (!pr.c0 || readings.length !== mpk.H.length || y.length !== mpk.H.length) return false;
        const C = readings.map((r) => g.decode(hexToBytes(r.c), `C${r.slot}`));
        const ys = y.map((v) => mod(v, g.order));
        return verifyBill(
            g,
            {
                meter: bill.meter,
                channel: bill.channel,
                period: bill.period,
                tariff: `${bill.tariffId}@${bill.tariffVersion}`,
                m: BigInt(bill.m),
                K: g.msmVartime(mpk.H, ys),
                C0: g.decode(hexToBytes(pr.c0), 'C0'),
                S: g.msmVartime(C, ys),
            },
            decodeProof(g, hexToBytes(bill.proof)),
        );
    } catch {
        return false;
    }
}
