// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/inprocess/stub
 * `ctx.stub` for any in-process engine (today the embedded one): the part of fabric-shim's `ChaincodeStub` a contract needs, with Fabric's
 * semantics, so the same contract class runs unchanged on both engines.
 *
 * Semantics (deliberately Fabric's, so a contract that passes here cannot break on Fabric):
 * - Reads see the state as committed before this transaction (all earlier transactions, in order) and NOT this
 *   transaction's own writes: `putState(k, v)` then `getState(k)` returns the old value. Range scans likewise.
 * - Writes are collected into the write set (last write of a key wins) and applied only if the transaction
 *   succeeds. `putState(k, <empty>)` is a delete, as in Fabric (an empty value is not storable there).
 * - Values come back as Node `Buffer`s (as fabric-shim returns), so `value.toString()` decodes UTF-8.
 *   A missing key reads as an empty buffer.
 * - Composite keys: `"\u0000" + objectType + "\u0000" + attr_1 + "\u0000" + … + attr_n + "\u0000"`; a simple key
 *   may not start with `"\u0000"` in range queries. Range queries: start inclusive, end exclusive, `''` means
 *   unbounded (an empty start becomes `"\u0001"`, which excludes composite keys, as in fabric-shim); keys come in
 *   UTF-8 byte order (Unicode code point order).
 * - `setEvent`: at most one event per transaction; the last call wins.
 * - `getTxTimestamp()` is the signed envelope timestamp: `{ seconds: Long-like, nanos }`, identical on every
 *   re-execution. `getDateTimestamp()` gives it as a Date.
 * - Pagination (`…WithPagination`) as Fabric's LevelDB state: a page of `pageSize` entries, the next key as
 *   bookmark. Not available (throw): private data, history, rich queries, chaincode-to-chaincode calls,
 *   key-level endorsement, the signed proposal.
 * After the transaction ends the stub is sealed: a late call from a stray promise throws.
 */

import type { Context } from 'fabric-contract-api';

import type { WriteOp, TxEvent } from '../embedded/block.js';
import { compareKeys, isWellFormed, toHex } from '../embedded/codec.js';
import { sha256 } from '../embedded/crypto.js';
import type { Proposal } from '../embedded/envelope.js';
import { serializeIdentity } from '../embedded/envelope.js';

type ChaincodeStub = Context['stub'];
type StateQueryIterator = Awaited<ReturnType<ChaincodeStub['getStateByRange']>>;
type KV = Awaited<ReturnType<StateQueryIterator['next']>>['value'];
type Timestamp = ReturnType<ChaincodeStub['getTxTimestamp']>;
type SerializedIdentity = ReturnType<ChaincodeStub['getCreator']>;

const _COMPOSITEKEY_NS = '\u0000';
const _MIN_UNICODE_RUNE = '\u0000';
const _MAX_UNICODE_RUNE = '\u{10ffff}';
const _EMPTY_KEY_SUBSTITUTE = '\u0001';

/**
 * One state entry returned by a range read.
 *
 * @example
 * ```ts
 * for (let e = await cursor.next(); e; e = await cursor.next()) console.log(e.key);
 * ```
 */
export interface StateEntry {
    readonly key: string;
    readonly value: Uint8Array;
}

/**
 * A range cursor over committed state.
 *
 * @example
 * ```ts
 * const cursor = view.range('a', 'b');
 * try { for (let e = await cursor.next(); e; e = await cursor.next()) use(e); } finally { await cursor.close(); }
 * ```
 */
export interface StateCursor {
    next(): Promise<StateEntry | undefined>;
    close(): Promise<void>;
}

/**
 * The committed state a transaction reads (the engine supplies it).
 *
 * @example
 * ```ts
 * const view: StateView = { get: (k) => map.get(k), range: () => emptyCursor };
 * ```
 */
export interface StateView {
    /** The value, or undefined if absent. The returned bytes may be handed to the contract (callers copy). */
    get(key: string): Uint8Array | undefined | Promise<Uint8Array | undefined>;
    /** Entries with startKey ≤ key < endKey (endKey '' = unbounded) in UTF-8 byte order. */
    range(startKey: string, endKey: string): StateCursor;
}

/**
 * What a stub needs.
 *
 * @example
 * ```ts
 * new EmbeddedStub({ proposal, txId, view, localMspId: 'EmbeddedMSP' });
 * ```
 */
export interface StubOptions {
    readonly proposal: Proposal;
    readonly txId: string;
    readonly view: StateView;
    /** What `getMspID()` returns (on Fabric: the peer's local MSP). */
    readonly localMspId?: string;
}

/** A Long-compatible unsigned 64-bit value, enough for `seconds.toNumber()`, `Number(seconds)`, `String(seconds)`. */
class _LongLike {
    readonly low: number;
    readonly high: number;
    readonly unsigned = true;
    readonly #value: bigint;
    constructor(value: bigint) {
        this.#value = value;
        this.low = Number(value & 0xffff_ffffn) | 0;
        this.high = Number((value >> 32n) & 0xffff_ffffn) | 0;
    }
    toNumber(): number {
        return Number(this.#value);
    }
    toInt(): number {
        return this.low;
    }
    toBigInt(): bigint {
        return this.#value;
    }
    toString(radix = 10): string {
        return this.#value.toString(radix);
    }
    valueOf(): number {
        return Number(this.#value);
    }
    toJSON(): string {
        return this.#value.toString();
    }
}

/** A rejection reason that is an Error (a contract may throw anything). */
function _asError(err: unknown): Error {
    return err instanceof Error ? err : new Error(String(err));
}

function _unsupported(name: string): never {
    throw new Error(`${name} is not supported by the embedded ledger engine`);
}

function _checkKey(key: unknown, what = 'key'): string {
    if (typeof key !== 'string' || key.length === 0)
        throw new Error(`${what} must be a non-empty string`);
    if (!isWellFormed(key)) throw new Error(`${what} is not valid UTF-8 (lone surrogate)`);
    return key;
}

function _checkSimpleKeys(...keys: string[]): void {
    for (const key of keys) {
        if (key.startsWith(_COMPOSITEKEY_NS)) {
            throw new Error(
                `first character of the key [${key}] contains a null character which is not allowed`,
            );
        }
    }
}

function _checkCompositeAttribute(attr: unknown): string {
    if (typeof attr !== 'string' || attr.length === 0) {
        throw new Error('object type or attribute not a non-zero length string');
    }
    return attr;
}

function _asBuffer(b: Uint8Array): Buffer {
    return Buffer.from(b.buffer, b.byteOffset, b.byteLength);
}

/**
 * The embedded engine's `ChaincodeStub`. One per transaction execution.
 *
 * @example
 * ```ts
 * const stub = new EmbeddedStub({ proposal, txId, view });
 * await stub.putState(stub.createCompositeKey('kv', ['a']), Buffer.from('1'));
 * const { writes, event } = stub.seal();
 * ```
 */
export class EmbeddedStub implements ChaincodeStub {
    readonly #proposal: Proposal;
    readonly #txId: string;
    readonly #view: StateView;
    readonly #localMspId: string;
    readonly #writes = new Map<string, Uint8Array | null>();
    readonly #cursors = new Set<StateCursor>();
    #event: TxEvent | undefined;
    #sealed = false;

    constructor(options: Readonly<StubOptions>) {
        this.#proposal = options.proposal;
        this.#txId = options.txId;
        this.#view = options.view;
        this.#localMspId = options.localMspId ?? 'EmbeddedMSP';
    }

    #live(): void {
        if (this.#sealed)
            throw new Error(`transaction ${this.#txId} has ended: the stub can no longer be used`);
    }

    // ---- transaction information ----------------------------------------------------------------------------

    getArgs(): string[] {
        return [this.#proposal.txName, ...this.#proposal.args];
    }
    getStringArgs(): string[] {
        return this.getArgs();
    }
    /** As fabric-shim: the arguments as Buffers, function name first. */
    getBufferArgs(): Buffer[] {
        return this.getArgs().map((a) => Buffer.from(a, 'utf8'));
    }
    getFunctionAndParameters(): { params: string[]; fcn: string } {
        return { fcn: this.#proposal.txName, params: [...this.#proposal.args] };
    }
    getTxID(): string {
        return this.#txId;
    }
    getChannelID(): string {
        return this.#proposal.channel;
    }
    getCreator(): SerializedIdentity {
        return {
            mspid: this.#proposal.creator.mspId,
            idBytes: Buffer.from(this.#proposal.creator.credentials),
        };
    }
    getMspID(): string {
        return this.#localMspId;
    }
    getTransient(): Map<string, Uint8Array> {
        return new Map();
    }
    getSignedProposal(): ReturnType<ChaincodeStub['getSignedProposal']> {
        return _unsupported('getSignedProposal');
    }
    getTxTimestamp(): Timestamp {
        const { seconds, nanos } = this.#proposal.timestamp;
        return { seconds: new _LongLike(seconds), nanos } as unknown as Timestamp;
    }
    getDateTimestamp(): Date {
        const { seconds, nanos } = this.#proposal.timestamp;
        return new Date(Number(seconds) * 1000 + Math.floor(nanos / 1e6));
    }
    /** hex(SHA-256(nonce ‖ creator ‖ epoch)), epoch = 0 as 8 bytes, like Fabric's binding. */
    getBinding(): string {
        return toHex(
            sha256(
                this.#proposal.nonce,
                serializeIdentity(this.#proposal.creator),
                new Uint8Array(8),
            ),
        );
    }

    // ---- world state ----------------------------------------------------------------------------------------

    async getState(key: string): Promise<Uint8Array> {
        this.#live();
        _checkKey(key);
        const value = await this.#view.get(key);
        return value === undefined ? Buffer.alloc(0) : _asBuffer(value);
    }

    putState(key: string, value: Uint8Array): Promise<void> {
        try {
            this.#live();
            _checkKey(key);
            let bytes: Uint8Array;
            if (typeof value === 'string') bytes = Buffer.from(value, 'utf8');
            else if (value instanceof Uint8Array)
                bytes = new Uint8Array(value); // copy: the caller may reuse it
            else throw new Error(`value for key [${key}] must be bytes`);
            this.#writes.set(key, bytes.length === 0 ? null : bytes);
            return Promise.resolve();
        } catch (err) {
            return Promise.reject(_asError(err));
        }
    }

    deleteState(key: string): Promise<void> {
        try {
            this.#live();
            _checkKey(key);
            this.#writes.set(key, null);
            return Promise.resolve();
        } catch (err) {
            return Promise.reject(_asError(err));
        }
    }

    getStateByRange(
        startKey: string,
        endKey: string,
    ): Promise<StateQueryIterator> & AsyncIterable<KV> {
        return this.#rangeQuery(() => {
            // Contracts are JavaScript: the declared types are not a guarantee.
            const [rawStart, rawEnd]: unknown[] = [startKey, endKey];
            const start =
                rawStart === '' || rawStart === undefined ? _EMPTY_KEY_SUBSTITUTE : rawStart;
            const end = rawEnd ?? '';
            if (typeof start !== 'string' || typeof end !== 'string')
                throw new Error('range keys must be strings');
            if (!isWellFormed(start) || !isWellFormed(end))
                throw new Error('range key is not valid UTF-8');
            _checkSimpleKeys(start, end);
            return [start, end];
        });
    }

    getStateByPartialCompositeKey(
        objectType: string,
        attributes: string[],
    ): Promise<StateQueryIterator> & AsyncIterable<KV> {
        return this.#rangeQuery(() => {
            const partial = this.createCompositeKey(objectType, attributes);
            return [partial, partial + _MAX_UNICODE_RUNE];
        });
    }

    #rangeQuery(bounds: () => [string, string]): Promise<StateQueryIterator> & AsyncIterable<KV> {
        let promise: Promise<StateQueryIterator>;
        try {
            this.#live();
            const [start, end] = bounds();
            const cursor = this.#view.range(start, end);
            this.#cursors.add(cursor);
            const iterator = {
                next: async (): Promise<{ value: KV; done: boolean }> => {
                    this.#live();
                    const entry = await cursor.next();
                    if (entry === undefined)
                        return { value: undefined as unknown as KV, done: true };
                    return {
                        value: { key: entry.key, value: _asBuffer(entry.value) } as unknown as KV,
                        done: false,
                    };
                },
                close: async (): Promise<void> => {
                    this.#cursors.delete(cursor);
                    await cursor.close();
                },
            };
            promise = Promise.resolve(iterator as StateQueryIterator);
        } catch (err) {
            promise = Promise.reject(_asError(err));
        }
        // As fabric-shim's convertToAsyncIterator: the promise is also an async iterable that closes itself.
        const result = promise as Promise<StateQueryIterator> & AsyncIterable<KV>;
        result[Symbol.asyncIterator] = (): AsyncIterator<KV> => {
            let iterator: StateQueryIterator | undefined;
            return {
                next: async (): Promise<IteratorResult<KV>> => {
                    iterator ??= await promise;
                    const next = await iterator.next();
                    if (next.done) {
                        await iterator.close();
                        return { value: undefined, done: true };
                    }
                    return { value: next.value, done: false };
                },
                return: async (): Promise<IteratorResult<KV>> => {
                    if (iterator !== undefined) await iterator.close();
                    return { value: undefined, done: true };
                },
            };
        };
        return result;
    }

    // ---- composite keys -------------------------------------------------------------------------------------

    createCompositeKey(objectType: string, attributes: string[]): string {
        _checkCompositeAttribute(objectType);
        if (!Array.isArray(attributes)) throw new Error('attributes must be an array');
        let key = _COMPOSITEKEY_NS + objectType + _MIN_UNICODE_RUNE;
        for (const attribute of attributes)
            key += _checkCompositeAttribute(attribute) + _MIN_UNICODE_RUNE;
        return key;
    }

    splitCompositeKey(compositeKey: string): { objectType: string; attributes: string[] } {
        const result = { objectType: null as unknown as string, attributes: [] as string[] };
        const isComposite = typeof compositeKey === 'string' && compositeKey.length > 1;
        if (isComposite && compositeKey.startsWith(_COMPOSITEKEY_NS)) {
            const parts = compositeKey.substring(1).split(_MIN_UNICODE_RUNE);
            result.objectType = parts[0] ?? '';
            parts.pop();
            if (parts.length > 1) {
                parts.shift();
                result.attributes = parts;
            }
        }
        return result;
    }

    // ---- events ---------------------------------------------------------------------------------------------

    setEvent(eventName: string, eventPayload: Uint8Array): void {
        this.#live();
        // Contracts are JavaScript: the declared types are not a guarantee.
        const [name, payload]: unknown[] = [eventName, eventPayload];
        if (typeof name !== 'string' || name === '')
            throw new Error('Event name must be a non-empty string');
        if (!isWellFormed(name)) throw new Error('Event name is not valid UTF-8');
        let bytes: Uint8Array;
        if (typeof payload === 'string') bytes = Buffer.from(payload, 'utf8');
        else if (payload instanceof Uint8Array) bytes = new Uint8Array(payload);
        else if (payload === undefined || payload === null) bytes = new Uint8Array(0);
        else throw new Error('Event payload must be bytes');
        this.#event = { name, payload: bytes };
    }

    // ---- not available on the embedded engine ---------------------------------------------------------------

    setStateValidationParameter(): Promise<void> {
        return Promise.reject(
            new Error('setStateValidationParameter is not supported by the embedded ledger engine'),
        );
    }
    getStateValidationParameter(): Promise<Uint8Array> {
        return Promise.reject(
            new Error('getStateValidationParameter is not supported by the embedded ledger engine'),
        );
    }
    // ---- pagination (Fabric's: `pageSize` entries from `bookmark`, the next key as the new bookmark) ---------

    getStateByRangeWithPagination(
        startKey: string,
        endKey: string,
        pageSize: number,
        bookmark?: string,
    ): ReturnType<ChaincodeStub['getStateByRangeWithPagination']> {
        return this.#pagedQuery(
            () => {
                const [rawStart, rawEnd]: unknown[] = [startKey, endKey];
                const start =
                    rawStart === '' || rawStart === undefined ? _EMPTY_KEY_SUBSTITUTE : rawStart;
                const end = rawEnd ?? '';
                if (typeof start !== 'string' || typeof end !== 'string')
                    throw new Error('range keys must be strings');
                _checkSimpleKeys(start, end);
                return [start, end];
            },
            pageSize,
            bookmark,
        );
    }
    getStateByPartialCompositeKeyWithPagination(
        objectType: string,
        attributes: string[],
        pageSize: number,
        bookmark?: string,
    ): ReturnType<ChaincodeStub['getStateByPartialCompositeKeyWithPagination']> {
        return this.#pagedQuery(
            () => {
                const partial = this.createCompositeKey(objectType, attributes);
                return [partial, partial + _MAX_UNICODE_RUNE];
            },
            pageSize,
            bookmark,
        );
    }

    /**
     * One page of a range: up to `pageSize` entries from `bookmark` (inclusive; '' = the range's start), read
     * at once, and the key after them as the next bookmark ('' when the range is exhausted), as Fabric's
     * LevelDB state answers.
     */
    #pagedQuery(
        bounds: () => [string, string],
        pageSize: number,
        bookmark: string | undefined,
    ): ReturnType<ChaincodeStub['getStateByRangeWithPagination']> {
        type Paged = Awaited<ReturnType<ChaincodeStub['getStateByRangeWithPagination']>>;
        const promise = (async (): Promise<Paged> => {
            this.#live();
            const [start, end] = bounds();
            const [size, mark]: unknown[] = [pageSize, bookmark ?? ''];
            if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 1)
                throw new Error('pageSize must be a positive integer');
            if (typeof mark !== 'string' || !isWellFormed(mark))
                throw new Error('bookmark must be a string');
            const from = mark !== '' && compareKeys(mark, start) > 0 ? mark : start;
            const cursor = this.#view.range(from, end);
            this.#cursors.add(cursor);
            const page: KV[] = [];
            let next = '';
            try {
                for (let e = await cursor.next(); e; e = await cursor.next()) {
                    if (page.length === size) {
                        next = e.key;
                        break;
                    }
                    page.push({ key: e.key, value: _asBuffer(e.value) } as unknown as KV);
                }
            } finally {
                this.#cursors.delete(cursor);
                await cursor.close();
            }
            let i = 0;
            const iterator = {
                next: (): Promise<{ value: KV; done: boolean }> => {
                    const value = page[i++];
                    return Promise.resolve(
                        value === undefined
                            ? { value: undefined as unknown as KV, done: true }
                            : { value, done: false },
                    );
                },
                close: (): Promise<void> => Promise.resolve(),
            };
            return {
                iterator: iterator as unknown as Paged['iterator'],
                metadata: { fetchedRecordsCount: page.length, bookmark: next },
            };
        })();
        const result = promise as ReturnType<ChaincodeStub['getStateByRangeWithPagination']>;
        result[Symbol.asyncIterator] = (): AsyncIterator<KV> => {
            let iterator: Paged['iterator'] | undefined;
            return {
                next: async (): Promise<IteratorResult<KV>> => {
                    iterator ??= (await promise).iterator;
                    const next = await iterator.next();
                    return next.done ? { value: undefined, done: true } : next;
                },
            };
        };
        return result;
    }
    getQueryResult(): ReturnType<ChaincodeStub['getQueryResult']> {
        return _unsupported('getQueryResult');
    }
    getQueryResultWithPagination(): ReturnType<ChaincodeStub['getQueryResultWithPagination']> {
        return _unsupported('getQueryResultWithPagination');
    }
    getHistoryForKey(): ReturnType<ChaincodeStub['getHistoryForKey']> {
        return _unsupported('getHistoryForKey');
    }
    invokeChaincode(): ReturnType<ChaincodeStub['invokeChaincode']> {
        return _unsupported('invokeChaincode');
    }
    getPrivateData(): Promise<Uint8Array> {
        return _unsupported('getPrivateData');
    }
    getPrivateDataHash(): Promise<Uint8Array> {
        return _unsupported('getPrivateDataHash');
    }
    putPrivateData(): Promise<void> {
        return _unsupported('putPrivateData');
    }
    deletePrivateData(): Promise<void> {
        return _unsupported('deletePrivateData');
    }
    purgePrivateData(): Promise<void> {
        return _unsupported('purgePrivateData');
    }
    setPrivateDataValidationParameter(): Promise<void> {
        return _unsupported('setPrivateDataValidationParameter');
    }
    getPrivateDataValidationParameter(): Promise<Uint8Array> {
        return _unsupported('getPrivateDataValidationParameter');
    }
    getPrivateDataByRange(): ReturnType<ChaincodeStub['getPrivateDataByRange']> {
        return _unsupported('getPrivateDataByRange');
    }
    getPrivateDataByPartialCompositeKey(): ReturnType<
        ChaincodeStub['getPrivateDataByPartialCompositeKey']
    > {
        return _unsupported('getPrivateDataByPartialCompositeKey');
    }
    getPrivateDataQueryResult(): ReturnType<ChaincodeStub['getPrivateDataQueryResult']> {
        return _unsupported('getPrivateDataQueryResult');
    }

    // ---- engine side ----------------------------------------------------------------------------------------

    /**
     * End the transaction: close cursors the contract left open, seal the stub, and return the write set sorted
     * by key (UTF-8 byte order) and the event.
     */
    async seal(): Promise<{ writes: WriteOp[]; event: TxEvent | undefined }> {
        this.#sealed = true;
        const open = [...this.#cursors];
        this.#cursors.clear();
        await Promise.all(open.map((c) => c.close().catch(() => undefined)));
        const keys = [...this.#writes.keys()].sort(compareKeys);
        const writes = keys.map((key) => ({ key, value: this.#writes.get(key) ?? null }));
        return { writes, event: this.#event };
    }
}
