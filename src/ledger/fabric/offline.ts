// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/offline
 * Fabric transactions signed by their creator somewhere else than where they are sent (fabric-gateway's
 * "offline signing"): what the femeter gateway needs to stand in front of a Fabric network without
 * holding anyone's key, and what its remote client needs to build and sign the messages.
 *
 * - {@link decodeFabricProposal}: take a proposal (fabric-gateway `ProposedTransaction` bytes) apart —
 *   channel, chaincode, transaction id, creator (MSP id + PEM certificate), transaction name, arguments,
 *   signed time — so the gateway can check and authorise it before anything is sent to a peer.
 * - {@link fabricIdentityId}: the id the contract sees (`ctx.clientIdentity.getID()`), computed from the
 *   certificate exactly as fabric-shim does (`x509::/C=…/CN=…::/C=…/CN=…`).
 * - {@link verifyFabricSignature}: an ECDSA P-256 signature (DER, as Fabric signs) over a SHA-256 digest.
 * - {@link FabricOfflineSigner}: the client side; builds proposals with fabric-gateway itself (no network
 *   call) and checks that what the gateway hands back for signing belongs to the same transaction.
 *
 * The Fabric packages are loaded with `import()` on first use (see `modules.ts`).
 */
import { X509Certificate } from 'node:crypto';
import { p256 } from '@noble/curves/nist.js';
import { sha256 } from '@noble/hashes/sha2.js';
import type * as FabricGateway from '@hyperledger/fabric-gateway';
import type * as FabricProtos from '@hyperledger/fabric-protos';
import type { Identity, Signer } from '../client.js';
import { EndorseError } from '../errors.js';
import { loadFabricModules } from './modules.js';

let _protos: Promise<typeof FabricProtos> | undefined;

/** `@hyperledger/fabric-protos`, loaded once on first use. */
export function loadFabricProtos(): Promise<typeof FabricProtos> {
    _protos ??= import('@hyperledger/fabric-protos');
    return _protos;
}

/** A Fabric proposal taken apart. */
export interface DecodedFabricProposal {
    readonly channel: string;
    readonly chaincode: string;
    readonly transactionId: string;
    /** MSP id and the creator's certificate (PEM bytes), as in the proposal's signature header. */
    readonly creator: Identity;
    readonly txName: string;
    readonly args: readonly string[];
    /** Signed time, ms since the Unix epoch. */
    readonly timestampMs: number;
    /** The bytes the creator signs (SHA-256 of them): the proposal inside the signed proposal. */
    readonly signedBytes: Uint8Array;
}

/**
 * Decode a serialised `gateway.ProposedTransaction` (what fabric-gateway's `Proposal.getBytes()` returns).
 * @throws {EndorseError} `MALFORMED` if the bytes are not such a proposal for a chaincode invocation
 */
export function decodeFabricProposal(
    protos: typeof FabricProtos,
    bytes: Uint8Array,
    maxArgs = 1024,
): DecodedFabricProposal {
    try {
        const proposed = protos.gateway.ProposedTransaction.deserializeBinary(bytes);
        const signed = proposed.getProposal();
        if (signed === undefined) throw new Error('no signed proposal');
        const signedBytes = signed.getProposalBytes_asU8();
        const proposal = protos.peer.Proposal.deserializeBinary(signedBytes);
        const header = protos.common.Header.deserializeBinary(proposal.getHeader_asU8());
        const ch = protos.common.ChannelHeader.deserializeBinary(header.getChannelHeader_asU8());
        const sh = protos.common.SignatureHeader.deserializeBinary(
            header.getSignatureHeader_asU8(),
        );
        const creator = protos.msp.SerializedIdentity.deserializeBinary(sh.getCreator_asU8());
        if (ch.getType() !== protos.common.HeaderType.ENDORSER_TRANSACTION)
            throw new Error('not an endorser transaction');
        const ext = protos.peer.ChaincodeHeaderExtension.deserializeBinary(ch.getExtension_asU8());
        const payload = protos.peer.ChaincodeProposalPayload.deserializeBinary(
            proposal.getPayload_asU8(),
        );
        const spec = protos.peer.ChaincodeInvocationSpec.deserializeBinary(
            payload.getInput_asU8(),
        ).getChaincodeSpec();
        const input = spec?.getInput()?.getArgsList_asU8() ?? [];
        if (input.length === 0) throw new Error('no transaction name');
        if (input.length - 1 > maxArgs) throw new Error(`more than ${maxArgs} arguments`);
        const text = new TextDecoder('utf-8', { fatal: true });
        const [name, ...args] = input.map((a) => text.decode(a));
        // google-protobuf's Timestamp (its type is not resolvable through fabric-protos' declarations)
        const ts = ch.getTimestamp() as unknown as
            { getSeconds(): number; getNanos(): number } | undefined;
        const txId = ch.getTxId();
        if (txId !== proposed.getTransactionId() || !/^[0-9a-f]{64}$/.test(txId))
            throw new Error('transaction ids disagree');
        return {
            channel: ch.getChannelId(),
            chaincode: ext.getChaincodeId()?.getName() ?? '',
            transactionId: txId,
            creator: { mspId: creator.getMspid(), credentials: creator.getIdBytes_asU8() },
            txName: name ?? '',
            args,
            timestampMs: (ts?.getSeconds() ?? 0) * 1000 + Math.floor((ts?.getNanos() ?? 0) / 1e6),
            signedBytes,
        };
    } catch (err) {
        throw new EndorseError(
            'MALFORMED',
            `malformed Fabric proposal: ${(err as Error).message.slice(0, 200)}`,
            { cause: err },
        );
    }
}

/**
 * The id fabric-shim gives a certificate's holder (`ctx.clientIdentity.getID()`): `x509::` + subject DN +
 * `::` + issuer DN, each as `/<short name>=<value>` in certificate order, a `/` in a value escaped once.
 * @throws {Error} if `pem` is not an X.509 certificate
 */
export function fabricIdentityId(pem: Uint8Array | string): string {
    const cert = new X509Certificate(typeof pem === 'string' ? pem : Buffer.from(pem));
    const dn = (s: string): string =>
        s
            .split('\n')
            .filter((l) => l.length > 0)
            .map((l) => {
                const eq = l.indexOf('=');
                return `/${l.slice(0, eq)}=${l.slice(eq + 1).replace('/', '\\/')}`;
            })
            .join('');
    return `x509::${dn(cert.subject)}::${dn(cert.issuer)}`;
}

/** Whether `credentials` look like a PEM certificate (a Fabric identity) rather than a raw key. */
export function isCertificate(credentials: Uint8Array): boolean {
    return (
        credentials.length > 64 &&
        Buffer.from(credentials.subarray(0, 27)).toString('latin1') ===
            '-----BEGIN CERTIFICATE-----'
    );
}

/**
 * Check an ECDSA P-256 signature (DER; high or low S) over a 32-byte digest against the public key of
 * the certificate `pem`. False for anything malformed.
 */
export function verifyFabricSignature(
    pem: Uint8Array,
    digest: Uint8Array,
    signature: Uint8Array,
): boolean {
    try {
        const jwk = new X509Certificate(Buffer.from(pem)).publicKey.export({ format: 'jwk' });
        if (jwk.kty !== 'EC' || jwk.crv !== 'P-256' || jwk.x === undefined || jwk.y === undefined)
            return false;
        const point = new Uint8Array(65);
        point[0] = 4;
        point.set(Buffer.from(jwk.x, 'base64url'), 1);
        point.set(Buffer.from(jwk.y, 'base64url'), 33);
        return p256.verify(signature, digest, point, {
            prehash: false,
            lowS: false,
            format: 'der',
        });
    } catch {
        return false;
    }
}

/** SHA-256, the digest Fabric signs. */
export const fabricDigest = (bytes: Uint8Array): Uint8Array => sha256(bytes);

/**
 * The client side of offline signing: proposals built by fabric-gateway (no network call: the gRPC
 * client given to it is never dialled), and checks that what the gateway returns for signing is the
 * transaction the caller proposed.
 */
export class FabricOfflineSigner {
    readonly #gateway: FabricGateway.Gateway;
    readonly #contract: FabricGateway.Contract;
    readonly #close: () => void;

    private constructor(
        gw: FabricGateway.Gateway,
        contract: FabricGateway.Contract,
        close: () => void,
    ) {
        this.#gateway = gw;
        this.#contract = contract;
        this.#close = close;
    }

    /** An offline signer for `identity` on `channel` / `chaincode`. */
    static async open(
        identity: Identity,
        channel: string,
        chaincode: string,
    ): Promise<FabricOfflineSigner> {
        const { gateway, grpc } = await loadFabricModules();
        // Never dialled: offline proposals, transactions and commits are built locally.
        const unused = new grpc.Client('127.0.0.1:9', grpc.credentials.createInsecure());
        const gw = gateway.connect({
            client: unused,
            identity: { mspId: identity.mspId, credentials: identity.credentials },
            hash: gateway.hash.sha256,
        });
        const contract = gw.getNetwork(channel).getContract(chaincode);
        return new FabricOfflineSigner(gw, contract, () => {
            gw.close();
            unused.close();
        });
    }

    /** A new proposal of `txName(args)` signed with `signer`. */
    async proposal(
        txName: string,
        args: readonly string[],
        signer: Signer,
    ): Promise<{ bytes: Uint8Array; signature: Uint8Array; transactionId: string }> {
        const p = this.#contract.newProposal(txName, { arguments: [...args] });
        return {
            bytes: p.getBytes(),
            signature: await signer.sign(p.getDigest()),
            transactionId: p.getTransactionId(),
        };
    }

    /**
     * Sign an endorsed transaction the gateway returned, after checking it is `transactionId`.
     * @throws {EndorseError} `MALFORMED` if it is another transaction or not a transaction at all
     */
    async transaction(
        bytes: Uint8Array,
        transactionId: string,
        signer: Signer,
    ): Promise<{ signature: Uint8Array; result: Uint8Array }> {
        let tx: FabricGateway.Transaction;
        try {
            tx = this.#gateway.newTransaction(bytes);
        } catch (err) {
            throw new EndorseError('MALFORMED', 'the gateway returned no Fabric transaction', {
                cause: err,
            });
        }
        if (tx.getTransactionId() !== transactionId)
            throw new EndorseError(
                'MALFORMED',
                `the gateway returned transaction ${tx.getTransactionId()} to sign, not ${transactionId}`,
            );
        return { signature: await signer.sign(tx.getDigest()), result: tx.getResult() };
    }

    /**
     * Sign a commit status request the gateway returned, after checking it is about `transactionId`.
     * @throws {EndorseError} `MALFORMED` otherwise
     */
    async commit(bytes: Uint8Array, transactionId: string, signer: Signer): Promise<Uint8Array> {
        let c: FabricGateway.Commit;
        try {
            c = this.#gateway.newCommit(bytes);
        } catch (err) {
            throw new EndorseError('MALFORMED', 'the gateway returned no commit status request', {
                cause: err,
            });
        }
        if (c.getTransactionId() !== transactionId)
            throw new EndorseError(
                'MALFORMED',
                `the gateway returned a commit status request for ${c.getTransactionId()}, not ${transactionId}`,
            );
        return signer.sign(c.getDigest());
    }

    close(): void {
        this.#close();
    }
}
