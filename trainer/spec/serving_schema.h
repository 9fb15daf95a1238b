#pragma once

// The schema of the job spec's `serving` section (serving_spec.h) and the rules between its
// keys. spec_parser.cc puts the section into the job spec's schema and runs check_serving once
// every key has read cleanly, so a serving error names file:line and the key path like any
// other spec error.

#include <string>

#include "common/status.h"
#include "spec/job_spec.h"
#include "spec/spec_reader.h"

namespace slipway {

// String rules the job spec's parser owns, lent to this section so that a PVC or Secret name
// is checked by the same code everywhere.
struct ServingRules {
    schema::StringRule dns_label;      // model names
    schema::StringRule dns_subdomain;  // PVC, Secret, IngressClass names, hosts ("" passes)
    schema::StringRule quantity;       // cpu, memory, sizes
};

schema::Field serving_schema(ServingSpec& serving, const ServingRules& rules);

// Constraints between serving keys (and with the rest of the spec).
Status check_serving(const JobSpec& spec, const schema::Reader& reader,
                     const std::string& source_name);

}  // namespace slipway
