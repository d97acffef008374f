/**
 * The `--queue` URL: redis://[[USER]:PASSWORD@]HOST[:PORT][/DB], or rediss:// for TLS.
 * Checked before anything connects, and shown only with its password hidden.
 */
import { BamsprodError, show } from "../../util/errors.js";

export interface QueueUrl {
  /** The URL as given (with its password): what the Redis client connects to. */
  href: string;
  /** The URL with the password replaced by "***": safe for logs, reports and error messages. */
  display: string;
  tls: boolean;
  host: string;
  port: number;
  db: number;
}

export function parseQueueUrl(text: string): QueueUrl {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new BamsprodError(`--queue ${show(redact(text))} is not a URL; give redis://HOST:PORT[/DB]`);
  }
  const display = redact(text);
  if (url.protocol !== "redis:" && url.protocol !== "rediss:") {
    throw new BamsprodError(
      `--queue ${show(display)}: the scheme must be redis:// or rediss:// (TLS), not ${show(url.protocol.replace(/:$/, ""))}`,
    );
  }
  if (url.hostname === "") throw new BamsprodError(`--queue ${show(display)} names no host`);
  const path = url.pathname.replace(/^\//, "");
  if (path !== "" && !/^\d+$/.test(path)) {
    throw new BamsprodError(`--queue ${show(display)}: the path must be a database number, e.g. /0`);
  }
  if (url.search !== "" || url.hash !== "") {
    throw new BamsprodError(`--queue ${show(display)}: query strings and fragments are not supported`);
  }
  return {
    href: text,
    display,
    tls: url.protocol === "rediss:",
    host: url.hostname,
    port: url.port === "" ? 6379 : Number(url.port),
    db: path === "" ? 0 : Number(path),
  };
}

/** The URL with any password replaced by "***" (also for text that does not parse). */
export function redact(text: string): string {
  return text.replace(/^([a-z]+:\/\/[^:@/]*:)[^@/]*@/i, "$1***@");
}
