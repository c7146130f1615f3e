// SPDX-License-Identifier: Apache-2.0
/**
 * @module ledger/fabric/modules
 * The Fabric client packages (`@hyperledger/fabric-gateway`, `@grpc/grpc-js`), loaded with `import()` on first
 * use: every other file of the adapter imports them for types only, so importing the adapter loads nothing of
 * Fabric.
 */
import type * as FabricGateway from '@hyperledger/fabric-gateway';
import type * as Grpc from '@grpc/grpc-js';

/** The Fabric packages, loaded on first use. */
export interface FabricModules {
    readonly gateway: typeof FabricGateway;
    readonly grpc: typeof Grpc;
}

let _modules: Promise<FabricModules> | undefined;

/** Load the Fabric client packages (once per process). */
export function loadFabricModules(): Promise<FabricModules> {
    _modules ??= Promise.all([import('@hyperledger/fabric-gateway'), import('@grpc/grpc-js')]).then(
        ([gateway, grpc]) => ({ gateway, grpc }),
    );
    return _modules;
}
