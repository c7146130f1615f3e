// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/ingest
 * Readings from real sources for the meter agent, for one billing period:
 *
 * - `csv-register` / `csv-interval`: a `timestamp,value` CSV of registers or interval energies;
 * - `<format>-log` (`d0-log`, `dsmr-log`, `sml-log`, one per registered format): JSON lines
 *   `{ "t": "<ISO 8601 with offset>", "<format field>": "<telegram>" }` — D0 and P1 telegrams as
 *   text, SML frames as hex;
 * - `<format>` (`d0`, `dsmr`, `sml`): a raw capture of the serial stream; every telegram must carry
 *   its own time (P1 does; D0 and SML captures need the log form).
 *
 * Telegrams go through the one reading pipeline (`sources/pipeline.ts`): the selected register —
 * the format's default or `obis`, a sum like `1-0:1.8.1+1-0:1.8.2` — with its timestamp, register
 * deltas per slot (power loss → 0 Wh slots flagged substitutes, the delta booked in the first slot
 * after, flagged catch-up), slots of the period. Everything is parsed and validated before anything
 * is recorded: a bad line or a refused telegram refuses the whole input.
 */
import { STATUS } from '../../contract/signing.js';
import type { BillingPeriod } from '../../contract/tariff/index.js';
import {
    assignSlots,
    decodeAll,
    intervalsFromSamples,
    METER_FORMATS,
    meterFormat,
    parseObisSelector,
    readCsvSource,
    sampleOf,
    SourceError,
    type IntervalEnergy,
    type MeterFormat,
    type RegisterSample,
} from './sources/index.js';

/** A slot value ready for {@link MeterAgent.record}. */
export interface SlotReading {
    readonly slot: number;
    readonly value: bigint;
    readonly status: number;
}

/** `csv-register`, `csv-interval`, or a registered format's name with or without `-log`. */
export type SourceKind = string;

/** Every accepted source kind. */
export function sourceKinds(): string[] {
    const names = Object.keys(METER_FORMATS);
    return ['csv-register', 'csv-interval', ...names.map((n) => `${n}-log`), ...names];
}

/** Largest input accepted (bytes). */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

/** Options of {@link readingsFromSource}. */
export interface SourceOptions {
    /** Unit of CSV values (default Wh). */
    readonly unit?: 'Wh' | 'kWh';
    /** Register to bill, or a "+"-joined sum (default: the format's, e.g. 1-0:1.8.0*255). */
    readonly obis?: string;
    /** OBIS medium for short codes (default 1, electricity; 6 heat, 7 gas, 8 water). */
    readonly medium?: number;
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?(?:Z|[+-]\d{2}:\d{2})$/;

/**
 * Parse a source into the slots of one billing period.
 * @throws SourceError naming the line of the first problem; nothing is returned on error.
 */
export function readingsFromSource(
    input: string | Uint8Array,
    kind: SourceKind,
    period: BillingPeriod,
    opts: SourceOptions = {},
): SlotReading[] {
    if (input.length > MAX_SOURCE_BYTES)
        throw new SourceError('SOURCE_SIZE', `input larger than ${MAX_SOURCE_BYTES} bytes`);
    let energies: IntervalEnergy[];
    if (kind === 'csv-register' || kind === 'csv-interval') {
        energies = readCsvSource(input, {
            mode: kind === 'csv-register' ? 'register' : 'interval',
            unit: opts.unit ?? 'Wh',
            intervalMinutes: period.intervalMinutes,
        });
    } else {
        const isLog = kind.endsWith('-log');
        const format = meterFormatOfKind(isLog ? kind.slice(0, -4) : kind);
        const obis = parseObisSelector(opts.obis ?? format.defaultObis, { medium: opts.medium });
        const samples = isLog
            ? samplesFromLog(toText(input), format, obis, opts)
            : samplesFromCapture(toBytes(input), format, obis, opts);
        energies = intervalsFromSamples(samples, { intervalMinutes: period.intervalMinutes });
    }
    return readingsOfSlots(energies, period);
}

/**
 * Interval energies → slot readings of a period with status flags (power loss → substitute,
 * catch-up); energies outside the period are left out.
 * @throws {SourceError} when an energy is not on a slot boundary of the period.
 */
export function readingsOfSlots(
    energies: readonly IntervalEnergy[],
    period: BillingPeriod,
): SlotReading[] {
    return assignSlots(energies, period).map((e) => ({
        slot: e.slot,
        value: e.wh,
        status: (e.catchUp ? STATUS.catchUp : 0) | (e.powerLoss ? STATUS.substitute : 0),
    }));
}

function meterFormatOfKind(name: string): MeterFormat {
    try {
        return meterFormat(name);
    } catch {
        throw new SourceError(
            'SOURCE_KIND',
            `unknown source kind; use one of ${sourceKinds().join(', ')}`,
        );
    }
}

/**
 * Register samples of a `<format>-log` text (JSON lines), one per non-empty line.
 * @throws {SourceError} `SOURCE_LOG` naming the line of the first problem.
 */
export function samplesFromLog(
    text: string,
    format: MeterFormat,
    obis: readonly string[],
    opts: SourceOptions,
): RegisterSample[] {
    const field = format.logField.name;
    const out: RegisterSample[] = [];
    text.split('\n').forEach((line, i) => {
        if (line.trim() === '') return;
        const fail = (why: string, cause?: unknown): never => {
            throw new SourceError('SOURCE_LOG', `line ${i + 1}: ${why}`, { cause });
        };
        let parsed: unknown;
        try {
            parsed = JSON.parse(line);
        } catch {
            return fail('not JSON');
        }
        if (parsed === null || typeof parsed !== 'object') return fail('not a JSON object');
        const o = parsed as Record<string, unknown>;
        const t = o.t;
        if (typeof t !== 'string' || !ISO_RE.test(t) || Number.isNaN(Date.parse(t)))
            return fail('missing "t" timestamp (ISO 8601 with offset, e.g. 2024-03-01T00:15:00Z)');
        const v = o[field];
        let bytes: Uint8Array;
        if (format.logField.encoding === 'hex') {
            if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(v))
                return fail(`missing or non-hex "${field}" telegram`);
            bytes = Uint8Array.from(v.match(/../g) ?? [], (h) => parseInt(h, 16));
        } else {
            if (typeof v !== 'string') return fail(`missing "${field}" telegram`);
            bytes = toBytes(v);
        }
        try {
            const { telegrams } = decodeAll(format, bytes, { medium: opts.medium });
            const telegram = telegrams[0];
            if (telegrams.length !== 1 || telegram === undefined)
                return fail(`expected one telegram, found ${telegrams.length}`);
            out.push(sampleOf(telegram, obis, Date.parse(t)));
        } catch (e) {
            if (e instanceof SourceError && e.code === 'SOURCE_LOG') throw e;
            fail((e as Error).message, e);
        }
    });
    return out;
}

function samplesFromCapture(
    bytes: Uint8Array,
    format: MeterFormat,
    obis: readonly string[],
    opts: SourceOptions,
): RegisterSample[] {
    const { telegrams } = decodeAll(format, bytes, { medium: opts.medium });
    return telegrams.map((tg, i) => {
        try {
            return sampleOf(tg, obis);
        } catch (e) {
            throw new SourceError('SOURCE_CAPTURE', `telegram ${i + 1}: ${(e as Error).message}`, {
                cause: e,
            });
        }
    });
}

function toText(input: string | Uint8Array): string {
    return typeof input === 'string' ? input : new TextDecoder().decode(input);
}

function toBytes(input: string | Uint8Array): Uint8Array {
    if (typeof input !== 'string') return input;
    const out = new Uint8Array(input.length);
    for (let i = 0; i < input.length; i++) {
        const c = input.charCodeAt(i);
        if (c > 0xff)
            throw new SourceError(
                'SOURCE_LOG',
                `character U+${c.toString(16)} at offset ${i} is not a byte; telegrams are ASCII`,
            );
        out[i] = c;
    }
    return out;
}
