// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/party
 * A party directory (`femeter init`): what one party of a real deployment keeps on its own machine.
 *
 * - `femeter.json` — the config (format `femeter-party/1`, validated by {@link parseConfig}):
 *   `{ "format": "femeter-party/1", "role": …, "id": …, "name": …, "engine": "embedded",
 *      "ledger": "<ledger directory>" }`, or for Fabric `"engine": "fabric", "fabric":
 *   { "connection": "<connection.json>", "chaincode": "<name>" }`. Relative paths are relative to
 *   the party directory.
 * - `party.key` — the party's own random 32-byte secret in a passphrase-sealed key file
 *   (`fe/keyfile.ts`: scrypt + XChaCha20-Poly1305); the ledger identity, a meter's signing and
 *   encryption seeds and a provider's HPKE key are derived from it (HKDF-SHA256, one label each).
 * - `wallet.key` — customers only: the wallet's root seed (BIP-39 backup: `customer backup`).
 * - `registration.json` — what the operator needs to register the party (`operator register`).
 *
 * No secret here comes from a shared seed; the demo's seeded world is separate (`apps/demo`).
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import { openKeyFile, sealKeyFile } from '../../fe/keyfile.js';
import { ed25519Signer } from '../../contract/signing.js';
import type { LedgerIdentity } from '../../contract/index.js';
import { ENGINE_NAMES, type EngineName } from '../../ledger/engines.js';
import { hpkeKeyPair, type HpkeKeyPair } from '../../roles/hpke.js';
import { Wallet } from '../../roles/customer/wallet.js';
import {
    embeddedEngine,
    embeddedIdentity,
    fabricEngine,
    type Engine,
    type Org,
    type Participant,
} from '../engines.js';
import { CliError } from './errors.js';
import { keepReceipts, RECEIPT_FILE } from './receipts.js';
import { gatewayTransport } from './gateway-url.js';

export const PARTY_FORMAT = 'femeter-party/1';
export const REGISTRATION_FORMAT = 'femeter-registration/1';
export const PARTY_ROLES = [
    'operator',
    'provider',
    'customer',
    'meter',
    'index',
    'auditor',
    'grid',
    'survey',
] as const;
export type PartyRole = (typeof PARTY_ROLES)[number];
const PARTY_SEED_KIND = 'femeter-party-seed';
const ID_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** The validated `femeter.json` of a party directory. */
export interface PartyConfig {
    readonly format: typeof PARTY_FORMAT;
    readonly role: PartyRole;
    readonly id: string;
    readonly name: string;
    readonly engine: EngineName;
    /** Embedded: the ledger directory (absolute after {@link loadParty}). */
    readonly ledger?: string;
    readonly fabric?: { readonly connection: string; readonly chaincode: string };
}

/** What a party hands to the operator (`registration.json`). */
export interface RegistrationRequest {
    readonly format: typeof REGISTRATION_FORMAT;
    readonly role: PartyRole;
    readonly id: string;
    readonly name: string;
    readonly identity: LedgerIdentity;
    /** Providers, grid operators and surveyors: the HPKE public key functional keys or key shares are sealed to. */
    readonly hpkePublicKey?: string;
    /** Meters: the Ed25519 key readings are signed with. */
    readonly signingKey?: string;
}

/** The organisation a role belongs to. */
export function orgOf(role: PartyRole): Org {
    return role === 'operator' ||
        role === 'provider' ||
        role === 'index' ||
        role === 'grid' ||
        role === 'survey'
        ? 'operator'
        : 'customers';
}

const fail = (file: string, msg: string): never => {
    throw new CliError(
        `${file}: ${msg}`,
        `fix the file (format ${PARTY_FORMAT}, see femeter init --help)`,
    );
};

/** Validate a parsed `femeter.json`; every problem names the field and the fix. */
export function parseConfig(value: unknown, file = 'femeter.json'): PartyConfig {
    if (typeof value !== 'object' || value === null || Array.isArray(value))
        return fail(file, 'expected a JSON object');
    const o = value as Record<string, unknown>;
    const allowed = ['format', 'role', 'id', 'name', 'engine', 'ledger', 'fabric'];
    for (const k of Object.keys(o))
        if (!allowed.includes(k))
            fail(file, `unknown field "${k}" (allowed: ${allowed.join(', ')})`);
    if (o.format !== PARTY_FORMAT) fail(file, `"format" must be "${PARTY_FORMAT}"`);
    const role = o.role;
    if (typeof role !== 'string' || !(PARTY_ROLES as readonly string[]).includes(role))
        fail(file, `"role" must be one of ${PARTY_ROLES.join(', ')}`);
    if (typeof o.id !== 'string' || !ID_RE.test(o.id))
        fail(
            file,
            '"id" must be 1–64 letters, digits, ".", "_" or "-", starting with a letter or digit',
        );
    if (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 128)
        fail(file, '"name" must be a non-empty string of at most 128 characters');
    const engine = o.engine;
    if (typeof engine !== 'string' || !(ENGINE_NAMES as readonly string[]).includes(engine))
        fail(file, `"engine" must be one of ${ENGINE_NAMES.join(', ')}`);
    if (engine === 'embedded') {
        if (typeof o.ledger !== 'string' || o.ledger.length === 0)
            fail(
                file,
                '"ledger" (the embedded ledger directory) is required for engine "embedded"',
            );
        if (o.fabric !== undefined) fail(file, '"fabric" is only for engine "fabric"');
    } else {
        const f = o.fabric as Record<string, unknown> | undefined;
        if (
            typeof f !== 'object' ||
            typeof f.connection !== 'string' ||
            typeof f.chaincode !== 'string'
        )
            fail(
                file,
                '"fabric": { "connection": PATH, "chaincode": NAME } is required for engine "fabric"',
            );
    }
    return value as PartyConfig;
}

/** Read the passphrase: `--passphrase-file`, `FEMETER_PASSPHRASE`, or a prompt on a terminal. */
export async function passphrase(
    opts: { passphraseFile?: string | undefined },
    confirm = false,
): Promise<string> {
    let p: string | undefined;
    if (opts.passphraseFile !== undefined) {
        if (!existsSync(opts.passphraseFile))
            throw new CliError(
                `passphrase file ${opts.passphraseFile} does not exist`,
                'check --passphrase-file',
            );
        p = readFileSync(opts.passphraseFile, 'utf8').replace(/\r?\n$/, '');
    } else if (process.env.FEMETER_PASSPHRASE !== undefined) p = process.env.FEMETER_PASSPHRASE;
    else if (process.stdin.isTTY) {
        p = await prompt('passphrase: ');
        if (confirm && (await prompt('again: ')) !== p)
            throw new CliError('the passphrases differ', 'run the command again');
    } else
        throw new CliError(
            'no passphrase',
            'pass --passphrase-file FILE, set FEMETER_PASSPHRASE, or run on a terminal to be asked',
        );
    if (p.length < 8)
        throw new CliError('the passphrase is shorter than 8 characters', 'choose a longer one');
    return p;
}

async function prompt(q: string): Promise<string> {
    process.stderr.write(q);
    const mute = new Writable({
        write: (_c, _e, cb) => {
            cb();
        },
    });
    const rl = createInterface({ input: process.stdin, output: mute, terminal: true });
    try {
        return await new Promise<string>((res) => {
            rl.question('', (answer) => {
                res(answer);
            });
        });
    } finally {
        rl.close();
        process.stderr.write('\n');
    }
}

/** A party's secrets, derived from its own sealed seed. */
export class PartySecrets {
    readonly #seed: Uint8Array;
    constructor(seed: Uint8Array) {
        this.#seed = seed.slice();
    }
    #derive(label: string): Uint8Array {
        return hkdf(sha256, this.#seed, undefined, utf8ToBytes(`femeter/v1/party/${label}`), 32);
    }
    get ledgerKey(): Uint8Array {
        return this.#derive('ledger-identity');
    }
    get meterSigning(): Uint8Array {
        return this.#derive('meter-signing');
    }
    get meterSeed(): Uint8Array {
        return this.#derive('meter-encryption');
    }
    providerHpke(): Promise<HpkeKeyPair> {
        return hpkeKeyPair(this.#derive('provider-hpke'));
    }
    /** A grid operator's X25519 key pair (key shares are sealed to it). */
    gridHpke(): Promise<HpkeKeyPair> {
        return hpkeKeyPair(this.#derive('grid-hpke'));
    }
    /** A surveyor's X25519 key pair (survey keys are sealed to it). */
    surveyHpke(): Promise<HpkeKeyPair> {
        return hpkeKeyPair(this.#derive('survey-hpke'));
    }
}

/** A loaded party directory. */
export interface Party {
    readonly dir: string;
    readonly config: PartyConfig;
    readonly secrets: PartySecrets;
    readonly passphrase: string;
}

/** Create a party directory (refuses an existing `femeter.json`). */
export async function initParty(o: {
    dir: string;
    role: PartyRole;
    id: string;
    name: string;
    engine: EngineName;
    ledger?: string | undefined;
    fabric?: { connection: string; chaincode: string } | undefined;
    passphrase: string;
    scryptLogN?: number | undefined;
}): Promise<{ registration: RegistrationRequest; mnemonic?: string }> {
    const dir = resolve(o.dir);
    const cfgFile = join(dir, 'femeter.json');
    if (existsSync(cfgFile))
        throw new CliError(
            `${cfgFile} exists already`,
            'pick another --dir (a party directory is made once)',
        );
    const config = parseConfig(
        {
            format: PARTY_FORMAT,
            role: o.role,
            id: o.id,
            name: o.name,
            engine: o.engine,
            ...(o.engine === 'embedded' ? { ledger: o.ledger } : { fabric: o.fabric }),
        },
        'init',
    );
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const seed = new Uint8Array(32);
    globalThis.crypto.getRandomValues(seed);
    const kdf = o.scryptLogN === undefined ? undefined : { logN: o.scryptLogN };
    writeFileSync(
        join(dir, 'party.key'),
        await sealKeyFile(seed, o.passphrase, PARTY_SEED_KIND, kdf),
        {
            mode: 0o600,
        },
    );
    let mnemonic: string | undefined;
    if (o.role === 'customer') {
        const wallet = Wallet.create();
        writeFileSync(join(dir, 'wallet.key'), await wallet.seal(o.passphrase, kdf), {
            mode: 0o600,
        });
        mnemonic = wallet.toMnemonic();
    }
    const registration = await registrationOf(config, new PartySecrets(seed), dir);
    writeFileSync(cfgFile, JSON.stringify(config, null, 2) + '\n');
    writeFileSync(join(dir, 'registration.json'), JSON.stringify(registration, null, 2) + '\n');
    return mnemonic === undefined ? { registration } : { registration, mnemonic };
}

async function registrationOf(
    config: PartyConfig,
    s: PartySecrets,
    dir: string,
): Promise<RegistrationRequest> {
    const identity: LedgerIdentity =
        config.engine === 'embedded'
            ? embeddedIdentity(s.ledgerKey, orgOf(config.role))
            : await fabricIdentity(config, dir);
    return {
        format: REGISTRATION_FORMAT,
        role: config.role,
        id: config.id,
        name: config.name,
        identity,
        ...(config.role === 'provider'
            ? { hpkePublicKey: (await s.providerHpke()).publicKeyHex }
            : {}),
        ...(config.role === 'grid' ? { hpkePublicKey: (await s.gridHpke()).publicKeyHex } : {}),
        ...(config.role === 'survey' ? { hpkePublicKey: (await s.surveyHpke()).publicKeyHex } : {}),
        ...(config.role === 'meter'
            ? { signingKey: bytesToHex(ed25519Signer(s.meterSigning).publicKey) }
            : {}),
    };
}

/**
 * The identity the contract sees for this party on Fabric: the network's MSP user the engine
 * assigns to the party id (remembered by the network, so later connections are the same user).
 */
async function fabricIdentity(config: PartyConfig, dir: string): Promise<LedgerIdentity> {
    const f = config.fabric;
    if (f === undefined) throw new CliError('"fabric" missing', 'pass --fabric-connection');
    const connection = isAbsolute(f.connection) ? f.connection : resolve(dir, f.connection);
    let engine;
    try {
        engine = await fabricEngine(connection, { chaincode: f.chaincode });
    } catch (e) {
        throw new CliError(
            `cannot reach the Fabric network of ${connection}: ${(e as Error).message}`,
            'init needs the network running to learn which identity the contract will see',
        );
    }
    try {
        return (await engine.connect(config.id, orgOf(config.role))).identity;
    } finally {
        await engine.close();
    }
}

/** Open a party directory: validate its config and unseal its secrets. */
export async function loadParty(
    dir: string,
    opts: { passphraseFile?: string | undefined },
    role?: PartyRole,
): Promise<Party> {
    const abs = resolve(dir);
    const cfgFile = join(abs, 'femeter.json');
    if (!existsSync(cfgFile))
        throw new CliError(
            `${abs} is not a party directory (no femeter.json)`,
            'run femeter init --role … --dir DIR first',
        );
    let raw: unknown;
    try {
        raw = JSON.parse(readFileSync(cfgFile, 'utf8'));
    } catch (e) {
        throw new CliError(`${cfgFile}: not valid JSON (${(e as Error).message})`, 'fix the file');
    }
    const cfg = parseConfig(raw, cfgFile);
    if (role !== undefined && cfg.role !== role)
        throw new CliError(
            `${abs} belongs to a ${cfg.role}, this command is for a ${role}`,
            `use the ${role}'s directory with --dir`,
        );
    const rel = (p: string): string => (isAbsolute(p) ? p : resolve(abs, p));
    const config: PartyConfig =
        cfg.engine === 'embedded'
            ? { ...cfg, ledger: rel(cfg.ledger ?? '') }
            : cfg.fabric === undefined
              ? cfg
              : { ...cfg, fabric: { ...cfg.fabric, connection: rel(cfg.fabric.connection) } };
    const pass = await passphrase(opts);
    const seed = await openKeyFile(
        readFileSync(join(abs, 'party.key'), 'utf8'),
        pass,
        PARTY_SEED_KIND,
    ).catch((e: unknown) => {
        throw new CliError(
            `cannot open ${join(abs, 'party.key')}: ${(e as Error).message}`,
            'check the passphrase (--passphrase-file, FEMETER_PASSPHRASE)',
        );
    });
    return { dir: abs, config, secrets: new PartySecrets(seed), passphrase: pass };
}

/** The customer's wallet of a party directory. */
export async function openWallet(party: Party): Promise<Wallet> {
    return Wallet.open(readFileSync(join(party.dir, 'wallet.key'), 'utf8'), party.passphrase);
}

/** LevelDB refuses a second process; `code` LEVEL_LOCKED sits somewhere in the cause chain. */
function isLocked(e: unknown): boolean {
    for (let x: unknown = e, i = 0; x instanceof Error && i < 5; x = x.cause, i++)
        if ((x as { code?: unknown }).code === 'LEVEL_LOCKED') return true;
    return false;
}

/**
 * Open the embedded ledger, waiting while another party's process holds it (the embedded engine
 * is one process at a time; a long-lived meter agent holds it only while it has work). Waits up
 * to $FEMETER_LEDGER_WAIT_MS (default 60 s).
 */
async function openWhenFree(ledger: string): Promise<Engine> {
    const waitMs = Number(process.env.FEMETER_LEDGER_WAIT_MS ?? 60_000);
    const until = Date.now() + (Number.isFinite(waitMs) ? waitMs : 60_000);
    let told = false;
    for (;;) {
        try {
            return await embeddedEngine(ledger, undefined);
        } catch (e) {
            if (!isLocked(e)) throw e;
            if (Date.now() >= until)
                throw new CliError(
                    `the ledger ${ledger} is held by another process`,
                    'the embedded engine serves one process at a time: wait for it, or raise FEMETER_LEDGER_WAIT_MS',
                );
            if (!told)
                process.stderr.write(`▸ the ledger is busy (another party's process); waiting\n`);
            told = true;
            await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
        }
    }
}

/** Connect a party to its ledger. */
export async function connectParty(
    party: Party,
): Promise<{ engine: Engine; participant: Participant }> {
    const c = party.config;
    // Through the deployment's gateway (femeter serve --dir), which holds the embedded ledger
    const gateway = process.env.FEMETER_GATEWAY;
    if (gateway !== undefined && gateway !== '') {
        if (c.engine !== 'embedded')
            throw new CliError(
                'FEMETER_GATEWAY is for party directories on the embedded engine',
                'unset it: a Fabric party connects to its peers itself',
            );
        const { remotePartyEngine } = await import('../gateway/engine.js');
        return remotePartyEngine(
            gateway,
            party.secrets.ledgerKey,
            orgOf(c.role),
            await gatewayTransport(gateway, 'FEMETER_GATEWAY'),
        );
    }
    if (c.engine === 'embedded') {
        const ledger = c.ledger ?? '';
        if (c.role !== 'operator' && !existsSync(join(ledger, 'engine.key')))
            throw new CliError(
                `no ledger at ${ledger}`,
                'the operator creates it with femeter operator bootstrap; check "ledger" in femeter.json',
            );
        const engine = await openWhenFree(ledger);
        // the party keeps its latest submit receipt beside its config, outside the ledger
        const participant = engine.connectWithKey?.(party.secrets.ledgerKey, orgOf(c.role), {
            onSubmit: keepReceipts(join(party.dir, RECEIPT_FILE)),
        });
        if (participant === undefined)
            throw new CliError('the embedded engine cannot connect by key', 'report this');
        return { engine, participant };
    }
    const f = c.fabric;
    if (f === undefined) throw new CliError('"fabric" missing in femeter.json', 'add it');
    const engine = await fabricEngine(f.connection, { chaincode: f.chaincode });
    return { engine, participant: await engine.connect(c.id, orgOf(c.role)) };
}

/** Read and validate a `registration.json`. */
export function readRegistration(file: string): RegistrationRequest {
    if (!existsSync(file))
        throw new CliError(
            `${file} does not exist`,
            'pass the registration.json the party sent you',
        );
    let o: Record<string, unknown>;
    try {
        o = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
        throw new CliError(
            `${file} is not JSON`,
            'pass the registration.json made by femeter init',
        );
    }
    const bad = (m: string): never => {
        throw new CliError(
            `${file}: ${m}`,
            'ask the party for the registration.json femeter init wrote',
        );
    };
    if (o.format !== REGISTRATION_FORMAT) bad(`"format" must be "${REGISTRATION_FORMAT}"`);
    if (typeof o.role !== 'string' || !(PARTY_ROLES as readonly string[]).includes(o.role))
        bad('bad "role"');
    if (typeof o.id !== 'string' || !ID_RE.test(o.id)) bad('bad "id"');
    if (typeof o.name !== 'string') bad('bad "name"');
    const id = o.identity as Record<string, unknown> | undefined;
    if (typeof id !== 'object' || typeof id.mspId !== 'string' || typeof id.id !== 'string')
        bad('"identity" must be { mspId, id }');
    if (
        o.role === 'meter' &&
        (typeof o.signingKey !== 'string' || !/^[0-9a-f]{64}$/.test(o.signingKey))
    )
        bad('a meter needs "signingKey" (64 hex digits)');
    if (
        (o.role === 'provider' || o.role === 'grid' || o.role === 'survey') &&
        typeof o.hpkePublicKey !== 'string'
    )
        bad(`a ${o.role} needs "hpkePublicKey"`);
    return o as unknown as RegistrationRequest;
}
