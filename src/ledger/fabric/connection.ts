// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/connection
 * The machine-readable description of a Fabric network that `scripts/fabric/up` writes to
 * `<data dir>/connection.json` (schema `femeter-fabric-connection/1`, documented at the top of
 * `scripts/fabric/README.md`): channel, deployed chaincodes, peer endpoints with their TLS roots,
 * and per organisation the certificate and key files of `Admin` and `User1..UserN`.
 *
 * This module only reads and checks JSON; it loads nothing of Fabric.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Schema id this reader understands. */
export const CONNECTION_SCHEMA = 'femeter-fabric-connection/1';

/** Certificate and private key files of one identity (PEM; the key is PKCS#8, P-256). */
export interface FabricUserFiles {
    readonly certPath: string;
    readonly keyPath: string;
}

/** One peer: gRPC endpoint (TLS) and what a client needs to trust it. */
export interface FabricPeer {
    readonly endpoint: string;
    readonly hostname: string;
    readonly tlsCACert: string;
    readonly operationsEndpoint: string;
}

/** One organisation (MSP) with its peer and users. */
export interface FabricOrganization {
    readonly mspId: string;
    /** Short name the scripts use (`operator`, `customers`). */
    readonly name: string;
    readonly peer: FabricPeer;
    /** `Admin`, `User1` … `UserN`. */
    readonly users: Readonly<Record<string, FabricUserFiles>>;
}

/** A chaincode deployed by `scripts/fabric/deploy`. */
export interface FabricChaincodeRecord {
    readonly version: string;
    readonly sequence: number;
    readonly packageId: string;
    readonly address: string;
    readonly endorsementPolicy: string;
}

/** The parsed `connection.json`. */
export interface FabricConnectionProfile {
    readonly schema: typeof CONNECTION_SCHEMA;
    readonly fabricVersion: string;
    readonly dataDir: string;
    readonly channel: string;
    /** The most recently deployed chaincode, or null before the first deploy. */
    readonly chaincode: string | null;
    readonly chaincodes: Readonly<Record<string, FabricChaincodeRecord>>;
    readonly orderer: {
        readonly mspId: string;
        readonly endpoint: string;
        readonly hostname: string;
        readonly tlsCACert: string;
        readonly batchTimeout: string;
        readonly maxMessageCount: number | null;
    };
    readonly organizations: Readonly<Record<string, FabricOrganization>>;
}

function fail(path: string, what: string): never {
    throw new Error(
        `Fabric connection file ${path}: ${what} (written by scripts/fabric/up; see scripts/fabric/README.md)`,
    );
}

function isObject(v: unknown): v is Record<string, unknown> {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Record<string, unknown>, key: string, path: string, where: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v.length === 0)
        fail(path, `${where}.${key} must be a non-empty string`);
    return v;
}

/**
 * Check a parsed connection file and return it typed.
 *
 * @param value the parsed JSON
 * @param path  the file it came from (for messages)
 * @throws {Error} naming the first missing or malformed field
 *
 * @example
 * ```ts
 * const profile = parseConnectionProfile(JSON.parse(text), '/tmp/net/connection.json');
 * ```
 */
export function parseConnectionProfile(value: unknown, path: string): FabricConnectionProfile {
    if (!isObject(value)) fail(path, 'not a JSON object');
    if (value.schema !== CONNECTION_SCHEMA)
        fail(path, `schema is ${JSON.stringify(value.schema)}, expected "${CONNECTION_SCHEMA}"`);
    str(value, 'channel', path, '');
    str(value, 'dataDir', path, '');
    const chaincode = value.chaincode;
    if (chaincode !== null && typeof chaincode !== 'string')
        fail(path, '.chaincode must be a string or null');
    if (!isObject(value.chaincodes)) fail(path, '.chaincodes must be an object');
    const orderer = value.orderer;
    if (!isObject(orderer)) fail(path, '.orderer must be an object');
    str(orderer, 'endpoint', path, '.orderer');
    const orgs = value.organizations;
    if (!isObject(orgs) || Object.keys(orgs).length === 0)
        fail(path, '.organizations must be a non-empty object');
    for (const [mspId, org] of Object.entries(orgs)) {
        const where = `.organizations.${mspId}`;
        if (!isObject(org)) fail(path, `${where} must be an object`);
        if (org.mspId !== mspId) fail(path, `${where}.mspId must be "${mspId}"`);
        const peer = org.peer;
        if (!isObject(peer)) fail(path, `${where}.peer must be an object`);
        for (const k of ['endpoint', 'hostname', 'tlsCACert']) str(peer, k, path, `${where}.peer`);
        const users = org.users;
        if (!isObject(users)) fail(path, `${where}.users must be an object`);
        for (const [name, files] of Object.entries(users)) {
            if (!isObject(files)) fail(path, `${where}.users.${name} must be an object`);
            str(files, 'certPath', path, `${where}.users.${name}`);
            str(files, 'keyPath', path, `${where}.users.${name}`);
        }
    }
    return value as unknown as FabricConnectionProfile;
}

/**
 * Read and check a connection file.
 *
 * @throws {Error} if the file cannot be read or is not a valid connection file
 *
 * @example
 * ```ts
 * const profile = await loadConnectionProfile(defaultConnectionPath());
 * console.log(profile.channel, Object.keys(profile.organizations));
 * ```
 */
export async function loadConnectionProfile(path: string): Promise<FabricConnectionProfile> {
    let text: string;
    try {
        text = await readFile(path, 'utf8');
    } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT') {
            throw new Error(
                `no Fabric connection file at ${path}: start a network with scripts/fabric/build && scripts/fabric/up (see scripts/fabric/README.md)`,
                { cause: err },
            );
        }
        throw err;
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        throw new Error(`Fabric connection file ${path} is not valid JSON`, { cause: err });
    }
    return parseConnectionProfile(parsed, path);
}

/**
 * Where the connection file of the default local network is: `$FEMETER_FABRIC_CONNECTION`, else
 * `${FEMETER_FABRIC_DIR:-$FEMETER_CACHE/fabric-net}/connection.json` with `FEMETER_CACHE` defaulting
 * to `~/.cache/femeter` (the same rule as the scripts in `scripts/fabric/`).
 *
 * @example
 * ```ts
 * const ledger = await FabricLedger.open({ connectionPath: defaultConnectionPath() });
 * ```
 */
export function defaultConnectionPath(
    env: Readonly<Record<string, string | undefined>> = process.env,
): string {
    const explicit = env.FEMETER_FABRIC_CONNECTION;
    if (explicit) return explicit;
    const cache = env.FEMETER_CACHE ?? join(homedir(), '.cache', 'femeter');
    return join(env.FEMETER_FABRIC_DIR ?? join(cache, 'fabric-net'), 'connection.json');
}

/**
 * The client users (`User1` … `UserN`, never `Admin`) of an organisation, in numeric order.
 *
 * @example
 * ```ts
 * clientUsers(profile.organizations['CustomersMSP']!); // ['User1', 'User2', …]
 * ```
 */
export function clientUsers(org: FabricOrganization): string[] {
    return Object.keys(org.users)
        .filter((u) => /^User[1-9][0-9]*$/.test(u))
        .sort((a, b) => Number(a.slice(4)) - Number(b.slice(4)));
}
