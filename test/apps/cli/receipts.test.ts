// SPDX-License-Identifier: Apache-2.0
/**
 * Submit receipts kept by party directories (issue 9 item 7): every party command that commits a
 * transaction on the embedded engine leaves the block's number and hash in `<dir>/receipt.json`,
 * only ever moving forward. An auditor given a party's receipt refuses a ledger whose tail was cut
 * after that party's last transaction, which a blind audit cannot see.
 */
import '../../ledger/fixtures/quiet.js';

import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { truncate } from '../../ledger/fixtures/truncate.js';
import { femeter, ok } from './party-cli.js';

interface Receipt {
    blockNumber: string;
    blockHash: string;
    transactionId: string;
}
const receiptOf = (dir: string): Receipt =>
    JSON.parse(readFileSync(join(dir, 'receipt.json'), 'utf8')) as Receipt;

describe('party directories keep submit receipts', () => {
    let dir = '';
    const d = (p: string): string => join(dir, p);
    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-receipts-'));
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('moves the receipt forward with each commit; a cut tail fails the audit against it', async () => {
        const ledger = d('ledger');
        await ok(`init --role operator --id op --dir ${d('op')} --ledger ${ledger}`);
        assert.ok(!existsSync(d('op/receipt.json')), 'no receipt before any commit');
        await ok(`operator bootstrap --dir ${d('op')}`);
        const first = receiptOf(d('op'));
        assert.match(first.blockHash, /^[0-9a-f]{64}$/);
        assert.match(first.transactionId, /^[0-9a-f]{64}$/);

        await ok(`init --role auditor --id audit --dir ${d('audit')} --ledger ${ledger}`);
        await ok(`operator register --dir ${d('op')} --request ${d('audit/registration.json')}`);
        const second = receiptOf(d('op'));
        assert.ok(BigInt(second.blockNumber) > BigInt(first.blockNumber), 'the receipt moved on');
        const kept = { ...second };
        // the operator's last transaction: a customer registered after the auditor
        await ok(`init --role customer --id alice --dir ${d('alice')} --ledger ${ledger}`);
        await ok(`operator register --dir ${d('op')} --request ${d('alice/registration.json')}`);
        const last = receiptOf(d('op'));
        assert.ok(BigInt(last.blockNumber) > BigInt(kept.blockNumber));

        // intact: the audit passes with and without the receipt
        await ok(`auditor report --dir ${d('audit')} --receipt ${d('op/receipt.json')}`);
        // a receipt of another block hash at that height is a rewritten chain
        const forged = d('forged.json');
        writeFileSync(forged, JSON.stringify({ ...last, blockHash: 'ab'.repeat(32) }));
        const rewritten = await femeter(`auditor report --dir ${d('audit')} --receipt ${forged}`);
        assert.notEqual(rewritten.code, 0, 'a receipt that does not match its block fails');

        // cut the customer's registration off the chain, as a database admin could
        await truncate(ledger, BigInt(last.blockNumber));
        await ok(`auditor report --dir ${d('audit')}`); // a blind audit cannot tell
        const cut = await femeter(
            `auditor report --dir ${d('audit')} --receipt ${d('op/receipt.json')}`,
        );
        assert.notEqual(cut.code, 0, 'the audit against the receipt fails');
        assert.match(cut.stdout, /chain FAILED .*truncated/);
        // the earlier receipt still matches the chain that is left
        writeFileSync(d('kept.json'), JSON.stringify(kept));
        await ok(`auditor report --dir ${d('audit')} --receipt ${d('kept.json')}`);
    });

    it('refuses a malformed receipt with what to pass instead', async () => {
        writeFileSync(d('bad.json'), '{"blockNumber": "x"}');
        const r = await femeter(`auditor report --dir ${d('audit')} --receipt ${d('bad.json')}`);
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /--receipt .*bad\.json/);
    });
});
