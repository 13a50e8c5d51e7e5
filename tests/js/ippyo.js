// ippyo.js - an independent reading of docs/PROTOCOL-crypto.md on
// @noble/curves and @noble/hashes, written from the document (not from the
// C code) so that the known-answer vectors are checked by a second
// implementation: what a browser implementation must agree with.
//
// Point validation (§1), the transcript (§3), the test generator (§2) and
// every verification equation (§5, §8) are spelled out here; noble supplies
// only the field and group arithmetic, SHA-256 and Ed25519.
import { p256 } from '@noble/curves/nist.js';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, hexToBytes, concatBytes, utf8ToBytes } from '@noble/hashes/utils.js';

export const Point = p256.Point;
export const G = Point.BASE;
export const O = Point.ZERO;
export const n = Point.Fn.ORDER;
export const p = Point.Fp.ORDER;
export const b = 0x5ac635d8aa3a93e7b3ebbd55769886bc651d06b0cc53b0f63bce3c3e27d2604bn;

export { bytesToHex, hexToBytes, concatBytes, utf8ToBytes, sha256 };

const mod = (a, m) => ((a % m) + m) % m;

function powmod(x, e, m) {
  let r = 1n;
  x = mod(x, m);
  while (e > 0n) {
    if (e & 1n) r = (r * x) % m;
    x = (x * x) % m;
    e >>= 1n;
  }
  return r;
}

export function beToBig(bytes) {
  return bytes.length === 0 ? 0n : BigInt('0x' + bytesToHex(bytes));
}

export function bigToBe(x, len) {
  const h = x.toString(16).padStart(2 * len, '0');
  if (h.length > 2 * len) throw new Error('does not fit');
  return hexToBytes(h);
}

export function u32(v) {
  return bigToBe(BigInt(v), 4);
}

export function u64(v) {
  return bigToBe(BigInt(v), 8);
}

// ---- §1 group -----------------------------------------------------------

export class DecodeError extends Error {
  constructor(code) {
    super(code);
    this.code = code;
  }
}

// Decodes 65 bytes of uncompressed SEC1 exactly as §1 says; throws a
// DecodeError whose code is the ERR_* name.
export function decodePoint(bytes, allowIdentity = false) {
  if (bytes.length < 65) throw new DecodeError('ERR_TRUNCATED');
  if (bytes.length > 65) throw new DecodeError('ERR_TRAILING_DATA');
  if (bytes.every((x) => x === 0)) {
    if (!allowIdentity) throw new DecodeError('ERR_RANGE');
    return O;
  }
  if (bytes[0] !== 0x04) throw new DecodeError('ERR_FORMAT');
  const x = beToBig(bytes.subarray(1, 33));
  const y = beToBig(bytes.subarray(33, 65));
  if (x >= p || y >= p) throw new DecodeError('ERR_NOT_CANONICAL');
  if (mod(y * y - (x * x * x - 3n * x + b), p) !== 0n) throw new DecodeError('ERR_VERIFY');
  const P = Point.fromAffine({ x, y });
  P.assertValidity();
  return P;
}

export function encodePoint(P, allowIdentity = false) {
  if (P.is0()) {
    if (!allowIdentity) throw new DecodeError('ERR_RANGE');
    return new Uint8Array(65);
  }
  const { x, y } = P.toAffine();
  return concatBytes(Uint8Array.of(4), bigToBe(x, 32), bigToBe(y, 32));
}

export function decodeScalar(bytes) {
  if (bytes.length !== 32) throw new DecodeError(bytes.length < 32 ? 'ERR_TRUNCATED' : 'ERR_TRAILING_DATA');
  const s = beToBig(bytes);
  if (s >= n) throw new DecodeError('ERR_RANGE');
  return s;
}

export const encodeScalar = (s) => bigToBe(s, 32);
export const fromWide = (bytes64) => mod(beToBig(bytes64), n);

// k·P for any k in [0, n) (public data: variable time is fine here).
export function mul(P, k) {
  k = mod(k, n);
  return k === 0n || P.is0() ? O : P.multiply(k);
}

export function hashToPoint(label) {
  const l = utf8ToBytes(label);
  for (let ctr = 0; ; ctr++) {
    const x = beToBig(sha256(concatBytes(u32(l.length), l, u32(ctr))));
    if (x >= p) continue;
    const rhs = mod(x * x * x - 3n * x + b, p);
    const y = powmod(rhs, (p + 1n) / 4n, p); // p = 3 mod 4
    if ((y * y) % p !== rhs) continue;
    return Point.fromAffine({ x, y: y % 2n === 0n ? y : p - y });
  }
}

// ---- §2 the test generator ---------------------------------------------

export class TestDrbg {
  constructor(seed) {
    const s = typeof seed === 'string' ? utf8ToBytes(seed) : seed;
    this.state = sha256(concatBytes(utf8ToBytes('ippyo/test-drbg/v1'), s));
    this.counter = 0n;
    this.buf = new Uint8Array(0);
  }
  bytes(len) {
    while (this.buf.length < len) {
      this.buf = concatBytes(this.buf, sha256(concatBytes(this.state, u64(this.counter))));
      this.counter++;
    }
    const out = this.buf.slice(0, len);
    this.buf = this.buf.slice(len);
    return out;
  }
  scalar() {
    for (;;) {
      const s = fromWide(this.bytes(64));
      if (s !== 0n) return s;
    }
  }
}

// ---- §3 transcript ------------------------------------------------------

export const TAG = {
  proof01: 'ippyo/proof01/v1',
  range: 'ippyo/range/v1',
  schnorr: 'ippyo/schnorr/v1',
  decrypt: 'ippyo/decrypt/v1',
  dleq: 'ippyo/dleq/v1',
};

export function transcript(tag, fields) {
  const d = utf8ToBytes('ippyo/transcript/v1');
  const t = utf8ToBytes(tag);
  const parts = [u32(d.length), d, u32(t.length), t];
  for (const f of fields) parts.push(u32(f.length), f);
  return concatBytes(...parts);
}

export const digest = (tr) => sha256(tr);

export function challenge(tr) {
  const D = sha256(tr);
  return fromWide(concatBytes(sha256(concatBytes(D, Uint8Array.of(0))), sha256(concatBytes(D, Uint8Array.of(1)))));
}

// ---- §4 ElGamal ---------------------------------------------------------

export function encrypt(K, m, r) {
  return [mul(G, r), mul(G, BigInt(m)).add(mul(K, r))];
}

export function encodeCt([a, bb], allowIdentity = false) {
  return concatBytes(encodePoint(a, allowIdentity), encodePoint(bb, allowIdentity));
}

export function decodeCt(bytes, allowIdentity = false) {
  if (bytes.length !== 130) throw new DecodeError(bytes.length < 130 ? 'ERR_TRUNCATED' : 'ERR_TRAILING_DATA');
  return [decodePoint(bytes.subarray(0, 65), allowIdentity), decodePoint(bytes.subarray(65), allowIdentity)];
}

// Small discrete log by trial (the vectors' plaintexts are small or given).
export function smallLog(M, max) {
  let T = O;
  for (let m = 0; m <= max; m++) {
    if (T.equals(M)) return m;
    T = T.add(G);
  }
  return -1;
}

// ---- §5 proofs: each verifier returns true / false, never throws -------

const PT = 65;
const SC = 32;

function binding(bind, withOption) {
  const f = [bind.election, bind.alias, u32(bind.contest)];
  if (withOption) f.push(u32(bind.option));
  return f;
}

function safely(fn) {
  try {
    return fn();
  } catch (e) {
    if (e instanceof DecodeError) return false;
    throw e;
  }
}

export function verify01(Kenc, bind, ct, proof) {
  return safely(() => {
    if (proof.length !== 4 * PT + 3 * SC) return false;
    const K = decodePoint(Kenc);
    const [alpha, beta] = decodeCt(ct);
    const pts = [0, 1, 2, 3].map((i) => proof.subarray(i * PT, (i + 1) * PT));
    const [a0, b0, a1, b1] = pts.map((x) => decodePoint(x));
    const [c0, v0, v1] = [0, 1, 2].map((i) => decodeScalar(proof.subarray(4 * PT + i * SC, 4 * PT + (i + 1) * SC)));
    const c = challenge(transcript(TAG.proof01, [...binding(bind, true), Kenc, ct.subarray(0, 65), ct.subarray(65), ...pts]));
    const c1 = mod(c - c0, n);
    return (
      mul(G, v0).equals(a0.add(mul(alpha, c0))) &&
      mul(K, v0).equals(b0.add(mul(beta, c0))) &&
      mul(G, v1).equals(a1.add(mul(alpha, c1))) &&
      mul(K, v1).equals(b1.add(mul(beta.subtract(G), c1)))
    );
  });
}

export const rangeLen = (min, max) => {
  const L = max - min + 1;
  return L * 2 * PT + (L - 1) * SC + L * SC;
};

// cts: the n ciphertexts concatenated (n·130 bytes).
export function verifyRange(Kenc, bind, cts, min, max, proof) {
  return safely(() => {
    const L = max - min + 1;
    if (proof.length !== rangeLen(min, max) || cts.length % 130 !== 0) return false;
    const K = decodePoint(Kenc);
    const count = cts.length / 130;
    let A = O;
    let B = O;
    const ctFields = [];
    for (let i = 0; i < count; i++) {
      const c = cts.subarray(i * 130, (i + 1) * 130);
      const [al, be] = decodeCt(c);
      A = A.add(al);
      B = B.add(be);
      ctFields.push(c);
    }
    const ptBytes = [];
    for (let i = 0; i < 2 * L; i++) ptBytes.push(proof.subarray(i * PT, (i + 1) * PT));
    const pts = ptBytes.map((x) => decodePoint(x));
    const cs = proof.subarray(2 * L * PT);
    const cj = [];
    for (let i = 0; i < L - 1; i++) cj.push(decodeScalar(cs.subarray(i * SC, (i + 1) * SC)));
    const vs = cs.subarray((L - 1) * SC);
    const vj = [];
    for (let i = 0; i < L; i++) vj.push(decodeScalar(vs.subarray(i * SC, (i + 1) * SC)));
    const c = challenge(transcript(TAG.range, [...binding(bind, false), u32(min), u32(max), Kenc, u32(count), ...ctFields, ...ptBytes]));
    cj.push(mod(c - cj.reduce((x, y) => x + y, 0n), n));
    for (let i = 0; i < L; i++) {
      const j = BigInt(min + i);
      if (!mul(G, vj[i]).equals(pts[2 * i].add(mul(A, cj[i])))) return false;
      if (!mul(K, vj[i]).equals(pts[2 * i + 1].add(mul(B.subtract(mul(G, j)), cj[i])))) return false;
    }
    return true;
  });
}

export function verifySchnorr(context, label, Xenc, proof) {
  return safely(() => {
    if (proof.length !== PT + SC) return false;
    const X = decodePoint(Xenc);
    const hb = proof.subarray(0, PT);
    const h = decodePoint(hb);
    const v = decodeScalar(proof.subarray(PT));
    const c = challenge(transcript(TAG.schnorr, [context, label, Xenc, hb]));
    return mul(G, v).equals(h.add(mul(X, c)));
  });
}

export function verifyDleq(tag, context, label, Penc, Aenc, Menc, proof) {
  return safely(() => {
    if (proof.length !== 2 * PT + SC) return false;
    const [P, A, M] = [Penc, Aenc, Menc].map((x) => decodePoint(x));
    const ab = proof.subarray(0, PT);
    const bb = proof.subarray(PT, 2 * PT);
    const [a, bp] = [ab, bb].map((x) => decodePoint(x));
    const v = decodeScalar(proof.subarray(2 * PT));
    const c = challenge(transcript(tag, [context, label, Penc, Aenc, Menc, ab, bb]));
    return mul(G, v).equals(a.add(mul(P, c))) && mul(A, v).equals(bp.add(mul(M, c)));
  });
}

// ---- §6 contests ----------------------------------------------------------

export const contestLen = (options, min, max) => options * (130 + 356) + rangeLen(min, max);

export function verifyContest(Kenc, election, alias, spec, enc) {
  const { index, options, min, max } = spec;
  if (enc.length !== contestLen(options, min, max)) return false;
  const cts = enc.subarray(0, options * 130);
  const proofs = enc.subarray(options * 130);
  for (let i = 0; i < options; i++) {
    const bind = { election, alias, contest: index, option: i };
    if (!verify01(Kenc, bind, cts.subarray(i * 130, (i + 1) * 130), proofs.subarray(i * 356, (i + 1) * 356))) return false;
  }
  return verifyRange(Kenc, { election, alias, contest: index }, cts, min, max, proofs.subarray(options * 356));
}

// ---- §8 DKG ---------------------------------------------------------------

export const PUB_ITEM = PT + PT + SC;

export const publicLen = (k) => (1 + k) * PUB_ITEM + 32 + 64;

export const pokLabel = (nT, k, i, l) => concatBytes(u32(nT), u32(k), u32(i), u32(l));

// crypto/sign.h framing: "ippyo-sig-v1" || u8 len(tag) || tag || message.
export function sigVerify(pk, tag, msg, sig) {
  const t = utf8ToBytes(tag);
  const framed = concatBytes(utf8ToBytes('ippyo-sig-v1'), Uint8Array.of(t.length), t, msg);
  try {
    return ed25519.verify(sig, framed, pk, { zip215: false });
  } catch {
    return false;
  }
}

// Parses and fully checks trustee i's public message: every Schnorr proof
// and V_i's signature.  Returns { X, C: [points], V } or null.
export function verifyPublic(context, nT, k, i, pub) {
  if (pub.length !== publicLen(k)) return null;
  const items = [];
  for (let l = 0; l <= k; l++) {
    const it = pub.subarray(l * PUB_ITEM, (l + 1) * PUB_ITEM);
    const Pb = it.subarray(0, PT);
    const label = pokLabel(nT, k, i, l === 0 ? 0xffffffff : l - 1);
    if (!verifySchnorr(context, label, Pb, it.subarray(PT))) return null;
    items.push(decodePoint(Pb));
  }
  const V = pub.subarray((1 + k) * PUB_ITEM, (1 + k) * PUB_ITEM + 32);
  const sig = pub.subarray((1 + k) * PUB_ITEM + 32);
  const msg = concatBytes(context, u32(nT), u32(k), u32(i), pub.subarray(0, (1 + k) * PUB_ITEM + 32));
  if (!sigVerify(V, 'dkg-public', msg, sig)) return null;
  return { X: items[0], C: items.slice(1), V };
}

export function shareSigOk(context, nT, k, i, j, V, share) {
  if (share.length !== 177) return false;
  const msg = concatBytes(context, u32(nT), u32(k), u32(i), u32(j), share.subarray(0, 113));
  return sigVerify(V, 'dkg-share', msg, share.subarray(113));
}

export function lagrange(idx, j) {
  let num = 1n;
  let den = 1n;
  for (const l of idx) {
    if (l === j) continue;
    num = mod(num * BigInt(l), n);
    den = mod(den * BigInt(l - j), n);
  }
  return mod(num * powmod(den, n - 2n, n), n);
}
