// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/registry
 * The meter input formats femeter reads. A new format is one file exporting a {@link MeterFormat}
 * and one line here; the CLI (`--format`, `--kind <name>` / `<name>-log`) and the ingest pipeline
 * derive their choices from this list.
 */

import { d0Format } from './d0.js';
import { dsmrFormat } from './dsmr.js';
import { smlFormat } from './smlstream.js';
import { SourceError } from './errors.js';
import type { MeterFormat } from './telegram.js';

/** Every telegram format, by name. */
export const METER_FORMATS: Readonly<Record<string, MeterFormat>> = Object.freeze({
    d0: d0Format,
    dsmr: dsmrFormat,
    sml: smlFormat,
});

/**
 * The format of a name.
 * @throws {SourceError} `SOURCE_FORMAT` naming the known formats.
 */
export function meterFormat(name: string): MeterFormat {
    const f = Object.hasOwn(METER_FORMATS, name) ? METER_FORMATS[name] : undefined;
    if (f === undefined)
        throw new SourceError(
            'SOURCE_FORMAT',
            `unknown meter format ${JSON.stringify(name)}; known: ${Object.keys(METER_FORMATS).join(', ')}`,
        );
    return f;
}
