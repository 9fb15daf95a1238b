#include "serve/metrics/serve_metrics.h"

namespace slipway::serve {
namespace {

const char* label_of(size_t index) {
    return index < ServeMetrics::kEndpoints ? endpoint_label(static_cast<Endpoint>(index))
                                            : "other";
}

void header(std::string& out, const char* name, const char* type, const char* help) {
    out += "# HELP ";
    out += name;
    out += ' ';
    out += help;
    out += "\n# TYPE ";
    out += name;
    out += ' ';
    out += type;
    out += '\n';
}

std::string escape_label(const std::string& value) {
    std::string out;
    for (char c : value) {
        if (c == '\\' || c == '"') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

ServeMetrics::ServeMetrics() : batch_rows_(make_batch_rows_histogram()) {
    latency_.reserve(kEndpoints + 1);
    for (size_t i = 0; i <= kEndpoints; ++i) latency_.push_back(make_latency_histogram());
}

void ServeMetrics::record_request(std::optional<Endpoint> endpoint, int status, double seconds) {
    const size_t index = endpoint ? static_cast<size_t>(*endpoint) : kEndpoints;
    const int clamped = status < kMinStatus || status > kMaxStatus ? 500 : status;
    requests_[index][clamped - kMinStatus].fetch_add(1, std::memory_order_relaxed);
    latency_[index].observe(seconds);
}

void ServeMetrics::record_batch(size_t rows) {
    rows_.fetch_add(rows, std::memory_order_relaxed);
    batch_rows_.observe(static_cast<double>(rows));
}

void ServeMetrics::set_model(const std::string& name, int64_t version) {
    std::lock_guard lock(model_mutex_);
    model_name_ = name;
    model_version_ = version;
}

void ServeMetrics::count_reload(bool success) {
    (success ? reloads_ok_ : reloads_failed_).fetch_add(1, std::memory_order_relaxed);
}

std::string ServeMetrics::render() const {
    std::string out;
    out.reserve(16384);
    header(out, "slipway_serve_requests_total", "counter",
           "HTTP requests answered, by endpoint and status code.");
    for (size_t e = 0; e <= kEndpoints; ++e) {
        for (int status = kMinStatus; status <= kMaxStatus; ++status) {
            const uint64_t count =
                requests_[e][status - kMinStatus].load(std::memory_order_relaxed);
            if (count == 0) continue;
            out += "slipway_serve_requests_total{endpoint=\"";
            out += label_of(e);
            out += "\",code=\"" + std::to_string(status) + "\"} " + std::to_string(count) + "\n";
        }
    }
    header(out, "slipway_serve_request_duration_seconds", "histogram",
           "Time from routing a request to its answer, by endpoint.");
    for (size_t e = 0; e <= kEndpoints; ++e) {
        if (latency_[e].count() == 0) continue;
        latency_[e].render(out, "slipway_serve_request_duration_seconds",
                           std::string("endpoint=\"") + label_of(e) + "\"");
    }
    header(out, "slipway_serve_rows_inferred_total", "counter",
           "Rows that went through a forward pass.");
    out += "slipway_serve_rows_inferred_total " +
           std::to_string(rows_.load(std::memory_order_relaxed)) + "\n";
    header(out, "slipway_serve_batch_rows", "histogram",
           "Rows per forward pass (dynamic batching merges concurrent requests).");
    batch_rows_.render(out, "slipway_serve_batch_rows", "");
    header(out, "slipway_serve_in_flight_requests", "gauge", "Requests being handled now.");
    out += "slipway_serve_in_flight_requests " +
           std::to_string(in_flight_.load(std::memory_order_relaxed)) + "\n";
    header(out, "slipway_serve_queue_depth", "gauge", "Requests waiting for a forward pass.");
    out += "slipway_serve_queue_depth " +
           std::to_string(queue_depth_.load(std::memory_order_relaxed)) + "\n";
    {
        std::lock_guard lock(model_mutex_);
        header(out, "slipway_serve_model_version", "gauge", "Version of the model being served.");
        if (!model_name_.empty()) {
            out += "slipway_serve_model_version{model=\"" + escape_label(model_name_) + "\"} " +
                   std::to_string(model_version_) + "\n";
        }
    }
    header(out, "slipway_serve_model_reloads_total", "counter",
           "New model versions loaded (success) or refused (failure) while serving.");
    out += "slipway_serve_model_reloads_total{result=\"success\"} " +
           std::to_string(reloads_ok_.load(std::memory_order_relaxed)) + "\n";
    out += "slipway_serve_model_reloads_total{result=\"failure\"} " +
           std::to_string(reloads_failed_.load(std::memory_order_relaxed)) + "\n";
    return out;
}

}  // namespace slipway::serve
