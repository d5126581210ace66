/** A refused video request: the message names the field or the reason; status is the HTTP answer. */
export class VideoError extends Error {
  constructor(
    message: string,
    readonly status = 400,
  ) {
    super(message);
  }
}
