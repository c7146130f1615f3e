// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/participants
 * Which Fabric user each femeter participant is. On the embedded engine a participant's key is
 * derived from its name; on Fabric identities are X.509 certificates issued by the organisation's
 * CA (cryptogen made `User1..UserN` per MSP), so a participant name is mapped to one of those users:
 *
 * - per chaincode (each deployed chaincode is its own ledger state, so users are reused across
 *   chaincodes) and per MSP, a name gets the lowest-numbered user not yet taken there;
 * - the map is kept in `<network data dir>/participants.json`, written atomically under a
 *   cross-process lock, so a restarted process (or a second one) reconnects `meter-0042` as the
 *   same user, and two names never share a user;
 * - `Admin` is never handed out (it is for lifecycle work).
 *
 * File format (`femeter-fabric-participants/1`):
 * `{"schema":…,"chaincodes":{"<chaincode>":{"<mspId>":{"<name>":"User7",…}}}}`.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '../atomicfile.js';
import { withDirLock } from './lock.js';

/** Schema id of the participant map file. */
export const PARTICIPANTS_SCHEMA = 'femeter-fabric-participants/1';

type _Map = Record<string, Record<string, Record<string, string>>>;

/** Options of {@link ParticipantDirectory}. */
export interface ParticipantDirectoryOptions {
    /** The network's data dir (connection.json's `dataDir`). */
    readonly dataDir: string;
    /** The client users of each MSP, in the order they are handed out. */
    readonly users: Readonly<Record<string, readonly string[]>>;
}

/**
 * The persistent participant → user map of one network.
 *
 * @example
 * ```ts
 * const dir = new ParticipantDirectory({ dataDir: profile.dataDir, users: { CustomersMSP: ['User1', 'User2'] } });
 * await dir.userFor('femeter', 'CustomersMSP', 'meter-0001'); // 'User1', now and after a restart
 * ```
 */
export class ParticipantDirectory {
    readonly #path: string;
    readonly #lock: string;
    readonly #users: Readonly<Record<string, readonly string[]>>;
    #queue: Promise<unknown> = Promise.resolve();

    constructor(options: Readonly<ParticipantDirectoryOptions>) {
        this.#path = join(options.dataDir, 'participants.json');
        this.#lock = join(options.dataDir, 'participants.lock');
        this.#users = options.users;
    }

    /** The file the map lives in. */
    get path(): string {
        return this.#path;
    }

    /**
     * The user that `name` is in `mspId` on `chaincode`, assigning the lowest free one the first time.
     *
     * @throws {Error} if every user of the MSP is taken (raise the user count of `scripts/fabric/up`)
     */
    userFor(chaincode: string, mspId: string, name: string): Promise<string> {
        const run = this.#queue.then(() => this.#assign(chaincode, mspId, name));
        this.#queue = run.catch(() => undefined);
        return run;
    }

    /** The current map of one chaincode (name → user per MSP). */
    async snapshot(chaincode: string): Promise<Record<string, Record<string, string>>> {
        return (await this.#read())[chaincode] ?? {};
    }

    async #read(): Promise<_Map> {
        let text: string;
        try {
            text = await readFile(this.#path, 'utf8');
        } catch (err) {
            if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
            throw err;
        }
        const parsed = JSON.parse(text) as { schema?: unknown; chaincodes?: unknown };
        if (
            parsed.schema !== PARTICIPANTS_SCHEMA ||
            typeof parsed.chaincodes !== 'object' ||
            parsed.chaincodes === null
        ) {
            throw new Error(
                `${this.#path} is not a femeter participant map (schema ${String(parsed.schema)}); delete it to start over`,
            );
        }
        return parsed.chaincodes as _Map;
    }

    async #assign(chaincode: string, mspId: string, name: string): Promise<string> {
        const users = this.#users[mspId];
        if (users === undefined)
            throw new Error(
                `no organisation ${mspId} in this Fabric network (have ${Object.keys(this.#users).join(', ')})`,
            );
        const seen = (await this.#read())[chaincode]?.[mspId]?.[name];
        if (seen !== undefined) return seen; // assigned earlier: a mapping never changes, no lock needed
        return withDirLock(this.#lock, async () => {
            const all = await this.#read();
            const byMsp = (all[chaincode] ??= {});
            const names = (byMsp[mspId] ??= {});
            const known = names[name];
            if (known !== undefined) return known;
            const taken = new Set(Object.values(names));
            const free = users.find((u) => !taken.has(u));
            if (free === undefined) {
                throw new Error(
                    `all ${users.length} client users of ${mspId} are taken on chaincode ${chaincode}; ` +
                        `restart the network with more (FEMETER_FABRIC_USERS_${mspId === 'OperatorMSP' ? 'OPERATOR' : 'CUSTOMERS'}=<n> scripts/fabric/up)`,
                );
            }
            names[name] = free;
            await writeFileAtomic(
                this.#path,
                JSON.stringify({ schema: PARTICIPANTS_SCHEMA, chaincodes: all }, null, 1) + '\n',
            );
            return free;
        });
    }
}
