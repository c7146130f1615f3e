// SPDX-License-Identifier: Apache-2.0
/**
 * @module fe/point-notes
 * Group-element encodings another thread already decoded (issue 11): the embedded engine's verify
 * workers decode a batch's ciphertext points before the transaction executes and note here that
 * `group.decodeMany(bytes, count)` succeeded for exactly those bytes. {@link takeValidPoints}
 * answers from the note once, for the same group and the same bytes byte for byte; anything not
 * noted (refused, never sent, forgotten) is decoded inline by the caller, so a verdict never depends
 * on the notes. Like `noteVerifiedEd25519` (fe/ed25519), a note must only record the verdict of the
 * very check the caller would make.
 */

const notes = new Map<string, { readonly group: string; readonly bytes: Uint8Array }[]>();
let size = 0;
let held = 0;
/** Most bytes of encodings kept waiting (a note the contract never takes, e.g. a transaction refused before its points are checked, is forgotten oldest first). */
const NOTES_MAX_BYTES = 4 << 20;

/** A short key for a run of encodings: the group, its length and its first and last bytes. */
function keyOf(group: string, bytes: Uint8Array): string {
    const n = bytes.length;
    let k = `${group}/${n}/`;
    for (let i = 0; i < 8 && i < n; i++)
        k += String.fromCharCode(bytes[i] ?? 0, bytes[n - 1 - i] ?? 0);
    return k;
}

const same = (a: Uint8Array, b: Uint8Array): boolean => {
    if (a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
};

/**
 * Record that `groupByName(group).decodeMany(bytes, …)` succeeded in another thread for exactly
 * these bytes (copied here). Bounded: beyond 4 MiB of waiting encodings the oldest notes are
 * forgotten (their points are then decoded inline).
 */
export function noteValidPoints(group: string, bytes: Uint8Array): void {
    if (bytes.length > NOTES_MAX_BYTES) return;
    while (held + bytes.length > NOTES_MAX_BYTES) {
        const oldest = notes.entries().next();
        if (oldest.done === true) break;
        for (const n of oldest.value[1]) held -= n.bytes.length;
        size -= oldest.value[1].length;
        notes.delete(oldest.value[0]);
    }
    held += bytes.length;
    const k = keyOf(group, bytes);
    const list = notes.get(k);
    const note = { group, bytes: Uint8Array.from(bytes) };
    if (list === undefined) notes.set(k, [note]);
    else list.push(note);
    size++;
}

/** Whether these exact encodings were noted valid for this group (and forget the note: it answers once). */
export function takeValidPoints(group: string, bytes: Uint8Array): boolean {
    if (size === 0) return false;
    const k = keyOf(group, bytes);
    const list = notes.get(k);
    if (list === undefined) return false;
    const i = list.findIndex((n) => n.group === group && same(n.bytes, bytes));
    if (i < 0) return false;
    held -= list[i]?.bytes.length ?? 0;
    list.splice(i, 1);
    if (list.length === 0) notes.delete(k);
    size--;
    return true;
}
