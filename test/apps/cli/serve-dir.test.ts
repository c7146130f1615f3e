// SPDX-License-Identifier: Apache-2.0
/**
 * `femeter serve --dir` and `femeter wallet --dir` on a real deployment (party directories on a
 * fresh embedded ledger, every party its own process through the built CLI; no demo seed): the
 * gateway's own directory, registered by the operator like any party, serves the ledger its
 * femeter.json names; a customer's wallet made from its own key file reads its own meter through
 * the remote client and is refused the neighbour's; the dashboard page loads. Hostile: a wallet
 * opened with a wrong passphrase, a gateway identity not registered, --dir with --data, a meter's
 * directory as a wallet.
 */
import { strict as assert } from 'node:assert';
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { hexToBytes } from '@noble/hashes/utils.js';
import { openWalletFile, type WalletFile } from '../../../src/apps/gateway/wallet-file.js';
import { identities, signers } from '../../../src/ledger/index.js';
import { RemoteLedger } from '../../../src/ledger/remote/client.js';
import { FemeterApi } from '../../../src/roles/api.js';
import { CLI, femeter, initParties, ok, PASS, refused, registerMeter } from './party-cli.js';

const WEB = fileURLToPath(new URL('../../../web', import.meta.url));

interface Served {
    readonly child: ChildProcessWithoutNullStreams;
    readonly url: string;
    readonly stderr: () => string;
}

/** Start `femeter serve --dir G --port 0`; resolves with its URL once it listens. */
function startServe(gateway: string): Promise<Served> {
    return new Promise((res, rej) => {
        const child = spawn(process.execPath, [CLI, 'serve', '--dir', gateway, '--port', '0'], {
            env: { ...process.env, FEMETER_PASSPHRASE: PASS },
        });
        let out = '';
        let err = '';
        child.stderr.on('data', (b: Buffer) => (err += b.toString()));
        child.stdout.on('data', (b: Buffer) => {
            out += b.toString();
            const line = out.split('\n')[0];
            if (out.includes('\n') && line !== undefined)
                res({ child, url: (JSON.parse(line) as { url: string }).url, stderr: () => err });
        });
        child.on('error', rej);
        child.on('exit', (code) => {
            rej(new Error(`femeter serve exited with ${String(code)} before listening: ${err}`));
        });
    });
}

async function stop(s: Served | undefined): Promise<number | null> {
    if (s?.child.exitCode !== null || s.child.signalCode !== null) return null;
    const exited = new Promise<number | null>((r) => s.child.once('exit', r));
    s.child.kill('SIGTERM');
    return exited;
}

describe('femeter serve --dir / wallet --dir on a deployment (embedded engine)', () => {
    let dir = '';
    const d = (p: string): string => join(dir, p);
    let served: Served | undefined;
    let wallet = '';

    before(async () => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-serve-dir-'));
        await initParties(d, `--ledger ${d('ledger')}`, [
            ['provider', 'acme'],
            ['customer', 'alice'],
            ['customer', 'bob'],
            ['meter', 'm-a'],
            ['meter', 'm-b'],
        ]);
        await registerMeter(d, 'm-a', 'alice');
        await registerMeter(d, 'm-b', 'bob');
        // the gateway's directory, not registered yet
        await ok(`init --role auditor --id gateway --dir ${d('gateway')} --ledger ${d('ledger')}`);
    });
    after(async () => {
        await stop(served);
        rmSync(dir, { recursive: true, force: true });
    });

    it('refuses a gateway directory the operator has not registered, saying to register it', async () => {
        await refused(
            `serve --dir ${d('gateway')} --port 0`,
            /the gateway's identity .*not registered.* — register it: femeter operator register .*gateway\/registration\.json/,
        );
        await refused(
            `serve --dir ${d('gateway')} --data ${d('world')} --port 0`,
            /--dir and --data do not go together/,
        );
    });

    it('serves the ledger of the registered gateway directory: /health ok', async () => {
        await ok(`operator register --dir ${d('op')} --request ${d('gateway/registration.json')}`);
        served = await startServe(d('gateway'));
        assert.match(served.url, /^http:\/\/127\.0\.0\.1:\d+$/);
        const health = await fetch(`${served.url}/health`);
        assert.equal(health.status, 200);
        assert.equal(((await health.json()) as { status: string }).status, 'ok');
    });

    it('wallet --dir: the customer reads its own meter through the gateway, not another', async () => {
        assert.ok(served);
        wallet = await ok(`wallet --dir ${d('alice')}`);
        assert.equal((JSON.parse(wallet) as { format?: string }).format, 'femeter-keyfile/1');
        assert.doesNotMatch(wallet, /ledgerKey/);
        const w: WalletFile = await openWalletFile(wallet, PASS);
        assert.deepEqual([w.party, w.role, w.mspId], ['alice', 'customer', 'CustomersMSP']);
        assert.match(w.root ?? '', /^[0-9a-f]{64}$/);
        const remote = await RemoteLedger.open({ url: served.url });
        const key = hexToBytes(w.ledgerKey);
        const client = remote.connect({
            identity: identities.ed25519(w.mspId, key),
            signer: signers.ed25519(key),
        });
        try {
            const api = new FemeterApi(client);
            assert.equal((await api.getMeter('m-a')).owner, 'alice');
            assert.deepEqual(
                (await api.listMeters()).map((m) => m.id),
                ['m-a'],
            );
            await assert.rejects(api.getMeter('m-b'), /FORBIDDEN|may not|not allowed/i);
        } finally {
            await client.close();
        }
    });

    it('a wallet opened with a wrong passphrase is refused; a separate wallet passphrase seals it', async () => {
        assert.notEqual(wallet, '');
        await assert.rejects(openWalletFile(wallet, 'not the passphrase'), /wrong passphrase/);
        writeFileSync(d('wallet.pass'), 'another passphrase 2\n');
        const other = await ok(
            `wallet --dir ${d('acme')} --wallet-passphrase-file ${d('wallet.pass')}`,
        );
        await assert.rejects(openWalletFile(other, PASS), /wrong passphrase/);
        const w = await openWalletFile(other, 'another passphrase 2');
        assert.deepEqual([w.party, w.role, w.root], ['acme', 'provider', undefined]);
        // the key file's own passphrase wrong: nothing is made
        const bad = await femeter(['wallet', '--dir', d('alice')], {
            FEMETER_PASSPHRASE: 'wrong passphrase 9',
        });
        assert.notEqual(bad.code, 0);
        assert.match(bad.stderr, /cannot open .*party\.key/);
        await refused(
            `wallet --dir ${d('m-a')}`,
            /belongs to a meter, which has no dashboard view/,
        );
        await refused(`wallet --dir ${d('alice')} --party alice`, /--dir does not go with/);
    });

    it(
        'serves the dashboard page',
        { skip: !existsSync(join(WEB, 'index.html')) && 'dist/web (npm run build:web)' },
        async () => {
            assert.ok(served);
            const page = await fetch(`${served.url}/`);
            assert.equal(page.status, 200);
            assert.match(page.headers.get('content-type') ?? '', /text\/html/);
            const html = await page.text();
            const script = /<script[^>]*src="([^"]+)"/.exec(html)?.[1];
            assert.ok(script, 'the page names its script');
            const js = await fetch(new URL(script, `${served.url}/`));
            assert.equal(js.status, 200);
            assert.ok((await js.arrayBuffer()).byteLength > 0); // read: the connection goes idle
        },
    );

    it("the parties' --dir commands go through the gateway (FEMETER_GATEWAY) while it holds the ledger", async () => {
        const s = served;
        assert.ok(s);
        // directly, the ledger is held by the gateway's process
        const held = await femeter(`operator list --dir ${d('op')}`, {
            FEMETER_LEDGER_WAIT_MS: '300',
        });
        assert.notEqual(held.code, 0);
        assert.match(held.stderr, /held by another process/);
        const via = { FEMETER_GATEWAY: s.url };
        // a write signed by the operator's own key, forwarded by the gateway
        await ok(`init --role auditor --id aud2 --dir ${d('aud2')} --ledger ${d('ledger')}`);
        const reg = await femeter(
            `operator register --dir ${d('op')} --request ${d('aud2/registration.json')}`,
            via,
        );
        assert.equal(reg.code, 0, reg.stderr);
        const list = await femeter(`operator list --dir ${d('op')}`, via);
        assert.equal(list.code, 0, list.stderr);
        const ids = (JSON.parse(list.stdout) as { parties: { id: string }[] }).parties.map(
            (p) => p.id,
        );
        assert.ok(ids.includes('aud2') && ids.includes('gateway'), ids.join(', '));
        // the auditor's whole audit, chain check included, through the gateway
        const audit = await femeter(`auditor report --dir ${d('aud2')}`, via);
        assert.equal(audit.code, 0, audit.stderr);
        assert.match(audit.stdout, /audit ok/);
        await refused(
            `operator list --dir ${d('op')}`,
            /FEMETER_GATEWAY ftp:\/\/x is not an http\(s\) URL/,
            {
                FEMETER_GATEWAY: 'ftp://x',
            },
        );
    });

    it('stops on SIGTERM with exit code 0', async () => {
        const s = served;
        assert.ok(s);
        assert.equal(await stop(s), 0, s.stderr());
        served = undefined;
    });
});
