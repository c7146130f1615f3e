// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/pipeline
 * The one reading path of every telegram format: telegram → register sample (one register or the
 * sum of several, in integer Wh or litres, with a timestamp) → interval deltas → slots.
 *
 * Timestamp of a sample: the register's own capture time (DSMR M-Bus values, SML valTime) when
 * every selected register has one, else the telegram's time (DSMR 0-0:1.0.0), else the time the
 * caller supplies (a log's `"t"`, the receive time of a serial read).
 *
 * Interval deltas: the register value at a slot boundary B is the last sample in (B − Δ, B]. The
 * first boundary with a value is the baseline; each later one closes the slot ending at it with
 * the register difference. Boundaries without a sample (the meter or the reader was off) become
 * 0 Wh slots flagged `powerLoss`, and the next boundary with a value books the whole difference,
 * flagged `catchUp` — exactly as the register CSV does. Samples must go forward in time (repeats of
 * the same time are allowed: a gas value captured hourly is repeated in every P1 telegram of the
 * hour, and two telegrams can arrive within one millisecond) and registers must not decrease.
 */

import type { IntervalEnergy } from './types.js';
import { SourceError } from './errors.js';
import { unitInfo, toBaseUnits } from './units.js';
import type { MeterTelegram } from './telegram.js';
import { decimalToString } from './decimal.js';

/** A register reading at an instant. */
export interface RegisterSample {
    readonly timeMs: number;
    /** Integer Wh (energy) or litres (volume), floored per register. */
    readonly amount: bigint;
    readonly baseUnit: 'Wh' | 'l';
}

/**
 * The selected register (or sum of registers) of a telegram.
 * @param telegram - a decoded telegram.
 * @param obis - normalised codes to add (see `parseObisSelector`).
 * @param fallbackTimeMs - time when neither the registers nor the telegram carry one.
 * @throws {SourceError} `SOURCE_REGISTER` when a code is absent, not numeric, not in a billable
 *   unit (energy or volume), the units of a sum differ, or no time is known.
 */
export function sampleOf(
    telegram: MeterTelegram,
    obis: readonly string[],
    fallbackTimeMs?: number,
): RegisterSample {
    let amount = 0n;
    let baseUnit: 'Wh' | 'l' | undefined;
    let ownTime: number | undefined;
    let allOwnTime = true;
    for (const code of obis) {
        const r = telegram.registers.find((x) => x.obis === code);
        if (r === undefined) {
            const billable = telegram.registers
                .filter((x) => unitInfo(x.unit)?.base !== undefined)
                .map((x) => x.obis);
            throw new SourceError(
                'SOURCE_REGISTER',
                `no register ${code} in the telegram; it has ${billable.length === 0 ? 'no energy or volume register' : `${billable.join(', ')} (choose with --obis, add several with "+")`}`,
            );
        }
        const unit = unitInfo(r.unit);
        if (r.value === undefined)
            throw new SourceError(
                'SOURCE_REGISTER',
                `${code} is not a number: ${JSON.stringify(r.raw)}`,
            );
        const v = toBaseUnits(r.value, unit);
        if (v === undefined || unit?.base === undefined) {
            throw new SourceError(
                'SOURCE_REGISTER',
                `${code} has unit ${r.unit === undefined ? '(none)' : JSON.stringify(r.unit)}, not an energy (Wh, kWh, MWh, GJ…) or volume (m3, l) unit; refusing to bill it`,
            );
        }
        if (r.value.digits < 0n)
            throw new SourceError(
                'SOURCE_REGISTER',
                `${code} is negative (${decimalToString(r.value)}); registers count up from 0`,
            );
        if (baseUnit !== undefined && baseUnit !== unit.base.unit)
            throw new SourceError(
                'SOURCE_REGISTER',
                `cannot add ${code} in ${unit.base.unit} to registers in ${baseUnit}`,
            );
        baseUnit = unit.base.unit;
        amount += v;
        if (r.timeMs === undefined) allOwnTime = false;
        else ownTime = Math.max(ownTime ?? r.timeMs, r.timeMs);
    }
    const timeMs = (allOwnTime ? ownTime : undefined) ?? telegram.timeMs ?? fallbackTimeMs;
    if (timeMs === undefined || baseUnit === undefined) {
        throw new SourceError(
            'SOURCE_REGISTER',
            'the telegram carries no time; read it from a log with "t" timestamps or a live port',
        );
    }
    return { timeMs, amount, baseUnit };
}

/** Options of {@link intervalsFromSamples}. */
export interface IntervalOptions {
    /** Slot length in minutes, a divisor of 60 (default 15). */
    readonly intervalMinutes?: number;
    /** Most slots produced (default 1,000,000). */
    readonly maxSlots?: number;
}

/**
 * Register samples → energy per slot, incrementally: a live reader pushes each sample as it
 * arrives and gets the slots that closed. A boundary's value is final once a sample past it
 * arrives (or at {@link IntervalBuilder.finish}).
 */
export class IntervalBuilder {
    private readonly step: number;
    private readonly maxSlots: number;
    private prev: RegisterSample | undefined;
    /** Boundary of the newest samples and the register there (not final yet). */
    private pending: { b: number; v: bigint } | undefined;
    /** Last final boundary. */
    private last: { b: number; v: bigint } | undefined;
    private emitted = 0;

    /** @throws {SourceError} when the interval does not divide 60. */
    constructor(options: IntervalOptions = {}) {
        const minutes = options.intervalMinutes ?? 15;
        if (!Number.isInteger(minutes) || minutes < 1 || 60 % minutes !== 0)
            throw new SourceError(
                'SOURCE_REGISTER',
                `interval of ${minutes} minutes does not divide 60`,
            );
        this.step = minutes * 60_000;
        this.maxSlots = options.maxSlots ?? 1_000_000;
    }

    /**
     * Adds a sample.
     * @returns the slots closed by it (in time order).
     * @throws {SourceError} `SOURCE_REGISTER` when time goes backwards, the register decreases,
     *   its unit changes, or more than `maxSlots` slots would be produced.
     */
    push(s: RegisterSample): IntervalEnergy[] {
        const prev = this.prev;
        if (prev !== undefined) {
            if (s.baseUnit !== prev.baseUnit)
                throw new SourceError(
                    'SOURCE_REGISTER',
                    `register unit changed from ${prev.baseUnit} to ${s.baseUnit} at ${iso(s.timeMs)}`,
                );
            if (s.timeMs < prev.timeMs)
                throw new SourceError(
                    'SOURCE_REGISTER',
                    `reading at ${iso(s.timeMs)} is not after the previous one (${iso(prev.timeMs)}); readings must go forward in time`,
                );
            if (s.amount < prev.amount)
                throw new SourceError(
                    'SOURCE_REGISTER',
                    `register decreased from ${prev.amount} to ${s.amount} ${s.baseUnit} at ${iso(s.timeMs)}; registers only count up (meter exchange or rollover is not supported)`,
                );
        }
        this.prev = s;
        const b = Math.ceil(s.timeMs / this.step) * this.step;
        if (this.pending === undefined || this.pending.b === b) {
            this.pending = { b, v: s.amount };
            return [];
        }
        const out = this.close(this.pending);
        this.pending = { b, v: s.amount };
        return out;
    }

    /** The input ended: the newest boundary is final. */
    finish(): IntervalEnergy[] {
        const p = this.pending;
        this.pending = undefined;
        return p === undefined ? [] : this.close(p);
    }

    private close(at: { b: number; v: bigint }): IntervalEnergy[] {
        const out: IntervalEnergy[] = [];
        const last = this.last;
        this.last = at;
        if (last === undefined) return out;
        const gap = (at.b - last.b) / this.step - 1;
        if (this.emitted + gap + 1 > this.maxSlots)
            throw new SourceError(
                'SOURCE_REGISTER',
                `more than ${this.maxSlots} slots between ${iso(last.b)} and ${iso(at.b)}`,
            );
        for (let j = 0; j < gap; j++)
            out.push(
                Object.freeze({
                    startMs: last.b + j * this.step,
                    wh: 0n,
                    catchUp: false,
                    powerLoss: true,
                }),
            );
        out.push(
            Object.freeze({
                startMs: at.b - this.step,
                wh: at.v - last.v,
                catchUp: gap > 0,
                powerLoss: false,
            }),
        );
        this.emitted += out.length;
        return out;
    }
}

/**
 * Register samples → energy per slot (all at once; see {@link IntervalBuilder}).
 * @param samples - in time order.
 * @throws {SourceError} `SOURCE_REGISTER` when time goes backwards, a register decreases, units
 *   change, or the span is longer than `maxSlots`.
 * @example
 * intervalsFromSamples([{ timeMs: 0, amount: 100n, baseUnit: 'Wh' }, { timeMs: 900_000, amount: 112n, baseUnit: 'Wh' }]);
 * // [{ startMs: 0, wh: 12n, catchUp: false, powerLoss: false }]
 */
export function intervalsFromSamples(
    samples: readonly RegisterSample[],
    options: IntervalOptions = {},
): IntervalEnergy[] {
    const b = new IntervalBuilder(options);
    const out: IntervalEnergy[] = [];
    for (const s of samples) out.push(...b.push(s));
    out.push(...b.finish());
    return out;
}

function iso(ms: number): string {
    return Number.isFinite(ms) && Math.abs(ms) < 8.64e15 ? new Date(ms).toISOString() : String(ms);
}
