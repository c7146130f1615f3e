// SPDX-License-Identifier: Apache-2.0
/**
 * RegisterMeter refuses signing keys that would let anyone forge readings (issue 9, item 6): the
 * all-zero key, every small-order point, a non-canonical encoding and a torsioned key; a fresh key
 * is accepted.
 */
import { strict as assert } from 'node:assert';
import { after, before, describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { contractErrorCode } from '../../src/contract/index.js';
import { ED25519_SMALL_ORDER_POINTS, ed25519PublicKey } from '../../src/fe/ed25519.js';
import { CHANNEL, derive, makeWorld, type World } from '../e2e/world.js';

describe('RegisterMeter signing keys', () => {
    let w: World;
    before(async () => {
        w = await makeWorld(1);
    });
    after(async () => w.close());

    const register = async (id: string, signingKey: string) => {
        const party = await w.engine.connect(id, 'customers');
        return w.operator.api.registerMeter({
            id,
            owner: 'cust-0',
            identity: party.identity,
            signingKey,
            channels: [{ id: CHANNEL, unit: 'Wh', medium: 'electricity' }],
            maxPerSlot: 20_000,
            software: { id: 'm/1', digest: bytesToHex(sha256(utf8ToBytes('m'))) },
        });
    };

    it('refuses invalid keys with BAD_REQUEST naming the field', async () => {
        const pk = ed25519PublicKey(derive('fresh/sign'));
        const torsioned = ed25519.Point.fromBytes(pk)
            .add(ed25519.Point.fromBytes(ED25519_SMALL_ORDER_POINTS[4]!))
            .toBytes();
        const p1 = new Uint8Array(32).fill(0xff);
        p1[0] = 0xee;
        p1[31] = 0x7f; // y = p + 1: the identity, non-canonically
        const bad = [new Uint8Array(32), ...ED25519_SMALL_ORDER_POINTS, torsioned, p1];
        let n = 0;
        for (const key of bad) {
            await assert.rejects(register(`evil-${n++}`, bytesToHex(key)), (e: unknown) => {
                const msg = e instanceof Error ? e.message : String(e);
                assert.equal(contractErrorCode(msg), 'BAD_REQUEST', msg);
                assert.match(msg, /signingKey.*Ed25519/);
                return true;
            });
        }
        const ok = await register('good-meter', bytesToHex(pk));
        assert.equal(ok.signingKey, bytesToHex(pk));
    });
});
