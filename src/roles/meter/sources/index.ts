// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources
 * Where a meter's readings come from: a `timestamp,value` CSV file (registers or interval
 * energies), IEC 62056-21 D0 telegrams, SML 1.04 frames. Sources read `string`/`Uint8Array`; a
 * serial-port reader can feed them later. All amounts are integer Wh (`bigint`).
 */

export { SourceError, CsvSourceError, D0Error, SmlError } from './errors.js';
export {
    type ExactDecimal,
    ENERGY_UNITS,
    MAX_DECIMAL_DIGITS,
    parseDecimal,
    scaledDecimal,
    decimalToString,
    compareDecimal,
    floorWh,
    isWholeWh,
} from './decimal.js';
export { type IntervalEnergy, type SlotEnergy, assignSlots } from './types.js';
export { crc16x25 } from './crc16.js';
export { type CsvSourceOptions, readCsvSource } from './csv.js';
export {
    type D0Value,
    type D0Record,
    type D0Telegram,
    type D0Options,
    parseD0,
    d0EnergyWh,
} from './d0.js';
export {
    type SmlNode,
    type SmlMessage,
    type SmlReading,
    type SmlOptions,
    SML_UNIT_WH,
    SML_GET_LIST_RESPONSE,
    unframeSml,
    parseSmlPayload,
    smlReadings,
    smlEnergyWh,
    obisToString,
} from './sml.js';
