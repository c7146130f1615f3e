// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/sources/errors
 * Typed errors of the meter's reading sources. Each names where the input went wrong (a line of a
 * CSV file or D0 telegram, a byte offset of an SML frame) and says what to do. A source that
 * throws returns nothing: no partial result ever leaves a parser.
 */

/** Base class of every reading-source error. */
export class SourceError extends Error {
    /** Stable machine-readable code, e.g. `SOURCE_CSV`. */
    readonly code: string;
    constructor(code: string, message: string, options?: { cause?: unknown }) {
        super(message, options);
        this.name = new.target.name;
        this.code = code;
    }
}

/** A CSV reading file that cannot be read. */
export class CsvSourceError extends SourceError {
    /** 1-based line number. */
    readonly line: number;
    constructor(line: number, reason: string) {
        super('SOURCE_CSV', `readings CSV, line ${line}: ${reason}`);
        this.line = line;
    }
}

/** An IEC 62056-21 (D0) telegram that does not parse, or lacks the asked-for value. */
export class D0Error extends SourceError {
    /** 1-based line of the telegram, when the error is about one. */
    readonly line: number | undefined;
    constructor(reason: string, line?: number) {
        super(
            'SOURCE_D0',
            line === undefined ? `D0 telegram: ${reason}` : `D0 telegram, line ${line}: ${reason}`,
        );
        this.line = line;
    }
}

/** An SML frame that does not parse or verify, or lacks the asked-for value. */
export class SmlError extends SourceError {
    /** Byte offset in the frame (transport errors) or in the unescaped payload (message errors). */
    readonly offset: number | undefined;
    constructor(reason: string, offset?: number) {
        super(
            'SOURCE_SML',
            offset === undefined ? `SML: ${reason}` : `SML, byte ${offset}: ${reason}`,
        );
        this.offset = offset;
    }
}

/** A DSMR P1 telegram that does not parse or whose CRC does not match. */
export class DsmrError extends SourceError {
    /** 1-based line of the telegram, when the error is about one. */
    readonly line: number | undefined;
    constructor(reason: string, line?: number) {
        super(
            'SOURCE_DSMR',
            line === undefined ? `P1 telegram: ${reason}` : `P1 telegram, line ${line}: ${reason}`,
        );
        this.line = line;
    }
}
