// SPDX-License-Identifier: Apache-2.0
/** Provider, auditor and operator views. */
import { ROUTES, TOKEN_SCHEME, type BlockBody } from '../../src/ledger/remote/wire.js';
import { checkBills } from './bills.js';
import { $, act, el, fmt, table } from './dom.js';
import type { Session } from './session.js';

const verdict = (ok: boolean, testid?: string): HTMLElement =>
    el(
        'span',
        { class: ok ? 'ok' : 'bad', ...(testid ? { 'data-testid': testid } : {}) },
        ok ? 'valid' : 'INVALID',
    );

export function providerView(s: Session): void {
    const btn = $('p-load') as HTMLButtonElement;
    btn.onclick = () =>
        void act(btn, 'Loading bills', async () => {
            const period = ($('p-period') as HTMLInputElement).value;
            const meters = await s.api.listMeters();
            const tariffs = (await s.api.listTariffs()).filter(
                (t) => t.provider === s.wallet.party,
            );
            const bills = [];
            for (const m of meters)
                for (const b of await s.api.listBills(m.id))
                    if (b.provider === s.wallet.party && b.period === period) bills.push(b);
            const checked = await checkBills(s.api, bills);
            const totals = new Map<string, bigint>();
            for (const c of checked)
                totals.set(c.bill.tariffId, (totals.get(c.bill.tariffId) ?? 0n) + BigInt(c.bill.m));
            $('p-out').replaceChildren(
                table(
                    'My tariffs',
                    ['tariff', 'version', 'published'],
                    tariffs.map((t) => [t.id, String(t.version), t.publishedAt]),
                ),
                table(
                    'Customers with consent (meters)',
                    ['meter', 'owner'],
                    meters.map((m) => [m.id, m.owner]),
                ),
                table(
                    `Bills of ${period}`,
                    ['meter', 'tariff', 'value', 'proof'],
                    checked.map((c) => [
                        c.bill.meter,
                        `${c.bill.tariffId} v${c.bill.tariffVersion}`,
                        c.bill.m,
                        verdict(c.proofValid, 'provider-proof'),
                    ]),
                    { num: [2], testid: 'provider-bills' },
                ),
                table(
                    'Totals per tariff',
                    ['tariff', 'sum of bills'],
                    [...totals].map(([t, v]) => [t, fmt(v)]),
                    { num: [1] },
                ),
            );
        });
}

export function auditorView(s: Session): void {
    const out = $('a-out');
    const verify = $('a-verify') as HTMLButtonElement;
    verify.onclick = () =>
        void act(verify, 'Verifying everything', async () => {
            const chain = await s.client.verify();
            const bills = await s.api.listBills('');
            const checked = await checkBills(s.api, bills);
            const bad = checked.filter((c) => !c.proofValid);
            const ok = chain.ok && bad.length === 0;
            out.replaceChildren(
                el('h3', {}, 'Report'),
                el(
                    'p',
                    { 'data-testid': 'audit-verdict', class: ok ? 'ok' : 'bad' },
                    ok ? 'Everything verified' : 'Problems found',
                ),
                table(
                    'Verification report',
                    ['check', 'result'],
                    [
                        [
                            'chain (hash links, block signatures, state rebuilt)',
                            chain.ok
                                ? `ok: ${chain.blocks} blocks, ${chain.txs} transactions`
                                : `FAILED at block ${chain.firstBadBlock}: ${chain.reason}`,
                        ],
                        [
                            'bill proofs (checked in this browser)',
                            `${checked.length - bad.length} of ${checked.length} valid`,
                        ],
                        ...bad.map((c) => [
                            `bill ${c.bill.meter} ${c.bill.period} ${c.bill.tariffId}`,
                            'INVALID proof',
                        ]),
                    ],
                    { testid: 'audit-report' },
                ),
            );
        });
    const reg = $('a-registry') as HTMLButtonElement;
    reg.onclick = () =>
        void act(reg, 'Loading the meter registry', async () => {
            const meters = await s.api.listMeters();
            out.replaceChildren(
                table(
                    'Meter registry',
                    ['meter', 'owner', 'software', 'digest', 'group', 'registered'],
                    meters.map((m) => [
                        m.id,
                        m.owner,
                        m.software.id,
                        m.software.digest.slice(0, 16) + '…',
                        m.group,
                        m.registeredAt,
                    ]),
                    { testid: 'registry' },
                ),
            );
        });
    const show = $('a-show-block') as HTMLButtonElement;
    show.onclick = () =>
        void act(show, 'Loading the block', async () => {
            const n = ($('a-block') as HTMLInputElement).value;
            const path = ROUTES.block.replace(
                ':number',
                String(Math.max(0, Math.floor(Number(n)))),
            );
            const res = await fetch(path, {
                headers: { authorization: `${TOKEN_SCHEME} ${await s.client.token('GET', path)}` },
            });
            if (!res.ok)
                throw new Error(
                    ((await res.json()) as { error: { message: string } }).error.message,
                );
            const b = (await res.json()) as BlockBody;
            out.replaceChildren(
                el(
                    'p',
                    {},
                    `Block ${b.number}, hash ${b.hash.slice(0, 16)}…, previous ${b.previousHash.slice(0, 16)}…, ${new Date(b.timestamp).toISOString()}`,
                ),
                table(
                    `Transactions of block ${b.number}`,
                    ['tx', 'name', 'creator', 'validation', 'event'],
                    b.txs.map((t) => [
                        t.txId.slice(0, 12) + '…',
                        t.txName,
                        `${t.creator.mspId} ${t.creator.id.slice(0, 20)}…`,
                        t.validationCode,
                        t.event ?? '',
                    ]),
                    { testid: 'block-txs' },
                ),
            );
        });
}

export function operatorView(s: Session): void {
    const out = $('o-out');
    const v = (id: string): string => ($(id) as HTMLInputElement).value.trim();
    ($('o-party') as HTMLFormElement).onsubmit = (ev) => {
        ev.preventDefault();
        void act(undefined, 'Registering the party', async () => {
            const hpke = v('o-p-hpke');
            const p = await s.api.registerParty({
                id: v('o-p-id'),
                role: v('o-p-role') as 'customer',
                name: v('o-p-name'),
                identity: { mspId: v('o-p-msp'), id: `ed25519::${v('o-p-key')}` },
                ...(hpke ? { hpkePublicKey: hpke } : {}),
            });
            out.replaceChildren(
                el('p', { class: 'ok' }, `Registered ${p.role} ${p.id} at ${p.registeredAt}`),
            );
        });
    };
    ($('o-meter') as HTMLFormElement).onsubmit = (ev) => {
        ev.preventDefault();
        void act(undefined, 'Registering the meter', async () => {
            const m = await s.api.registerMeter({
                id: v('o-m-id'),
                owner: v('o-m-owner'),
                identity: { mspId: 'CustomersMSP', id: `ed25519::${v('o-m-key')}` },
                signingKey: v('o-m-sign'),
                channels: [{ id: '1-0:1.8.0', unit: 'Wh', medium: 'electricity' }],
                maxPerSlot: Number(v('o-m-max')),
                software: { id: v('o-m-sw'), digest: v('o-m-swd') },
            });
            out.replaceChildren(el('p', { class: 'ok' }, `Registered meter ${m.id} of ${m.owner}`));
        });
    };
}
