// SPDX-License-Identifier: Apache-2.0
/**
 * The auditor's block-level check of a Fabric channel (src/ledger/fabric/verify.ts) on the local
 * network: the untouched chain verifies, and a block read back with one byte changed — an envelope,
 * a header's previous hash, an endorsement — is named by number and check. Runs in the Fabric suite
 * (scripts/fabric/test sets FEMETER_E2E_ENGINE=fabric); the policy parser also runs alone.
 * The world state is compared with the valid transactions' writes (state-check.ts); the last test
 * stops the customers' peer, changes its LevelDB state for this chaincode (one value changed, one
 * key deleted, one key added), starts it again and checks that the auditor's verify — through the
 * contract's GetStateDigests query on that peer, and `Engine.verify` as `femeter verify` runs it —
 * names each key.
 */
import '../fixtures/quiet.js';
import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as protos from '@hyperledger/fabric-protos';
import { ClassicLevel } from 'classic-level';
import { repositoryRoot } from '../../../src/apps/fabric/deploy.js';
import { FabricClient } from '../../../src/ledger/fabric/client.js';
import { loadConnectionProfile } from '../../../src/ledger/fabric/connection.js';
import {
    blockHeaderBytes,
    parsePolicy,
    compareState,
    contractStateSource,
    printableKey,
    ReplayedState,
    verifyFabricChain,
    type FabricBlockSource,
    type FabricLedger,
    type FabricVerifyOptions,
} from '../../../src/ledger/fabric/index.js';
import { makeWorld, type World } from '../../e2e/world.js';

const ON = process.env.FEMETER_E2E_ENGINE === 'fabric';
const dec = new TextDecoder();
const show = (x: unknown): string =>
    JSON.stringify(x, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function script(dataDir: string, name: string, ...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
        execFile(
            join(repositoryRoot(), 'scripts', 'fabric', name),
            args,
            { env: { ...process.env, FEMETER_FABRIC_DIR: dataDir }, timeout: 120_000 },
            (err, out, errOut) => {
                if (err)
                    reject(new Error(`${name} ${args.join(' ')}: ${err.message}\n${out}${errOut}`));
                else resolve(out + errOut);
            },
        );
    });
}

describe('Fabric block verification: policy strings', () => {
    it('parses AND / OR / OutOf of MSP.role principals and refuses anything else', () => {
        assert.deepEqual(parsePolicy("OR('A.peer', 'B.peer')"), {
            need: 1,
            of: [
                { principal: { mspId: 'A', role: 'peer' } },
                { principal: { mspId: 'B', role: 'peer' } },
            ],
        });
        assert.equal(
            (parsePolicy("AND('A.peer','B.peer','C.member')") as { need: number }).need,
            3,
        );
        assert.equal(
            (parsePolicy("OutOf(2, 'A.peer','B.peer','C.peer')") as { need: number }).need,
            2,
        );
        for (const bad of ["OR('A.peer'", "XOR('A.peer')", "OR('Apeer')", "OR('A.peer') x", ''])
            assert.throws(() => parsePolicy(bad), /policy/);
    });
    it('encodes block headers as Fabric does (DER SEQUENCE of number, previous hash, data hash)', () => {
        const h = blockHeaderBytes(0n, new Uint8Array(0), Uint8Array.of(1, 2));
        assert.deepEqual([...h], [0x30, 0x09, 0x02, 0x01, 0x00, 0x04, 0x00, 0x04, 0x02, 1, 2]);
        assert.deepEqual(
            [...blockHeaderBytes(128n, new Uint8Array(0), new Uint8Array(0)).slice(2, 6)],
            [0x02, 0x02, 0x00, 0x80],
        );
    });
});

describe(
    'Fabric block verification on the local network',
    { skip: ON ? false : 'set FEMETER_E2E_ENGINE=fabric (scripts/fabric/test does)' },
    () => {
        let w: World;
        let source: FabricBlockSource;
        let options: FabricVerifyOptions;
        let chaincode: string;
        before(async () => {
            w = await makeWorld(1);
            const engine = w.engine as unknown as { ledger: FabricLedger; chaincode: string };
            chaincode = engine.chaincode;
            const profile = await loadConnectionProfile(
                join(engine.ledger.profile.dataDir, 'connection.json'),
            );
            const policies: Record<string, string> = {};
            for (const [name, cc] of Object.entries(profile.chaincodes))
                policies[name] = cc.endorsementPolicy;
            options = { channel: profile.channel, policies };
            const client = w.operator.api.client;
            assert.ok(client instanceof FabricClient);
            source = client.blockSource();
        });
        // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset if before() failed
        after(async () => w?.close());

        /** The blocks as read, with block `n` changed by `edit` (of its decoded form). */
        const tampered = (
            n: bigint,
            edit: (b: protos.common.Block) => void,
        ): FabricBlockSource => ({
            height: () => source.height(),
            block: async (k) => {
                const bytes = await source.block(k);
                if (k !== n) return bytes;
                const b = protos.common.Block.deserializeBinary(bytes);
                edit(b);
                return b.serializeBinary();
            },
        });
        /** The number of the last block holding a valid transaction of the world's chaincode. */
        let ownBlock: bigint | undefined;
        const lastOwnBlock = async (): Promise<bigint> => {
            if (ownBlock !== undefined) return ownBlock;
            const r = await verifyFabricChain(source, { ...options, chaincodes: [chaincode] });
            const own = r.valid.at(-1);
            assert.ok(own, 'the world wrote transactions');
            ownBlock = own.block;
            return own.block;
        };

        it('the chain as read verifies, and its valid transactions are the contract calls', async () => {
            const r = await verifyFabricChain(source, { ...options, chaincodes: [chaincode] });
            assert.deepEqual(r.problems, []);
            assert.equal(r.ok, true);
            assert.ok(r.blocks > 2);
            const names = r.valid.map((t) => dec.decode(t.args[0]));
            assert.ok(names.includes('Bootstrap'), names.join(','));
            assert.ok(names.includes('RegisterMeter'), names.join(','));
            assert.ok(r.valid.every((t) => t.chaincode === chaincode && t.writes.length > 0));
            assert.ok(r.valid.some((t) => t.creatorMspId === 'OperatorMSP'));
            // the genesis block can be pinned: the right hash passes, another is named
            const genesis = await verifyFabricChain(
                { height: () => Promise.resolve(1n), block: (k) => source.block(k) },
                options,
            );
            assert.equal(genesis.ok, true);
            const pinned = await verifyFabricChain(source, {
                ...options,
                genesisHash: genesis.headHash,
            });
            assert.equal(pinned.ok, true);
            const wrong = await verifyFabricChain(source, {
                ...options,
                genesisHash: '00'.repeat(32),
            });
            assert.deepEqual(
                wrong.problems.map((p) => [p.block, p.check]),
                [[0n, 'genesis']],
            );
        });

        it('a changed envelope is named by its block: data hash', async () => {
            const n = await lastOwnBlock();
            const r = await verifyFabricChain(
                tampered(n, (b) => {
                    const data = b.getData()!;
                    const list = data.getDataList_asU8();
                    const env = Uint8Array.from(list[0]!);
                    env[Math.floor(env.length / 2)]! ^= 1;
                    list[0] = env;
                    data.setDataList(list);
                }),
                options,
            );
            assert.equal(r.ok, false);
            assert.ok(
                r.problems.some((p) => p.block === n && p.check === 'data-hash'),
                show(r.problems),
            );
            assert.ok(
                r.problems.every((p) => p.block === n),
                show(r.problems),
            );
        });

        it('a changed previous hash breaks the chain and the orderer signature at that block', async () => {
            const n = await lastOwnBlock();
            const r = await verifyFabricChain(
                tampered(n, (b) => {
                    const h = b.getHeader()!;
                    const prev = Uint8Array.from(h.getPreviousHash_asU8());
                    prev[0]! ^= 0xff;
                    h.setPreviousHash(prev);
                }),
                options,
            );
            const at = r.problems.filter((p) => p.block === n).map((p) => p.check);
            assert.ok(at.includes('previous-hash') && at.includes('orderer-signature'), at.join());
            // the next block (if any) names the changed header too: its previous_hash no longer matches
            if (n + 1n < (await source.height()))
                assert.ok(
                    r.problems.some((p) => p.block === n + 1n && p.check === 'previous-hash'),
                );
        });

        it('a forged endorsement signature is named by block and transaction', async () => {
            const n = await lastOwnBlock();
            let txId = '';
            const r = await verifyFabricChain(
                tampered(n, (b) => {
                    const data = b.getData()!;
                    const list = data.getDataList_asU8();
                    const env = protos.common.Envelope.deserializeBinary(list[0]!);
                    const payload = protos.common.Payload.deserializeBinary(env.getPayload_asU8());
                    txId = protos.common.ChannelHeader.deserializeBinary(
                        payload.getHeader()!.getChannelHeader_asU8(),
                    ).getTxId();
                    const tx = protos.peer.Transaction.deserializeBinary(payload.getData_asU8());
                    const action = tx.getActionsList()[0]!;
                    const cap = protos.peer.ChaincodeActionPayload.deserializeBinary(
                        action.getPayload_asU8(),
                    );
                    const e = cap.getAction()!.getEndorsementsList()[0]!;
                    const sig = Uint8Array.from(e.getSignature_asU8());
                    sig[sig.length - 1]! ^= 1;
                    e.setSignature(sig);
                    action.setPayload(cap.serializeBinary());
                    payload.setData(tx.serializeBinary());
                    env.setPayload(payload.serializeBinary());
                    list[0] = env.serializeBinary();
                    data.setDataList(list);
                }),
                options,
            );
            assert.ok(
                r.problems.some((p) => p.block === n && p.tx === txId && p.check === 'endorsement'),
                show(r.problems),
            );
        });

        it("world state equals the valid writes; changed, deleted and added keys in a peer's LevelDB are named", async (t) => {
            // the blocks are walked once into the replay; state is compared before and after
            const state = contractStateSource(w.auditor.api.client, 7); // small pages: paging runs
            const replay = await ReplayedState.open(chaincode);
            t.after(() => replay.close());
            const chain = await verifyFabricChain(source, {
                ...options,
                chaincodes: [chaincode],
                keepValid: false,
                onValid: (tx) => replay.apply(tx),
            });
            assert.deepEqual(chain.problems, []);
            const clean = await compareState(replay, state);
            assert.deepEqual(clean.problems, []);
            assert.equal(clean.ok, true);
            assert.ok(clean.keys > 10, `${clean.keys} keys`);

            // The customers' peer, stopped, has its state changed in its own LevelDB: keys are
            // `<channel>\0d<namespace>\0<key>`, values a DBValue protobuf (1: version, 2: value).
            const engine = w.engine as unknown as { ledger: FabricLedger };
            const dataDir = engine.ledger.profile.dataDir;
            const prefix = Buffer.from(`${options.channel}\u0000d${chaincode}\u0000`);
            const stateKey = (k: Buffer): string => k.subarray(prefix.length).toString();
            const changed = { key: '', deleted: '', added: '\u0000party\u0000mallory\u0000' };
            await script(dataDir, 'restart-peer', 'customers', '--stop');
            try {
                const db = new ClassicLevel<Buffer, Buffer>(
                    join(dataDir, 'peers', 'customers', 'data', 'ledgersData', 'stateLeveldb'),
                    { keyEncoding: 'buffer', valueEncoding: 'buffer' },
                );
                await db.open();
                try {
                    const ours: [Buffer, Buffer][] = [];
                    for await (const [k, v] of db.iterator({
                        gt: prefix,
                        lt: Buffer.concat([prefix, Buffer.from([0xff])]),
                    }))
                        ours.push([k, v]);
                    const meter = ours.find(([k]) => stateKey(k).startsWith('\u0000meter\u0000'));
                    // a provider's party record (the auditor's and the operator's are still read)
                    const party = ours.find(([k]) =>
                        stateKey(k).startsWith('\u0000party\u0000provider-'),
                    );
                    assert.ok(
                        meter && party,
                        `${ours.length} keys of ${chaincode} in the peer's state`,
                    );
                    // a meter's record with one byte of its value changed (the value ends the DBValue)
                    const v = Buffer.from(meter[1]);
                    v[v.length - 2]! ^= 0x01;
                    await db.put(meter[0], v);
                    changed.key = stateKey(meter[0]);
                    await db.del(party[0]);
                    changed.deleted = stateKey(party[0]);
                    await db.put(Buffer.concat([prefix, Buffer.from(changed.added)]), party[1]);
                } finally {
                    await db.close();
                }
            } finally {
                await script(dataDir, 'restart-peer', 'customers');
            }
            // the restarted peer serves queries again (the gateway re-dials it)
            for (let i = 0; ; i++)
                try {
                    await w.auditor.api.whoAmI();
                    break;
                } catch (err) {
                    if (i > 40) throw err;
                    await sleep(250);
                }
            const r = await compareState(replay, state);
            assert.equal(r.ok, false);
            const named = (check: string, key: string): boolean =>
                r.problems.some((p) => p.check === check && p.key === printableKey(key));
            assert.ok(named('state-value', changed.key), show(r.problems));
            assert.ok(named('state-missing', changed.deleted), show(r.problems));
            assert.ok(named('state-extra', changed.added), show(r.problems));
            assert.equal(r.problemCount, 3, show(r.problems));
            assert.equal(r.keys, clean.keys);
            // femeter verify (the engine's check, the auditor's report) names it too
            const viaEngine = await w.engine.verify!();
            assert.equal(viaEngine.ok, false);
            assert.equal(viaEngine.stateKeys, clean.keys);
            assert.match(
                viaEngine.reason ?? '',
                /^state .*: state-(value|missing|extra): .*\(\+2 more\)$/,
            );
        });
    },
);
