// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/grid
 * Grid aggregation rules (issue 14, docs/GRID.md): groups, consents, key shares, MCFE ciphertexts
 * and verified slot aggregates. The femeter contract's transactions delegate here.
 */
export { registerAggregationGroup } from './groups.js';
export { consentAggregation, publishAggregationShare, SEALED_SHARE_MAX_BYTES } from './consent.js';
export { submitAggregateCiphertexts, MAX_AGGREGATE_BATCH } from './ciphertexts.js';
export { postAggregates, MAX_RESULTS_BATCH } from './aggregates.js';
export {
    getAggregationGroup,
    listAggregationGroups,
    getAggregationConsents,
    getAggregationShares,
    getAggregateCiphertexts,
    getAggregates,
} from './queries.js';
export { aggregateCiphertextPayload, aggregateLabeler, slotLabeler } from './labels.js';
export {
    LABEL_SCHEME,
    type AggregationGroup,
    type AggregationConsent,
    type AggregationShare,
    type AggregateCiphertext,
    type AggregateResult,
} from './records.js';
