// vectors.test.js - recomputes tests/vectors/crypto/*.json with ippyo.js
// (an independent reading of docs/PROTOCOL-crypto.md).  Run: node --test
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as I from './ippyo.js';

const { hexToBytes: hb, bytesToHex: bh, G, n, O } = I;
const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'vectors', 'crypto');
const load = (name) => JSON.parse(readFileSync(join(dir, name), 'utf8'));
const enc = (P, allow = false) => bh(I.encodePoint(P, allow));

// Every bit of every byte of a proof flipped in turn, sampled: the
// verifier must refuse each mutant (a verifier that accepts one fails).
function assertPerturbedRejected(proof, verify, what) {
  const step = Math.max(1, Math.floor(proof.length / 40));
  let tried = 0;
  for (let i = 0; i < proof.length; i += step) {
    const m = proof.slice();
    m[i] ^= 1 << (i % 8);
    assert.equal(verify(m), false, `${what}: byte ${i} flipped, still accepted`);
    tried++;
  }
  assert.equal(verify(proof.subarray(0, proof.length - 1)), false, `${what}: truncated accepted`);
  assert.ok(tried > 10);
}

const KAT = load('group.json').seed;

test('group: k·G, encodings, decodings', () => {
  const v = load('group.json');
  const names = { 1: 1n, 2: 2n, 3: 3n, 'n-1': n - 1n };
  const drbg = new I.TestDrbg(v.seed);
  for (const e of v.mul_g) {
    const k = I.decodeScalar(hb(e.k));
    if (e.name in names) assert.equal(k, names[e.name], e.name);
    else assert.equal(k, drbg.scalar(), 'random k is the first draw of the seeded stream');
    const P = I.mul(G, k);
    assert.equal(enc(P), e.point, `k·G for ${e.name}`);
    const D = I.decodePoint(hb(e.point));
    assert.ok(D.equals(P));
    assert.equal(bh(D.toBytes(false)), e.point, 'noble agrees on the encoding');
  }
});

test('group: wide reduction follows the stream', () => {
  const v = load('group.json');
  const drbg = new I.TestDrbg(v.seed);
  drbg.scalar(); // the random k of mul_g
  v.scalar_from_wide.forEach((e, i) => {
    if (i === 0) assert.equal(e.wide, 'ff'.repeat(64));
    else assert.equal(e.wide, bh(drbg.bytes(64)));
    assert.equal(bh(I.encodeScalar(I.fromWide(hb(e.wide)))), e.reduced);
  });
});

test('group: hash to point', () => {
  const v = load('group.json');
  const P = I.hashToPoint(v.hash_to_point.label);
  assert.equal(enc(P), v.hash_to_point.point);
  assert.equal(P.toAffine().y % 2n, 0n, 'even Y');
});

test('group: invalid encodings refused with the documented codes', () => {
  const v = load('group.json');
  assert.ok(v.invalid_points.length >= 4);
  for (const e of v.invalid_points) {
    assert.throws(() => I.decodePoint(hb(e.bytes)), (x) => x.code === e.error, e.why);
    // noble refuses them too (it has no identity encoding of 65 bytes)
    assert.throws(() => I.Point.fromBytes(hb(e.bytes)), Error, `noble: ${e.why}`);
  }
  // the rest of §1's refusals
  const g = I.encodePoint(G);
  assert.throws(() => I.decodePoint(g.subarray(0, 64)), (x) => x.code === 'ERR_TRUNCATED');
  assert.throws(() => I.decodePoint(I.concatBytes(g, Uint8Array.of(0))), (x) => x.code === 'ERR_TRAILING_DATA');
  for (const pre of [2, 3, 6, 7]) {
    const m = g.slice();
    m[0] = pre;
    assert.throws(() => I.decodePoint(m), (x) => x.code === 'ERR_FORMAT');
  }
  // X = p (just not below p) with the generator's Y
  const m = g.slice();
  m.set(I.bigToBe(I.p, 32), 1);
  assert.throws(() => I.decodePoint(m), (x) => x.code === 'ERR_NOT_CANONICAL');
  // the identity where allowed: 65 zero bytes, both ways
  assert.ok(I.decodePoint(new Uint8Array(65), true).equals(O));
  assert.equal(bh(I.encodePoint(O, true)), '00'.repeat(65));
  assert.throws(() => I.decodeScalar(I.bigToBe(n, 32)), (x) => x.code === 'ERR_RANGE');
});

test('hash: transcripts, digests, challenges', () => {
  const v = load('hash.json');
  const drbg = new I.TestDrbg(v.seed);
  for (const [t, e] of v.transcripts.entries()) {
    const fields = e.fields.map(hb);
    if (t > 0) {
      // fields are prefixes of 40-byte draws: lengths 1, 14, 27
      fields.forEach((f, j) => {
        assert.equal(f.length, 13 * j + 1);
        assert.equal(bh(drbg.bytes(40).subarray(0, f.length)), bh(f));
      });
    }
    const tr = I.transcript(e.tag, fields);
    assert.equal(bh(tr), e.transcript, `${e.tag}: bytes`);
    assert.equal(bh(I.digest(tr)), e.digest, `${e.tag}: digest`);
    assert.equal(bh(I.encodeScalar(I.challenge(tr))), e.challenge, `${e.tag}: challenge`);
  }
});

test('elgamal: key and ciphertexts from the seeded stream, and their sum', () => {
  const v = load('elgamal.json');
  const drbg = new I.TestDrbg(v.seed);
  const sk = drbg.scalar();
  assert.equal(bh(I.encodeScalar(sk)), v.secret_key, 'secret key is the first draw');
  const K = I.mul(G, sk);
  assert.equal(enc(K), v.public_key);
  let A = O;
  let B = O;
  let total = 0n;
  for (const e of v.encryptions) {
    const r = drbg.scalar();
    assert.equal(bh(I.encodeScalar(r)), e.r, 'r is the next draw');
    const ct = I.encrypt(K, e.m, r);
    assert.equal(bh(I.encodeCt(ct)), e.ciphertext, `Enc(${e.m}; r)`);
    const [a, b] = I.decodeCt(hb(e.ciphertext));
    assert.ok(b.subtract(I.mul(a, sk)).equals(I.mul(G, BigInt(e.m))), 'decrypts');
    A = A.add(a);
    B = B.add(b);
    total += BigInt(e.m);
  }
  assert.equal(bh(I.encodeCt([A, B])), v.sum_of_all);
  assert.equal(BigInt(v.sum_plaintext), total);
  assert.ok(hb(v.sum_of_all).length === 130);
  assert.ok(I.decodeCt(hb(v.sum_of_all))[1].subtract(I.mul(A, sk)).equals(I.mul(G, total)));
});

test('proofs: 0/1 proofs verify, ciphertexts recompute, perturbations fail', () => {
  const v = load('proofs.json');
  const drbg = new I.TestDrbg(v.seed);
  const sk = drbg.scalar();
  assert.equal(bh(I.encodeScalar(sk)), v.secret_key);
  const K = I.mul(G, sk);
  const Kenc = hb(v.public_key);
  assert.equal(enc(K), v.public_key);
  assert.equal(v.proof01[0].election, bh(drbg.bytes(32)), 'election is the next 32 bytes');
  for (const e of v.proof01) {
    const bind = { election: hb(e.election), alias: hb(e.alias), contest: e.contest, option: e.option };
    const ct = hb(e.ciphertext);
    assert.equal(bh(I.encodeCt(I.encrypt(K, e.m, I.decodeScalar(hb(e.r))))), e.ciphertext);
    const pr = hb(e.proof);
    assert.equal(pr.length, 356);
    assert.equal(I.verify01(Kenc, bind, ct, pr), true, `0/1 proof m=${e.m}`);
    assert.equal(I.verify01(Kenc, { ...bind, option: bind.option + 1 }, ct, pr), false, 'other option');
    assert.equal(I.verify01(Kenc, { ...bind, alias: hb('00') }, ct, pr), false, 'other alias');
    assertPerturbedRejected(pr, (m) => I.verify01(Kenc, bind, ct, m), `0/1 proof m=${e.m}`);
  }
});

test('proofs: range proof verifies, perturbations fail', () => {
  const v = load('proofs.json');
  const e = v.range;
  const Kenc = hb(v.public_key);
  const sk = I.decodeScalar(hb(v.secret_key));
  const bind = { election: hb(e.election), alias: hb(e.alias), contest: e.contest };
  const cts = hb(e.ciphertexts);
  const pr = hb(e.proof);
  assert.equal(pr.length, I.rangeLen(e.min, e.max));
  assert.equal(I.verifyRange(Kenc, bind, cts, e.min, e.max, pr), true);
  // the sum decrypts to the stated value
  let A = O;
  let B = O;
  for (let i = 0; i < cts.length / 130; i++) {
    const [a, b] = I.decodeCt(cts.subarray(i * 130, (i + 1) * 130));
    A = A.add(a);
    B = B.add(b);
  }
  assert.equal(I.smallLog(B.subtract(I.mul(A, sk)), 10), e.sum);
  assert.equal(I.verifyRange(Kenc, bind, cts, e.min, e.max + 1, pr), false, 'other bounds');
  assert.equal(I.verifyRange(Kenc, { ...bind, contest: e.contest + 1 }, cts, e.min, e.max, pr), false);
  const swapped = I.concatBytes(cts.subarray(130, 260), cts.subarray(0, 130), cts.subarray(260));
  assert.equal(I.verifyRange(Kenc, bind, swapped, e.min, e.max, pr), false, 'ciphertext order is bound');
  assertPerturbedRejected(pr, (m) => I.verifyRange(Kenc, bind, cts, e.min, e.max, m), 'range proof');
});

test('proofs: Schnorr and Chaum-Pedersen verify, perturbations fail', () => {
  const v = load('proofs.json');
  const s = v.schnorr;
  const x = I.decodeScalar(hb(s.x));
  assert.equal(enc(I.mul(G, x)), s.X);
  const sp = hb(s.proof);
  assert.equal(I.verifySchnorr(hb(s.context), hb(s.label), hb(s.X), sp), true);
  assert.equal(I.verifySchnorr(hb(s.context), hb('6c6162656d'), hb(s.X), sp), false, 'other label');
  assertPerturbedRejected(sp, (m) => I.verifySchnorr(hb(s.context), hb(s.label), hb(s.X), m), 'schnorr');
  const d = v.dleq;
  assert.equal(d.tag, I.TAG.decrypt);
  assert.equal(d.P, s.X, 'the same secret x');
  assert.equal(enc(I.mul(I.decodePoint(hb(d.A)), x)), d.M, 'M = x·A');
  const args = [hb(d.context), hb(d.label), hb(d.P), hb(d.A), hb(d.M)];
  const dp = hb(d.proof);
  assert.equal(I.verifyDleq(d.tag, ...args, dp), true);
  assert.equal(I.verifyDleq(I.TAG.dleq, ...args, dp), false, 'the tag separates uses');
  assertPerturbedRejected(dp, (m) => I.verifyDleq(d.tag, ...args, m), 'dleq');
});

test('contest: the encoded contest verifies and decrypts to its selections', () => {
  const v = load('contest.json');
  const drbg = new I.TestDrbg(v.seed);
  const sk = drbg.scalar();
  assert.equal(bh(I.encodeScalar(sk)), v.secret_key);
  assert.equal(enc(I.mul(G, sk)), v.public_key);
  assert.equal(v.election, bh(drbg.bytes(32)));
  const spec = { index: v.contest, options: v.options, min: v.min, max: v.max };
  const e = hb(v.encoded);
  assert.equal(e.length, I.contestLen(v.options, v.min, v.max));
  const Kenc = hb(v.public_key);
  assert.equal(I.verifyContest(Kenc, hb(v.election), hb(v.alias), spec, e), true);
  const sel = hb(v.selections);
  for (let i = 0; i < v.options; i++) {
    const [a, b] = I.decodeCt(e.subarray(i * 130, (i + 1) * 130));
    assert.equal(I.smallLog(b.subtract(I.mul(a, sk)), 1), sel[i], `option ${i}`);
  }
  assert.equal(I.verifyContest(Kenc, hb(v.election), hb('00'), spec, e), false, 'other voter');
  assert.equal(I.verifyContest(Kenc, hb(v.election), hb(v.alias), { ...spec, index: spec.index + 1 }, e), false);
  assertPerturbedRejected(e, (m) => I.verifyContest(Kenc, hb(v.election), hb(v.alias), spec, m), 'contest');
});

test('dkg: public messages, signed shares, joint key, verification keys', () => {
  const v = load('dkg.json');
  const drbg = new I.TestDrbg(v.seed);
  assert.equal(v.context, bh(drbg.bytes(32)), 'context is the first 32 bytes');
  const ctx = hb(v.context);
  const pubs = v.public.map((h, i) => {
    const r = I.verifyPublic(ctx, v.n, v.k, i + 1, hb(h));
    assert.ok(r, `public message of trustee ${i + 1}`);
    // bound to its index: trustee i's message does not verify as j's
    assert.equal(I.verifyPublic(ctx, v.n, v.k, ((i + 1) % v.n) + 1, hb(h)), null);
    return r;
  });
  assertPerturbedRejected(hb(v.public[0]), (m) => I.verifyPublic(ctx, v.n, v.k, 1, m) !== null, 'public message');
  assert.equal(v.shares.length, v.n * (v.n - 1));
  for (const s of v.shares) {
    const sh = hb(s.encrypted);
    assert.equal(sh.length, 177);
    assert.ok(I.shareSigOk(ctx, v.n, v.k, s.from, s.to, pubs[s.from - 1].V, sh), `share ${s.from}->${s.to} signed`);
    assert.equal(I.shareSigOk(ctx, v.n, v.k, s.from, s.to === 1 ? 2 : 1, pubs[s.from - 1].V, sh), false, 'bound to j');
    I.decodePoint(sh.subarray(0, 65)); // E is a valid point
  }
  const K = pubs.reduce((acc, t) => acc.add(t.C[0]), O);
  assert.equal(enc(K), v.joint_key);
  for (const t of v.trustees) {
    const j = BigInt(t.index);
    let P = O;
    for (const q of pubs) {
      let pw = 1n;
      for (const C of q.C) {
        P = P.add(I.mul(C, pw));
        pw = (pw * j) % n;
      }
    }
    assert.equal(enc(P), t.verification_key, `P_${t.index}`);
  }
  // P_j interpolate to K at 0 (the joint secret's public side)
  const idx = [1, 2];
  const Ps = v.trustees.map((t) => I.decodePoint(hb(t.verification_key)));
  assert.ok(Ps[0].multiply(I.lagrange(idx, 1)).add(Ps[1].multiply(I.lagrange(idx, 2))).equals(K));
});

test('dkg: decryption shares verify and combine to m·G', () => {
  const v = load('dkg.json');
  const el = hb(v.election);
  const ct = hb(v.ciphertext);
  const [alpha, beta] = I.decodeCt(ct);
  const M = {};
  for (const t of v.trustees) {
    const ds = hb(t.decryption_share);
    assert.equal(ds.length, 227);
    const Menc = ds.subarray(0, 65);
    const ok = (proof) =>
      I.verifyDleq(I.TAG.decrypt, el, I.u32(t.index), hb(t.verification_key), ct.subarray(0, 65), Menc, proof);
    assert.equal(ok(ds.subarray(65)), true, `decryption share of ${t.index}`);
    assertPerturbedRejected(ds.subarray(65), ok, `decryption share ${t.index}`);
    M[t.index] = I.decodePoint(Menc);
  }
  const want = I.mul(G, BigInt(v.plaintext));
  // the vector's combination (1 and 3), and every other pair
  for (const idx of [[1, 3], [1, 2], [2, 3], [1, 2, 3]]) {
    let S = O;
    for (const j of idx) S = S.add(M[j].multiply(I.lagrange(idx, j)));
    const m = beta.subtract(S);
    assert.ok(m.equals(want), `combination from ${idx}`);
    if (idx.join() === '1,3') assert.equal(enc(m), v.combined_mG);
  }
  // one share alone is not enough (k = 2)
  assert.equal(beta.subtract(M[1].multiply(I.lagrange([1], 1))).equals(want), false);
  assert.ok(!alpha.is0());
});

test('the seed of every file is the documented one', () => {
  for (const f of ['group', 'hash', 'elgamal', 'proofs', 'contest', 'dkg']) {
    const v = load(`${f}.json`);
    assert.equal(v.seed, KAT, f);
    assert.equal(v.seed, 'ippyo/kat/v1');
  }
});
