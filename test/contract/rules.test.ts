// SPDX-License-Identifier: Apache-2.0
/**
 * Contract rules on the minimal in-memory context (`./memory.ts`): no engine, no envelopes, no
 * LevelDB — a rule can be tested (and broken) here alone. Each case starts from an empty ledger.
 */
import { strict as assert } from 'node:assert';
import { beforeEach, describe, it } from 'node:test';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToHex } from '@noble/hashes/utils.js';
import { ContractError } from '../../src/contract/index.js';
import { MemoryLedger } from './memory.js';

const OP = { mspId: 'OperatorMSP', id: 'memory::operator' };
const ALICE = { mspId: 'CustomersMSP', id: 'memory::alice' };
const METER = { mspId: 'CustomersMSP', id: 'memory::meter-1' };

describe('contract rules on an in-memory context', () => {
    let l: MemoryLedger;
    const submit = (who: typeof OP, tx: string, body: unknown) =>
        l.call(who, tx, [JSON.stringify(body)], true);
    const query = async (who: typeof OP, tx: string, ...args: string[]): Promise<unknown> =>
        JSON.parse((await l.call(who, tx, args, false)).result);
    const refusal = async (p: Promise<unknown>, code: string): Promise<ContractError> => {
        const before = new Map(l.state);
        const err = await p.then(
            () => assert.fail(`expected a ${code} refusal`),
            (e: unknown) => e,
        );
        assert.ok(err instanceof ContractError, String(err));
        assert.equal(err.code, code);
        assert.ok(err.message.startsWith(`[${code}] `));
        assert.equal(err.message, `[${code}] ${err.reason}`);
        assert.deepEqual(l.state, before, 'a refusal changed the state');
        return err;
    };
    const bootstrap = () => submit(OP, 'Bootstrap', { id: 'operator', name: 'Operator' });
    const registerAlice = () =>
        submit(OP, 'RegisterParty', {
            id: 'alice',
            role: 'customer',
            name: 'Alice',
            identity: ALICE,
        });
    const registerMeter = () =>
        submit(OP, 'RegisterMeter', {
            id: 'meter-1',
            owner: 'alice',
            identity: METER,
            signingKey: bytesToHex(ed25519.getPublicKey(new Uint8Array(32).fill(0x11))),
            channels: [{ id: '1-0:1.8.0', unit: 'Wh', medium: 'electricity' }],
            maxPerSlot: 20_000,
            software: { id: 'm/1', digest: '22'.repeat(32) },
        });

    beforeEach(() => {
        l = new MemoryLedger();
    });

    it('Bootstrap makes the submitter the operator, once', async () => {
        await bootstrap();
        assert.deepEqual(await query(ALICE, 'WhoAmI'), { identity: ALICE, ref: null });
        const me = (await query(OP, 'WhoAmI')) as { ref?: { id: string } };
        assert.equal(me.ref?.id, 'operator');
        await refusal(submit(ALICE, 'Bootstrap', { id: 'x', name: 'x' }), 'EXISTS');
    });

    it('only the operator registers parties and meters; ids and roles are checked', async () => {
        await bootstrap();
        await refusal(
            submit(ALICE, 'RegisterParty', {
                id: 'alice',
                role: 'customer',
                name: 'Alice',
                identity: ALICE,
            }),
            'FORBIDDEN',
        );
        await refusal(
            submit(OP, 'RegisterParty', {
                id: 'x'.repeat(65),
                role: 'auditor',
                name: 'n',
                identity: ALICE,
            }),
            'BAD_REQUEST',
        );
        await refusal(
            submit(OP, 'RegisterParty', { id: 'ok', role: 'king', name: 'n', identity: ALICE }),
            'BAD_REQUEST',
        );
        await registerAlice();
        await refusal(registerAlice(), 'EXISTS');
        await registerMeter();
        const meter = (await query(ALICE, 'GetMeter', 'meter-1')) as { owner: string };
        assert.equal(meter.owner, 'alice');
    });

    it('an mpk is published by the meter owner only, and must decode', async () => {
        await bootstrap();
        await registerAlice();
        await registerMeter();
        const body = { meter: 'meter-1', channel: '1-0:1.8.0', period: '2024-03', mpk: '00' };
        await refusal(submit(OP, 'PublishMpk', body), 'FORBIDDEN');
        const bad = await refusal(submit(ALICE, 'PublishMpk', body), 'BAD_KEY');
        assert.ok(bad.cause instanceof Error, 'the decoding error is kept as the cause');
        await refusal(submit(ALICE, 'PublishMpk', { ...body, period: '2024-13' }), 'BAD_REQUEST');
    });

    it('requests with extra or missing fields are refused before any rule runs', async () => {
        await bootstrap();
        await refusal(
            submit(OP, 'RegisterParty', { id: 'a', role: 'auditor', name: 'n' }),
            'BAD_REQUEST',
        );
        await refusal(l.call(OP, 'RegisterParty', ['{not json'], true), 'BAD_REQUEST');
        await refusal(
            submit(OP, 'Bootstrap', { id: 'operator', name: 'Operator', extra: 1 }),
            'BAD_REQUEST',
        );
    });
});
