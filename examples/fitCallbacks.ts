import {
  BatchNorm,
  EarlyStopping,
  Flatten,
  ModelCheckpoint,
  QuantDense,
  ReduceLROnPlateau,
  Rescale,
  Sequential,
  describeData,
  fit,
  loadData,
  subsample,
  type Callback,
} from "../src/index.js";

// Any dataset bamsprod recognizes: "default" (Fashion-MNIST), "my-images" (DIR/train/<class>/*.png), "train.csv,test.csv", ...
const data = loadData("default");
console.log(describeData(data));
const train = subsample(data.train!, 2000, 1); // a quick demo: 2000 training images
const model = new Sequential(
  [
    new Rescale(),
    new Flatten(),
    new QuantDense({ units: 256, kernelQuantizer: "ste_sign", useBias: false }),
    new BatchNorm(),
    new QuantDense({
      units: train.classes,
      inputQuantizer: "ste_sign",
      kernelQuantizer: "ste_sign",
      useBias: false,
    }),
    new BatchNorm(),
  ],
  { inputShape: train.shape, classes: train.classes, seed: 1 },
);
const printer: Callback = {
  onEpochEnd: (m) =>
    console.log(
      `epoch ${m.epoch}: train ${m.train_accuracy.toFixed(3)}, validation ${m.val_accuracy?.toFixed(3)}`,
    ),
};
const result = await fit(
  model,
  { train, test: data.test },
  {
    optimizer: "bamsprod",
    optimizerOptions: { lr: 1e-3 },
    epochs: 3,
    batchSize: 64,
    validationSplit: 400,
    callbacks: [
      new EarlyStopping({ monitor: "val_accuracy", patience: 1 }),
      new ModelCheckpoint({ path: "runs/example/best.json", monitor: "val_accuracy", restoreBest: true }),
      new ReduceLROnPlateau({ monitor: "val_loss", factor: 0.5, patience: 1 }),
      printer,
    ],
  },
);
console.log(`test accuracy ${result.test?.accuracy.toFixed(4)} after ${result.history.length} epochs`);
