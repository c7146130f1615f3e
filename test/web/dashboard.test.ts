// SPDX-License-Identifier: Apache-2.0
/**
 * The web dashboard in real headless Chromium (Debian's `chromium`, driven by playwright-core),
 * served by the gateway over a small deployment: a customer loads a wallet and sees decrypted
 * charts whose totals equal the energy bill; a bill tampered with in transit shows as invalid; a
 * provider sees verified bills; an auditor runs "verify everything"; the operator view renders.
 * No request leaves for another origin and no wallet secret is ever sent. Screenshots are kept in
 * $FEMETER_ARTIFACTS (default test-artifacts/web, git-ignored).
 *
 * Needs `npm run build:web` and /usr/bin/chromium; without them the test is skipped, unless
 * FEMETER_REQUIRE_BROWSER=1 (as in .ci/run), where it fails.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { bytesToHex } from '@noble/hashes/utils.js';
import { chromium, type Browser, type Page } from 'playwright-core';
import { embeddedEngine, type Engine } from '../../src/apps/engines.js';
import { ed25519PublicKey } from '../../src/fe/ed25519.js';
import { participantKey } from '../../src/apps/gateway/engine.js';
import { sealWalletFile } from '../../src/apps/gateway/wallet-file.js';
import { startGateway, type Gateway } from '../../src/apps/gateway/server.js';
import { periodSlots } from '../../src/contract/tariff/index.js';
import { CHANNEL, derive, makeWorld, meterPeriod, NEXT, PERIOD, type World } from '../e2e/world.js';
import { makeGridWorld, type GridFixture } from './grid-world.js';
import { hpkeKeyPair } from '../../src/roles/hpke.js';
import { SurveyApi } from '../../src/roles/surveyor/api.js';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
const WEB = join(ROOT, 'dist', 'web');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve(process.env.FEMETER_ARTIFACTS ?? join(ROOT, 'test-artifacts', 'web'));
const missing = [
    existsSync(join(WEB, 'index.html')) ? '' : 'dist/web (npm run build:web)',
    existsSync(CHROMIUM) ? '' : CHROMIUM,
].filter(Boolean);
const skip =
    missing.length > 0 && process.env.FEMETER_REQUIRE_BROWSER !== '1'
        ? `needs ${missing.join(' and ')}`
        : false;

describe('web dashboard in Chromium', { skip }, () => {
    // undefined until before() gets that far (after() cleans up whatever it made)
    let w: World | undefined;
    let engine: (Engine & { ledger: Parameters<typeof startGateway>[0]['ledger'] }) | undefined;
    let gateway: Gateway | undefined;
    let browser: Browser | undefined;
    let tmp: string | undefined;
    const PASSPHRASE = 'dashboard test passphrase';
    const wallets: Record<string, string> = {};
    const secrets: string[] = [];
    let grid: GridFixture | undefined;

    before(async () => {
        assert.deepEqual(missing, [], `missing: ${missing.join(', ')}`);
        delete process.env.FEMETER_E2E_ENGINE;
        w = await makeWorld(1);
        const h = w.households[0]!;
        for (const t of ['provider-a.energy', 'provider-a.flat'])
            await h.customer.acceptTariff({
                meter: h.meterId,
                channel: CHANNEL,
                provider: 'provider-a',
                tariff: { id: t, version: 1 },
                periods: [PERIOD],
            });
        await meterPeriod(h, PERIOD);
        await w.providers[0]!.provider.bill(h.meterId, CHANNEL, PERIOD);
        grid = await makeGridWorld(w);
        // a surveyor asks cust-0 for two surveys of the period (answered in the browser below)
        const lab = await w.engine.connect('lab', 'operator');
        await w.operator.api.registerParty({
            id: 'lab',
            role: 'surveyor',
            name: 'Survey lab',
            identity: lab.identity,
            hpkePublicKey: (await hpkeKeyPair(derive('lab/hpke'))).publicKeyHex,
        });
        for (const id of ['total', 'second-look'])
            await new SurveyApi(lab.api.client).requestSurvey({
                id,
                meter: h.meterId,
                channel: CHANNEL,
                period: PERIOD,
                spec: { kind: 'total' },
                purpose: `load study (${id})`,
            });
        // the gateway reopens the ledger: close it but keep the directory (w.close() deletes it)
        for (const hh of w.households) hh.outbox.close();
        await w.engine.close();
        engine = await embeddedEngine(join(w.dir, 'ledger'), derive('engine'));
        const reader = (await engine.connect('operator', 'operator')).api;
        gateway = await startGateway({ ledger: engine.ledger, reader, webDir: WEB });
        const walletDir = mkdtempSync(join(tmpdir(), 'femeter-web-'));
        tmp = walletDir;
        const wallet = async (
            party: string,
            role: string,
            mspId: string,
            root?: string,
        ): Promise<void> => {
            const ledgerKey = bytesToHex(participantKey(derive('engine'), party));
            secrets.push(ledgerKey, PASSPHRASE, ...(root ? [root] : []));
            const file = join(walletDir, `${party}.json`);
            // sealed as `femeter wallet` seals it, at a low scrypt cost so the page opens it fast
            const doc = { femeter: 'wallet/1' as const, party, role, mspId, ledgerKey };
            writeFileSync(
                file,
                await sealWalletFile(root ? { ...doc, root } : doc, PASSPHRASE, { logN: 12 }),
            );
            wallets[party] = file;
        };
        await wallet('cust-0', 'customer', 'CustomersMSP', bytesToHex(derive('cust-0/root')));
        await wallet('auditor', 'auditor', 'CustomersMSP');
        await wallet('provider-a', 'provider', 'OperatorMSP');
        await wallet('operator', 'operator', 'OperatorMSP');
        await wallet('grid-op', 'gridOperator', 'OperatorMSP');
        mkdirSync(ARTIFACTS, { recursive: true });
        browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    });
    after(async () => {
        await browser?.close();
        await gateway?.close();
        await engine?.close();
        if (w) rmSync(w.dir, { recursive: true, force: true });
        if (tmp) rmSync(tmp, { recursive: true, force: true });
    });

    /** A page that records every request, and refuses any to another origin. */
    /** A fresh page of the dashboard, its wallet input ready. */
    const blank = async (
        viewport = { width: 1200, height: 900 },
    ): Promise<{ page: Page; requests: { url: string; body: string }[] }> => {
        assert.ok(browser !== undefined && gateway !== undefined);
        const page = await browser.newPage({ viewport });
        // generous: decryption runs in the page, and CI runs two suites at once on two cores
        page.setDefaultTimeout(120_000);
        const requests: { url: string; body: string }[] = [];
        page.on('request', (r) => requests.push({ url: r.url(), body: r.postData() ?? '' }));
        page.on('pageerror', (e) => assert.fail(`page error: ${e.message}`));
        await page.goto(gateway.url + '/');
        // the app enables the input once its handler is attached (after the crypto backend loads)
        await page.locator('#wallet-file:enabled').waitFor({ state: 'attached' });
        return { page, requests };
    };
    const open = async (
        party: string,
        viewport = { width: 1200, height: 900 },
    ): Promise<{ page: Page; requests: { url: string; body: string }[] }> => {
        const { page, requests } = await blank(viewport);
        await page.fill('#wallet-passphrase', PASSPHRASE);
        await page.setInputFiles('#wallet-file', wallets[party]!);
        try {
            await page.getByTestId('who').filter({ hasText: party }).waitFor();
        } catch (e) {
            // say what the page was doing, not only that it timed out
            const said = await page.getByTestId('status').textContent();
            throw new Error(`wallet of ${party} not opened; the page says: ${said ?? ''}`, {
                cause: e,
            });
        }
        return { page, requests };
    };
    const ownOrigin = (requests: { url: string; body: string }[]): void => {
        assert.ok(gateway !== undefined);
        const origin = gateway.url;
        for (const r of requests)
            assert.ok(
                r.url.startsWith(origin) || r.url.startsWith('blob:') || r.url.startsWith('data:'),
                `request to another origin: ${r.url}`,
            );
        for (const r of requests)
            for (const s of secrets)
                assert.ok(!r.body.includes(s), `a wallet secret left the browser in ${r.url}`);
    };
    const decryptAndCheck = async (page: Page): Promise<void> => {
        await page.locator('#c-period option').first().waitFor({ state: 'attached' });
        await page.click('#c-load');
        await page.getByTestId('total-wh').waitFor({ timeout: 120_000 });
    };

    it('a sealed wallet: no passphrase, a wrong one, or a tampered file open nothing', async () => {
        // one bit of the ciphertext flipped: the right passphrase does not open it either
        const sealed = JSON.parse(readFileSync(wallets['cust-0']!, 'utf8')) as {
            ciphertext: string;
        };
        const c = sealed.ciphertext;
        sealed.ciphertext = c.slice(0, 10) + (c[10] === '0' ? '1' : '0') + c.slice(11);
        const tampered = join(tmp!, 'tampered.json');
        writeFileSync(tampered, JSON.stringify(sealed));
        const cases: [string, string, RegExp][] = [
            ['', wallets['cust-0']!, /enter its passphrase/],
            [
                'not the passphrase',
                wallets['cust-0']!,
                /wrong passphrase, or the file was modified/,
            ],
            [PASSPHRASE, tampered, /wrong passphrase, or the file was modified/],
        ];
        for (const [passphrase, file, expected] of cases) {
            const { page, requests } = await blank();
            await page.fill('#wallet-passphrase', passphrase);
            await page.setInputFiles('#wallet-file', file);
            await page.getByTestId('status').filter({ hasText: expected }).waitFor();
            assert.equal(((await page.getByTestId('who').textContent()) ?? '').trim(), '');
            ownOrigin(requests);
            await page.close();
        }
    });

    it('customer: decrypted charts total the energy bill; every bill verified', async () => {
        const { page, requests } = await open('cust-0');
        await decryptAndCheck(page);
        const total = (await page.getByTestId('total-wh').textContent())!.trim();
        assert.match(total, /^\d+$/);
        const energy = page.locator('[data-testid="bill-m"][data-tariff="provider-a.energy"]');
        assert.equal(
            (await energy.textContent())!.trim(),
            total,
            'energy bill = own decrypted total',
        );
        for (const grain of ['day', 'week', 'month']) {
            await page.click(`button[data-grain="${grain}"]`);
            await page.getByTestId(`table-${grain}`).waitFor();
            const chartTotal = (await page.getByTestId('chart-total').textContent())!.replace(
                /,/g,
                '',
            );
            assert.equal(chartTotal, total, `chart per ${grain} totals the bill`);
        }
        const verdicts = await page.getByTestId('bill-verdict').allTextContents();
        assert.equal(verdicts.length, 2);
        assert.deepEqual(verdicts, ['OK', 'OK']);
        assert.ok((await page.getByTestId('consents').locator('tbody tr').count()) >= 2);
        await page.click('button[data-grain="day"]');
        await page.screenshot({ path: join(ARTIFACTS, 'customer.png'), fullPage: true });
        // export: a download of own data, made in the browser
        const [download] = await Promise.all([
            page.waitForEvent('download'),
            page.click('#c-export'),
        ]);
        assert.match(download.suggestedFilename(), /^femeter-meter-0-2024-03\.json$/);
        ownOrigin(requests);
        await page.close();
        // the same on a phone-sized screen
        const phone = await open('cust-0', { width: 390, height: 844 });
        await decryptAndCheck(phone.page);
        const { overflow, culprits } = await phone.page.evaluate(() => ({
            overflow: document.documentElement.scrollWidth - window.innerWidth,
            culprits: [...document.querySelectorAll('body *')]
                .filter((e) => e.getBoundingClientRect().right > window.innerWidth + 1)
                .slice(0, 5)
                .map((e) => `${e.tagName}.${e.className}`),
        }));
        assert.ok(
            overflow <= 1,
            `the page scrolls sideways by ${overflow} px on a phone: ${culprits.join(', ')}`,
        );
        await phone.page.screenshot({
            path: join(ARTIFACTS, 'customer-phone.png'),
            fullPage: true,
        });
        await phone.page.close();
    });

    it('customer: a bill tampered with in transit shows as invalid', async () => {
        assert.ok(browser !== undefined && gateway !== undefined);
        const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
        page.setDefaultTimeout(120_000);
        await page.route('**/v1/transactions/evaluate', async (route) => {
            const res = await route.fetch();
            const body = (await res.json()) as { result?: string };
            let rows: unknown;
            try {
                rows = JSON.parse(Buffer.from(body.result ?? '', 'base64').toString('utf8'));
            } catch {
                rows = undefined;
            }
            if (
                Array.isArray(rows) &&
                rows.length > 0 &&
                (rows[0] as { proof?: unknown }).proof !== undefined
            ) {
                const bills = rows as { m: string }[];
                bills[0]!.m = (BigInt(bills[0]!.m) + 1n).toString();
                body.result = Buffer.from(JSON.stringify(bills)).toString('base64');
            }
            await route.fulfill({ response: res, json: body });
        });
        await page.goto(gateway.url + '/');
        await page.locator('#wallet-file:enabled').waitFor({ state: 'attached' });
        await page.fill('#wallet-passphrase', PASSPHRASE);
        await page.setInputFiles('#wallet-file', wallets['cust-0']!);
        await decryptAndCheck(page);
        const verdicts = await page.getByTestId('bill-verdict').allTextContents();
        assert.ok(verdicts.includes('INVALID'), verdicts.join(', '));
        await page.screenshot({ path: join(ARTIFACTS, 'customer-tampered.png'), fullPage: true });
        await page.close();
    });

    it('provider sees verified bills; auditor verifies everything and browses blocks; operator view', async () => {
        const prov = await open('provider-a');
        await prov.page.click('#p-load');
        await prov.page.getByTestId('provider-bills').waitFor({ timeout: 120_000 });
        const proofs = await prov.page.getByTestId('provider-proof').allTextContents();
        assert.deepEqual(proofs, ['valid', 'valid']);
        await prov.page.screenshot({ path: join(ARTIFACTS, 'provider.png'), fullPage: true });
        ownOrigin(prov.requests);
        await prov.page.close();

        const aud = await open('auditor');
        await aud.page.click('#a-verify');
        await aud.page.getByTestId('audit-verdict').waitFor({ timeout: 120_000 });
        assert.equal(
            await aud.page.getByTestId('audit-verdict').textContent(),
            'Everything verified',
        );
        await aud.page.screenshot({ path: join(ARTIFACTS, 'auditor-verify.png'), fullPage: true });
        await aud.page.click('#a-show-block');
        await aud.page.getByTestId('block-txs').waitFor();
        assert.match((await aud.page.getByTestId('block-txs').textContent())!, /Bootstrap/);
        await aud.page.click('#a-registry');
        await aud.page.getByTestId('registry').waitFor();
        assert.match((await aud.page.getByTestId('registry').textContent())!, /e2e-meter\/1/);
        await aud.page.screenshot({
            path: join(ARTIFACTS, 'auditor-registry.png'),
            fullPage: true,
        });
        ownOrigin(aud.requests);
        await aud.page.close();

        const op = await open('operator');
        await op.page.fill('#o-p-id', 'aud-web');
        await op.page.selectOption('#o-p-role', 'auditor');
        await op.page.fill('#o-p-name', 'Web auditor');
        // a real Ed25519 public key: the contract refuses non-points and torsion components
        await op.page.fill('#o-p-key', bytesToHex(ed25519PublicKey(derive('aud-web/ledger'))));
        await op.page.click('#o-party button[type=submit]');
        await op.page.locator('#o-out .ok').waitFor();
        assert.match(
            (await op.page.locator('#o-out').textContent())!,
            /Registered auditor aud-web/,
        );
        await op.page.screenshot({ path: join(ARTIFACTS, 'operator.png'), fullPage: true });
        await op.page.close();
    });
    it('grid operator: the feeder load curve shows the plaintext sums, member count and slot statuses', async () => {
        assert.ok(grid !== undefined);
        const { page, requests } = await open('grid-op');
        assert.equal(
            await page.locator('nav button[data-view="grid"]').getAttribute('aria-pressed'),
            'true',
        );
        // the controls are usable only once the groups are listed and the handlers attached
        await page.locator('#g-load:enabled').waitFor();
        const show = async (group: string, epoch: string): Promise<void> => {
            await page.selectOption('#g-group', {
                label: `${group} · ${CHANNEL} · ${epoch} (${grid!.members} members)`,
            });
            await page.click('#g-load');
            await page
                .getByTestId('grid-slots')
                .filter({ hasText: `Slots of ${group} (${epoch})` })
                .waitFor();
        };
        const text = async (id: string): Promise<string> =>
            ((await page.getByTestId(id).textContent()) ?? '').trim();

        await show('feeder-1', PERIOD);
        const slots = periodSlots(PERIOD, 'Europe/Berlin', 15).slotCount;
        assert.equal(await text('grid-members'), String(grid.members));
        const shown = await page
            .getByTestId('grid-slot')
            .evaluateAll((els) =>
                els.map((e) => [Number(e.getAttribute('data-slot')), e.getAttribute('data-sum')]),
            );
        assert.deepEqual(
            shown,
            [...grid.sums].map(([slot, sum]) => [slot, sum.toString()]),
            'every posted slot shows its plaintext sum',
        );
        const total = [...grid.sums.values()].reduce((a, b) => a + b, 0n);
        assert.equal(await text('grid-total'), total.toString());
        assert.equal(await text('grid-complete'), String(grid.sums.size));
        assert.equal(await text('grid-missing'), String(slots - grid.sums.size));
        assert.equal(await text('grid-blocked'), '0');
        const runs = await page
            .getByTestId('grid-run')
            .evaluateAll((els) =>
                els.map((e) => [
                    e.getAttribute('data-status'),
                    Number(e.getAttribute('data-from')),
                    Number(e.getAttribute('data-to')),
                ]),
            );
        assert.deepEqual(runs, [
            ['missing', grid.partial[0], grid.partial[0]],
            ['missing', Math.max(...grid.sums.keys()) + 1, slots - 1],
        ]);
        assert.equal(await page.locator('[data-testid="grid-curve"] polyline').count(), 2);
        await page.click('#g-verify');
        await page.getByTestId('grid-proofs').waitFor();
        assert.equal(
            await text('grid-proofs'),
            `${grid.sums.size} of ${grid.sums.size} posted sums verified in this browser`,
        );
        await page.screenshot({ path: join(ARTIFACTS, 'grid.png'), fullPage: true });

        // feeder-2: one household refused, so every slot is blocked and nothing is posted
        await show('feeder-2', NEXT);
        const april = periodSlots(NEXT, 'Europe/Berlin', 15).slotCount;
        assert.equal(await text('grid-complete'), '0');
        assert.equal(await text('grid-blocked'), String(april));
        assert.equal(await text('grid-total'), '0');
        assert.match(
            (await page.locator('#g-out').textContent())!,
            /1 member\(s\) refused consent/,
        );
        await page.screenshot({ path: join(ARTIFACTS, 'grid-blocked.png'), fullPage: true });
        ownOrigin(requests);
        await page.close();
    });
    it('customer: survey requests accepted and refused in the browser, recorded on the ledger', async () => {
        assert.ok(engine !== undefined);
        const { page, requests } = await open('cust-0');
        await page.locator('#c-surveys:enabled').waitFor();
        await page.click('#c-surveys');
        await page.getByTestId('surveys').waitFor();
        const status = (id: string) =>
            page.locator(`[data-testid="survey-status"][data-survey="${id}"]`);
        assert.equal(await status('total').textContent(), 'open');
        await page.click('button[data-survey="total"][data-action="accept"]');
        await status('total').filter({ hasText: 'accepted' }).waitFor();
        await page.click('button[data-survey="second-look"][data-action="refuse"]');
        await status('second-look').filter({ hasText: 'refused' }).waitFor();
        await page.screenshot({ path: join(ARTIFACTS, 'customer-surveys.png'), fullPage: true });
        ownOrigin(requests);
        await page.close();
        // the ledger holds both decisions; the accepted survey carries a key sealed to the surveyor
        const lab = await engine.connect('lab', 'operator');
        const held = await new SurveyApi(lab.api.client).getSurveys('meter-0', CHANNEL, PERIOD);
        assert.deepEqual(held.map((x) => [x.id, x.status]).sort(), [
            ['second-look', 'refused'],
            ['total', 'accepted'],
        ]);
        assert.match(held.find((x) => x.id === 'total')?.encryptedKey ?? '', /^([0-9a-f]{2})+$/);
    });
});
