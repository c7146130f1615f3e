// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/anchors
 * The trust anchors `femeter verify` takes from outside the ledger's data directory (issue 9 item
 * 7): the engine's public key (`--engine-key`), signed checkpoints (`--checkpoint`, written by the
 * engine to `<ledger>/checkpoint.json` every 1000 blocks or by `femeter checkpoint`) and submit
 * receipts (`--receipt`). A chain cut before an anchor's block, or holding another block there, or
 * signed by another engine key, then fails the check.
 */
import { existsSync, readFileSync } from 'node:fs';
import { hexToBytes } from '@noble/hashes/utils.js';
import { CheckpointError, openCheckpoint, type Anchor } from '../../ledger/index.js';
import { CliError } from './errors.js';

/** What `verify` is given to trust. */
export interface TrustAnchors {
    /** The engine public key to check block signatures with, instead of the one the ledger records. */
    readonly enginePublicKey?: Uint8Array;
    readonly anchors: readonly Anchor[];
}

/** The flags, as given. */
export interface TrustFlags {
    readonly engineKey?: string | undefined;
    readonly checkpoints?: readonly string[] | undefined;
    readonly receipts?: readonly string[] | undefined;
}

const HEX32 = /^[0-9a-fA-F]{64}$/;

function readText(file: string, flag: string): string {
    if (!existsSync(file))
        throw new CliError(`${flag} ${file}: no such file`, `check the path given to ${flag}`);
    return readFileSync(file, 'utf8');
}

/** `--engine-key`: 64 hex characters, or a file holding them. */
function engineKeyOf(flag: string): Uint8Array {
    const text = HEX32.test(flag) ? flag : readText(flag, '--engine-key').trim();
    if (!HEX32.test(text))
        throw new CliError(
            `--engine-key ${flag.slice(0, 80)}: expected the engine's Ed25519 public key as 64 hex characters (or a file holding them)`,
            '`femeter checkpoint` prints it; keep it outside the ledger directory',
        );
    return hexToBytes(text.toLowerCase());
}

/**
 * A receipt file: JSON with `blockNumber` (decimal string or integer) and `blockHash` (64 hex), e.g.
 * `{ "blockNumber": "41", "blockHash": "9f…" }` as a submitter keeps it from its submit result.
 */
function receiptOf(file: string): Anchor {
    let o: unknown;
    try {
        o = JSON.parse(readText(file, '--receipt'));
    } catch (e) {
        if (e instanceof CliError) throw e;
        throw new CliError(`--receipt ${file}: not JSON`, 'pass the receipt file as it was kept');
    }
    const r = (typeof o === 'object' && o !== null ? o : {}) as Record<string, unknown>;
    const n = r.blockNumber;
    const number =
        typeof n === 'string' && /^(0|[1-9][0-9]{0,19})$/.test(n)
            ? BigInt(n)
            : typeof n === 'number' && Number.isSafeInteger(n) && n >= 0
              ? BigInt(n)
              : undefined;
    const hash = r.blockHash;
    if (
        number === undefined ||
        number >= 1n << 64n ||
        typeof hash !== 'string' ||
        !HEX32.test(hash)
    )
        throw new CliError(
            `--receipt ${file}: expected { "blockNumber": "<decimal>", "blockHash": "<64 hex>" }`,
            'a receipt is the block number and hash a submit returned',
        );
    return { blockNumber: number, blockHash: hexToBytes(hash.toLowerCase()) };
}

/**
 * Read the trust flags; undefined when none was given.
 *
 * @throws {CliError} an unreadable file, a malformed key or receipt, a checkpoint without
 *   `--engine-key`, or a checkpoint whose signature does not verify with that key
 * @example
 * ```ts
 * const trust = readTrustAnchors({ engineKey: 'ab…', checkpoints: ['/safe/cp.json'] }, 'femeter');
 * ```
 */
export function readTrustAnchors(flags: TrustFlags, channel?: string): TrustAnchors | undefined {
    const checkpoints = flags.checkpoints ?? [];
    const receipts = flags.receipts ?? [];
    if (flags.engineKey === undefined && checkpoints.length === 0 && receipts.length === 0)
        return undefined;
    const key = flags.engineKey === undefined ? undefined : engineKeyOf(flags.engineKey);
    if (checkpoints.length > 0 && key === undefined)
        throw new CliError(
            '--checkpoint needs --engine-key: a checkpoint is only as trustworthy as the key it is checked with',
            "pass the engine's public key from outside the data directory (femeter checkpoint prints it)",
        );
    const anchors: Anchor[] = receipts.map(receiptOf);
    for (const file of checkpoints) {
        if (key === undefined) break; // refused above
        try {
            anchors.push(openCheckpoint(readText(file, '--checkpoint'), key, channel));
        } catch (e) {
            if (!(e instanceof CheckpointError)) throw e;
            throw new CliError(
                `--checkpoint ${file}: ${e.message}`,
                'the checkpoint was not signed by the engine key given, or was altered: treat the ledger as suspect',
            );
        }
    }
    return { ...(key === undefined ? {} : { enginePublicKey: key }), anchors };
}
