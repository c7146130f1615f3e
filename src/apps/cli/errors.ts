// SPDX-License-Identifier: Apache-2.0
/**
 * @module apps/cli/errors
 * The CLI's error: a one-line cause and what to do, printed as `femeter: <cause> — <hint>`; and
 * {@link explain}, which turns any error (role, ledger, contract, source) into that line.
 */
import { ActionError } from '../actions.js';

/** A refusal of the CLI itself, with what to do about it. */
export class CliError extends Error {
    readonly hint: string;
    constructor(message: string, hint: string) {
        super(message);
        this.name = 'CliError';
        this.hint = hint;
    }
}

/** Hints for the contract's refusal codes (`[CODE] message`). */
const CONTRACT_HINTS: Readonly<Record<string, string>> = {
    FORBIDDEN:
        'this identity is not registered for that: hand registration.json to the operator (femeter operator register)',
    NOT_FOUND: 'check the id (femeter operator list shows the registry)',
    EXISTS: 'it is registered already; nothing to do',
    INCOMPLETE: 'the period has missing slots: femeter meter close --substitute-missing',
    NO_MPK: 'the customer publishes mpks first: femeter customer publish-mpks',
};

/** One line: cause and what to do. */
export function explain(e: unknown): string {
    if (e instanceof CliError || e instanceof ActionError) return `${e.message} — ${e.hint}`;
    const msg = e instanceof Error ? e.message : String(e);
    const code = /^\[([A-Z_]+)\]/.exec(msg)?.[1];
    const hint = code === undefined ? undefined : CONTRACT_HINTS[code];
    return hint === undefined ? msg : `${msg} — ${hint}`;
}
