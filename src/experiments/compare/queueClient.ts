/**
 * The connection to the queue. BullMQ and its Redis client (ioredis) are loaded only here, on
 * first use, so the core package and every other command never load them.
 */
import type { Redis as RedisClient, RedisOptions } from "ioredis";
import { BamsprodError, show } from "../../util/errors.js";
import type { QueueUrl } from "./queueUrl.js";

/** The BullMQ queue every sweep shares; job ids keep sweeps apart (and let them share runs). */
export const QUEUE_NAME = "runs";
/** Prefix of all BullMQ keys (bamsprod:runs:...). */
export const QUEUE_PREFIX = "bamsprod";

export type BullMQ = typeof import("bullmq");

export interface QueueConnection {
  bullmq: BullMQ;
  url: QueueUrl;
  /**
   * A new Redis connection that retries for ever (through Redis restarts); BullMQ needs one per
   * Queue/Worker. `commandTimeoutMs` bounds each command once sent (not for blocking ones).
   */
  open(commandTimeoutMs?: number): RedisClient;
}

/** Reconnect quickly after an outage: a restarted Redis is usually back within seconds. */
const retryDelay = (attempt: number): number => Math.min(200 * attempt, 2000);

/**
 * Loads BullMQ and ioredis and checks, once, that the server answers (a wrong host, port or
 * password is a one-line error here, not an endless retry later).
 */
export async function connectQueue(url: QueueUrl, log: (line: string) => void): Promise<QueueConnection> {
  const [bullmq, { Redis }] = await Promise.all([import("bullmq"), import("ioredis")]);
  const probe = new Redis(url.href, {
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    connectTimeout: 10_000,
    lazyConnect: true,
  });
  probe.on("error", () => {});
  try {
    await probe.connect();
    await probe.ping();
  } catch (err) {
    throw new BamsprodError(`cannot reach the queue at ${show(url.display)}: ${(err as Error).message}`);
  } finally {
    probe.disconnect();
  }
  let down = false;
  const options: RedisOptions = { maxRetriesPerRequest: null, retryStrategy: retryDelay };
  const open = (commandTimeoutMs?: number): RedisClient => {
    const client = new Redis(url.href, { ...options, commandTimeout: commandTimeoutMs });
    // One line per outage, from whichever connection notices first.
    client.on("error", (err: Error) => {
      if (!down) log(`queue: lost the connection to ${url.display} (${err.message}); reconnecting`);
      down = true;
    });
    client.on("ready", () => {
      if (down) log(`queue: reconnected to ${url.display}`);
      down = false;
    });
    return client;
  };
  return { bullmq, url, open };
}
