// End-to-end smoke test of the native Fabric network (scripts/fabric/up +
// scripts/fabric/deploy of test/fabric-network/smoke-contract), using
// @hyperledger/fabric-gateway 1.11 the way the femeter adapter will:
//
//   1. connect as User1 of OperatorMSP, using <data dir>/connection.json
//   2. submit Put(key, v1), wait for the commit status
//   3. read the "SmokePut" chaincode event of that transaction, and record it
//      in a checkpointer
//   4. evaluate Get(key) == v1
//   5. submit Put(key, v2); re-open the event stream from the checkpoint:
//      the first event must be the second Put (the checkpoint skips the first)
//   6. as User1 of CustomersMSP through the customers peer: Get(key) == v2
//
// Usage: node test/fabric-network/smoke.mjs [connection.json] [chaincode name]
//   connection file default: $FEMETER_FABRIC_CONNECTION, else
//   ${FEMETER_FABRIC_DIR:-$FEMETER_CACHE/fabric-net}/connection.json
//   chaincode default: "chaincode" of the connection file
// Exits 0 on success, 1 with a message on failure (60 s overall limit).
import { readFile } from 'node:fs/promises';
import { createPrivateKey } from 'node:crypto';
import { homedir } from 'node:os';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { checkpointers, connect, hash, signers } from '@hyperledger/fabric-gateway';

const started = Date.now();
const watchdog = setTimeout(() => {
    console.error('smoke: FAILED: no result within 60 s');
    process.exit(1);
}, 60_000);

function log(msg) {
    console.log(`smoke: [${((Date.now() - started) / 1000).toFixed(3)}s] ${msg}`);
}
function assert(cond, msg) {
    if (!cond) throw new Error(msg);
}

const cache = process.env.FEMETER_CACHE ?? path.join(homedir(), '.cache', 'femeter');
const connPath =
    process.argv[2] ??
    process.env.FEMETER_FABRIC_CONNECTION ??
    path.join(process.env.FEMETER_FABRIC_DIR ?? path.join(cache, 'fabric-net'), 'connection.json');
const conn = JSON.parse(await readFile(connPath, 'utf8'));
const chaincode = process.argv[3] ?? conn.chaincode;
assert(chaincode, `no chaincode name given and ${connPath} names no deployed chaincode`);
assert(conn.chaincodes?.[chaincode], `${connPath} has no deployed chaincode "${chaincode}"`);

const utf8 = new TextDecoder();
const deadline = (ms) => () => ({ deadline: Date.now() + ms });

// One gRPC connection + Gateway per (org, user), as the real adapter would.
async function openGateway(mspId, user) {
    const org = conn.organizations[mspId];
    assert(org, `organisation ${mspId} missing in ${connPath}`);
    const id = org.users[user];
    assert(id, `user ${user} of ${mspId} missing in ${connPath}`);
    const [tlsCA, cert, key] = await Promise.all([
        readFile(org.peer.tlsCACert),
        readFile(id.certPath),
        readFile(id.keyPath),
    ]);
    // The peer's TLS certificate is valid for 127.0.0.1, localhost and its
    // hostname. Naming the hostname avoids Node's DEP0123 warning (TLS
    // ServerName set to an IP address); the connection still goes to 127.0.0.1.
    const client = new grpc.Client(org.peer.endpoint, grpc.credentials.createSsl(tlsCA), {
        'grpc.ssl_target_name_override': org.peer.hostname,
    });
    const gateway = connect({
        client,
        identity: { mspId, credentials: cert },
        signer: signers.newPrivateKeySigner(createPrivateKey(key)),
        hash: hash.sha256,
        evaluateOptions: deadline(10_000),
        endorseOptions: deadline(15_000),
        submitOptions: deadline(10_000),
        commitStatusOptions: deadline(30_000),
    });
    return { client, gateway, network: gateway.getNetwork(conn.channel) };
}

// Wait for the first chaincode event accepted by `match`, with a timeout.
async function nextEvent(network, options, match, what) {
    const events = await network.getChaincodeEvents(chaincode, options);
    const timer = setTimeout(() => events.close(), 15_000);
    try {
        for await (const ev of events) {
            if (match(ev)) return ev;
        }
        throw new Error(`no ${what} within 15 s`);
    } finally {
        clearTimeout(timer);
        events.close();
    }
}

const opened = [];
let exitCode = 1;
try {
    const op = await openGateway('OperatorMSP', 'User1');
    opened.push(op);
    const contract = op.network.getContract(chaincode);
    const checkpoint = checkpointers.inMemory();
    const key = `smoke-${process.pid}-${Date.now()}`;
    log(
        `connected to ${conn.organizations.OperatorMSP.peer.endpoint} as User1@OperatorMSP; chaincode ${chaincode}, channel ${conn.channel}`,
    );

    // 2. submit Put and wait for the commit
    const commit1 = await contract.submitAsync('Put', { arguments: [key, 'v1'] });
    const put1 = JSON.parse(utf8.decode(commit1.getResult()));
    const status1 = await commit1.getStatus();
    assert(
        status1.successful,
        `Put ${commit1.getTransactionId()} failed to commit: code ${status1.code}`,
    );
    assert(
        put1.key === key && put1.mspId === 'OperatorMSP',
        `unexpected Put result ${JSON.stringify(put1)}`,
    );
    log(`Put(${key}, v1) committed in block ${status1.blockNumber} (tx ${status1.transactionId})`);

    // 3. its chaincode event, recorded in the checkpointer
    const ev1 = await nextEvent(
        op.network,
        { checkpoint, startBlock: status1.blockNumber },
        (ev) => ev.transactionId === status1.transactionId,
        'event for the first Put',
    );
    const p1 = JSON.parse(utf8.decode(ev1.payload));
    assert(ev1.eventName === 'SmokePut', `event name ${ev1.eventName}`);
    assert(
        p1.key === key && p1.value === 'v1' && p1.txId === status1.transactionId,
        `event payload ${JSON.stringify(p1)}`,
    );
    await checkpoint.checkpointChaincodeEvent(ev1);
    log(
        `chaincode event ${ev1.eventName} received (block ${ev1.blockNumber}); checkpoint at block ${checkpoint.getBlockNumber()}`,
    );

    // 4. evaluate Get
    const got1 = utf8.decode(await contract.evaluateTransaction('Get', key));
    assert(got1 === 'v1', `Get returned ${JSON.stringify(got1)}, expected "v1"`);
    log('Get returned v1');

    // 5. second Put; resume events from the checkpoint
    await contract.submitTransaction('Put', key, 'v2');
    const ev2 = await nextEvent(
        op.network,
        { checkpoint },
        () => true,
        'event after the checkpoint',
    );
    const p2 = JSON.parse(utf8.decode(ev2.payload));
    assert(
        p2.value === 'v2',
        `resumed from the checkpoint but got the event of ${JSON.stringify(p2)} (expected the second Put)`,
    );
    await checkpoint.checkpointChaincodeEvent(ev2);
    log(`resumed from the checkpoint: next event is the second Put (block ${ev2.blockNumber})`);

    // 6. the other org's peer has the same state
    const cu = await openGateway('CustomersMSP', 'User1');
    opened.push(cu);
    const cuContract = cu.network.getContract(chaincode);
    let got2;
    for (let i = 0; i < 50; i++) {
        got2 = utf8.decode(await cuContract.evaluateTransaction('Get', key));
        if (got2 === 'v2') break;
        await new Promise((r) => setTimeout(r, 100)); // the peer may be a block behind
    }
    assert(
        got2 === 'v2',
        `Get via the customers peer returned ${JSON.stringify(got2)}, expected "v2"`,
    );
    log(
        `Get via ${conn.organizations.CustomersMSP.peer.endpoint} as User1@CustomersMSP returned v2`,
    );

    log('OK');
    exitCode = 0;
} catch (err) {
    console.error(`smoke: FAILED: ${err?.stack ?? err}`);
    for (const d of err?.details ?? []) {
        console.error(`  detail: ${d.mspId} ${d.address}: ${d.message}`);
    }
} finally {
    for (const { gateway, client } of opened) {
        gateway.close();
        client.close();
    }
    clearTimeout(watchdog);
}
process.exit(exitCode);
