// SPDX-License-Identifier: Apache-2.0
/**
 * Submit receipts a party keeps in its own directory (issue 9 item 7). Every transaction a party
 * commits on the embedded engine returns the number and hash of its block; the party keeps the
 * latest one in `<party dir>/receipt.json`, outside the ledger's data directory. Because blocks are
 * hash-chained, the latest receipt pins every earlier block too: `femeter auditor report --receipt`
 * or `femeter verify --receipt` then refuses a chain cut before it or rewritten up to it.
 *
 * The file is `{ "blockNumber": "<decimal>", "blockHash": "<64 hex>", "transactionId": "<hex>" }`,
 * the format `--receipt` reads; it is replaced atomically and only by a later block.
 */
import { existsSync, readFileSync } from 'node:fs';
import { bytesToHex } from '@noble/hashes/utils.js';
import { writeFileAtomic } from '../../ledger/atomicfile.js';
import type { SubmitResult } from '../../ledger/index.js';

/** The name of the receipt file in a party directory. */
export const RECEIPT_FILE = 'receipt.json';

function blockOf(file: string): bigint {
    if (!existsSync(file)) return -1n;
    try {
        const o = JSON.parse(readFileSync(file, 'utf8')) as { blockNumber?: unknown };
        return typeof o.blockNumber === 'string' && /^\d{1,20}$/.test(o.blockNumber)
            ? BigInt(o.blockNumber)
            : -1n;
    } catch {
        return -1n; // unreadable: the next receipt replaces it
    }
}

/**
 * An `onSubmit` hook that keeps the latest receipt in `file`. Writes are serialised; a result
 * without a block hash (an engine that gives none) is ignored.
 *
 * @example
 * ```ts
 * engine.connectWithKey(secret, org, { onSubmit: keepReceipts(join(dir, RECEIPT_FILE)) });
 * ```
 */
export function keepReceipts(file: string): (result: SubmitResult) => Promise<void> {
    let kept = blockOf(file);
    let queue: Promise<void> = Promise.resolve();
    return (result) => {
        const hash = result.blockHash;
        if (hash === undefined) return queue;
        queue = queue.then(async () => {
            if (result.blockNumber <= kept) return;
            await writeFileAtomic(
                file,
                JSON.stringify({
                    blockNumber: result.blockNumber.toString(),
                    blockHash: bytesToHex(hash),
                    transactionId: result.transactionId,
                }) + '\n',
            );
            kept = result.blockNumber;
        });
        return queue;
    };
}
