// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/tariff/ids
 * The one home of femeter's id patterns. Two on purpose: ids in transaction requests (parties,
 * meters, channels, tariff references) are at most 64 characters and may contain `@`; ids inside
 * tariff documents and price series (tariff id, index series id) may be up to 128 characters and
 * may not contain `@`. Kept in the tariff module (no node: imports) so the documents can use them
 * in a browser too.
 */

/**
 * An id in a transaction request: party, meter, channel, tariff and series references.
 *
 * @example
 * ```ts
 * LEDGER_ID_RE.test('customer-0001'); // true
 * ```
 */
export const LEDGER_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:@\-/]{0,63}$/;

/**
 * An id inside a tariff document or price series (the tariff's own id, the index series it follows).
 *
 * @example
 * ```ts
 * DOCUMENT_ID_RE.test('DE-LU/day-ahead'); // true
 * ```
 */
export const DOCUMENT_ID_RE = /^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$/;
