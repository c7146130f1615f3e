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
import type { FemeterApi } from '../../ledger/api.js';

export async function verifyBillPublic(api: FemeterApi, meter: Meter, bill: Bill, y: readonly bigint[]): Promise<boolean> {
    const g = groupByName(meter.group);
    try {
        const mpk = decodeMpk(g, hexToBytes((await api.getMpk(bill.meter, bill.channel, bill.period)).mpk));
        const pr = await api.getPeriod(bill.meter, bill.channel, bill.period);
        const readings = await api.getReadings(bill.meter, bill.channel, bill.period);
        if (!pr?.c0 || readings.length !== mpk.H.length || y.length !== mpk.H.length) return false;
        const C = readings.map((r) => g.decode(hexToBytes(r.c), `C${r.slot}`));
        const ys = y.map((v) => mod(v, g.order));
        return verifyBill(
            g,
            { meter: bill.meter, channel: bill.channel, period: bill.period, tariff: `${bill.tariffId}@${bill.tariffVersion}`, m: BigInt(bill.m), K: g.msmVartime(mpk.H, ys), C0: g.decode(hexToBytes(pr.c0), 'C0'), S: g.msmVartime(C, ys) },
            decodeProof(g, hexToBytes(bill.proof)),
        );
    } catch {
        return false;
    }
}
