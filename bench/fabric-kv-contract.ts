// SPDX-License-Identifier: Apache-2.0
/**
 * @module bench/fabric-kv-contract
 * The baseline of `npm run bench:fabric`: a trivial key-value chaincode deployed beside the femeter
 * contract on the same network in the same run. `PutMany(itemsJson)` stores every `[key, value]`
 * of a JSON array with one `putState` each and emits one event per transaction with the count —
 * no identity checks, no reads, no signatures: the ceiling any contract storing records of that
 * size and count per transaction works under. Deployed with `scripts/fabric/deploy --entry` (the
 * compiled file exports `contracts`); no decorators, so every public method is a transaction.
 */
import fabric from 'fabric-contract-api';
import type { Context } from 'fabric-contract-api';

const { Contract } = fabric;
const enc = new TextEncoder();

/** Key-value baseline contract. */
export class KvBaselineContract extends Contract {
    constructor() {
        super('kvbaseline');
    }

    /** Store each `[key, value]` of `itemsJson`; one event "PutMany" with the count. */
    async PutMany(ctx: Context, itemsJson: string): Promise<number> {
        const items = JSON.parse(itemsJson) as unknown;
        if (!Array.isArray(items)) throw new Error('items must be an array of [key, value]');
        for (const item of items as unknown[]) {
            if (!Array.isArray(item) || typeof item[0] !== 'string' || typeof item[1] !== 'string')
                throw new Error('each item must be [key, value]');
            await ctx.stub.putState(item[0], enc.encode(item[1]));
        }
        ctx.stub.setEvent('PutMany', enc.encode(String(items.length)));
        return items.length;
    }
}

export const contracts = [KvBaselineContract];
