// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/hostile
 * Hostile input to the engine: bad and foreign signatures, replays (sequential, concurrent, after restart, of a
 * refused tx), malformed and oversized envelopes, wrong channel, bad creator keys, non-string arguments, and
 * random byte mutations of a valid envelope. Each must be refused with a typed error and leave the state as it was.
 */

import '../fixtures/quiet.js';

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';

import fc from 'fast-check';

import {
    encodeProposal,
    EndorseError,
    newProposal,
    signPayload,
} from '../../../src/ledger/index.js';
import type { EmbeddedLedger, LedgerClient, SignedEnvelope } from '../../../src/ledger/index.js';
import { connect, isEndorse, openLedger, party, tempDir, text } from '../helpers.js';
import type { Party } from '../helpers.js';

describe('hostile input', () => {
    let dir: string;
    let cleanup: () => Promise<void>;
    let ledger: EmbeddedLedger;
    let mallory: Party;
    let alice: Party;
    let client: LedgerClient;

    async function envelope(
        p: Party,
        txName: string,
        args: string[],
        channel = 'femeter',
    ): Promise<SignedEnvelope> {
        return signPayload(
            encodeProposal(newProposal({ channel, txName, args, creator: p.identity })),
            p.signer,
        );
    }

    /** Height and the full kv listing: what must not change when input is refused. */
    async function snapshot(): Promise<[bigint, string]> {
        return [ledger.height, text(await client.evaluate('List'))];
    }

    before(async () => {
        ({ dir, cleanup } = await tempDir());
        ledger = await openLedger(dir, { maxEnvelopeBytes: 64 * 1024, maxArgs: 8 });
        alice = party('OrgMSP');
        mallory = party('OrgMSP');
        client = connect(ledger, alice);
        await client.submit('Put', 'base', 'line');
    });
    after(async () => {
        await ledger.close();
        await cleanup();
    });

    it('refuses a flipped signature, a foreign signature and signatures of the wrong shape', async () => {
        const before = await snapshot();
        const good = await envelope(alice, 'Put', ['sig', 'x']);
        const flipped = new Uint8Array(good.signature);
        flipped[5] = (flipped[5] ?? 0) ^ 0x01;
        await assert.rejects(
            ledger.submitSigned({ payload: good.payload, signature: flipped }),
            isEndorse('BAD_SIGNATURE'),
        );
        const foreign = await signPayload(good.payload, mallory.signer);
        await assert.rejects(ledger.submitSigned(foreign), isEndorse('BAD_SIGNATURE'));
        await assert.rejects(
            ledger.submitSigned({ payload: good.payload, signature: new Uint8Array(64) }),
            isEndorse('BAD_SIGNATURE'),
        );
        await assert.rejects(
            ledger.submitSigned({ payload: good.payload, signature: good.signature.slice(0, 63) }),
            isEndorse('BAD_SIGNATURE'),
        );
        // S + L: same point equation, non-canonical S (malleability) is refused.
        const malleable = new Uint8Array(good.signature);
        let carry = 0;
        const L = [
            0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9,
            0xde, 0x14,
        ];
        for (let i = 0; i < 32; i++) {
            const sum = (malleable[32 + i] ?? 0) + (L[i] ?? (i === 31 ? 0x10 : 0)) + carry;
            malleable[32 + i] = sum & 0xff;
            carry = sum >> 8;
        }
        await assert.rejects(
            ledger.submitSigned({ payload: good.payload, signature: malleable }),
            isEndorse('BAD_SIGNATURE'),
        );
        await assert.rejects(
            ledger.evaluateSigned({ payload: good.payload, signature: flipped }),
            isEndorse('BAD_SIGNATURE'),
        );
        assert.deepEqual(await snapshot(), before);
        // The untouched envelope still goes through.
        await ledger.submitSigned(good);
    });

    it('refuses replays: sequential, concurrent, after a refusal, and after a restart', async () => {
        const once = await envelope(alice, 'Put', ['replay', '1']);
        await ledger.submitSigned(once);
        const before = await snapshot();
        await assert.rejects(ledger.submitSigned(once), isEndorse('DUPLICATE_TXID'));
        assert.deepEqual(await snapshot(), before);

        const twice = await envelope(alice, 'Put', ['replay-concurrent', '1']);
        const outcomes = await Promise.allSettled(
            Array.from({ length: 5 }, () => ledger.submitSigned(twice)),
        );
        assert.equal(outcomes.filter((o) => o.status === 'fulfilled').length, 1);
        for (const o of outcomes)
            if (o.status === 'rejected') isEndorse('DUPLICATE_TXID')(o.reason);

        const refused = await envelope(alice, 'PutThenFail', ['r', '1']);
        await assert.rejects(ledger.submitSigned(refused), isEndorse('CONTRACT_ERROR'));
        await assert.rejects(ledger.submitSigned(refused), isEndorse('DUPLICATE_TXID')); // the txId is spent

        await ledger.close();
        ledger = await openLedger(dir, { maxEnvelopeBytes: 64 * 1024, maxArgs: 8 });
        client = connect(ledger, alice);
        await assert.rejects(ledger.submitSigned(once), isEndorse('DUPLICATE_TXID'));
        await assert.rejects(ledger.submitSigned(twice), isEndorse('DUPLICATE_TXID'));
    });

    it('refuses malformed payloads', async () => {
        const before = await snapshot();
        const good = await envelope(alice, 'Put', ['malformed', 'x']);
        const cases: [string, Uint8Array][] = [
            ['empty', new Uint8Array(0)],
            ['random', new Uint8Array(200).map((_, i) => (i * 37 + 11) & 0xff)],
            ['truncated', good.payload.slice(0, good.payload.length - 1)],
            ['trailing byte', Uint8Array.from([...good.payload, 0])],
            ['bad magic', Uint8Array.from([0x58, ...good.payload.slice(1)])],
            [
                'unknown version',
                Uint8Array.from([...good.payload.slice(0, 4), 2, ...good.payload.slice(5)]),
            ],
        ];
        for (const [name, payload] of cases) {
            const signed = await signPayload(payload, alice.signer); // correctly signed garbage
            await assert.rejects(ledger.submitSigned(signed), isEndorse('MALFORMED'), name);
        }
        // Invalid UTF-8 inside an argument: replace the last byte of the arg "x" (0x78) with 0xff.
        const i = good.payload.indexOf(0x78, 20);
        const badUtf8 = new Uint8Array(good.payload);
        badUtf8[i] = 0xff;
        await assert.rejects(
            ledger.submitSigned(await signPayload(badUtf8, alice.signer)),
            isEndorse('MALFORMED'),
        );
        // Not even an envelope.
        await assert.rejects(
            ledger.submitSigned(null as unknown as SignedEnvelope),
            isEndorse('MALFORMED'),
        );
        await assert.rejects(
            ledger.submitSigned({
                payload: 'abc',
                signature: good.signature,
            } as unknown as SignedEnvelope),
            isEndorse('MALFORMED'),
        );
        assert.deepEqual(await snapshot(), before);
    });

    it('refuses arguments that are not strings or not well-formed, and too many arguments', async () => {
        const before = await snapshot();
        await assert.rejects(
            client.submit('Put', 1 as unknown as string, 'x'),
            isEndorse('MALFORMED'),
        );
        await assert.rejects(
            client.submit('Put', 'k', { toString: () => 'x' } as unknown as string),
            isEndorse('MALFORMED'),
        );
        await assert.rejects(client.submit('Put', 'k\uD800', 'x'), isEndorse('MALFORMED')); // lone surrogate
        await assert.rejects(client.submit(42 as unknown as string), isEndorse('MALFORMED'));
        await assert.rejects(
            client.submit('PutMany', ...Array.from({ length: 9 }, () => '[]')),
            isEndorse('MALFORMED'),
        );
        assert.deepEqual(await snapshot(), before);
    });

    it('refuses oversized envelopes', async () => {
        const before = await snapshot();
        await assert.rejects(
            client.submit('Put', 'big', 'x'.repeat(64 * 1024)),
            isEndorse('TOO_LARGE'),
        );
        assert.deepEqual(await snapshot(), before);
    });

    it('refuses an envelope for another channel', async () => {
        const before = await snapshot();
        await assert.rejects(
            ledger.submitSigned(await envelope(alice, 'Put', ['ch', 'x'], 'other')),
            isEndorse('WRONG_CHANNEL'),
        );
        assert.deepEqual(await snapshot(), before);
    });

    it('refuses creators whose credentials are not a strict Ed25519 key', async () => {
        const before = await snapshot();
        const smallOrder = new Uint8Array(32);
        smallOrder[0] = 1; // the identity point
        const nonCanonical = new Uint8Array(32).fill(0xff);
        nonCanonical[31] = 0x7f; // y = 2^255 − 1 ≥ p
        for (const credentials of [
            smallOrder,
            nonCanonical,
            new Uint8Array(31),
            new Uint8Array(33),
        ]) {
            const p = newProposal({
                channel: 'femeter',
                txName: 'Put',
                args: ['k', 'v'],
                creator: { mspId: 'OrgMSP', credentials },
            });
            const signed = await signPayload(encodeProposal(p), alice.signer);
            await assert.rejects(ledger.submitSigned(signed), isEndorse('MALFORMED'));
        }
        assert.deepEqual(await snapshot(), before);
    });

    it('never accepts a valid envelope with any single byte changed (property)', async () => {
        const good = await envelope(alice, 'Put', ['mutant', 'value']);
        const before = await snapshot();
        const allowed = new Set(['MALFORMED', 'BAD_SIGNATURE', 'WRONG_CHANNEL', 'TOO_LARGE']);
        await fc.assert(
            fc.asyncProperty(
                fc.boolean(),
                fc.nat(),
                fc.integer({ min: 1, max: 255 }),
                async (inSignature, position, xor) => {
                    const payload = new Uint8Array(good.payload);
                    const signature = new Uint8Array(good.signature);
                    const target = inSignature ? signature : payload;
                    const at = position % target.length;
                    target[at] = (target[at] ?? 0) ^ xor;
                    try {
                        await ledger.submitSigned({ payload, signature });
                    } catch (e) {
                        return e instanceof EndorseError && allowed.has(e.code);
                    }
                    return false;
                },
            ),
            { numRuns: 150 },
        );
        assert.deepEqual(await snapshot(), before);
        const report = await ledger.verify();
        assert.equal(report.ok, true, report.reason);
    });
});
