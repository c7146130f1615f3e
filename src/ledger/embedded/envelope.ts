// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/envelope
 * Signed transaction envelopes of the embedded engine, modelled on Fabric's signed proposal:
 *
 *   payload   = "FMTX" ‖ v1 ‖ channel ‖ txName ‖ args[] ‖ creator ‖ nonce ‖ timestamp   (codec.ts)
 *   creator   = mspId ‖ credentials                                                          (serialised identity)
 *   txId      = hex(SHA-256(nonce ‖ creator))                                                (as Fabric)
 *   signature = Ed25519(creator key, SHA-256(payload))
 *
 * The nonce (24 random bytes, chosen by the client) makes every envelope and txId unique; the engine refuses a txId
 * it has seen (replay). The timestamp is the client's clock, signed; the contract reads it through
 * `ctx.stub.getTxTimestamp()` and it is the same on every re-execution (deterministic).
 */

import { randomBytes } from 'node:crypto';

import type { Identity, Signer } from '../client.js';
import { CodecError, Reader, Writer, toHex } from './codec.js';
import { sha256 } from './crypto.js';

/** Domain tag at the start of every payload (never a valid block header, which starts with "FMBK"). */
const _MAGIC = new Uint8Array([0x46, 0x4d, 0x54, 0x58]); // "FMTX"
const _VERSION = 1;
/**
 * Fabric's nonce length.
 *
 * @example
 * ```ts
 * newProposal({ channel, txName, args, creator, nonce: randomBytes(NONCE_BYTES) });
 * ```
 */
export const NONCE_BYTES = 24;
/** Bounds on fields that are never legitimately large (the whole envelope is bounded separately). */
const _MAX_NAME_BYTES = 1024;
const _MAX_MSPID_BYTES = 256;
const _MAX_CREDENTIAL_BYTES = 16 * 1024;

/**
 * Seconds and nanoseconds since the Unix epoch, as in google.protobuf.Timestamp.
 *
 * @example
 * ```ts
 * newProposal({ channel, txName, args, creator, timestamp: { seconds: 1_700_000_000n, nanos: 0 } });
 * ```
 */
export interface TxTimestamp {
    readonly seconds: bigint;
    readonly nanos: number;
}

/**
 * The decoded content of a transaction payload.
 *
 * @example
 * ```ts
 * const { txName, args, creator } = decodeProposal(envelope.payload, { maxArgs: 1024 });
 * ```
 */
export interface Proposal {
    readonly channel: string;
    /** `TxName` (default contract) or `ContractName:TxName`. */
    readonly txName: string;
    readonly args: readonly string[];
    readonly creator: Identity;
    readonly nonce: Uint8Array;
    readonly timestamp: TxTimestamp;
}

/**
 * A payload and the creator's signature over SHA-256(payload). This is what travels to the engine.
 *
 * @example
 * ```ts
 * const envelope: SignedEnvelope = await signPayload(encodeProposal(proposal), signer);
 * await ledger.submitSigned(envelope);
 * ```
 */
export interface SignedEnvelope {
    readonly payload: Uint8Array;
    readonly signature: Uint8Array;
}

/**
 * Limits applied while decoding a payload.
 *
 * @example
 * ```ts
 * decodeProposal(payload, { maxArgs: 1024 });
 * ```
 */
export interface DecodeLimits {
    readonly maxArgs: number;
}

/**
 * Serialise an identity the way it enters the txId and the payload.
 *
 * @example
 * ```ts
 * const creatorBytes = serializeIdentity({ mspId: 'MeterMSP', credentials: publicKey });
 * ```
 */
export function serializeIdentity(identity: Identity): Uint8Array {
    return new Writer(identity.mspId.length + identity.credentials.length + 8)
        .str(identity.mspId)
        .bytes(identity.credentials)
        .finish();
}

/**
 * The transaction id: hex(SHA-256(nonce ‖ serialised creator)).
 *
 * @example
 * ```ts
 * const txId = transactionId(proposal.nonce, proposal.creator);
 * ```
 */
export function transactionId(nonce: Uint8Array, creator: Identity): string {
    return toHex(sha256(nonce, serializeIdentity(creator)));
}

/**
 * Build a proposal with a fresh random nonce and the current time.
 * @throws {TypeError} if `txName` or an argument is not a string
 *
 * @example
 * ```ts
 * const proposal = newProposal({ channel: 'femeter', txName: 'Put', args: ['k', 'v'], creator: identity });
 * ```
 */
export function newProposal(
    options: Readonly<{
        channel: string;
        txName: string;
        args: readonly string[];
        creator: Identity;
        nonce?: Uint8Array;
        timestamp?: TxTimestamp;
    }>,
): Proposal {
    if (typeof options.txName !== 'string' || options.txName.length === 0) {
        throw new TypeError('"txName" expected a non-empty string');
    }
    if (!Array.isArray(options.args)) throw new TypeError('"args" expected an array of strings');
    options.args.forEach((a, i) => {
        if (typeof a !== 'string')
            throw new TypeError(`"args[${i}]" expected string, got type=${typeof a}`);
    });
    const nowMs = Date.now();
    return {
        channel: options.channel,
        txName: options.txName,
        args: options.args.slice(),
        creator: options.creator,
        nonce: options.nonce ?? new Uint8Array(randomBytes(NONCE_BYTES)),
        timestamp: options.timestamp ?? {
            seconds: BigInt(Math.floor(nowMs / 1000)),
            nanos: (nowMs % 1000) * 1e6,
        },
    };
}

/**
 * Canonical payload bytes of a proposal.
 * @throws {CodecError} on a string that is not well-formed UTF-16 or a nonce of the wrong length
 *
 * @example
 * ```ts
 * const payload = encodeProposal(proposal);
 * ```
 */
export function encodeProposal(p: Proposal): Uint8Array {
    if (p.nonce.length !== NONCE_BYTES) throw new CodecError(`nonce must be ${NONCE_BYTES} bytes`);
    if (p.timestamp.seconds < 0n || p.timestamp.seconds > BigInt(Number.MAX_SAFE_INTEGER)) {
        throw new CodecError('timestamp seconds out of range');
    }
    const w = new Writer(256)
        .fixed(_MAGIC)
        .u8(_VERSION)
        .str(p.channel)
        .str(p.txName)
        .varint(p.args.length);
    for (const a of p.args) w.str(a);
    return w
        .str(p.creator.mspId)
        .bytes(p.creator.credentials)
        .fixed(p.nonce)
        .varint(Number(p.timestamp.seconds))
        .varint(p.timestamp.nanos)
        .finish();
}

/**
 * Decode and bound-check payload bytes. Returned byte fields are views into `payload`.
 * @throws {CodecError} on anything that is not a canonical payload
 *
 * @example
 * ```ts
 * const proposal = decodeProposal(envelope.payload, { maxArgs: 1024 });
 * ```
 */
export function decodeProposal(payload: Uint8Array, limits: Readonly<DecodeLimits>): Proposal {
    const r = new Reader(payload);
    const magic = r.fixed(4);
    if (magic[0] !== 0x46 || magic[1] !== 0x4d || magic[2] !== 0x54 || magic[3] !== 0x58) {
        throw new CodecError('not a transaction payload (bad magic)');
    }
    const version = r.u8();
    if (version !== _VERSION) throw new CodecError(`unsupported payload version ${version}`);
    const channel = r.str(_MAX_NAME_BYTES);
    const txName = r.str(_MAX_NAME_BYTES);
    if (txName.length === 0) throw new CodecError('empty transaction name');
    const argc = r.varint();
    if (argc > limits.maxArgs)
        throw new CodecError(`too many arguments: ${argc} > ${limits.maxArgs}`);
    const args: string[] = [];
    for (let i = 0; i < argc; i++) args.push(r.str());
    const mspId = r.str(_MAX_MSPID_BYTES);
    const credentials = r.bytes(_MAX_CREDENTIAL_BYTES);
    const nonce = r.fixed(NONCE_BYTES);
    const seconds = BigInt(r.varint());
    const nanos = r.varint();
    if (nanos >= 1e9) throw new CodecError('timestamp nanos out of range');
    r.end();
    return {
        channel,
        txName,
        args,
        creator: { mspId, credentials },
        nonce,
        timestamp: { seconds, nanos },
    };
}

/**
 * Sign a payload: the signer sees SHA-256(payload) only.
 *
 * @example
 * ```ts
 * const envelope = await signPayload(encodeProposal(proposal), signer);
 * ```
 */
export async function signPayload(payload: Uint8Array, signer: Signer): Promise<SignedEnvelope> {
    const signature = await signer.sign(sha256(payload));
    return { payload, signature };
}

/**
 * Wire form of a signed envelope (for a gateway): varint-prefixed payload, then varint-prefixed signature.
 *
 * @example
 * ```ts
 * const bytes = encodeSignedEnvelope(envelope);
 * const back = decodeSignedEnvelope(bytes, 4 * 1024 * 1024);
 * ```
 */
export function encodeSignedEnvelope(envelope: SignedEnvelope): Uint8Array {
    return new Writer(envelope.payload.length + envelope.signature.length + 16)
        .bytes(envelope.payload)
        .bytes(envelope.signature)
        .finish();
}

/**
 * Inverse of {@link encodeSignedEnvelope}.
 * @throws {CodecError} on malformed bytes or a payload above `maxBytes`
 *
 * @example
 * ```ts
 * const envelope = decodeSignedEnvelope(requestBody, 4 * 1024 * 1024);
 * ```
 */
export function decodeSignedEnvelope(bytes: Uint8Array, maxBytes: number): SignedEnvelope {
    const r = new Reader(bytes);
    const payload = r.bytes(maxBytes);
    const signature = r.bytes(1024);
    r.end();
    return { payload, signature };
}
