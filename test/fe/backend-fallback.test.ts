// SPDX-License-Identifier: Apache-2.0
/**
 * A missing, corrupt or stale native library, or an unavailable requested backend, leads to the next
 * backend (with a process warning where something is broken), never to a crash or a wrong result.
 * Each case runs in a child process whose loader is pointed at a prepared file through
 * `FEMETER_NATIVE_ADDON`, and recomputes the frozen known-answer vector there.
 */
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { VECTOR_PATH, type Vector } from './vectors.js';

const FE = new URL('../../src/fe/index.js', import.meta.url).href;
const CLI = fileURLToPath(new URL('../../src/apps/cli/femeter.js', import.meta.url));
const vector = (JSON.parse(readFileSync(VECTOR_PATH, 'utf8')) as Vector[]).find(
    (v) => v.group === 'ristretto255',
)!;

/** Child program: the selected backend, its description and the vector's mpk and ciphertexts. */
const CHILD = `
import { ristretto255 as g, describeBackend, setup, Encryptor } from ${JSON.stringify(FE)};
const v = JSON.parse(process.argv[1]);
const hex = (b) => Buffer.from(b).toString('hex');
const { mpk } = setup(g, Buffer.from(v.rootSeed, 'hex'), v.ctx, 4);
const e = new Encryptor(g, mpk, Buffer.from(v.meterSeed, 'hex'), { maxReading: 4000n, precompute: true });
console.log(JSON.stringify({
    backend: g.backend,
    line: describeBackend(),
    H: mpk.H.map((h) => hex(g.encode(h))),
    C0: hex(g.encode(e.open())),
    C: v.x.map((x, i) => hex(g.encode(e.slot(i, BigInt(x))))),
}));
`;

interface ChildResult {
    status: number | null;
    stderr: string;
    out: { backend: string; line: string; H: string[]; C0: string; C: string[] } | undefined;
}

function baseEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
    const env = { ...process.env };
    delete env.FEMETER_NO_NATIVE;
    delete env.FEMETER_FE_BACKEND;
    delete env.FEMETER_NATIVE_ADDON;
    delete env.NODE_OPTIONS;
    return { ...env, ...extra };
}

function runChild(extra: Record<string, string>): ChildResult {
    const r = spawnSync(
        process.execPath,
        ['--input-type=module', '-e', CHILD, JSON.stringify(vector)],
        { env: baseEnv(extra), encoding: 'utf8', timeout: 60_000 },
    );
    let out: ChildResult['out'];
    try {
        out = JSON.parse(r.stdout.trim().split('\n').pop() ?? '') as ChildResult['out'];
    } catch {
        out = undefined;
    }
    return { status: r.status, stderr: r.stderr, out };
}

function assertVector(r: ChildResult, backend: string): void {
    assert.equal(r.status, 0, r.stderr);
    assert.ok(r.out, `no result; stderr: ${r.stderr}`);
    assert.equal(r.out.backend, backend, r.out.line);
    assert.deepEqual(r.out.H, vector.H);
    assert.equal(r.out.C0, vector.C0);
    assert.deepEqual(r.out.C, vector.C);
}

describe('backend fallback (child processes)', () => {
    let dir = '';
    let corrupt = '';
    let stale = '';
    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-fallback-'));
        corrupt = join(dir, 'femeter_native.node');
        // an ELF header followed by garbage: dlopen fails
        writeFileSync(
            corrupt,
            Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46]), Buffer.alloc(600, 0xa5)]),
        );
        stale = join(dir, 'stale.cjs');
        writeFileSync(stale, 'module.exports = { add() {}, version() { return "old"; } };\n');
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    it('a corrupt native library: warning, next backend (wasm), correct vector', () => {
        const r = runChild({ FEMETER_NATIVE_ADDON: corrupt });
        assertVector(r, 'wasm');
        assert.match(r.stderr, /FemeterWarning: native ristretto255 accelerator unusable/);
        assert.ok(r.stderr.includes(corrupt), r.stderr);
        assert.match(
            r.out!.line,
            /^ristretto255 backend: wasm \[libsodium [\d.]+ \(WebAssembly\)\]; native: .* failed to load/,
        );
    });

    it('a stale native library lacking functions: warning naming them, wasm, correct vector', () => {
        const r = runChild({ FEMETER_NATIVE_ADDON: stale });
        assertVector(r, 'wasm');
        assert.match(r.stderr, /FemeterWarning: .*lacks decodeCheck, sub, mul/);
    });

    it('a missing native library: wasm without a warning, the reason in the backend line', () => {
        const r = runChild({ FEMETER_NATIVE_ADDON: join(dir, 'absent.node') });
        assertVector(r, 'wasm');
        assert.doesNotMatch(r.stderr, /Warning/);
        assert.match(r.out!.line, /native: not built/);
    });

    it('FEMETER_FE_BACKEND=native with a corrupt library: warning, wasm, correct vector', () => {
        const r = runChild({ FEMETER_NATIVE_ADDON: corrupt, FEMETER_FE_BACKEND: 'native' });
        assertVector(r, 'wasm');
        assert.match(r.stderr, /FEMETER_FE_BACKEND=native requested but unavailable/);
    });

    it('FEMETER_FE_BACKEND=noble and =wasm are honoured; an unknown value warns and uses the order', () => {
        assertVector(runChild({ FEMETER_FE_BACKEND: 'noble' }), 'noble');
        assertVector(runChild({ FEMETER_FE_BACKEND: 'wasm' }), 'wasm');
        const r = runChild({ FEMETER_FE_BACKEND: 'sodium', FEMETER_NATIVE_ADDON: corrupt });
        assertVector(r, 'wasm');
        assert.match(r.stderr, /FEMETER_FE_BACKEND=sodium is not a backend/);
    });

    it('femeter --version names the backend and does not crash on a corrupt library', () => {
        const r = spawnSync(process.execPath, [CLI, '--version'], {
            env: baseEnv({ FEMETER_NATIVE_ADDON: corrupt }),
            encoding: 'utf8',
            timeout: 60_000,
        });
        assert.equal(r.status, 0, r.stderr);
        assert.match(r.stdout, /^femeter \S+ sha256:[0-9a-f]{64} /);
        assert.match(r.stdout, /\nristretto255 backend: wasm \[libsodium/);
        assert.match(r.stderr, /FemeterWarning/);
    });
});
