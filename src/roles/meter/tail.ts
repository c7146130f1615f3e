// SPDX-License-Identifier: Apache-2.0
/**
 * @module roles/meter/tail
 * A growing source of meter lines: one file that is appended to, or a folder new files land in
 * (taken in name order; a file is finished once a later one exists). {@link SourceTail.read} hands
 * out the complete lines past the cursor; the caller decides how many it consumed and the cursor
 * moves by exactly those bytes. The cursor is a plain value the caller persists.
 */
import { closeSync, existsSync, openSync, readSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RoleError } from '../errors.js';

/** Where reading resumes: a file (its name inside a folder source) and a byte offset. */
export interface TailCursor {
    readonly file: string;
    readonly offset: number;
}

/** Lines handed out by {@link SourceTail.read}. */
export interface TailChunk {
    /** The file the lines come from (name inside a folder, else the path). */
    readonly file: string;
    /** Complete lines (without their end of line), in order. */
    readonly lines: readonly string[];
    /** Cursor after the first `n` lines. */
    readonly cursorAfter: (n: number) => TailCursor;
    /** True when the file is finished (a later file exists in the folder). */
    readonly fileDone: boolean;
}

/** Largest number of bytes read per call. */
const MAX_CHUNK = 4 * 1024 * 1024;

export class SourceTail {
    readonly #path: string;
    readonly #folder: boolean;

    /** @throws {RoleError} `SOURCE_MISSING` when the path does not exist. */
    constructor(path: string) {
        if (!existsSync(path))
            throw new RoleError(
                'SOURCE_MISSING',
                `${path} does not exist; create the file (or folder) the meter's readings are written to`,
            );
        this.#path = path;
        this.#folder = statSync(path).isDirectory();
    }

    get isFolder(): boolean {
        return this.#folder;
    }

    /** The first cursor: the start of the file, or of the folder's first file. */
    start(): TailCursor {
        return { file: this.#folder ? (this.#files()[0] ?? '') : this.#path, offset: 0 };
    }

    #files(): string[] {
        return readdirSync(this.#path, { withFileTypes: true })
            .filter((e) => e.isFile() && !e.name.startsWith('.'))
            .map((e) => e.name)
            .sort();
    }

    /**
     * The complete lines past `cursor` (at most about 4 MiB). In a folder, a finished file's
     * unterminated last line counts as complete, and a finished file read to its end moves the
     * cursor to the next file (an empty chunk with that cursor).
     */
    read(cursor: TailCursor): TailChunk {
        let file = cursor.file;
        if (this.#folder && file === '') file = this.#files()[0] ?? '';
        if (file === '') return empty(cursor);
        const path = this.#folder ? join(this.#path, file) : this.#path;
        const later = this.#folder ? this.#files().filter((f) => f > file) : [];
        const fileDone = later.length > 0;
        let size: number;
        try {
            size = statSync(path).size;
        } catch {
            throw new RoleError(
                'SOURCE_MISSING',
                `${path} disappeared; the meter source must not be removed while the agent runs`,
            );
        }
        if (size < cursor.offset)
            throw new RoleError(
                'SOURCE_TRUNCATED',
                `${path} shrank below the agent's cursor (${cursor.offset} bytes): a source is only appended to; move the old file away and start a new one in a folder source`,
            );
        if (size === cursor.offset) {
            const next = later[0];
            return fileDone && next !== undefined
                ? { ...empty({ file: next, offset: 0 }), file: next }
                : { ...empty({ file, offset: cursor.offset }), file };
        }
        const len = Math.min(size - cursor.offset, MAX_CHUNK);
        const buf = Buffer.alloc(len);
        const fd = openSync(path, 'r');
        try {
            readSync(fd, buf, 0, len, cursor.offset);
        } finally {
            closeSync(fd);
        }
        const whole = fileDone && cursor.offset + len === size;
        let end = buf.lastIndexOf(0x0a) + 1;
        if (whole) end = len;
        const text = buf.subarray(0, end).toString('utf8');
        const lines = text.split('\n');
        if (lines.at(-1) === '') lines.pop();
        // byte offset after each line, for the cursor
        const after: number[] = [];
        let pos = cursor.offset;
        for (const l of lines) {
            pos += Buffer.byteLength(l, 'utf8') + 1;
            after.push(Math.min(pos, cursor.offset + end));
        }
        return {
            file,
            lines: lines.map((l) => l.replace(/\r$/, '')),
            fileDone: whole,
            cursorAfter: (n) => {
                if (n <= 0) return { file, offset: cursor.offset };
                const off = after[Math.min(n, after.length) - 1] ?? cursor.offset;
                const next = later[0];
                return whole && n >= lines.length && next !== undefined
                    ? { file: next, offset: 0 }
                    : { file, offset: off };
            },
        };
    }
}

function empty(c: TailCursor): TailChunk {
    return { file: c.file, lines: [], fileDone: false, cursorAfter: () => c };
}
