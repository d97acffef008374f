/**
 * `compare --queue`: the same comparison as the local pool (runCompare), with every training run
 * a job on the queue. Re-running the command, or restarting it after a crash, reattaches to the
 * same jobs: their ids are derived from the runs' configurations and the data.
 */
import { runCompare, type CompareResults } from "./compare.js";
import type { CompareConfig } from "./config.js";
import { connectQueue } from "./queueClient.js";
import { fingerprintOf } from "./queueData.js";
import { queueRunner } from "./queueRunner.js";
import type { QueueUrl } from "./queueUrl.js";

export async function runQueued(
  config: CompareConfig,
  url: QueueUrl,
  command: string,
  log: (line: string) => void,
): Promise<{ results: CompareResults; files: string[] }> {
  const fingerprint = fingerprintOf(config.dataDir);
  const connection = await connectQueue(url, log);
  log(`queue: runs go to ${url.display}; train them with: bamsprod worker --queue ${url.display}`);
  const runner = queueRunner(connection, fingerprint, log);
  try {
    return await runCompare(config, runner.run, command, { log, parallel: Number.POSITIVE_INFINITY });
  } finally {
    await runner.close();
  }
}
