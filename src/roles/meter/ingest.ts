// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/ingest
 * Readings from real sources for the meter agent: a `timestamp,value` CSV (registers or interval
 * energies) or a log of smart-meter telegrams — IEC 62056-21 / D0 text or SML binary — one per line
 * as JSON `{ "t": "<ISO 8601 with offset>", "d0": "<telegram text>" }` or `{ "t": …, "sml": "<hex>" }`.
 * Telegrams carry the cumulative register (OBIS 1-0:1.8.0 by default); consecutive telegrams become
 * register deltas per slot exactly as a register CSV does (power loss → 0 Wh slots flagged as
 * substitutes, the delta booked in the first slot after, flagged catch-up).
 * Everything is parsed and validated before anything is recorded: a bad line refuses the whole input.
 */
import { STATUS } from '../../contract/signing.js';
import type { BillingPeriod } from '../../contract/tariff/index.js';
import {
    assignSlots,
    d0EnergyWh,
    parseD0,
    readCsvSource,
    smlEnergyWh,
    smlReadings,
    SourceError,
    type IntervalEnergy,
} from './sources/index.js';

/** A slot value ready for {@link MeterAgent.record}. */
export interface SlotReading {
    readonly slot: number;
    readonly value: bigint;
    readonly status: number;
}

export type SourceKind = 'csv-register' | 'csv-interval' | 'd0-log' | 'sml-log';

/** Largest input accepted (bytes). */
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

function telegramLogToRegisterCsv(text: string, kind: 'd0-log' | 'sml-log', obis: string): string {
    const rows = ['timestamp,value'];
    text.split('\n').forEach((line, i) => {
        if (line.trim() === '') return;
        let o: { t?: unknown; d0?: unknown; sml?: unknown };
        try {
            o = JSON.parse(line) as typeof o;
        } catch {
            throw new SourceError('SOURCE_LOG', `line ${i + 1}: not JSON`);
        }
        if (typeof o.t !== 'string')
            throw new SourceError('SOURCE_LOG', `line ${i + 1}: missing "t" timestamp`);
        let wh: bigint;
        try {
            if (kind === 'd0-log') {
                if (typeof o.d0 !== 'string')
                    throw new SourceError('SOURCE_LOG', 'missing "d0" telegram');
                wh = d0EnergyWh(parseD0(o.d0), obis);
            } else {
                if (typeof o.sml !== 'string' || !/^([0-9a-fA-F]{2})+$/.test(o.sml))
                    throw new SourceError('SOURCE_LOG', 'missing or non-hex "sml" telegram');
                wh = smlEnergyWh(
                    smlReadings(
                        Uint8Array.from((o.sml.match(/../g) ?? []).map((h) => parseInt(h, 16))),
                    ),
                    obis,
                );
            }
        } catch (e) {
            throw new SourceError('SOURCE_LOG', `line ${i + 1}: ${(e as Error).message}`);
        }
        rows.push(`${o.t},${wh}`);
    });
    return rows.join('\n') + '\n';
}

/**
 * Parse a source into the slots of one billing period.
 * @throws SourceError naming the line of the first problem; nothing is returned on error.
 */
export function readingsFromSource(
    input: string,
    kind: SourceKind,
    period: BillingPeriod,
    opts: { unit?: 'Wh' | 'kWh'; obis?: string } = {},
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
        energies = readCsvSource(
            telegramLogToRegisterCsv(input, kind, opts.obis ?? '1-0:1.8.0*255'),
            { mode: 'register', intervalMinutes: period.intervalMinutes },
        );
    }
    return assignSlots(energies, period).map((e) => ({
        slot: e.slot,
        value: e.wh,
        status: (e.catchUp ? STATUS.catchUp : 0) | (e.powerLoss ? STATUS.substitute : 0),
    }));
}
