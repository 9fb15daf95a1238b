#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace slipway {

// Kubernetes resource quantities ("500m", "4", "16Gi", "1.5G", "2e3"), as the API server
// parses them: a decimal number and one suffix, binary (Ki..Ei), decimal (n, u, m, k, M..E)
// or an exponent. Returns the value in base units (cores, bytes); nothing when malformed.
std::optional<double> parse_quantity(std::string_view text);

// How to fix a malformed quantity: "16Gb" -> "did you mean '16Gi' (GiB) or '16G' (GB)?".
std::string quantity_hint(std::string_view text);

// A byte count for people: "16 GiB", "512 MiB", "2.5 GB" is never produced: binary units.
std::string format_bytes(double bytes);

}  // namespace slipway
