// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/operator/operator
 * The metering point operator (DESIGN.md §4 step 1): the party that bootstraps a ledger and registers
 * every other party (provider, index publisher, auditor, customers) and every meter with its owner,
 * signing key, channels and software identity. Apps reach the ledger through this role, not through
 * {@link FemeterApi}.
 */
import type { Meter, Party } from '../../contract/index.js';
import type { FemeterApi, MeterInput, PartyInput } from '../api.js';

/** Options of {@link Operator}. */
export interface OperatorOptions {
    /** The operator's connection (an identity of the operator's organisation). */
    readonly api: FemeterApi;
}

/**
 * The metering point operator.
 *
 * @example
 * ```ts
 * const operator = new Operator({ api: operatorParticipant.api });
 * await operator.bootstrap('operator', 'Metering point operator');
 * await operator.registerParty({ id: 'auditor', role: 'auditor', name: 'Audit', identity });
 * ```
 */
export class Operator {
    readonly #api: FemeterApi;
    constructor(opts: Readonly<OperatorOptions>) {
        this.#api = opts.api;
    }

    /** Make this identity the ledger's operator (once per ledger; the contract refuses a second time). */
    bootstrap(id: string, name: string): Promise<Party> {
        return this.#api.bootstrap(id, name);
    }

    /** Register a party under its ledger identity. */
    registerParty(party: PartyInput): Promise<Party> {
        return this.#api.registerParty(party);
    }

    /** Register a meter for an owner already registered as a customer. */
    registerMeter(meter: MeterInput): Promise<Meter> {
        return this.#api.registerMeter(meter);
    }

    /** Every registered party (the registry). */
    listParties(): Promise<Party[]> {
        return this.#api.listParties();
    }

    /** Every registered meter with its settings. */
    listMeters(): Promise<Meter[]> {
        return this.#api.listMeters();
    }
}
