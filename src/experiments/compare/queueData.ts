/** The fingerprint of the data a run would train on (what `bamsprod train --data-dir` loads). */
import { fingerprintData, loadFashionMnist, type DataFingerprint } from "../../data/index.js";

const cache = new Map<string, DataFingerprint>();

/** Loads the data once per directory (undefined: the default, as train chooses it) and fingerprints it. */
export function fingerprintOf(dataDir: string | undefined): DataFingerprint {
  const key = dataDir ?? "";
  let fingerprint = cache.get(key);
  if (fingerprint === undefined) {
    const { train, test } = loadFashionMnist({ dataDir });
    fingerprint = fingerprintData({ train, test });
    cache.set(key, fingerprint);
  }
  return fingerprint;
}
