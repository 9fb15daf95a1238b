#pragma once

#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "spec/spec_parser.h"

namespace slipway::spec_test {

// Every key set to a value other than its default; line numbers matter to the tests.
inline const char* const kFullSpec = R"(name: mnist-mlp
image: ghcr.io/acme/slipway:1.2
data:
  path: data/fashion.h5
  standardize: true
model:
  hidden: [512, 128, 64]
  activation: gelu
  dropout: 0.25
  loss: cross_entropy
  init: xavier
train:
  epochs: 3
  global_batch: 512
  accumulate: 4
  seed: 18446744073709551615
  max_steps: 1000
  log_every: 10
  clip_grad_norm: 1.5
  collective_timeout: 60
  threads_per_rank: 2
  optimizer:
    name: adamw
    lr: 0.001
    momentum: 0.5
    nesterov: true
    weight_decay: 0.01
    beta1: 0.8
    beta2: 0.99
    eps: 1e-6
  schedule:
    name: step
    warmup_steps: 100
    step_size: 200
    gamma: 0.5
    min_lr: 1e-5
)";

// kFullSpec with its 1-based line `line` replaced by `text`.
inline std::string full_spec_with(int line, const std::string& text) {
    std::istringstream in(kFullSpec);
    std::string out, current;
    for (int number = 1; std::getline(in, current); ++number) {
        out += (number == line ? text : current) + "\n";
    }
    return out;
}

// The error of a spec that must fail; it must be a bad-spec error.
inline Error spec_failure(const std::string& yaml,
                          const std::vector<SpecOverride>& overrides = {}) {
    auto result = parse_job_spec(yaml, "job.yaml", overrides);
    EXPECT_FALSE(result.ok()) << "expected an error for:\n" << yaml;
    if (result.ok()) return Error{};
    EXPECT_EQ(result.error().code, ExitCode::kBadSpec);
    return result.error();
}

}  // namespace slipway::spec_test
