// SPDX-License-Identifier: Apache-2.0
/**
 * Test helper: an SML 1.04 encoder written independently of the parser under test, to build
 * frames (and broken frames) from a readable description. TLV encoding, message CRC, transport
 * escaping and padding; the CRC is a bit-by-bit CRC-16/X-25, not the parser's table.
 */

/** A value to encode. */
export type Sml =
    | { t: 'octets'; v: Uint8Array }
    | { t: 'uint'; v: bigint; n: number }
    | { t: 'int'; v: bigint; n: number }
    | { t: 'bool'; v: boolean }
    | { t: 'list'; v: Sml[] }
    | { t: 'absent' }
    | { t: 'raw'; v: Uint8Array };

export const octets = (v: Uint8Array | string): Sml => ({
    t: 'octets',
    v: typeof v === 'string' ? new TextEncoder().encode(v) : v,
});
export const u = (v: number | bigint, n = 1): Sml => ({ t: 'uint', v: BigInt(v), n });
export const i = (v: number | bigint, n = 1): Sml => ({ t: 'int', v: BigInt(v), n });
export const bool = (v: boolean): Sml => ({ t: 'bool', v });
export const list = (...v: Sml[]): Sml => ({ t: 'list', v });
export const absent: Sml = { t: 'absent' };
export const raw = (...bytes: number[]): Sml => ({ t: 'raw', v: Uint8Array.from(bytes) });

/** Bit-by-bit CRC-16/X-25. */
export function crcX25Bitwise(bytes: Uint8Array): number {
    let crc = 0xffff;
    for (const b of bytes) {
        crc ^= b;
        for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x8408 : crc >>> 1;
    }
    return (crc ^ 0xffff) & 0xffff;
}

function tl(type: number, length: number): number[] {
    // length counts TL bytes for non-lists: grow the TL until it fits
    const nibbles = (len: number): number[] => {
        const out: number[] = [];
        let x = len;
        do {
            out.unshift(x & 0x0f);
            x >>>= 4;
        } while (x > 0);
        return out;
    };
    let ns = nibbles(length);
    if (type !== 7) {
        let size = 1;
        for (;;) {
            ns = nibbles(length + size);
            if (ns.length === size) break;
            size = ns.length;
        }
    }
    return ns.map((nib, k) => (k === 0 ? (type << 4) | nib : nib) | (k < ns.length - 1 ? 0x80 : 0));
}

/** TLV encoding of one value. */
export function encode(value: Sml): Uint8Array {
    const out: number[] = [];
    const put = (x: Sml): void => {
        switch (x.t) {
            case 'octets':
                out.push(...tl(0, x.v.length), ...x.v);
                break;
            case 'bool':
                out.push(0x42, x.v ? 1 : 0);
                break;
            case 'uint':
            case 'int': {
                const bytes: number[] = [];
                let v = x.t === 'int' && x.v < 0n ? (1n << BigInt(8 * x.n)) + x.v : x.v;
                for (let k = 0; k < x.n; k++) {
                    bytes.unshift(Number(v & 0xffn));
                    v >>= 8n;
                }
                out.push(...tl(x.t === 'int' ? 5 : 6, x.n), ...bytes);
                break;
            }
            case 'list':
                out.push(...tl(7, x.v.length));
                for (const item of x.v) put(item);
                break;
            case 'absent':
                out.push(0x01);
                break;
            case 'raw':
                out.push(...x.v);
                break;
        }
    };
    put(value);
    return Uint8Array.from(out);
}

/** One SML message with a correct (or deliberately wrong) CRC. */
export function message(
    transactionId: string,
    tag: number,
    body: Sml,
    opts: { badCrc?: boolean; groupNo?: number } = {},
): Uint8Array {
    const head = encode(
        list(
            octets(transactionId),
            u(opts.groupNo ?? 0),
            u(0),
            list(u(tag, 4), body),
            u(0, 2),
            raw(),
        ),
    );
    // the list TL says 6 elements; drop the placeholder crc (3 bytes) and end marker to rebuild the tail
    const upToCrc = head.subarray(0, head.length - 3);
    const x = crcX25Bitwise(upToCrc);
    const swapped = ((x & 0xff) << 8) | (x >>> 8);
    const crc = opts.badCrc === true ? swapped ^ 0x0101 : swapped;
    return Uint8Array.from([...upToCrc, 0x63, crc >>> 8, crc & 0xff, 0x00]);
}

/** Transport v1 frame: escape 1b1b1b1b blocks, pad to 4 bytes, append the end sequence and CRC. */
export function frame(
    payload: Uint8Array,
    opts: { badCrc?: boolean; fill?: number } = {},
): Uint8Array {
    const fill = opts.fill ?? (4 - (payload.length % 4)) % 4;
    const padded = Uint8Array.from([...payload, ...new Array<number>(fill).fill(0)]);
    const out: number[] = [0x1b, 0x1b, 0x1b, 0x1b, 0x01, 0x01, 0x01, 0x01];
    for (let k = 0; k < padded.length; k += 4) {
        const block = [...padded.subarray(k, k + 4)];
        if (block.length === 4 && block.every((b) => b === 0x1b)) out.push(0x1b, 0x1b, 0x1b, 0x1b);
        out.push(...block);
    }
    out.push(0x1b, 0x1b, 0x1b, 0x1b, 0x1a, fill);
    const c = crcX25Bitwise(Uint8Array.from(out));
    const crc = opts.badCrc === true ? c ^ 0xffff : c;
    out.push(crc & 0xff, crc >>> 8);
    return Uint8Array.from(out);
}

/** OBIS code bytes of "A-B:C.D.E*F". */
export function obis(code: string): Uint8Array {
    const m = /^(\d+)-(\d+):(\d+)\.(\d+)\.(\d+)\*(\d+)$/.exec(code);
    if (m === null) throw new Error(`bad OBIS ${code}`);
    return Uint8Array.from(m.slice(1).map(Number));
}

/** An SML_ListEntry. */
export function entry(code: string, value: Sml, unit?: number, scaler?: number): Sml {
    return list(
        octets(obis(code)),
        absent,
        absent,
        unit === undefined ? absent : u(unit),
        scaler === undefined ? absent : i(scaler),
        value,
        absent,
    );
}

/** A typical meter push: OpenResponse, GetListResponse with the given entries, CloseResponse. */
export function meterFrame(entries: Sml[], opts: { badMessageCrc?: boolean } = {}): Uint8Array {
    const serverId = octets(
        Uint8Array.from([0x0a, 0x01, 0x45, 0x4d, 0x48, 0x00, 0x00, 0x12, 0x34, 0x56]),
    );
    const open = message(
        't1',
        0x0101,
        list(absent, absent, octets('req'), serverId, absent, absent),
    );
    const getList = message(
        't2',
        0x0701,
        list(absent, serverId, absent, absent, list(...entries), absent, absent),
        {
            badCrc: opts.badMessageCrc === true,
        },
    );
    const close = message('t3', 0x0201, list(absent));
    return frame(Uint8Array.from([...open, ...getList, ...close]));
}

export function hexToBytes(hex: string): Uint8Array {
    const clean = hex.replace(/\s+/g, '');
    return Uint8Array.from(clean.match(/../g) ?? [], (h) => parseInt(h, 16));
}

/** Real frames, as hex test vectors of open-source SML parsers. */
// ISKRAEMECO MT175, from the test suite of the Rust crate sml-rs (MIT/Apache-2.0)
export const ISK_MT175 =
    '1B1B1B1B010101017605006345516200620072630101760101050021171B0B0A0149534B00047A5544726201650021155A620163828E00760500634552620062007263070177010B0A0149534B00047A5544070100620AFFFF726201650021155A757707010060320101010101010449534B0177070100600100FF010101010B0A0149534B00047A55440177070100010800FF650010010401621E52FF65000C13610177070100020800FF0101621E52FF62000177070100100700FF0101621B5200530860010101638E71007605006345536200620072630201710163AD55001B1B1B1B1A00D54B';
// EasyMeter Q3B, from the test suite of OpenMUC jSML (DecodeFileTest.EASYMETER_Q3BA1022)
export const EASYMETER_Q3B =
    '1B1B1B1B010101017605043B66D962006200726500000101760101074553595133420B064553590104C5FA2EF701016338BE007605043B66DA6200620072650000070177010B064553590104C5FA2EF701726201650B1A82477977078181C78203FF01010101044553590177070100010800FF0101621E52FC690000001408499D070177070100020800FF0101621E52FC6900000021E2BD91830177070100010801FF0101621E520165000D20570177070100010802FF0101621E520165000000880177070100020801FF0101621E5201650016348D0177070100020802FF0101621E520165000000860177070100010700FF0101621B52FE5500002AC80177070100600505FF01010101630180010101635257007605043B66DB62006200726500000201710163274400001B1B1B1B1A013050';
