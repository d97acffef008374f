/**
 * Checkpoints in Redis, so a job taken over by another worker resumes where the last one
 * stopped. A thin adapter: it stores the checkpoint file's text as it is (gzip would save a
 * quarter and cost seconds of the worker's time) with the training
 * step it reached, and never lets an older checkpoint replace a newer one (a worker that lost
 * its job may still be finishing an epoch).
 */
import type { Redis as RedisClient } from "ioredis";
import { QUEUE_PREFIX } from "./queueClient.js";

/** Sets the checkpoint only if its step is past the stored one; returns 1 if it was stored. */
const PUT_IF_NEWER = `
local current = tonumber(redis.call('HGET', KEYS[1], 'step') or '-1')
if tonumber(ARGV[1]) > current then
  redis.call('HSET', KEYS[1], 'step', ARGV[1], 'data', ARGV[2])
  return 1
end
return 0`;

export class CheckpointStore {
  constructor(private readonly redis: RedisClient) {}

  private key(jobId: string): string {
    return `${QUEUE_PREFIX}:checkpoint:${jobId}`;
  }

  /** Stores a checkpoint file's text reached at `step`; false when a later one is already stored. */
  async put(jobId: string, step: number, text: string): Promise<boolean> {
    const stored = await this.redis.eval(PUT_IF_NEWER, 1, this.key(jobId), step, text);
    return stored === 1;
  }

  /** The stored checkpoint file's text, or null. */
  async get(jobId: string): Promise<string | null> {
    return this.redis.hget(this.key(jobId), "data");
  }

  async remove(jobId: string): Promise<void> {
    await this.redis.del(this.key(jobId));
  }
}
