import assert from "node:assert/strict";
import { test } from "node:test";
import { parseGridSpecs, trainFlags } from "../../src/experiments/compare/grid.js";
import { OPTION_TABLES } from "../../src/optim/defaults.js";
import { OPTIMIZER_FLAGS, optionFlag } from "../../src/optim/flags.js";
import { fraction } from "../../src/optim/options.js";

const everyOption = [...new Set(Object.values(OPTION_TABLES).flatMap((t) => Object.keys(t)))];

test("every option of every optimizer has one train flag, named after it, and a grid spelling", () => {
  assert.deepEqual(OPTIMIZER_FLAGS.map((f) => f.option).sort(), [...everyOption].sort());
  assert.equal(optionFlag("weightDecay"), "--weight-decay");
  assert.equal(optionFlag("lr"), "--lr");
  for (const { option, flag } of OPTIMIZER_FLAGS) {
    assert.equal(trainFlags[option], flag);
    const kebab = flag.slice(2);
    assert.deepEqual(parseGridSpecs([`adam:${kebab}=1,2`]), { adam: { [option]: [1, 2] } });
  }
});

test("a flag's help gives each optimizer's meaning and default; its range is checked when all agree", () => {
  const flag = (name: string) => OPTIMIZER_FLAGS.find((f) => f.option === name)!;
  assert.equal(flag("lr").help, "learning rate (alpha) (default 0.001; sgd 0.01)");
  assert.match(
    flag("gamma").help,
    /^bamsprod: .*\(default 0\.001\); adabound, amsbound: .*; bop: .*\(default 0\.0001\)$/,
  );
  assert.match(flag("threshold").help, /^bop: /);
  assert.equal(flag("beta1").rule, fraction);
  assert.equal(flag("gamma").rule, null, "positive for bamsprod and adabound, (0, 1] for bop");
  assert.ok(flag("clip").nullable);
  assert.ok(!flag("lr").nullable);
});
