// The few object-store operations a remote cache needs, so push and pull do not depend on one SDK:
//   exists('<fp>/manifest.json')  → true | false
//   get(key)                      → the object's bytes as a stream, or undefined when there is no such object
//   put(key, body, size)          → one whole object (a reader sees the old state or all of it, never a prefix)
// Keys are relative to the remote's prefix. S3 (s3-store.ts) is the one implementation.
import type { Readable } from 'node:stream';

export interface ObjectStore {
  /** Where the objects live, for messages: s3://bucket/prefix. */
  readonly url: string;
  exists(key: string, signal?: AbortSignal): Promise<boolean>;
  get(key: string, signal?: AbortSignal): Promise<AsyncIterable<Uint8Array> | undefined>;
  put(key: string, body: Readable | Uint8Array, size: number, signal?: AbortSignal): Promise<void>;
}

/** The remote could not be reached or refused a request (credentials, bucket, network): a message naming it. */
export class RemoteError extends Error {
  override name = 'RemoteError';
}
