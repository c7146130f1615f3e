// SPDX-License-Identifier: Apache-2.0
/**
 * @module bench/fabric-probe
 * What a Fabric benchmark cell cost the network, read from outside it: the Prometheus metrics of the
 * orderer and both peers (their operations endpoints, in the connection profile) and the sizes of
 * their ledger directories, taken before and after the cell. Used by bench/fabric.ts (and so by
 * bench/sweep.ts) to print where a transaction's commit latency goes and how many bytes on disk a
 * stored reading costs on Fabric.
 *
 * Latency phases (mean per event over the cell, Δsum / Δcount of each histogram):
 * - `endorse`: the peer's `endorser_proposal_duration` (proposal checks + chaincode simulation);
 * - `orderer validate`, `raft persist`: the orderer's `broadcast_validate_duration` and
 *   `consensus_etcdraft_data_persist_duration`; `block fill` its `blockcutter_block_fill_duration`
 *   (first transaction of a block to the cut: bounded by BatchTimeout);
 * - `validate+commit`: the peer's `gossip_state_commit_duration` (block arrival to committed:
 *   VSCC/MVCC validation and the ledger writes), of which `block store`, `state db` are the
 *   ledger's `ledger_blockstorage_commit_time` and `ledger_statedb_commit_time`.
 * CPU: each node's `process_cpu_seconds_total` over the cell.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Σ of each metric's `_sum` / `_count` / plain value over all its label sets. */
export type MetricSnapshot = ReadonlyMap<string, number>;

/** Scrape one operations endpoint (`host:port`); an unreachable endpoint gives an empty snapshot. */
export async function scrape(endpoint: string): Promise<MetricSnapshot> {
    const out = new Map<string, number>();
    let text = '';
    for (let attempt = 0; attempt < 3 && text === ''; attempt++) {
        try {
            const res = await fetch(`http://${endpoint}/metrics`, {
                signal: AbortSignal.timeout(10_000),
            });
            if (res.ok) text = await res.text();
        } catch {
            await new Promise((resolve) => setTimeout(resolve, 500)); // a busy node: once more
        }
    }
    for (const line of text.split('\n')) {
        if (line.startsWith('#') || line.length === 0) continue;
        const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{[^}]*\})?\s+(\S+)$/.exec(line);
        if (!m) continue;
        const v = Number(m[2]);
        if (Number.isFinite(v)) out.set(m[1]!, (out.get(m[1]!) ?? 0) + v);
    }
    return out;
}

const PHASES: readonly (readonly [string, 'orderer' | 'peer', string])[] = [
    ['endorse', 'peer', 'endorser_proposal_duration'],
    ['orderer validate', 'orderer', 'broadcast_validate_duration'],
    ['block fill', 'orderer', 'blockcutter_block_fill_duration'],
    ['raft persist', 'orderer', 'consensus_etcdraft_data_persist_duration'],
    ['validate+commit', 'peer', 'gossip_state_commit_duration'],
    ['block store', 'peer', 'ledger_blockstorage_commit_time'],
    ['state db', 'peer', 'ledger_statedb_commit_time'],
];

/** One phase: mean ms per event (over both peers for peer phases) and the number of events. */
export interface Phase {
    readonly phase: string;
    readonly meanMs: number;
    readonly events: number;
}

export interface NetworkCost {
    readonly phases: readonly Phase[];
    /** CPU seconds of each node over the cell (orderer, peer-operator, peer-customers). */
    readonly cpuSeconds: Readonly<Record<string, number>>;
    /** Blocks cut by the orderer over the cell. */
    readonly blocks: number;
}

export interface Nodes {
    readonly orderer: string;
    readonly peers: readonly { readonly name: string; readonly endpoint: string }[];
}

export type NodeSnapshots = ReadonlyMap<string, MetricSnapshot>;

export async function snapshotNodes(nodes: Nodes): Promise<NodeSnapshots> {
    const entries = await Promise.all([
        scrape(nodes.orderer).then((m) => ['orderer', m] as const),
        ...nodes.peers.map((p) => scrape(p.endpoint).then((m) => [`peer-${p.name}`, m] as const)),
    ]);
    return new Map(entries);
}

/**
 * The network's cost between two snapshots; a node whose metrics could not be read in either
 * (an empty snapshot) counts as NaN, never as its totals since it started.
 */
export function networkCost(before: NodeSnapshots, after: NodeSnapshots): NetworkCost {
    const seen = (node: string): boolean =>
        (before.get(node)?.size ?? 0) > 0 && (after.get(node)?.size ?? 0) > 0;
    const delta = (node: string, name: string): number =>
        seen(node) ? (after.get(node)?.get(name) ?? 0) - (before.get(node)?.get(name) ?? 0) : NaN;
    const peers = [...after.keys()].filter((k) => k.startsWith('peer-') && seen(k));
    const phases = PHASES.map(([phase, kind, metric]) => {
        const nodes = kind === 'orderer' ? ['orderer'] : peers;
        let sum = 0;
        let count = 0;
        for (const n of nodes) {
            sum += delta(n, `${metric}_sum`);
            count += delta(n, `${metric}_count`);
        }
        return { phase, meanMs: count > 0 ? (1000 * sum) / count : NaN, events: count };
    });
    const cpuSeconds = Object.fromEntries(
        [...after.keys()].map((n) => [n, delta(n, 'process_cpu_seconds_total')]),
    );
    return {
        phases,
        cpuSeconds,
        blocks: delta('orderer', 'blockcutter_block_fill_duration_count'),
    };
}

export function formatCost(c: NetworkCost): string {
    const ph = c.phases
        .filter((p) => p.events > 0)
        .map((p) => `${p.phase} ${p.meanMs.toFixed(p.meanMs < 10 ? 1 : 0)} ms`)
        .join(', ');
    const cpu = Object.entries(c.cpuSeconds)
        .map(([n, s]) => `${n} ${s.toFixed(1)} s`)
        .join(', ');
    return `${c.blocks} blocks; per event: ${ph}; CPU ${cpu}`;
}

function du(path: string): number {
    let n = 0;
    let entries: string[];
    try {
        entries = readdirSync(path, { recursive: true }) as string[];
    } catch {
        return 0;
    }
    for (const f of entries) {
        try {
            const s = statSync(join(path, f));
            if (s.isFile()) n += s.size;
        } catch {
            // a LevelDB file removed by a compaction while we walk
        }
    }
    return n;
}

/** Bytes of one peer's ledger by store, and of the orderer's block files. */
export interface LedgerSizes {
    /** Per peer: `blocks` (block files + block index), `state` (state LevelDB), `history`. */
    readonly peers: Readonly<Record<string, { blocks: number; state: number; history: number }>>;
    readonly orderer: number;
}

/** Ledger directory sizes of a network brought up by scripts/fabric/up in `dataDir`. */
export function ledgerSizes(dataDir: string): LedgerSizes {
    const peers: Record<string, { blocks: number; state: number; history: number }> = {};
    let names: string[] = [];
    try {
        names = readdirSync(join(dataDir, 'peers'));
    } catch {
        // not a scripts/fabric/up layout: no sizes
    }
    for (const name of names) {
        const l = join(dataDir, 'peers', name, 'data', 'ledgersData');
        peers[name] = {
            blocks: du(join(l, 'chains')),
            state: du(join(l, 'stateLeveldb')),
            history: du(join(l, 'historyLeveldb')),
        };
    }
    return { peers, orderer: du(join(dataDir, 'orderer', 'ledger')) };
}

/** Bytes on disk per stored reading over a cell, for one peer (the mean of the peers) and the orderer. */
export interface DiskPerReading {
    readonly blocks: number;
    readonly state: number;
    readonly history: number;
    /** blocks + state + history of one peer: what each peer of the channel stores per reading. */
    readonly peerTotal: number;
    /** The orderer's block files per reading (the same blocks, kept once more by each orderer). */
    readonly orderer: number;
}

export function diskPerReading(
    before: LedgerSizes,
    after: LedgerSizes,
    readings: number,
): DiskPerReading | undefined {
    const names = Object.keys(after.peers);
    if (names.length === 0 || readings === 0) return undefined;
    const mean = (k: 'blocks' | 'state' | 'history'): number =>
        names.reduce((a, n) => a + after.peers[n]![k] - (before.peers[n]?.[k] ?? 0), 0) /
        names.length /
        readings;
    const blocks = mean('blocks');
    const state = mean('state');
    const history = mean('history');
    return {
        blocks,
        state,
        history,
        peerTotal: blocks + state + history,
        orderer: (after.orderer - before.orderer) / readings,
    };
}

export function formatDisk(d: DiskPerReading | undefined): string {
    if (!d) return 'bytes on disk: not measured (no scripts/fabric/up data dir)';
    return `bytes on disk per reading, each peer: ${d.peerTotal.toFixed(0)} (blocks ${d.blocks.toFixed(0)} + state ${d.state.toFixed(0)} + history ${d.history.toFixed(0)}); orderer blocks ${d.orderer.toFixed(0)}`;
}

/** CPU seconds (user + system) used so far by a process and its descendants; 0 when not on Linux. */
function treeCpuSeconds(pid: number): number {
    let ticks = 0;
    const seen = new Set<number>();
    const walk = (p: number): void => {
        if (seen.has(p)) return;
        seen.add(p);
        try {
            const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
            const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
            ticks += Number(f[11]) + Number(f[12]); // utime, stime (fields 14, 15)
            for (const t of readdirSync(`/proc/${p}/task`))
                for (const c of readFileSync(`/proc/${p}/task/${t}/children`, 'utf8').split(' '))
                    if (c.trim()) walk(Number(c));
        } catch {
            // gone, or not Linux
        }
    };
    walk(pid);
    return ticks / 100; // USER_HZ
}

/**
 * CPU seconds used so far by the server of chaincode `name` (scripts/fabric/deploy's pid file in
 * `dataDir`), or undefined when it is not known.
 */
export function chaincodeCpuSeconds(dataDir: string, name: string): number | undefined {
    try {
        const pid = Number(readFileSync(join(dataDir, 'run', `cc-${name}.pid`), 'utf8').trim());
        return Number.isInteger(pid) && pid > 0 ? treeCpuSeconds(pid) : undefined;
    } catch {
        return undefined;
    }
}
