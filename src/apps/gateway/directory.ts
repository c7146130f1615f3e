// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/directory
 * What the gateway knows about who is who: the registered parties (with their roles), the meters
 * (with their owners) and which providers hold a consent for which meter. It reads them through
 * an ordinary {@link FemeterApi} of its own service identity (the operator or an auditor), so it
 * works over any engine; parties and meters are re-read when an unknown identity shows up
 * (registration emits no event), consents are folded from the event stream.
 */
import type { Meter, Party, Role } from '../../contract/index.js';
import type { FemeterApi } from '../../roles/api.js';
import type { CloseableAsyncIterable, ChaincodeEvent } from '../../ledger/index.js';

/** Who a caller is. */
export type Principal =
    | { readonly kind: 'party'; readonly id: string; readonly role: Role }
    | { readonly kind: 'meter'; readonly id: string; readonly owner: string };

/** Shortest pause between two re-reads of the registry (an unknown caller cannot force more). */
const _REFRESH_MIN_MS = 200;

const _key = (mspId: string, id: string): string => `${mspId}\u0000${id}`;

export class Directory {
    readonly #api: FemeterApi;
    #byIdentity = new Map<string, Principal>();
    #meters = new Map<string, Meter>();
    #parties = new Map<string, Party>();
    readonly #grants = new Map<string, Set<string>>();
    #lastRefresh = 0;
    #refreshing: Promise<void> | undefined;
    #events: CloseableAsyncIterable<ChaincodeEvent> | undefined;
    #folding: Promise<void> | undefined;
    #ready = false;
    #lastError: Error | undefined;
    readonly #onError: ((e: Error) => void) | undefined;

    /** @param onError told each time a registry read fails (the gateway logs it). */
    constructor(api: FemeterApi, onError?: (e: Error) => void) {
        this.#api = api;
        this.#onError = onError;
    }

    /** Why the last registry read failed (undefined after a read that succeeded). */
    get lastError(): Error | undefined {
        return this.#lastError;
    }

    /** The service identity's ledger identity (it may bootstrap an empty ledger). */
    get serviceIdentity(): { mspId: string; credentials: Uint8Array } {
        return this.#api.client.identity;
    }

    /** Whether the registry could be read at least once (false on a ledger without operator). */
    get ready(): boolean {
        return this.#ready;
    }

    /** Start folding consent events (from block 0) and read the registry once. */
    async start(): Promise<void> {
        await this.refresh(true);
        const events = await this.#api.client.events({ startBlock: 0n });
        this.#events = events;
        this.#folding = (async () => {
            for await (const e of events) this.#fold(e);
        })().catch(() => undefined);
    }

    async stop(): Promise<void> {
        this.#events?.close();
        await this.#folding;
    }

    #fold(e: ChaincodeEvent): void {
        if (e.eventName !== 'agreement' && e.eventName !== 'refusal' && e.eventName !== 'survey')
            return;
        try {
            const p = JSON.parse(new TextDecoder().decode(e.payload)) as {
                meter?: unknown;
                provider?: unknown;
                requester?: unknown;
                status?: unknown;
            };
            if (typeof p.meter === 'string' && typeof p.provider === 'string')
                this.grant(p.provider, p.meter);
            // a surveyor whose survey was accepted reads what decrypting it takes (policy.ts)
            if (
                e.eventName === 'survey' &&
                p.status === 'accepted' &&
                typeof p.meter === 'string' &&
                typeof p.requester === 'string'
            )
                this.grant(p.requester, p.meter);
        } catch {
            // not ours to judge: the contract wrote it
        }
    }

    /** Record that `provider` holds a consent record (allowed or refused) for `meter`. */
    grant(provider: string, meter: string): void {
        let s = this.#grants.get(provider);
        if (s === undefined) this.#grants.set(provider, (s = new Set()));
        s.add(meter);
    }

    /** Add a party or meter record that just committed through the gateway. */
    learn(record: Record<string, unknown>, isMeter: boolean): void {
        const identity = record.identity as { mspId?: unknown; id?: unknown } | undefined;
        if (
            typeof record.id !== 'string' ||
            typeof identity?.mspId !== 'string' ||
            typeof identity.id !== 'string'
        )
            return;
        const k = _key(identity.mspId, identity.id);
        if (isMeter) {
            const m = record as unknown as Meter;
            this.#meters.set(m.id, m);
            this.#byIdentity.set(k, { kind: 'meter', id: m.id, owner: m.owner });
        } else {
            const p = record as unknown as Party;
            this.#parties.set(p.id, p);
            this.#byIdentity.set(k, { kind: 'party', id: p.id, role: p.role });
        }
    }

    /** Re-read parties and meters (coalesced; at most every 200 ms unless forced: callers wait for the next read). */
    refresh(force = false): Promise<void> {
        if (this.#refreshing !== undefined) return this.#refreshing;
        const wait = force ? 0 : this.#lastRefresh + _REFRESH_MIN_MS - Date.now();
        this.#refreshing = (async () => {
            // Never more often than every 200 ms: an unknown caller waits for the next read instead.
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            try {
                const [parties, meters] = await Promise.all([
                    this.#api.listParties(),
                    this.#api.listMeters(),
                ]);
                const byIdentity = new Map<string, Principal>();
                for (const p of parties)
                    byIdentity.set(_key(p.identity.mspId, p.identity.id), {
                        kind: 'party',
                        id: p.id,
                        role: p.role,
                    });
                for (const m of meters)
                    byIdentity.set(_key(m.identity.mspId, m.identity.id), {
                        kind: 'meter',
                        id: m.id,
                        owner: m.owner,
                    });
                this.#byIdentity = byIdentity;
                this.#parties = new Map(parties.map((p) => [p.id, p]));
                this.#meters = new Map(meters.map((m) => [m.id, m]));
                this.#ready = true;
                this.#lastError = undefined;
            } catch (e) {
                // E.g. a ledger before Bootstrap, or the service identity not registered: nobody
                // resolves; the next miss tries again. Kept and reported, never hidden.
                const err = e instanceof Error ? e : new Error(String(e));
                this.#lastError = err;
                this.#onError?.(err);
            } finally {
                this.#lastRefresh = Date.now();
                this.#refreshing = undefined;
            }
        })();
        return this.#refreshing;
    }

    /** Who `(mspId, id)` is, re-reading the registry once if unknown. */
    async resolve(mspId: string, id: string): Promise<Principal | undefined> {
        const k = _key(mspId, id);
        const hit = this.#byIdentity.get(k);
        if (hit !== undefined) return hit;
        await this.refresh();
        return this.#byIdentity.get(k);
    }

    /** A meter's record, re-reading the registry once if unknown. */
    async meter(id: string): Promise<Meter | undefined> {
        const hit = this.#meters.get(id);
        if (hit !== undefined) return hit;
        await this.refresh();
        return this.#meters.get(id);
    }

    /** Whether `provider` holds a consent record for `meter`. */
    granted(provider: string, meter: string): boolean {
        return this.#grants.get(provider)?.has(meter) ?? false;
    }

    /** Whether a party with the operator role is registered. */
    get hasOperator(): boolean {
        for (const p of this.#parties.values()) if (p.role === 'operator') return true;
        return false;
    }
}
