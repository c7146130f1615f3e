// SPDX-License-Identifier: Apache-2.0
/**
 * @module contract/state-digests
 * `GetStateDigests`: world state as an auditor compares it with the blocks (the Fabric verify,
 * src/ledger/fabric/state-check.ts): one page of `[key, SHA-256(value) hex]` pairs of one object
 * type (or of the simple keys), in key order, with Fabric's pagination bookmark. Digests, not
 * values: the blocks already carry every value written, and a digest names a changed value as
 * well, without handing out anything a record-level query keeps from the reader (sealed survey
 * keys, for example). Only auditors and the operator may read it.
 */
import type { Context } from 'fabric-contract-api';
import { sha256 } from '@noble/hashes/sha2.js';
import { ContractError } from './errors.js';
import { marshalString } from './marshal.js';
import { requireParty } from './state.js';
import { bytesToHex } from './validate.js';

/** Largest page `GetStateDigests` answers. */
export const STATE_DIGEST_PAGE_MAX = 1000;

/**
 * Every composite-key object type the contract writes (src/contract/keys.ts, grid/, survey.ts);
 * `''` stands for the simple keys (`config`). A verifier walks these and any type seen in writes.
 */
export const STATE_OBJECT_TYPES: readonly string[] = [
    '',
    'aggconsent',
    'aggct',
    'agggroup',
    'aggmember',
    'aggshare',
    'aggsum',
    'agree',
    'bill',
    'consent',
    'fold',
    'foldidx',
    'ident',
    'meter',
    'mpk',
    'mpkack',
    'party',
    'period',
    'rchunk',
    'seq',
    'series',
    'seriesowner',
    'survey',
    'tariff',
];

/** One page of {@link getStateDigests}. */
export interface StateDigestPage {
    /** `[key, SHA-256(value) hex]`, in key order. */
    readonly entries: readonly (readonly [string, string])[];
    /** Where the next page starts; `''` when the range is exhausted. */
    readonly bookmark: string;
}

/**
 * GetStateDigests(objectType, pageSize, bookmark) — auditors and the operator.
 *
 * @throws {ContractError} `FORBIDDEN` for anyone else, `BAD_REQUEST` for a page size outside
 *   1..{@link STATE_DIGEST_PAGE_MAX} or an object type holding a U+0000
 */
export async function getStateDigests(
    ctx: Context,
    objectType: string,
    pageSize: string,
    bookmark: string,
): Promise<string> {
    const w = 'GetStateDigests';
    await requireParty(ctx, ['auditor', 'operator'], w);
    const size = /^[1-9][0-9]{0,6}$/.test(pageSize) ? Number(pageSize) : 0;
    if (size < 1 || size > STATE_DIGEST_PAGE_MAX)
        throw new ContractError(
            'BAD_REQUEST',
            `${w}: pageSize must be 1..${STATE_DIGEST_PAGE_MAX}, got "${pageSize.slice(0, 20)}"`,
        );
    if (objectType.includes('\u0000') || bookmark.length > 4096)
        throw new ContractError('BAD_REQUEST', `${w}: bad object type or bookmark`);
    // Fabric starts a page at the bookmark as given: keep it inside the type's range, so a page
    // never reaches keys of other types
    const inRange =
        bookmark === '' ||
        (objectType === ''
            ? !bookmark.startsWith('\u0000')
            : bookmark.startsWith(ctx.stub.createCompositeKey(objectType, [])));
    if (!inRange)
        throw new ContractError(
            'BAD_REQUEST',
            `${w}: the bookmark is not a key of ${objectType === '' ? 'the simple keys' : objectType}; pass the bookmark of the previous page`,
        );
    const { iterator, metadata } =
        objectType === ''
            ? await ctx.stub.getStateByRangeWithPagination('', '', size, bookmark)
            : await ctx.stub.getStateByPartialCompositeKeyWithPagination(
                  objectType,
                  [],
                  size,
                  bookmark,
              );
    const entries: [string, string][] = [];
    try {
        for (;;) {
            const r = await iterator.next();
            // an exhausted iterator may answer without a value, whatever the typings say
            const kv = r.value as typeof r.value | undefined;
            if (kv) entries.push([kv.key, bytesToHex(sha256(kv.value))]);
            if (r.done) break;
        }
    } finally {
        await iterator.close();
    }
    // fabric-shim leaves the metadata out when it would be empty (an empty range)
    const meta = metadata as typeof metadata | undefined;
    const page: StateDigestPage = { entries, bookmark: meta?.bookmark ?? '' };
    return marshalString(page);
}
