// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/billing
 * Bill verification on the ledger (DESIGN.md §2 "Verifiable bill", §4 step 5): before a bill is
 * stored the contract recomputes, from public ledger data only,
 *   y   from the agreed tariff (and price series),
 *   K_y = Σ y_i·H_i from the published mpk,
 *   S   = Σ y_i·C_i from the stored ciphertexts of the closed period,
 * and checks the provider's Chaum–Pedersen proof that S − m·G = sk_y·C_0 with sk_y·G = K_y.
 */
import type { Context } from 'fabric-contract-api';
import { decodeMpk, decodeProof } from '../fe/codec.js';
import { FeError } from '../fe/errors.js';
import { mod } from '../fe/group.js';
import { groupByName } from '../fe/groups.js';
import { verifyBill } from '../fe/proof.js';
import { ContractError } from './errors.js';
import { keys } from './keys.js';
import type { Meter, MpkRecord, PeriodRecord, SlotRecord } from './records.js';
import { listByPrefix, mustGet } from './state.js';
import { hexToBytes } from './validate.js';

/** Verify m and its proof for a closed period; throws BAD_PROOF / BAD_POINT. */
export async function verifyBillOnLedger(
    ctx: Context,
    meter: Meter,
    period: PeriodRecord,
    tariffLabel: string,
    y: readonly bigint[],
    m: bigint,
    proofHex: string,
): Promise<void> {
    const g = groupByName(meter.group);
    const what = `bill ${meter.id}/${period.channel}/${period.period} (${tariffLabel})`;
    let proof;
    try {
        proof = decodeProof(g, hexToBytes(proofHex));
    } catch (e) {
        if (e instanceof FeError)
            throw new ContractError('BAD_PROOF', `${what}: ${e.message}`, { cause: e });
        throw e;
    }
    const mpkRec = await mustGet<MpkRecord>(
        ctx,
        keys.mpk(ctx.stub, meter.id, period.channel, period.period),
        `mpk of ${meter.id}/${period.channel}/${period.period}`,
    );
    const mpk = decodeMpk(g, hexToBytes(mpkRec.mpk));
    if (y.length !== mpk.H.length)
        throw new ContractError(
            'BAD_PROOF',
            `${what}: tariff has ${y.length} weights, mpk ${mpk.H.length} slots`,
        );
    const slots = await listByPrefix<SlotRecord>(ctx, 'slot', [
        meter.id,
        period.channel,
        period.period,
    ]);
    if (slots.length !== period.slots)
        throw new ContractError(
            'INCOMPLETE',
            `${what}: ${slots.length} of ${period.slots} slots stored`,
        );
    if (period.c0 === undefined)
        throw new ContractError('INCOMPLETE', `${what}: the period has no C0 stored`);
    const Cbytes = new Uint8Array(slots.length * g.elementBytes);
    slots.forEach((s, i) => {
        Cbytes.set(hexToBytes(s.value.c), i * g.elementBytes);
    });
    const C = g.decodeMany(Cbytes, slots.length, 'C');
    const ys = y.map((v) => mod(v, g.order));
    const statement = {
        meter: meter.id,
        channel: period.channel,
        period: period.period,
        tariff: tariffLabel,
        m,
        K: g.msmVartime(mpk.H, ys),
        C0: g.decode(hexToBytes(period.c0), 'C0'),
        S: g.msmVartime(C, ys),
    };
    if (!verifyBill(g, statement, proof)) {
        throw new ContractError(
            'BAD_PROOF',
            `${what}: the proof does not verify for m = ${m}; the bill is refused`,
        );
    }
}
