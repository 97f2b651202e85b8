// Why a Hub model could not be resolved, as data: callers (the model stage, the CLI) may switch on `reason`,
// and the message is written for the user (it names the repo, the revision and the folder or URL involved).
export type HubFailure =
  /** `ref` is neither a folder with config.json nor a valid Hub repo id. */
  | 'bad-ref'
  /** HF_HUB_OFFLINE is set and the cache lacks the files. */
  | 'offline-miss'
  /** The repo, revision or a required file does not exist (HTTP 404). */
  | 'not-found'
  /** The repo has weights only as pytorch_model.bin: tfpipe reads safetensors. */
  | 'no-safetensors'
  /** HTTP 401/403: private or gated repo, or a bad HF_TOKEN. */
  | 'auth'
  /** The downloaded bytes do not match the sha256 (or size) the Hub announced. */
  | 'checksum'
  /** The endpoint answered something a Hub would not (missing X-Repo-Commit, HTTP 5xx, ...). */
  | 'bad-response'
  /** The endpoint could not be reached, or the connection kept dropping. */
  | 'network';

export class HubError extends Error {
  override name = 'HubError';
  constructor(
    readonly reason: HubFailure,
    message: string,
  ) {
    super(message);
  }
}
