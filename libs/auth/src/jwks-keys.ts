import { createPublicKey, KeyObject } from 'node:crypto';
import { JwksClient } from 'jwks-rsa';

export interface JwksKeysOptions {
  uri: string;
  /** Shortest time between two fetches (the start of one to the start of the next). */
  cooldownMs: number;
  /** Keys older than this are refetched before use, so a key removed from the JWKS stops working. */
  maxAgeMs?: number;
  timeoutMs?: number;
  /** Largest JWKS document read. */
  maxBytes?: number;
  onFetchError?: (err: Error) => void;
}

/** Refusal of a token's key (unknown kid, JWKS unreachable); the guard answers it with 401. */
export class SigningKeyError extends Error {}

const MAX_MISSES = 10_000;

/**
 * The public keys of a JWKS endpoint, by `kid`, for RS256 verification.
 *
 * Why not jwks-rsa's own cache and rate limit: its limiter counts every unknown `kid` against one budget
 * (10 fetches a minute) and refuses once it is spent, so a flood of tokens with made-up kids keeps the
 * budget empty and a key the identity provider has just rotated to is never fetched: every real token
 * is refused for as long as the flood lasts. Here, instead:
 * - the whole key set is cached; once older than `maxAgeMs` it is refetched behind the request that
 *   noticed (that request still uses the cached key), so a key removed from the JWKS stops working;
 * - a kid that is not cached waits for the next fetch, and fetches are coalesced and spaced by
 *   `cooldownMs`: a flood costs at most one fetch per cooldown, yet every request still gets a fetch
 *   that started after it arrived, so a newly published key is found within one cooldown and no valid
 *   token is refused meanwhile;
 * - a kid missing from a fetch is remembered as unknown for one cooldown (per-kid negative cache), so
 *   repeats of the same bogus kid are refused at once instead of queueing for the next fetch;
 * - a failed fetch keeps the previous keys (an identity provider outage does not log everybody out).
 * The endpoint is fetched without following redirects, with a timeout and a size cap.
 */
export class JwksKeys {
  private keys = new Map<string, KeyObject>();
  private lastFetchStartedAt = -Infinity;
  private lastSuccessAt = -Infinity;
  private inflight: Promise<void> | null = null;
  private lastFetchFailed = false;
  private readonly misses = new Map<string, number>();
  private readonly client: JwksClient;
  private readonly maxAgeMs: number;
  /** Fetches started so far (for tests and metrics). */
  fetches = 0;

  constructor(private readonly opts: JwksKeysOptions) {
    this.maxAgeMs = opts.maxAgeMs ?? 600_000;
    const timeoutMs = opts.timeoutMs ?? 5_000;
    const maxBytes = opts.maxBytes ?? 1_048_576;
    this.client = new JwksClient({
      jwksUri: opts.uri,
      cache: false,
      rateLimit: false,
      timeout: timeoutMs,
      fetcher: async (uri: string) => {
        const res = await fetch(uri, { redirect: 'error', signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'application/json' } });
        if (!res.ok) throw new Error(`the JWKS endpoint answered ${res.status}`);
        return JSON.parse(await readCapped(res, maxBytes));
      },
    });
  }

  /** The key a token's `kid` names (or the only key, for a token without kid), or a SigningKeyError. */
  async keyFor(kid: unknown): Promise<KeyObject> {
    if (kid !== undefined && (typeof kid !== 'string' || kid.length === 0 || kid.length > 256)) throw new SigningKeyError('token has a malformed kid');
    const name = kid ?? '';
    const arrivedAt = Date.now();
    const cached = this.lookup(kid);
    if (cached) {
      if (arrivedAt - this.lastSuccessAt >= this.maxAgeMs && !this.inflight && arrivedAt - this.lastFetchStartedAt >= this.opts.cooldownMs) {
        void this.fetchStartedAfter(arrivedAt); // stale: serve the cached key, refresh behind it
      }
      return cached;
    }
    const missedAt = this.misses.get(name);
    if (missedAt === undefined || arrivedAt - missedAt >= this.opts.cooldownMs) {
      await this.fetchStartedAfter(arrivedAt);
      const key = this.lookup(kid);
      if (key) return key;
      if (this.misses.size >= MAX_MISSES) this.misses.clear();
      this.misses.set(name, this.lastFetchStartedAt);
    }
    throw new SigningKeyError(
      this.lastFetchFailed ? 'the JWKS endpoint could not be read' : `no key ${kid === undefined ? 'without kid' : `with kid ${kid}`} in the JWKS`,
    );
  }

  /** The key of the current key set a token's `kid` names, without fetching (undefined when absent). */
  current(kid: unknown): KeyObject | undefined {
    return kid === undefined || typeof kid === 'string' ? this.lookup(kid) : undefined;
  }

  private lookup(kid: string | undefined): KeyObject | undefined {
    if (kid !== undefined) return this.keys.get(kid);
    return this.keys.size === 1 ? this.keys.values().next().value : undefined;
  }

  /** Resolves once a fetch that started at or after `time` has finished (successfully or not). */
  private async fetchStartedAfter(time: number): Promise<void> {
    while (this.lastFetchStartedAt < time) {
      if (!this.inflight) {
        const wait = this.lastFetchStartedAt + this.opts.cooldownMs - Date.now();
        this.inflight = (async () => {
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          await this.fetchNow();
        })().finally(() => {
          this.inflight = null;
        });
      }
      await this.inflight;
    }
  }

  private async fetchNow(): Promise<void> {
    const startedAt = Date.now();
    this.lastFetchStartedAt = startedAt;
    this.fetches++;
    try {
      const signingKeys = await this.client.getSigningKeys();
      const keys = new Map<string, KeyObject>();
      for (const k of signingKeys) {
        try {
          keys.set(k.kid ?? '', createPublicKey(k.getPublicKey()));
        } catch {
          /* a key this process cannot use is as good as absent */
        }
      }
      this.keys = keys;
      this.lastSuccessAt = startedAt;
      this.lastFetchFailed = false;
    } catch (err) {
      this.lastFetchFailed = true;
      this.opts.onFetchError?.(err as Error);
    }
    for (const [kid, at] of this.misses) if (startedAt - at >= this.opts.cooldownMs) this.misses.delete(kid);
  }
}

async function readCapped(res: Response, maxBytes: number): Promise<string> {
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`the JWKS document is larger than ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
