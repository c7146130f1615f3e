// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/metrics
 * The gateway's counters and latency histograms in the Prometheus text exposition format (0.0.4).
 */

/** Latency bucket bounds in seconds. */
const _BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const _labels = (l: Readonly<Record<string, string>>): string => {
    const parts = Object.entries(l).map(
        ([k, v]) => `${k}="${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`,
    );
    return parts.length ? `{${parts.join(',')}}` : '';
};

interface _Histogram {
    counts: number[];
    sum: number;
    count: number;
}

export class Metrics {
    readonly #counters = new Map<string, { help: string; values: Map<string, number> }>();
    readonly #histograms = new Map<string, { help: string; values: Map<string, _Histogram> }>();
    readonly #gauges = new Map<string, { help: string; read: () => number }>();

    inc(name: string, help: string, labels: Readonly<Record<string, string>> = {}, by = 1): void {
        let c = this.#counters.get(name);
        if (c === undefined) this.#counters.set(name, (c = { help, values: new Map() }));
        const k = _labels(labels);
        c.values.set(k, (c.values.get(k) ?? 0) + by);
    }

    observe(
        name: string,
        help: string,
        labels: Readonly<Record<string, string>>,
        seconds: number,
    ): void {
        let h = this.#histograms.get(name);
        if (h === undefined) this.#histograms.set(name, (h = { help, values: new Map() }));
        const k = _labels(labels);
        let v = h.values.get(k);
        if (v === undefined)
            h.values.set(k, (v = { counts: _BUCKETS.map(() => 0), sum: 0, count: 0 }));
        for (const [i, bound] of _BUCKETS.entries())
            if (seconds <= bound) v.counts[i] = (v.counts[i] ?? 0) + 1;
        v.sum += seconds;
        v.count++;
    }

    gauge(name: string, help: string, read: () => number): void {
        this.#gauges.set(name, { help, read });
    }

    /** Text exposition of every metric. */
    render(): string {
        const out: string[] = [];
        for (const [name, c] of this.#counters) {
            out.push(`# HELP ${name} ${c.help}`, `# TYPE ${name} counter`);
            for (const [k, v] of c.values) out.push(`${name}${k} ${v}`);
        }
        for (const [name, g] of this.#gauges) {
            out.push(`# HELP ${name} ${g.help}`, `# TYPE ${name} gauge`, `${name} ${g.read()}`);
        }
        for (const [name, h] of this.#histograms) {
            out.push(`# HELP ${name} ${h.help}`, `# TYPE ${name} histogram`);
            for (const [k, v] of h.values) {
                const inner = k.length ? k.slice(1, -1) + ',' : '';
                _BUCKETS.forEach((b, i) =>
                    out.push(`${name}_bucket{${inner}le="${b}"} ${v.counts[i]}`),
                );
                out.push(`${name}_bucket{${inner}le="+Inf"} ${v.count}`);
                out.push(`${name}_sum${k} ${v.sum}`, `${name}_count${k} ${v.count}`);
            }
        }
        return out.join('\n') + '\n';
    }
}
