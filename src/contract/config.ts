// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/config
 * The ledger-wide configuration Bootstrap writes once: the operator and the privacy guard's k
 * (DESIGN.md §3). Rules that depend on configuration read it from here, never from a request.
 */
import type { Context } from 'fabric-contract-api';
import { GUARD_DEFAULT_K } from '../fe/guard.js';
import { ContractError } from './errors.js';
import type { LedgerConfig } from './records.js';
import { getJson } from './state.js';

/** World-state key of the configuration record. */
export const CONFIG_KEY = 'config';

/**
 * The configuration, with the guard's k defaulted for ledgers bootstrapped before k was stored.
 *
 * @throws {ContractError} `NOT_FOUND` before Bootstrap
 * @example
 * ```ts
 * const { guardK } = await ledgerConfig(ctx);
 * ```
 */
export async function ledgerConfig(ctx: Context): Promise<LedgerConfig> {
    const c = await getJson<Partial<LedgerConfig> & { operator: string }>(ctx, CONFIG_KEY);
    if (!c) throw new ContractError('NOT_FOUND', 'the ledger is not bootstrapped yet');
    return { operator: c.operator, guardK: c.guardK ?? GUARD_DEFAULT_K };
}
