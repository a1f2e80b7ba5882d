// Owns reading request bodies: a size cap and JSON parsing, failing as the real server does (400).
import type { IncomingMessage } from 'node:http';
import { ReviewError } from './auth.js';

const MAX_BODY = 3 * 1024 * 1024;

/** The request body as JSON; a parse error is the real server's 400. */
export async function readJson(req: IncomingMessage): Promise<unknown> {
  const text = await readBody(req);
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ReviewError(400, 'BadRequest', `couldn't get version/kind; json parse error: ${(err as Error).message}`);
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) reject(new ReviewError(400, 'BadRequest', 'request body too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
