// SPDX-License-Identifier: Apache-2.0
/**
 * Loaded first: the shared modules (ledger envelopes, tokens) use Node's Buffer; in the browser it
 * is the `buffer` package. Nothing else is made global. Loaded as its own entry before main.ts.
 */
import { Buffer } from 'buffer';

(globalThis as { Buffer?: unknown }).Buffer ??= Buffer;
