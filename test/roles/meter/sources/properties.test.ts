// SPDX-License-Identifier: Apache-2.0
/**
 * Property tests and fuzzing of the meter input formats.
 *
 * - Round trip: any telegram the test writers produce (D0 in every variant, DSMR, SML) parses back
 *   to the values written.
 * - Streams: any concatenation of telegrams and noise, split at arbitrary byte boundaries, yields
 *   the same events as the whole stream at once.
 * - Fuzzing (≥ 10^5 inputs over all parsers): random bytes and mutated valid telegrams never make
 *   a parser throw anything but a `SourceError`, and a decoder never throws at all; a stream that
 *   never ends a telegram is cut at `maxBytes` (bounded memory).
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { periodSlots } from '../../../../src/contract/tariff/index.js';
import { readingsFromSource } from '../../../../src/roles/meter/ingest.js';
import {
    d0Format,
    decimalToString,
    dsmrFormat,
    parseD0,
    parseDsmr,
    SourceError,
    smlFormat,
    smlTelegram,
    type DecodeEvent,
    type MeterFormat,
} from '../../../../src/roles/meter/sources/index.js';
import { entry, i as int, meterFrame, octets, u } from './sml.helpers.js';
import { concat, dsmrStamp, splitAt, writeD0, writeDsmr, type DataSet } from './writers.js';

/** Runs per fuzz property; 4 parsers × 2 shapes × FUZZ_RUNS ≥ 10^5. */
const FUZZ_RUNS = 12_800;

const decimal = fc
    .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.integer({ min: 0, max: 6 }))
    .map(([d, scale]) => {
        const s = d.toString().padStart(scale + 1, '0');
        return scale === 0 ? s : `${s.slice(0, -scale)}.${s.slice(-scale)}`;
    });
const unit = fc.constantFrom('kWh', 'Wh', 'MWh', 'KWH', 'm3', 'kW', 'V', 'A', 'GJ');
const obisFull = fc
    .tuple(...Array.from({ length: 5 }, () => fc.integer({ min: 0, max: 255 })))
    .map(([a, b, c, d, e]) => `${a}-${b}:${c}.${d}.${e}*255`);
const obisShort = fc
    .tuple(
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 99 }),
        fc.integer({ min: 0, max: 9 }),
    )
    .map(([c, d, e]) => `${c}.${d}.${e}`);
const rawText = fc.string({
    unit: fc.constantFrom(...'ABCDEFXYZ0123456789 .-:&_'.split('')),
    maxLength: 40,
});
const dataSet: fc.Arbitrary<DataSet> = fc.record({
    address: fc.oneof(obisFull, obisShort),
    values: fc.array(fc.oneof(fc.record({ raw: decimal, unit }), fc.record({ raw: rawText })), {
        minLength: 1,
        maxLength: 3,
    }),
});
/** Noise that cannot start a telegram or be read as its ETX/BCC. */
const noise = fc
    .uint8Array({ maxLength: 20 })
    .map((b) => b.filter((x) => (x & 0x7f) !== 0x2f && (x & 0x7f) !== 0x03));
const d0Spec = fc.record({
    manufacturer: fc.constantFrom('ESY', 'ISk', 'LGZ', 'EBZ', 'HAG'),
    baud: fc.constantFrom('0', '5', 'A', '9'),
    enhancedId: fc.option(fc.constantFrom('2', '@'), { nil: undefined }),
    ident: fc.string({ unit: fc.constantFrom(...'ABCxyz0123 _.-'.split('')), maxLength: 30 }),
    sets: fc.array(dataSet, { minLength: 1, maxLength: 8 }),
    perLine: fc.integer({ min: 1, max: 3 }),
    stx: fc.boolean(),
    etxBcc: fc.boolean(),
    blankLine: fc.boolean(),
    lineEnd: fc.constantFrom('\r\n' as const, '\n' as const),
    parity: fc.boolean(),
    leading: noise.map((b) => [...b]),
    trailing: noise.map((b) => [...b]),
});

/** Events with adjacent noise merged (a split stream reports noise in pieces). */
function normalise(events: DecodeEvent[]): string[] {
    const out: string[] = [];
    let noiseBytes = 0;
    for (const e of events) {
        if (e.kind === 'noise') {
            noiseBytes += e.bytes;
            continue;
        }
        if (noiseBytes > 0) out.push(`noise ${noiseBytes}`);
        noiseBytes = 0;
        out.push(
            e.kind === 'telegram'
                ? JSON.stringify(e.telegram, (_k, v: unknown) =>
                      typeof v === 'bigint' ? v.toString() : v,
                  )
                : `rejected ${e.error.message}`,
        );
    }
    if (noiseBytes > 0) out.push(`noise ${noiseBytes}`);
    return out;
}

function decodeChunks(format: MeterFormat, chunks: Uint8Array[]): DecodeEvent[] {
    const d = format.decoder();
    return [...chunks.flatMap((c) => d.push(c)), ...d.end()];
}

describe('round trip: what the writers write parses back', () => {
    it('D0 in every variant', () => {
        fc.assert(
            fc.property(d0Spec, (spec) => {
                const t = parseD0(writeD0(spec));
                assert.equal(t.manufacturer, spec.manufacturer);
                assert.equal(t.identification, spec.ident);
                assert.equal(t.bcc, spec.stx && spec.etxBcc ? 'valid' : 'absent');
                assert.equal(t.parity, spec.parity ? '7E1' : 'none');
                assert.equal(t.noiseBytes, spec.leading.length + spec.trailing.length);
                const flat = spec.sets.map((s) => [
                    s.address,
                    s.values.map((v) => [v.raw, v.unit]),
                ]);
                assert.deepEqual(
                    t.records.map((r) => [r.address, r.values.map((v) => [v.raw, v.unit])]),
                    flat,
                );
            }),
            { numRuns: 300 },
        );
    });

    it('DSMR with times, tariff registers and M-Bus channels', () => {
        fc.assert(
            fc.property(
                fc.integer({ min: Date.UTC(2001, 0, 1), max: Date.UTC(2098, 11, 1) }),
                fc.array(
                    fc.record({
                        code: fc.constantFrom('1.8.1', '1.8.2', '2.8.1', '2.8.2', '1.7.0'),
                        value: decimal,
                        unit,
                    }),
                    { maxLength: 8 },
                ),
                fc.array(
                    fc.record({
                        channel: fc.integer({ min: 1, max: 4 }),
                        at: fc.integer({ min: 0, max: 3_600_000 }),
                        value: decimal,
                        unit: fc.constantFrom('m3', 'GJ'),
                    }),
                    { maxLength: 4 },
                ),
                fc.boolean(),
                fc.string({
                    unit: fc.constantFrom(...'0123456789ABCDEF'.split('')),
                    maxLength: 2048,
                }),
                (t0, regs, mbus, crc, message) => {
                    const time = Math.floor(t0 / 1000) * 1000;
                    const lines = [
                        `0-0:1.0.0(${dsmrStamp(time)})`,
                        ...regs.map((r) => `1-0:${r.code}(${r.value}*${r.unit})`),
                        `0-0:96.13.0(${message})`,
                        ...mbus.map(
                            (m) =>
                                `0-${m.channel}:24.2.1(${dsmrStamp(time - Math.floor(m.at / 1000) * 1000)})(${m.value}*${m.unit})`,
                        ),
                    ];
                    const t = parseDsmr(writeDsmr({ lines, crc }));
                    assert.equal(t.timeMs, time);
                    assert.equal(t.integrity, crc ? 'crc' : 'none');
                    const got = t.registers.slice(1);
                    regs.forEach((r, k) => {
                        assert.equal(got[k]?.obis, `1-0:${r.code}*255`);
                        assert.equal(got[k].raw, r.value);
                        assert.equal(got[k].unit, r.unit);
                    });
                    assert.equal(got[regs.length]?.raw, message);
                    mbus.forEach((m, k) => {
                        const r = got[regs.length + 1 + k];
                        assert.equal(r?.channel, m.channel);
                        assert.equal(r.timeMs, time - Math.floor(m.at / 1000) * 1000);
                        assert.equal(
                            r.value === undefined ? '' : decimalToString(r.value),
                            decimalToString({
                                digits: BigInt(m.value.replace('.', '')),
                                scale: m.value.split('.')[1]?.length ?? 0,
                            }),
                        );
                    });
                },
            ),
            { numRuns: 200 },
        );
    });

    it('SML values with scalers', () => {
        fc.assert(
            fc.property(
                fc.array(
                    fc.record({
                        v: fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
                        scaler: fc.integer({ min: -8, max: 8 }),
                        unit: fc.constantFrom(30, 27, 33),
                    }),
                    { minLength: 1, maxLength: 10 },
                ),
                (values) => {
                    const f = meterFrame(
                        values.map((x, k) =>
                            entry(`1-0:${k + 1}.8.0*255`, int(x.v, 8), x.unit, x.scaler),
                        ),
                    );
                    const t = smlTelegram(f);
                    values.forEach((x, k) => {
                        const r = t.registers[k];
                        assert.equal(r?.raw, x.v.toString());
                        const exact =
                            x.scaler >= 0
                                ? { digits: x.v * 10n ** BigInt(x.scaler), scale: 0 }
                                : { digits: x.v, scale: -x.scaler };
                        assert.equal(
                            r.value === undefined ? '' : decimalToString(r.value),
                            decimalToString(exact),
                        );
                    });
                },
            ),
            { numRuns: 200 },
        );
    });
});

describe('streams split anywhere give the same readings', () => {
    const cuts = fc.array(fc.nat({ max: 20_000 }), { maxLength: 40 });
    const d0Stream = fc
        .array(fc.tuple(d0Spec, fc.boolean()), { minLength: 1, maxLength: 4 })
        .map((xs) =>
            concat(...xs.map(([s, bad]) => writeD0({ ...s, badBcc: bad && s.stx && s.etxBcc }))),
        );
    const dsmrStream = fc
        .array(
            fc.tuple(
                fc.array(fc.tuple(fc.constantFrom('1.8.1', '1.8.2'), decimal), { maxLength: 4 }),
                fc.boolean(),
                noise,
            ),
            { minLength: 1, maxLength: 4 },
        )
        .map((xs) =>
            concat(
                ...xs.map(([regs, bad, n]) =>
                    concat(
                        n,
                        writeDsmr({
                            lines: regs.map(([c, v]) => `1-0:${c}(${v}*kWh)`),
                            badCrc: bad,
                        }),
                    ),
                ),
            ),
        );
    const smlStream = fc
        .array(
            fc.tuple(
                fc.array(fc.bigInt({ min: 0n, max: 2n ** 40n }), { minLength: 1, maxLength: 4 }),
                fc.uint8Array({ maxLength: 12 }),
            ),
            { minLength: 1, maxLength: 4 },
        )
        .map((xs) =>
            concat(
                ...xs.map(([vs, n]) =>
                    concat(n, meterFrame(vs.map((v) => entry('1-0:1.8.0*255', u(v, 8), 30, -1)))),
                ),
            ),
        );

    for (const [format, stream] of [
        [d0Format, d0Stream],
        [dsmrFormat, dsmrStream],
        [smlFormat, smlStream],
    ] as const) {
        it(format.name, () => {
            fc.assert(
                fc.property(stream, cuts, (bytes, at) => {
                    const whole = normalise(decodeChunks(format, [bytes]));
                    assert.ok(whole.some((e) => !e.startsWith('noise')));
                    assert.deepEqual(normalise(decodeChunks(format, splitAt(bytes, at))), whole);
                    assert.deepEqual(
                        normalise(
                            decodeChunks(
                                format,
                                [...bytes].map((b) => Uint8Array.of(b)),
                            ),
                        ),
                        whole,
                    );
                }),
                { numRuns: 60 },
            );
        });
    }
});

describe('fuzzing: no crash but typed errors, no hang, bounded memory', () => {
    const validD0 = writeD0({
        stx: true,
        sets: [
            { address: '1-0:1.8.0*255', values: [{ raw: '000123.456', unit: 'kWh' }] },
            { address: '9.4', values: [{ raw: '088', unit: 'C&082*C' }] },
        ],
    });
    const validP1 = writeDsmr({
        lines: [
            '0-0:1.0.0(240301120000W)',
            '1-0:1.8.1(000123.456*kWh)',
            '0-1:24.3.0(090212160000)(00)(60)(1)(0-1:24.2.1)(m3)',
            '(00001.001)',
            '0-1:24.2.1(240301115500W)(01234.567*m3)',
        ],
    });
    const validSml = meterFrame([
        entry('1-0:1.8.0*255', u(123_456, 4), 30, -1),
        entry('1-0:96.1.0*255', octets('x')),
    ]);
    /** A valid telegram with bytes flipped, inserted, deleted and the end cut. */
    const mutated = (base: Uint8Array): fc.Arbitrary<Uint8Array> =>
        fc
            .tuple(
                fc.array(
                    fc.tuple(
                        fc.nat(),
                        fc.integer({ min: 0, max: 255 }),
                        fc.constantFrom('set', 'insert', 'delete'),
                    ),
                    { minLength: 1, maxLength: 6 },
                ),
                fc.nat(),
            )
            .map(([edits, cut]) => {
                const b = [...base];
                for (const [pos, byte, op] of edits) {
                    const p = pos % (b.length + 1);
                    if (op === 'set' && p < b.length) b[p] = byte;
                    else if (op === 'insert') b.splice(p, 0, byte);
                    else b.splice(p, 1);
                }
                return Uint8Array.from(cut % 4 === 0 ? b.slice(0, cut % (b.length + 1)) : b);
            });
    const typed = (f: () => unknown): boolean => {
        try {
            f();
        } catch (e) {
            if (!(e instanceof SourceError)) throw e;
        }
        return true;
    };
    const bp = periodSlots('2024-03');
    const parsers: [string, Uint8Array, (b: Uint8Array) => unknown][] = [
        ['D0', validD0, (b) => parseD0(b)],
        ['DSMR', validP1, (b) => parseDsmr(b)],
        ['SML', validSml, (b) => smlTelegram(b)],
        ['DSMR capture ingest', validP1, (b) => readingsFromSource(b, 'dsmr', bp)],
    ];
    for (const [name, valid, parse] of parsers) {
        it(`${name}: random bytes and mutated telegrams`, () => {
            fc.assert(
                fc.property(fc.uint8Array({ maxLength: 200 }), (b) => typed(() => parse(b))),
                { numRuns: FUZZ_RUNS },
            );
            fc.assert(
                fc.property(mutated(valid), (b) => typed(() => parse(b))),
                { numRuns: FUZZ_RUNS },
            );
        });
    }

    it('decoders never throw, whatever the chunks', () => {
        for (const f of [d0Format, dsmrFormat, smlFormat]) {
            fc.assert(
                fc.property(
                    fc.array(
                        fc.oneof(
                            fc.uint8Array({ maxLength: 64 }),
                            mutated(validD0),
                            mutated(validP1),
                            mutated(validSml),
                        ),
                        { maxLength: 6 },
                    ),
                    (chunks) => {
                        const events = decodeChunks(f, chunks);
                        return events.every(
                            (e) => e.kind !== 'rejected' || e.error instanceof SourceError,
                        );
                    },
                ),
                { numRuns: 2000 },
            );
        }
    });

    it('a telegram that never ends is cut at maxBytes; noise is not kept', () => {
        for (const f of [d0Format, dsmrFormat, smlFormat]) {
            const d = f.decoder({ maxBytes: 4096 });
            const start =
                f.name === 'sml'
                    ? Uint8Array.of(0x1b, 0x1b, 0x1b, 0x1b, 1, 1, 1, 1)
                    : new TextEncoder().encode('/ESY5x\r\n');
            const events = [...d.push(start)];
            const chunk = new Uint8Array(1024).fill(0x41);
            for (let k = 0; k < 1024; k++) events.push(...d.push(chunk)); // 1 MiB
            const rejected = events.filter((e) => e.kind === 'rejected');
            assert.ok(rejected.length >= 1, f.name);
            assert.match(
                rejected[0]?.kind === 'rejected' ? rejected[0].error.message : '',
                /within 4096 bytes/,
            );
            const noise = events.reduce((n, e) => n + (e.kind === 'noise' ? e.bytes : 0), 0);
            assert.ok(noise > 1024 * 1024 - 8192, `${f.name}: ${noise} noise bytes reported`);
        }
    });
});
