// SPDX-License-Identifier: Apache-2.0
/**
 * Signature verification before ordering (ledger/embedded/verify-pool): the pool's verdicts only
 * ever let verifyEd25519 answer sooner, never differently; a forged signature stays refused.
 */
import { strict as assert } from 'node:assert';
import { describe, it } from 'node:test';
import { ed25519Signer, verifyEd25519 } from '../../../src/fe/ed25519.js';
import { VerifyPool } from '../../../src/ledger/embedded/verify-pool.js';
import { takeValidPoints } from '../../../src/fe/point-notes.js';
import { ristretto255 as g } from '../../../src/fe/ristretto255.js';

describe('verify pool', () => {
    it('notes valid signatures only; forged, tampered and foreign ones stay refused', async () => {
        const s = ed25519Signer(new Uint8Array(32).fill(5));
        const other = ed25519Signer(new Uint8Array(32).fill(6));
        const triples = Array.from({ length: 12 }, (_, i) => {
            const message = new TextEncoder().encode(`reading ${i}`);
            return { publicKey: s.publicKey, message, signature: s.sign(message) };
        });
        const forged = triples.map((t, i) => {
            const signature = t.signature.slice();
            if (i % 3 === 0) signature[5]! ^= 1; // tampered R
            return i % 3 === 1
                ? { ...t, signature: other.sign(t.message) } // another key's signature
                : i % 3 === 2
                  ? { ...t, message: new TextEncoder().encode(`other ${i}`) } // another message
                  : { ...t, signature };
        });
        const pool = new VerifyPool(2);
        try {
            await pool.verify([...triples, ...forged]);
            // the noble backend would take milliseconds; the verdicts are the same either way
            for (const t of triples)
                assert.equal(verifyEd25519(t.publicKey, t.message, t.signature, 'noble'), true);
            for (const t of forged)
                assert.equal(verifyEd25519(t.publicKey, t.message, t.signature, 'noble'), false);
            // a noted verdict is used once: the same triple again is verified for real (still true)
            const t0 = triples[0]!;
            assert.equal(verifyEd25519(t0.publicKey, t0.message, t0.signature), true);
            // a noted triple does not make a tampered copy of it pass
            await pool.verify(triples);
            const bad = t0.signature.slice();
            bad[40]! ^= 1;
            assert.equal(verifyEd25519(t0.publicKey, t0.message, bad), false);
        } finally {
            await pool.close();
        }
        // a closed pool answers nothing and notes nothing
        await pool.verify(triples);
    });

    it('notes point encodings only when all decode, for exactly those bytes, once', async () => {
        const s = ed25519Signer(new Uint8Array(32).fill(7));
        const triples = Array.from({ length: 8 }, (_, i) => {
            const message = new TextEncoder().encode(`points ${i}`);
            return { publicKey: s.publicKey, message, signature: s.sign(message) };
        });
        const good = new Uint8Array(3 * 32);
        for (let i = 0; i < 3; i++) good.set(g.encode(g.mulBase(BigInt(i + 2))), i * 32);
        const bad = good.slice();
        bad.fill(0xff, 32, 64); // the second encoding is not a point
        const pool = new VerifyPool(2);
        try {
            await pool.verify(triples, { group: g.name, bytes: bad, count: 3 });
            assert.equal(takeValidPoints(g.name, bad), false);
            await pool.verify(triples, { group: g.name, bytes: good, count: 3 });
            assert.equal(takeValidPoints('ffdhe2048', good), false); // another group: not noted
            const flipped = good.slice();
            flipped[70]! ^= 1;
            assert.equal(takeValidPoints(g.name, flipped), false); // other bytes: not noted
            assert.equal(takeValidPoints(g.name, good), true);
            assert.equal(takeValidPoints(g.name, good), false); // answered once
        } finally {
            await pool.close();
        }
    });
});
