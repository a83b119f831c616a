import { createPrivateKey, sign as cryptoSign, type KeyObject, randomUUID } from 'node:crypto';
import { decryptSecret, encryptSecret } from '@hal/core';
import { detached, type SigningKey, type Stores } from '@hal/db';
import { exportJWK, generateKeyPair, importJWK, type JWK, type JWTPayload, jwtVerify } from 'jose';
import { cacheKeyer } from './cache-key';

// ES256: verification is several times faster than RS256 (BENCHMARKS.md).
const ALG = 'ES256';
const RELOAD_EVERY_MS = 60_000;
const AAD = 'signing-key';
const VERIFIED_CACHE_SIZE = 10_000;

type Key = Awaited<ReturnType<typeof importJWK>>;
type Loaded = { kid: string; signs: boolean; publicJwk: JWK; publicKey: Key; privateKey: KeyObject | null };

/**
 * Signing keys kept in the database so every server process signs and verifies with the same set.
 * The newest unretired key signs; retired keys stay published until the tokens they signed expire.
 * @see https://www.rfc-editor.org/rfc/rfc7517
 */
export class Keyring {
  #keys: Loaded[] = [];
  /** Payloads of verified JWTs, under a keyed hash of the token: the cache never holds a credential. */
  #verified = new Map<string, JWTPayload>();
  readonly #verifiedKey = cacheKeyer();
  /** Lookups of the verified-signature cache, for metrics. */
  readonly verifiedCache = { name: 'verified_jwts', hits: 0, misses: 0 };
  #loadedAt = 0;
  #unknownKidAt = 0;
  #loading: Promise<void> | undefined;

  constructor(
    private readonly store: Stores['keys'],
    private readonly secretKey: Uint8Array,
    /** Longest lifetime of anything signed: retired keys are published at least this long. */
    private readonly maxTokenLifetime: number,
  ) {}

  /** Loads the keys, creating the first one on a fresh database. */
  async init() {
    await this.reload();
    if (!this.#keys.some((k) => k.signs)) await this.rotate();
  }

  /** Creates a new signing key and retires the older ones (they stay in the JWKS until their tokens expire). */
  async rotate(): Promise<string> {
    const { publicKey, privateKey } = await generateKeyPair(ALG, { extractable: true });
    const kid = randomUUID();
    const publicJwk = { ...(await exportJWK(publicKey)), kid, alg: ALG, use: 'sig' };
    const privateJwk = JSON.stringify(await exportJWK(privateKey));
    await this.store.insert({
      kid,
      alg: ALG,
      publicJwk,
      privateJwkSealed: encryptSecret(privateJwk, this.secretKey, AAD),
    });
    await this.store.retireOlder(kid, new Date(Date.now() + (this.maxTokenLifetime + 300) * 1000));
    await this.reload();
    return kid;
  }

  jwks(): { keys: JWK[] } {
    return { keys: this.#keys.map((k) => k.publicJwk) };
  }

  async sign(payload: JWTPayload, typ: string, expiresIn: number): Promise<string> {
    this.#maybeRefresh();
    const key = this.#keys.find((k) => k.signs);
    if (!key?.privateKey) throw new Error('no active signing key');
    const now = Math.floor(Date.now() / 1000);
    // RFC 7515 §7.1 compact JWS, signed synchronously by node:crypto: about 3× the throughput of
    // jose's WebCrypto path on the token endpoint (measured: BENCHMARKS.md). Verification stays jose.
    const header = this.#header(key.kid, typ);
    const claims = Buffer.from(JSON.stringify({ ...payload, iat: now, exp: now + expiresIn })).toString(
      'base64url',
    );
    const input = `${header}.${claims}`;
    // RFC 7518 §3.4: ES256 signatures are R || S (IEEE P1363), not DER.
    // The signing input is base64url, ASCII: latin1 copies it without a UTF-8 pass.
    const signature = cryptoSign('sha256', Buffer.from(input, 'latin1'), {
      key: key.privateKey,
      dsaEncoding: 'ieee-p1363',
    });
    return `${input}.${signature.toString('base64url')}`;
  }

  // The encoded protected header depends only on the key and `typ`: encoded once per pair.
  #headers = new Map<string, string>();
  #header(kid: string, typ: string): string {
    const id = `${kid} ${typ}`;
    let header = this.#headers.get(id);
    if (header === undefined) {
      header = Buffer.from(JSON.stringify({ alg: ALG, typ, kid })).toString('base64url');
      this.#headers.set(id, header);
    }
    return header;
  }

  /**
   * Verifies signature, `typ`, `iss` and expiry; throws jose's errors otherwise. A token whose
   * signature was already verified is not verified again (ES256 verification costs more than the
   * database lookup that follows): only its expiry is re-checked. Revocation is never cached.
   */
  async verify(token: string, typ: string, issuer: string): Promise<{ payload: JWTPayload }> {
    const key = this.#verifiedKey(`${typ}\u0000${issuer}\u0000${token}`);
    const hit = this.#verified.get(key);
    if (hit) {
      this.verifiedCache.hits++;
      if ((hit.exp ?? 0) * 1000 > Date.now()) return { payload: hit };
      this.#verified.delete(key);
      throw new Error('token expired');
    }
    this.verifiedCache.misses++;
    const { payload } = await jwtVerify(token, async (header) => this.#publicKey(header.kid), {
      algorithms: [ALG],
      typ,
      issuer,
    });
    if (typeof payload.exp === 'number') {
      // Bounded: the oldest entry goes first (a Map keeps insertion order).
      if (this.#verified.size >= VERIFIED_CACHE_SIZE)
        this.#verified.delete(this.#verified.keys().next().value as string);
      this.#verified.set(key, payload);
    }
    return { payload };
  }

  async #publicKey(kid: string | undefined) {
    let key = this.#keys.find((k) => k.kid === kid);
    // A key rotated in by another process: reload, at most once a second for unknown key ids (so
    // made-up ones cost one small query a second), whenever the keys were last loaded: a periodic
    // reload just before a rotation must not hide the new key.
    if (!key && Date.now() - this.#unknownKidAt > 1_000) {
      this.#unknownKidAt = Date.now();
      await this.reload();
      key = this.#keys.find((k) => k.kid === kid);
    }
    if (!key) throw new Error('unknown key id');
    return key.publicKey;
  }

  #maybeRefresh() {
    if (Date.now() - this.#loadedAt > RELOAD_EVERY_MS) this.reload().catch(() => {});
  }

  reload(): Promise<void> {
    // Shared by every request that needs the keys: run outside the request that happens to start it,
    // so that its deadline or disconnect cancels none of the others' (@hal/db RequestScope).
    this.#loading ??= detached(() => this.#load()).finally(() => {
      this.#loading = undefined;
    });
    return this.#loading;
  }

  async #load() {
    const rows = await this.store.published();
    const signer = rows.find((r) => !r.retiredAt);
    this.#headers.clear();
    this.#keys = await Promise.all(rows.map((r) => this.#toLoaded(r, r === signer)));
    this.#loadedAt = Date.now();
  }

  #open(row: SigningKey): string {
    try {
      return decryptSecret(row.privateJwkSealed, this.secretKey, AAD);
    } catch {
      // AES-GCM refuses the wrong key: say which setting is wrong, not "unable to authenticate data".
      throw new Error(`cannot open signing key ${row.kid}: HAL_SECRET_KEY is not the key it was sealed with`);
    }
  }

  async #toLoaded(row: SigningKey, signs: boolean): Promise<Loaded> {
    const publicJwk = row.publicJwk as JWK;
    const privateKey = signs ? createPrivateKey({ key: JSON.parse(this.#open(row)), format: 'jwk' }) : null;
    return { kid: row.kid, signs, publicJwk, publicKey: await importJWK(publicJwk, ALG), privateKey };
  }
}
