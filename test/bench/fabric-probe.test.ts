// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/bench/fabric-probe
 * The Fabric bench's outside look at the network (bench/fabric-probe.ts) and the sweep's plots
 * (bench/sweep.ts): Prometheus text parsed (hostile lines ignored), phases and CPU as differences
 * between two snapshots, an unreadable node counted as unknown rather than as its totals, ledger
 * growth per reading from a scripts/fabric/up layout, the chaincode server's CPU from its pid
 * file, and one plot per engine with every baseline dashed.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import {
    chaincodeCpuSeconds,
    diskPerReading,
    ledgerSizes,
    networkCost,
    scrape,
    type NodeSnapshots,
} from '../../bench/fabric-probe.js';
import { sweepPlots, type SweepCell, type SweepDoc } from '../../bench/sweep.js';

const METRICS = `# HELP endorser_proposal_duration The time to complete a proposal.
# TYPE endorser_proposal_duration histogram
endorser_proposal_duration_bucket{channel="femeter",chaincode="cc",success="true",le="0.1"} 3
endorser_proposal_duration_sum{channel="femeter",chaincode="cc",success="true"} 1.5
endorser_proposal_duration_count{channel="femeter",chaincode="cc",success="true"} 6
endorser_proposal_duration_sum{channel="femeter",chaincode="other",success="true"} 0.5
endorser_proposal_duration_count{channel="femeter",chaincode="other",success="true"} 4
process_cpu_seconds_total 12.25
not a metric line at all
weird{unclosed 3
nan_metric NaN
`;

describe('bench/fabric-probe', () => {
    let server: Server;
    let endpoint = '';
    let dir = '';
    before(async () => {
        server = createServer((req, res) => {
            if (req.url === '/metrics') res.end(METRICS);
            else res.writeHead(404).end();
        });
        await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
        const a = server.address();
        if (a === null || typeof a === 'string') throw new Error('no port');
        endpoint = `127.0.0.1:${a.port}`;
        dir = mkdtempSync(join(tmpdir(), 'femeter-probe-test-'));
    });
    after(async () => {
        await new Promise<void>((resolve) => {
            server.close(() => {
                resolve();
            });
        });
        rmSync(dir, { recursive: true, force: true });
    });

    it('sums a metric over its label sets and ignores lines that are not metrics', async () => {
        const m = await scrape(endpoint);
        assert.equal(m.get('endorser_proposal_duration_sum'), 2);
        assert.equal(m.get('endorser_proposal_duration_count'), 10);
        assert.equal(m.get('process_cpu_seconds_total'), 12.25);
        assert.equal(m.has('weird'), false);
        assert.equal(m.has('nan_metric'), false);
        assert.equal(m.has('not'), false);
    });

    it('an unreachable endpoint gives an empty snapshot', async () => {
        const m = await scrape('127.0.0.1:1');
        assert.equal(m.size, 0);
    });

    it('phases and CPU are differences between snapshots; an unread node is unknown', () => {
        const snap = (sum: number, count: number, cpu: number): Map<string, number> =>
            new Map([
                ['endorser_proposal_duration_sum', sum],
                ['endorser_proposal_duration_count', count],
                ['gossip_state_commit_duration_sum', sum / 10],
                ['gossip_state_commit_duration_count', count],
                ['blockcutter_block_fill_duration_sum', 0.1 * count],
                ['blockcutter_block_fill_duration_count', count],
                ['process_cpu_seconds_total', cpu],
            ]);
        const before: NodeSnapshots = new Map([
            ['orderer', snap(100, 1000, 50)],
            ['peer-a', snap(100, 1000, 50)],
            ['peer-b', new Map()], // its metrics could not be read
        ]);
        const after: NodeSnapshots = new Map([
            ['orderer', snap(102, 1020, 51)],
            ['peer-a', snap(104, 1010, 53)],
            ['peer-b', snap(900, 9000, 900)],
        ]);
        const c = networkCost(before, after);
        const endorse = c.phases.find((p) => p.phase === 'endorse')!;
        assert.equal(endorse.events, 10); // peer-b's totals since it started are not counted
        assert.ok(Math.abs(endorse.meanMs - 400) < 1e-6);
        const fill = c.phases.find((p) => p.phase === 'block fill')!;
        assert.ok(Math.abs(fill.meanMs - 100) < 1e-6);
        assert.equal(c.blocks, 20);
        assert.equal(c.cpuSeconds['peer-a'], 3);
        assert.ok(Number.isNaN(c.cpuSeconds['peer-b']));
        assert.ok(Number.isNaN(c.phases.find((p) => p.phase === 'state db')!.meanMs));
    });

    it('ledger growth per reading, per store, from a scripts/fabric/up layout', () => {
        const net = join(dir, 'net');
        const put = (rel: string, bytes: number): void => {
            mkdirSync(join(net, rel, '..'), { recursive: true });
            writeFileSync(join(net, rel), new Uint8Array(bytes));
        };
        for (const peer of ['operator', 'customers']) {
            put(`peers/${peer}/data/ledgersData/chains/chains/femeter/blockfile_000000`, 1000);
            put(`peers/${peer}/data/ledgersData/stateLeveldb/000001.ldb`, 200);
            put(`peers/${peer}/data/ledgersData/historyLeveldb/000001.ldb`, 10);
        }
        put('orderer/ledger/chains/femeter/blockfile_000000', 1000);
        const s0 = ledgerSizes(net);
        assert.deepEqual(Object.keys(s0.peers).sort(), ['customers', 'operator']);
        for (const peer of ['operator', 'customers']) {
            put(`peers/${peer}/data/ledgersData/chains/chains/femeter/blockfile_000000`, 6000);
            put(`peers/${peer}/data/ledgersData/stateLeveldb/000002.ldb`, 1000);
        }
        put('orderer/ledger/chains/femeter/blockfile_000000', 6000);
        const d = diskPerReading(s0, ledgerSizes(net), 10)!;
        assert.equal(d.blocks, 500);
        assert.equal(d.state, 100);
        assert.equal(d.history, 0);
        assert.equal(d.peerTotal, 600);
        assert.equal(d.orderer, 500);
        assert.equal(diskPerReading(s0, ledgerSizes(net), 0), undefined);
        assert.equal(diskPerReading(s0, ledgerSizes(join(dir, 'missing')), 10), undefined);
    });

    it("the chaincode server's CPU from its pid file; unknown without one", () => {
        const net = join(dir, 'cc');
        mkdirSync(join(net, 'run'), { recursive: true });
        writeFileSync(join(net, 'run', 'cc-x.pid'), `${process.pid}\n`);
        let spin = 0;
        for (let i = 0; i < 3e6; i++) spin += i; // some CPU of our own
        assert.ok(spin > 0);
        const cpu = chaincodeCpuSeconds(net, 'x');
        if (process.platform === 'linux') assert.ok(cpu !== undefined && cpu > 0);
        assert.equal(chaincodeCpuSeconds(net, 'absent'), undefined);
        writeFileSync(join(net, 'run', 'cc-bad.pid'), 'not a pid');
        assert.equal(chaincodeCpuSeconds(net, 'bad'), undefined);
    });
});

describe('bench/sweep plots', () => {
    const cell = (
        engine: SweepCell['engine'],
        system: SweepCell['system'],
        meters: number,
        perTx: number,
        rate: number,
    ): SweepCell => ({
        engine,
        system,
        meters,
        perTx,
        readingsPerSecond: rate,
        txPerSecond: rate / perTx,
        p50ms: 10,
        bytesPerReading: engine === 'fabric' ? 7777 : system === 'femeter' ? 600 : 900,
        ...(engine === 'fabric' ? { blockBytesPerReading: system === 'femeter' ? 500 : 601 } : {}),
        cpuUsPerReading: 100,
    });
    const doc: SweepDoc = {
        date: '2026-11-30T03:00:00.000Z',
        machine: { cores: 2, cpu: 'test', node: 'v20' },
        loadavg: { start: [0, 0, 0], end: [0, 0, 0] },
        settings: {},
        durationSeconds: 1,
        cells: (['embedded', 'fabric'] as const).flatMap((e) =>
            [1, 16].flatMap((m) =>
                [1, 96].flatMap((p) => [
                    cell(e, 'femeter', m, p, 10 * m * p),
                    cell(e, 'baseline', m, p, 20 * m * p),
                ]),
            ),
        ),
    };

    it('one readings/s plot per engine with a line per meter count, baselines dashed, and a bytes plot', () => {
        const plots = sweepPlots(doc);
        assert.deepEqual(Object.keys(plots).sort(), ['-bytes.svg', '-embedded.svg', '-fabric.svg']);
        const fabric = plots['-fabric.svg']!;
        assert.match(fabric, /readings per transaction/);
        assert.match(fabric, /readings\/s committed/);
        assert.match(fabric, /femeter, 16 meters/);
        assert.match(fabric, /key-value chaincode, 1 meter</);
        assert.match(fabric, /target 5,000/);
        // 4 lines (2 meter counts × femeter/baseline) and 4 legend entries, half of each dashed
        assert.equal((fabric.match(/<polyline/g) ?? []).length, 4);
        assert.equal((fabric.match(/<polyline[^>]*stroke-dasharray/g) ?? []).length, 2);
        assert.match(plots['-embedded.svg']!, /raw classic-level, 16 meters/);
        const bytes = plots['-bytes.svg']!;
        assert.match(bytes, /target 160 B/);
        assert.match(bytes, /key-value chaincode, fabric, blocks/);
        assert.match(bytes, />601</); // Fabric's block bytes drawn
        assert.doesNotMatch(bytes, />7777</); // not the state-inclusive Fabric total
    });
});
