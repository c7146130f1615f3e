// SPDX-License-Identifier: Apache-2.0
/**
 * Tests of the live reader over an in-memory serial line: D0 mode C handshake (request, ACK,
 * baud-rate change-over, capped rate, refusals), push telegrams through the pipeline to closed
 * slots, telegrams whose register cannot be read reported without stopping the reader.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
    d0ModeCBaud,
    d0ModeCRequest,
    readLive,
    type LiveEvent,
    type SerialLine,
} from '../../../../src/roles/meter/live.js';
import {
    dsmrFormat,
    parseObisSelector,
    SourceError,
} from '../../../../src/roles/meter/sources/index.js';
import { dsmrStamp, text, writeDsmr } from './writers.js';

/** A line whose far end answers each write with `reply(written)`. */
function fakeLine(reply: (written: string) => Uint8Array[], initial: Uint8Array[] = []) {
    const inbox: Uint8Array[] = [...initial];
    const log: string[] = [];
    const line: SerialLine = {
        read: (timeoutMs) =>
            inbox.length > 0
                ? Promise.resolve(inbox.shift())
                : new Promise((r) =>
                      setTimeout(
                          () => {
                              r(inbox.shift() ?? (closed ? undefined : new Uint8Array(0)));
                          },
                          Math.min(timeoutMs, 5),
                      ),
                  ),
        write: (b) => {
            const s = String.fromCharCode(...b);
            log.push(s);
            inbox.push(...reply(s));
            return Promise.resolve();
        },
        setBaudRate: (n) => {
            log.push(`baud ${n}`);
            return Promise.resolve();
        },
        close: () => Promise.resolve(),
    };
    let closed = false;
    return { line, log, inbox, close: () => (closed = true) };
}

const refused = async (p: Promise<unknown>, pattern: RegExp): Promise<void> => {
    await assert.rejects(p, (e: unknown) => {
        assert.ok(e instanceof SourceError);
        assert.equal(e.code, 'SOURCE_SERIAL');
        assert.match(e.message, pattern);
        return true;
    });
};

describe('D0 mode C handshake', () => {
    it('maps baud-rate characters', () => {
        assert.deepEqual(['0', '1', '5', '6', 'A', 'E', '9'].map(d0ModeCBaud), [
            300,
            600,
            9600,
            19200,
            undefined,
            undefined,
            undefined,
        ]);
    });

    it('requests, acknowledges and changes over; caps the rate; modes A/B without ACK', async () => {
        const f = fakeLine((w) => (w === '/?12345678!\r\n' ? [text('/ISk6MT174-0001\r\n')] : []));
        const ident = await d0ModeCRequest(f.line, { address: '12345678', maxBaud: 9600 });
        assert.equal(String.fromCharCode(...ident), '/ISk6MT174-0001\r\n');
        assert.deepEqual(f.log, ['/?12345678!\r\n', '\x06050\r\n', 'baud 9600']);
        const b = fakeLine(() => [text('/ABBA'), text('ident\r\n')]);
        await d0ModeCRequest(b.line);
        assert.deepEqual(b.log, ['/?!\r\n']); // mode B: no acknowledgement, no change-over here
    });

    it('refuses no answer, a non-identification answer, a bad address', async () => {
        await refused(
            d0ModeCRequest(fakeLine(() => []).line, { timeoutMs: 30 }),
            /no identification from the meter after the request "\/\?!": check the optical head position/,
        );
        await refused(
            d0ModeCRequest(fakeLine(() => [text('garbage\r\n')]).line),
            /the answer to "\/\?!" is not an identification line: "garbage\\r\\n"/,
        );
        await refused(
            d0ModeCRequest(fakeLine(() => [new Uint8Array(200).fill(0x41)]).line),
            /the answer to "\/\?!" is not an identification line$/,
        );
        await refused(
            d0ModeCRequest(fakeLine(() => []).line, { address: 'a!b' }),
            /a D0 device address is at most 32 letters, digits or spaces/,
        );
    });
});

describe('readLive', () => {
    it('pushes telegrams through the pipeline to closed slots; unreadable registers are reported', async () => {
        const t0 = Date.UTC(2024, 2, 1, 10, 0);
        const p1 = (k: number, wh: number, extra = true): Uint8Array =>
            writeDsmr({
                lines: [
                    `0-0:1.0.0(${dsmrStamp(t0 + k * 900_000)})`,
                    `1-0:1.8.1(${(wh / 1000).toFixed(3)}*kWh)`,
                    ...(extra ? ['1-0:1.8.2(0.000*kWh)'] : []),
                ],
            });
        const f = fakeLine(() => [], [p1(0, 1000), p1(1, 1100, false), p1(1, 1200), p1(2, 1500)]);
        const events: LiveEvent[] = [];
        for await (const e of readLive({
            line: f.line,
            format: dsmrFormat,
            obis: parseObisSelector(dsmrFormat.defaultObis),
            maxTelegrams: 4,
        }))
            events.push(e);
        const summary = events.map((e) =>
            e.kind === 'slots'
                ? e.slots.map((s) => `slot ${(s.startMs - t0) / 60_000} ${s.wh}`).join(', ')
                : e.event.kind === 'telegram'
                  ? (e.sampleError?.message ?? `sample ${e.sample?.amount}`)
                  : e.event.kind,
        );
        assert.deepEqual(summary, [
            'sample 1000',
            'no register 1-0:1.8.2*255 in the telegram; it has 1-0:1.8.1*255 (choose with --obis, add several with "+")',
            'sample 1200',
            'sample 1500',
            'slot 0 200', // closed by the sample after its end boundary
            'slot 15 300', // closed when the reader stops
        ]);
    });

    it('stops when the line closes or the signal aborts', async () => {
        const f = fakeLine(() => []);
        f.close();
        const events: LiveEvent[] = [];
        for await (const e of readLive({
            line: f.line,
            format: dsmrFormat,
            obis: ['1-0:1.8.1*255'],
        }))
            events.push(e);
        assert.deepEqual(events, []);
        const more: LiveEvent[] = [];
        const g = fakeLine(() => []);
        const stop = new AbortController();
        stop.abort();
        for await (const e of readLive({
            line: g.line,
            format: dsmrFormat,
            obis: ['1-0:1.8.1*255'],
            signal: stop.signal,
        }))
            more.push(e);
        assert.deepEqual(more, []);
    });
});
