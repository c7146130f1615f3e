// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/grid/api
 * Typed calls of the grid-aggregation transactions (contract/grid) over any {@link LedgerClient},
 * beside {@link FemeterApi} for the rest of the contract.
 */
import type {
    AggregateCiphertext,
    AggregateResult,
    AggregationConsent,
    AggregationGroup,
    AggregationShare,
} from '../../contract/grid/index.js';
import { encodeTuple } from '../../fe/kdf.js';
import type { LedgerClient } from '../../ledger/index.js';

const dec = new TextDecoder();

/** An epoch of a group: the three ids every grid call names. */
export interface GroupEpochRef {
    readonly group: string;
    readonly channel: string;
    readonly epoch: string;
}

/** A member's stored ciphertext as returned by GetAggregateCiphertexts. */
export interface StoredAggregateCiphertext extends AggregateCiphertext {
    readonly slot: number;
    readonly meter: string;
}

/** One signed ciphertext as a meter submits it. */
export interface AggregateCiphertextInput extends GroupEpochRef {
    readonly slot: number;
    readonly status: number;
    readonly c: string;
    readonly sig: string;
}

export class GridApi {
    readonly client: LedgerClient;
    constructor(client: LedgerClient) {
        this.client = client;
    }

    async #submit<T>(tx: string, body: unknown): Promise<T> {
        const res = await this.client.submit(tx, JSON.stringify(body));
        return JSON.parse(dec.decode(res.result)) as T;
    }

    async #eval<T>(tx: string, ...args: string[]): Promise<T> {
        return JSON.parse(dec.decode(await this.client.evaluate(tx, ...args))) as T;
    }

    registerGroup(g: {
        id: string;
        channel: string;
        epoch: string;
        members: readonly string[];
        minMembers?: number;
    }): Promise<AggregationGroup> {
        return this.#submit('RegisterAggregationGroup', g);
    }
    consent(
        c: GroupEpochRef & {
            meter: string;
            decision: 'allowed' | 'refused';
            reason?: string;
            dhPublicKey?: string;
        },
    ): Promise<AggregationConsent> {
        return this.#submit('ConsentAggregation', c);
    }
    publishShare(
        s: GroupEpochRef & {
            meter: string;
            sealedShare: string;
            commitment: readonly [string, string];
        },
    ): Promise<Omit<AggregationShare, 'sealedShare'>> {
        return this.#submit('PublishAggregationShare', s);
    }
    submitCiphertexts(
        meter: string,
        items: readonly AggregateCiphertextInput[],
    ): Promise<{ stored: number; duplicates: number }> {
        return this.#submit('SubmitAggregateCiphertexts', { meter, items });
    }
    postAggregates(
        r: GroupEpochRef & { results: readonly { slot: number; m: string; proof: string }[] },
    ): Promise<{ posted: number }> {
        return this.#submit('PostAggregates', r);
    }
    getGroup(r: GroupEpochRef): Promise<AggregationGroup> {
        return this.#eval('GetAggregationGroup', r.group, r.channel, r.epoch);
    }
    listGroups(): Promise<AggregationGroup[]> {
        return this.#eval('ListAggregationGroups');
    }
    getConsents(r: GroupEpochRef): Promise<AggregationConsent[]> {
        return this.#eval('GetAggregationConsents', r.group, r.channel, r.epoch);
    }
    getShares(r: GroupEpochRef): Promise<AggregationShare[]> {
        return this.#eval('GetAggregationShares', r.group, r.channel, r.epoch);
    }
    /** Ciphertexts of one slot, or of the whole epoch without `slot`. */
    getCiphertexts(r: GroupEpochRef, slot?: number): Promise<StoredAggregateCiphertext[]> {
        return this.#eval(
            'GetAggregateCiphertexts',
            r.group,
            r.channel,
            r.epoch,
            slot === undefined ? '' : String(slot),
        );
    }
    getAggregates(r: GroupEpochRef): Promise<AggregateResult[]> {
        return this.#eval('GetAggregates', r.group, r.channel, r.epoch);
    }
}

/** The epoch of a group record, as the fe layer names it. */
export function mcfeEpochOf(g: AggregationGroup): {
    aggregate: string;
    channel: string;
    epoch: string;
} {
    return { aggregate: g.id, channel: g.channel, epoch: g.epoch };
}

/** The share's HPKE info: binds a sealed share to its group epoch, roster, member and grid operator. */
export function shareInfo(g: AggregationGroup, meter: string): Uint8Array {
    return encodeTuple([
        'femeter/v1/aggregation-share',
        g.id,
        g.channel,
        g.epoch,
        g.roster,
        meter,
        g.gridOperator,
    ]);
}
