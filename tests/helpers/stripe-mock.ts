import { createServer, request as httpRequest, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";

// A recording HTTP proxy in front of stripe-mock: the client under test talks to the proxy, which keeps each request
// as it went over the wire (method, path, headers, form body) and passes it on. stripe-mock validates the request
// against Stripe's OpenAPI spec and answers; the recording lets a test check the exact parameters and the
// Idempotency-Key header we sent.

export const STRIPE_MOCK_URL = process.env.STRIPE_MOCK_URL;
export const STRIPE_MOCK_SKIP_REASON =
  "STRIPE_MOCK_URL is not set: start stripe-mock (go install github.com/stripe/stripe-mock@v0.203.0; " +
  "stripe-mock -http-addr 127.0.0.1:12111) and export STRIPE_MOCK_URL=http://127.0.0.1:12111 (CI does both)";

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** The form body as Stripe encodes it: keys like "line_items[0][price_data][unit_amount]". */
  form: Record<string, string>;
  status?: number;
}

export interface RecordingProxy {
  url: string;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export async function startRecordingProxy(targetUrl: string): Promise<RecordingProxy> {
  const target = new URL(targetUrl);
  const requests: RecordedRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks);
      const record: RecordedRequest = {
        method: req.method ?? "",
        path: req.url ?? "",
        headers: req.headers,
        form: Object.fromEntries(new URLSearchParams(body.toString("utf8"))),
      };
      requests.push(record);
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers: { ...req.headers, host: target.host } },
        (answer) => {
          record.status = answer.statusCode;
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on("error", (error) => {
        res.writeHead(502, { "Content-Type": "application/json" });
        res.end(JSON.stringify({ error: { type: "api_error", message: `proxy: ${error.message}` } }));
      });
      upstream.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
