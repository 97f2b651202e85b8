// `remote: s3://bucket/prefix` (pipeline key or --remote) and the endpoint of a non-AWS server, checked once so a
// typo is a one-line message naming where it came from rather than an SDK error mid-run.
//   parseS3Url('s3://ml-cache/team/tfpipe/') → {bucket: 'ml-cache', prefix: 'team/tfpipe'}
//   parseS3Url('s3://ml-cache')              → {bucket: 'ml-cache', prefix: ''}
// The endpoint comes from the AWS SDK's own variables, AWS_ENDPOINT_URL_S3 then AWS_ENDPOINT_URL (MinIO, Ceph RGW,
// R2, a test server); unset means AWS itself.

export interface S3Location {
  bucket: string;
  /** Without leading or trailing '/'; '' for the bucket's root. */
  prefix: string;
}

/** S3's bucket naming rules (3–63 of a-z 0-9 . -, starting and ending with a letter or digit). */
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: string };

export function parseS3Url(text: string): Parsed<S3Location> {
  const match = /^s3:\/\/([^/]*)(?:\/(.*))?$/.exec(text);
  if (!match) return { ok: false, error: `${JSON.stringify(text)} is not an s3://bucket/prefix URL` };
  const [, bucket, rest = ''] = match;
  if (!BUCKET.test(bucket))
    return { ok: false, error: `${JSON.stringify(bucket)} is not an S3 bucket name (3-63 of a-z, 0-9, '.', '-')` };
  const prefix = rest.replace(/^\/+|\/+$/g, '');
  if (prefix !== '' && prefix.split('/').some((part) => part === '' || part === '.' || part === '..'))
    return { ok: false, error: `the prefix ${JSON.stringify(rest)} has an empty, '.' or '..' part` };
  return { ok: true, value: { bucket, prefix } };
}

export interface Endpoint {
  url: string;
  /** The variable it was read from, for messages. */
  from: string;
}

/** AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL; an error names the variable. */
export function endpointFromEnv(env: Readonly<Record<string, string | undefined>>): Parsed<Endpoint | undefined> {
  for (const name of ['AWS_ENDPOINT_URL_S3', 'AWS_ENDPOINT_URL']) {
    const value = env[name];
    if (!value) continue;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      return { ok: false, error: `${name}=${value} is not a URL (e.g. http://127.0.0.1:9000)` };
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      return { ok: false, error: `${name}=${value} is not an http:// or https:// URL` };
    return { ok: true, value: { url: value, from: name } };
  }
  return { ok: true, value: undefined };
}
