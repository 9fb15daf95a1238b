#pragma once

// The recipe of a job: the job spec's fields that decide what a run trains, given the data
// file. It is the spec's data, model and train sections without the operational settings
// (train.log_every, collective_timeout, rendezvous_timeout, threads_per_rank, job_token),
// written as canonical JSON (keys sorted, numbers in their shortest round-trip form, enums
// by their YAML names). Two jobs with the same recipe hash train the same model from the same
// file; resources, checkpointing and export settings do not enter it.

#include <nlohmann/json.hpp>
#include <string>

#include "spec/job_spec.h"

namespace slipway {

nlohmann::json recipe_json(const JobSpec& spec);

// "fnv1a64:" and 16 hex digits: FNV-1a (64-bit) of recipe_json(spec).dump(). A fingerprint
// to tell recipes apart, not a cryptographic digest.
std::string recipe_hash(const JobSpec& spec);

}  // namespace slipway
