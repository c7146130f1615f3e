// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/embedded/anchor
 * Trust anchors of the embedded ledger: what a party keeps OUTSIDE the data directory so that a chain cut at
 * its tail (blocks dropped, state rebuilt, meta rewritten — all possible with write access to the database and
 * no key) is detected by `verify`.
 *
 * - A receipt: every submit resolves with the number and hash of the block that holds the transaction; the
 *   submitter keeps it.
 * - A signed checkpoint: the engine signs (channel, block number, block hash, time) every `checkpointEvery` blocks
 *   and on request; the operator copies the file out. {@link openCheckpoint} checks it against an engine public
 *   key the verifier got from elsewhere and turns it into an anchor.
 *
 * `verify({ anchors })` refuses a chain that does not reach an anchor's block, or holds another block there.
 */

import { fromHex, toHex } from './codec.js';
import { sha256, verifyEd25519 } from './crypto.js';

/**
 * A block the verifier trusts to be on the chain: a submit receipt or an opened signed checkpoint.
 *
 * @example
 * ```ts
 * const { blockNumber, blockHash } = await client.submit('Put', 'k', 'v');
 * await ledgers.verify(path, { enginePublicKey, anchors: [{ blockNumber, blockHash }] });
 * ```
 */
export interface Anchor {
    readonly blockNumber: bigint;
    /** SHA-256 of the block header (32 bytes). */
    readonly blockHash: Uint8Array;
}

/** A checkpoint signed by the engine key; JSON-safe (hex, decimal strings). */
export interface SignedCheckpoint {
    readonly format: typeof CHECKPOINT_FORMAT;
    readonly channel: string;
    /** Decimal block number. */
    readonly blockNumber: string;
    /** Hex SHA-256 of that block's header. */
    readonly blockHash: string;
    /** Milliseconds since the epoch when it was signed. */
    readonly timestamp: number;
    /** Hex Ed25519 public key of the engine (informative: the verifier supplies the key it trusts). */
    readonly enginePublicKey: string;
    /** Hex Ed25519 signature over {@link checkpointDigest}. */
    readonly signature: string;
}

/** Format tag of {@link SignedCheckpoint}, also the domain separator of its signature. */
export const CHECKPOINT_FORMAT = 'femeter-embedded-checkpoint/1';

/** Raised for a checkpoint that does not parse or whose signature does not verify. */
export class CheckpointError extends Error {
    override readonly name = 'CheckpointError';
}

/**
 * The digest the engine signs for a checkpoint: SHA-256 over the format tag, channel, number and hash, each
 * length-prefixed.
 */
export function checkpointDigest(
    channel: string,
    blockNumber: bigint,
    blockHash: Uint8Array,
    timestamp: number,
): Uint8Array {
    const text = (s: string): Uint8Array => {
        const b = new TextEncoder().encode(s);
        const out = new Uint8Array(4 + b.length);
        new DataView(out.buffer).setUint32(0, b.length);
        out.set(b, 4);
        return out;
    };
    const nums = new Uint8Array(16);
    new DataView(nums.buffer).setBigUint64(0, blockNumber);
    new DataView(nums.buffer).setBigUint64(8, BigInt(timestamp));
    return sha256(text(CHECKPOINT_FORMAT), text(channel), nums, blockHash);
}

/**
 * Build a signed checkpoint (the engine calls this with its block signer).
 *
 * @example
 * ```ts
 * const cp = signCheckpoint('femeter', { blockNumber, blockHash }, publicKey, (d) => signer.sign(d));
 * ```
 */
export function signCheckpoint(
    channel: string,
    anchor: Anchor,
    enginePublicKey: Uint8Array,
    sign: (digest: Uint8Array) => Uint8Array,
    timestamp = Date.now(),
): SignedCheckpoint {
    const digest = checkpointDigest(channel, anchor.blockNumber, anchor.blockHash, timestamp);
    return {
        format: CHECKPOINT_FORMAT,
        channel,
        blockNumber: anchor.blockNumber.toString(),
        blockHash: toHex(anchor.blockHash),
        timestamp,
        enginePublicKey: toHex(enginePublicKey),
        signature: toHex(sign(digest)),
    };
}

/**
 * Check a signed checkpoint (parsed JSON or its text) against the engine public key the verifier trusts, and
 * return the anchor it vouches for.
 *
 * @throws {CheckpointError} malformed, another channel than `channel` (when given), or a bad signature
 * @example
 * ```ts
 * const anchor = openCheckpoint(await readFile('checkpoint.json', 'utf8'), trustedEngineKey);
 * ```
 */
export function openCheckpoint(
    checkpoint: unknown,
    enginePublicKey: Uint8Array,
    channel?: string,
): Anchor {
    let cp: unknown = checkpoint;
    if (typeof cp === 'string') {
        try {
            cp = JSON.parse(cp);
        } catch (err) {
            throw new CheckpointError(`checkpoint is not JSON: ${(err as Error).message}`);
        }
    }
    const c = (typeof cp === 'object' ? cp : null) as Partial<
        Record<keyof SignedCheckpoint, unknown>
    > | null;
    if (
        c?.format !== CHECKPOINT_FORMAT ||
        typeof c.channel !== 'string' ||
        typeof c.blockNumber !== 'string' ||
        !/^(0|[1-9][0-9]{0,19})$/.test(c.blockNumber) ||
        typeof c.blockHash !== 'string' ||
        typeof c.timestamp !== 'number' ||
        !Number.isSafeInteger(c.timestamp) ||
        c.timestamp < 0 ||
        typeof c.signature !== 'string'
    ) {
        throw new CheckpointError(`not a ${CHECKPOINT_FORMAT} checkpoint`);
    }
    if (channel !== undefined && c.channel !== channel) {
        throw new CheckpointError(`checkpoint is for channel ${JSON.stringify(c.channel)}`);
    }
    let blockHash: Uint8Array;
    let signature: Uint8Array;
    try {
        blockHash = fromHex(c.blockHash);
        signature = fromHex(c.signature);
    } catch {
        throw new CheckpointError('checkpoint hash or signature is not hex');
    }
    const blockNumber = BigInt(c.blockNumber);
    if (blockHash.length !== 32 || blockNumber >= 1n << 64n) {
        throw new CheckpointError('checkpoint block number or hash out of range');
    }
    const digest = checkpointDigest(c.channel, blockNumber, blockHash, c.timestamp);
    if (!verifyEd25519(enginePublicKey, digest, signature)) {
        throw new CheckpointError(
            'checkpoint signature does not verify with the given engine public key',
        );
    }
    return { blockNumber, blockHash };
}
