// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/simulator
 * A meter simulator driven by the BDEW standard load profiles of 1999 (H0 household, G0–G6
 * commercial, L0–L2 agricultural; shared/data/bdew-standard-load-profiles.csv). Pure: the caller
 * reads the CSV and passes its text to {@link parseProfiles}; {@link simulatePeriod} returns the
 * integer Wh of every slot of a billing period.
 *
 * BDEW method, as applied here (per quarter hour, at its local wall-clock time, so that the 92-slot
 * and 100-slot DST days need no special case: the skipped 02:xx quarter hours are absent, the
 * repeated ones counted twice):
 * - season by local date: winter 1 Nov – 20 Mar, summer 15 May – 14 Sep, transition otherwise;
 * - day type: public holidays (national, plus a state's if given) count as Sundays; 24 and 31
 *   December count as Saturdays unless they fall on a Sunday; otherwise Mon–Fri workday, Sat, Sun;
 * - H0 only: the value is multiplied by the dynamisation factor of the day of the year d (1–366),
 *   F(d) = −3.92·10⁻¹⁰·d⁴ + 3.2·10⁻⁷·d³ − 7.02·10⁻⁵·d² + 2.1·10⁻³·d + 1.24;
 * - energy of a quarter hour in Wh = watts / 4 · annualKwh / 1000 (profiles are normalised to
 *   1,000 kWh a year).
 *
 * On top of the profile (a profile is the mean of many homes, far smoother than one):
 * - noise: a multiplicative log-normal factor exp(σ·z − σ²/2) with mean 1, z an AR(1) process
 *   (ρ = 0.8 per quarter hour) of standard normals, so readings wander instead of flickering;
 * - spikes: appliance events (kettle, oven, washing machine): a Bernoulli start per quarter hour
 *   with `perDay` expected starts a day, a power drawn uniformly from [minWatts, maxWatts] and a
 *   duration of 1 … maxQuarterHours quarter hours. Spikes are energy-neutral over the period: the
 *   base load is scaled down by their energy (capped at half of it), so the period total stays the
 *   profile's.
 * Randomness comes from SHA-256 in counter mode over (seed, period, stream): the same seed gives the
 * same readings on every machine, and each period and stream is independent of the others.
 *
 * Readings are register deltas (DESIGN.md §4): the simulator accumulates the exact energy in a
 * virtual register and reports floor(register) differences, so the fractional remainder is carried
 * from slot to slot and the slots add up to floor(total) exactly; none is negative.
 */

import { RoleError } from '../errors.js';
import { sha256 } from '@noble/hashes/sha2.js';
import {
    DEFAULT_TIME_ZONE,
    holidayLookup,
    periodSlots,
    wallClockSeries,
    type BillingPeriod,
    type HolidayCalendar,
} from '../../contract/tariff/index.js';

/** BDEW seasons. */
export type Season = 'winter' | 'summer' | 'transition';
/** BDEW day types. */
export type DayType = 'workday' | 'saturday' | 'sunday';
/** Quarter-hour mean power in W (annual consumption 1,000 kWh), 96 values from 00:00 local time. */
export type QuarterHourWatts = readonly number[];
/** One profile: 96 quarter-hour values per season and day type. */
export type ProfileSeries = Readonly<Record<Season, Readonly<Record<DayType, QuarterHourWatts>>>>;
/** Parsed profile table: profile id (e.g. "H0") → series. */
export type ProfileTable = ReadonlyMap<string, ProfileSeries>;

/** Appliance spikes. */
export interface SpikeOptions {
    /** Expected spike starts per day (0–96). */
    readonly perDay: number;
    /** Smallest spike power in W (default 1000). */
    readonly minWatts?: number;
    /** Largest spike power in W (default 3000). */
    readonly maxWatts?: number;
    /** Longest spike in quarter hours (default 4). */
    readonly maxQuarterHours?: number;
}

/** Options of {@link simulatePeriod}. */
export interface SimulationOptions {
    readonly profiles: ProfileTable;
    /** Profile id, e.g. "H0", "G0", "L0". */
    readonly profile: string;
    /** Annual consumption the profile is scaled to, kWh (0 < annualKwh ≤ 10^7). */
    readonly annualKwh: number;
    /** A period from periodSlots (15-, 30- or 60-minute slots), or a period id. */
    readonly period: BillingPeriod | string;
    /** Time zone when `period` is an id (default Europe/Berlin). */
    readonly timeZone?: string;
    /** Household seed: same seed, same readings. */
    readonly seed: string | Uint8Array;
    /** σ of the log-normal noise (0 = none, default; 0.3 is a lively household; at most 2). */
    readonly noise?: number;
    /** Appliance spikes: starts per day, or full options (default none). */
    readonly spikes?: number | SpikeOptions;
    /** Holidays that count as Sundays (default: German national holidays). */
    readonly holidays?: HolidayCalendar;
}

/** Bad profile CSV or bad simulation options. */
export class SimulatorError extends RoleError {
    /** 1-based line of the profile CSV, when the error is about one. */
    readonly line: number | undefined;
    constructor(message: string, line?: number) {
        super(
            'METER_SIMULATOR',
            line === undefined ? message : `load profiles, line ${line}: ${message}`,
        );
        this.line = line;
    }
}

const SEASONS: readonly Season[] = ['winter', 'summer', 'transition'];
const DAY_TYPES: readonly DayType[] = ['workday', 'saturday', 'sunday'];
const PROFILE_HEADER = 'profile_id,period,day,timestamp,watts';
const QUARTER_MS = 15 * 60_000;
const AR_RHO = 0.8;
const MAX_PROFILE_ROWS = 100_000;

/**
 * Parses the BDEW profile CSV (`profile_id,period,day,timestamp,watts`).
 * @param csvText - file content.
 * @returns profile id → season → day type → 96 quarter-hour watts.
 * @throws {SimulatorError} naming the line of a bad row, a duplicate, or a profile with missing values.
 * @example
 * const profiles = parseProfiles(readFileSync('bdew-standard-load-profiles.csv', 'utf8'));
 * profiles.get('H0')?.winter.saturday[0]; // 70.8
 */
export function parseProfiles(csvText: string): ProfileTable {
    if (typeof csvText !== 'string')
        throw new SimulatorError('expected the profile CSV as a string');
    const lines = (csvText.startsWith('\uFEFF') ? csvText.slice(1) : csvText)
        .split('\n')
        .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    if (lines[0] !== PROFILE_HEADER)
        throw new SimulatorError(`expected the header "${PROFILE_HEADER}"`, 1);
    if (lines.length > MAX_PROFILE_ROWS)
        throw new SimulatorError(`more than ${MAX_PROFILE_ROWS} rows`, MAX_PROFILE_ROWS);
    const raw = new Map<string, Map<string, (number | undefined)[]>>();
    for (let n = 1; n < lines.length; n++) {
        const lineNo = n + 1;
        const f = (lines[n] ?? '').split(',');
        if (f.length !== 5) throw new SimulatorError(`expected 5 fields, got ${f.length}`, lineNo);
        const [id, season, day, time, watts] = f as [string, string, string, string, string];
        if (!/^[A-Z][A-Z0-9]{1,7}$/.test(id))
            throw new SimulatorError(`bad profile id ${JSON.stringify(id)}`, lineNo);
        if (!(SEASONS as readonly string[]).includes(season))
            throw new SimulatorError(`bad period ${JSON.stringify(season)}`, lineNo);
        if (!(DAY_TYPES as readonly string[]).includes(day))
            throw new SimulatorError(`bad day ${JSON.stringify(day)}`, lineNo);
        const tm = /^([01]\d|2[0-3]):(00|15|30|45)$/.exec(time);
        if (tm === null)
            throw new SimulatorError(`bad quarter-hour timestamp ${JSON.stringify(time)}`, lineNo);
        const wm = /^(\d{1,6})(?:\.(\d{1,3}))?$/.exec(watts);
        if (wm === null)
            throw new SimulatorError(
                `bad watts ${JSON.stringify(watts)}: a non-negative decimal`,
                lineNo,
            );
        // exact: milliwatts as an integer, then one division
        const value = (Number(wm[1]) * 1000 + Number((wm[2] ?? '').padEnd(3, '0'))) / 1000;
        const q = Number(tm[1]) * 4 + Number(tm[2]) / 15;
        let byKey = raw.get(id);
        if (byKey === undefined) {
            byKey = new Map();
            raw.set(id, byKey);
        }
        const key = `${season}/${day}`;
        let values = byKey.get(key);
        if (values === undefined) {
            values = new Array<number | undefined>(96).fill(undefined);
            byKey.set(key, values);
        }
        if (values[q] !== undefined)
            throw new SimulatorError(`duplicate value for ${id} ${season} ${day} ${time}`, lineNo);
        values[q] = value;
    }
    const table = new Map<string, ProfileSeries>();
    for (const [id, byKey] of raw) {
        const series = {} as Record<Season, Record<DayType, QuarterHourWatts>>;
        for (const season of SEASONS) {
            const bySeason = {} as Record<DayType, QuarterHourWatts>;
            for (const day of DAY_TYPES) {
                const values = byKey.get(`${season}/${day}`);
                const missing = values === undefined ? 0 : values.findIndex((v) => v === undefined);
                if (values === undefined || missing >= 0) {
                    throw new SimulatorError(
                        `profile ${id} lacks ${season} ${day} values (quarter hour ${missing}); the table must be complete`,
                    );
                }
                bySeason[day] = Object.freeze(values as number[]);
            }
            series[season] = Object.freeze(bySeason);
        }
        table.set(id, Object.freeze(series));
    }
    if (table.size === 0) throw new SimulatorError('the profile CSV has no rows', 2);
    return table;
}

/**
 * BDEW season of a local date.
 * @example
 * bdewSeason(3, 20); // 'winter'
 * bdewSeason(3, 21); // 'transition'
 */
export function bdewSeason(month: number, day: number): Season {
    const md = month * 100 + day;
    if (md >= 1101 || md <= 320) return 'winter';
    if (md >= 515 && md <= 914) return 'summer';
    return 'transition';
}

/**
 * BDEW day type of a local date.
 * @param isoWeekday - 1 = Monday … 7 = Sunday.
 * @param isHoliday - whether the date is a public holiday.
 * @example
 * bdewDayType(12, 24, 2, false); // 'saturday' (Tuesday 24 December)
 */
export function bdewDayType(
    month: number,
    day: number,
    isoWeekday: number,
    isHoliday: boolean,
): DayType {
    if (isHoliday || isoWeekday === 7) return 'sunday';
    if (isoWeekday === 6 || (month === 12 && (day === 24 || day === 31))) return 'saturday';
    return 'workday';
}

/**
 * H0 dynamisation factor of day-of-year d (1–366).
 * @example
 * dynamisationFactor(1); // ≈ 1.2420
 */
export function dynamisationFactor(d: number): number {
    // F(d) = −3.92e-10·d⁴ + 3.2e-7·d³ − 7.02e-5·d² + 2.1e-3·d + 1.24 (Horner form, fixed order)
    return (((-3.92e-10 * d + 3.2e-7) * d - 7.02e-5) * d + 2.1e-3) * d + 1.24;
}

/**
 * Simulated interval energies of one billing period.
 * @param options - profile table and id, annual kWh, period, seed, noise, spikes, holidays.
 * @returns Wh per slot (non-negative integers, register deltas).
 * @throws {SimulatorError} for an unknown profile, bad numbers, or slots that are not 15, 30 or 60 minutes.
 * @example
 * const wh = simulatePeriod({ profiles, profile: 'H0', annualKwh: 3500, period: '2024-03', seed: 'home-1', noise: 0.3, spikes: 2 });
 * wh.length; // 2972
 */
export function simulatePeriod(options: SimulationOptions): bigint[] {
    const { profiles, profile, annualKwh } = options;
    const series = profiles instanceof Map ? (profiles as ProfileTable).get(profile) : undefined;
    if (series === undefined) {
        throw new SimulatorError(
            `unknown profile ${JSON.stringify(profile)}; known: ${profiles instanceof Map ? [...profiles.keys()].join(', ') : 'none'}`,
        );
    }
    if (
        typeof annualKwh !== 'number' ||
        !Number.isFinite(annualKwh) ||
        annualKwh <= 0 ||
        annualKwh > 1e7
    ) {
        throw new SimulatorError(
            `annualKwh must be a number in (0, 10^7], got ${String(annualKwh)}`,
        );
    }
    const noise = options.noise ?? 0;
    if (typeof noise !== 'number' || !Number.isFinite(noise) || noise < 0 || noise > 2) {
        throw new SimulatorError(`noise must be a number in [0, 2], got ${String(noise)}`);
    }
    const spikes = spikeOptions(options.spikes);
    const period =
        typeof options.period === 'string'
            ? periodSlots(options.period, options.timeZone ?? DEFAULT_TIME_ZONE)
            : options.period;
    const perSlot = period.intervalMinutes / 15;
    if (![1, 2, 4].includes(perSlot)) {
        throw new SimulatorError(
            `slots of ${period.intervalMinutes} minutes cannot be built from quarter hours; use 15, 30 or 60`,
        );
    }
    const seed =
        typeof options.seed === 'string' ? new TextEncoder().encode(options.seed) : options.seed;
    if (!(seed instanceof Uint8Array) || seed.length === 0 || seed.length > 1024) {
        throw new SimulatorError(
            'seed must be a non-empty string or Uint8Array of at most 1024 bytes',
        );
    }
    const holidays = options.holidays ?? { country: 'DE' };
    const isH0 = profile === 'H0';
    const quarters = period.slotCount * perSlot;

    // 1. Profile energy of every quarter hour, by its local wall-clock time.
    const scale = annualKwh / 1000 / 4; // W → Wh per quarter hour, scaled to annualKwh
    const base = new Float64Array(quarters);
    const lookups = new Map<number, (month: number, day: number) => boolean>();
    const clocks = wallClockSeries(period.startMs, QUARTER_MS, quarters, period.timeZone);
    for (let q = 0; q < quarters; q++) {
        const w = clocks[q];
        if (w === undefined)
            throw new SimulatorError(`internal: no wall clock for quarter hour ${q}`);
        let isHoliday = lookups.get(w.year);
        if (isHoliday === undefined) {
            isHoliday = holidayLookup(holidays, w.year);
            lookups.set(w.year, isHoliday);
        }
        const values =
            series[bdewSeason(w.month, w.day)][
                bdewDayType(w.month, w.day, w.weekday, isHoliday(w.month, w.day))
            ];
        const watts = values[w.hour * 4 + Math.floor(w.minute / 15)] ?? 0;
        base[q] =
            watts * scale * (isH0 ? dynamisationFactor(dayOfYear(w.year, w.month, w.day)) : 1);
    }

    // 2. Noise: log-normal with mean 1, AR(1) over quarter hours.
    if (noise > 0) {
        const rng = new HashDrbg(seed, `${period.periodId}/noise`);
        const innovation = Math.sqrt(1 - AR_RHO * AR_RHO);
        let z = rng.nextGaussian();
        for (let q = 0; q < quarters; q++) {
            if (q > 0) z = AR_RHO * z + innovation * rng.nextGaussian();
            base[q] = (base[q] ?? 0) * Math.exp(noise * z - (noise * noise) / 2);
        }
    }

    // 3. Spikes, energy-neutral over the period.
    let total = 0;
    for (let q = 0; q < quarters; q++) total += base[q] ?? 0;
    if (spikes !== undefined && spikes.perDay > 0 && total > 0) {
        const rng = new HashDrbg(seed, `${period.periodId}/spikes`);
        const extra = new Float64Array(quarters);
        const p = Math.min(1, spikes.perDay / 96);
        let spikeTotal = 0;
        for (let q = 0; q < quarters; q++) {
            if (rng.nextFloat() >= p) continue;
            const watts = spikes.minWatts + rng.nextFloat() * (spikes.maxWatts - spikes.minWatts);
            const len = 1 + Math.floor(rng.nextFloat() * spikes.maxQuarterHours);
            for (let t = q; t < Math.min(quarters, q + len); t++) {
                extra[t] = (extra[t] ?? 0) + watts / 4;
                spikeTotal += watts / 4;
            }
        }
        const spikeScale = spikeTotal > total / 2 ? total / 2 / spikeTotal : 1;
        const baseScale = (total - spikeTotal * spikeScale) / total;
        for (let q = 0; q < quarters; q++)
            base[q] = (base[q] ?? 0) * baseScale + (extra[q] ?? 0) * spikeScale;
    }

    // 4. Register deltas: floor of the running total, so remainders carry and the sum is exact.
    const out = new Array<bigint>(period.slotCount);
    let register = 0;
    let reported = 0;
    for (let i = 0; i < period.slotCount; i++) {
        for (let s = 0; s < perSlot; s++) register += Math.max(0, base[i * perSlot + s] ?? 0);
        const now = Math.floor(register);
        out[i] = BigInt(now - reported);
        reported = now;
    }
    return out;
}

/** Day of the year 1–366 of a Gregorian date. */
function dayOfYear(year: number, month: number, day: number): number {
    return (Date.UTC(year, month - 1, day) - Date.UTC(year, 0, 1)) / 86_400_000 + 1;
}

function spikeOptions(
    spikes: number | SpikeOptions | undefined,
): Required<SpikeOptions> | undefined {
    if (spikes === undefined) return undefined;
    const o: SpikeOptions = typeof spikes === 'number' ? { perDay: spikes } : spikes;
    const r: Required<SpikeOptions> = {
        perDay: o.perDay,
        minWatts: o.minWatts ?? 1000,
        maxWatts: o.maxWatts ?? 3000,
        maxQuarterHours: o.maxQuarterHours ?? 4,
    };
    if (
        typeof r.perDay !== 'number' ||
        !Number.isFinite(r.perDay) ||
        r.perDay < 0 ||
        r.perDay > 96
    ) {
        throw new SimulatorError(`spikes.perDay must be in [0, 96], got ${String(r.perDay)}`);
    }
    if (!(r.minWatts >= 0 && r.maxWatts >= r.minWatts && r.maxWatts <= 1e6)) {
        throw new SimulatorError('spikes: need 0 ≤ minWatts ≤ maxWatts ≤ 10^6');
    }
    if (!Number.isInteger(r.maxQuarterHours) || r.maxQuarterHours < 1 || r.maxQuarterHours > 96) {
        throw new SimulatorError('spikes.maxQuarterHours must be an integer in [1, 96]');
    }
    return r;
}

/**
 * Deterministic random numbers: SHA-256 in counter mode,
 * block_n = SHA-256("femeter/simulator/v1" ‖ len(seed) ‖ seed ‖ len(label) ‖ label ‖ n), n as 8 bytes
 * big-endian, lengths as 4 bytes big-endian. Not for secrets; for reproducible simulations only.
 */
export class HashDrbg {
    readonly #prefix: Uint8Array;
    #counter = 0;
    #block = new Uint8Array(0);
    #offset = 0;

    constructor(seed: Uint8Array, label: string) {
        const domain = new TextEncoder().encode('femeter/simulator/v1');
        const lab = new TextEncoder().encode(label);
        const prefix = new Uint8Array(domain.length + 4 + seed.length + 4 + lab.length + 8);
        const view = new DataView(prefix.buffer);
        let o = 0;
        prefix.set(domain, o);
        o += domain.length;
        view.setUint32(o, seed.length);
        prefix.set(seed, o + 4);
        o += 4 + seed.length;
        view.setUint32(o, lab.length);
        prefix.set(lab, o + 4);
        this.#prefix = prefix;
    }

    /** Next uniformly distributed 32-bit unsigned integer. */
    nextUint32(): number {
        if (this.#offset + 4 > this.#block.length) {
            const n = this.#prefix.length - 8;
            new DataView(this.#prefix.buffer).setBigUint64(n, BigInt(this.#counter++));
            this.#block = sha256(this.#prefix);
            this.#offset = 0;
        }
        const b = this.#block;
        const o = this.#offset;
        this.#offset += 4;
        return (
            (((b[o] ?? 0) << 24) |
                ((b[o + 1] ?? 0) << 16) |
                ((b[o + 2] ?? 0) << 8) |
                (b[o + 3] ?? 0)) >>>
            0
        );
    }

    /** Next float in [0, 1) with 53 random bits. */
    nextFloat(): number {
        const hi = this.nextUint32() >>> 5; // 27 bits
        const lo = this.nextUint32() >>> 6; // 26 bits
        return (hi * 67_108_864 + lo) / 9_007_199_254_740_992;
    }

    /** Next standard normal (Box–Muller). */
    nextGaussian(): number {
        const u1 = 1 - this.nextFloat(); // (0, 1]
        const u2 = this.nextFloat();
        return Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
    }
}
