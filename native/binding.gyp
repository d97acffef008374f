{
  "targets": [
    {
      "target_name": "bamsprod_native",
      "sources": [
        "addon.cc",
        "avgpool.cc",
        "batchnorm.cc",
        "binary.cc",
        "binary_conv.cc",
        "channel.cc",
        "conv.cc",
        "elementwise.cc",
        "gemm.cc",
        "maxpool.cc",
        "optim.cc",
        "pool.cc",
        "scratch.cc",
        "threshold.cc",
        "vector_loops.cc",
        "winograd.cc"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions", "-ffp-contract=off", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "libraries": ["-lopenblas", "-pthread"]
    }
  ]
}
