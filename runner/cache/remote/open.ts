// Which remote cache a command uses, if any: --remote, else the pipeline's `remote:` key; the S3 endpoint from
// AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL. Every error names where the bad value came from, in one line.
import { openS3Store } from './s3-store.ts';
import { endpointFromEnv, parseS3Url } from './s3-url.ts';
import type { ObjectStore } from './object-store.ts';

export interface RemoteSources {
  /** --remote URL. */
  flag?: string;
  /** The pipeline's `remote:` and the file it is in. */
  pipeline?: { url: string; file: string };
  env: Readonly<Record<string, string | undefined>>;
}

export type OpenedRemote = { ok: true; remote: ObjectStore | undefined } | { ok: false; error: string };

export async function openRemote(sources: RemoteSources): Promise<OpenedRemote> {
  const url = sources.flag ?? sources.pipeline?.url;
  if (url === undefined) return { ok: true, remote: undefined };
  const from = sources.flag !== undefined ? '--remote' : `remote: in ${sources.pipeline!.file}`;
  const location = parseS3Url(url);
  if (!location.ok) return { ok: false, error: `${from}: ${location.error}` };
  const endpoint = endpointFromEnv(sources.env);
  if (!endpoint.ok) return { ok: false, error: endpoint.error };
  return {
    ok: true,
    remote: await openS3Store({ location: location.value, endpoint: endpoint.value, env: sources.env }),
  };
}
