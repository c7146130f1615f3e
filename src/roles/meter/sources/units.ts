// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/units
 * Units as meters print them. The raw text is always kept; the spellings below are mapped
 * (case-insensitively, so `KWH`, `kwh` and `kWh` are one unit) to a quantity and, for the
 * quantities a register can be billed in, an exact factor to an integer base unit:
 * energy → Wh (Wh, kWh, MWh, GWh, kJ, MJ, GJ), volume → litres (l, m3, m³). Everything else
 * (W, kW, V, A, Hz, °C, m3/h, h, s, …) is described but not billable. SML and DLMS send unit
 * codes (IEC 62056-62), mapped by {@link dlmsUnit}.
 */

import type { ExactDecimal } from './decimal.js';

/** What a unit measures. */
export type Quantity =
    | 'energy'
    | 'volume'
    | 'power'
    | 'reactive-energy'
    | 'reactive-power'
    | 'apparent-energy'
    | 'apparent-power'
    | 'voltage'
    | 'current'
    | 'frequency'
    | 'temperature'
    | 'flow'
    | 'time'
    | 'other';

/** A known unit. */
export interface UnitInfo {
    /** Canonical symbol, e.g. `kWh`, `m3`. */
    readonly symbol: string;
    readonly quantity: Quantity;
    /** Base units (Wh or l) per unit as num/den, for energy and volume. */
    readonly base?: { readonly unit: 'Wh' | 'l'; readonly num: bigint; readonly den: bigint };
}

const U = (
    symbol: string,
    quantity: Quantity,
    base?: UnitInfo['base'],
): readonly [string, UnitInfo] => [symbol.toLowerCase(), Object.freeze({ symbol, quantity, base })];
const wh = (num: bigint, den = 1n): UnitInfo['base'] => ({ unit: 'Wh', num, den });
const litre = (num: bigint): UnitInfo['base'] => ({ unit: 'l', num, den: 1n });

const KNOWN: ReadonlyMap<string, UnitInfo> = new Map([
    U('Wh', 'energy', wh(1n)),
    U('kWh', 'energy', wh(1000n)),
    U('MWh', 'energy', wh(1_000_000n)),
    U('GWh', 'energy', wh(1_000_000_000n)),
    U('kJ', 'energy', wh(5n, 18n)), // 1 kJ = 1000/3600 Wh
    U('MJ', 'energy', wh(2500n, 9n)),
    U('GJ', 'energy', wh(2_500_000n, 9n)),
    U('l', 'volume', litre(1n)),
    U('m3', 'volume', litre(1000n)),
    U('m³', 'volume', litre(1000n)),
    U('W', 'power'),
    U('kW', 'power'),
    U('MW', 'power'),
    U('var', 'reactive-power'),
    U('kvar', 'reactive-power'),
    U('varh', 'reactive-energy'),
    U('kvarh', 'reactive-energy'),
    U('VA', 'apparent-power'),
    U('kVA', 'apparent-power'),
    U('VAh', 'apparent-energy'),
    U('kVAh', 'apparent-energy'),
    U('V', 'voltage'),
    U('A', 'current'),
    U('Hz', 'frequency'),
    U('°C', 'temperature'),
    U('C', 'temperature'),
    U('K', 'temperature'),
    U('m3/h', 'flow'),
    U('m3ph', 'flow'),
    U('l/h', 'flow'),
    U('h', 'time'),
    U('min', 'time'),
    U('s', 'time'),
]);

/**
 * The known unit of a unit text, case-insensitively, or undefined.
 * @example
 * unitInfo('KWH')?.symbol; // 'kWh'
 */
export function unitInfo(text: string | undefined): UnitInfo | undefined {
    return text === undefined ? undefined : KNOWN.get(text.trim().toLowerCase());
}

/**
 * An exact value in integer base units (Wh or l), rounded towards −∞, or undefined when the unit
 * is not billable.
 * @example
 * toBaseUnits({ digits: 1234567n, scale: 4 }, unitInfo('kWh')); // 123456n
 */
export function toBaseUnits(value: ExactDecimal, unit: UnitInfo | undefined): bigint | undefined {
    if (unit?.base === undefined) return undefined;
    const n = value.digits * unit.base.num;
    const den = 10n ** BigInt(value.scale) * unit.base.den;
    const q = n / den;
    return n < 0n && q * den !== n ? q - 1n : q;
}

const DLMS: Readonly<Record<number, string>> = {
    5: 'h',
    6: 'min',
    7: 's',
    9: '°C',
    13: 'm3',
    14: 'm3',
    15: 'm3/h',
    16: 'm3/h',
    27: 'W',
    28: 'VA',
    29: 'var',
    30: 'Wh',
    31: 'VAh',
    32: 'varh',
    33: 'A',
    35: 'V',
    44: 'Hz',
};

/**
 * Unit symbol of a DLMS/COSEM unit code (SML sends these), or `dlms:<code>` for codes without a
 * symbol here.
 * @example
 * dlmsUnit(30); // 'Wh'
 */
export function dlmsUnit(code: number): string {
    return DLMS[code] ?? `dlms:${code}`;
}
