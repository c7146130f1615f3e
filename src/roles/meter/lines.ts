// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/lines
 * Interval energies from lines as they arrive (the long-lived meter agent's source): the same
 * parsers as a whole-file ingest, fed in pieces with a one-line carry so pieces give exactly what
 * the whole file gives.
 *
 * - `csv-interval`: each row is its slot's energy.
 * - `csv-register`: each row's register minus the previous row's; the previous row is the carry.
 * - `<format>-log`: register samples; a slot boundary's value is the last sample before it, so the
 *   lines of the newest boundary are held back until a later sample arrives, and the last sample of
 *   the previous boundary is the carry (the baseline of the next slot).
 *
 * A malformed line is rejected on its own (reported, skipped: the skipped slot becomes a gap, as in
 * a file). A register that decreases or time that goes backwards stops the input: the caller keeps
 * its cursor and reports it until the source is fixed.
 */
import { samplesFromLog, type SourceOptions } from './ingest.js';
import {
    intervalsFromSamples,
    meterFormat,
    parseObisSelector,
    readCsvSource,
    type IntervalEnergy,
    type RegisterSample,
} from './sources/index.js';

/** Kinds {@link decodeLines} reads (line-oriented sources). */
export function lineKinds(): string[] {
    return ['csv-interval', 'csv-register', 'd0-log', 'dsmr-log', 'sml-log'];
}

/** Result of {@link decodeLines}. */
export interface DecodedLines {
    /** Energies of the consumed lines, in time order. */
    readonly energies: IntervalEnergy[];
    /** How many of the given lines were used (the rest come again with the next lines). */
    readonly consumed: number;
    /** The carry for the next call. */
    readonly carry: string | undefined;
    /** Malformed lines among the consumed ones (index into the given lines). */
    readonly rejected: { index: number; reason: string }[];
}

const HEADER = 'timestamp,value';

/**
 * Decode the next lines of a line source.
 * @param carry - the carry returned by the previous call (undefined at the start).
 * @throws {SourceError} when the lines cannot follow the carry (a register decreased, time went
 *   backwards); nothing is consumed.
 */
export function decodeLines(
    kind: string,
    lines: readonly string[],
    carry: string | undefined,
    opts: SourceOptions & { intervalMinutes: number },
): DecodedLines {
    if (kind === 'csv-interval' || kind === 'csv-register')
        return csvLines(kind, lines, carry, opts);
    if (kind.endsWith('-log') && lineKinds().includes(kind))
        return logLines(kind, lines, carry, opts);
    throw new TypeError(`kind ${kind} is not a line source; use one of ${lineKinds().join(', ')}`);
}

function csvLines(
    kind: 'csv-interval' | 'csv-register',
    lines: readonly string[],
    carry: string | undefined,
    opts: SourceOptions & { intervalMinutes: number },
): DecodedLines {
    const mode = kind === 'csv-interval' ? 'interval' : 'register';
    const csv = { mode, unit: opts.unit ?? 'Wh', intervalMinutes: opts.intervalMinutes } as const;
    const rejected: { index: number; reason: string }[] = [];
    const good: string[] = [];
    const energies: IntervalEnergy[] = [];
    lines.forEach((raw, index) => {
        const line = raw.replace(/^\uFEFF/, '');
        if (line === HEADER || line.trim() === '') return;
        try {
            energies.push(...readCsvSource(`${HEADER}\n${line}\n`, csv));
            good.push(line);
        } catch (e) {
            rejected.push({ index, reason: reasonOf(e) });
        }
    });
    if (mode === 'interval') return { energies, consumed: lines.length, carry, rejected };
    if (good.length === 0) return { energies: [], consumed: lines.length, carry, rejected };
    const all = carry === undefined ? good : [carry, ...good];
    return {
        energies: readCsvSource(`${HEADER}\n${all.join('\n')}\n`, csv),
        consumed: lines.length,
        carry: good.at(-1),
        rejected,
    };
}

function logLines(
    kind: string,
    lines: readonly string[],
    carry: string | undefined,
    opts: SourceOptions & { intervalMinutes: number },
): DecodedLines {
    const format = meterFormat(kind.slice(0, -'-log'.length));
    // validate the selector once (a bad --obis is the caller's error, not a line's)
    parseObisSelector(opts.obis ?? format.defaultObis, { medium: opts.medium });
    const step = opts.intervalMinutes * 60_000;
    const boundary = (s: RegisterSample): number => Math.ceil(s.timeMs / step) * step;
    const one = (line: string): RegisterSample | undefined =>
        samplesFromLog(line, format, obisOf(opts, format.defaultObis), opts)[0];
    const parsed: { index: number; line: string; sample: RegisterSample }[] = [];
    const rejected: { index: number; reason: string }[] = [];
    lines.forEach((line, index) => {
        if (line.trim() === '') return;
        try {
            const sample = one(line);
            if (sample !== undefined) parsed.push({ index, line, sample });
        } catch (e) {
            rejected.push({ index, reason: reasonOf(e) });
        }
    });
    const newest = parsed.at(-1);
    if (newest === undefined) return { energies: [], consumed: lines.length, carry, rejected };
    // hold back the newest boundary's lines: a later sample of the same boundary may still come
    const held = parsed.findIndex((p) => boundary(p.sample) === boundary(newest.sample));
    const firstHeld = parsed[held];
    const consumed = firstHeld === undefined ? lines.length : firstHeld.index;
    const used = parsed.slice(0, held);
    const last = used.at(-1);
    if (last === undefined)
        return {
            energies: [],
            consumed,
            carry,
            rejected: rejected.filter((r) => r.index < consumed),
        };
    const base = carry === undefined ? [] : [one(carry)].filter((s) => s !== undefined);
    return {
        energies: intervalsFromSamples([...base, ...used.map((u) => u.sample)], {
            intervalMinutes: opts.intervalMinutes,
        }),
        consumed,
        carry: last.line,
        rejected: rejected.filter((r) => r.index < consumed),
    };
}

function obisOf(opts: SourceOptions, fallback: string): readonly string[] {
    return parseObisSelector(opts.obis ?? fallback, { medium: opts.medium });
}

function reasonOf(e: unknown): string {
    return e instanceof Error ? e.message : String(e);
}
