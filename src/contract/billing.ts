// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/billing
 * Bill verification on the ledger (DESIGN.md §2 "Verifiable bill", §4 step 5) in O(1): before a
 * bill is stored the contract checks the provider's Chaum–Pedersen proof that S − m·G = sk_y·C_0
 * with sk_y·G = K_y, where K_y = Σ y_i·H_i and S = Σ y_i·C_i are the points the contract itself
 * keeps per agreement (`./folds.ts`: K_y computed from the published mpk at acceptance, S folded
 * from the stored ciphertexts as they arrived). Nothing here reads the mpk or the readings; the
 * auditor re-derives both from scratch (roles/auditor).
 */
import type { Context } from 'fabric-contract-api';
import { decodeProof } from '../fe/codec.js';
import { FeError } from '../fe/errors.js';
import { groupByName } from '../fe/groups.js';
import { verifyBill } from '../fe/proof.js';
import { ContractError } from './errors.js';
import { foldedPoints } from './folds.js';
import type { Meter, PeriodRecord } from './records.js';
import { hexToBytes } from './validate.js';

/** Verify m and its proof for a closed period against the agreement's fold; throws BAD_PROOF / INCOMPLETE. */
export async function verifyBillOnLedger(
    ctx: Context,
    meter: Meter,
    period: PeriodRecord,
    agreement: { provider: string; tariffId: string; tariffVersion: number },
    m: bigint,
    proofHex: string,
): Promise<void> {
    const g = groupByName(meter.group);
    const tariffLabel = `${agreement.tariffId}@${agreement.tariffVersion}`;
    const what = `bill ${meter.id}/${period.channel}/${period.period} (${tariffLabel})`;
    let proof;
    try {
        proof = decodeProof(g, hexToBytes(proofHex));
    } catch (e) {
        if (e instanceof FeError)
            throw new ContractError('BAD_PROOF', `${what}: ${e.message}`, { cause: e });
        throw e;
    }
    if (period.c0 === undefined)
        throw new ContractError('INCOMPLETE', `${what}: the period has no C0 stored`);
    const folded = await foldedPoints(
        ctx,
        meter,
        period.channel,
        period.period,
        agreement.provider,
        agreement.tariffId,
    );
    if (folded === undefined)
        throw new ContractError('NOT_FOUND', `${what}: the agreement has no fold record`);
    if (folded.count !== period.slots)
        throw new ContractError(
            'INCOMPLETE',
            `${what}: ${folded.count} of ${period.slots} slots folded`,
        );
    const statement = {
        meter: meter.id,
        channel: period.channel,
        period: period.period,
        tariff: tariffLabel,
        m,
        K: folded.K,
        C0: g.decode(hexToBytes(period.c0), 'C0'),
        S: folded.S,
    };
    if (!verifyBill(g, statement, proof)) {
        throw new ContractError(
            'BAD_PROOF',
            `${what}: the proof does not verify for m = ${m}; the bill is refused`,
        );
    }
}
