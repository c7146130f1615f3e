// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/state-check
 * The second half of the Fabric verify: the world state must be exactly what the valid
 * transactions of the chaincode wrote, key by key (last write wins, a delete removes the key).
 *
 * {@link ReplayedState} keeps the replay in a scratch LevelDB on disk (`key → SHA-256(value)`,
 * block and transaction of the last write), fed block by block through
 * `verifyFabricChain({ onValid })`, so memory does not grow with the ledger. {@link compareState}
 * then walks it, object type by object type, beside the peer's state read through the contract's
 * `GetStateDigests` query (pages of `[key, SHA-256(value)]`, auditors and the operator only), both
 * in UTF-8 key order, and names every key whose value differs, that is missing from state, or that
 * state holds but no valid transaction wrote.
 *
 * The femeter records themselves (reading signatures against the registered meter keys,
 * gap-free sequences, consents, bill proofs) are re-checked by the auditor
 * (src/roles/auditor) over that same state: once state equals the replay of the blocks, those
 * checks cover the records of the valid transactions.
 *
 * Keys are walked per object type: the contract's own types (`STATE_OBJECT_TYPES`) and every type
 * a valid transaction wrote. A key of a type neither knows is not seen (Fabric's shim offers no
 * range over all composite keys); the contract never reads such a key.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ClassicLevel } from 'classic-level';
import { STATE_OBJECT_TYPES, type StateDigestPage } from '../../contract/index.js';
import type { LedgerClient } from '../client.js';
import {
    verifyFabricChain,
    type FabricBlockSource,
    type FabricTransaction,
    type FabricVerifyOptions,
    type FabricVerifyReport,
} from './verify.js';

/** World state as pages of key digests (the contract's `GetStateDigests`). */
export interface FabricStateSource {
    /** One page of `objectType` (`''`: the simple keys) from `bookmark` (`''`: the start). */
    page(objectType: string, bookmark: string): Promise<StateDigestPage>;
}

/** Read state through a client of a registered auditor (or the operator). */
export function contractStateSource(client: LedgerClient, pageSize = 1000): FabricStateSource {
    const dec = new TextDecoder();
    return {
        async page(objectType, bookmark) {
            const bytes = await client.evaluate(
                'GetStateDigests',
                objectType,
                String(pageSize),
                bookmark,
            );
            return JSON.parse(dec.decode(bytes)) as StateDigestPage;
        },
    };
}

/** A key where state and the blocks disagree. */
export interface StateProblem {
    readonly check: 'state-value' | 'state-missing' | 'state-extra';
    /** The key, composite keys shown as `type[attr, …]`. */
    readonly key: string;
    readonly detail: string;
}

/** The outcome of {@link compareState}. */
export interface StateReport {
    readonly ok: boolean;
    /** Live keys after the replay. */
    readonly keys: number;
    /** The first problems (at most `maxProblems`), in type and key order. */
    readonly problems: readonly StateProblem[];
    /** All problems found, listed or not. */
    readonly problemCount: number;
}

/** A key as a reader would name it: `rchunk[m1, ch, 2026-01, 0003]`, simple keys as they are. */
export function printableKey(key: string): string {
    if (!key.startsWith('\u0000')) return JSON.stringify(key);
    const parts = key.slice(1).split('\u0000');
    parts.pop();
    const [type, ...attrs] = parts;
    return `${type ?? ''}[${attrs.join(', ')}]`;
}

/** The object type of a key (`''` for a simple key). */
function objectTypeOf(key: string): string {
    if (!key.startsWith('\u0000')) return '';
    const end = key.indexOf('\u0000', 1);
    return end < 0 ? key.slice(1) : key.slice(1, end);
}

const hexDigest = (v: Uint8Array): string => createHash('sha256').update(v).digest('hex');

/**
 * The final value of every key written by the valid transactions of one chaincode, on disk.
 *
 * @example
 * ```ts
 * const replay = await ReplayedState.open('femeter');
 * try {
 *     await verifyFabricChain(source, { ...options, chaincodes: ['femeter'], keepValid: false,
 *         onValid: (tx) => replay.apply(tx) });
 *     const r = await compareState(replay, contractStateSource(auditorClient));
 * } finally { await replay.close(); }
 * ```
 */
export class ReplayedState {
    readonly namespace: string;
    readonly #db: ClassicLevel;
    readonly #dir: string;
    readonly #types = new Set<string>();

    private constructor(namespace: string, db: ClassicLevel, dir: string) {
        this.namespace = namespace;
        this.#db = db;
        this.#dir = dir;
    }

    /** A fresh scratch store in a temporary directory (removed by {@link close}). */
    static async open(namespace: string): Promise<ReplayedState> {
        const dir = await mkdtemp(join(tmpdir(), 'femeter-fabric-state-'));
        const db = new ClassicLevel<string, string>(join(dir, 'replay'), {
            keyEncoding: 'utf8',
            valueEncoding: 'utf8',
        });
        await db.open();
        return new ReplayedState(namespace, db, dir);
    }

    /** Object types written so far. */
    get types(): ReadonlySet<string> {
        return this.#types;
    }

    /** Apply a valid transaction's writes to this namespace (others are ignored). */
    async apply(tx: FabricTransaction): Promise<void> {
        const ops: ({ type: 'put'; key: string; value: string } | { type: 'del'; key: string })[] =
            [];
        for (const w of tx.writes) {
            if (w.namespace !== this.namespace) continue;
            this.#types.add(objectTypeOf(w.key));
            ops.push(
                w.isDelete
                    ? { type: 'del', key: w.key }
                    : {
                          type: 'put',
                          key: w.key,
                          value: `${hexDigest(w.value)} ${tx.block} ${tx.txId}`,
                      },
            );
        }
        if (ops.length > 0) await this.#db.batch(ops);
    }

    /** Entries of one object type in key order. */
    entries(objectType: string): AsyncIterableIterator<[string, string]> {
        const range =
            objectType === ''
                ? { gte: '\u0001' }
                : {
                      gte: `\u0000${objectType}\u0000`,
                      lt: `\u0000${objectType}\u0000\u{10ffff}`,
                  };
        return this.#db.iterator(range)[Symbol.asyncIterator]() as AsyncIterableIterator<
            [string, string]
        >;
    }

    async close(): Promise<void> {
        await this.#db.close();
        await rm(this.#dir, { recursive: true, force: true });
    }
}

/** UTF-8 byte order, the order of both LevelDBs. */
const compareUtf8 = (a: string, b: string): number =>
    Buffer.compare(Buffer.from(a), Buffer.from(b));

/**
 * Compare the replayed writes with world state, object type by object type.
 * @param maxProblems how many problems to list (all are counted)
 */
export async function compareState(
    replay: ReplayedState,
    state: FabricStateSource,
    maxProblems = 100,
): Promise<StateReport> {
    const problems: StateProblem[] = [];
    let count = 0;
    let keys = 0;
    const found = (check: StateProblem['check'], key: string, detail: string): void => {
        count++;
        if (problems.length < maxProblems) problems.push({ check, key: printableKey(key), detail });
    };
    const types = [...new Set([...STATE_OBJECT_TYPES, ...replay.types])].sort(compareUtf8);
    for (const type of types) {
        async function* stateEntries(): AsyncGenerator<readonly [string, string]> {
            let bookmark = '';
            do {
                const page = await state.page(type, bookmark);
                yield* page.entries;
                if (page.bookmark !== '' && compareUtf8(page.bookmark, bookmark) <= 0)
                    throw new Error(`state query for ${type || 'simple keys'} did not advance`);
                bookmark = page.bookmark;
            } while (bookmark !== '');
        }
        const blocks = replay.entries(type);
        const world = stateEntries();
        let b = await blocks.next();
        let w = await world.next();
        let live = 0;
        try {
            while (!b.done || !w.done) {
                const order = b.done ? 1 : w.done ? -1 : compareUtf8(b.value[0], w.value[0]);
                if (order < 0 && !b.done) {
                    const [digest, block, tx] = b.value[1].split(' ');
                    found(
                        'state-missing',
                        b.value[0],
                        `written last by block ${block} tx ${tx} (value sha256 ${digest}) but absent from world state`,
                    );
                    live++;
                    b = await blocks.next();
                } else if (order > 0 && !w.done) {
                    found(
                        'state-extra',
                        w.value[0],
                        `in world state (value sha256 ${w.value[1]}) but written by no valid transaction`,
                    );
                    w = await world.next();
                } else if (!b.done && !w.done) {
                    const [digest, block, tx] = b.value[1].split(' ');
                    if (digest !== w.value[1])
                        found(
                            'state-value',
                            b.value[0],
                            `world state holds a value with sha256 ${w.value[1]}; block ${block} tx ${tx} wrote sha256 ${digest} last`,
                        );
                    live++;
                    b = await blocks.next();
                    w = await world.next();
                }
            }
        } finally {
            await blocks.return?.();
            await world.return(undefined);
        }
        keys += live;
    }
    return { ok: count === 0, keys, problems, problemCount: count };
}

/** The outcome of {@link verifyFabricLedger}. */
export interface FabricLedgerReport {
    readonly ok: boolean;
    /** The block-level check (its `valid` list is not kept). */
    readonly chain: FabricVerifyReport;
    /** World state against the replayed writes of `chaincode`. */
    readonly state: StateReport;
    /** Set when the channel grew while state was read: problems may be commits made meanwhile. */
    readonly grewTo?: bigint;
}

/**
 * Verify a channel's blocks ({@link verifyFabricChain}) and compare the world state of one
 * chaincode with its valid transactions' writes ({@link compareState}), in bounded memory.
 *
 * @example
 * ```ts
 * const r = await verifyFabricLedger(client.blockSource(), contractStateSource(auditorClient),
 *     { channel: 'femeter', policies, chaincode: 'femeter' });
 * ```
 */
export async function verifyFabricLedger(
    blocks: FabricBlockSource,
    state: FabricStateSource,
    options: Readonly<
        Omit<FabricVerifyOptions, 'chaincodes' | 'onValid' | 'keepValid'> & { chaincode: string }
    >,
): Promise<FabricLedgerReport> {
    const { chaincode, ...rest } = options;
    const replay = await ReplayedState.open(chaincode);
    try {
        const chain = await verifyFabricChain(blocks, {
            ...rest,
            chaincodes: [chaincode],
            keepValid: false,
            onValid: (tx) => replay.apply(tx),
        });
        const compared = await compareState(replay, state);
        const height = await blocks.height();
        const grew = !compared.ok && height > BigInt(chain.blocks);
        return {
            ok: chain.ok && compared.ok,
            chain,
            state: compared,
            ...(grew ? { grewTo: height } : {}),
        };
    } finally {
        await replay.close();
    }
}
