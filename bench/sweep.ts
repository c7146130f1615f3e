// SPDX-License-Identifier: Apache-2.0
/**
 * @module bench/sweep
 * `npm run bench:sweep -- --out bench-results/sweep` — issue 11's sweep: meters × readings per
 * transaction × engine, each femeter cell beside its baseline measured right after it in the same
 * run, written to `<out>.json` and plotted beside it:
 *
 * - `<out>-embedded.svg`, `<out>-fabric.svg`: readings/s (log) against readings per transaction
 *   (log), one line per meter count, femeter solid, its baseline dashed in the same colour;
 * - `<out>-bytes.svg`: bytes on disk per stored reading against readings per transaction, femeter
 *   solid, baseline dashed, one colour per engine, at the largest meter count (embedded: everything,
 *   compacted; Fabric: one peer's block files, which are exact — a running peer's state and history
 *   LevelDBs grow and shrink with their compactions, so their share is in the JSON, not drawn);
 * - `<out>-fabric-run.json`: bench:fabric's own JSON of the Fabric cells (per cell: latency phases,
 *   CPU of each node, the chaincode and the client, bytes per reading by store).
 *
 * Embedded cells are bench/readings.ts's (`runEngine`, `runBaseline`: the embedded engine in this
 * process, baseline raw classic-level writes of each reading's binary form; bytes after a full
 * compaction). By default every meter's readings are encrypted and signed before the clock starts
 * on both engines (embedded: the engine alone, as issue 11's embedded target reads; Fabric:
 * `--presigned`, the network alone — real meters sign on their own hardware, not on the cores the
 * network runs on here); `--pipeline`: the meters encrypt and sign inside the timed loop, in the
 * bench process, on both engines. Fabric cells are
 * bench/fabric.ts's batched cells, run as a child `node dist/bench/fabric.js --engines fabric --skip
 * single,sweep,provider --batches P --batch-meters M` (its key-value baseline chaincode on the same
 * network; bytes per reading = one peer's block files + state + history LevelDB, not compacted),
 * on the network at `--connection`, else one it brings up (see bench/fabric.ts).
 *
 * Options: --meters 1,16,64  --per-tx 1,96,480  --seconds 8 (per cell and system: each femeter cell
 * and each baseline cell runs that long)  --engines embedded,fabric  --connection PATH
 * --out bench-results/sweep  --pipeline. `node dist/bench/sweep.js --plot-only <out>` redraws the
 * SVGs from `<out>.json`.
 */
import '../test/ledger/fixtures/quiet.js'; // before the contract loads: fabric-contract-api logs every decorator at info

import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { sha256 } from '@noble/hashes/sha2.js';
import { embeddedEngine } from '../src/apps/engines.js';
import { ed25519Signer } from '../src/contract/index.js';
import { meterReadings, runBaseline, runEngine, type Cell } from './readings.js';
import { COLOURS, linePlot, type PlotSeries } from './plot.js';
import { arg, printTable } from './timing.js';

const list = (s: string): number[] => s.split(',').filter(Boolean).map(Number);

/** One cell of the sweep. */
export interface SweepCell {
    readonly engine: 'embedded' | 'fabric';
    /** `femeter` (the contract) or `baseline` (raw classic-level / key-value chaincode). */
    readonly system: 'femeter' | 'baseline';
    readonly meters: number;
    readonly perTx: number;
    readonly readingsPerSecond: number;
    readonly txPerSecond: number;
    readonly p50ms: number;
    /** Bytes on disk per stored reading (embedded: compacted; Fabric: one peer, as left). */
    readonly bytesPerReading: number | undefined;
    /** Fabric: of which one peer's block files (exact: append-only). */
    readonly blockBytesPerReading?: number;
    /** CPU of the bench process per reading, µs (embedded: engine + meters; Fabric: client). */
    readonly cpuUsPerReading: number | undefined;
    /** Fabric: CPU of the chaincode server per reading, µs. */
    readonly chaincodeCpuUsPerReading?: number;
}

export interface SweepDoc {
    readonly date: string;
    readonly machine: { readonly cores: number; readonly cpu: string | undefined; node: string };
    readonly loadavg: { readonly start: number[]; readonly end: number[] };
    readonly settings: Readonly<Record<string, unknown>>;
    readonly durationSeconds: number;
    readonly cells: readonly SweepCell[];
}

async function embeddedCells(
    meters: readonly number[],
    perTxs: readonly number[],
    pipeline: boolean,
    seconds: number,
): Promise<SweepCell[]> {
    const seed = sha256(new Uint8Array([9]));
    const sample = meterReadings('sample', seed, ed25519Signer(seed));
    const out: SweepCell[] = [];
    const cell = (system: SweepCell['system'], c: Cell): SweepCell => ({
        engine: 'embedded',
        system,
        meters: c.concurrency,
        perTx: c.perTx,
        readingsPerSecond: c.readingsPerSec,
        txPerSecond: c.txPerSec,
        p50ms: c.p50,
        bytesPerReading: c.bytesPerReading,
        cpuUsPerReading: c.cpuUsPerReading,
    });
    for (const m of meters)
        for (const p of perTxs) {
            const f = await runEngine(m, p, embeddedEngine, 'femeter', pipeline, seconds);
            const b = await runBaseline(m, p, sample, seconds);
            out.push(cell('femeter', f), cell('baseline', b));
            console.log(
                `[embedded] ${m} meters × ${p}/tx: femeter ${f.readingsPerSec.toFixed(0)} readings/s, ${f.bytesPerReading.toFixed(0)} B/reading; raw classic-level ${b.readingsPerSec.toFixed(0)}, ${b.bytesPerReading.toFixed(0)} B`,
            );
        }
    return out;
}

interface FabricRun {
    readonly perTx: number;
    readonly clients: number;
    readonly readingsPerSecond: number;
    readonly txPerSecond: number;
    readonly p50ms: number;
    readonly clientCpuUsPerReading?: number;
    readonly cost?: {
        readonly disk?: { readonly peerTotal: number; readonly blocks: number };
        readonly chaincodeCpuUsPerReading?: number;
    };
}

function fabricCells(
    meters: readonly number[],
    perTxs: readonly number[],
    seconds: number,
    connection: string,
    out: string,
    presigned: boolean,
): SweepCell[] {
    const json = `${out}-fabric-run.json`; // bench:fabric's own JSON: each cell's phases, CPU, bytes
    const bench = join(dirname(fileURLToPath(import.meta.url)), 'fabric.js');
    const args = [
        bench,
        '--engines',
        'fabric',
        '--skip',
        'single,sweep,provider',
        '--batches',
        perTxs.join(','),
        '--batch-meters',
        meters.join(','),
        '--seconds',
        String(seconds / 2), // bench/fabric.ts runs each batched cell for 2 × --seconds
        '--out',
        json,
        ...(connection ? ['--connection', connection] : []),
        ...(presigned ? ['--presigned'] : []),
    ];
    console.log(`[fabric] node ${args.join(' ')}`);
    execFileSync(process.execPath, args, { stdio: 'inherit' });
    const doc = JSON.parse(readFileSync(json, 'utf8')) as {
        results: { batched: FabricRun[]; baseline?: { batched: FabricRun[] } }[];
    };
    const r = doc.results[0];
    if (!r) throw new Error(`${json}: no Fabric results`);
    const cell = (system: SweepCell['system'], x: FabricRun): SweepCell => ({
        engine: 'fabric',
        system,
        meters: x.clients,
        perTx: x.perTx,
        readingsPerSecond: x.readingsPerSecond,
        txPerSecond: x.txPerSecond,
        p50ms: x.p50ms,
        bytesPerReading: x.cost?.disk?.peerTotal,
        ...(x.cost?.disk ? { blockBytesPerReading: x.cost.disk.blocks } : {}),
        cpuUsPerReading: x.clientCpuUsPerReading,
        ...(x.cost?.chaincodeCpuUsPerReading !== undefined
            ? { chaincodeCpuUsPerReading: x.cost.chaincodeCpuUsPerReading }
            : {}),
    });
    return [
        ...r.batched.map((x) => cell('femeter', x)),
        ...(r.baseline?.batched ?? []).map((x) => cell('baseline', x)),
    ];
}

const BASELINE_NAME = { embedded: 'raw classic-level', fabric: 'key-value chaincode' } as const;
/** Line colours: the shared palette without the target line's green. */
const LINE_COLOURS = COLOURS.filter((c) => c !== '#2ca02c');

/** The sweep's SVG plots, by file suffix. */
export function sweepPlots(doc: SweepDoc): Record<string, string> {
    const plots: Record<string, string> = {};
    const when = `${doc.date.slice(0, 16)}, ${doc.machine.cores} cores`;
    const engines = [...new Set(doc.cells.map((c) => c.engine))];
    for (const engine of engines) {
        const cells = doc.cells.filter((c) => c.engine === engine);
        const meters = [...new Set(cells.map((c) => c.meters))].sort((a, b) => a - b);
        const series: PlotSeries[] = meters.flatMap((m, i) =>
            (['femeter', 'baseline'] as const).map((system) => ({
                label: `${system === 'femeter' ? 'femeter' : BASELINE_NAME[engine]}, ${m} meter${m === 1 ? '' : 's'}`,
                points: cells
                    .filter((c) => c.meters === m && c.system === system)
                    .map((c) => ({ x: c.perTx, y: c.readingsPerSecond })),
                dashed: system === 'baseline',
                colour: LINE_COLOURS[i % LINE_COLOURS.length] ?? '#000',
            })),
        );
        plots[`-${engine}.svg`] = linePlot({
            title: `bench:sweep, ${engine}: readings/s, ${when}`,
            xLabel: 'readings per transaction (log)',
            yLabel: 'readings/s committed (log)',
            series: series.filter((s) => s.points.length > 0),
            logY: true,
            target: {
                y: engine === 'embedded' ? 20_000 : 5_000,
                label: engine === 'embedded' ? 'target 20,000/s' : 'target 5,000/s',
            },
        });
    }
    // embedded: everything, compacted; Fabric: one peer's block files only — exact, while a running
    // peer's state and history LevelDBs move with their compactions (bytesPerReading has all three)
    const bytesOf = (c: SweepCell): number | undefined =>
        c.engine === 'fabric' ? c.blockBytesPerReading : c.bytesPerReading;
    const bytes: PlotSeries[] = engines.flatMap((engine, i) => {
        const cells = doc.cells.filter((c) => c.engine === engine && bytesOf(c) !== undefined);
        const m = Math.max(...cells.map((c) => c.meters));
        const what = engine === 'fabric' ? 'fabric, blocks' : engine;
        return (['femeter', 'baseline'] as const).map((system) => ({
            label: `${system === 'femeter' ? 'femeter' : BASELINE_NAME[engine]}, ${what}`,
            points: cells
                .filter((c) => c.meters === m && c.system === system)
                .map((c) => ({ x: c.perTx, y: bytesOf(c)! })),
            dashed: system === 'baseline',
            colour: LINE_COLOURS[i % LINE_COLOURS.length] ?? '#000',
        }));
    });
    if (bytes.some((s) => s.points.length > 0))
        plots['-bytes.svg'] = linePlot({
            title: `bench:sweep, bytes on disk per reading (most meters), ${when}`,
            xLabel: 'readings per transaction (log)',
            yLabel: 'bytes on disk per stored reading',
            series: bytes.filter((s) => s.points.length > 0),
            logY: false,
            target: { y: 160, label: 'target 160 B' },
        });
    return plots;
}

function writePlots(out: string, doc: SweepDoc): void {
    for (const [suffix, svg] of Object.entries(sweepPlots(doc))) {
        writeFileSync(`${out}${suffix}`, svg);
        console.log(`plot written to ${out}${suffix}`);
    }
}

function table(doc: SweepDoc): void {
    const key = (c: SweepCell): string => `${c.engine}/${c.meters}/${c.perTx}`;
    const base = new Map(doc.cells.filter((c) => c.system === 'baseline').map((c) => [key(c), c]));
    printTable(
        [
            'engine',
            'meters',
            'readings/tx',
            'femeter readings/s',
            'baseline /s',
            'share',
            'p50 ms',
            'B/reading (femeter / baseline)',
        ],
        doc.cells
            .filter((c) => c.system === 'femeter')
            .map((c) => {
                const b = base.get(key(c));
                return [
                    c.engine,
                    String(c.meters),
                    String(c.perTx),
                    c.readingsPerSecond.toFixed(0),
                    b?.readingsPerSecond.toFixed(0) ?? '—',
                    b ? `${((100 * c.readingsPerSecond) / b.readingsPerSecond).toFixed(0)} %` : '—',
                    c.p50ms.toFixed(0),
                    `${c.bytesPerReading?.toFixed(0) ?? '—'} / ${b?.bytesPerReading?.toFixed(0) ?? '—'}`,
                ];
            }),
    );
}

async function main(): Promise<void> {
    const out = arg('out', 'bench-results/sweep').replace(/\.json$/, '');
    const plotOnly = process.argv.indexOf('--plot-only');
    if (plotOnly !== -1) {
        const file = process.argv[plotOnly + 1] ?? out;
        const doc = JSON.parse(
            readFileSync(`${file.replace(/\.json$/, '')}.json`, 'utf8'),
        ) as SweepDoc;
        writePlots(file.replace(/\.json$/, ''), doc);
        return;
    }
    const meters = list(arg('meters', '1,16,64'));
    const perTx = list(arg('per-tx', '1,96,480'));
    const seconds = Number(arg('seconds', '8'));
    const engines = arg('engines', 'embedded,fabric').split(',');
    const connection = arg('connection', '');
    const pipeline = process.argv.includes('--pipeline');
    mkdirSync(dirname(out) || '.', { recursive: true });
    const start = loadavg();
    const t0 = performance.now();
    console.log(
        `femeter bench:sweep — ${cpus().length} cores, node ${process.version}, load average ${start.map((x) => x.toFixed(1)).join(' / ')}; meters ${meters.join(',')} × readings/tx ${perTx.join(',')} × ${engines.join(',')}, ${seconds} s per cell`,
    );
    const cells: SweepCell[] = [];
    for (const e of engines) {
        if (e === 'embedded')
            cells.push(...(await embeddedCells(meters, perTx, pipeline, seconds)));
        else if (e === 'fabric')
            cells.push(...fabricCells(meters, perTx, seconds, connection, out, !pipeline));
        else throw new Error(`unknown engine ${e} (embedded, fabric)`);
    }
    const doc: SweepDoc = {
        date: new Date().toISOString(),
        machine: { cores: cpus().length, cpu: cpus()[0]?.model, node: process.version },
        loadavg: { start, end: loadavg() },
        settings: {
            meters,
            perTx,
            seconds,
            engines,
            meterWork: pipeline
                ? 'encrypt+sign in the timed loop (--pipeline)'
                : 'readings encrypted and signed before the clock starts',
            ...(connection ? { connection } : {}),
        },
        durationSeconds: (performance.now() - t0) / 1000,
        cells,
    };
    writeFileSync(`${out}.json`, JSON.stringify(doc, null, 1) + '\n');
    console.log('');
    table(doc);
    console.log(
        `sweep took ${doc.durationSeconds.toFixed(0)} s; load average at the end ${doc.loadavg.end.map((x) => x.toFixed(1)).join(' / ')} (compare rows of one run only); written to ${out}.json`,
    );
    writePlots(out, doc);
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
    main().catch((e: unknown) => {
        console.error(e);
        process.exitCode = 1;
    });
