// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/remote/token
 * Signed, expiring, single-use request tokens for the gateway's reads that are not themselves signed
 * transactions (the event stream, blocks, verify). A token names its signer's ledger identity, the
 * channel, the HTTP method and path it is good for, when it was made and when it expires, and a
 * random nonce; the identity's own {@link Signer} signs SHA-256 of a domain tag and the claims, so a
 * token is never mistaken for a transaction payload (those start with "FMTX").
 *
 *   token = base64url(claims JSON) "." base64url(signature)
 */
import { randomBytes } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { Identity, Signer } from '../client.js';

const _DOMAIN = utf8ToBytes('femeter-gateway-token/v1\n');
/** Longest lifetime the gateway accepts. */
export const TOKEN_MAX_LIFETIME_MS = 5 * 60_000;
/** Clock difference tolerated between a client and the gateway. */
export const TOKEN_CLOCK_SKEW_MS = 30_000;

/** What a token says. */
export interface TokenClaims {
    readonly v: 1;
    /** Ledger channel the token is for. */
    readonly ch: string;
    readonly msp: string;
    /** The identity's credentials, hex (embedded engine: the Ed25519 public key). */
    readonly key: string;
    /** HTTP method and path (without query) the token is good for. */
    readonly m: string;
    readonly p: string;
    /** Issued at / expires at, ms since the Unix epoch. */
    readonly iat: number;
    readonly exp: number;
    /** 16 random bytes, hex: a token is good for one request. */
    readonly nonce: string;
}

/** base64url without padding (spelled out: the browser's Buffer polyfill has no 'base64url'). */
const b64url = (b: Uint8Array): string =>
    Buffer.from(b).toString('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');

/** The digest a token's signer signs. */
export function tokenDigest(claimsJson: string): Uint8Array {
    const body = utf8ToBytes(claimsJson);
    const all = new Uint8Array(_DOMAIN.length + body.length);
    all.set(_DOMAIN);
    all.set(body, _DOMAIN.length);
    return sha256(all);
}

/**
 * Make a token for one request.
 *
 * @example
 * ```ts
 * const token = await signToken({ identity, signer, channel: 'femeter', method: 'GET', path: '/v1/events' });
 * await fetch(url, { headers: { authorization: `Femeter ${token}` } });
 * ```
 */
export async function signToken(
    o: Readonly<{
        identity: Identity;
        signer: Signer;
        channel: string;
        method: string;
        path: string;
        lifetimeMs?: number;
        now?: number;
    }>,
): Promise<string> {
    const iat = o.now ?? Date.now();
    const claims: TokenClaims = {
        v: 1,
        ch: o.channel,
        msp: o.identity.mspId,
        key: bytesToHex(o.identity.credentials),
        m: o.method.toUpperCase(),
        p: o.path,
        iat,
        exp: iat + (o.lifetimeMs ?? 60_000),
        nonce: bytesToHex(new Uint8Array(randomBytes(16))),
    };
    const json = JSON.stringify(claims);
    const sig = await o.signer.sign(tokenDigest(json));
    return `${b64url(utf8ToBytes(json))}.${b64url(sig)}`;
}

/** A token taken apart (not yet verified). */
export interface ParsedToken {
    readonly claims: TokenClaims;
    readonly claimsJson: string;
    readonly signature: Uint8Array;
}

/** Why a token was refused. */
export class TokenError extends Error {
    readonly reason: 'malformed' | 'expired' | 'not-yet-valid' | 'scope' | 'signature' | 'replay';
    constructor(reason: TokenError['reason'], message: string) {
        super(message);
        this.name = 'TokenError';
        this.reason = reason;
    }
}

/**
 * Split and type-check a token. Never trusts it: the caller verifies the signature.
 * @throws {TokenError} `malformed`
 */
export function parseToken(token: string): ParsedToken {
    const bad = (why: string): never => {
        throw new TokenError('malformed', `request token is malformed: ${why}`);
    };
    if (typeof token !== 'string' || token.length > 4096) bad('too long');
    const parts = token.split('.');
    const [claimsPart = '', signaturePart = ''] = parts;
    if (
        parts.length !== 2 ||
        !/^[A-Za-z0-9_-]+$/.test(claimsPart) ||
        !/^[A-Za-z0-9_-]+$/.test(signaturePart)
    )
        bad('expected base64url(claims).base64url(signature)');
    const claimsJson = Buffer.from(claimsPart, 'base64url').toString('utf8');
    let parsed: unknown;
    try {
        parsed = JSON.parse(claimsJson);
    } catch {
        return bad('claims are not JSON');
    }
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return bad('claims are not an object');
    const c = parsed as Record<string, unknown>;
    const str = (k: string, re: RegExp): string => {
        const v = c[k];
        if (typeof v !== 'string' || !re.test(v)) bad(`claim ${k}`);
        return v as string;
    };
    const num = (k: string): number => {
        const v = c[k];
        if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 0) bad(`claim ${k}`);
        return v as number;
    };
    if (c.v !== 1) bad('unsupported version');
    const claims: TokenClaims = {
        v: 1,
        ch: str('ch', /^.{1,256}$/s),
        msp: str('msp', /^.{1,256}$/s),
        key: str('key', /^[0-9a-f]{2,2048}$/),
        m: str('m', /^[A-Z]{3,7}$/),
        p: str('p', /^\/.{0,1023}$/s),
        iat: num('iat'),
        exp: num('exp'),
        nonce: str('nonce', /^[0-9a-f]{32}$/),
    };
    const signature = new Uint8Array(Buffer.from(signaturePart, 'base64url'));
    return { claims, claimsJson, signature };
}
