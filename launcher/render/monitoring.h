#pragma once

#include <string>

#include "render/serving_layout.h"
#include "render/yaml_value.h"
#include "spec/job_spec.h"

namespace slipway::render {

// ServiceMonitor (monitoring.coreos.com/v1) scraping slipway-serve's /metrics through the
// serving Service. slipway-serve's own `endpoint` label (predict, v2_infer, ...) collides with
// the target label of the same name that prometheus-operator adds, so Prometheus renames it
// exported_endpoint; the metric relabelings put it back, so the alerts read `endpoint`.
Value service_monitor(const JobSpec& spec, const ServingLayout& layout);

// PrometheusRule (monitoring.coreos.com/v1): with runtime slipway, the serving alerts (error
// ratio, p99 latency, no ready replicas, model reload failures) on slipway_serve_* metrics and
// kube-state-metrics; with either runtime, the training job's alerts (failed, restarted) on
// kube-state-metrics job metrics. Every alert has severity, summary, description, runbook_url.
Value prometheus_rule(const JobSpec& spec, const ServingLayout& layout);

// The job_name regex of the spec's training Jobs in kube-state-metrics: the Job itself, a
// CronJob's Jobs, a JobSet's child Jobs or an MPIJob's launcher Job.
std::string training_job_name_regex(const JobSpec& spec);

// A Prometheus duration: "5m" when whole minutes, else "90s".
std::string prometheus_duration(int64_t seconds);

}  // namespace slipway::render
