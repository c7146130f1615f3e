// SPDX-License-Identifier: Apache-2.0
/**
 * @module test/ledger/codec
 * The canonical encodings (varints, strings, envelopes, blocks), the key order, Fabric's composite-key format and
 * the stub's input checks; properties with fast-check, hostile values inline.
 */

import '../fixtures/quiet.js';

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';

import fc from 'fast-check';

import {
    decodeData,
    decodeStoredBlock,
    encodeData,
    encodeHeader,
    encodeStoredBlock,
    refusalRecord,
} from '../../../src/ledger/embedded/block.js';
import type { TxRecord } from '../../../src/ledger/embedded/block.js';
import { CodecError, compareKeys, Reader, Writer } from '../../../src/ledger/embedded/codec.js';
import { sha256, signEd25519, verifyEd25519 } from '../../../src/ledger/embedded/crypto.js';
import {
    decodeProposal,
    encodeProposal,
    newProposal,
    transactionId,
} from '../../../src/ledger/embedded/envelope.js';
import { EmbeddedStub } from '../../../src/ledger/inprocess/stub.js';
import type { StateView } from '../../../src/ledger/inprocess/stub.js';
import { identities } from '../../../src/ledger/index.js';

const wellFormed = fc.string({ unit: 'binary', maxLength: 40 });

describe('codec', () => {
    it('round-trips varints and refuses non-minimal, oversized and truncated ones', () => {
        fc.assert(
            fc.property(fc.maxSafeNat(), (n) => {
                const r = new Reader(new Writer().varint(n).finish());
                assert.equal(r.varint(), n);
                r.end();
            }),
        );
        assert.throws(() => new Reader(Uint8Array.from([0x80, 0x00])).varint(), /non-minimal/);
        assert.throws(() => new Reader(Uint8Array.from([0x80])).varint(), /truncated/);
        assert.throws(
            () =>
                new Reader(
                    Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]),
                ).varint(),
            /range/,
        );
        assert.throws(() => new Writer().varint(-1), CodecError);
        assert.throws(() => new Writer().varint(2 ** 53), CodecError);
        assert.throws(() => new Writer().varint(1.5), CodecError);
    });

    it('refuses strings that would not survive UTF-8 and bytes that are not UTF-8', () => {
        assert.throws(() => new Writer().str('a\uD800b'), CodecError);
        assert.throws(() => new Writer().str('\uDC00'), CodecError);
        assert.throws(() => new Reader(Uint8Array.from([2, 0xc3, 0x28])).str(), /UTF-8/);
        assert.throws(() => {
            new Reader(Uint8Array.from([1, 0x41, 0x00])).end();
        }, /trailing/);
    });

    it('orders keys as LevelDB and Fabric do (UTF-8 bytes)', () => {
        fc.assert(
            fc.property(wellFormed, wellFormed, (a, b) => {
                const expected = Math.sign(
                    Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8')),
                );
                assert.equal(Math.sign(compareKeys(a, b)), expected);
            }),
            { numRuns: 2000 },
        );
        assert.ok(compareKeys('\uFFFF', '\u{10000}') < 0);
    });

    it('round-trips proposals canonically and refuses every truncation', () => {
        const creator = identities.ed25519('OrgMSP', identities.newPrivateKey());
        fc.assert(
            fc.property(
                wellFormed,
                fc.array(wellFormed, { maxLength: 6 }),
                fc.nat({ max: 999_999_999 }),
                (txName, args, nanos) => {
                    fc.pre(txName.length > 0);
                    const p = newProposal({
                        channel: 'ch',
                        txName,
                        args,
                        creator,
                        timestamp: { seconds: 1_700_000_000n, nanos },
                    });
                    const bytes = encodeProposal(p);
                    const back = decodeProposal(bytes, { maxArgs: 16 });
                    assert.deepEqual(
                        {
                            ...back,
                            nonce: [...back.nonce],
                            creator: {
                                ...back.creator,
                                credentials: [...back.creator.credentials],
                            },
                        },
                        {
                            ...p,
                            nonce: [...p.nonce],
                            creator: {
                                mspId: p.creator.mspId,
                                credentials: [...p.creator.credentials],
                            },
                        },
                    );
                    assert.deepEqual(encodeProposal(back), bytes);
                    assert.equal(
                        transactionId(back.nonce, back.creator),
                        transactionId(p.nonce, p.creator),
                    );
                    const cut = bytes.length - 1 - (nanos % bytes.length);
                    assert.throws(
                        () => decodeProposal(bytes.subarray(0, cut), { maxArgs: 16 }),
                        CodecError,
                    );
                },
            ),
            { numRuns: 300 },
        );
        const p = newProposal({ channel: 'ch', txName: 'T', args: ['a', 'b', 'c'], creator });
        assert.throws(
            () => decodeProposal(encodeProposal(p), { maxArgs: 2 }),
            /too many arguments/,
        );
        assert.throws(
            () =>
                newProposal({
                    channel: 'ch',
                    txName: 'T',
                    args: [1 as unknown as string],
                    creator,
                }),
            TypeError,
        );
        assert.throws(
            () => newProposal({ channel: 'ch', txName: '', args: [], creator }),
            TypeError,
        );
    });

    it('round-trips blocks and detects a wrong tx count', () => {
        const creator = identities.ed25519('OrgMSP', identities.newPrivateKey());
        const payload = encodeProposal(
            newProposal({ channel: 'ch', txName: 'T', args: [], creator }),
        );
        const txs: TxRecord[] = [
            {
                txId: 'ab'.repeat(32),
                payload,
                payloadHash: sha256(payload),
                signature: new Uint8Array(64).fill(1),
                validationCode: 'VALID',
                message: undefined,
                writes: [
                    { key: 'a', valueHash: sha256(Uint8Array.from([1, 2])) },
                    { key: 'b', valueHash: null },
                ],
                event: { name: 'E', payload: Uint8Array.from([9]) },
            },
            refusalRecord('cd'.repeat(32), sha256(payload), 'CONTRACT_ERROR', 'no'),
        ];
        const data = encodeData(txs);
        const header = {
            number: 5n,
            previousHash: new Uint8Array(32).fill(3),
            dataHash: sha256(data),
            timestamp: 1,
            txCount: 2,
        };
        const headerBytes = encodeHeader(header);
        const engineKey = identities.newPrivateKey();
        const signature = signEd25519(sha256(headerBytes), engineKey);
        const block = decodeStoredBlock(encodeStoredBlock(headerBytes, signature, data));
        assert.equal(block.number, 5n);
        assert.deepEqual(block.hash, sha256(headerBytes));
        assert.ok(
            verifyEd25519(
                identities.ed25519('e', engineKey).credentials,
                block.hash,
                block.signature,
            ),
        );
        assert.deepEqual(encodeData(decodeData(data)), data);
        assert.equal(block.txs[1]?.message, 'no');
        const refused = block.txs.at(1);
        assert.ok(refused !== undefined);
        assert.equal(refused.payload.length, 0, 'a refusal keeps no payload');
        assert.deepEqual(refused.payloadHash, sha256(payload));
        const long = refusalRecord(
            'ef'.repeat(32),
            sha256(payload),
            'CONTRACT_ERROR',
            'x'.repeat(5000),
        );
        assert.ok((long.message?.length ?? 0) <= 240);
        assert.equal(block.txs[0]?.writes[1]?.valueHash, null);
        // Large data is stored compressed and comes back byte for byte; a damaged encoding byte is refused.
        const big = encodeData([
            { ...txs[0]!, payload: new Uint8Array(64 * 1024).fill(0x61) },
            txs[1]!,
        ]);
        const stored = encodeStoredBlock(headerBytes, signature, big);
        assert.ok(stored.length < big.length / 4, `stored ${stored.length} of ${big.length}`);
        assert.deepEqual(decodeStoredBlock(stored).txs[0]?.payload.length, 64 * 1024);
        const damaged = stored.slice();
        assert.ok(headerBytes.length < 128); // one length byte, header, signature, then the encoding byte
        damaged[1 + headerBytes.length + 64] = 9;
        assert.throws(() => decodeStoredBlock(damaged), /encoding/);
        const wrongCount = encodeHeader({ ...header, txCount: 3 });
        assert.throws(
            () => decodeStoredBlock(encodeStoredBlock(wrongCount, signature, data)),
            /tx count/,
        );
    });
});

describe('stub', () => {
    const creator = identities.ed25519('OrgMSP', identities.newPrivateKey());
    const view: StateView = {
        get: () => undefined,
        range: () => ({ next: () => Promise.resolve(undefined), close: () => Promise.resolve() }),
    };
    const stub = (): EmbeddedStub =>
        new EmbeddedStub({
            proposal: newProposal({ channel: 'ch', txName: 'T', args: ['x'], creator }),
            txId: 'f'.repeat(64),
            view,
        });

    it("builds and splits composite keys in Fabric's exact format", () => {
        const s = stub();
        assert.equal(
            s.createCompositeKey('slot', ['m1', '0007']),
            '\u0000slot\u0000m1\u00000007\u0000',
        );
        assert.equal(s.createCompositeKey('slot', []), '\u0000slot\u0000');
        assert.deepEqual(s.splitCompositeKey('\u0000slot\u0000m1\u00000007\u0000'), {
            objectType: 'slot',
            attributes: ['m1', '0007'],
        });
        assert.deepEqual(s.splitCompositeKey('\u0000slot\u0000'), {
            objectType: 'slot',
            attributes: [],
        });
        assert.throws(() => s.createCompositeKey('', ['a']), /non-zero length/);
        assert.throws(() => s.createCompositeKey('slot', ['']), /non-zero length/);
        assert.throws(() => s.createCompositeKey('slot', 'a' as unknown as string[]), /array/);
    });

    it('checks keys, values and events like fabric-shim', async () => {
        const s = stub();
        await assert.rejects(s.putState('', Uint8Array.from([1])), /non-empty/);
        await assert.rejects(s.putState('k\uD800', Uint8Array.from([1])), /UTF-8/);
        await assert.rejects(s.putState('k', 42 as unknown as Uint8Array), /bytes/);
        await assert.rejects(s.getStateByRange('\u0000a', ''), /null character/);
        assert.throws(() => {
            s.setEvent('', Uint8Array.from([1]));
        }, /non-empty/);
        assert.equal((await s.getState('missing')).length, 0);
        assert.deepEqual(s.getFunctionAndParameters(), { fcn: 'T', params: ['x'] });
        assert.throws(() => s.getHistoryForKey(), /not supported/);
        await s.putState('z', Uint8Array.from([1]));
        await s.putState('a', Uint8Array.from([2]));
        await s.deleteState('m');
        const sealed = await s.seal();
        assert.deepEqual(
            sealed.writes.map((w) => w.key),
            ['a', 'm', 'z'],
        );
        await assert.rejects(s.getState('a'), /has ended/);
        await assert.rejects(s.putState('b', Uint8Array.from([1])), /has ended/);
    });

    it('copies values on putState (a contract reusing its buffer cannot change the write set)', async () => {
        const s = stub();
        const buf = Uint8Array.from([1, 2, 3]);
        await s.putState('k', buf);
        buf[0] = 9;
        const { writes } = await s.seal();
        assert.deepEqual([...(writes[0]?.value ?? [])], [1, 2, 3]);
    });
});
