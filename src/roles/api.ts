// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/api
 * Typed calls of the femeter contract over any {@link LedgerClient} (embedded engine or Fabric):
 * one method per transaction, records in and out, no JSON strings for callers. The roles use this
 * and nothing below it, so they run against either engine (and, later, behind the HTTP gateway).
 * Contract refusals arrive as the engine's EndorseError; {@link contractErrorCode} reads their code.
 */
import type {
    Agreement,
    Bill,
    Consent,
    LedgerConfig,
    LedgerIdentity,
    Meter,
    MeterSequence,
    MpkAck,
    MpkRecord,
    Party,
    PeriodRecord,
    ReadingInput,
    Role,
    SeriesRecord,
    SlotRecord,
    TariffRecord,
} from '../contract/index.js';
import { readingBatchHex } from '../contract/reading-batch.js';
import type { LedgerClient } from '../ledger/index.js';

const dec = new TextDecoder();

/** Registration of a party by the operator. */
export interface PartyInput {
    readonly id: string;
    readonly role: Role;
    readonly name: string;
    readonly identity: LedgerIdentity;
    readonly hpkePublicKey?: string;
}

/** Registration of a meter by the operator. */
export type MeterInput = Omit<Meter, 'registeredAt' | 'timeZone' | 'slotMinutes' | 'group'> &
    Partial<Pick<Meter, 'timeZone' | 'slotMinutes' | 'group'>>;

/** A stored reading as returned by GetReadings. */
export interface StoredReading extends SlotRecord {
    readonly slot: number;
}

/** The femeter contract, typed. */
export class FemeterApi {
    readonly client: LedgerClient;
    constructor(client: LedgerClient) {
        this.client = client;
    }

    async #submit<T>(tx: string, body: unknown): Promise<T> {
        const res = await this.client.submit(tx, JSON.stringify(body));
        return JSON.parse(dec.decode(res.result)) as T;
    }

    async #eval<T>(tx: string, ...args: string[]): Promise<T> {
        return JSON.parse(dec.decode(await this.client.evaluate(tx, ...args))) as T;
    }

    /** Bootstrap the ledger; `guardK` fixes the privacy guard's k for every epoch (default 96). */
    bootstrap(id: string, name: string, opts: { guardK?: number } = {}): Promise<Party> {
        return this.#submit('Bootstrap', {
            id,
            name,
            ...(opts.guardK === undefined ? {} : { guardK: opts.guardK }),
        });
    }
    /** The ledger configuration: the operator and the guard's k. */
    getConfig(): Promise<LedgerConfig> {
        return this.#eval('GetConfig');
    }
    registerParty(p: PartyInput): Promise<Party> {
        return this.#submit('RegisterParty', p);
    }
    registerMeter(m: MeterInput): Promise<Meter> {
        return this.#submit('RegisterMeter', m);
    }
    publishMpk(meter: string, channel: string, period: string, mpkHex: string): Promise<MpkRecord> {
        return this.#submit('PublishMpk', { meter, channel, period, mpk: mpkHex });
    }
    ackMpk(
        meter: string,
        channel: string,
        period: string,
        digest: string,
        signature: string,
    ): Promise<MpkAck> {
        return this.#submit('AckMpk', { meter, channel, period, digest, signature });
    }
    publishTariff(doc: Record<string, unknown>): Promise<TariffRecord> {
        return this.#submit('PublishTariff', doc);
    }
    publishPriceSeries(s: {
        id: string;
        period: string;
        startMs: number;
        intervalMinutes: 60 | 15;
        prices: readonly number[];
    }): Promise<unknown> {
        return this.#submit('PublishPriceSeries', s);
    }
    acceptTariff(a: {
        meter: string;
        channel: string;
        provider: string;
        tariff: { id: string; version: number };
        periods: { period: string; encryptedKey: string }[];
    }): Promise<unknown> {
        return this.#submit('AcceptTariff', a);
    }
    recordRefusal(r: {
        meter: string;
        channel: string;
        provider: string;
        tariff: { id: string; version: number };
        periods: string[];
        reason: string;
    }): Promise<unknown> {
        return this.#submit('RecordRefusal', r);
    }
    /** Readings travel as one binary batch (contract/reading-batch); a malformed one rejects locally. */
    async submitReadings(
        meter: string,
        readings: readonly ReadingInput[],
    ): Promise<{ stored: number; duplicates: number }> {
        return this.#submit('SubmitReadings', { meter, batch: readingBatchHex(readings) });
    }
    closePeriod(c: {
        meter: string;
        channel: string;
        period: string;
        count: number;
        digest: string;
        signature: string;
    }): Promise<PeriodRecord> {
        return this.#submit('ClosePeriod', c);
    }
    postBill(b: {
        meter: string;
        channel: string;
        period: string;
        tariff: { id: string; version: number };
        m: string;
        proof: string;
    }): Promise<Bill> {
        return this.#submit('PostBill', b);
    }

    whoAmI(): Promise<{
        identity: LedgerIdentity;
        ref: { kind: 'party' | 'meter'; id: string } | null;
    }> {
        return this.#eval('WhoAmI');
    }
    getParty(id: string): Promise<Party> {
        return this.#eval('GetParty', id);
    }
    listParties(): Promise<Party[]> {
        return this.#eval('ListParties');
    }
    getMeter(id: string): Promise<Meter> {
        return this.#eval('GetMeter', id);
    }
    listMeters(): Promise<Meter[]> {
        return this.#eval('ListMeters');
    }
    getMpk(
        meter: string,
        channel: string,
        period: string,
    ): Promise<MpkRecord & { ack: MpkAck | null }> {
        return this.#eval('GetMpk', meter, channel, period);
    }
    getTariff(id: string, version: number): Promise<TariffRecord> {
        return this.#eval('GetTariff', id, String(version));
    }
    listTariffs(): Promise<TariffRecord[]> {
        return this.#eval('ListTariffs');
    }
    getPriceSeries(id: string, period: string): Promise<SeriesRecord> {
        return this.#eval('GetPriceSeries', id, period);
    }
    getAgreements(meter: string, channel: string, period: string): Promise<Agreement[]> {
        return this.#eval('GetAgreements', meter, channel, period);
    }
    getConsents(meter: string, channel: string, period: string): Promise<Consent[]> {
        return this.#eval('GetConsents', meter, channel, period);
    }
    getPeriod(meter: string, channel: string, period: string): Promise<PeriodRecord | null> {
        return this.#eval('GetPeriod', meter, channel, period);
    }
    listPeriods(meter: string): Promise<PeriodRecord[]> {
        return this.#eval('ListPeriods', meter);
    }
    getReadings(meter: string, channel: string, period: string): Promise<StoredReading[]> {
        return this.#eval('GetReadings', meter, channel, period);
    }
    getMeterSequence(meter: string): Promise<MeterSequence> {
        return this.#eval('GetMeterSequence', meter);
    }
    getBills(meter: string, channel: string, period: string): Promise<Bill[]> {
        return this.#eval('GetBills', meter, channel, period);
    }
    listBills(meter = ''): Promise<Bill[]> {
        return this.#eval('ListBills', meter);
    }
}
