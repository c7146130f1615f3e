// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources
 * Where a meter's readings come from: a `timestamp,value` CSV file (registers or interval
 * energies), or telegram formats listed in `registry.ts` (IEC 62056-21 D0, DSMR P1, SML 1.04),
 * each decoding a byte stream split anywhere into {@link MeterTelegram}s; `pipeline.ts` turns
 * them into interval energies. Amounts are integer Wh (`bigint`), or litres for volume registers.
 */

export { SourceError, CsvSourceError, D0Error, DsmrError, SmlError } from './errors.js';
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
export { crc16x25, crc16arc } from './crc16.js';
export { type ObisOptions, normaliseObis, obisChannel, parseObisSelector } from './obis.js';
export { type Quantity, type UnitInfo, unitInfo, toBaseUnits, dlmsUnit } from './units.js';
export {
    type MeterRegister,
    type MeterTelegram,
    type DecodeEvent,
    type TelegramDecoder,
    type DecoderOptions,
    type SerialSettings,
    type MeterFormat,
    decodeAll,
} from './telegram.js';
export {
    type RegisterSample,
    type IntervalOptions,
    sampleOf,
    intervalsFromSamples,
    IntervalBuilder,
} from './pipeline.js';
export { METER_FORMATS, meterFormat } from './registry.js';
export { type DsmrChannel, parseDsmr, dsmrFormat, dsmrTime, dsmrChannels } from './dsmr.js';
export { smlFormat, smlTelegram } from './smlstream.js';
export { type CsvSourceOptions, readCsvSource } from './csv.js';
export {
    type D0Value,
    type D0Record,
    type D0Telegram,
    type D0Options,
    parseD0,
    d0EnergyWh,
    d0ToMeterTelegram,
    d0Format,
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
    smlTimeMs,
} from './sml.js';
