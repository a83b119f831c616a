import { connect, type Socket } from 'node:net';

/** One HTTP/1.1 response as read off the socket. */
export interface Answer {
  status: number;
  headers: Map<string, string>;
  body: Buffer;
}

/** What became of the bytes one lane sent. */
export interface Exchange {
  answers: Answer[];
  /** Set when the connection failed before every expected answer came. */
  failure?: 'reset' | 'closed' | 'timeout' | 'refused' | 'unparsable';
  /** The server announced `Connection: close` (on the last answer read). */
  closedByAnswer: boolean;
  /** On a failure, the start of what was read but not understood. */
  unread?: string;
  /** On a failure, the request sent before on the same connection (it may be the cause). */
  previous?: string;
}

/** The bytes of one or more pipelined requests, and the method of each (HEAD answers have no body). */
export interface Wire {
  /** Written in order; a pause of `gapMs` between parts (a slow client). */
  parts: Buffer[];
  gapMs?: number;
  methods: string[];
}

// Node closes keep-alive connections idle for 5 s; a lane idle longer starts a new one.
const IDLE_MS = 3_000;

/**
 * One client connection, reused while the server keeps it alive: a hand-written HTTP/1.1 client,
 * so that requests can break every framing rule an ordinary client library enforces.
 */
export class Lane {
  #socket: Socket | undefined;
  #lastUsed = 0;
  #previous: string | undefined;

  constructor(
    readonly port: number,
    readonly timeoutMs: number,
  ) {}

  close() {
    this.#socket?.destroy();
    this.#socket = undefined;
  }

  /**
   * Sends `wire` and reads its answers. `fresh` (broken framing, a body past the limit) opens a
   * connection for it alone: whatever the server makes of the rest stays off the next request.
   */
  async send(wire: Wire, fresh = false): Promise<Exchange> {
    if (fresh) this.close();
    if (!this.#socket || this.#socket.destroyed || Date.now() - this.#lastUsed > IDLE_MS) {
      this.close();
      try {
        this.#socket = await open(this.port);
      } catch {
        return { answers: [], failure: 'refused', closedByAnswer: false };
      }
    }
    const socket = this.#socket as Socket;
    const exchange = await talk(socket, wire, this.timeoutMs);
    this.#lastUsed = Date.now();
    if (exchange.failure && this.#previous) exchange.previous = this.#previous;
    this.#previous = Buffer.concat(wire.parts).subarray(0, 300).toString('latin1');
    // Start clean after anything unusual: a close announced, a failure, or bytes left unread.
    if (fresh || exchange.failure || exchange.closedByAnswer || socket.readableLength > 0) this.close();
    return exchange;
  }
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', noDelay: true });
    socket.once('connect', () => {
      socket.removeListener('error', reject);
      // Errors after this are read by each exchange; none may go unhandled between exchanges.
      socket.on('error', () => {});
      resolve(socket);
    });
    socket.once('error', reject);
  });
}

function talk(socket: Socket, wire: Wire, timeoutMs: number): Promise<Exchange> {
  // Every part is written before the exchange ends, even when the answer came first (a route
  // that does not read the body): the next request on the connection must follow the whole body.
  const written = (async () => {
    for (const [i, part] of wire.parts.entries()) {
      if (i > 0 && wire.gapMs) await new Promise((r) => setTimeout(r, wire.gapMs));
      if (socket.destroyed) return;
      await new Promise<void>((r) => socket.write(part, () => r()));
    }
  })();
  const read = new Promise<Exchange>((resolve) => {
    const answers: Answer[] = [];
    let buffer: Buffer = Buffer.alloc(0);
    let done = false;
    let closedByAnswer = false;
    let error: NodeJS.ErrnoException | undefined;

    const finish = (failure?: Exchange['failure']) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      socket.off('data', onData);
      socket.off('error', onError);
      socket.off('close', onClose);
      const unread = failure && buffer.length ? buffer.subarray(0, 300).toString('latin1') : undefined;
      resolve({ answers, closedByAnswer, ...(failure && { failure }), ...(unread && { unread }) });
    };
    const parse = (ended: boolean) => {
      while (answers.length < wire.methods.length) {
        let parsed: ReturnType<typeof parseAnswer>;
        try {
          parsed = parseAnswer(buffer, wire.methods[answers.length] as string, ended);
        } catch {
          return finish('unparsable');
        }
        if (!parsed) return;
        buffer = parsed.rest;
        if (parsed.answer.status < 200) continue; // 100 Continue and friends
        answers.push(parsed.answer);
        if (parsed.answer.headers.get('connection')?.toLowerCase() === 'close') {
          closedByAnswer = true;
          return finish(); // the server answers nothing more on this connection
        }
      }
      finish();
    };
    const onData = (chunk: Buffer) => {
      buffer = buffer.length ? Buffer.concat([buffer, chunk]) : chunk;
      parse(false);
    };
    const onError = (e: NodeJS.ErrnoException) => {
      error = e;
    };
    const onClose = () => {
      parse(true);
      if (!done) finish(error?.code === 'ECONNRESET' || error?.code === 'EPIPE' ? 'reset' : 'closed');
    };
    const timer = setTimeout(() => finish('timeout'), timeoutMs);
    socket.on('data', onData);
    socket.on('error', onError);
    socket.on('close', onClose);
  });
  return read.then(async (exchange) => {
    if (exchange.failure || exchange.closedByAnswer) return exchange;
    const stuck = await Promise.race([
      written.then(() => false),
      new Promise<boolean>((r) => setTimeout(() => r(true), timeoutMs).unref()),
    ]);
    return stuck ? { ...exchange, failure: 'timeout' as const } : exchange;
  });
}

const HEAD_END = Buffer.from('\r\n\r\n');
const CRLF = Buffer.from('\r\n');

/** Parses one response off the front of `buffer`; undefined while more bytes are needed. */
export function parseAnswer(
  buffer: Buffer,
  method: string,
  ended: boolean,
): { answer: Answer; rest: Buffer } | undefined {
  const end = buffer.indexOf(HEAD_END);
  if (end < 0) {
    if (ended && buffer.length) throw new Error('truncated head');
    return undefined;
  }
  const [statusLine = '', ...lines] = buffer.subarray(0, end).toString('latin1').split('\r\n');
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new Error(`not a status line: ${statusLine.slice(0, 80)}`);
  const status = Number(match[1]);
  const headers = new Map<string, string>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    headers.set(name, headers.has(name) ? `${headers.get(name)}, ${value}` : value);
  }
  const start = end + HEAD_END.length;
  if (status < 200 || method === 'HEAD' || status === 204 || status === 304) {
    return { answer: { status, headers, body: Buffer.alloc(0) }, rest: buffer.subarray(start) };
  }
  if (headers.get('transfer-encoding')?.toLowerCase().includes('chunked')) {
    const chunks: Buffer[] = [];
    let at = start;
    for (;;) {
      const lineEnd = buffer.indexOf(CRLF, at);
      if (lineEnd < 0) return undefined;
      const size = Number.parseInt(buffer.subarray(at, lineEnd).toString('latin1'), 16);
      if (Number.isNaN(size)) throw new Error('bad chunk size');
      if (size === 0) {
        const trailerEnd = buffer.indexOf(CRLF, lineEnd + 2);
        if (trailerEnd < 0) return undefined;
        return {
          answer: { status, headers, body: Buffer.concat(chunks) },
          rest: buffer.subarray(trailerEnd + 2),
        };
      }
      if (buffer.length < lineEnd + 2 + size + 2) return undefined;
      chunks.push(buffer.subarray(lineEnd + 2, lineEnd + 2 + size));
      at = lineEnd + 2 + size + 2;
    }
  }
  const length = headers.get('content-length');
  if (length !== undefined) {
    const n = Number(length);
    if (buffer.length < start + n) return undefined;
    return {
      answer: { status, headers, body: buffer.subarray(start, start + n) },
      rest: buffer.subarray(start + n),
    };
  }
  // No length: the body runs to the end of the connection.
  if (!ended) return undefined;
  return { answer: { status, headers, body: buffer.subarray(start) }, rest: Buffer.alloc(0) };
}
