// SPDX-License-Identifier: Apache-2.0
/**
 * Benchmark of the native ristretto255 accelerator (src/fe/native.ts) and of libsodium's WebAssembly
 * build (src/fe/wasm.ts) against @noble/curves for the same byte-level operation: encodings in,
 * encodings out (noble: `fromBytes` → op → `toBytes`), except the decode and encode rows which time
 * those steps alone. libsodium has no multi-scalar or batched-sum function ("—").
 *
 * Run: `scripts/build-native && npx tsc -p tsconfig.json && node dist/bench/native.js [--quick]`.
 * `FEMETER_NATIVE_THREADS=1` measures the addon single-threaded.
 */
import { availableParallelism, cpus } from 'node:os';
import { randomBytes } from 'node:crypto';
import { ristretto255 } from '@noble/curves/ed25519.js';
import { pippenger } from '@noble/curves/abstract/curve.js';
import {
    loadNative,
    nativeLoadError,
    nativeAddonPath,
    type NativeRistretto,
} from '../src/fe/native.js';
import { loadWasm, type WasmRistretto } from '../src/fe/wasm.js';

const Point = ristretto255.Point;
type NoblePoint = InstanceType<typeof Point>;
const Fn = Point.Fn;

const QUICK = process.argv.includes('--quick');
const MIN_MS = QUICK ? 150 : 600;

function randomScalar(bits = 256): bigint {
    let v = 0n;
    for (const b of randomBytes(64)) v = (v << 8n) | BigInt(b);
    return bits >= 253 ? v % Fn.ORDER : v & ((1n << BigInt(bits)) - 1n);
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
    const out = new Uint8Array(parts.length * 32);
    parts.forEach((p, i) => {
        out.set(p, 32 * i);
    });
    return out;
}

/** Microseconds per call: warm-up, then repeat until MIN_MS has elapsed (at least twice). */
function time(fn: () => unknown, minMs = MIN_MS): number {
    fn();
    let iters = 0;
    const t0 = performance.now();
    let el: number;
    do {
        fn();
        iters++;
        el = performance.now() - t0;
    } while (el < minMs || iters < 2);
    return (el * 1000) / iters;
}

interface Row {
    op: string;
    items: number;
    nativeUs: number | undefined;
    wasmUs: number | undefined;
    nobleUs: number;
}

function fmtOps(us: number | undefined): string {
    if (us === undefined) return '—';
    const ops = 1e6 / us;
    return ops >= 1e6
        ? `${(ops / 1e6).toFixed(2)}M`
        : ops >= 1e3
          ? `${(ops / 1e3).toFixed(1)}k`
          : ops.toFixed(1);
}
function fmtUs(us: number | undefined): string {
    if (us === undefined) return '—';
    return us >= 1000 ? `${(us / 1000).toFixed(2)} ms` : `${us.toFixed(2)} µs`;
}

function printTable(rows: Row[]): void {
    const head = [
        'operation',
        'n',
        'native /call',
        'native ops/s',
        'wasm /call',
        'wasm ops/s',
        'noble /call',
        'noble ops/s',
        'native speed-up',
        'wasm speed-up',
    ];
    const body = rows.map((r) => [
        r.op,
        String(r.items),
        fmtUs(r.nativeUs),
        fmtOps(r.nativeUs === undefined ? undefined : r.nativeUs / r.items),
        fmtUs(r.wasmUs),
        fmtOps(r.wasmUs === undefined ? undefined : r.wasmUs / r.items),
        fmtUs(r.nobleUs),
        fmtOps(r.nobleUs / r.items),
        r.nativeUs === undefined ? '—' : `${(r.nobleUs / r.nativeUs).toFixed(1)}×`,
        r.wasmUs === undefined ? '—' : `${(r.nobleUs / r.wasmUs).toFixed(1)}×`,
    ]);
    const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
    const line = (cells: string[]): string =>
        `| ${cells.map((c, i) => (i < 1 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
    console.log(line(head));
    console.log(
        `|${widths.map((w, i) => (i < 1 ? '-'.repeat(w + 2) : `${'-'.repeat(w + 1)}:`)).join('|')}|`,
    );
    for (const b of body) console.log(line(b));
    console.log(
        'ops/s counts items (points, scalars or keys) per second; /call is per whole call of n items.',
    );
}

async function main(): Promise<void> {
    const n: NativeRistretto | undefined = loadNative();
    const w: WasmRistretto | undefined = await loadWasm();
    if (n === undefined) {
        const why =
            nativeLoadError()?.message ??
            `${nativeAddonPath() ?? 'native/femeter_native.node'} not found or FEMETER_NO_NATIVE=1`;
        console.error(`bench/native: addon unavailable (${why}); run scripts/build-native first`);
        process.exitCode = 1;
        return;
    }
    console.log(
        `# ${n.version()} and ${w?.version() ?? 'no WebAssembly backend'} vs @noble/curves ristretto255`,
    );
    console.log(
        `# node ${process.version}, ${cpus()[0]?.model ?? 'cpu'} × ${availableParallelism()}, ` +
            `FEMETER_NATIVE_THREADS=${process.env.FEMETER_NATIVE_THREADS ?? '(default)'}${QUICK ? ', --quick' : ''}`,
    );

    const BIG = 2976;
    const d = Point.BASE.multiply(randomScalar());
    const ps: NoblePoint[] = [Point.BASE.multiply(randomScalar())];
    for (let i = 1; i < BIG; i++) ps.push(ps[i - 1]!.add(d));
    const pb = ps.map((p) => p.toBytes());
    const pts = concat(pb);
    const s16 = ps.map(() => randomScalar(16));
    const sFull = ps.map(() => randomScalar());
    const s16b = concat(s16.map((k) => Fn.toBytes(k)));
    const sFullb = concat(sFull.map((k) => Fn.toBytes(k)));
    const p0 = pb[0]!;
    const p1 = pb[1]!;
    const k0 = Fn.toBytes(sFull[0]!);
    const rows: Row[] = [];
    const add = (
        op: string,
        items: number,
        nat: (() => unknown) | undefined,
        noble: () => unknown,
        nobleMs?: number,
        wasm?: (w: WasmRistretto) => unknown,
    ): void => {
        rows.push({
            op,
            items,
            nativeUs: nat ? time(nat) : undefined,
            wasmUs: w && wasm ? time(() => wasm(w), nobleMs) : undefined,
            nobleUs: time(noble, nobleMs),
        });
        process.stderr.write('.');
    };

    add(
        'decode+validate (1 point)',
        1,
        () => n.decodeCheck(p0),
        () => Point.fromBytes(p0),
        undefined,
        (w) => w.decodeCheck(p0),
    );
    add(
        `decode+validate (batch)`,
        BIG,
        () => n.decodeCheck(pts),
        () => {
            pb.forEach((b) => Point.fromBytes(b));
        },
        undefined,
        (w) => w.decodeCheck(pts),
    );
    add('encode (noble only; fused in native ops)', 1, undefined, () => ps[0]!.toBytes());
    add(
        'add',
        1,
        () => n.add(p0, p1),
        () => Point.fromBytes(p0).add(Point.fromBytes(p1)).toBytes(),
        undefined,
        (w) => w.add(p0, p1),
    );
    add(
        'mul (variable base, const-time)',
        1,
        () => n.mul(p0, k0),
        () => Point.fromBytes(p0).multiply(sFull[0]!).toBytes(),
        undefined,
        (w) => w.mul(p0, k0),
    );
    add(
        'mulBase (const-time)',
        1,
        () => n.mulBase(k0),
        () => Point.BASE.multiply(sFull[0]!).toBytes(),
        undefined,
        (w) => w.mulBase(k0),
    );
    const NB = 256;
    add(
        'mulBaseMany',
        NB,
        () => n.mulBaseMany(sFullb.subarray(0, NB * 32)),
        () => {
            sFull.slice(0, NB).forEach((k) => Point.BASE.multiply(k).toBytes());
        },
        undefined,
        (w) => w.mulBaseMany(sFullb.subarray(0, NB * 32)),
    );
    add(
        'mulMany (one scalar)',
        NB,
        () => n.mulMany(pts.subarray(0, NB * 32), k0),
        () => {
            pb.slice(0, NB).forEach((b) => Point.fromBytes(b).multiply(sFull[0]!).toBytes());
        },
        undefined,
        (w) => w.mulMany(pts.subarray(0, NB * 32), k0),
    );
    add(
        'mulBaseMany',
        BIG,
        () => n.mulBaseMany(sFullb),
        () => {
            sFull.forEach((k) => Point.BASE.multiply(k).toBytes());
        },
        1,
        (w) => w.mulBaseMany(sFullb),
    );
    const msm = (count: number, ks: bigint[], kb: Uint8Array, label: string): void => {
        add(
            `msmVartime ${label} (incl. decode)`,
            count,
            () => n.msmVartime(pts.subarray(0, 32 * count), kb.subarray(0, 32 * count)),
            () =>
                pippenger(
                    Point,
                    pb.slice(0, count).map((b) => Point.fromBytes(b)),
                    ks.slice(0, count),
                ).toBytes(),
            count > 100 ? 1 : undefined,
        );
    };
    msm(96, s16, s16b, '16-bit');
    msm(96, sFull, sFullb, 'full');
    msm(BIG, s16, s16b, '16-bit');
    msm(BIG, sFull, sFullb, 'full');
    add(
        'addMany',
        BIG,
        () => n.addMany(pts),
        () => pb.reduce((a, b) => a.add(Point.fromBytes(b)), Point.ZERO).toBytes(),
        1,
    );
    const KEYS = 65536;
    const NOBLE_KEYS = 4096;
    const WASM_KEYS = 4096;
    rows.push({
        op: 'stepKeys (per key)',
        items: 1,
        nativeUs: time(() => n.stepKeys(p0, p1, KEYS)) / KEYS,
        wasmUs: w ? time(() => w.stepKeys(p0, p1, WASM_KEYS)) / WASM_KEYS : undefined,
        nobleUs:
            time(() => {
                let cur = ps[0]!;
                for (let j = 0; j < NOBLE_KEYS; j++) {
                    cur.toBytes().subarray(0, 8);
                    cur = cur.add(ps[1]!);
                }
            }) / NOBLE_KEYS,
    });
    process.stderr.write('\n');
    printTable(rows);
    console.log(
        `stepKeys: native over ${KEYS} keys per call, wasm over ${WASM_KEYS}, noble add+toBytes over ${NOBLE_KEYS}.`,
    );
}

main().catch((e: unknown) => {
    console.error(e);
    process.exitCode = 1;
});
