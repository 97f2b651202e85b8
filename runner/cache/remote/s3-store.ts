// The ObjectStore on the S3 API (@aws-sdk/client-s3): AWS S3, or MinIO, Ceph RGW, R2 … at a custom endpoint.
// Credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY (/ AWS_SESSION_TOKEN) from the environment handed in,
// else the SDK's standard chain (profiles, SSO, instance roles). Region: AWS_REGION / AWS_DEFAULT_REGION, else the
// SDK's chain, else us-east-1 at a custom endpoint (which most such servers ignore).
// At a custom endpoint: path-style URLs (http://host/bucket/key), and checksums only where the API requires them
// (the SDK sends CRC32 trailers by default since 3.729, which some servers refuse); the cache's own sha256s in
// the manifest are what a pull checks anyway.
// The SDK is imported on first use, so runs without a remote never load it.
import type { Readable } from 'node:stream';
import type { S3Client } from '@aws-sdk/client-s3';
import { RemoteError, type ObjectStore } from './object-store.ts';
import type { Endpoint, S3Location } from './s3-url.ts';

export interface S3StoreOptions {
  location: S3Location;
  endpoint?: Endpoint;
  env: Readonly<Record<string, string | undefined>>;
}

export async function openS3Store(options: S3StoreOptions): Promise<ObjectStore> {
  const { location, endpoint, env } = options;
  // The SDK warns on stderr, once per process, that its 2027 releases need Node 22: news for tfpipe's maintainers,
  // not for a run's user (shown with --debug, as other libraries' console messages are). Read by the SDK itself.
  if (!env.TFPIPE_DEBUG) process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const sdk = await import('@aws-sdk/client-s3');
  const region = env.AWS_REGION || env.AWS_DEFAULT_REGION || (endpoint ? 'us-east-1' : undefined);
  const credentials =
    env.AWS_ACCESS_KEY_ID && env.AWS_SECRET_ACCESS_KEY
      ? {
          accessKeyId: env.AWS_ACCESS_KEY_ID,
          secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
          ...(env.AWS_SESSION_TOKEN ? { sessionToken: env.AWS_SESSION_TOKEN } : {}),
        }
      : undefined;
  const client: S3Client = new sdk.S3Client({
    ...(region ? { region } : {}),
    ...(credentials ? { credentials } : {}),
    ...(endpoint
      ? {
          endpoint: endpoint.url,
          forcePathStyle: true,
          requestChecksumCalculation: 'WHEN_REQUIRED',
          responseChecksumValidation: 'WHEN_REQUIRED',
        }
      : {}),
  });
  const { bucket, prefix } = location;
  const url = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
  const keyOf = (key: string) => (prefix ? `${prefix}/${key}` : key);
  const fail = (what: string, key: string, error: unknown): RemoteError => {
    const e = error as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    const detail = [e.name && e.name !== 'Error' ? e.name : '', status ? `HTTP ${status}` : '', e.message ?? '']
      .filter(Boolean)
      .join(', ');
    return new RemoteError(
      `${url}: could not ${what} ${key} (${detail}${endpoint ? `; endpoint ${endpoint.url}` : ''})`,
    );
  };
  const isMissing = (error: unknown) => {
    const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
    return e.name === 'NoSuchKey' || e.name === 'NotFound' || e.$metadata?.httpStatusCode === 404;
  };

  return {
    url,
    async exists(key, signal) {
      try {
        await client.send(new sdk.HeadObjectCommand({ Bucket: bucket, Key: keyOf(key) }), { abortSignal: signal });
        return true;
      } catch (error) {
        if (isMissing(error)) return false;
        throw fail('look up', key, error);
      }
    },
    async get(key, signal) {
      try {
        const got = await client.send(new sdk.GetObjectCommand({ Bucket: bucket, Key: keyOf(key) }), {
          abortSignal: signal,
        });
        return got.Body as AsyncIterable<Uint8Array> | undefined;
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw fail('download', key, error);
      }
    },
    async put(key, body: Readable | Uint8Array, size, signal) {
      try {
        await client.send(
          new sdk.PutObjectCommand({ Bucket: bucket, Key: keyOf(key), Body: body, ContentLength: size }),
          { abortSignal: signal },
        );
      } catch (error) {
        throw fail('upload', key, error);
      }
    },
  };
}
