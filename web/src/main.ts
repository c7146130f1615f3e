// SPDX-License-Identifier: Apache-2.0
/** The femeter dashboard: load a wallet, then the view of its role (customer, provider, auditor, operator). */
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { customerView } from './customer.js';
import { gridView } from './grid.js';
import { $, act, status } from './dom.js';
import { openWalletFile, isSealedWallet } from '../../src/apps/gateway/wallet-file.js';
import { openSession } from './session.js';
import { auditorView, operatorView, providerView } from './views.js';

function show(view: string): void {
    document.querySelectorAll<HTMLButtonElement>('nav button').forEach((b) => {
        b.setAttribute('aria-pressed', String(b.dataset.view === view));
    });
    document
        .querySelectorAll<HTMLElement>('[data-view-panel]')
        .forEach((p) => (p.hidden = p.dataset.viewPanel !== view));
}
document.querySelectorAll<HTMLButtonElement>('nav button').forEach(
    (b) =>
        (b.onclick = () => {
            show(b.dataset.view ?? '');
        }),
);

const file = $('wallet-file') as HTMLInputElement;
const pass = $('wallet-passphrase') as HTMLInputElement;
const openButton = $('wallet-open') as HTMLButtonElement;
const openWallet = (): void => {
    const f = file.files?.[0];
    if (!f) return;
    void act(openButton, 'Opening the wallet', async () => {
        const text = await f.text();
        if (isSealedWallet(text) && pass.value.length === 0) {
            pass.focus();
            throw new Error('this wallet is sealed: enter its passphrase, then press Open');
        }
        const wallet = await openWalletFile(text, pass.value);
        pass.value = '';
        const session = await openSession(wallet, location.origin);
        $('who').textContent =
            `Signed in as ${wallet.party} (${wallet.role}, ${wallet.mspId}); your keys stay in this browser.`;
        const view =
            wallet.role === 'indexPublisher'
                ? 'auditor'
                : wallet.role === 'gridOperator'
                  ? 'grid'
                  : wallet.role;
        show(view);
        if (wallet.role === 'customer') customerView(session);
        if (['gridOperator', 'auditor', 'operator'].includes(wallet.role)) gridView(session);
        providerView(session);
        auditorView(session);
        operatorView(session);
    });
};
file.onchange = openWallet;
openButton.onclick = openWallet;
pass.onkeydown = (e) => {
    if (e.key === 'Enter') openWallet();
};
// the input stays disabled until the handler above exists (the crypto backend loads first), so a
// file chosen early is never dropped; one chosen before that (restored by the browser) is opened now
file.disabled = false;
openButton.disabled = false;
if (file.files?.length) openWallet();
status('Load a wallet file to begin.');
