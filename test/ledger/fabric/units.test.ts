// SPDX-License-Identifier: Apache-2.0
/**
 * The Fabric adapter's pure parts, without a network: conversion of fabric-gateway / gRPC errors into
 * femeter's LedgerError tree (shaped like what the gateway really returns, recorded from the local
 * network), the BlockchainInfo height decoder, the connection-file checks, and the persistent
 * participant → user map (distinct users, stable across instances, safe across processes).
 */
import '../fixtures/quiet.js';
import { strict as assert } from 'node:assert';
import { fork } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { contractErrorCode } from '../../../src/contract/index.js';
import { CommitError, EndorseError, SubmitError } from '../../../src/ledger/index.js';
import {
    blockchainHeight,
    clientUsers,
    commitFailure,
    contractMessageOf,
    defaultConnectionPath,
    fromFabricError,
    isTransient,
    parseConnectionProfile,
    ParticipantDirectory,
} from '../../../src/ledger/fabric/index.js';

/** What fabric-gateway 1.11 throws, as seen on the local 2.5.9 network. */
const gatewayError = (
    name: string,
    code: number,
    message: string,
    details: { address: string; mspId: string; message: string }[] = [],
    transactionId?: string,
): Error =>
    Object.assign(new Error(`${code} ${message}`), {
        name,
        code,
        details,
        ...(transactionId ? { transactionId } : {}),
    });

describe('Fabric errors become LedgerErrors', () => {
    const peer = { address: '127.0.0.1:17070', mspId: 'CustomersMSP' };

    it('a contract refusal at endorsement is an EndorseError carrying the contract message and its code', () => {
        const e = fromFabricError(
            gatewayError(
                'EndorseError',
                10,
                'ABORTED: failed to endorse transaction, see attached details for more info',
                [
                    {
                        ...peer,
                        message:
                            'chaincode response 500, [FORBIDDEN] RegisterParty: the submitting identity is not a registered party',
                    },
                ],
                'tx1',
            ),
            'endorse',
        );
        assert.ok(e instanceof EndorseError);
        assert.equal(e.code, 'CONTRACT_ERROR');
        assert.equal(
            e.message,
            '[FORBIDDEN] RegisterParty: the submitting identity is not a registered party',
        );
        assert.equal(e.contractError?.message, e.message);
        assert.equal(e.transactionId, 'tx1');
        assert.equal(contractErrorCode(e.message), 'FORBIDDEN');
    });

    it('a contract refusal of an evaluate (GatewayError UNKNOWN) is an EndorseError too', () => {
        const msg =
            'UNKNOWN: evaluate call to endorser returned error: chaincode response 500, [NOT_FOUND] meter m does not exist';
        const e = fromFabricError(
            gatewayError('GatewayError', 2, msg, [
                { ...peer, message: 'chaincode response 500, [NOT_FOUND] meter m does not exist' },
            ]),
            'evaluate',
        );
        assert.ok(e instanceof EndorseError && e.code === 'CONTRACT_ERROR');
        assert.equal(contractErrorCode(e.message), 'NOT_FOUND');
        // without details, from the message alone
        assert.equal(contractMessageOf({ message: msg }), '[NOT_FOUND] meter m does not exist');
    });

    it("fabric-contract-api's own refusals get their own codes", () => {
        const unknown = fromFabricError(
            gatewayError('EndorseError', 10, 'ABORTED', [
                {
                    ...peer,
                    message:
                        "chaincode response 500, You've asked to invoke a function that does not exist: Nope",
                },
            ]),
            'endorse',
        );
        assert.equal(unknown.code, 'UNKNOWN_TRANSACTION');
        const args = fromFabricError(
            gatewayError('GatewayError', 2, 'UNKNOWN', [
                {
                    ...peer,
                    message:
                        'chaincode response 500, Expected 1 parameters, but 0 have been supplied',
                },
            ]),
            'evaluate',
        );
        assert.equal(args.code, 'BAD_ARGUMENTS');
    });

    it('infrastructure failures are SubmitErrors (transient), access problems EndorseErrors', () => {
        const down = fromFabricError(
            gatewayError('EndorseError', 14, 'UNAVAILABLE: No connection established'),
            'endorse',
        );
        assert.ok(down instanceof SubmitError && down.code === 'FAILED' && isTransient(down));
        const noCc = fromFabricError(
            gatewayError('EndorseError', 10, 'ABORTED', [
                {
                    ...peer,
                    message:
                        'error in simulation: failed to execute transaction: could not launch chaincode: connection refused',
                },
            ]),
            'endorse',
        );
        assert.ok(
            noCc instanceof SubmitError && noCc.code === 'FAILED',
            'chaincode server down is not a contract refusal',
        );
        assert.equal(
            fromFabricError(gatewayError('GatewayError', 8, 'RESOURCE_EXHAUSTED'), 'evaluate').code,
            'OVERLOADED',
        );
        assert.equal(
            fromFabricError(gatewayError('GatewayError', 4, 'DEADLINE_EXCEEDED'), 'evaluate').code,
            'FAILED',
        );
        const denied = fromFabricError(
            gatewayError('GatewayError', 7, 'PERMISSION_DENIED: access denied'),
            'evaluate',
        );
        assert.ok(denied instanceof EndorseError && denied.code === 'ACCESS_DENIED');
        assert.equal(
            fromFabricError(
                gatewayError('GatewayError', 5, 'NOT_FOUND: channel x not found'),
                'evaluate',
            ).code,
            'WRONG_CHANNEL',
        );
        const status = fromFabricError(
            gatewayError('CommitStatusError', 14, 'UNAVAILABLE', [], 'tx9'),
            'commit status',
        );
        assert.ok(
            status instanceof SubmitError &&
                status.message.includes('outcome is unknown') &&
                status.transactionId === 'tx9',
        );
        const plain = new SubmitError('CLOSED', 'closed');
        assert.equal(fromFabricError(plain, 'submit'), plain, 'a LedgerError passes through');
    });

    it('an invalid commit is a CommitError naming the validation code', () => {
        const mvcc = commitFailure(11, 'tx2', 7n, 8);
        assert.ok(mvcc instanceof CommitError && mvcc.code === 'FAILED');
        assert.match(mvcc.message, /MVCC_READ_CONFLICT after 8 attempts/);
        assert.equal(commitFailure(9, 'tx3', 1n, 1).code, 'DUPLICATE_TXID');
        assert.equal(commitFailure(10, 'tx4', 1n, 1).code, 'ACCESS_DENIED');
    });
});

describe('qscc BlockchainInfo height', () => {
    it('decodes field 1 and skips the hash fields', () => {
        assert.equal(blockchainHeight(Uint8Array.of(0x08, 0x2a)), 42n);
        const hash = new Uint8Array(32).fill(0xab);
        // height 300 (varint ac 02), currentBlockHash, previousBlockHash
        assert.equal(
            blockchainHeight(
                Uint8Array.from([0x08, 0xac, 0x02, 0x12, 32, ...hash, 0x1a, 32, ...hash]),
            ),
            300n,
        );
        assert.equal(
            blockchainHeight(Uint8Array.from([0x12, 32, ...hash, 0x08, 0x05])),
            5n,
            'field order does not matter',
        );
        assert.throws(() => blockchainHeight(Uint8Array.of(0x08, 0x80)), /truncated/);
        assert.throws(() => blockchainHeight(Uint8Array.of(0x12, 0x05, 0x00)), /truncated/);
    });
});

describe('connection.json', () => {
    const good = {
        schema: 'femeter-fabric-connection/1',
        fabricVersion: '2.5.9',
        dataDir: '/d',
        channel: 'femeter',
        chaincode: null,
        chaincodes: {},
        orderer: { endpoint: '127.0.0.1:17050' },
        organizations: {
            OperatorMSP: {
                mspId: 'OperatorMSP',
                name: 'operator',
                peer: { endpoint: 'e', hostname: 'h', tlsCACert: 't' },
                users: {
                    Admin: { certPath: 'c', keyPath: 'k' },
                    User10: { certPath: 'c', keyPath: 'k' },
                    User2: { certPath: 'c', keyPath: 'k' },
                },
            },
        },
    };
    it('accepts what up writes, lists client users in numeric order without Admin', () => {
        const p = parseConnectionProfile(good, 'x.json');
        assert.deepEqual(clientUsers(p.organizations.OperatorMSP!), ['User2', 'User10']);
    });
    it('refuses other schemas and missing fields, naming them', () => {
        assert.throws(() => parseConnectionProfile({ ...good, schema: 'v0' }, 'x.json'), /schema/);
        assert.throws(
            () =>
                parseConnectionProfile(
                    {
                        ...good,
                        organizations: {
                            OperatorMSP: { ...good.organizations.OperatorMSP, peer: {} },
                        },
                    },
                    'x.json',
                ),
            /\.organizations\.OperatorMSP\.peer\.endpoint/,
        );
        assert.throws(
            () =>
                parseConnectionProfile(
                    { ...good, organizations: { X: good.organizations.OperatorMSP } },
                    'x.json',
                ),
            /mspId must be "X"/,
        );
    });
    it('default path follows the scripts: FEMETER_FABRIC_CONNECTION, else FEMETER_FABRIC_DIR, else FEMETER_CACHE/fabric-net', () => {
        assert.equal(
            defaultConnectionPath({ FEMETER_FABRIC_CONNECTION: '/a/c.json' }),
            '/a/c.json',
        );
        assert.equal(defaultConnectionPath({ FEMETER_FABRIC_DIR: '/n' }), '/n/connection.json');
        assert.equal(
            defaultConnectionPath({ FEMETER_CACHE: '/cache' }),
            '/cache/fabric-net/connection.json',
        );
    });
});

describe('participant → Fabric user map', () => {
    const users = { CustomersMSP: ['User1', 'User2', 'User3'], OperatorMSP: ['User1'] };

    it('gives distinct users per chaincode and MSP, keeps them across instances, refuses when all are taken', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'femeter-participants-'));
        try {
            const a = new ParticipantDirectory({ dataDir: dir, users });
            const got = await Promise.all(
                ['meter-1', 'cust-1', 'meter-1', 'auditor'].map((n) =>
                    a.userFor('cc1', 'CustomersMSP', n),
                ),
            );
            assert.equal(got[0], got[2], 'the same name gets the same user');
            assert.equal(new Set(got).size, 3);
            assert.equal(await a.userFor('cc1', 'OperatorMSP', 'operator'), 'User1');
            assert.equal(
                await a.userFor('cc2', 'CustomersMSP', 'someone'),
                'User1',
                'another chaincode is another ledger',
            );
            const b = new ParticipantDirectory({ dataDir: dir, users });
            assert.equal(
                await b.userFor('cc1', 'CustomersMSP', 'cust-1'),
                got[1],
                'a restarted process gets the same user',
            );
            await assert.rejects(
                b.userFor('cc1', 'CustomersMSP', 'one-too-many'),
                /all 3 client users of CustomersMSP are taken.*FEMETER_FABRIC_USERS_CUSTOMERS/,
            );
            await assert.rejects(b.userFor('cc1', 'NoMSP', 'x'), /no organisation NoMSP/);
            assert.equal(
                (JSON.parse(readFileSync(a.path, 'utf8')) as { schema: unknown }).schema,
                'femeter-fabric-participants/1',
            );
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it('two processes assigning at once never hand out the same user', async () => {
        const dir = mkdtempSync(join(tmpdir(), 'femeter-participants-'));
        try {
            const many = { CustomersMSP: Array.from({ length: 40 }, (_, i) => `User${i + 1}`) };
            const child = join(dir, 'child.mjs');
            writeFileSync(
                child,
                `const { ParticipantDirectory } = await import(${JSON.stringify(new URL('../../../src/ledger/fabric/index.js', import.meta.url).href)});
                 const d = new ParticipantDirectory({ dataDir: ${JSON.stringify(dir)}, users: ${JSON.stringify(many)} });
                 for (let i = 0; i < 15; i++) await d.userFor('cc', 'CustomersMSP', process.argv[2] + '-' + i);`,
            );
            const run = (tag: string): Promise<number | null> =>
                new Promise((resolve) => fork(child, [tag]).on('exit', resolve));
            assert.deepEqual(await Promise.all([run('a'), run('b')]), [0, 0]);
            const map = (
                JSON.parse(readFileSync(join(dir, 'participants.json'), 'utf8')) as {
                    chaincodes: { cc: { CustomersMSP: Record<string, string> } };
                }
            ).chaincodes.cc.CustomersMSP;
            assert.equal(Object.keys(map).length, 30);
            assert.equal(new Set(Object.values(map)).size, 30);
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
