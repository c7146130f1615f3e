// SPDX-License-Identifier: Apache-2.0
/** The gateway's read policy for surveys and surveyors (apps/gateway/policy). */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import type { Directory, Principal } from '../../src/apps/gateway/directory.js';
import { checkEvaluate, mayReadMeter } from '../../src/apps/gateway/policy.js';

// 'lab' holds an accepted survey on meter m1 only
const dir = {
    granted: (party: string, meter: string) => party === 'lab' && meter === 'm1',
    meter: () => Promise.resolve(undefined),
} as unknown as Directory;
const lab: Principal = { kind: 'party', id: 'lab', role: 'surveyor' };
const args = (m: string) => [m, '1-0:1.8.0', '2024-03'];
const refused = (r: unknown): boolean => typeof r === 'object' && r !== null && 'message' in r;

describe('gateway read policy: surveys', () => {
    it('a surveyor reads what decrypting an accepted survey takes, and nothing else', async () => {
        for (const q of ['GetMeter', 'GetMpk', 'GetPeriod', 'GetReadings'])
            assert.equal(await checkEvaluate(dir, lab, q, args('m1')), undefined, q);
        for (const q of ['GetBills', 'GetConsents', 'GetAgreements', 'ListBills', 'ListPeriods'])
            assert.ok(refused(await checkEvaluate(dir, lab, q, args('m1'))), q);
        for (const q of ['GetMeter', 'GetReadings'])
            assert.ok(refused(await checkEvaluate(dir, lab, q, args('m2'))), `${q} m2`);
        assert.ok(refused(await checkEvaluate(dir, lab, 'GetReadings', args(''))));
        // no events, no meter listing
        assert.equal(await mayReadMeter(dir, lab, 'm1'), false);
    });
    it('GetSurveys is open to parties (the contract scopes it), closed to meters', async () => {
        assert.equal(await checkEvaluate(dir, lab, 'GetSurveys', args('m1')), undefined);
        const meter: Principal = { kind: 'meter', id: 'm1', owner: 'alice' };
        assert.ok(refused(await checkEvaluate(dir, meter, 'GetSurveys', args('m1'))));
    });
});
