// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/groups
 * Registry of the supported groups by name and by serialized id.
 */
import { DecodeError } from './errors.js';
import { ffdhe2048, ffdhe3072, ffdhe4096 } from './ffdhe.js';
import { GROUP_IDS, type Group, type GroupName } from './group.js';
import { ristretto255 } from './ristretto255.js';

/** A group of any element type (elements stay opaque). */
export type AnyGroup = Group<unknown>;

const BY_NAME: Readonly<Record<GroupName, AnyGroup>> = Object.freeze({
    ristretto255,
    ffdhe2048,
    ffdhe3072,
    ffdhe4096,
});

/** All group names, default first. */
export const GROUP_NAMES: readonly GroupName[] = Object.freeze([
    'ristretto255',
    'ffdhe2048',
    'ffdhe3072',
    'ffdhe4096',
]);

/** Look up a group by name; throws DecodeError for unknown names. */
export function groupByName(name: string): AnyGroup {
    const g = (BY_NAME as Record<string, AnyGroup | undefined>)[name];
    if (g === undefined)
        throw new DecodeError(
            'group',
            `unknown group "${name}" (supported: ${GROUP_NAMES.join(', ')})`,
        );
    return g;
}

/** Look up a group by its one-byte id. */
export function groupById(id: number): AnyGroup {
    const name = GROUP_NAMES.find((n) => GROUP_IDS[n] === id);
    if (name === undefined) throw new DecodeError('group', `unknown group id ${id}`);
    return BY_NAME[name];
}
