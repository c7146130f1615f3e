// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/client
 * The embedded engine's {@link LedgerClient}: builds a proposal, signs it with the participant's signer and
 * hands the envelope to the engine (`submitSigned` / `evaluateSigned`), as a gateway would.
 */
import type {
    ChaincodeEvent,
    CloseableAsyncIterable,
    CommittedTransaction,
    ConnectOptions,
    EventsOptions,
    Identity,
    LedgerClient,
    SubmitResult,
} from '../client.js';
import { EndorseError } from '../errors.js';
import { encodeProposal, newProposal, signPayload } from './envelope.js';
import type { SignedEnvelope } from './envelope.js';
import type { EventStream } from './events.js';

/** What a client needs of the engine (the part of `EmbeddedLedger` a gateway also uses). */
export interface ClientLedger {
    readonly channel: string;
    submitSigned(envelope: SignedEnvelope): Promise<SubmitResult>;
    evaluateSigned(envelope: SignedEnvelope): Promise<Uint8Array>;
    events(options?: Readonly<EventsOptions>): Promise<EventStream>;
    getCommittedTransaction(txId: string): Promise<CommittedTransaction | undefined>;
}

/** The embedded engine's {@link LedgerClient}: builds, signs and hands envelopes to the engine. */
export class EmbeddedClient implements LedgerClient {
    readonly identity: Identity;
    readonly #ledger: ClientLedger;
    readonly #signer: ConnectOptions['signer'];
    readonly #streams = new Set<EventStream>();

    constructor(ledger: ClientLedger, identity: Identity, signer: ConnectOptions['signer']) {
        // Callers may be JavaScript: check the shapes the types promise.
        const id = identity as Partial<Identity> | null | undefined;
        if (typeof id?.mspId !== 'string' || !(id.credentials instanceof Uint8Array)) {
            throw new TypeError('"identity" expected { mspId: string, credentials: Uint8Array }');
        }
        const sig = signer as Partial<ConnectOptions['signer']> | null | undefined;
        if (typeof sig?.sign !== 'function')
            throw new TypeError('"signer" expected { sign(digest) }');
        this.#ledger = ledger;
        this.identity = Object.freeze({
            mspId: identity.mspId,
            credentials: new Uint8Array(identity.credentials),
        });
        this.#signer = signer;
    }

    async #envelope(txName: string, args: readonly unknown[]): Promise<SignedEnvelope> {
        let payload: Uint8Array;
        try {
            const channel = this.#ledger.channel;
            const proposal = newProposal({
                channel,
                txName,
                args: args as string[],
                creator: this.identity,
            });
            payload = encodeProposal(proposal);
        } catch (err) {
            throw new EndorseError('MALFORMED', (err as Error).message, { cause: err });
        }
        return signPayload(payload, this.#signer);
    }

    async submit(txName: string, ...args: string[]): Promise<SubmitResult> {
        return this.#ledger.submitSigned(await this.#envelope(txName, args));
    }

    async evaluate(txName: string, ...args: string[]): Promise<Uint8Array> {
        return this.#ledger.evaluateSigned(await this.#envelope(txName, args));
    }

    getCommittedTransaction(transactionId: string): Promise<CommittedTransaction | undefined> {
        return this.#ledger.getCommittedTransaction(transactionId);
    }

    async events(
        options: Readonly<EventsOptions> = {},
    ): Promise<CloseableAsyncIterable<ChaincodeEvent>> {
        for (const s of this.#streams) if (s.closed) this.#streams.delete(s);
        const stream = await this.#ledger.events(options);
        this.#streams.add(stream);
        return stream;
    }

    close(): Promise<void> {
        for (const s of this.#streams) s.close();
        this.#streams.clear();
        return Promise.resolve();
    }
}
