// femeter native accelerator: ristretto255 group operations exposed to Node.js
// through Node-API (napi-rs). Every curve operation is delegated to
// curve25519-dalek; this file only parses/validates bytes, batches calls and
// converts results. No curve or field arithmetic is implemented here.
//
// Conventions (mirrored by src/fe/native.ts):
// - points are 32-byte canonical ristretto255 encodings (RFC 9496);
// - scalars are 32-byte little-endian integers that must be canonical (< ℓ);
// - arrays are concatenations of n 32-byte items in one Uint8Array;
// - invalid input throws a JS Error whose message names the argument and index.
//
// SPDX-License-Identifier: Apache-2.0

#![deny(unsafe_op_in_unsafe_fn)]

use core::ops::Range;
use core::ptr;
use std::sync::OnceLock;

use curve25519_dalek::constants::RISTRETTO_BASEPOINT_TABLE;
use curve25519_dalek::ristretto::{CompressedRistretto, RistrettoPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{Identity, VartimeMultiscalarMul};
use napi::bindgen_prelude::{ToNapiValue, TypedArrayType};
use napi::{sys, Error, Result, Status};
use napi_derive::napi;
use zeroize::Zeroize;

/// Byte length of one encoded point or scalar.
const LEN: usize = 32;

/// Points per batch in the batched-compression paths: large enough to
/// amortise the one field inversion per batch, small enough to stay in cache.
const CHUNK: usize = 1024;

/// Upper bound on `stepKeys` count (2^27 keys = 1 GiB of output).
const MAX_STEP_KEYS: u32 = 1 << 27;

/// Minimum number of items (each costing at least one ~3 µs decode or
/// encode) per worker thread before a batch call is split across threads.
const PAR_MIN_ITEMS: usize = 256;

/// Minimum number of `stepKeys` keys (~0.5 µs each) per worker thread.
const PAR_MIN_KEYS: usize = 16384;

// ---------------------------------------------------------------------------
// Threading: batch calls stay synchronous for JavaScript but may split their
// work over scoped OS threads (never touching Node-API from them). The thread
// count is `FEMETER_NATIVE_THREADS` if set (1 disables splitting), otherwise
// the available parallelism capped at 8.
// ---------------------------------------------------------------------------

fn threads() -> usize {
    static THREADS: OnceLock<usize> = OnceLock::new();
    *THREADS.get_or_init(|| {
        std::env::var("FEMETER_NATIVE_THREADS")
            .ok()
            .and_then(|v| v.trim().parse::<usize>().ok())
            .filter(|&t| t >= 1)
            .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
            .clamp(1, 8)
    })
}

/// Splits 0..n into contiguous ranges (at least `min_per_thread` items each),
/// runs `f` on each (the first on the calling thread) and returns the results
/// in range order.
fn par_ranges<T, F>(n: usize, min_per_thread: usize, f: F) -> Vec<T>
where
    T: Send,
    F: Fn(Range<usize>) -> T + Sync,
{
    let k = threads().min(n / min_per_thread.max(1)).max(1);
    if k == 1 {
        return vec![f(0..n)];
    }
    let ranges: Vec<Range<usize>> = (0..k).map(|i| (i * n / k)..((i + 1) * n / k)).collect();
    std::thread::scope(|scope| {
        let f = &f;
        let handles: Vec<_> = ranges[1..]
            .iter()
            .cloned()
            .map(|r| scope.spawn(move || f(r)))
            .collect();
        let mut out = Vec::with_capacity(k);
        out.push(f(ranges[0].clone()));
        for h in handles {
            match h.join() {
                Ok(v) => out.push(v),
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
        out
    })
}

// ---------------------------------------------------------------------------
// Output type: a fresh JS Uint8Array backed by a V8-owned ArrayBuffer.
// (napi-rs's own Uint8Array return type creates an *external* ArrayBuffer with
// a finalizer per call, which is markedly slower for 32-byte results.)
// ---------------------------------------------------------------------------

/// Bytes returned to JavaScript as a plain `Uint8Array` (copied into a
/// V8-allocated ArrayBuffer). The Rust copy is wiped on drop, since results
/// such as the meter's pads r·H_i are secret.
pub struct Bytes(Vec<u8>);

impl Drop for Bytes {
    fn drop(&mut self) {
        self.0.zeroize();
    }
}

impl ToNapiValue for Bytes {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> Result<sys::napi_value> {
        let len = val.0.len();
        let mut data: *mut core::ffi::c_void = ptr::null_mut();
        let mut buffer: sys::napi_value = ptr::null_mut();
        // SAFETY: env is the live environment passed in by napi-rs; the out
        // pointers are valid locals.
        let status = unsafe { sys::napi_create_arraybuffer(env, len, &mut data, &mut buffer) };
        if status != sys::Status::napi_ok {
            return Err(Error::new(
                Status::GenericFailure,
                "femeter-native: cannot allocate ArrayBuffer".to_owned(),
            ));
        }
        if len > 0 {
            // SAFETY: napi_create_arraybuffer returned a writable region of
            // exactly `len` bytes at `data`, which cannot overlap our Vec.
            unsafe { ptr::copy_nonoverlapping(val.0.as_ptr(), data.cast::<u8>(), len) };
        }
        let mut array: sys::napi_value = ptr::null_mut();
        // SAFETY: `buffer` is the ArrayBuffer just created with `len` bytes.
        let status = unsafe {
            sys::napi_create_typedarray(
                env,
                TypedArrayType::Uint8 as i32,
                len,
                buffer,
                0,
                &mut array,
            )
        };
        if status != sys::Status::napi_ok {
            return Err(Error::new(
                Status::GenericFailure,
                "femeter-native: cannot create Uint8Array".to_owned(),
            ));
        }
        Ok(array)
    }
}

// ---------------------------------------------------------------------------
// Input parsing
// ---------------------------------------------------------------------------

fn invalid(msg: String) -> Error {
    Error::new(Status::InvalidArg, msg)
}

/// Checks that `bytes` holds exactly one 32-byte item.
fn one<'a>(fname: &str, arg: &str, bytes: &'a [u8]) -> Result<&'a [u8; LEN]> {
    bytes.try_into().map_err(|_| {
        invalid(format!(
            "{fname}: {arg} must be exactly {LEN} bytes, got {}",
            bytes.len()
        ))
    })
}

/// Checks that `bytes` is a whole number of 32-byte items and returns the count.
fn count(fname: &str, arg: &str, bytes: &[u8]) -> Result<usize> {
    if !bytes.len().is_multiple_of(LEN) {
        return Err(invalid(format!(
            "{fname}: {arg} length {} is not a multiple of {LEN}",
            bytes.len()
        )));
    }
    Ok(bytes.len() / LEN)
}

fn items(bytes: &[u8]) -> impl ExactSizeIterator<Item = &[u8; LEN]> {
    // chunks_exact never yields a short chunk, so the conversion cannot fail.
    bytes
        .chunks_exact(LEN)
        .map(|c| <&[u8; LEN]>::try_from(c).expect("32-byte chunk"))
}

/// Decodes a canonical ristretto255 encoding (dalek rejects non-canonical
/// and non-decodable encodings).
fn decode(bytes: &[u8; LEN]) -> Option<RistrettoPoint> {
    CompressedRistretto(*bytes).decompress()
}

fn point(fname: &str, arg: &str, bytes: &[u8]) -> Result<RistrettoPoint> {
    decode(one(fname, arg, bytes)?).ok_or_else(|| {
        invalid(format!(
            "{fname}: {arg} is not a valid ristretto255 encoding"
        ))
    })
}

fn bad_point(fname: &str, arg: &str, i: usize) -> Error {
    invalid(format!(
        "{fname}: {arg}[{i}] is not a valid ristretto255 encoding"
    ))
}

/// The 32-byte items with indices in `r`.
fn slice<'a>(bytes: &'a [u8], r: &Range<usize>) -> &'a [u8] {
    &bytes[r.start * LEN..r.end * LEN]
}

/// Decodes the items with indices in `r`; Err(index) of the first invalid one.
fn decode_range(bytes: &[u8], r: Range<usize>) -> core::result::Result<Vec<RistrettoPoint>, usize> {
    items(slice(bytes, &r))
        .enumerate()
        .map(|(i, b)| decode(b).ok_or(r.start + i))
        .collect()
}

/// Concatenates per-range results in order; the first Err (lowest index,
/// since ranges are ordered) wins.
fn concat<T>(
    parts: Vec<core::result::Result<Vec<T>, usize>>,
) -> core::result::Result<Vec<T>, usize> {
    let mut out = Vec::with_capacity(parts.iter().map(|p| p.as_ref().map_or(0, Vec::len)).sum());
    for part in parts {
        out.extend(part?);
    }
    Ok(out)
}

fn points(fname: &str, arg: &str, bytes: &[u8]) -> Result<Vec<RistrettoPoint>> {
    let n = count(fname, arg, bytes)?;
    concat(par_ranges(n, PAR_MIN_ITEMS, |r| decode_range(bytes, r)))
        .map_err(|i| bad_point(fname, arg, i))
}

fn canonical_scalar(bytes: &[u8; LEN]) -> Option<Scalar> {
    Option::from(Scalar::from_canonical_bytes(*bytes))
}

fn scalar(fname: &str, arg: &str, bytes: &[u8]) -> Result<Scalar> {
    canonical_scalar(one(fname, arg, bytes)?).ok_or_else(|| {
        invalid(format!(
            "{fname}: {arg} is not a canonical scalar (must be < group order)"
        ))
    })
}

/// Parses n canonical scalars; on error the ones already parsed are wiped.
fn scalars(fname: &str, arg: &str, bytes: &[u8]) -> Result<Vec<Scalar>> {
    let n = count(fname, arg, bytes)?;
    let mut out = Vec::with_capacity(n);
    for (i, b) in items(bytes).enumerate() {
        match canonical_scalar(b) {
            Some(s) => out.push(s),
            None => {
                out.zeroize();
                return Err(invalid(format!(
                    "{fname}: {arg}[{i}] is not a canonical scalar (must be < group order)"
                )));
            }
        }
    }
    Ok(out)
}

/// Concatenates per-thread output buffers, wiping them.
fn concat_wiped(mut parts: Vec<Vec<u8>>) -> Vec<u8> {
    let out = parts.concat();
    parts.iter_mut().for_each(Zeroize::zeroize);
    out
}

fn enc(p: &RistrettoPoint) -> Bytes {
    Bytes(p.compress().to_bytes().to_vec())
}

/// 1/2 mod ℓ. Used to encode many points with dalek's batched
/// `double_and_compress_batch`: enc(2·(P/2)) = enc(P) since the group has
/// odd prime order ℓ.
fn half() -> Scalar {
    Scalar::from(2u8).invert()
}

/// Appends the encodings of 2·p for every p in `halves` to `out`, batching
/// the field inversions.
fn push_doubled_encodings(halves: &[RistrettoPoint], out: &mut Vec<u8>) {
    for c in RistrettoPoint::double_and_compress_batch(halves) {
        out.extend_from_slice(c.as_bytes());
    }
}

// ---------------------------------------------------------------------------
// Exported functions
// ---------------------------------------------------------------------------

/// Version string of the addon and its curve backend.
#[napi]
pub fn version() -> String {
    format!(
        "femeter-native {} (curve25519-dalek 5, ed25519-dalek 3, napi-rs 3)",
        env!("CARGO_PKG_VERSION")
    )
}

/// Index of the first invalid (non-canonical or undecodable) encoding in a
/// concatenation of 32-byte encodings, or -1 if all are valid. The identity
/// encoding (all zeros) is valid.
#[napi(js_name = "decodeCheck")]
pub fn decode_check(points: &[u8]) -> Result<i64> {
    let n = count("decodeCheck", "points", points)?;
    let firsts = par_ranges(n, PAR_MIN_ITEMS, |r| {
        let start = r.start;
        items(slice(points, &r))
            .position(|b| decode(b).is_none())
            .map(|i| start + i)
    });
    Ok(firsts.into_iter().flatten().next().map_or(-1, |i| i as i64))
}

/// a + b.
#[napi]
pub fn add(a: &[u8], b: &[u8]) -> Result<Bytes> {
    let pa = point("add", "a", a)?;
    let pb = point("add", "b", b)?;
    Ok(enc(&(pa + pb)))
}

/// a − b.
#[napi]
pub fn sub(a: &[u8], b: &[u8]) -> Result<Bytes> {
    let pa = point("sub", "a", a)?;
    let pb = point("sub", "b", b)?;
    Ok(enc(&(pa - pb)))
}

/// scalar · point (constant time in the scalar).
#[napi]
pub fn mul(point_bytes: &[u8], scalar_bytes: &[u8]) -> Result<Bytes> {
    let p = point("mul", "point", point_bytes)?;
    let mut s = scalar("mul", "scalar", scalar_bytes)?;
    let r = p * s;
    s.zeroize();
    Ok(enc(&r))
}

/// scalar · G with dalek's precomputed basepoint table (constant time).
#[napi(js_name = "mulBase")]
pub fn mul_base(scalar_bytes: &[u8]) -> Result<Bytes> {
    let mut s = scalar("mulBase", "scalar", scalar_bytes)?;
    let r = RISTRETTO_BASEPOINT_TABLE * &s;
    s.zeroize();
    Ok(enc(&r))
}

/// point + scalar · G (constant time in the scalar): one decode and one encode
/// instead of `add(point, mulBase(scalar))`'s two decodes and two encodes (the
/// meter's C_i = r·H_i + x_i·G).
#[napi(js_name = "addMulBase")]
pub fn add_mul_base(point_bytes: &[u8], scalar_bytes: &[u8]) -> Result<Bytes> {
    let p = point("addMulBase", "point", point_bytes)?;
    let mut s = scalar("addMulBase", "scalar", scalar_bytes)?;
    let r = p + RISTRETTO_BASEPOINT_TABLE * &s;
    s.zeroize();
    Ok(enc(&r))
}

/// s_i · G for each of n scalars (constant time in the scalars); n×32 bytes.
#[napi(js_name = "mulBaseMany")]
pub fn mul_base_many(scalar_bytes: &[u8]) -> Result<Bytes> {
    let mut ss = scalars("mulBaseMany", "scalars", scalar_bytes)?;
    let h = half();
    let parts = par_ranges(ss.len(), PAR_MIN_ITEMS, |r| {
        let mut out = Vec::with_capacity(r.len() * LEN);
        let mut halves = Vec::with_capacity(CHUNK.min(r.len()));
        for chunk in ss[r].chunks(CHUNK) {
            halves.clear();
            for s in chunk {
                let mut sh = s * h;
                halves.push(RISTRETTO_BASEPOINT_TABLE * &sh);
                sh.zeroize();
            }
            push_doubled_encodings(&halves, &mut out);
        }
        halves.zeroize();
        out
    });
    ss.zeroize();
    Ok(Bytes(concat_wiped(parts)))
}

/// scalar · P_i for each of n points (one secret scalar, constant time in
/// it); n×32 bytes.
#[napi(js_name = "mulMany")]
pub fn mul_many(point_bytes: &[u8], scalar_bytes: &[u8]) -> Result<Bytes> {
    let mut s = scalar("mulMany", "scalar", scalar_bytes)?;
    let n = count("mulMany", "points", point_bytes)?;
    let mut sh = s * half();
    s.zeroize();
    let parts = par_ranges(
        n,
        PAR_MIN_ITEMS,
        |r| -> core::result::Result<Vec<u8>, usize> {
            let mut out = Vec::with_capacity(r.len() * LEN);
            let mut halves = Vec::with_capacity(CHUNK.min(r.len()));
            let base = r.start;
            for (ci, chunk) in slice(point_bytes, &r).chunks(CHUNK * LEN).enumerate() {
                halves.clear();
                for (i, b) in items(chunk).enumerate() {
                    match decode(b) {
                        Some(p) => halves.push(p * sh),
                        None => {
                            halves.zeroize();
                            out.zeroize();
                            return Err(base + ci * CHUNK + i);
                        }
                    }
                }
                push_doubled_encodings(&halves, &mut out);
            }
            halves.zeroize();
            Ok(out)
        },
    );
    sh.zeroize();
    let mut first_bad = None;
    let mut bufs = Vec::with_capacity(parts.len());
    for part in parts {
        match part {
            Ok(buf) => bufs.push(buf),
            Err(i) => {
                first_bad.get_or_insert(i);
            }
        }
    }
    let out = concat_wiped(bufs);
    match first_bad {
        Some(i) => {
            drop(Bytes(out));
            Err(bad_point("mulMany", "points", i))
        }
        None => Ok(Bytes(out)),
    }
}

/// Σ s_i · P_i in variable time (public inputs only); 32 bytes.
#[napi(js_name = "msmVartime")]
pub fn msm_vartime(point_bytes: &[u8], scalar_bytes: &[u8]) -> Result<Bytes> {
    let n = count("msmVartime", "points", point_bytes)?;
    let m = count("msmVartime", "scalars", scalar_bytes)?;
    if n != m {
        return Err(invalid(format!("msmVartime: {n} points but {m} scalars")));
    }
    let ss = scalars("msmVartime", "scalars", scalar_bytes)?;
    let ps = points("msmVartime", "points", point_bytes)?;
    Ok(enc(&RistrettoPoint::vartime_multiscalar_mul(&ss, &ps)))
}

/// Bytes of uniform input per element in `fromUniformBytesMany`.
const WIDE: usize = 64;

/// RFC 9496 §4.3.4 element derivation (dalek's `from_uniform_bytes`: two
/// Elligator maps and a sum) for each 64-byte string of `bytes`; n×32 bytes.
/// This is the map inside hash_to_ristretto255 (RFC 9380 Appendix B); the
/// caller computes expand_message_xmd. Public inputs and outputs.
#[napi(js_name = "fromUniformBytesMany")]
pub fn from_uniform_bytes_many(bytes: &[u8]) -> Result<Bytes> {
    if !bytes.len().is_multiple_of(WIDE) {
        return Err(invalid(format!(
            "fromUniformBytesMany: bytes length {} is not a multiple of {WIDE}",
            bytes.len()
        )));
    }
    let mut out = Vec::with_capacity(bytes.len() / WIDE * LEN);
    for c in bytes.chunks_exact(WIDE) {
        let wide = <&[u8; WIDE]>::try_from(c).expect("64-byte chunk");
        out.extend_from_slice(RistrettoPoint::from_uniform_bytes(wide).compress().as_bytes());
    }
    Ok(Bytes(out))
}

/// Σ P_i; 32 bytes (the identity for n = 0).
#[napi(js_name = "addMany")]
pub fn add_many(point_bytes: &[u8]) -> Result<Bytes> {
    let n = count("addMany", "points", point_bytes)?;
    let sums = par_ranges(
        n,
        PAR_MIN_ITEMS,
        |r| -> core::result::Result<Vec<RistrettoPoint>, usize> {
            let mut acc = RistrettoPoint::identity();
            for (i, b) in items(slice(point_bytes, &r)).enumerate() {
                acc += decode(b).ok_or(r.start + i)?;
            }
            Ok(vec![acc])
        },
    );
    let sums = concat(sums).map_err(|i| bad_point("addMany", "points", i))?;
    Ok(enc(&sums.iter().sum()))
}

/// For j = 0..count−1, the first 8 bytes of enc(start + j·step), concatenated
/// (count×8 bytes). Used for baby-step/giant-step discrete logarithms.
#[napi(js_name = "stepKeys")]
pub fn step_keys(start: &[u8], step: &[u8], count: u32) -> Result<Bytes> {
    let p0 = point("stepKeys", "start", start)?;
    let d = point("stepKeys", "step", step)?;
    if count > MAX_STEP_KEYS {
        return Err(invalid(format!(
            "stepKeys: count {count} exceeds the limit {MAX_STEP_KEYS}"
        )));
    }
    // Walk the halved sequence start/2 + j·(step/2) and let dalek encode the
    // doubles in batches: enc(2·(start/2 + j·step/2)) = enc(start + j·step).
    let h = half();
    let p0_half = p0 * h;
    let d_half = d * h;
    let parts = par_ranges(count as usize, PAR_MIN_KEYS, |r| {
        let mut cur = p0_half + d_half * Scalar::from(r.start as u64);
        let mut out = Vec::with_capacity(r.len() * 8);
        let mut halves = Vec::with_capacity(CHUNK.min(r.len()));
        let mut left = r.len();
        while left > 0 {
            let take = CHUNK.min(left);
            halves.clear();
            for _ in 0..take {
                halves.push(cur);
                cur += d_half;
            }
            for c in RistrettoPoint::double_and_compress_batch(&halves) {
                out.extend_from_slice(&c.as_bytes()[..8]);
            }
            left -= take;
        }
        out
    });
    Ok(Bytes(concat_wiped(parts)))
}

// ---------------------------------------------------------------------------
// Ed25519 batch verification (ed25519-dalek). The rule is femeter's single
// verification rule (src/fe/ed25519.ts): public key canonical, on the curve,
// torsion-free and not small-order; R canonical and torsion-free; S < ℓ;
// cofactorless equation. A random-linear-combination batch alone would accept
// (with probability up to 1/2) a signature whose R carries a small torsion
// component that the cofactorless single check refuses, so every R is also
// checked for torsion here: the answer is then the conjunction of the single
// checks (up to the batch's 2^-128 soundness error).
// ---------------------------------------------------------------------------

const ED_PK: usize = 32;
const ED_SIG: usize = 64;
/// Most signatures in one `ed25519VerifyBatch` call.
const ED_MAX_BATCH: usize = 65_536;

fn ed_torsion_free_point(b: &[u8; 32]) -> bool {
    match curve25519_dalek::edwards::CompressedEdwardsY(*b).decompress() {
        // canonical encoding only: decompress accepts y ≥ p, re-encoding tells
        Some(p) => p.compress().as_bytes() == b && ed_torsion_free_vartime(&p) && !p.is_small_order(),
        None => false,
    }
}

/// Whether [ℓ]P is the identity (P has no small torsion component): dalek's
/// `is_torsion_free` in variable time, for public points only (a key or a
/// signature's R). `vartime_double_scalar_mul_basepoint(ℓ−1, P, 0)` walks the
/// NAF of the canonical integer ℓ−1 over P itself, so it is the integer
/// multiple [ℓ−1]P in the full group E = Z_ℓ × Z_8 (no reduction by P's
/// order happens); adding P gives [ℓ]P = [ℓ]T for P = P' + T, the identity
/// exactly when T is.
fn ed_torsion_free_vartime(p: &curve25519_dalek::edwards::EdwardsPoint) -> bool {
    let l_minus_one = -Scalar::ONE;
    let m = curve25519_dalek::edwards::EdwardsPoint::vartime_double_scalar_mul_basepoint(
        &l_minus_one,
        p,
        &Scalar::ZERO,
    );
    curve25519_dalek::traits::IsIdentity::is_identity(&(m + p))
}

/// Whether every (public key, message, signature) triple verifies under
/// femeter's rule (see above): `publicKeys` n×32 bytes, `messages` the n
/// messages concatenated, `messageLengths` their n lengths, `signatures` n×64
/// bytes. One batch equation plus per-item encoding and torsion checks;
/// `false` says only that at least one triple fails (check them one by one
/// to find which). Throws for inconsistent lengths.
#[napi(js_name = "ed25519VerifyBatch")]
pub fn ed25519_verify_batch(
    public_keys: &[u8],
    messages: &[u8],
    message_lengths: &[u32],
    signatures: &[u8],
) -> Result<bool> {
    let f = "ed25519VerifyBatch";
    let n = message_lengths.len();
    if n > ED_MAX_BATCH {
        return Err(invalid(format!("{f}: messageLengths: at most {ED_MAX_BATCH} items")));
    }
    if public_keys.len() != n * ED_PK {
        return Err(invalid(format!("{f}: publicKeys must be {} bytes ({n}×32), got {}", n * ED_PK, public_keys.len())));
    }
    if signatures.len() != n * ED_SIG {
        return Err(invalid(format!("{f}: signatures must be {} bytes ({n}×64), got {}", n * ED_SIG, signatures.len())));
    }
    let total: u64 = message_lengths.iter().map(|&l| u64::from(l)).sum();
    if total != messages.len() as u64 {
        return Err(invalid(format!("{f}: messages length differs from the sum of messageLengths")));
    }
    if n == 0 {
        return Ok(true);
    }
    let mut keys: Vec<ed25519_dalek::VerifyingKey> = Vec::with_capacity(n);
    let mut sigs: Vec<ed25519_dalek::Signature> = Vec::with_capacity(n);
    let mut msgs: Vec<&[u8]> = Vec::with_capacity(n);
    let mut at = 0usize;
    let mut last_key: Option<([u8; 32], ed25519_dalek::VerifyingKey)> = None;
    for i in 0..n {
        let pk: [u8; 32] = public_keys[i * ED_PK..(i + 1) * ED_PK].try_into().expect("32 bytes");
        let key = match &last_key {
            Some((b, k)) if *b == pk => *k,
            _ => {
                if !ed_torsion_free_point(&pk) {
                    return Ok(false);
                }
                let Ok(k) = ed25519_dalek::VerifyingKey::from_bytes(&pk) else {
                    return Ok(false);
                };
                last_key = Some((pk, k));
                k
            }
        };
        let sb: [u8; 64] = signatures[i * ED_SIG..(i + 1) * ED_SIG].try_into().expect("64 bytes");
        let r: [u8; 32] = sb[..32].try_into().expect("32 bytes");
        if !ed_torsion_free_point(&r) {
            return Ok(false);
        }
        let len = message_lengths[i] as usize;
        msgs.push(&messages[at..at + len]);
        at += len;
        keys.push(key);
        sigs.push(ed25519_dalek::Signature::from_bytes(&sb));
    }
    Ok(ed25519_dalek::verify_batch(&msgs, &sigs, &keys).is_ok())
}
