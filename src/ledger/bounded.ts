// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/bounded
 * A map with a stated size: at most `maxEntries` entries and, with a `weigh` function, at most
 * `maxWeight` total weight (e.g. bytes). Setting beyond either bound evicts the least recently used
 * entries first; `get` counts as a use. Long-running parts (engine, gateway, provider) keep caches
 * and indexes in one of these so that memory follows what is live, never the history.
 */

/** Bounds of a {@link BoundedMap}. */
export interface BoundedMapOptions<V> {
    /** Most entries kept (a positive integer). */
    readonly maxEntries: number;
    /** Most total weight kept (requires `weigh`); an entry heavier than this alone is not kept. */
    readonly maxWeight?: number;
    /** Weight of one value (a finite number ≥ 0), e.g. its approximate size in bytes. */
    readonly weigh?: (value: V) => number;
}

/**
 * Least-recently-used map with a stated size.
 *
 * @example
 * ```ts
 * const recent = new BoundedMap<string, Uint8Array>({ maxEntries: 1024, maxWeight: 8 << 20, weigh: (v) => v.length });
 * recent.set('a', new Uint8Array(16));
 * recent.get('a');
 * ```
 */
export class BoundedMap<K, V> {
    readonly #map = new Map<K, { value: V; weight: number }>();
    readonly #maxEntries: number;
    readonly #maxWeight: number;
    readonly #weigh: ((value: V) => number) | undefined;
    #weight = 0;

    constructor(options: Readonly<BoundedMapOptions<V>>) {
        const { maxEntries, maxWeight, weigh } = options;
        if (!Number.isSafeInteger(maxEntries) || maxEntries < 1)
            throw new RangeError('"maxEntries" must be a positive integer');
        if (maxWeight !== undefined && !(maxWeight > 0 && Number.isFinite(maxWeight)))
            throw new RangeError('"maxWeight" must be a positive finite number');
        if (maxWeight !== undefined && typeof weigh !== 'function')
            throw new TypeError('"maxWeight" needs a "weigh" function');
        this.#maxEntries = maxEntries;
        this.#maxWeight = maxWeight ?? Infinity;
        this.#weigh = weigh;
    }

    /** Entries held now (≤ maxEntries). */
    get size(): number {
        return this.#map.size;
    }

    /** Total weight held now (≤ maxWeight; 0 without `weigh`). */
    get weight(): number {
        return this.#weight;
    }

    /** The value, marking it most recently used; undefined if absent or evicted. */
    get(key: K): V | undefined {
        const e = this.#map.get(key);
        if (e === undefined) return undefined;
        this.#map.delete(key);
        this.#map.set(key, e);
        return e.value;
    }

    /** Whether the key is held (does not count as a use). */
    has(key: K): boolean {
        return this.#map.has(key);
    }

    /** Set (as most recently used) and evict the least recently used entries beyond the bounds. */
    set(key: K, value: V): this {
        this.delete(key);
        const weight = this.#weigh === undefined ? 0 : this.#weigh(value);
        if (!(weight >= 0 && Number.isFinite(weight)))
            throw new RangeError('"weigh" must return a finite number ≥ 0');
        if (weight > this.#maxWeight) return this;
        this.#map.set(key, { value, weight });
        this.#weight += weight;
        // Map iteration is insertion order: the first entries are the least recently used.
        for (const [k, e] of this.#map) {
            if (this.#map.size <= this.#maxEntries && this.#weight <= this.#maxWeight) break;
            this.#map.delete(k);
            this.#weight -= e.weight;
        }
        return this;
    }

    /** Remove an entry; returns whether it was held. */
    delete(key: K): boolean {
        const e = this.#map.get(key);
        if (e === undefined) return false;
        this.#map.delete(key);
        this.#weight -= e.weight;
        return true;
    }

    clear(): void {
        this.#map.clear();
        this.#weight = 0;
    }
}
