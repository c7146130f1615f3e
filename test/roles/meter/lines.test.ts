// SPDX-License-Identifier: Apache-2.0
/**
 * The meter agent's line sources: lines decoded in pieces (with the carry) give exactly what the
 * whole file gives; malformed lines are rejected alone; a register that goes down stops the input.
 * The tail hands out complete lines of a growing file and walks a folder in name order.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { decodeLines } from '../../../src/roles/meter/lines.js';
import { samplesFromLog } from '../../../src/roles/meter/ingest.js';
import {
    intervalsFromSamples,
    meterFormat,
    readCsvSource,
    SourceError,
    type IntervalEnergy,
} from '../../../src/roles/meter/sources/index.js';
import { SourceTail, type TailCursor } from '../../../src/roles/meter/tail.js';

const T0 = Date.UTC(2024, 2, 1);
const iso = (ms: number): string => new Date(ms).toISOString();
const tele = (wh: number): string =>
    ['/ESY5Q3DA1024 V3.03', '', `1-0:1.8.0*255(${(wh / 1000).toFixed(3)}*kWh)`, '!'].join('\r\n') +
    '\r\n';

/** Feed `lines` in pieces of the given sizes; each call sees the lines it did not consume. */
function inPieces(kind: string, lines: string[], sizes: number[], unit: 'Wh' | 'kWh' = 'Wh') {
    const out: IntervalEnergy[] = [];
    let carry: string | undefined;
    let rest: string[] = [];
    let i = 0;
    for (const n of [...sizes, lines.length]) {
        const chunk = [...rest, ...lines.slice(i, i + n)];
        i += n;
        const r = decodeLines(kind, chunk, carry, { intervalMinutes: 15, unit });
        out.push(...r.energies);
        carry = r.carry;
        rest = chunk.slice(r.consumed);
        if (i >= lines.length && rest.length === chunk.length) break;
    }
    return out;
}

describe('decodeLines', () => {
    it('a D0 log with samples every 4 minutes, in pieces, equals the whole log', () => {
        const lines: string[] = [];
        let wh = 1_000_000;
        for (let t = T0 + 60_000; t <= T0 + 6 * 3_600_000; t += 4 * 60_000) {
            wh += (t / 60_000) % 7;
            lines.push(JSON.stringify({ t: iso(t), d0: tele(wh) }));
        }
        const whole = intervalsFromSamples(
            samplesFromLog(lines.join('\n'), meterFormat('d0'), ['1-0:1.8.0*255'], {}),
            { intervalMinutes: 15 },
        );
        // a sample of a later boundary releases the whole log's last boundary
        const sentinel = JSON.stringify({ t: iso(T0 + 7 * 3_600_000), d0: tele(wh + 5) });
        for (const sizes of [[1], [3, 5, 7], [40, 1, 1, 2], [1000]])
            assert.deepEqual(inPieces('d0-log', [...lines, sentinel], sizes), whole);
    });

    it('csv-register in pieces equals the whole file; kWh floors alike', () => {
        const rows = ['timestamp,value'];
        for (let i = 0; i < 40; i++)
            rows.push(`${iso(T0 + i * 900_000)},${(12.3456 + i * 0.0371).toFixed(4)}`);
        const whole = readCsvSource(rows.join('\n') + '\n', { mode: 'register', unit: 'kWh' });
        for (const sizes of [[1], [2, 9], [17, 3]])
            assert.deepEqual(inPieces('csv-register', rows, sizes, 'kWh'), whole);
    });

    it('rejects a malformed line alone and stops on a register that goes down', () => {
        const r = decodeLines(
            'csv-interval',
            ['timestamp,value', `${iso(T0)},5`, 'garbage', `${iso(T0 + 1_800_000)},7`],
            undefined,
            { intervalMinutes: 15 },
        );
        assert.deepEqual(
            r.energies.map((e) => e.wh),
            [5n, 7n],
        );
        assert.deepEqual(
            r.rejected.map((x) => x.index),
            [2],
        );
        assert.equal(r.consumed, 4);
        assert.throws(
            () =>
                decodeLines('csv-register', [`${iso(T0 + 900_000)},90`], `${iso(T0)},100`, {
                    intervalMinutes: 15,
                }),
            (e: unknown) => e instanceof SourceError && e.message.includes('register decreased'),
        );
        assert.throws(
            () => decodeLines('d0', [], undefined, { intervalMinutes: 15 }),
            /not a line source/,
        );
    });
});

describe('SourceTail', () => {
    const dir = mkdtempSync(join(tmpdir(), 'femeter-tail-'));
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('hands out complete lines of a growing file and refuses a shrunk one', () => {
        const f = join(dir, 'feed.csv');
        writeFileSync(f, 'a\nbé\nc');
        const tail = new SourceTail(f);
        let c: TailCursor = tail.start();
        let chunk = tail.read(c);
        assert.deepEqual(chunk.lines, ['a', 'bé']);
        c = chunk.cursorAfter(1);
        chunk = tail.read(c);
        assert.deepEqual(chunk.lines, ['bé']);
        c = chunk.cursorAfter(1);
        appendFileSync(f, 'd\r\n');
        assert.deepEqual(tail.read(c).lines, ['cd']);
        writeFileSync(f, 'x\n');
        assert.throws(() => tail.read(c), /shrank below the agent's cursor/);
        assert.throws(() => new SourceTail(join(dir, 'none')), /does not exist/);
    });

    it('walks a folder in name order; a finished file ends at its last byte', () => {
        const folder = join(dir, 'in');
        mkdirSync(folder);
        const tail = new SourceTail(folder);
        assert.equal(tail.isFolder, true);
        assert.deepEqual(tail.read(tail.start()).lines, []);
        writeFileSync(join(folder, '2024-03-02.csv'), 'c\nd');
        writeFileSync(join(folder, '.hidden'), 'x\n');
        let c = tail.start();
        assert.equal(c.file, '2024-03-02.csv');
        let chunk = tail.read(c);
        assert.deepEqual(chunk.lines, ['c']); // the last file may still grow
        writeFileSync(join(folder, '2024-03-03.csv'), 'e\n');
        chunk = tail.read(c);
        assert.deepEqual(chunk.lines, ['c', 'd']); // finished: a later file exists
        c = chunk.cursorAfter(2);
        assert.deepEqual(c, { file: '2024-03-03.csv', offset: 0 });
        chunk = tail.read(c);
        assert.deepEqual(chunk.lines, ['e']);
        assert.deepEqual(chunk.cursorAfter(1), { file: '2024-03-03.csv', offset: 2 });
    });
});
