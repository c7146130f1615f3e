// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/admission
 * Step 1 of the embedded engine's pipeline: what a signed envelope must be before it may queue. Runs in the
 * caller's turn; a refusal throws {@link EndorseError} and leaves no trace.
 */
import { EndorseError } from '../errors.js';
import type { LedgerErrorCode } from '../errors.js';
import { toHex } from './codec.js';
import { isValidEd25519PublicKey, sha256, verifyEd25519 } from './crypto.js';
import type { Ed25519Backend } from './crypto.js';
import { decodeProposal, transactionId } from './envelope.js';
import type { Proposal, SignedEnvelope } from './envelope.js';

/** What admission checks an envelope against. */
export interface AdmissionPolicy {
    readonly channel: string;
    readonly maxEnvelopeBytes: number;
    readonly maxArgs: number;
    readonly backend: Ed25519Backend;
    /** Allowed creators per MSP id (hex public keys, or `'*'`); undefined admits any MSP. */
    readonly msps: ReadonlyMap<string, ReadonlySet<string> | '*'> | undefined;
    /** Largest payload + signature per transaction name (`txName` as sent); others: `maxEnvelopeBytes`. */
    readonly maxTxBytes?: ReadonlyMap<string, number> | undefined;
    /**
     * Refuses a creator before ordering (e.g. one the contract has not registered): returns why, or undefined
     * to admit. Runs after the signature check, in the caller's turn, against durable state.
     */
    readonly creatorCheck?:
        ((creator: Proposal['creator'], txName: string) => string | undefined) | undefined;
}

/**
 * Admit a signed envelope: size, canonical payload, channel, creator key, Ed25519 signature over
 * SHA-256(payload), MSP membership.
 *
 * Nothing of a refused envelope is stored.
 *
 * @throws {EndorseError} `MALFORMED`, `TOO_LARGE`, `WRONG_CHANNEL`, `BAD_SIGNATURE` or `ACCESS_DENIED`
 * @example
 * ```ts
 * const { proposal, txId } = admit(envelope, policy);
 * ```
 */
export function admit(
    envelope: SignedEnvelope,
    policy: Readonly<AdmissionPolicy>,
): { proposal: Proposal; txId: string; payloadHash: Uint8Array } {
    const refuse = (code: LedgerErrorCode, message: string, txId?: string): never => {
        throw new EndorseError(code, message, { transactionId: txId });
    };
    // Envelopes arrive from the network: check the shape the type promises.
    const raw = envelope as Partial<SignedEnvelope> | null;
    if (typeof raw !== 'object' || raw === null)
        return refuse('MALFORMED', 'envelope must be an object');
    const { payload, signature } = raw;
    if (!(payload instanceof Uint8Array) || !(signature instanceof Uint8Array)) {
        return refuse('MALFORMED', 'envelope payload and signature must be bytes');
    }
    if (payload.length + signature.length > policy.maxEnvelopeBytes) {
        const size = payload.length + signature.length;
        return refuse('TOO_LARGE', `envelope of ${size} bytes exceeds ${policy.maxEnvelopeBytes}`);
    }
    let proposal: Proposal;
    try {
        proposal = decodeProposal(payload, { maxArgs: policy.maxArgs });
    } catch (err) {
        return refuse('MALFORMED', `malformed transaction payload: ${(err as Error).message}`);
    }
    const txId = transactionId(proposal.nonce, proposal.creator);
    if (proposal.channel !== policy.channel) {
        return refuse(
            'WRONG_CHANNEL',
            `envelope is for channel ${JSON.stringify(proposal.channel)}`,
            txId,
        );
    }
    const size = payload.length + signature.length;
    const cap = policy.maxTxBytes?.get(proposal.txName);
    if (cap !== undefined && size > cap) {
        const name = JSON.stringify(proposal.txName);
        return refuse('TOO_LARGE', `${name} envelope of ${size} bytes exceeds ${cap}`, txId);
    }
    if (!isValidEd25519PublicKey(proposal.creator.credentials)) {
        return refuse('MALFORMED', 'creator credentials are not a valid Ed25519 public key', txId);
    }
    const payloadHash = sha256(payload);
    if (!verifyEd25519(proposal.creator.credentials, payloadHash, signature, policy.backend)) {
        return refuse(
            'BAD_SIGNATURE',
            'the signature does not match the creator and payload',
            txId,
        );
    }
    if (policy.msps !== undefined) {
        const allowed = policy.msps.get(proposal.creator.mspId);
        if (
            allowed === undefined ||
            (allowed !== '*' && !allowed.has(toHex(proposal.creator.credentials)))
        ) {
            const msp = JSON.stringify(proposal.creator.mspId);
            return refuse('ACCESS_DENIED', `identity is not a member of ${msp}`, txId);
        }
    }
    const why = policy.creatorCheck?.(proposal.creator, proposal.txName);
    if (why !== undefined) return refuse('ACCESS_DENIED', why, txId);
    return { proposal, txId, payloadHash };
}
