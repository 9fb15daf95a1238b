#pragma once

// Shared by the launcher tests: Value printing for gtest, YAML text -> Value with the types a
// YAML 1.1 reader (kubectl, yaml-cpp) would give each scalar, and spec fixtures.

#include <ostream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "render/yaml_value.h"
#include "spec/spec_parser.h"

namespace slipway::render {

// gtest prints a Value that differs as the YAML it renders to.
inline void PrintTo(const Value& value, std::ostream* os) { *os << "\n" << to_yaml(value); }

}  // namespace slipway::render

namespace slipway::launcher_test {

using render::Value;

// A yaml-cpp node as a Value. Quoted and block scalars (tag "!") are strings; plain scalars
// (tag "?") resolve the way a YAML 1.1 reader resolves them: null, int, bool (yes/no/on/off/
// y/n too), and a float is a failure, since the emitter never writes floats.
inline Value from_yaml(const YAML::Node& node) {
    switch (node.Type()) {
        case YAML::NodeType::Undefined:
        case YAML::NodeType::Null:
            return Value();
        case YAML::NodeType::Scalar: {
            const std::string& text = node.Scalar();
            if (node.Tag() != "?") return Value(text);
            int64_t i = 0;
            if (YAML::convert<int64_t>::decode(node, i)) return Value(i);
            bool b = false;
            if (YAML::convert<bool>::decode(node, b)) return Value(b);
            double d = 0;
            if (YAML::convert<double>::decode(node, d)) {
                ADD_FAILURE() << "plain scalar '" << text << "' reads back as a float";
            }
            return Value(text);
        }
        case YAML::NodeType::Sequence: {
            Value list = Value::list();
            for (const YAML::Node& item : node) list.push(from_yaml(item));
            return list;
        }
        case YAML::NodeType::Map: {
            // yaml-cpp keeps a map's document order; duplicate keys would show up here.
            Value::Map map;
            for (const auto& entry : node) {
                map.emplace_back(entry.first.Scalar(), from_yaml(entry.second));
            }
            return Value(std::move(map));
        }
    }
    return Value();
}

// Parses YAML text (one document) into a Value; a parse error is a test failure.
inline Value parse_yaml(const std::string& text) {
    try {
        return from_yaml(YAML::Load(text));
    } catch (const YAML::Exception& e) {
        ADD_FAILURE() << "yaml-cpp cannot read:\n" << text << "\nerror: " << e.what();
        return Value();
    }
}

// Every document of a multi-document stream.
inline std::vector<Value> parse_yaml_documents(const std::string& text) {
    std::vector<Value> out;
    try {
        for (const YAML::Node& node : YAML::LoadAll(text)) out.push_back(from_yaml(node));
    } catch (const YAML::Exception& e) {
        ADD_FAILURE() << "yaml-cpp cannot read:\n" << text << "\nerror: " << e.what();
    }
    return out;
}

// A spec that must parse; the test stops with the error otherwise.
inline JobSpec must_parse(const std::string& yaml,
                          const std::vector<SpecOverride>& overrides = {}) {
    auto spec = parse_job_spec(yaml, "job.yaml", overrides);
    if (!spec.ok()) {
        ADD_FAILURE() << "spec does not parse: " << spec.error().message() << "\n" << yaml;
        return JobSpec{};
    }
    return *spec;
}

// The smallest spec a cluster job takes: CPU ranks, Indexed Job, defaults everywhere else.
inline const char* const kCpuSpec = R"(name: mnist
image: registry.example.com/slipway-train:0.1.0
data:
  path: /data/fashion.h5
resources:
  nodes: 2
  processesPerNode: 2
  cpu: "8"
  memory: 16Gi
)";

// A GPU job with every infrastructure key the pod template reads.
inline const char* const kGpuSpec = R"(name: llm
image: registry.example.com/slipway-train:0.1.0
data:
  path: /data/train.h5
resources:
  nodes: 4
  gpusPerNode: 8
  cpu: "96"
  memory: 1000Gi
  shmSize: 64Gi
  nodeSelector:
    nvidia.com/gpu.product: NVIDIA-H100-80GB-HBM3
  tolerations:
    - key: dedicated
      operator: Equal
      value: training
      effect: NoSchedule
    - operator: Exists
      effect: NoExecute
      tolerationSeconds: 300
kubernetes:
  namespace: ml
  queue: team-a
  priorityClass: training-high
  serviceAccount: trainer
  port: 23456
  backoffLimit: 4
  terminationGracePeriodSeconds: 300
  network: rdma
  ncclIbHca: mlx5
  ncclSocketIfname: eth0
  imagePullSecrets: [registry-cred]
  jobTokenSecret: llm-token
  volumes:
    - name: data
      mountPath: /data
      pvc: datasets
      readOnly: true
    - name: ckpt
      mountPath: /ckpt
      pvc: checkpoints
    - name: extra
      mountPath: /etc/extra
      configMap: extra-config
    - name: creds
      mountPath: /etc/creds
      secret: s3-creds
      readOnly: true
  env:
    NCCL_DEBUG: INFO
  labels:
    team: a
  annotations:
    example.com/owner: ml-platform
)";

// `base` with a "kubernetes:" section line appended under the existing one (or a new one).
inline std::string with_kubernetes(const std::string& base, const std::string& lines) {
    const std::string marker = "\nkubernetes:\n";
    const size_t at = base.find(marker);
    if (at == std::string::npos) return base + "kubernetes:\n" + lines;
    std::string out = base;
    out.insert(at + marker.size(), lines);
    return out;
}

}  // namespace slipway::launcher_test
