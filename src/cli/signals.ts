/** The signals that stop a long command cleanly (train, compare, worker), and their exit codes. */

/** Exit codes of a command stopped by a signal: 128 + the signal's number, as a shell reports it. */
export const stopSignals = { SIGINT: 130, SIGTERM: 143 } as const;
export type StopSignal = keyof typeof stopSignals;

/** What to press or send to quit at once after the first signal: "Ctrl-C" or the signal's name. */
export function againHint(signal: StopSignal): string {
  return signal === "SIGINT" ? "Ctrl-C" : signal;
}
