// SPDX-License-Identifier: Apache-2.0
/** Small DOM helpers: elements are built with textContent only (no HTML strings from the ledger). */

export function $(id: string): HTMLElement {
    const e = document.getElementById(id);
    if (e === null) throw new Error(`#${id} is missing`);
    return e;
}

export function el<K extends keyof HTMLElementTagNameMap>(
    tag: K,
    attrs: Record<string, string> = {},
    ...children: (Node | string)[]
): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    for (const c of children) e.append(c);
    return e;
}

/** A table with a caption; cells are strings or nodes; `num` columns are right-aligned. */
export function table(
    caption: string,
    head: readonly string[],
    rows: readonly (readonly (string | Node)[])[],
    o: { num?: readonly number[]; testid?: string } = {},
): HTMLElement {
    const num = new Set(o.num ?? []);
    const t = el('table', o.testid ? { 'data-testid': o.testid } : {});
    t.append(el('caption', {}, caption));
    t.append(
        el(
            'thead',
            {},
            el(
                'tr',
                {},
                ...head.map((h, i) =>
                    el('th', { scope: 'col', class: num.has(i) ? 'num' : '' }, h),
                ),
            ),
        ),
    );
    t.append(
        el(
            'tbody',
            {},
            ...rows.map((r) =>
                el('tr', {}, ...r.map((c, i) => el('td', { class: num.has(i) ? 'num' : '' }, c))),
            ),
        ),
    );
    // wide tables scroll inside their box on a phone, the page does not
    return el(
        'div',
        { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption },
        t,
    );
}

let statusEl: HTMLElement | undefined;
export function status(text: string, bad = false): void {
    statusEl ??= $('status');
    statusEl.textContent = text;
    statusEl.className = bad ? 'bad' : '';
}

/** Run an action, reporting failures in the status line (and re-enabling the button). */
export async function act(
    button: HTMLButtonElement | undefined,
    what: string,
    fn: () => Promise<void>,
): Promise<void> {
    if (button) button.disabled = true;
    status(`${what}…`);
    try {
        await fn();
        status(`${what}: done`);
    } catch (err) {
        status(`${what} failed: ${(err as Error).message}`, true);
    } finally {
        if (button) button.disabled = false;
    }
}

export const fmt = (n: number | bigint, digits = 0): string =>
    typeof n === 'bigint'
        ? n.toLocaleString('en-US')
        : n.toLocaleString('en-US', {
              maximumFractionDigits: digits,
              minimumFractionDigits: digits,
          });
