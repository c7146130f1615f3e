// SPDX-License-Identifier: Apache-2.0
/**
 * The Fabric packages load only when the Fabric engine is chosen. A child process imports the apps'
 * engine module (which also exports `fabricEngine`) and runs a small embedded deployment; two
 * independent detectors then list what was loaded: an ESM resolve hook (every `import`, dynamic
 * ones included) and the CommonJS module cache (`require` inside CommonJS packages such as
 * fabric-gateway → grpc-js). A positive control, `FabricLedger.open` on a profile that points
 * nowhere (it opens no connection), must make both detectors see the packages; otherwise the
 * negative result would prove nothing. Needs no Fabric network.
 */
import '../fixtures/quiet.js';
import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';

const ENGINES = new URL('../../../src/apps/engines.js', import.meta.url).href;
const FABRIC =
    /\/node_modules\/(@hyperledger\/fabric-gateway|@hyperledger\/fabric-protos|@grpc\/grpc-js|@grpc\/proto-loader|fabric-shim)\//;

const HOOK = `
import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
    const r = await next(specifier, context);
    appendFileSync(process.env.FEMETER_LAZY_LOG, r.url + '\\n');
    return r;
}`;

/** What the child does before listing loaded modules. */
const SCENARIOS = {
    embedded: `
        const { embeddedEngine } = await import(${JSON.stringify(ENGINES)});
        const engine = await embeddedEngine(join(dir, 'ledger'), new Uint8Array(32).fill(7));
        const op = await engine.connect('operator', 'operator');
        await op.api.bootstrap('operator', 'Operator');
        const me = await op.api.whoAmI();
        if (me.ref?.id !== 'operator') throw new Error('embedded engine did not work');
        await engine.close();`,
    fabric: `
        const { FabricLedger } = await import(${JSON.stringify(new URL('../../../src/ledger/fabric/index.js', import.meta.url).href)});
        const org = { mspId: 'XMSP', name: 'x', peer: { endpoint: '127.0.0.1:1', hostname: 'x', tlsCACert: '/nonexistent', operationsEndpoint: '' }, users: {} };
        const profile = { schema: 'femeter-fabric-connection/1', fabricVersion: '2.5', dataDir: dir, channel: 'c', chaincode: 'cc', chaincodes: {}, orderer: { endpoint: 'x' }, organizations: { XMSP: org } };
        const ledger = await FabricLedger.open({ profile, chaincode: 'cc' });
        await ledger.close();`,
} as const;

function loadedBy(scenario: keyof typeof SCENARIOS): { esm: string[]; cjs: string[] } {
    const dir = mkdtempSync(join(tmpdir(), 'femeter-lazy-'));
    try {
        const log = join(dir, 'resolved.log');
        writeFileSync(log, '');
        const script = join(dir, 'child.mjs');
        writeFileSync(
            script,
            `import { register, createRequire } from 'node:module';
             import { join } from 'node:path';
             import { writeFileSync } from 'node:fs';
             register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(HOOK)}));
             const dir = ${JSON.stringify(dir)};
             ${SCENARIOS[scenario]}
             writeFileSync(join(dir, 'cjs.json'), JSON.stringify(Object.keys(createRequire(import.meta.url).cache)));`,
        );
        const r = spawnSync(process.execPath, [script], {
            env: { ...process.env, FEMETER_LAZY_LOG: log },
            encoding: 'utf8',
            timeout: 60_000,
        });
        assert.equal(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
        const esm = readFileSync(log, 'utf8')
            .split('\n')
            .filter((u) => u !== '');
        const cjs = (JSON.parse(readFileSync(join(dir, 'cjs.json'), 'utf8')) as string[]).map(
            (p) => pathToFileURL(p).href,
        );
        return { esm, cjs };
    } finally {
        rmSync(dir, { recursive: true, force: true });
    }
}

describe('Fabric packages are loaded lazily', () => {
    it('an embedded deployment through the apps engine module loads nothing of Fabric or gRPC', () => {
        const { esm, cjs } = loadedBy('embedded');
        assert.ok(
            esm.some((u) => u.endsWith('/src/apps/engines.js')),
            'the resolve hook saw the engines module',
        );
        assert.ok(
            esm.some((u) => u.endsWith('/src/ledger/engines.js')),
            'the resolve hook saw the engine registry',
        );
        assert.ok(
            !esm.some((u) => u.includes('/src/ledger/fabric/') || u.includes('/src/apps/fabric/')),
            'no Fabric adapter module is imported on the embedded path',
        );
        assert.ok(
            cjs.some((u) => u.includes('/node_modules/fabric-contract-api/')),
            'the CommonJS cache saw fabric-contract-api (the contract)',
        );
        assert.deepEqual(
            esm.filter((u) => FABRIC.test(u)),
            [],
            'ESM imports of Fabric packages',
        );
        assert.deepEqual(
            cjs.filter((u) => FABRIC.test(u)),
            [],
            'CommonJS loads of Fabric packages',
        );
    });

    it('importing the apps engine module installs no process-wide handler', () => {
        const r = spawnSync(
            process.execPath,
            [
                '--input-type=module',
                '-e',
                `const events = ['uncaughtException', 'unhandledRejection', 'warning', 'exit'];
                 const before = events.map((e) => process.listenerCount(e));
                 await import(${JSON.stringify(ENGINES)});
                 const after = events.map((e) => process.listenerCount(e));
                 console.log(JSON.stringify({ before, after }));`,
            ],
            { encoding: 'utf8', timeout: 60_000 },
        );
        assert.equal(r.status, 0, `child failed:\n${r.stdout}\n${r.stderr}`);
        const { before, after } = JSON.parse(r.stdout) as { before: number[]; after: number[] };
        assert.deepEqual(after, before);
    });

    it('positive control: opening a FabricLedger loads fabric-gateway and grpc-js (both detectors see them)', () => {
        const { esm, cjs } = loadedBy('fabric');
        assert.ok(
            esm.some((u) => u.includes('/node_modules/@hyperledger/fabric-gateway/')),
            'ESM hook sees fabric-gateway',
        );
        assert.ok(
            esm.some((u) => u.includes('/node_modules/@grpc/grpc-js/')),
            'ESM hook sees grpc-js',
        );
        assert.ok(
            cjs.some((u) => u.includes('/node_modules/@hyperledger/fabric-gateway/')),
            'CommonJS cache sees fabric-gateway',
        );
        assert.ok(
            cjs.some((u) => u.includes('/node_modules/@grpc/grpc-js/')),
            'CommonJS cache sees grpc-js',
        );
    });
});
