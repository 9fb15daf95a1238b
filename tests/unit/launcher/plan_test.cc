// render/plan: `slipway-launch plan`, the summary a person reads before applying.
#include "render/plan.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "launcher_test_util.h"

namespace slipway::render {
namespace {

using launcher_test::kCpuSpec;
using launcher_test::kGpuSpec;
using launcher_test::must_parse;
using launcher_test::with_kubernetes;
using ::testing::HasSubstr;
using ::testing::Not;

std::string plan_of(const std::string& yaml, const std::vector<SpecOverride>& overrides = {}) {
    auto plan = describe_plan(must_parse(yaml, overrides), overrides);
    if (!plan.ok()) {
        ADD_FAILURE() << plan.error().message();
        return "";
    }
    return *plan;
}

const char* const kExitCodes =
    "\nExit codes (podFailurePolicy of each pod):\n"
    "  2     FailJob  bad spec or flags: a retry would fail the same way\n"
    "  3     FailJob  bad or missing data: a retry would fail the same way\n"
    "  4     FailJob  bad checkpoint or model repository: needs a person: resuming would fail "
    "again\n"
    "  11    FailJob  out of memory (detected): the same batch needs the same memory: raise "
    "resources.memory\n"
    "  10    Ignore   lost a peer or a collective timed out: a symptom: the rank that caused it "
    "is counted; the pod is replaced and resumes\n"
    "  143   Ignore   stopped by SIGTERM after a checkpoint: preemption or eviction: resume, not "
    "a fault\n"
    "  other count    anything else (1 internal error, 137 SIGKILL or OOM kill): counted "
    "against backoffLimit; activeDeadlineSeconds bounds the whole job\n"
    "  pod disruptions (eviction, preemption, node drain): Ignore\n";

TEST(PlanTest, GpuIndexedJob) {
    EXPECT_EQ(plan_of(kGpuSpec),
              std::string("Job llm in namespace ml, target indexed-job\n"
                          "  ranks        4 pods x 8 GPU processes = 32 ranks; collectives: "
                          "NCCL\n"
                          "  per pod      cpu 96, memory 1000 GiB, /dev/shm 64 GiB, "
                          "nvidia.com/gpu 8 (requests = limits)\n"
                          "  in total     cpu 384, memory 3.9 TiB, GPUs 32\n"
                          "  image        registry.example.com/slipway-train:0.1.0 (pull "
                          "IfNotPresent)\n"
                          "  rendezvous   MASTER_ADDR=llm-0.llm MASTER_PORT=23456 (headless "
                          "Service llm)\n"
                          "  placement    one pod per node (pod anti-affinity); node "
                          "nvidia.com/gpu.product=NVIDIA-H100-80GB-HBM3; tolerates "
                          "nvidia.com/gpu:NoSchedule; tolerates dedicated=training:NoSchedule; "
                          "tolerates every taint:NoExecute\n"
                          "  volumes      spec: ConfigMap llm-spec at /etc/slipway; data: PVC "
                          "datasets at /data (read-only); ckpt: PVC checkpoints at /ckpt; "
                          "extra: ConfigMap extra-config at /etc/extra; creds: Secret s3-creds "
                          "at /etc/creds (read-only)\n"
                          "  network      RDMA (InfiniBand/RoCE): rdma/hca_shared_devices_a x1 "
                          "per pod, IPC_LOCK, NCCL_IB_DISABLE=0, NCCL_IB_HCA=mlx5, "
                          "NCCL_SOCKET_IFNAME=eth0\n"
                          "  data         /data/train.h5; checkpoints in checkpoints/llm (every "
                          "500 steps, keep 3)\n"
                          "  queue        Kueue LocalQueue team-a: created suspended, started "
                          "when Kueue admits it\n"
                          "  priority     PriorityClass training-high\n"
                          "  schedule     runs once\n"
                          "  limits       backoffLimit 4, activeDeadlineSeconds 604800s (7 d), "
                          "deleted 86400s (1 d) after finishing, SIGTERM grace 300s\n"
                          "  command      slipway-launch exec --nproc 8 --grace-period 290 -- "
                          "slipway-train /etc/slipway/job.yaml\n") +
                  kExitCodes +
                  "\nObjects: ConfigMap/llm-spec, NetworkPolicy/llm, Service/llm, Job/llm\n");
}

TEST(PlanTest, CpuIndexedJob) {
    EXPECT_EQ(plan_of(kCpuSpec),
              std::string("Job mnist in namespace default, target indexed-job\n"
                          "  ranks        2 pods x 2 processes = 4 ranks; collectives: gloo "
                          "over the TCP rendezvous\n"
                          "  per pod      cpu 8, memory 16 GiB, /dev/shm 2 GiB (requests = "
                          "limits)\n"
                          "  in total     cpu 16, memory 32 GiB, no GPUs\n"
                          "  image        registry.example.com/slipway-train:0.1.0 (pull "
                          "IfNotPresent)\n"
                          "  rendezvous   MASTER_ADDR=mnist-0.mnist MASTER_PORT=29500 "
                          "(headless Service mnist)\n"
                          "  placement    one pod per node (pod anti-affinity)\n"
                          "  volumes      spec: ConfigMap mnist-spec at /etc/slipway\n"
                          "  data         /data/fashion.h5; checkpoints in checkpoints/mnist "
                          "(every 500 steps, keep 3)\n"
                          "  queue        none: the scheduler places the pods at once\n"
                          "  priority     the cluster's default\n"
                          "  schedule     runs once\n"
                          "  limits       backoffLimit 3, activeDeadlineSeconds 604800s (7 d), "
                          "deleted 86400s (1 d) after finishing, SIGTERM grace 120s\n"
                          "  command      slipway-launch exec --nproc 2 --grace-period 110 -- "
                          "slipway-train /etc/slipway/job.yaml\n") +
                  kExitCodes +
                  "\nObjects: ConfigMap/mnist-spec, NetworkPolicy/mnist, Service/mnist, "
                  "Job/mnist\n");
}

TEST(PlanTest, NetworkLineOnlyWithRdma) {
    EXPECT_THAT(plan_of(kCpuSpec), Not(HasSubstr("  network ")));
    EXPECT_THAT(plan_of(with_kubernetes(kCpuSpec, "  network: rdma\n")),
                HasSubstr("\n  network      RDMA (InfiniBand/RoCE): rdma/hca_shared_devices_a x1 "
                          "per pod, IPC_LOCK, NCCL_IB_DISABLE=0\n"));
    EXPECT_THAT(plan_of(with_kubernetes(kGpuSpec, "  hostNetwork: true\n")),
                HasSubstr("NCCL_SOCKET_IFNAME=eth0, host network\n"));
}

TEST(PlanTest, OneRankPerPod) {
    const std::string yaml =
        "name: one\nimage: img:1\ndata:\n  path: /d.h5\nresources:\n  nodes: 2\n"
        "  gpusPerNode: 1\n";
    EXPECT_THAT(plan_of(yaml),
                HasSubstr("  ranks        2 pods x 1 GPU process = 2 ranks; collectives: NCCL\n"));
}

TEST(PlanTest, JobSet) {
    const std::string plan = plan_of(with_kubernetes(kGpuSpec, "  target: jobset\n"));
    EXPECT_THAT(plan, HasSubstr("Job llm in namespace ml, target jobset\n"));
    EXPECT_THAT(plan, HasSubstr("  rendezvous   MASTER_ADDR=llm-workers-0-0.llm "
                                "MASTER_PORT=23456 (headless Service llm, made by JobSet)\n"));
    EXPECT_THAT(plan, HasSubstr("  limits       maxRestarts 4, "));
    EXPECT_THAT(plan, HasSubstr(kExitCodes));
    EXPECT_THAT(plan, HasSubstr("\nObjects: ConfigMap/llm-spec, NetworkPolicy/llm, JobSet/llm\n"));
}

TEST(PlanTest, MpiJob) {
    const std::string plan = plan_of(with_kubernetes(kGpuSpec, "  target: mpijob\n"));
    EXPECT_THAT(plan, HasSubstr("  in total     cpu 384, memory 3.9 TiB, GPUs 32 (+ the MPIJob "
                                "launcher: cpu 1, memory 1 GiB)\n"));
    EXPECT_THAT(plan, HasSubstr("  rendezvous   mpirun in the launcher pod reaches the workers "
                                "over SSH (mpi-operator)\n"));
    EXPECT_THAT(plan, HasSubstr("  command      mpirun -np 32 --bind-to none --map-by slot "));
    EXPECT_THAT(plan, HasSubstr("\nExit codes: MPIJob has no podFailurePolicy; mpi-operator "
                                "retries the launcher up to backoffLimit times, whatever the "
                                "code.\n"));
    EXPECT_THAT(plan, Not(HasSubstr("podFailurePolicy of each pod")));
    EXPECT_THAT(plan, HasSubstr("\nObjects: ConfigMap/llm-spec, NetworkPolicy/llm, MPIJob/llm\n"));
    // CPU ranks under MPI collect over MPI.
    EXPECT_THAT(plan_of(with_kubernetes(kCpuSpec, "  target: mpijob\n")),
                HasSubstr("= 4 ranks; collectives: MPI\n"));
}

TEST(PlanTest, CronJob) {
    const std::string plan = plan_of(with_kubernetes(kCpuSpec, "  schedule: \"0 3 * * *\"\n"));
    EXPECT_THAT(plan, HasSubstr("  schedule     CronJob \"0 3 * * *\", concurrencyPolicy Forbid\n"));
    EXPECT_THAT(plan, HasSubstr("MASTER_ADDR=$(JOB_NAME)-0.mnist MASTER_PORT=29500"));
    EXPECT_THAT(plan, HasSubstr("Objects: ConfigMap/mnist-spec, NetworkPolicy/mnist, "
                                "Service/mnist, CronJob/mnist\n"));
}

TEST(PlanTest, PlacementAndLimitsFromTheSpec) {
    const std::string yaml =
        std::string(kCpuSpec) + "  exclusiveNodes: false\n" +
        "kubernetes:\n  activeDeadlineSeconds: 0\n  ttlSecondsAfterFinished: 7200\n"
        "  backoffLimit: 0\n";
    const std::string plan = plan_of(yaml);
    EXPECT_THAT(plan, HasSubstr("  placement    pods may share a node\n"));
    EXPECT_THAT(plan, HasSubstr("  limits       backoffLimit 0, activeDeadlineSeconds none, "
                                "deleted 7200s (2 h) after finishing, SIGTERM grace 120s\n"));
}

TEST(PlanTest, ExportAndOverridesShow) {
    const std::string yaml = std::string(kCpuSpec) + "export:\n  repository: /models\n";
    const std::string plan = plan_of(yaml, {{"train.epochs", "3"}});
    EXPECT_THAT(plan, HasSubstr("(every 500 steps, keep 3); exports to /models\n"));
    EXPECT_THAT(plan, HasSubstr("slipway-train /etc/slipway/job.yaml --set train.epochs=3\n"));
}

TEST(PlanTest, LayoutErrorsComeThrough) {
    JobSpec spec = must_parse(kCpuSpec);
    spec.image.clear();
    auto plan = describe_plan(spec, {});
    ASSERT_FALSE(plan.ok());
    EXPECT_EQ(plan.error().code, ExitCode::kBadSpec);
    EXPECT_THAT(plan.error().what, HasSubstr("image"));
}

}  // namespace
}  // namespace slipway::render
