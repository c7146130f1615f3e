// SPDX-License-Identifier: Apache-2.0
/** Encrypted key files: round trip, wrong passphrase, every kind of tampering. */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { KeyFileError, openKeyFile, sealKeyFile } from './exports.js';

describe('key files', async () => {
    const secret = new Uint8Array(32).map((_, i) => i);
    const text = await sealKeyFile(secret, 'correct horse', 'customer-root-seed', { logN: 10 });
    it('round-trips and checks the kind', async () => {
        assert.deepEqual(await openKeyFile(text, 'correct horse', 'customer-root-seed'), secret);
        await assert.rejects(
            openKeyFile(text, 'correct horse', 'meter-key'),
            /holds a "customer-root-seed"/,
        );
    });
    it('refuses a wrong passphrase', async () => {
        await assert.rejects(
            openKeyFile(text, 'wrong', 'customer-root-seed'),
            (e: unknown) => e instanceof KeyFileError && e.message.includes('wrong passphrase'),
        );
    });
    it('refuses flipped bits in ciphertext, nonce, salt, kind', async () => {
        const j = JSON.parse(text) as Record<string, unknown> & { kdf: Record<string, unknown> };
        const flip = (h: string): string => (h.startsWith('0') ? '1' : '0') + h.slice(1);
        const variants = [
            { ...j, ciphertext: flip(j.ciphertext as string) },
            { ...j, nonce: flip(j.nonce as string) },
            { ...j, kind: 'customer-root-seeD' },
            { ...j, kdf: { ...j.kdf, salt: flip(j.kdf.salt as string) } },
            { ...j, kdf: { ...j.kdf, N: 2048 } },
        ];
        for (const v of variants)
            await assert.rejects(openKeyFile(JSON.stringify(v), 'correct horse'), KeyFileError);
    });
    it('refuses malformed, truncated and oversized files with a clear error', async () => {
        for (const bad of [
            '',
            '{',
            text.slice(0, text.length / 2),
            '[]',
            '{"format":"femeter-keyfile/1"}',
            'x'.repeat(70_000),
        ]) {
            await assert.rejects(openKeyFile(bad, 'correct horse'), KeyFileError);
        }
        const j = JSON.parse(text) as { kdf: Record<string, unknown> };
        await assert.rejects(
            openKeyFile(JSON.stringify({ ...j, kdf: { ...j.kdf, N: 2 ** 30 } }), 'x'),
            /out of range/,
        );
        await assert.rejects(sealKeyFile(secret, '', 'k'), /empty passphrase/);
    });
});
