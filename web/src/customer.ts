// SPDX-License-Identifier: Apache-2.0
/**
 * Customer view: own meters, readings decrypted in this browser with the wallet's master secret
 * (the same src/fe and src/roles/customer code as the CLI), consumption per day / week / month and a
 * heat map of the slot profile, every bill checked (proof and value against own readings), the
 * consent records and keys with the privacy guard explained, and an export of own data.
 */
import uPlot from 'uplot';
import type { Meter, PeriodRecord } from '../../src/contract/records.js';
import { periodSlots } from '../../src/contract/tariff/index.js';
import { BsgsTable } from '../../src/fe/dlog.js';
import type { AnyGroup } from '../../src/fe/groups.js';
import type { DlogSolver } from '../../src/fe/ipfe.js';
import { Customer, type OwnReading } from '../../src/roles/customer/customer.js';
import { Wallet } from '../../src/roles/customer/wallet.js';
import { surveysPanel } from './surveys.js';
import { $, act, el, fmt, table } from './dom.js';
import type { Session } from './session.js';

const tables = new Map<string, DlogSolver<unknown>>();
const dlog = (g: AnyGroup): DlogSolver<unknown> => {
    let t = tables.get(g.name);
    if (t === undefined) tables.set(g.name, (t = BsgsTable.build(g, 12) as DlogSolver<unknown>));
    return t;
};

type Grain = 'day' | 'week' | 'month';

function localDate(ms: number, timeZone: string): string {
    return new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
    }).format(ms);
}
function isoWeek(date: string): string {
    const d = new Date(`${date}T00:00:00Z`);
    const day = (d.getUTCDay() + 6) % 7;
    d.setUTCDate(d.getUTCDate() - day + 3);
    const firstThursday = new Date(Date.UTC(d.getUTCFullYear(), 0, 4));
    const week =
        1 +
        Math.round(
            ((d.getTime() - firstThursday.getTime()) / 86_400_000 -
                3 +
                ((firstThursday.getUTCDay() + 6) % 7)) /
                7,
        );
    return `${d.getUTCFullYear()}-W${String(week).padStart(2, '0')}`;
}

/** Totals per day / week / month (Wh), in time order. */
export function aggregate(
    readings: readonly OwnReading[],
    meter: Meter,
    period: string,
    grain: Grain,
): { keys: string[]; wh: number[] } {
    const p = periodSlots(period, meter.timeZone, meter.slotMinutes);
    const sums = new Map<string, bigint>();
    for (const r of readings) {
        const day = localDate(p.startMs + r.slot * p.intervalMinutes * 60_000, meter.timeZone);
        const key = grain === 'day' ? day : grain === 'week' ? isoWeek(day) : day.slice(0, 7);
        sums.set(key, (sums.get(key) ?? 0n) + r.value);
    }
    const keys = [...sums.keys()].sort();
    return { keys, wh: keys.map((k) => Number(sums.get(k) ?? 0n)) };
}

function drawChart(
    host: HTMLElement,
    readings: readonly OwnReading[],
    meter: Meter,
    period: string,
    grain: Grain,
): void {
    host.replaceChildren();
    const { keys, wh } = aggregate(readings, meter, period, grain);
    const total = wh.reduce((s, x) => s + x, 0);
    host.append(
        el(
            'p',
            {},
            `Consumption per ${grain}: `,
            el('strong', { 'data-testid': 'chart-total' }, fmt(total)),
            ' Wh in all',
        ),
    );
    const width = Math.max(260, Math.min(1000, host.clientWidth || 600));
    const xs = keys.map((_, i) => i);
    const bars = uPlot.paths.bars;
    if (bars === undefined) throw new Error('this uPlot build has no bars path builder');
    const chart = new uPlot(
        {
            title: `Wh per ${grain}`,
            width,
            height: 260,
            scales: { x: { time: false } },
            axes: [
                {
                    values: (_u, splits) =>
                        splits.map(
                            (i) => keys[Math.round(i)]?.slice(grain === 'month' ? 0 : 5) ?? '',
                        ),
                },
                { label: 'Wh' },
            ],
            series: [
                {},
                {
                    label: 'Wh',
                    stroke: '#0b57d0',
                    fill: 'rgba(11,87,208,0.25)',
                    paths: bars({ size: [0.8, 64] }),
                },
            ],
        },
        [xs, wh],
        host,
    );
    chart.root.setAttribute('role', 'img');
    chart.root.setAttribute(
        'aria-label',
        `Bar chart of consumption per ${grain}; the table below lists the values`,
    );
    host.append(
        table(
            `Wh per ${grain}`,
            [grain, 'Wh'],
            keys.map((k, i) => [k, fmt(wh[i] ?? 0)]),
            { num: [1], testid: `table-${grain}` },
        ),
    );
}

/** Heat map: one row per day, one column per slot of the day; darker = more energy. */
function drawHeatMap(
    host: HTMLElement,
    readings: readonly OwnReading[],
    meter: Meter,
    period: string,
): void {
    const p = periodSlots(period, meter.timeZone, meter.slotMinutes);
    const perDay = Math.round((24 * 60) / p.intervalMinutes);
    const days = new Map<string, number[]>();
    const tod = new Intl.DateTimeFormat('en-GB', {
        timeZone: meter.timeZone,
        hour: '2-digit',
        minute: '2-digit',
        hourCycle: 'h23',
    });
    let max = 1;
    for (const r of readings) {
        const ms = p.startMs + r.slot * p.intervalMinutes * 60_000;
        const day = localDate(ms, meter.timeZone);
        const [h, m] = tod.format(ms).split(':').map(Number) as [number, number];
        const col = Math.floor((h * 60 + m) / p.intervalMinutes);
        let row = days.get(day);
        if (row === undefined) days.set(day, (row = new Array<number>(perDay).fill(0)));
        row[col] = (row[col] ?? 0) + Number(r.value);
        max = Math.max(max, row[col]);
    }
    const keys = [...days.keys()].sort();
    const canvas = el('canvas', {
        class: 'heat',
        width: String(perDay * 6),
        height: String(keys.length * 12),
        role: 'img',
        'aria-label': `Heat map of the slot profile: ${keys.length} days (rows) by ${perDay} slots of the day (columns), peak ${max} Wh per slot`,
    });
    const ctx = canvas.getContext('2d');
    if (ctx) {
        keys.forEach((k, y) => {
            (days.get(k) ?? []).forEach((v, x) => {
                const t = v / max;
                ctx.fillStyle = `rgb(${Math.round(255 - 230 * t)}, ${Math.round(255 - 190 * t)}, ${Math.round(255 - 60 * t)})`;
                ctx.fillRect(x * 6, y * 12, 6, 12);
            });
        });
    }
    host.replaceChildren(
        el('h3', {}, 'Slot profile (heat map)'),
        el(
            'p',
            {},
            'Rows: days of the month; columns: time of day (00:00 at the left); darker cells used more energy.',
        ),
        canvas,
    );
}

const GUARD_TEXT: Record<string, string> = {
    ok: 'allowed: every weighted sum the keys of this period can produce together covers at least k slots, so no small group of slots can be isolated',
    'small-support':
        'refused: a combination of the keys of this period would reveal the sum of fewer than k slots',
    'too-complex':
        'refused: the keys span too many independent directions for the guard to prove the bound exactly',
    customer: 'refused by the customer',
    unchanged: 'key replaced; the key set is unchanged',
};

export function customerView(session: Session): void {
    const meterSel = $('c-meter') as HTMLSelectElement;
    const periodSel = $('c-period') as HTMLSelectElement;
    const out = $('c-out');
    const exportBtn = $('c-export') as HTMLButtonElement;
    const root = session.wallet.root;
    if (root === undefined) {
        out.replaceChildren(
            el('p', {}, 'This wallet has no customer root seed: the customer view needs one.'),
        );
        return;
    }
    const customer = new Customer({
        api: session.api,
        partyId: session.wallet.party,
        wallet: Wallet.fromHex(root),
        dlog,
    });
    let meters: Meter[] = [];
    let periods: PeriodRecord[] = [];
    let last: { meter: Meter; period: PeriodRecord; readings: OwnReading[] } | undefined;

    const fillPeriods = async (): Promise<void> => {
        periods = (await session.api.listPeriods(meterSel.value)).sort((a, b) =>
            a.period.localeCompare(b.period),
        );
        periodSel.replaceChildren(
            ...periods.map((p, i) =>
                el(
                    'option',
                    { value: String(i) },
                    `${p.period} · ${p.channel}${p.closed ? '' : ' (open)'}`,
                ),
            ),
        );
    };
    const surveys = surveysPanel(session, customer, () => {
        const period = periods[Number(periodSel.value)];
        return period === undefined
            ? undefined
            : { meter: meterSel.value, channel: period.channel, period: period.period };
    });
    void act(undefined, 'Loading your meters', async () => {
        meters = await session.api.listMeters();
        meterSel.replaceChildren(...meters.map((m) => el('option', { value: m.id }, m.id)));
        if (meters.length > 0) await fillPeriods();
        surveys.ready(meters.length > 0);
    });
    meterSel.onchange = () => void act(undefined, 'Loading periods', fillPeriods);

    const load = $('c-load') as HTMLButtonElement;
    load.onclick = () =>
        void act(load, 'Decrypting your readings and checking the bills', async () => {
            const meter = meters.find((m) => m.id === meterSel.value);
            const period = periods[Number(periodSel.value)];
            if (!meter || !period) throw new Error('choose a meter and a period');
            const readings = await customer.readings(meter.id, period.channel, period.period);
            const checks = await customer.checkBills(
                meter.id,
                period.channel,
                period.period,
                readings,
            );
            const consents = await session.api.getConsents(meter.id, period.channel, period.period);
            const agreements = await session.api.getAgreements(
                meter.id,
                period.channel,
                period.period,
            );
            last = { meter, period, readings };
            exportBtn.disabled = false;
            const total = readings.reduce((s, r) => s + r.value, 0n);
            const chartHost = el('div', { class: 'chart' });
            const grains = el('div', {
                class: 'tabs-inline',
                role: 'group',
                'aria-label': 'Chart granularity',
            });
            for (const g of ['day', 'week', 'month'] as const) {
                const b = el(
                    'button',
                    { type: 'button', 'aria-pressed': String(g === 'day'), 'data-grain': g },
                    `Per ${g}`,
                );
                b.onclick = () => {
                    grains.querySelectorAll('button').forEach((x) => {
                        x.setAttribute('aria-pressed', String(x === b));
                    });
                    drawChart(chartHost, readings, meter, period.period, g);
                };
                grains.append(b);
            }
            const heat = el('div');
            out.replaceChildren(
                el(
                    'p',
                    {},
                    `${meter.id}, ${period.period}: ${readings.length} of ${period.slots} slots decrypted here; total `,
                    el('strong', { 'data-testid': 'total-wh' }, total.toString()),
                    ' Wh.',
                ),
                grains,
                chartHost,
                heat,
                el('h3', {}, 'Bills'),
                checks.length === 0
                    ? el('p', {}, 'No bills for this period yet.')
                    : table(
                          'Every bill: the proof is checked in this browser, and the value against your own readings',
                          ['tariff', 'provider', 'billed', 'from my readings', 'proof', 'verdict'],
                          checks.map((c) => {
                              const row = [
                                  `${c.bill.tariffId} v${c.bill.tariffVersion}`,
                                  c.bill.provider,
                                  el(
                                      'span',
                                      { 'data-testid': 'bill-m', 'data-tariff': c.bill.tariffId },
                                      c.bill.m,
                                  ),
                                  c.expected.toString(),
                                  el(
                                      'span',
                                      { class: c.proofValid ? 'ok' : 'bad' },
                                      c.proofValid ? 'valid' : 'INVALID',
                                  ),
                                  el(
                                      'span',
                                      {
                                          class: c.matches ? 'ok' : 'bad',
                                          'data-testid': 'bill-verdict',
                                      },
                                      c.matches ? 'OK' : 'INVALID',
                                  ),
                              ];
                              return row;
                          }),
                          { num: [2, 3], testid: 'bills' },
                      ),
                el('h3', {}, 'Consents and keys'),
                el(
                    'p',
                    {},
                    'Each key you issued lets one provider compute one weighted sum of this period. The privacy guard decides per key; k is the smallest group of slots a key set may reveal the sum of.',
                ),
                table(
                    'Consent records',
                    ['provider', 'tariff', 'decision', 'guard', 'what it means', 'when'],
                    consents.map((c) => [
                        c.provider,
                        `${c.tariffId} v${c.tariffVersion}`,
                        c.decision,
                        `${c.guard.method ?? c.guard.code}, k = ${c.guard.k}${c.guard.minSupport === undefined ? '' : `, smallest support ${c.guard.minSupport}`}`,
                        GUARD_TEXT[c.guard.code] ?? c.reason,
                        c.at,
                    ]),
                    { testid: 'consents' },
                ),
                table(
                    'Active keys (sealed to the provider; the weights digest names the weighted sum)',
                    ['provider', 'tariff', 'weights digest', 'agreed'],
                    agreements.map((a) => [
                        a.provider,
                        `${a.tariffId} v${a.tariffVersion}`,
                        a.weightsDigest.slice(0, 16) + '…',
                        a.agreedAt,
                    ]),
                ),
            );
            drawChart(chartHost, readings, meter, period.period, 'day');
            drawHeatMap(heat, readings, meter, period.period);
        });

    exportBtn.onclick = () => {
        if (!last) return;
        const data = {
            meter: last.meter.id,
            channel: last.period.channel,
            period: last.period.period,
            unit: 'Wh',
            readings: last.readings.map((r) => ({
                slot: r.slot,
                value: r.value.toString(),
                status: r.status,
                seq: r.seq,
            })),
        };
        const a = el('a', {
            href: URL.createObjectURL(
                new Blob([JSON.stringify(data, null, 1)], { type: 'application/json' }),
            ),
            download: `femeter-${data.meter}-${data.period}.json`,
        });
        a.click();
        URL.revokeObjectURL(a.href);
    };
}
