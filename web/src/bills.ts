// SPDX-License-Identifier: Apache-2.0
/** Check bills from public data in the browser (provider and auditor views): the same code the auditor role runs. */
import type { Bill, Meter } from '../../src/contract/records.js';
import type { FemeterApi } from '../../src/roles/api.js';
import { verifyBillPublic } from '../../src/roles/auditor/bills.js';
import { TariffCache, tariffWeightsFor } from '../../src/roles/weights.js';

export interface CheckedBill {
    readonly bill: Bill;
    readonly proofValid: boolean;
}

export async function checkBills(api: FemeterApi, bills: readonly Bill[]): Promise<CheckedBill[]> {
    const tariffs = new TariffCache(api);
    const meters = new Map<string, Meter>();
    const out: CheckedBill[] = [];
    for (const bill of bills) {
        let meter = meters.get(bill.meter);
        if (meter === undefined) meters.set(bill.meter, (meter = await api.getMeter(bill.meter)));
        const { tariff } = await tariffs.get(bill.tariffId, bill.tariffVersion);
        const y = await tariffWeightsFor(api, meter, bill.period, tariff);
        out.push({ bill, proofValid: await verifyBillPublic(api, meter, bill, y) });
    }
    return out;
}
