// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the BDEW load-profile simulator: the real profile table parses, annual totals match the
 * normalisation, the BDEW day rules (holidays as Sundays, 24/31 Dec as Saturdays, seasons,
 * dynamisation) hold against an independent computation, DST months have the right slots, output
 * is reproducible, non-negative and exact, and bad input is refused.
 */

import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { periodSlots } from '../../../src/contract/tariff/index.js';
import {
    HashDrbg,
    SimulatorError,
    bdewDayType,
    bdewSeason,
    dynamisationFactor,
    parseProfiles,
    simulatePeriod,
    type DayType,
    type ProfileTable,
    type Season,
    type SimulationOptions,
} from '../../../src/roles/meter/simulator.js';
import { readDataFile } from '../../contract/tariff/data.helpers.js';

const profiles: ProfileTable = parseProfiles(readDataFile('bdew-standard-load-profiles.csv'));

function sum(xs: readonly bigint[], from = 0, to = xs.length): bigint {
    let s = 0n;
    for (let k = from; k < to; k++) s += xs[k] ?? 0n;
    return s;
}

function year(profile: string, y: number, extra: Partial<SimulationOptions> = {}): bigint {
    let total = 0n;
    for (let m = 1; m <= 12; m++) {
        total += sum(
            simulatePeriod({
                profiles,
                profile,
                annualKwh: 1000,
                period: `${y}-${String(m).padStart(2, '0')}`,
                seed: 'annual',
                ...extra,
            }),
        );
    }
    return total;
}

/** Independent expectation: energy of one local day (no DST change) from the table, in Wh. */
function dayEnergy(
    profile: string,
    season: Season,
    day: DayType,
    annualKwh: number,
    factor: number,
): number {
    const watts = profiles.get(profile)?.[season][day] ?? [];
    return watts.reduce((a, w) => a + (w / 4) * (annualKwh / 1000) * factor, 0);
}

describe('parseProfiles', () => {
    it('reads the BDEW table', () => {
        assert.deepEqual([...profiles.keys()].sort(), [
            'G0',
            'G1',
            'G2',
            'G3',
            'G4',
            'G5',
            'G6',
            'H0',
            'L0',
            'L1',
            'L2',
        ]);
        assert.equal(profiles.get('H0')?.winter.saturday[0], 70.8);
        assert.equal(profiles.get('H0')?.summer.workday.length, 96);
    });

    it('refuses bad tables with the line number', () => {
        const header = 'profile_id,period,day,timestamp,watts';
        const bad = (text: string, line: number | undefined, pattern: RegExp): void => {
            assert.throws(
                () => parseProfiles(text),
                (e: unknown) =>
                    e instanceof SimulatorError && e.line === line && pattern.test(e.message),
            );
        };
        bad('', 1, /header/);
        bad(`${header}\n`, 2, /no rows/);
        bad(`${header}\nH0,winter,saturday,00:00\n`, 2, /5 fields/);
        bad(`${header}\nH0,spring,saturday,00:00,1\n`, 2, /period/);
        bad(`${header}\nH0,winter,holiday,00:00,1\n`, 2, /day/);
        bad(`${header}\nH0,winter,saturday,00:10,1\n`, 2, /quarter-hour/);
        bad(`${header}\nH0,winter,saturday,00:00,-1\n`, 2, /watts/);
        bad(`${header}\nH0,winter,saturday,00:00,1\nH0,winter,saturday,00:00,2\n`, 3, /duplicate/);
        bad(`${header}\nH0,winter,saturday,00:00,1\n`, undefined, /lacks/);
    });
});

describe('BDEW rules', () => {
    it('seasons', () => {
        const cases: [number, number, Season][] = [
            [1, 1, 'winter'],
            [3, 20, 'winter'],
            [3, 21, 'transition'],
            [5, 14, 'transition'],
            [5, 15, 'summer'],
            [9, 14, 'summer'],
            [9, 15, 'transition'],
            [10, 31, 'transition'],
            [11, 1, 'winter'],
            [12, 31, 'winter'],
        ];
        for (const [m, d, s] of cases) assert.equal(bdewSeason(m, d), s, `${m}-${d}`);
    });

    it('day types: holidays are Sundays, 24 and 31 December Saturdays', () => {
        assert.equal(bdewDayType(10, 3, 4, true), 'sunday');
        assert.equal(bdewDayType(10, 2, 3, false), 'workday');
        assert.equal(bdewDayType(12, 24, 2, false), 'saturday');
        assert.equal(bdewDayType(12, 31, 2, false), 'saturday');
        assert.equal(bdewDayType(12, 24, 7, false), 'sunday');
        assert.equal(bdewDayType(6, 1, 6, false), 'saturday');
        assert.equal(bdewDayType(6, 2, 7, false), 'sunday');
    });

    it('dynamisation factor', () => {
        assert.ok(Math.abs(dynamisationFactor(1) - 1.24203) < 1e-5); // 1.24 + 0.0021 − 0.0000702 + …
        assert.ok(Math.abs(dynamisationFactor(182) - 0.8) < 0.03); // summer low
        assert.ok(dynamisationFactor(355) > 1.2); // back up in winter
    });

    it('prices a holiday like a Sunday and a workday like a workday (H0, 3 Oct 2024, transition)', () => {
        const oct = simulatePeriod({
            profiles,
            profile: 'H0',
            annualKwh: 4000,
            period: '2024-10',
            seed: 's',
        });
        // 3 Oct 2024 (Thursday, German Unity Day) is day-of-year 277; 2 Oct is 276
        const d3 = Number(sum(oct, 2 * 96, 3 * 96));
        const d2 = Number(sum(oct, 1 * 96, 2 * 96));
        assert.ok(
            Math.abs(d3 - dayEnergy('H0', 'transition', 'sunday', 4000, dynamisationFactor(277))) <=
                1,
        );
        assert.ok(
            Math.abs(
                d2 - dayEnergy('H0', 'transition', 'workday', 4000, dynamisationFactor(276)),
            ) <= 1,
        );
    });

    it('treats 24 December as a Saturday and state holidays as Sundays when asked', () => {
        const dec = simulatePeriod({
            profiles,
            profile: 'G0',
            annualKwh: 10_000,
            period: '2024-12',
            seed: 's',
        });
        const d24 = Number(sum(dec, 23 * 96, 24 * 96)); // Tuesday
        assert.ok(Math.abs(d24 - dayEnergy('G0', 'winter', 'saturday', 10_000, 1)) <= 1);
        const jan = (state?: 'BY'): bigint[] =>
            simulatePeriod({
                profiles,
                profile: 'G0',
                annualKwh: 10_000,
                period: '2024-01',
                seed: 's',
                holidays: state === undefined ? { country: 'DE' } : { country: 'DE', state },
            });
        // 6 Jan 2024 is a Saturday; Epiphany in Bavaria turns it into a Sunday
        assert.ok(
            Math.abs(
                Number(sum(jan('BY'), 5 * 96, 6 * 96)) -
                    dayEnergy('G0', 'winter', 'sunday', 10_000, 1),
            ) <= 1,
        );
        assert.ok(
            Math.abs(
                Number(sum(jan(), 5 * 96, 6 * 96)) -
                    dayEnergy('G0', 'winter', 'saturday', 10_000, 1),
            ) <= 1,
        );
    });
});

describe('simulatePeriod', () => {
    it('sums to the annual consumption: H0, G0, L0 at 1000 kWh within 1 %', () => {
        for (const y of [2023, 2024]) {
            for (const p of ['H0', 'G0', 'L0']) {
                const total = Number(year(p, y));
                assert.ok(Math.abs(total - 1_000_000) < 10_000, `${p} ${y}: ${total} Wh`);
            }
        }
    });

    it('has one value per slot on DST months, none negative, and the repeated hour twice', () => {
        for (const id of ['2024-03', '2024-10', '2023-03', '2023-10']) {
            const wh = simulatePeriod({
                profiles,
                profile: 'H0',
                annualKwh: 3500,
                period: id,
                seed: 'dst',
                noise: 0.5,
                spikes: 4,
            });
            assert.equal(wh.length, periodSlots(id).slotCount);
            assert.ok(wh.every((x) => x >= 0n));
        }
        const oct = simulatePeriod({
            profiles,
            profile: 'H0',
            annualKwh: 100_000,
            period: '2024-10',
            seed: 'dst',
        });
        const d27 = 26 * 96;
        const first = Number(sum(oct, d27 + 8, d27 + 12)); // 02:00–02:59 CEST
        const second = Number(sum(oct, d27 + 12, d27 + 16)); // 02:00–02:59 CET
        assert.ok(Math.abs(first - second) <= 1, `${first} vs ${second}`);
    });

    it('is reproducible for a seed and differs between seeds', () => {
        const opts: SimulationOptions = {
            profiles,
            profile: 'H0',
            annualKwh: 3500,
            period: '2024-05',
            seed: 'household-42',
            noise: 0.3,
            spikes: 3,
        };
        assert.deepEqual(simulatePeriod(opts), simulatePeriod(opts));
        assert.deepEqual(
            simulatePeriod(opts),
            simulatePeriod({ ...opts, seed: new TextEncoder().encode('household-42') }),
        );
        assert.notDeepEqual(
            simulatePeriod(opts),
            simulatePeriod({ ...opts, seed: 'household-43' }),
        );
        const smooth = { ...opts, noise: 0, spikes: 0 };
        assert.deepEqual(simulatePeriod(smooth), simulatePeriod({ ...smooth, seed: 'other' }));
    });

    it('keeps the period total exact: register deltas carry the fraction; spikes are energy-neutral', () => {
        const base: SimulationOptions = {
            profiles,
            profile: 'H0',
            annualKwh: 3500,
            period: '2024-06',
            seed: 'x',
        };
        const smooth = simulatePeriod(base);
        let expected = 0;
        const june = periodSlots('2024-06');
        for (let d = 1; d <= 30; d++) {
            const js = new Date(Date.UTC(2024, 5, d)).getUTCDay(); // 0 Sunday … 6 Saturday; no holiday in June 2024
            const type: DayType = js === 0 ? 'sunday' : js === 6 ? 'saturday' : 'workday';
            expected += dayEnergy('H0', bdewSeason(6, d), type, 3500, dynamisationFactor(152 + d));
        }
        assert.equal(smooth.length, june.slotCount);
        assert.ok(Math.abs(Number(sum(smooth)) - expected) <= 1, `${sum(smooth)} vs ${expected}`);
        const spiky = simulatePeriod({
            ...base,
            spikes: { perDay: 3, minWatts: 2000, maxWatts: 2000, maxQuarterHours: 2 },
        });
        assert.ok(Math.abs(Number(sum(spiky)) - Number(sum(smooth))) <= 1);
        const max = (xs: bigint[]): bigint => xs.reduce((a, b) => (b > a ? b : a), 0n);
        assert.ok(max(spiky) > max(smooth) + 300n, 'a 2 kW spike puts 500 Wh into a quarter hour');
    });

    it('accepts hourly periods by summing quarter hours', () => {
        const hourly = simulatePeriod({
            profiles,
            profile: 'L0',
            annualKwh: 20_000,
            period: periodSlots('2024-02', 'Europe/Berlin', 60),
            seed: 'h',
        });
        const quarterly = simulatePeriod({
            profiles,
            profile: 'L0',
            annualKwh: 20_000,
            period: '2024-02',
            seed: 'h',
        });
        assert.equal(hourly.length, 696);
        assert.ok(sum(hourly) - sum(quarterly) <= 1n && sum(quarterly) - sum(hourly) <= 1n);
    });

    it('refuses bad options', () => {
        const ok: SimulationOptions = {
            profiles,
            profile: 'H0',
            annualKwh: 1000,
            period: '2024-01',
            seed: 's',
        };
        for (const patch of [
            { profile: 'X9' },
            { annualKwh: 0 },
            { annualKwh: -1 },
            { annualKwh: Number.NaN },
            { annualKwh: 1e8 },
            { noise: -0.1 },
            { noise: 3 },
            { spikes: -1 },
            { spikes: 200 },
            { spikes: { perDay: 1, minWatts: 3000, maxWatts: 1000 } },
            { spikes: { perDay: 1, maxQuarterHours: 0 } },
            { seed: '' },
            { period: periodSlots('2024-01', 'Europe/Berlin', 5) },
            { profiles: new Map() },
        ] as Partial<SimulationOptions>[]) {
            assert.throws(
                () => simulatePeriod({ ...ok, ...patch }),
                SimulatorError,
                JSON.stringify(patch, (_, v: unknown) => (v instanceof Map ? 'Map' : v)),
            );
        }
    });
});

describe('HashDrbg', () => {
    it('is SHA-256 in counter mode over (domain, seed, label, counter)', () => {
        const seed = new TextEncoder().encode('seed');
        const label = 'label';
        const rng = new HashDrbg(seed, label);
        const first8 = Array.from({ length: 9 }, () => rng.nextUint32());
        const block = (n: number): Buffer => {
            const u32 = (x: number): Buffer =>
                Buffer.from([x >>> 24, (x >>> 16) & 255, (x >>> 8) & 255, x & 255]);
            const ctr = Buffer.alloc(8);
            ctr.writeBigUInt64BE(BigInt(n));
            return createHash('sha256')
                .update(
                    Buffer.concat([
                        Buffer.from('femeter/simulator/v1'),
                        u32(4),
                        Buffer.from('seed'),
                        u32(5),
                        Buffer.from('label'),
                        ctr,
                    ]),
                )
                .digest();
        };
        const b0 = block(0);
        const b1 = block(1);
        for (let k = 0; k < 8; k++) assert.equal(first8[k], b0.readUInt32BE(4 * k));
        assert.equal(first8[8], b1.readUInt32BE(0));
        const f = new HashDrbg(seed, label);
        for (let k = 0; k < 1000; k++) {
            const x = f.nextFloat();
            assert.ok(x >= 0 && x < 1);
        }
    });
});
