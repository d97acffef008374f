/**
 * The backends the kernel conformance suite runs against (a helper, not a test): the portable
 * backend, the native one when its addon loads, and the native one forced onto each other
 * code path its CPU supports (`NativeBackend.dispatch.paths`: a new dispatch family, e.g.
 * AVX2 kernels, adds its paths there and every conformance test runs on them). Each check is
 * written once, against `Backend`, and compared with naive references or with the portable
 * kernels.
 *
 * Paths chosen once per process from the environment (e.g. BAMSPROD_OPTIM_PATH=scalar for the
 * fused optimizer loops) are covered by rerunning a conformance file in a child process with
 * the variable set (optimizer.test.ts does). `BAMSPROD_CONFORMANCE=portable|native|all`
 * (default all) limits the subjects.
 */
import { after, before, describe } from "node:test";
import { portableBackend, type Backend } from "../../src/kernels/index.js";
import { loadAddon, type NativeAddon } from "../../src/kernels/native/addon.js";
import { createNativeBackend } from "../../src/kernels/native/backend.js";

export interface Subject {
  /** e.g. "portable", "native", "native, XNOR path generic". */
  readonly label: string;
  /** node:test's `skip`: false, or why this subject cannot run here. */
  readonly skip: string | false;
  /** The backend under test (only inside its tests: throws when skipped). */
  backend(): Backend;
  /** The native dispatch path the subject forces (see NativeDispatch), or null. */
  readonly path: string | null;
  /** The path actually in use (to check that forcing it worked). */
  currentPath(): string | null;
  /** The addon behind a native subject (thread control), or null. */
  readonly addon: NativeAddon | null;
  /** Thread counts to repeat thread-dependent checks with ([1] where threads do not apply). */
  readonly threads: readonly number[];
  /** Forces the subject's code path before its tests; restores the default after. */
  enter(): void;
  leave(): void;
}

/** The portable subject; other subjects override what differs. */
const portable: Subject = {
  label: "portable",
  skip: false,
  backend: () => portableBackend,
  path: null,
  currentPath: () => null,
  addon: null,
  threads: [1],
  enter: () => {},
  leave: () => {},
};

const unavailable = (label: string, reason: string): Subject => ({
  ...portable,
  label,
  skip: reason,
  backend: () => {
    throw new Error(`${label}: ${reason}`);
  },
});

function nativeSubjects(): Subject[] {
  const load = loadAddon();
  if (load.addon === null) return [unavailable("native", `native addon unavailable: ${load.reason}`)];
  const addon = load.addon;
  const backend = createNativeBackend(addon);
  const best = backend.dispatch.current();
  const threads = addon.info().threads;
  const subject = (path: string): Subject => ({
    ...portable,
    label: path === best ? "native" : `native, XNOR path ${path}`,
    backend: () => backend,
    path,
    currentPath: () => backend.dispatch.current(),
    addon,
    threads: [1, 2],
    enter: () => assertUsed(backend.dispatch.use(path), path),
    leave: () => {
      backend.dispatch.use(best);
      addon.setThreads(threads);
    },
  });
  return [best, ...backend.dispatch.paths.filter((p) => p !== best)].map(subject);
}

function assertUsed(ok: boolean, path: string): void {
  if (!ok) throw new Error(`dispatch path ${path} was listed but refused`);
}

/** Every subject of the suite, in order: portable, native, native on each other path. */
export const subjects: readonly Subject[] = (() => {
  const only = process.env.BAMSPROD_CONFORMANCE?.trim() || "all";
  return [...(only === "native" ? [] : [portable]), ...(only === "portable" ? [] : nativeSubjects())];
})();

/** Why the native subject cannot run (false when it can), for tests outside describeBackends. */
export const nativeSkip: string | false =
  subjects.find((s) => s.label === "native")?.skip ?? "native backend not under test";

/**
 * One `describe` per subject, titled `${title} [${label}]`, whose body defines the checks
 * against `subject.backend()` (call it inside tests). `where` picks subjects, e.g. those with
 * fused optimizer updates.
 */
export function describeBackends(
  title: string,
  body: (subject: Subject) => void,
  where: (subject: Subject) => boolean = () => true,
): void {
  for (const subject of subjects.filter(where)) {
    describe(`${title} [${subject.label}]`, { skip: subject.skip }, () => {
      before(() => subject.enter());
      after(() => subject.leave());
      body(subject);
    });
  }
}

/** Checks of the native glue alone (argument checks, threads): the native subject on its default path. */
export function describeNative(title: string, body: (subject: Subject) => void): void {
  describeBackends(title, body, (s) => s.label === "native");
}
