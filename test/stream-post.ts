import { request } from 'node:http';

export interface StreamedPost {
  /** The answer, however far the upload got; `sent` is how many body bytes were written by then. */
  answered: Promise<{ status: number; body: Record<string, unknown>; sent: number }>;
  /** Ends a held upload. */
  end(): void;
}

/**
 * POSTs a check-in body whose image is `bytes` of base64 in 64 KiB chunks, without a Content-Length (chunked),
 * so only the server's counting while it reads can stop it. `hold` keeps the upload open until `end()`.
 */
export function streamCheckinPost(
  url: string,
  headers: Record<string, string>,
  bytes: number,
  hold = false,
): StreamedPost {
  let sent = 0;
  const req = request(url, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' } });
  const answered = new Promise<{ status: number; body: Record<string, unknown>; sent: number }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (c) => {
        text += c;
      });
      res.on('end', () => {
        // Answered: a real client stops uploading and drops the connection rather than leave it half-sent.
        if (!req.writableEnded) req.destroy();
        resolve({ status: res.statusCode!, body: JSON.parse(text), sent });
      });
    });
    req.on('error', reject);
  });
  const chunk = Buffer.alloc(65_536, 'A');
  req.write('{"frames":[{"capturedAt":1700000000000,"image":"');
  let answeredYet = false;
  void answered.finally(() => {
    answeredYet = true;
  });
  const pump = () => {
    while (sent < bytes && !req.destroyed && !answeredYet) {
      sent += chunk.length;
      if (!req.write(chunk)) return void req.once('drain', pump);
    }
    if (!hold && !req.destroyed && !answeredYet) req.end('"}]}');
  };
  pump();
  return { answered, end: () => req.end('"}]}') };
}
