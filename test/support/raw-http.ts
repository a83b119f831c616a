import { connect } from 'node:net';

/**
 * A JSON body with a leading BOM and an invalid byte, and its text as `Response.text()` decodes
 * it (BOM dropped, the byte replaced by U+FFFD): whichever way HAL reads a body, it must read this.
 */
export const AWKWARD_BODY = Buffer.concat([
  Buffer.from([0xef, 0xbb, 0xbf]),
  Buffer.from('{"name":"h\u00e9llo '),
  Buffer.from([0xff]),
  Buffer.from('"}'),
]);
export const AWKWARD_BODY_TEXT = '{"name":"h\u00e9llo \ufffd"}';

/**
 * Sends a request as raw bytes on a new connection: `head` (ending in an empty line; ask for
 * `Connection: close`) and `body` in one write, or with `pieces` the body after the head in two
 * writes 50 ms apart. Resolves with the whole answer, status line, headers and body, once the
 * server closes the connection.
 */
export function rawRequest(
  port: number,
  head: string,
  body: Buffer,
  { pieces = false } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    let answer = '';
    socket.on('data', (chunk) => {
      answer += chunk.toString('utf8');
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
    socket.on('connect', async () => {
      if (!pieces) return socket.write(Buffer.concat([Buffer.from(head), body]));
      socket.write(head);
      for (const piece of [body.subarray(0, 5), body.subarray(5)]) {
        await new Promise((r) => setTimeout(r, 50));
        socket.write(piece);
      }
    });
  });
}

/** The body of a raw HTTP/1.1 answer (after its empty line). */
export const answerBody = (answer: string) => answer.slice(answer.indexOf('\r\n\r\n') + 4);
