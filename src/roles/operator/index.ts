// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/operator
 * The metering point operator role.
 */
export { Operator } from './operator.js';
export type { OperatorOptions } from './operator.js';
