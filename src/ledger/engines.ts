// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/engines
 * The one registry of ledger engines: name → factory. Everything that offers a choice of engine (CLI
 * flags, the demo's world file, the end-to-end worlds, benchmarks) derives it from {@link ENGINE_NAMES}
 * and {@link engines}; a new engine is a folder under `src/ledger/` plus one entry here (the apps'
 * registry in `src/apps/engines.ts` then fails to compile until it gets its entry too).
 *
 * Loading: the embedded engine is in-process and static; every other engine's module, and its
 * packages (Fabric: fabric-gateway, grpc-js), load only when its `open` is called.
 *
 * @example
 * ```ts
 * import { engines, parseEngineName } from './ledger/engines.js';
 *
 * const name = parseEngineName(process.env['ENGINE'] ?? 'embedded');
 * const ledger = name === 'embedded'
 *     ? await engines.embedded.open({ path: dir, contracts: [FemeterContract] })
 *     : await engines.fabric.open({ chaincode: 'femeter' });
 * await ledger.close();
 * ```
 */
import { EmbeddedLedger } from './embedded/engine.js';
import type { EmbeddedLedgerOptions } from './embedded/engine.js';
import { LedgerError } from './errors.js';
import type { FabricLedger, FabricLedgerOptions } from './fabric/index.js';

/** Options and ledger type of each engine, by name. */
export interface EngineTypes {
    readonly embedded: {
        readonly options: EmbeddedLedgerOptions;
        readonly ledger: EmbeddedLedger;
    };
    readonly fabric: {
        readonly options: FabricLedgerOptions;
        readonly ledger: FabricLedger;
    };
}

/** The name of a registered engine. */
export type EngineName = keyof EngineTypes;

/**
 * One registry entry.
 *
 * @example
 * ```ts
 * const entry: EngineEntry<'embedded'> = engines.embedded;
 * console.log(entry.name, entry.summary);
 * ```
 */
export interface EngineEntry<K extends EngineName> {
    readonly name: K;
    /** One line for help texts. */
    readonly summary: string;
    /** Open (or create) a ledger of this engine. */
    open(options: Readonly<EngineTypes[K]['options']>): Promise<EngineTypes[K]['ledger']>;
}

/**
 * The engines, by name.
 *
 * @example
 * ```ts
 * const ledger = await engines.embedded.open({ path: dir, contracts: [FemeterContract] });
 * ```
 */
export const engines: { readonly [K in EngineName]: EngineEntry<K> } = Object.freeze({
    embedded: Object.freeze({
        name: 'embedded',
        summary: 'in-process ledger in a local directory (default)',
        open(options: Readonly<EmbeddedLedgerOptions>): Promise<EmbeddedLedger> {
            return EmbeddedLedger.open(options);
        },
    }),
    fabric: Object.freeze({
        name: 'fabric',
        summary: 'a Hyperledger Fabric network (scripts/fabric/up), through fabric-gateway',
        async open(options: Readonly<FabricLedgerOptions>): Promise<FabricLedger> {
            const m = await import('./fabric/index.js');
            return m.FabricLedger.open(options);
        },
    }),
});

/**
 * Every engine name, the default (`embedded`) first.
 *
 * @example
 * ```ts
 * console.log(`--engine ${ENGINE_NAMES.join(' | ')}`);
 * ```
 */
export const ENGINE_NAMES: readonly EngineName[] = Object.freeze(
    Object.keys(engines) as EngineName[],
);

/** The engine used when none is named. */
export const DEFAULT_ENGINE: EngineName = 'embedded';

/**
 * Whether `name` names a registered engine.
 *
 * @example
 * ```ts
 * if (isEngineName(flag)) await engines[flag].open(...);
 * ```
 */
export function isEngineName(name: string): name is EngineName {
    return Object.hasOwn(engines, name);
}

/**
 * `name` as an engine name.
 *
 * @param what where the name came from, for the message (e.g. `--engine`)
 * @throws {LedgerError} code `UNKNOWN_ENGINE` naming the registered engines
 * @example
 * ```ts
 * const engine = parseEngineName(values.engine, '--engine');
 * ```
 */
export function parseEngineName(name: string, what = 'engine'): EngineName {
    if (isEngineName(name)) return name;
    throw new LedgerError(
        'UNKNOWN_ENGINE',
        `${what} must be one of ${ENGINE_NAMES.join(', ')} (got ${JSON.stringify(name)})`,
    );
}
