// Talking to a Hugging Face Hub endpoint the way huggingface_hub does:
//   URL      {endpoint}/{repo_id}/resolve/{revision}/{filename}
//   HEAD     follows only relative redirects (a renamed repo: /gpt2/… → /openai-community/gpt2/…) and stops at
//            an absolute one (an LFS file → its CDN URL), whose own headers carry the metadata:
//            X-Repo-Commit (the commit the revision is at), X-Linked-Etag or ETag (the blob name), X-Linked-Size
//            or Content-Length; the CDN URL becomes the download URL.
//   GET      follows every redirect (relative and absolute Location).
// HF_TOKEN is sent as `Authorization: Bearer …`, and dropped when a redirect leaves the endpoint's origin (the
// CDN must not see it). `Accept-Encoding: identity` keeps sizes and byte ranges meaningful.
import { HubError } from './errors.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** The public Hub; the only place its address appears. Overridden by HF_ENDPOINT (a mirror, a test server). */
export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

const MAX_REDIRECTS = 10;
const USER_AGENT = 'tfpipe/0.1 (hub-resolve; node)';

export interface HubClient {
  endpoint: string;
  token?: string;
  signal?: AbortSignal;
}

export function hubClient(env: Env, signal?: AbortSignal): HubClient {
  const endpoint = (env.HF_ENDPOINT || DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
  const token = env.HF_TOKEN || env.HUGGING_FACE_HUB_TOKEN || undefined;
  return { endpoint, token, signal };
}

/** huggingface_hub's hf_hub_url: the revision is escaped whole (refs/pr/1 → refs%2Fpr%2F1). */
export function resolveUrl(endpoint: string, repoId: string, revision: string, filename: string): string {
  const file = filename.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${repoId}/resolve/${encodeURIComponent(revision)}/${file}`;
}

export type FileMetadata =
  /** downloadUrl: the absolute redirect target (an LFS file's CDN URL), else the resolve URL asked. */
  | { status: 'found'; commit: string; etag: string; size?: number; downloadUrl: string }
  /** HTTP 404; X-Error-Code says which: RepoNotFound, RevisionNotFound, EntryNotFound (commit then known). */
  | { status: 'missing'; errorCode?: string; commit?: string };

export async function fetchFileMetadata(client: HubClient, url: string): Promise<FileMetadata> {
  // Headers seen on earlier hops: a relative redirect to a file server may carry them while its target does not.
  const seen: Partial<Record<'commit' | 'linkedEtag' | 'linkedSize', string>> = {};
  let current = url;
  for (let hop = 0; ; hop++) {
    const response = await request(client, current, 'HEAD');
    seen.commit = commitHeader(response) ?? seen.commit;
    seen.linkedEtag = response.headers.get('x-linked-etag') ?? seen.linkedEtag;
    seen.linkedSize = response.headers.get('x-linked-size') ?? seen.linkedSize;
    const location = response.headers.get('location');
    if (isRedirect(response.status) && location && hop < MAX_REDIRECTS) {
      const next = new URL(location, current);
      if (isRelativeLocation(location)) {
        current = next.href;
        continue;
      }
      return readMetadata(response, seen, current, next.href);
    }
    if (response.status === 404) {
      return { status: 'missing', errorCode: response.headers.get('x-error-code') ?? undefined, commit: seen.commit };
    }
    failUnlessOk(response, current);
    return readMetadata(response, seen, current, url);
  }
}

function readMetadata(
  response: Response,
  seen: { commit?: string; linkedEtag?: string; linkedSize?: string },
  url: string,
  downloadUrl: string,
): FileMetadata {
  const commit = seen.commit;
  const etag = normalizeEtag(seen.linkedEtag ?? response.headers.get('etag'));
  if (!commit || !etag) {
    throw new HubError(
      'bad-response',
      `${url}: the server sent no ${commit ? 'ETag' : 'X-Repo-Commit'} header; is HF_ENDPOINT a Hugging Face Hub?`,
    );
  }
  // Both become file names in the cache: refuse anything that could step outside it.
  if (!/^[0-9a-f]{40}$/.test(commit) || !/^[\w-][\w.-]*$/.test(etag)) {
    throw new HubError('bad-response', `${url}: unusable X-Repo-Commit '${commit}' or ETag '${etag}'`);
  }
  const size = Number(seen.linkedSize ?? response.headers.get('content-length') ?? NaN);
  return { status: 'found', commit, etag, size: Number.isFinite(size) ? size : undefined, downloadUrl };
}

/** `W/"abc"` → `abc` (huggingface_hub's _normalize_etag). */
export function normalizeEtag(etag: string | null): string | undefined {
  if (!etag) return undefined;
  return etag.replace(/^W\//, '').replace(/^"|"$/g, '') || undefined;
}

function commitHeader(response: Response): string | undefined {
  return response.headers.get('x-repo-commit') ?? undefined;
}

/** GET following every redirect by hand, so the token can be dropped when the origin changes. */
export async function openDownload(client: HubClient, url: string, headers: Record<string, string>): Promise<Response> {
  let current = url;
  for (let hop = 0; ; hop++) {
    const response = await request(client, current, 'GET', headers);
    const location = response.headers.get('location');
    if (!isRedirect(response.status) || !location) return response;
    await response.body?.cancel();
    if (hop >= MAX_REDIRECTS) throw new HubError('bad-response', `${url}: more than ${MAX_REDIRECTS} redirects`);
    current = new URL(location, current).href;
  }
}

async function request(
  client: HubClient,
  url: string,
  method: 'HEAD' | 'GET',
  extra: Record<string, string> = {},
): Promise<Response> {
  const headers: Record<string, string> = { 'user-agent': USER_AGENT, 'accept-encoding': 'identity', ...extra };
  if (client.token && new URL(url).origin === new URL(client.endpoint).origin)
    headers.authorization = `Bearer ${client.token}`;
  try {
    return await fetch(url, { method, headers, redirect: 'manual', signal: client.signal });
  } catch (error) {
    if (client.signal?.aborted) throw client.signal.reason;
    throw new HubError(
      'network',
      `${method} ${url}: ${describeNetworkError(error)}. Check HF_ENDPOINT and the network, or set HF_HUB_OFFLINE=1 to use the cache only`,
    );
  }
}

/** Throws the user-facing error for a non-2xx answer (404 is handled by the callers, which know what was asked). */
export function failUnlessOk(response: Response, url: string): void {
  if (response.ok) return;
  const code = response.headers.get('x-error-code');
  const detail = `HTTP ${response.status}${code ? ` (${code})` : ''}`;
  if (code === 'RepoNotFound') {
    // The Hub answers 401 rather than 404 for a repo it will not show to this caller.
    throw new HubError(
      'not-found',
      `${url}: ${detail}: no such repo on ${new URL(url).origin}, or it is private (then set HF_TOKEN)`,
    );
  }
  if (response.status === 401 || response.status === 403) {
    throw new HubError(
      'auth',
      `${url}: ${detail}: the repo is private or gated, or HF_TOKEN is wrong; set HF_TOKEN to a token that can read it`,
    );
  }
  throw new HubError('bad-response', `${url}: ${detail}`);
}

const isRedirect = (status: number): boolean => status >= 300 && status < 400 && status !== 304;
const isRelativeLocation = (location: string): boolean =>
  !/^[a-z][a-z0-9+.-]*:\/\//i.test(location) && !location.startsWith('//');

export function describeNetworkError(error: unknown): string {
  const e = error as Error & { cause?: Error & { code?: string } };
  const cause = e.cause ? ` (${e.cause.code ?? e.cause.message})` : '';
  return `${e.message ?? String(error)}${cause}`;
}
