// SPDX-License-Identifier: Apache-2.0
/** The gateway's read policy for grid-aggregation queries (apps/gateway/policy). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { Directory, type Principal } from '../../src/apps/gateway/directory.js';
import { checkEvaluate } from '../../src/apps/gateway/policy.js';

// the grid rules never consult the registry: a directory without state (any read would throw)
const dir = Object.create(Directory.prototype) as Directory;
const party = (role: Extract<Principal, { kind: 'party' }>['role']): Principal => ({
    kind: 'party',
    id: role,
    role,
});
const args = ['feeder-1', '1-0:1.8.0', '2024-03'];

describe('gateway read policy: grid aggregates', () => {
    it('grid operators, customers, auditors and the operator read grid records', async () => {
        for (const role of ['gridOperator', 'customer', 'auditor', 'operator'] as const)
            for (const q of [
                'GetAggregationGroup',
                'ListAggregationGroups',
                'GetAggregationConsents',
                'GetAggregationShares',
                'GetAggregateCiphertexts',
                'GetAggregates',
            ])
                assert.equal(
                    await checkEvaluate(dir, party(role), q, args),
                    undefined,
                    `${role} ${q}`,
                );
    });
    it('providers and index publishers do not; a meter reads only its group and ciphertexts', async () => {
        for (const role of ['provider', 'indexPublisher'] as const) {
            const r = await checkEvaluate(dir, party(role), 'GetAggregates', args);
            assert.ok(r !== undefined && 'message' in r, role);
        }
        const meter: Principal = { kind: 'meter', id: 'm1', owner: 'alice' };
        assert.equal(await checkEvaluate(dir, meter, 'GetAggregationGroup', args), undefined);
        assert.equal(await checkEvaluate(dir, meter, 'GetAggregateCiphertexts', args), undefined);
        for (const q of ['GetAggregationShares', 'GetAggregationConsents', 'GetAggregates']) {
            const r = await checkEvaluate(dir, meter, q, args);
            assert.ok(r !== undefined && 'message' in r, q);
        }
    });
});
