// SPDX-License-Identifier: Apache-2.0
/**
 * Grid view (docs/GRID.md): the feeder load curve of an aggregation group epoch, one point per slot
 * from the sums the grid operator posted with their proofs; the group's member count; and each
 * slot's status — complete (posted), missing (the group key exists but the slot is not posted: a
 * member's ciphertext is missing, or the grid operator has not run yet) or blocked (no key can
 * exist: a member refused, or key shares are still missing). Proofs are checked in this browser
 * on demand with the auditor's code. Nothing here can show a single household: the ledger holds
 * only the group's sums.
 */
import type {
    AggregateResult,
    AggregationConsent,
    AggregationGroup,
} from '../../src/contract/grid/index.js';
import { periodSlots } from '../../src/contract/tariff/index.js';
import { checkAggregates } from '../../src/roles/auditor/aggregates.js';
import { GridApi, type GroupEpochRef } from '../../src/roles/grid/api.js';
import { $, act, el, fmt, table } from './dom.js';
import type { Session } from './session.js';

export type SlotStatus = 'complete' | 'missing' | 'blocked';

/** A group record as the gateway's dedicated route answers it (with `memberCount`). */
type ListedGroup = AggregationGroup & { readonly memberCount?: number };

/** Why no key exists for a group epoch (undefined: every member consented and shared its key). */
export function blockedReason(
    g: AggregationGroup,
    consents: readonly AggregationConsent[],
    shares: number,
): string | undefined {
    const refused = consents.filter((c) => c.decision === 'refused');
    if (refused.length > 0)
        return `${refused.length} member(s) refused consent: the group key cannot exist this epoch`;
    if (shares < g.members.length)
        return `${shares} of ${g.members.length} key shares published: the key exists only once every member contributed`;
    return undefined;
}

/** Each slot's status and sum (sums only where posted). */
export function slotStatuses(
    g: AggregationGroup,
    posted: readonly AggregateResult[],
    blocked: boolean,
): { status: SlotStatus; result?: AggregateResult }[] {
    const by = new Map(posted.map((r) => [r.slot, r]));
    return Array.from({ length: g.slots }, (_, s) => {
        const r = by.get(s);
        if (r !== undefined) return { status: 'complete' as const, result: r };
        return { status: blocked ? ('blocked' as const) : ('missing' as const) };
    });
}

const SVG = 'http://www.w3.org/2000/svg';
const svg = (tag: string, attrs: Record<string, string | number>): SVGElement => {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    return e;
};
const COLOURS: Record<SlotStatus, string> = {
    complete: '#0a6b2d',
    missing: '#b3b3b3',
    blocked: '#a50e0e',
};

/** The load curve as an SVG: a line per run of posted slots, a status band below. */
function loadCurve(
    g: AggregationGroup,
    slots: readonly { status: SlotStatus; result?: AggregateResult }[],
): SVGElement {
    const W = 1000;
    const H = 260;
    const left = 56;
    const bottom = 36;
    const top = 24;
    const plotH = H - bottom - top;
    const max = slots.reduce((m, s) => (s.result ? Math.max(m, Number(s.result.m)) : m), 1);
    const x = (i: number): number => left + ((W - left - 8) * i) / Math.max(1, slots.length - 1);
    const y = (v: number): number => top + plotH - (plotH * v) / max;
    const complete = slots.filter((s) => s.status === 'complete').length;
    const root = svg('svg', {
        viewBox: `0 0 ${W} ${H}`,
        width: '100%',
        role: 'img',
        'aria-label': `Load curve of ${g.id}: ${complete} of ${slots.length} slots posted, peak ${max} Wh per slot; the table below lists the values`,
        class: 'grid-curve',
        'data-testid': 'grid-curve',
    });
    root.append(
        svg('line', { x1: left, y1: top + plotH, x2: W - 8, y2: top + plotH, stroke: '#888' }),
        svg('line', { x1: left, y1: top, x2: left, y2: top + plotH, stroke: '#888' }),
    );
    for (const v of [0, max / 2, max]) {
        const t = svg('text', { x: left - 6, y: y(v) + 4, 'text-anchor': 'end', 'font-size': 12 });
        t.textContent = fmt(Math.round(v));
        root.append(t);
    }
    const unit = svg('text', { x: 4, y: 12, 'font-size': 12 });
    unit.textContent = 'Wh per slot';
    root.append(unit);
    // one polyline per run of consecutive posted slots (a gap is not drawn as a line)
    let run: string[] = [];
    const flush = (): void => {
        if (run.length === 1) {
            const [px, py] = (run[0] ?? '0,0').split(',');
            root.append(svg('circle', { cx: px ?? 0, cy: py ?? 0, r: 2.5, fill: '#0b57d0' }));
        } else if (run.length > 1)
            root.append(
                svg('polyline', {
                    points: run.join(' '),
                    fill: 'none',
                    stroke: '#0b57d0',
                    'stroke-width': 1.5,
                }),
            );
        run = [];
    };
    slots.forEach((s, i) => {
        if (s.result) run.push(`${x(i).toFixed(1)},${y(Number(s.result.m)).toFixed(1)}`);
        else flush();
    });
    flush();
    // status band: one rectangle per run of equal status
    const bandY = H - bottom + 8;
    let from = 0;
    for (let i = 1; i <= slots.length; i++) {
        const st = slots[from]?.status;
        if (i < slots.length && slots[i]?.status === st) continue;
        if (st !== undefined)
            root.append(
                svg('rect', {
                    x: x(from),
                    y: bandY,
                    width: Math.max(1, x(i - 1) - x(from) + 1),
                    height: 8,
                    fill: COLOURS[st],
                    'data-status': st,
                }),
            );
        from = i;
    }
    const legend = svg('text', { x: left, y: H - 4, 'font-size': 12 });
    legend.textContent = 'band: green complete · grey missing · red blocked';
    root.append(legend);
    return root;
}

export function gridView(s: Session): void {
    const grid = new GridApi(s.client);
    const sel = $('g-group') as HTMLSelectElement;
    const load = $('g-load') as HTMLButtonElement;
    const verify = $('g-verify') as HTMLButtonElement;
    const out = $('g-out');
    let groups: ListedGroup[] = [];
    let shown: GroupEpochRef | undefined;
    // the controls stay disabled until the groups are listed and the handlers below are attached
    load.onclick = () =>
        void act(load, 'Loading the load curve', async () => {
            const g = groups[Number(sel.value)];
            if (g === undefined) throw new Error('choose a group');
            const ref = { group: g.id, channel: g.channel, epoch: g.epoch };
            const [group, consents, shares, posted] = await Promise.all([
                grid.getGroup(ref) as Promise<ListedGroup>,
                grid.getConsents(ref),
                grid.getShares(ref),
                grid.getAggregates(ref),
            ]);
            const why = blockedReason(group, consents, shares.length);
            const slots = slotStatuses(group, posted, why !== undefined);
            const count = (st: SlotStatus): number => slots.filter((x) => x.status === st).length;
            const p = periodSlots(group.epoch, group.timeZone, group.slotMinutes);
            const at = (i: number): string =>
                new Date(p.startMs + i * p.intervalMinutes * 60_000)
                    .toISOString()
                    .replace('.000Z', 'Z');
            const total = posted.reduce((sum, r) => sum + BigInt(r.m), 0n);
            // rows: each posted slot; each run of unposted slots as one row
            const rows: (string | Node)[][] = [];
            for (let i = 0; i < slots.length;) {
                const sl = slots[i];
                if (sl === undefined) break;
                if (sl.result) {
                    const r = sl.result;
                    rows.push([
                        String(i),
                        r.label,
                        el(
                            'span',
                            {
                                'data-testid': 'grid-slot',
                                'data-slot': String(i),
                                'data-sum': r.m,
                            },
                            fmt(BigInt(r.m)),
                        ),
                        String(r.members),
                        el('span', { class: 'ok', 'data-status': 'complete' }, 'complete'),
                        r.statuses.length === 0
                            ? ''
                            : r.statuses.map((x) => `${x.meter}: ${x.status}`).join(', '),
                    ]);
                    i++;
                    continue;
                }
                let j = i;
                // (a slot of the same status as an unposted one has no result either)
                while (slots[j + 1]?.status === sl.status) j++;
                rows.push([
                    i === j ? String(i) : `${i}–${j}`,
                    i === j ? at(i) : `${at(i)} … ${at(j)}`,
                    '',
                    '',
                    el(
                        'span',
                        {
                            class: sl.status === 'blocked' ? 'bad' : '',
                            'data-testid': 'grid-run',
                            'data-status': sl.status,
                            'data-from': String(i),
                            'data-to': String(j),
                        },
                        sl.status,
                    ),
                    sl.status === 'blocked' ? (why ?? '') : 'not posted',
                ]);
                i = j + 1;
            }
            shown = ref;
            verify.disabled = posted.length === 0;
            out.replaceChildren(
                el(
                    'p',
                    {},
                    `${group.id} · ${group.channel} · ${group.epoch}: `,
                    el(
                        'strong',
                        { 'data-testid': 'grid-members' },
                        String(group.memberCount ?? group.members.length),
                    ),
                    ` members (${group.households} households, at least ${group.minMembers}); grid operator ${group.gridOperator}; ${group.slots} slots of ${group.slotMinutes} min.`,
                ),
                el(
                    'p',
                    {},
                    'Slots: ',
                    el('strong', { 'data-testid': 'grid-complete' }, String(count('complete'))),
                    ' complete, ',
                    el('strong', { 'data-testid': 'grid-missing' }, String(count('missing'))),
                    ' missing, ',
                    el('strong', { 'data-testid': 'grid-blocked' }, String(count('blocked'))),
                    ' blocked; sum of the posted slots ',
                    el('strong', { 'data-testid': 'grid-total' }, total.toString()),
                    ' Wh.',
                ),
                ...(why === undefined ? [] : [el('p', { class: 'bad' }, `Blocked: ${why}.`)]),
                el(
                    'p',
                    {},
                    `Consents: ${consents.filter((c) => c.decision === 'allowed').length} allowed, ${consents.filter((c) => c.decision === 'refused').length} refused, ${g.members.length - consents.length} pending; key shares: ${shares.length} of ${g.members.length}.`,
                ),
                el('div', { class: 'chart' }, loadCurve(group, slots)),
                table(
                    `Slots of ${group.id} (${group.epoch})`,
                    ['slot', 'start (UTC)', 'sum (Wh)', 'members', 'status', 'note'],
                    rows,
                    { num: [2, 3], testid: 'grid-slots' },
                ),
                el('div', { id: 'g-proofs' }),
            );
        });
    verify.onclick = () =>
        void act(verify, 'Checking the aggregate proofs', async () => {
            if (shown === undefined) throw new Error('load a group first');
            const checks = await checkAggregates(grid, shown);
            const good = checks.filter((c) => c.proofValid && c.complete && c.statusesMatch);
            $('g-proofs').replaceChildren(
                el(
                    'p',
                    {
                        class: good.length === checks.length ? 'ok' : 'bad',
                        'data-testid': 'grid-proofs',
                    },
                    `${good.length} of ${checks.length} posted sums verified in this browser`,
                ),
            );
        });
    void act(undefined, 'Listing aggregation groups', async () => {
        groups = await grid.listGroups();
        groups.sort((a, b) => `${a.epoch} ${a.id}`.localeCompare(`${b.epoch} ${b.id}`));
        sel.replaceChildren(
            ...groups.map((g, i) =>
                el(
                    'option',
                    { value: String(i) },
                    `${g.id} · ${g.channel} · ${g.epoch} (${g.memberCount ?? g.members.length} members)`,
                ),
            ),
        );
        sel.disabled = groups.length === 0;
        load.disabled = groups.length === 0;
        if (groups.length === 0) out.replaceChildren(el('p', {}, 'No aggregation groups yet.'));
    });
}
