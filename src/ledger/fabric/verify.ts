// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/verify
 * An independent check of a Fabric channel's blocks, as an auditor runs it: every block is read back
 * (qscc `GetBlockByNumber` through the gateway, see {@link FabricBlockSource}) and checked against
 * the rules of the engine, not of femeter:
 *
 * - **hash chain**: block n's `previous_hash` is the hash of block n−1's header (SHA-256 of the
 *   header's ASN.1 DER encoding, as Fabric computes it), the header's `data_hash` is SHA-256 of the
 *   concatenated transaction envelopes, the numbers run 0, 1, 2, …;
 * - **orderer signatures**: the block's SIGNATURES metadata is signed (value ‖ signature header ‖
 *   header bytes) by an identity of an orderer organisation of the channel's configuration, whose
 *   certificate chains to that organisation's root certificates;
 * - **transactions**: every envelope is signed by its creator (chained to its MSP's roots), its
 *   transaction id is SHA-256(nonce ‖ creator), its channel is the channel; the TRANSACTIONS_FILTER
 *   metadata gives one validation code per transaction;
 * - **endorsements** of valid transactions: each endorser's signature over (proposal response
 *   payload ‖ endorser) verifies, its certificate chains to its MSP and carries the `peer` role,
 *   and the endorsers satisfy the chaincode's endorsement policy (`AND`/`OR` of `'MSP.role'`).
 *
 * The MSPs (root and intermediate certificates) come from the configuration blocks read on the way
 * (block 0 and every later config block), so nothing but the channel's own genesis is trusted.
 * What it returns besides the problems — the valid transactions with their chaincode, arguments and
 * writes — is what a ledger-specific auditor (femeter's roles/auditor) re-checks with its own rules.
 */
import { createHash, verify as verifySignature, X509Certificate } from 'node:crypto';
import type * as Protos from '@hyperledger/fabric-protos';

/** Where the blocks come from. */
export interface FabricBlockSource {
    /** Number of blocks on the channel (the next block's number). */
    height(): Promise<bigint>;
    /** The serialised `common.Block` number `n`. */
    block(n: bigint): Promise<Uint8Array>;
}

/** What {@link verifyFabricChain} needs besides the blocks. */
export interface FabricVerifyOptions {
    /** The channel the blocks belong to. */
    readonly channel: string;
    /** Endorsement policy per chaincode name, e.g. `OR('OperatorMSP.peer','CustomersMSP.peer')`. */
    readonly policies: Readonly<Record<string, string>>;
    /** SHA-256 of the genesis block's header (hex), if the auditor pins it (block 0 is unsigned). */
    readonly genesisHash?: string;
    /** Collect the valid transactions of these chaincodes only (default: all). */
    readonly chaincodes?: readonly string[];
    /**
     * Called with each collected valid transaction, in ledger order, before the next block is read
     * (the state check replays their writes into a scratch store this way).
     */
    readonly onValid?: (tx: FabricTransaction) => void | Promise<void>;
    /**
     * Keep the collected transactions in {@link FabricVerifyReport.valid} (default true). With
     * `false` memory does not grow with the ledger: use `onValid`.
     */
    readonly keepValid?: boolean;
}

/** One thing found wrong, named by block (and transaction). */
export interface FabricProblem {
    readonly block: bigint;
    readonly tx?: string;
    readonly check:
        | 'decode'
        | 'genesis'
        | 'number'
        | 'previous-hash'
        | 'data-hash'
        | 'orderer-signature'
        | 'creator-signature'
        | 'tx-id'
        | 'channel'
        | 'validation-codes'
        | 'endorsement'
        | 'policy';
    readonly detail: string;
}

/** A key written by a valid transaction. */
export interface FabricWrite {
    readonly namespace: string;
    readonly key: string;
    readonly value: Uint8Array;
    readonly isDelete: boolean;
}

/** A valid endorser transaction, as recorded in a block. */
export interface FabricTransaction {
    readonly block: bigint;
    readonly index: number;
    readonly txId: string;
    readonly creatorMspId: string;
    readonly chaincode: string;
    /** The invocation's arguments; `args[0]` is the transaction name. */
    readonly args: readonly Uint8Array[];
    readonly writes: readonly FabricWrite[];
}

/** The outcome of {@link verifyFabricChain}. */
export interface FabricVerifyReport {
    readonly ok: boolean;
    readonly blocks: number;
    readonly transactions: { readonly valid: number; readonly invalid: number };
    readonly problems: readonly FabricProblem[];
    /** Valid endorser transactions (of `options.chaincodes`, if given), in ledger order. */
    readonly valid: readonly FabricTransaction[];
    /** SHA-256 of the last block's header: what a later run can pin. */
    readonly headHash: string;
}

const VALID = 0; // peer.TxValidationCode.VALID
const HEADER_CONFIG = 1; // common.HeaderType.CONFIG
const HEADER_ENDORSER = 3; // common.HeaderType.ENDORSER_TRANSACTION
const META_SIGNATURES = 0;
const META_TRANSACTIONS_FILTER = 2;

const sha256 = (...parts: Uint8Array[]): Uint8Array => {
    const h = createHash('sha256');
    for (const p of parts) h.update(p);
    return new Uint8Array(h.digest());
};
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const equal = (a: Uint8Array, b: Uint8Array): boolean => Buffer.from(a).equals(Buffer.from(b));

/** DER length octets. */
function derLength(n: number): Uint8Array {
    if (n < 0x80) return Uint8Array.of(n);
    const bytes: number[] = [];
    for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
    return Uint8Array.of(0x80 | bytes.length, ...bytes);
}
const derTlv = (tag: number, body: Uint8Array): Uint8Array =>
    Uint8Array.from([tag, ...derLength(body.length), ...body]);
/** DER INTEGER of a non-negative number (minimal two's complement, as Go's encoding/asn1). */
function derUint(n: bigint): Uint8Array {
    const bytes: number[] = [];
    for (let v = n; v > 0n; v >>= 8n) bytes.unshift(Number(v & 0xffn));
    if ((bytes[0] ?? 0x80) & 0x80) bytes.unshift(0);
    return derTlv(0x02, Uint8Array.from(bytes));
}

/**
 * The bytes Fabric hashes and signs for a block header: the ASN.1 DER SEQUENCE of (number,
 * previous_hash, data_hash) (protoutil.BlockHeaderBytes).
 */
export function blockHeaderBytes(number: bigint, previousHash: Uint8Array, dataHash: Uint8Array) {
    return derTlv(
        0x30,
        Uint8Array.from([
            ...derUint(number),
            ...derTlv(0x04, previousHash),
            ...derTlv(0x04, dataHash),
        ]),
    );
}

/**
 * The part of google-protobuf's `jspb.Map` used here (its type package is not a dependency, so
 * fabric-protos' declarations of the config maps do not resolve).
 */
interface ProtoMap<V> {
    get(key: string): V | undefined;
    forEach(callback: (value: V, key: string) => void): void;
}
function subGroups(g: Protos.common.ConfigGroup): ProtoMap<Protos.common.ConfigGroup> {
    const map: unknown = g.getGroupsMap();
    return map as ProtoMap<Protos.common.ConfigGroup>;
}
function values(g: Protos.common.ConfigGroup): ProtoMap<Protos.common.ConfigValue> {
    const map: unknown = g.getValuesMap();
    return map as ProtoMap<Protos.common.ConfigValue>;
}

/** An MSP of the channel configuration: its root and intermediate certificates. */
interface Msp {
    readonly roots: X509Certificate[];
    readonly intermediates: X509Certificate[];
}
interface ChannelMsps {
    readonly orderer: Map<string, Msp>;
    readonly application: Map<string, Msp>;
}

/** A parsed endorsement policy: `AND(...)`/`OR(...)`/`OutOf(n, ...)` of `'MSP.role'`. */
type Policy =
    | { readonly principal: { readonly mspId: string; readonly role: string } }
    | { readonly need: number; readonly of: readonly Policy[] };

/**
 * Parse a Fabric signature policy string.
 * @throws {Error} on anything but AND/OR/OutOf of quoted `'MSP.role'` principals
 */
export function parsePolicy(text: string): Policy {
    let i = 0;
    const ws = (): void => {
        while (/\s/.test(text[i] ?? '')) i++;
    };
    const expect = (c: string): void => {
        ws();
        if (text[i] !== c) throw new Error(`policy ${text}: expected "${c}" at ${i}`);
        i++;
    };
    const parse = (): Policy => {
        ws();
        if (text[i] === "'" || text[i] === '"') {
            const q = text[i++] ?? "'";
            const end = text.indexOf(q, i);
            if (end < 0) throw new Error(`policy ${text}: unterminated principal`);
            const p = text.slice(i, end);
            i = end + 1;
            const dot = p.lastIndexOf('.');
            if (dot <= 0) throw new Error(`policy ${text}: principal ${p} is not MSP.role`);
            return { principal: { mspId: p.slice(0, dot), role: p.slice(dot + 1) } };
        }
        const m = /^(AND|OR|OutOf)\s*\(/i.exec(text.slice(i));
        if (!m) throw new Error(`policy ${text}: expected AND(, OR( or OutOf( at ${i}`);
        i += m[0].length;
        const op = (m[1] ?? '').toUpperCase();
        let need = 0;
        if (op === 'OUTOF') {
            ws();
            const n = /^\d+/.exec(text.slice(i));
            if (!n) throw new Error(`policy ${text}: OutOf needs a count`);
            need = Number(n[0]);
            i += n[0].length;
            expect(',');
        }
        const of: Policy[] = [parse()];
        ws();
        while (text[i] === ',') {
            i++;
            of.push(parse());
            ws();
        }
        expect(')');
        return { need: op === 'AND' ? of.length : op === 'OR' ? 1 : need, of };
    };
    const p = parse();
    ws();
    if (i !== text.length) throw new Error(`policy ${text}: trailing text at ${i}`);
    return p;
}

/** Whether the endorsers (MSP id + roles each) satisfy the policy, each endorser used once. */
function satisfies(policy: Policy, endorsers: readonly { mspId: string; roles: Set<string> }[]) {
    const used = new Set<number>();
    const walk = (p: Policy): boolean => {
        if ('principal' in p) {
            const k = endorsers.findIndex(
                (e, j) =>
                    !used.has(j) &&
                    e.mspId === p.principal.mspId &&
                    (p.principal.role === 'member' || e.roles.has(p.principal.role)),
            );
            if (k < 0) return false;
            used.add(k);
            return true;
        }
        let n = 0;
        for (const q of p.of) if (walk(q)) n++;
        return n >= p.need;
    };
    return walk(policy);
}

/** NodeOU roles of a certificate (the OU values of its subject). */
function roles(cert: X509Certificate): Set<string> {
    const out = new Set<string>();
    for (const line of cert.subject.split('\n')) {
        const [k, v] = line.split('=');
        if (k === 'OU' && v !== undefined) for (const r of v.split('+')) out.add(r.toLowerCase());
    }
    return out;
}

/** Whether `cert` chains (directly or through one intermediate) to a root of `msp`. */
function chains(cert: X509Certificate, msp: Msp): boolean {
    const issuedBy = (c: X509Certificate, ca: X509Certificate): boolean =>
        c.checkIssued(ca) && c.verify(ca.publicKey);
    if (msp.roots.some((r) => issuedBy(cert, r))) return true;
    return msp.intermediates.some(
        (ca) => issuedBy(cert, ca) && msp.roots.some((r) => issuedBy(ca, r)),
    );
}

/**
 * Read and check every block of a channel (see the module comment for what is checked).
 * Problems do not stop the walk: each is named by block (and transaction) in the report.
 *
 * @example
 * ```ts
 * const report = await verifyFabricChain(client.blockSource(), { channel: 'femeter',
 *     policies: { femeter: "OR('OperatorMSP.peer','CustomersMSP.peer')" } });
 * if (!report.ok) for (const p of report.problems) console.log(`block ${p.block}: ${p.check} ${p.detail}`);
 * ```
 */
export async function verifyFabricChain(
    source: FabricBlockSource,
    options: Readonly<FabricVerifyOptions>,
): Promise<FabricVerifyReport> {
    const { common, msp: mspProtos, peer, ledger } = await import('@hyperledger/fabric-protos');
    const policies = new Map<string, Policy>();
    for (const [cc, text] of Object.entries(options.policies)) policies.set(cc, parsePolicy(text));
    const wanted = options.chaincodes ? new Set(options.chaincodes) : undefined;
    const problems: FabricProblem[] = [];
    const valid: FabricTransaction[] = [];
    let validCount = 0;
    let invalidCount = 0;
    let msps: ChannelMsps | undefined;
    let prevHeaderHash: Uint8Array | undefined;
    const height = await source.height();

    const identity = (
        bytes: Uint8Array,
    ): { mspId: string; cert: X509Certificate } | { error: string } => {
        try {
            const id = mspProtos.SerializedIdentity.deserializeBinary(bytes);
            return {
                mspId: id.getMspid(),
                cert: new X509Certificate(Buffer.from(id.getIdBytes_asU8())),
            };
        } catch (e) {
            return { error: `not a serialised X.509 identity (${(e as Error).message})` };
        }
    };
    /** Check a signature by a serialised identity of one of `members`; an error text or undefined. */
    const checkSigner = (
        creator: Uint8Array,
        members: Map<string, Msp> | undefined,
        data: Uint8Array,
        signature: Uint8Array,
    ): string | undefined => {
        const id = identity(creator);
        if ('error' in id) return id.error;
        const msp = members?.get(id.mspId);
        if (!msp)
            return `signer's MSP ${id.mspId} is not one of ${[...(members?.keys() ?? [])].join(', ')}`;
        if (!chains(id.cert, msp))
            return `certificate of ${id.mspId} signer does not chain to its MSP`;
        if (!verifySignature('sha256', data, id.cert.publicKey, signature))
            return `signature of ${id.mspId} signer does not verify`;
        return undefined;
    };
    const readMsps = (groups: Protos.common.ConfigGroup | undefined): Map<string, Msp> => {
        const out = new Map<string, Msp>();
        if (!groups) return out;
        const orgs: Protos.common.ConfigGroup[] = [];
        subGroups(groups).forEach((org) => orgs.push(org));
        for (const org of orgs) {
            const value = values(org).get('MSP');
            if (!value) continue;
            const cfg = mspProtos.MSPConfig.deserializeBinary(value.getValue_asU8());
            const fab = mspProtos.FabricMSPConfig.deserializeBinary(cfg.getConfig_asU8());
            const pem = (b: Uint8Array): X509Certificate => new X509Certificate(Buffer.from(b));
            out.set(fab.getName(), {
                roots: fab.getRootCertsList_asU8().map(pem),
                intermediates: fab.getIntermediateCertsList_asU8().map(pem),
            });
        }
        return out;
    };

    for (let n = 0n; n < height; n++) {
        const problem = (check: FabricProblem['check'], detail: string, tx?: string): void => {
            problems.push({ block: n, check, detail, ...(tx !== undefined ? { tx } : {}) });
        };
        let block: Protos.common.Block;
        try {
            block = common.Block.deserializeBinary(await source.block(n));
        } catch (e) {
            problem('decode', `block does not decode: ${(e as Error).message}`);
            prevHeaderHash = undefined;
            continue;
        }
        const header = block.getHeader();
        const data = block.getData()?.getDataList_asU8() ?? [];
        const metadata = block.getMetadata()?.getMetadataList_asU8() ?? [];
        if (!header) {
            problem('decode', 'block has no header');
            continue;
        }
        const number = BigInt(header.getNumber());
        if (number !== n) problem('number', `header says block ${number}`);
        const headerBytes = blockHeaderBytes(
            number,
            header.getPreviousHash_asU8(),
            header.getDataHash_asU8(),
        );
        if (n > 0n && prevHeaderHash && !equal(header.getPreviousHash_asU8(), prevHeaderHash))
            problem(
                'previous-hash',
                `previous_hash ${hex(header.getPreviousHash_asU8())} is not the hash ${hex(prevHeaderHash)} of block ${n - 1n}'s header`,
            );
        prevHeaderHash = sha256(headerBytes);
        const dataHash = sha256(...data);
        if (!equal(dataHash, header.getDataHash_asU8()))
            problem(
                'data-hash',
                `data_hash ${hex(header.getDataHash_asU8())} but the ${data.length} envelopes hash to ${hex(dataHash)}`,
            );

        // The first envelope of a config block carries the channel's MSPs: read them before the
        // orderer signature (block 0 is signed by an orderer of its own configuration).
        const envelopes: {
            env: Protos.common.Envelope;
            payload: Protos.common.Payload;
            ch: Protos.common.ChannelHeader;
            sh: Protos.common.SignatureHeader;
        }[] = [];
        for (const [i, bytes] of data.entries()) {
            try {
                const env = common.Envelope.deserializeBinary(bytes);
                const payload = common.Payload.deserializeBinary(env.getPayload_asU8());
                const h = payload.getHeader();
                if (!h) throw new Error('payload has no header');
                const ch = common.ChannelHeader.deserializeBinary(h.getChannelHeader_asU8());
                const sh = common.SignatureHeader.deserializeBinary(h.getSignatureHeader_asU8());
                envelopes.push({ env, payload, ch, sh });
            } catch (e) {
                problem('decode', `envelope ${i} does not decode: ${(e as Error).message}`);
            }
        }
        for (const { payload, ch } of envelopes) {
            if (ch.getType() !== HEADER_CONFIG) continue;
            try {
                const cfg = common.ConfigEnvelope.deserializeBinary(payload.getData_asU8());
                const root = cfg.getConfig()?.getChannelGroup();
                msps = {
                    orderer: readMsps(root && subGroups(root).get('Orderer')),
                    application: readMsps(root && subGroups(root).get('Application')),
                };
            } catch (e) {
                problem('decode', `config does not decode: ${(e as Error).message}`);
            }
        }

        // Orderer signatures. Block 0, the genesis block, is written by configtxgen and signed by
        // nobody: it is the trust anchor (pin it with `options.genesisHash`).
        if (n === 0n) {
            if (options.genesisHash !== undefined && hex(prevHeaderHash) !== options.genesisHash)
                problem(
                    'genesis',
                    `genesis header hash ${hex(prevHeaderHash)} is not the pinned ${options.genesisHash}`,
                );
            if (!envelopes.some((e) => e.ch.getType() === HEADER_CONFIG))
                problem('genesis', 'block 0 is not a configuration block');
        } else
            try {
                const sigMeta = common.Metadata.deserializeBinary(
                    metadata[META_SIGNATURES] ?? new Uint8Array(),
                );
                const sigs = sigMeta.getSignaturesList();
                if (sigs.length === 0)
                    problem('orderer-signature', 'block carries no orderer signature');
                for (const s of sigs) {
                    const sh = common.SignatureHeader.deserializeBinary(
                        s.getSignatureHeader_asU8(),
                    );
                    const err = checkSigner(
                        sh.getCreator_asU8(),
                        msps?.orderer,
                        Uint8Array.from([
                            ...sigMeta.getValue_asU8(),
                            ...s.getSignatureHeader_asU8(),
                            ...headerBytes,
                        ]),
                        s.getSignature_asU8(),
                    );
                    if (err) problem('orderer-signature', err);
                }
            } catch (e) {
                problem(
                    'orderer-signature',
                    `signatures metadata does not decode: ${(e as Error).message}`,
                );
            }

        const codes = metadata[META_TRANSACTIONS_FILTER] ?? new Uint8Array();
        if (codes.length !== data.length)
            problem(
                'validation-codes',
                `${codes.length} validation codes for ${data.length} transactions`,
            );

        const collected: FabricTransaction[] = []; // this block's, for options.onValid
        for (const [i, { env, payload, ch, sh }] of envelopes.entries()) {
            const txId = ch.getTxId();
            if (ch.getChannelId() !== options.channel)
                problem('channel', `transaction of channel "${ch.getChannelId()}"`, txId);
            if (ch.getType() !== HEADER_ENDORSER) continue;
            const code = codes[i];
            if (code !== VALID) {
                invalidCount++;
                continue; // recorded, not applied: nothing of it counts
            }
            validCount++;
            const err = checkSigner(
                sh.getCreator_asU8(),
                msps?.application,
                env.getPayload_asU8(),
                env.getSignature_asU8(),
            );
            if (err) problem('creator-signature', err, txId);
            if (hex(sha256(sh.getNonce_asU8(), sh.getCreator_asU8())) !== txId)
                problem('tx-id', 'transaction id is not SHA-256(nonce ‖ creator)', txId);
            try {
                const tx = peer.Transaction.deserializeBinary(payload.getData_asU8());
                for (const action of tx.getActionsList()) {
                    const cap = peer.ChaincodeActionPayload.deserializeBinary(
                        action.getPayload_asU8(),
                    );
                    const endorsed = cap.getAction();
                    if (!endorsed) throw new Error('no endorsed action');
                    const prp = endorsed.getProposalResponsePayload_asU8();
                    const ccAction = peer.ChaincodeAction.deserializeBinary(
                        peer.ProposalResponsePayload.deserializeBinary(prp).getExtension_asU8(),
                    );
                    const chaincode = ccAction.getChaincodeId()?.getName() ?? '';
                    const endorsers: { mspId: string; roles: Set<string> }[] = [];
                    for (const e of endorsed.getEndorsementsList()) {
                        const id = identity(e.getEndorser_asU8());
                        const bad = checkSigner(
                            e.getEndorser_asU8(),
                            msps?.application,
                            Uint8Array.from([...prp, ...e.getEndorser_asU8()]),
                            e.getSignature_asU8(),
                        );
                        if (bad) problem('endorsement', `${chaincode}: ${bad}`, txId);
                        else if (!('error' in id))
                            endorsers.push({ mspId: id.mspId, roles: roles(id.cert) });
                    }
                    const policy = policies.get(chaincode);
                    if (policy === undefined) {
                        if (!chaincode.startsWith('_'))
                            problem('policy', `no endorsement policy known for ${chaincode}`, txId);
                    } else if (!satisfies(policy, endorsers)) {
                        problem(
                            'policy',
                            `endorsers ${endorsers.map((e) => e.mspId).join(', ') || 'none'} do not satisfy ${options.policies[chaincode]} of ${chaincode}`,
                            txId,
                        );
                    }
                    if (wanted && !wanted.has(chaincode)) continue;
                    const spec = peer.ChaincodeInvocationSpec.deserializeBinary(
                        peer.ChaincodeProposalPayload.deserializeBinary(
                            cap.getChaincodeProposalPayload_asU8(),
                        ).getInput_asU8(),
                    );
                    const writes: FabricWrite[] = [];
                    const rw = ledger.rwset.TxReadWriteSet.deserializeBinary(
                        ccAction.getResults_asU8(),
                    );
                    for (const ns of rw.getNsRwsetList()) {
                        const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(
                            ns.getRwset_asU8(),
                        );
                        for (const w of kv.getWritesList())
                            writes.push({
                                namespace: ns.getNamespace(),
                                key: w.getKey(),
                                value: w.getValue_asU8(),
                                isDelete: w.getIsDelete(),
                            });
                    }
                    const record: FabricTransaction = {
                        block: n,
                        index: i,
                        txId,
                        creatorMspId:
                            'error' in identity(sh.getCreator_asU8())
                                ? ''
                                : (identity(sh.getCreator_asU8()) as { mspId: string }).mspId,
                        chaincode,
                        args: spec.getChaincodeSpec()?.getInput()?.getArgsList_asU8() ?? [],
                        writes,
                    };
                    if (options.keepValid !== false) valid.push(record);
                    if (options.onValid) collected.push(record);
                }
            } catch (e) {
                problem('decode', `transaction does not decode: ${(e as Error).message}`, txId);
            }
        }
        for (const record of collected) await options.onValid?.(record);
    }
    return {
        ok: problems.length === 0,
        blocks: Number(height),
        transactions: { valid: validCount, invalid: invalidCount },
        problems,
        valid,
        headHash: prevHeaderHash ? hex(prevHeaderHash) : '',
    };
}
