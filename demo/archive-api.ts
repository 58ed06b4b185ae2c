// A fake archive API on 127.0.0.1, standing in for ftp-master's: the upload script asks it whether the archive already
// has the orig tarball, and tells it about a finished upload. Each endpoint answers from a script of status codes,
// so the demo can make it fail at exactly the step the story needs.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Endpoint = 'orig' | 'upload';

export interface ApiCall {
  endpoint: Endpoint;
  method: string;
  path: string;
  status: number;
}

export interface ArchiveApi {
  url: string;
  calls: ApiCall[];
  /** The status codes the next calls to `endpoint` get, in order; afterwards 200. */
  script(answers: Partial<Record<Endpoint, number[]>>): void;
  close(): Promise<void>;
}

const endpointOf = (method: string, path: string): Endpoint | null => {
  if (method === 'GET' && path.startsWith('/orig/')) return 'orig';
  if (method === 'POST' && path.startsWith('/uploads/')) return 'upload';
  return null;
};

export async function startArchiveApi(say: (line: string) => void): Promise<ArchiveApi> {
  const calls: ApiCall[] = [];
  let answers: Partial<Record<Endpoint, number[]>> = {};
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = req.url ?? '/';
    req.resume(); // the body (an upload's .changes) is not kept
    req.on('end', () => {
      const endpoint = endpointOf(method, path);
      const status = endpoint === null ? 404 : (answers[endpoint]?.shift() ?? 200);
      if (endpoint) calls.push({ endpoint, method, path, status });
      say(`archive API: ${method} ${path} → HTTP ${status}`);
      const body =
        status !== 200
          ? { error: status === 500 ? 'Internal Server Error' : 'Not Found' }
          : endpoint === 'orig'
            ? { present: false }
            : { accepted: true };
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body) + '\n');
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    script(next) {
      answers = { orig: [...(next.orig ?? [])], upload: [...(next.upload ?? [])] };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
