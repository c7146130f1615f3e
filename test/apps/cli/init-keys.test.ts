// SPDX-License-Identifier: Apache-2.0
/**
 * Issue 9 item 10: outside the demo no secret is derived from a shared or default seed. Two party
 * directories made with the same role, id, ledger and passphrase get unrelated keys (ledger
 * identity, a meter's signing key, a provider's HPKE key), and the key file holds no plaintext
 * secret and does not open with another passphrase.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { femeter, ok } from './party-cli.js';

interface Registration {
    identity: { mspId: string; id: string };
    signingKey?: string;
    hpkePublicKey?: string;
}

describe('femeter init: every key from fresh randomness', () => {
    let dir = '';
    const d = (p: string): string => join(dir, p);
    before(() => {
        dir = mkdtempSync(join(tmpdir(), 'femeter-init-keys-'));
    });
    after(() => {
        rmSync(dir, { recursive: true, force: true });
    });

    for (const role of ['meter', 'provider', 'customer'])
        it(`two ${role} directories with the same id and passphrase share no key`, async () => {
            const regs: Registration[] = [];
            for (const n of ['a', 'b']) {
                await ok(
                    `init --role ${role} --id same-${role} --dir ${d(`${role}-${n}`)} --ledger ${d('ledger')}`,
                );
                regs.push(
                    JSON.parse(
                        readFileSync(d(`${role}-${n}/registration.json`), 'utf8'),
                    ) as Registration,
                );
            }
            const [a, b] = regs as [Registration, Registration];
            assert.notEqual(a.identity.id, b.identity.id, 'ledger identities differ');
            if (role === 'meter') {
                assert.match(a.signingKey ?? '', /^[0-9a-f]{64}$/);
                assert.notEqual(a.signingKey, b.signingKey, 'meter signing keys differ');
            }
            if (role === 'provider') {
                assert.ok(a.hpkePublicKey !== undefined);
                assert.notEqual(a.hpkePublicKey, b.hpkePublicKey, 'HPKE keys differ');
            }
            const sealed = readFileSync(d(`${role}-a/party.key`), 'utf8');
            assert.ok(!sealed.includes(a.identity.id), 'the key file is sealed');
        });

    it('a key file does not open with another passphrase', async () => {
        // with its passphrase it opens (the wallet backup is 24 words) ...
        const words = (await ok(`customer backup --dir ${d('customer-a')}`)).trim().split(/\s+/);
        assert.equal(words.length, 24);
        // ... with another it does not
        const r = await femeter(['customer', 'backup', '--dir', d('customer-a')], {
            FEMETER_PASSPHRASE: 'not the passphrase',
        });
        assert.notEqual(r.code, 0);
        assert.match(r.stderr, /cannot open .*\.key/);
    });
});
