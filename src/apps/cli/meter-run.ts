// SPDX-License-Identifier: Apache-2.0
/**
 * `femeter meter run`: reads a live meter on a serial line and prints one JSON line per telegram,
 * refused telegram, skipped noise and closed slot; with a recorder (`--meter ID`), closed slots are
 * also encrypted, signed and recorded by the meter agent.
 */

import { openSerialLine, readLive } from '../../roles/meter/live.js';
import {
    meterFormat,
    parseObisSelector,
    type IntervalEnergy,
} from '../../roles/meter/sources/index.js';

/** Options of {@link meterRun} as the CLI parses them. */
export interface MeterRunArgs {
    readonly serial?: string | undefined;
    readonly format?: string | undefined;
    readonly baud?: string | undefined;
    readonly obis?: string | undefined;
    readonly medium?: string | undefined;
    readonly count?: string | undefined;
    readonly 'd0-request'?: boolean | undefined;
    readonly 'poll-seconds'?: string | undefined;
    readonly 'interval-minutes'?: string | undefined;
}

const line = (v: unknown): string =>
    JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? x.toString() : x));
const iso = (ms: number | undefined): string | null =>
    ms === undefined ? null : new Date(ms).toISOString();

function positiveInt(name: string, v: string | undefined): number | undefined {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
}

/** `--medium`: an OBIS medium 0–255, or undefined. */
export function parseMedium(v: string | undefined): number | undefined {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!/^\d{1,3}$/.test(v) || n > 255)
        throw new Error(
            '--medium must be an OBIS medium 0..255 (1 electricity, 6 heat, 7 gas, 8 water)',
        );
    return n;
}

/**
 * Runs the live reader until the port closes, `--count` telegrams were read, or SIGINT/SIGTERM.
 * @param record - called with each batch of closed slots (`--meter`).
 */
export async function meterRun(
    args: MeterRunArgs,
    record?: (slots: readonly IntervalEnergy[]) => Promise<void>,
): Promise<number> {
    if (args.serial === undefined || args.format === undefined)
        throw new Error(
            'usage: femeter meter run --serial /dev/ttyUSB0 --format d0|dsmr|sml [--baud N] [--d0-request]',
        );
    const format = meterFormat(args.format);
    const medium = parseMedium(args.medium);
    const obis = parseObisSelector(args.obis ?? format.defaultObis, { medium });
    const d0Request = args['d0-request'] === true;
    if (d0Request && format.name !== 'd0')
        throw new Error('--d0-request is for --format d0 (IEC 62056-21 mode C)');
    const baudRate = positiveInt('baud', args.baud) ?? (d0Request ? 300 : format.serial.baudRate);
    const serialLine = await openSerialLine(args.serial, { ...format.serial, baudRate });
    console.log(
        line({ listening: args.serial, format: format.name, baud: baudRate, obis: obis.join('+') }),
    );
    return untilSignal(async (signal) => {
        try {
            for await (const ev of readLive({
                line: serialLine,
                format,
                obis,
                medium,
                intervalMinutes: positiveInt('interval-minutes', args['interval-minutes']),
                d0Request,
                pollMs: (positiveInt('poll-seconds', args['poll-seconds']) ?? 60) * 1000,
                maxTelegrams: positiveInt('count', args.count),
                signal,
            })) {
                if (ev.kind === 'slots') {
                    for (const s of ev.slots)
                        console.log(
                            line({
                                slot: iso(s.startMs),
                                wh: s.wh,
                                catchUp: s.catchUp,
                                powerLoss: s.powerLoss,
                            }),
                        );
                    if (record !== undefined) await record(ev.slots);
                    continue;
                }
                const e = ev.event;
                if (e.kind === 'noise') console.log(line({ noise: e.bytes }));
                else if (e.kind === 'rejected') console.log(line({ rejected: e.error.message }));
                else
                    console.log(
                        line({
                            telegram: e.telegram.identification,
                            received: iso(ev.receivedMs),
                            time: iso(ev.sample?.timeMs),
                            integrity: e.telegram.integrity,
                            obis: obis.join('+'),
                            value: ev.sample?.amount,
                            unit: ev.sample?.baseUnit,
                            error: ev.sampleError?.message,
                        }),
                    );
            }
        } finally {
            await serialLine.close();
        }
        return 0;
    });
}

/**
 * Run `fn` with a signal that SIGINT or SIGTERM aborts (the CLI's long-lived commands stop after
 * their current step); the handlers are removed when `fn` ends.
 */
export async function untilSignal<T>(fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const stop = new AbortController();
    const onSignal = (): void => {
        stop.abort();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
        return await fn(stop.signal);
    } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
    }
}
