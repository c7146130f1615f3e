// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/inprocess/dispatch
 * Runs fabric-contract-api `Contract` classes in-process the way fabric-shim's `ChaincodeFromContract` does, so a
 * contract behaves the same on the embedded engine and on Fabric:
 *
 * - one instance per class; the name is `getName()`; the default contract is the `@Default()` one, else the first;
 * - `"Name:Tx"` calls `Tx` on contract `Name`, `"Tx"` calls the default contract (fabric-shim's own regex);
 * - callable transactions are those declared with `@Transaction()`; a class with none exposes every own method
 *   of its prototype except the `Contract` hooks and names starting with `_`;
 * - ctx = `contract.createContext()` with the stub and client identity injected;
 * - `beforeTransaction(ctx)` → `aroundTransaction(ctx, name, params)` → `afterTransaction(ctx, result)`;
 *   an unknown name goes to `unknownTransaction(ctx)` (success with an empty result if it does not throw);
 * - arguments are converted by the declared parameter types with fabric-contract-api's own `JSONSerializer`
 *   (strings stay strings, numbers parsed, objects JSON); the count must match. The JSON-schema validation that
 *   fabric-shim adds with ajv is not repeated here;
 * - the result is serialised with `JSONSerializer.toBuffer` (strings/numbers/booleans as text, objects as JSON).
 *
 * fabric-contract-api is loaded by {@link ContractHost.load}, not when this module is imported: its logger installs
 * process-wide handlers, which importing the ledger layer must not do (a host is only built for contract classes,
 * which have loaded it already).
 *
 * Not provided: the `org.hyperledger.fabric` system contract (GetMetadata) and `ctx.logging` output (its loggers
 * are silent: contracts should not log).
 */

import type fabricApi from 'fabric-contract-api';
import type { Contract, Context } from 'fabric-contract-api';

/** fabric-contract-api's default export, loaded by {@link ContractHost.load}. */
type FabricContractApi = typeof fabricApi;

import type { ContractErrorInfo } from '../errors.js';
import type { EmbeddedClientIdentity } from '../embedded/identity.js';
import type { EmbeddedStub } from './stub.js';

/**
 * A fabric-contract-api contract class with a no-argument constructor.
 *
 * @example
 * ```ts
 * const contracts: ContractClass[] = [FemeterContract];
 * ```
 */
export type ContractClass = new () => Contract;

/**
 * How a transaction ended.
 *
 * @example
 * ```ts
 * const outcome = await host.invoke(stub, ci, 'Get', ['k']);
 * if (!outcome.ok) console.log(outcome.code, outcome.error.message);
 * ```
 */
export type InvokeOutcome =
    | { readonly ok: true; readonly payload: Uint8Array }
    | {
          readonly ok: false;
          readonly code: 'CONTRACT_ERROR' | 'UNKNOWN_TRANSACTION' | 'BAD_ARGUMENTS';
          readonly error: ContractErrorInfo;
      };

interface _ParamMeta {
    readonly name?: string;
    readonly schema?: Record<string, unknown>;
}
interface _TxMeta {
    readonly name: string;
    readonly parameters?: readonly _ParamMeta[];
}
interface _ContractEntry {
    readonly instance: Contract;
    readonly transactions: ReadonlyMap<string, _TxMeta>;
}
interface _Serializer {
    toBuffer(result: unknown, schema: unknown, loggerPrefix?: string): Uint8Array | undefined;
    fromBuffer(data: Uint8Array, schema: unknown, loggerPrefix?: string): { value: unknown };
}

const _reflect = Reflect as unknown as { getMetadata(key: string, target: object): unknown };
const _SPLIT_FUNCTION = /([^:]*)(?::|^)(.*)/;
const _silentLogger = Object.freeze({
    debug: () => undefined,
    info: () => undefined,
    warn: () => undefined,
    error: () => undefined,
});

/**
 * Turn anything a contract threw into what an EndorseError carries.
 *
 * @example
 * ```ts
 * errorInfo(Object.assign(new Error('taken'), { code: 'SLOT_CONFLICT' }));
 * // → { message: 'taken', name: undefined, code: 'SLOT_CONFLICT' }
 * ```
 */
export function errorInfo(err: unknown): ContractErrorInfo {
    if (err instanceof Error || (typeof err === 'object' && err !== null && 'message' in err)) {
        const e = err as { message?: unknown; name?: unknown; code?: unknown };
        const message = typeof e.message === 'string' ? e.message : String(e.message);
        const name = typeof e.name === 'string' && e.name !== 'Error' ? e.name : undefined;
        const code =
            typeof e.code === 'string' || typeof e.code === 'number' ? String(e.code) : undefined;
        return { message, name, code };
    }
    return { message: String(err) };
}

function _transactionsOf(fabric: FabricContractApi, instance: Contract): Map<string, _TxMeta> {
    const declared = (_reflect.getMetadata('fabric:transactions', instance) ?? []) as _TxMeta[];
    const result = new Map<string, _TxMeta>();
    if (declared.length > 0) {
        for (const tx of declared) result.set(tx.name, tx);
        return result;
    }
    // No @Transaction anywhere: every own method of the class, as fabric-shim infers it.
    const skip = new Set(Object.getOwnPropertyNames(fabric.Contract.prototype));
    const proto = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(proto)) {
        if (name === 'constructor' || name.startsWith('_') || skip.has(name)) continue;
        if (typeof proto[name] !== 'function') continue;
        result.set(name, { name });
    }
    return result;
}

/**
 * Hosts the registered contract classes and runs one transaction at a time through them.
 *
 * @example
 * ```ts
 * const host = await ContractHost.load([KvContract]);
 * const outcome = await host.invoke(stub, clientIdentity, 'Put', ['k', 'v']);
 * ```
 */
export class ContractHost {
    readonly #contracts = new Map<string, _ContractEntry>();
    readonly #defaultName: string;
    readonly #serializer: _Serializer;
    readonly #components: Record<string, unknown>;

    /**
     * Load fabric-contract-api and host `contracts`.
     * @throws {TypeError} if `contracts` is empty, holds a class that is not a Contract, or two of the same name
     */
    static async load(contracts: readonly ContractClass[]): Promise<ContractHost> {
        const m = await import('fabric-contract-api');
        return new ContractHost(contracts, m.default);
    }

    private constructor(contracts: readonly ContractClass[], fabric: FabricContractApi) {
        const given: unknown = contracts; // checked apart: Array.isArray would narrow `contracts` to any[]
        if (!Array.isArray(given) || given.length === 0) {
            throw new TypeError('"contracts" expected a non-empty array of Contract classes');
        }
        let defaultName = _reflect.getMetadata('fabric:default', globalThis) as string | undefined;
        for (const cls of contracts) {
            const instance = new cls();
            if (
                !(instance instanceof fabric.Contract) &&
                !(instance as { __isContract?: boolean }).__isContract
            ) {
                throw new TypeError(`${cls.name} is not a fabric-contract-api Contract`);
            }
            const name = instance.getName();
            if (this.#contracts.has(name))
                throw new TypeError(`two contracts are named ${JSON.stringify(name)}`);
            this.#contracts.set(name, {
                instance,
                transactions: _transactionsOf(fabric, instance),
            });
            defaultName ??= name;
        }
        if (defaultName === undefined || !this.#contracts.has(defaultName)) {
            throw new TypeError(
                `the default contract ${JSON.stringify(defaultName)} is not among the contracts given`,
            );
        }
        this.#defaultName = defaultName;
        this.#serializer = new fabric.JSONSerializer();
        this.#components = (_reflect.getMetadata('fabric:objects', globalThis) ?? {}) as Record<
            string,
            unknown
        >;
    }

    /** Names of the hosted contracts, the default first. */
    get contractNames(): string[] {
        return [
            this.#defaultName,
            ...[...this.#contracts.keys()].filter((n) => n !== this.#defaultName),
        ];
    }

    /**
     * Run `txName(args)` with the given stub and identity. Never throws: every failure is an outcome.
     */
    async invoke(
        stub: EmbeddedStub,
        clientIdentity: EmbeddedClientIdentity,
        txName: string,
        args: readonly string[],
    ): Promise<InvokeOutcome> {
        const match = _SPLIT_FUNCTION.exec(txName);
        const named = match?.[1];
        const contractName = named === undefined || named === '' ? this.#defaultName : named;
        const fn = match?.[2] ?? '';
        const entry = this.#contracts.get(contractName);
        if (entry === undefined) {
            const message = `Contract name is not known: ${contractName}`;
            return { ok: false, code: 'UNKNOWN_TRANSACTION', error: { message } };
        }
        const { instance } = entry;
        let ctx: Context;
        try {
            ctx = this.#newContext(instance, stub, clientIdentity);
        } catch (err) {
            return { ok: false, code: 'CONTRACT_ERROR', error: errorInfo(err) };
        }
        const tx = entry.transactions.get(fn);
        if (tx === undefined) {
            try {
                await instance.unknownTransaction(ctx);
                return { ok: true, payload: new Uint8Array(0) };
            } catch (err) {
                return { ok: false, code: 'UNKNOWN_TRANSACTION', error: errorInfo(err) };
            }
        }
        let params: unknown[];
        try {
            params = this.#parameters(tx, args);
        } catch (err) {
            return { ok: false, code: 'BAD_ARGUMENTS', error: errorInfo(err) };
        }
        try {
            await instance.beforeTransaction(ctx);
            // aroundTransaction takes the method *name* and resolves to the method's result (its .d.ts says
            // `Function` and `Promise<void>`; fabric-shim's ChaincodeFromContract relies on the result).
            const around = instance.aroundTransaction.bind(instance) as unknown as (
                ctx: Context,
                fn: string,
                parameters: unknown[],
            ) => Promise<unknown>;
            const result = await around(ctx, fn, params);
            await instance.afterTransaction(ctx, result);
            const wire = this.#serializer.toBuffer(result, {}, '');
            return {
                ok: true,
                payload: wire === undefined ? new Uint8Array(0) : new Uint8Array(wire),
            };
        } catch (err) {
            return { ok: false, code: 'CONTRACT_ERROR', error: errorInfo(err) };
        }
    }

    #newContext(instance: Contract, stub: EmbeddedStub, ci: EmbeddedClientIdentity): Context {
        const ctx = instance.createContext() as Context & {
            setChaincodeStub?: (s: unknown) => void;
            setClientIdentity?: (c: unknown) => void;
            logging?: unknown;
        };
        if (typeof ctx.setChaincodeStub === 'function') ctx.setChaincodeStub(stub);
        else ctx.stub = stub;
        if (typeof ctx.setClientIdentity === 'function') ctx.setClientIdentity(ci);
        else ctx.clientIdentity = ci;
        ctx.logging = {
            setLevel: () => undefined,
            getLogger: () =>
                _silentLogger as unknown as ReturnType<Context['logging']['getLogger']>,
        };
        return ctx;
    }

    /** fabric-shim's DataMarshall.handleParameters, without the ajv schema validation. */
    #parameters(tx: _TxMeta, args: readonly string[]): unknown[] {
        const expected = tx.parameters;
        if (expected === undefined) return [...args];
        if (expected.length !== args.length) {
            throw new Error(
                `Expected ${expected.length} parameters, but ${args.length} have been supplied`,
            );
        }
        return expected.map((param, i) => {
            const schema = param.schema ?? {};
            if (!('type' in schema) && !('$ref' in schema)) {
                throw new Error(`Incorrect type information ${JSON.stringify(schema)}`);
            }
            const arg = args[i] ?? '';
            // A string parameter is the argument's UTF-8 bytes read back (what fabric-contract-api's
            // serializer returns): the argument itself unless it holds a lone surrogate. Skipping the
            // serializer here saves a copy, an escape pass and a debug log of every (large) argument.
            if ('type' in schema && schema.type === 'string' && !('$ref' in schema))
                return isWellFormed(arg) ? arg : Buffer.from(arg, 'utf8').toString('utf8');
            const full = {
                properties: { prop: schema },
                components: { schemas: this.#components },
            };
            return this.#serializer.fromBuffer(Buffer.from(arg, 'utf8'), full, '').value;
        });
    }
}

/** Whether a string has no lone surrogate (its UTF-8 round trip is itself); ES2024, in Node ≥ 20. */
function isWellFormed(s: string): boolean {
    return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}
