// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/overlay
 * The overlay read path of the pipeline: executed but not yet durable writes sit in an in-memory overlay that
 * later transactions read through; a range read merges the overlay's sorted snapshot with a LevelDB iterator.
 */
import { compareKeys } from './codec.js';
import type { StateCursor, StateEntry } from '../inprocess/stub.js';

/** A pending write in the overlay: the value (null = delete) and the batch that wrote it. */
export interface OverlayEntry {
    value: Uint8Array | null;
    seq: number;
}

/** A cursor merging an overlay snapshot (sorted) with a LevelDB iterator; overlay entries win, null deletes. */
export class MergedCursor implements StateCursor {
    readonly #overlay: readonly [string, Uint8Array | null][];
    readonly #db: { next(): Promise<[string, Uint8Array] | undefined>; close(): Promise<void> };
    #i = 0;
    #dbHead: [string, Uint8Array] | undefined | null = null; // null = not fetched yet
    #dbDone = false;

    constructor(
        overlay: readonly [string, Uint8Array | null][],
        db: { next(): Promise<[string, Uint8Array] | undefined>; close(): Promise<void> },
    ) {
        this.#overlay = overlay;
        this.#db = db;
    }

    async #peekDb(): Promise<[string, Uint8Array] | undefined> {
        if (this.#dbHead === null) {
            this.#dbHead = this.#dbDone ? undefined : await this.#db.next();
            if (this.#dbHead === undefined) this.#dbDone = true;
        }
        return this.#dbHead;
    }

    async next(): Promise<StateEntry | undefined> {
        for (;;) {
            const o = this.#overlay[this.#i];
            const d = await this.#peekDb();
            if (o === undefined && d === undefined) return undefined;
            const cmp = o === undefined ? 1 : d === undefined ? -1 : compareKeys(o[0], d[0]);
            if (cmp <= 0 && o !== undefined) {
                this.#i++;
                if (cmp === 0) this.#dbHead = null;
                if (o[1] === null) continue;
                return { key: o[0], value: new Uint8Array(o[1]) };
            }
            this.#dbHead = null;
            if (d !== undefined) return { key: d[0], value: d[1] };
        }
    }

    close(): Promise<void> {
        return this.#db.close();
    }
}
