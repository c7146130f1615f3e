// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/gateway/fabric
 * The gateway in front of a Fabric network. Fabric transactions are signed by their creators with their
 * own X.509 identities; the gateway holds no one's key, so it relays fabric-gateway's offline-signing
 * flow: the client signs a proposal, the gateway checks and authorises it and has it endorsed, the
 * client signs the endorsed transaction, the gateway has it ordered, the client signs the commit status
 * request and the gateway answers once the peer reports the transaction committed. Every message is
 * decoded and its signature checked against the creator's certificate before it is sent to a peer;
 * the peers check everything again. Events come from the gateway's own reader identity, filtered per
 * role as on the embedded engine.
 */
import type * as FabricGateway from '@hyperledger/fabric-gateway';
import type * as FabricProtos from '@hyperledger/fabric-protos';
import type { Identity, LedgerClient } from '../../ledger/index.js';
import { EndorseError } from '../../ledger/index.js';
import {
    decodeFabricProposal,
    fabricDigest,
    fromFabricError,
    loadFabricProtos,
    verifyFabricSignature,
    type DecodedFabricProposal,
    type FabricLedger,
} from '../../ledger/fabric/index.js';
import { FabricClient } from '../../ledger/fabric/client.js';
import type { GatewayBackend } from './server.js';

/** What the gateway's Fabric routes use. */
export interface FabricRelay {
    readonly chaincode: string;
    /** @throws {EndorseError} `MALFORMED` */
    decodeProposal(bytes: Uint8Array): DecodedFabricProposal;
    /** A signed message's creator and transaction, its signature checked. */
    checkTransaction(
        bytes: Uint8Array,
        signature: Uint8Array,
    ): { readonly transactionId: string; readonly creator: Identity };
    checkCommit(
        bytes: Uint8Array,
        signature: Uint8Array,
    ): { readonly transactionId: string; readonly creator: Identity };
    evaluate(
        p: DecodedFabricProposal,
        bytes: Uint8Array,
        signature: Uint8Array,
    ): Promise<Uint8Array>;
    endorse(
        p: DecodedFabricProposal,
        bytes: Uint8Array,
        signature: Uint8Array,
    ): Promise<{ readonly transaction: Uint8Array; readonly result: Uint8Array }>;
    /** Order a signed transaction; the commit status request for its creator to sign. */
    submit(creator: Identity, bytes: Uint8Array, signature: Uint8Array): Promise<Uint8Array>;
    commit(
        creator: Identity,
        bytes: Uint8Array,
        signature: Uint8Array,
    ): Promise<{
        readonly blockNumber: bigint;
        readonly code: number;
        readonly successful: boolean;
    }>;
}

const _bad = (message: string): never => {
    throw new EndorseError('MALFORMED', message);
};

/**
 * A gateway backend over a Fabric ledger: `reader` (a {@link FabricClient} of the gateway's own identity)
 * streams events and tells the chain height.
 */
export async function fabricBackend(
    ledger: FabricLedger,
    reader: LedgerClient,
    options: {
        /** The auditor's whole-chain check (the Fabric engine's `verify`), served at /v1/verify. */
        readonly verify?: () => Promise<{
            ok: boolean;
            blocks: number;
            txs: number;
            firstBadBlock?: bigint | number;
            reason?: string;
        }>;
    } = {},
): Promise<GatewayBackend & { readonly fabric: FabricRelay }> {
    if (!(reader instanceof FabricClient))
        throw new TypeError('the reader must be a Fabric client');
    const protos: typeof FabricProtos = await loadFabricProtos();
    const verify = options.verify;
    const gatewayFor = (creator: Identity): FabricGateway.Gateway =>
        ledger.offlineGateway(creator.mspId, creator);
    let height = await reader.chainHeight();
    const saw = (h: bigint): void => {
        if (h > height) height = h;
    };
    const identityOf = (serialized: Uint8Array): Identity => {
        const id = protos.msp.SerializedIdentity.deserializeBinary(serialized);
        return { mspId: id.getMspid(), credentials: id.getIdBytes_asU8() };
    };
    const checkSignature = (creator: Identity, signed: Uint8Array, signature: Uint8Array): void => {
        if (!verifyFabricSignature(creator.credentials, fabricDigest(signed), signature))
            throw new EndorseError(
                'BAD_SIGNATURE',
                'the signature does not match the creator certificate and message',
            );
    };
    const relay: FabricRelay = {
        chaincode: ledger.chaincode,
        decodeProposal: (bytes) => decodeFabricProposal(protos, bytes),
        checkTransaction(bytes, signature) {
            let txId: string;
            let creator: Identity;
            let payload: Uint8Array;
            try {
                const prepared = protos.gateway.PreparedTransaction.deserializeBinary(bytes);
                const env = prepared.getEnvelope() ?? _bad('no envelope');
                payload = env.getPayload_asU8();
                const header = protos.common.Payload.deserializeBinary(payload).getHeader();
                if (header === undefined) return _bad('no header');
                const ch = protos.common.ChannelHeader.deserializeBinary(
                    header.getChannelHeader_asU8(),
                );
                if (ch.getChannelId() !== ledger.channel) return _bad('wrong channel');
                txId = ch.getTxId();
                if (txId !== prepared.getTransactionId()) return _bad('transaction ids disagree');
                creator = identityOf(
                    protos.common.SignatureHeader.deserializeBinary(
                        header.getSignatureHeader_asU8(),
                    ).getCreator_asU8(),
                );
            } catch (err) {
                if (err instanceof EndorseError) throw err;
                return _bad(
                    `malformed Fabric transaction: ${(err as Error).message.slice(0, 200)}`,
                );
            }
            checkSignature(creator, payload, signature);
            return { transactionId: txId, creator };
        },
        checkCommit(bytes, signature) {
            let request: Uint8Array;
            let txId: string;
            let creator: Identity;
            try {
                request =
                    protos.gateway.SignedCommitStatusRequest.deserializeBinary(
                        bytes,
                    ).getRequest_asU8();
                const r = protos.gateway.CommitStatusRequest.deserializeBinary(request);
                if (r.getChannelId() !== ledger.channel) return _bad('wrong channel');
                txId = r.getTransactionId();
                creator = identityOf(r.getIdentity_asU8());
            } catch (err) {
                if (err instanceof EndorseError) throw err;
                return _bad(
                    `malformed commit status request: ${(err as Error).message.slice(0, 200)}`,
                );
            }
            checkSignature(creator, request, signature);
            return { transactionId: txId, creator };
        },
        async evaluate(p, bytes, signature) {
            checkSignature(p.creator, p.signedBytes, signature);
            const gw = gatewayFor(p.creator);
            try {
                return await gw.newSignedProposal(bytes, signature).evaluate();
            } catch (err) {
                throw fromFabricError(err, 'evaluate', p.transactionId);
            } finally {
                gw.close();
            }
        },
        async endorse(p, bytes, signature) {
            checkSignature(p.creator, p.signedBytes, signature);
            const gw = gatewayFor(p.creator);
            try {
                const tx = await gw.newSignedProposal(bytes, signature).endorse();
                return { transaction: tx.getBytes(), result: tx.getResult() };
            } catch (err) {
                throw fromFabricError(err, 'endorse', p.transactionId);
            } finally {
                gw.close();
            }
        },
        async submit(creator, bytes, signature) {
            const gw = gatewayFor(creator);
            try {
                const submitted = await gw.newSignedTransaction(bytes, signature).submit();
                return submitted.getBytes();
            } catch (err) {
                throw fromFabricError(err, 'submit');
            } finally {
                gw.close();
            }
        },
        async commit(creator, bytes, signature) {
            const gw = gatewayFor(creator);
            try {
                const status = await gw.newSignedCommit(bytes, signature).getStatus();
                saw(status.blockNumber + 1n);
                return {
                    blockNumber: status.blockNumber,
                    code: status.code,
                    successful: status.successful,
                };
            } catch (err) {
                throw fromFabricError(err, 'commit status');
            } finally {
                gw.close();
            }
        },
    };
    return {
        channel: ledger.channel,
        get height() {
            return height;
        },
        async heightNow() {
            saw(await reader.chainHeight());
            return height;
        },
        events: (o) => reader.events(o),
        // read as the gateway's reader (an auditor); the route applies the caller's read rule
        getCommittedTransaction: (id) => reader.getCommittedTransaction(id),
        fabric: relay,
        ...(verify === undefined ? {} : { verify }),
    };
}
