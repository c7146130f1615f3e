// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/progress
 * Terminal rendering of the demo's progress (bars on a TTY, plain step lines otherwise) and
 * structured JSON-lines logs behind --log-json.
 */
import type { DemoReporter } from '../demo/demo.js';

export function terminalReporter(opts: {
    json: boolean;
    quiet: boolean;
}): DemoReporter & { done(): void } {
    const tty = process.stderr.isTTY && !opts.json;
    const started = performance.now();
    let last = 0;
    let open = false;
    const line = (s: string): void => {
        if (tty) process.stderr.write(`\r\x1b[2K${s}`);
    };
    return {
        step(name) {
            if (open && tty) process.stderr.write('\n');
            open = false;
            if (opts.json)
                process.stderr.write(
                    JSON.stringify({ t: new Date().toISOString(), event: 'step', name }) + '\n',
                );
            else if (!opts.quiet)
                process.stderr.write(
                    `${tty ? '' : ''}▸ ${name}  (${((performance.now() - started) / 1000).toFixed(1)} s)\n`,
                );
        },
        progress(name, done, total) {
            const now = performance.now();
            if (opts.json || (now - last < 100 && done < total)) return;
            last = now;
            const w = 30;
            const f = total > 0 ? Math.min(1, done / total) : 1;
            open = true;
            line(
                `  ${name.padEnd(10)} [${'█'.repeat(Math.round(f * w)).padEnd(w, '·')}] ${done}/${total}`,
            );
        },
        log(event, fields) {
            if (opts.json)
                process.stderr.write(
                    JSON.stringify({ t: new Date().toISOString(), event, ...fields }) + '\n',
                );
        },
        done() {
            if (open && tty) process.stderr.write('\n');
        },
    };
}
