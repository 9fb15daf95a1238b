// kubectl/job_status: `slipway-launch status` from `kubectl get ... -o json` documents.
#include "kubectl/job_status.h"

#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace slipway::launch {
namespace {

using ::testing::HasSubstr;

const char* const kHeader =
    "  POD                                  INDEX PHASE      RESTARTS EXIT  MESSAGE\n";

std::string status_of(const std::string& workload, const std::string& pods) {
    auto status = format_job_status(workload, pods);
    if (!status.ok()) {
        ADD_FAILURE() << status.error().message();
        return "";
    }
    return *status;
}

const char* const kNoPods = R"({"apiVersion": "v1", "items": [], "kind": "List",
                                "metadata": {"resourceVersion": ""}})";

const char* const kRunningJob = R"({
  "apiVersion": "batch/v1",
  "kind": "Job",
  "metadata": {
    "name": "mnist",
    "namespace": "ml",
    "labels": {"app.kubernetes.io/instance": "mnist", "kueue.x-k8s.io/queue-name": "team-a"},
    "uid": "6f1c3a52-7c1e-4a7e-9d43-0d5b1c2f8e11"
  },
  "spec": {"completionMode": "Indexed", "completions": 2, "parallelism": 2, "backoffLimit": 3,
           "suspend": false},
  "status": {
    "active": 2,
    "ready": 1,
    "startTime": "2024-05-01T10:00:00Z",
    "terminating": 0,
    "uncountedTerminatedPods": {},
    "conditions": [
      {"type": "Suspended", "status": "False", "reason": "JobResumed",
       "message": "Job resumed", "lastTransitionTime": "2024-05-01T10:00:00Z"}
    ]
  }
})";

const char* const kRunningPods = R"({
  "apiVersion": "v1",
  "kind": "List",
  "metadata": {"resourceVersion": ""},
  "items": [
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {
        "name": "mnist-0-x7k2p",
        "namespace": "ml",
        "labels": {"batch.kubernetes.io/controller-uid": "6f1c3a52",
                   "batch.kubernetes.io/job-completion-index": "0",
                   "batch.kubernetes.io/job-name": "mnist",
                   "app.kubernetes.io/component": "trainer"},
        "annotations": {"batch.kubernetes.io/job-completion-index": "0"}
      },
      "spec": {"hostname": "mnist-0", "subdomain": "mnist"},
      "status": {
        "phase": "Running",
        "podIP": "10.0.1.17",
        "containerStatuses": [
          {"name": "trainer", "ready": true, "restartCount": 0, "started": true,
           "image": "registry.example.com/slipway-train:0.1.0",
           "state": {"running": {"startedAt": "2024-05-01T10:00:09Z"}},
           "lastState": {}}
        ]
      }
    },
    {
      "apiVersion": "v1",
      "kind": "Pod",
      "metadata": {
        "name": "mnist-1-q9w4z",
        "namespace": "ml",
        "labels": {"batch.kubernetes.io/job-completion-index": "1",
                   "batch.kubernetes.io/job-name": "mnist"}
      },
      "status": {
        "phase": "Pending",
        "containerStatuses": [
          {"name": "trainer", "ready": false, "restartCount": 0, "started": false,
           "image": "registry.example.com/slipway-train:0.1.0",
           "state": {"waiting": {"reason": "ContainerCreating"}},
           "lastState": {}}
        ]
      }
    }
  ]
})";

TEST(JobStatusTest, RunningJobWithTwoPods) {
    EXPECT_EQ(status_of(kRunningJob, kRunningPods),
              std::string("Job mnist (namespace ml): Running\n"
                          "  active 2, succeeded 0, failed 0 (pods)\n") +
                  kHeader +
                  "  mnist-0-x7k2p                        0     Running    0        -\n"
                  "  mnist-1-q9w4z                        1     Pending    0        -     "
                  "ContainerCreating\n");
}

const char* const kFailedJob = R"({
  "apiVersion": "batch/v1",
  "kind": "Job",
  "metadata": {"name": "mnist", "namespace": "ml"},
  "spec": {"completionMode": "Indexed", "completions": 2, "parallelism": 2},
  "status": {
    "failed": 2,
    "startTime": "2024-05-01T10:00:00Z",
    "uncountedTerminatedPods": {},
    "conditions": [
      {"type": "FailureTarget", "status": "True", "reason": "PodFailurePolicy",
       "message": "Container trainer for pod ml/mnist-1-d3e4f failed with exit code 3 matching FailJob rule at index 0",
       "lastTransitionTime": "2024-05-01T10:02:11Z"},
      {"type": "Failed", "status": "True", "reason": "PodFailurePolicy",
       "message": "Container trainer for pod ml/mnist-1-d3e4f failed with exit code 3 matching FailJob rule at index 0",
       "lastTransitionTime": "2024-05-01T10:02:12Z"}
    ]
  }
})";

const char* const kFailedPods = R"({
  "apiVersion": "v1",
  "kind": "List",
  "items": [
    {
      "metadata": {"name": "mnist-0-a1b2c", "namespace": "ml",
                   "labels": {"batch.kubernetes.io/job-completion-index": "0"}},
      "status": {
        "phase": "Failed",
        "containerStatuses": [
          {"name": "trainer", "ready": false, "restartCount": 0,
           "state": {"terminated": {"exitCode": 143, "reason": "Error",
                                    "message": "rank 0 exited with 143 (stopped by SIGTERM after a checkpoint; retried)\n",
                                    "startedAt": "2024-05-01T10:00:09Z",
                                    "finishedAt": "2024-05-01T10:02:20Z"}}}
        ]
      }
    },
    {
      "metadata": {"name": "mnist-1-d3e4f", "namespace": "ml",
                   "labels": {"batch.kubernetes.io/job-completion-index": "1"}},
      "status": {
        "phase": "Failed",
        "containerStatuses": [
          {"name": "trainer", "ready": false, "restartCount": 0,
           "state": {"terminated": {"exitCode": 3, "reason": "Error",
                                    "message": "rank 3 exited with 3 (bad or missing data; not retried)\nlast lines of rank 3:\n[rank 3] error: /data/fashion.h5: no dataset /train/x\n",
                                    "startedAt": "2024-05-01T10:00:09Z",
                                    "finishedAt": "2024-05-01T10:02:10Z"}}}
        ]
      }
    }
  ]
})";

TEST(JobStatusTest, FailedJobShowsTheReasonAndTheFailingRank) {
    EXPECT_EQ(status_of(kFailedJob, kFailedPods),
              std::string("Job mnist (namespace ml): Failed (PodFailurePolicy): Container "
                          "trainer for pod ml/mnist-1-d3e4f failed with exit code 3 matching "
                          "FailJob rule at index 0\n"
                          "  active 0, succeeded 0, failed 2 (pods)\n") +
                  kHeader +
                  "  mnist-0-a1b2c                        0     Failed     0        143   "
                  "rank 0 exited with 143 (stopped by SIGTERM after a checkpoint; retried)\n"
                  "  mnist-1-d3e4f                        1     Failed     0        3     "
                  "rank 3 exited with 3 (bad or missing data; not retried) last lines of rank "
                  "3: [rank 3] error: /data/fashion.h5: no dataset /train/x\n");
}

TEST(JobStatusTest, SuspendedJobWaitsForTheQueue) {
    const char* const job = R"({
      "apiVersion": "batch/v1", "kind": "Job",
      "metadata": {"name": "llm", "namespace": "ml",
                   "labels": {"kueue.x-k8s.io/queue-name": "team-a"}},
      "spec": {"suspend": true, "completions": 4, "parallelism": 4},
      "status": {"conditions": [
        {"type": "Suspended", "status": "True", "reason": "JobSuspended",
         "message": "Job suspended", "lastTransitionTime": "2024-05-01T09:59:00Z"}]}
    })";
    EXPECT_EQ(status_of(job, kNoPods),
              "Job llm (namespace ml): Suspended (waiting for the queue to admit it)\n"
              "  active 0, succeeded 0, failed 0 (pods)\n"
              "  no pods yet\n");
}

TEST(JobStatusTest, CompleteJob) {
    const char* const job = R"({
      "kind": "Job", "metadata": {"name": "mnist", "namespace": "default"},
      "status": {"succeeded": 2, "completedIndexes": "0-1", "conditions": [
        {"type": "SuccessCriteriaMet", "status": "True", "reason": "CompletionsReached"},
        {"type": "Complete", "status": "True", "reason": "CompletionsReached"}]}
    })";
    const char* const pods = R"({"items": [
      {"metadata": {"name": "mnist-0-aaaaa",
                    "labels": {"batch.kubernetes.io/job-completion-index": "0"}},
       "status": {"phase": "Succeeded", "containerStatuses": [
         {"name": "trainer", "restartCount": 0,
          "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}}]})";
    EXPECT_EQ(status_of(job, pods),
              std::string("Job mnist (namespace default): Complete\n"
                          "  active 0, succeeded 2, failed 0 (pods)\n") +
                  kHeader +
                  "  mnist-0-aaaaa                        0     Succeeded  0        0     "
                  "Completed\n");
}

TEST(JobStatusTest, CronJobBetweenRuns) {
    const char* const cron = R"({
      "apiVersion": "batch/v1", "kind": "CronJob",
      "metadata": {"name": "nightly-retrain", "namespace": "ml-training"},
      "spec": {"schedule": "0 3 * * *", "concurrencyPolicy": "Forbid", "suspend": false},
      "status": {"lastScheduleTime": "2024-05-01T03:00:00Z",
                 "lastSuccessfulTime": "2024-05-01T03:41:27Z"}
    })";
    EXPECT_EQ(status_of(cron, kNoPods),
              "CronJob nightly-retrain (namespace ml-training): Scheduled\n"
              "  no pods yet\n");
}

TEST(JobStatusTest, CronJobWithAnActiveRunIsNotCountedAsPods) {
    // A CronJob's status.active lists Job references, not a count.
    const char* const cron = R"({
      "kind": "CronJob", "metadata": {"name": "nightly", "namespace": "ml"},
      "status": {"active": [{"apiVersion": "batch/v1", "kind": "Job",
                             "name": "nightly-28574100", "namespace": "ml"}]}
    })";
    EXPECT_EQ(status_of(cron, kNoPods), "CronJob nightly (namespace ml): Scheduled\n"
                                        "  no pods yet\n");
}

TEST(JobStatusTest, PendingJobWithoutPods) {
    const char* const job = R"({"kind": "Job", "metadata": {"name": "mnist"}, "status": {}})";
    EXPECT_EQ(status_of(job, R"({"items": []})"),
              "Job mnist (namespace default): Pending\n"
              "  active 0, succeeded 0, failed 0 (pods)\n"
              "  no pods yet\n");
    // A pod list without "items" at all reads as no pods.
    EXPECT_EQ(status_of(job, "{}"),
              "Job mnist (namespace default): Pending\n"
              "  active 0, succeeded 0, failed 0 (pods)\n"
              "  no pods yet\n");
}

TEST(JobStatusTest, MpiJobWorkersShowTheirReplicaIndexAndLastTermination) {
    const char* const mpi = R"({
      "apiVersion": "kubeflow.org/v2beta1", "kind": "MPIJob",
      "metadata": {"name": "llm", "namespace": "ml"},
      "status": {"conditions": [
        {"type": "Created", "status": "True", "reason": "MPIJobCreated"},
        {"type": "Running", "status": "True", "reason": "MPIJobRunning"}],
        "replicaStatuses": {"Launcher": {"active": 1}, "Worker": {"active": 2}}}
    })";
    const char* const pods = R"({"items": [
      {"metadata": {"name": "llm-launcher-zx81q",
                    "labels": {"training.kubeflow.org/job-role": "launcher"}},
       "status": {"phase": "Running", "containerStatuses": [
         {"name": "launcher", "restartCount": 2,
          "state": {"running": {}},
          "lastState": {"terminated": {"exitCode": 1, "reason": "Error"}}}]}},
      {"metadata": {"name": "llm-worker-0",
                    "labels": {"training.kubeflow.org/replica-index": "0"}},
       "status": {"phase": "Running", "containerStatuses": [
         {"name": "worker", "restartCount": 0, "state": {"running": {}}}]}}]})";
    EXPECT_EQ(status_of(mpi, pods),
              std::string("MPIJob llm (namespace ml): Running\n") + kHeader +
                  "  llm-launcher-zx81q                   -     Running    2        1     "
                  "Error\n"
                  "  llm-worker-0                         0     Running    0        -\n");
}

TEST(JobStatusTest, RunningJobSet) {
    const char* const set = R"({
      "apiVersion": "jobset.x-k8s.io/v1alpha2", "kind": "JobSet",
      "metadata": {"name": "llm", "namespace": "ml"},
      "status": {"restarts": 0, "replicatedJobsStatus": [
        {"name": "workers", "ready": 1, "succeeded": 0, "failed": 0, "active": 1,
         "suspended": 0}]}
    })";
    EXPECT_EQ(status_of(set, kNoPods), "JobSet llm (namespace ml): Running\n  no pods yet\n");
}

TEST(JobStatusTest, FailedJobSet) {
    const char* const set = R"({
      "kind": "JobSet", "metadata": {"name": "llm", "namespace": "ml"},
      "status": {"conditions": [
        {"type": "Failed", "status": "True", "reason": "FailedJobs",
         "message": "jobset failed due to reaching max number of restarts"}]}
    })";
    EXPECT_EQ(status_of(set, kNoPods),
              "JobSet llm (namespace ml): Failed (FailedJobs): jobset failed due to reaching max "
              "number of restarts\n  no pods yet\n");
}

TEST(JobStatusTest, LongMessagesAreCutToOneLine) {
    const std::string long_message(300, 'x');
    const std::string pods =
        R"({"items": [{"metadata": {"name": "p"}, "status": {"phase": "Failed",
           "containerStatuses": [{"restartCount": 0, "state": {"terminated":
           {"exitCode": 137, "reason": "OOMKilled", "message": ")" +
        long_message + "\\tend\"}}}]}}]}";  // an escaped tab in the JSON
    const std::string status = status_of(R"({"kind": "Job", "metadata": {"name": "j"}})", pods);
    EXPECT_THAT(status, HasSubstr(" 137   " + std::string(157, 'x') + "...\n"));
    EXPECT_THAT(status, testing::Not(HasSubstr("\t")));
}

TEST(JobStatusTest, ReasonStandsInForAMissingMessage) {
    const std::string pods =
        R"({"items": [{"metadata": {"name": "p"}, "status": {"phase": "Failed",
           "containerStatuses": [{"restartCount": 0, "state": {"terminated":
           {"exitCode": 137, "reason": "OOMKilled"}}}]}}]})";
    EXPECT_THAT(status_of(R"({"kind": "Job", "metadata": {"name": "j"}})", pods),
                HasSubstr("  p                                    -     Failed     0        137"
                          "   OOMKilled\n"));
}

TEST(JobStatusTest, InvalidJsonIsAnError) {
    for (const auto& [workload, pods] : std::vector<std::pair<std::string, std::string>>{
             {"{", kNoPods}, {kRunningJob, "not json"}, {"", kNoPods}}) {
        auto status = format_job_status(workload, pods);
        ASSERT_FALSE(status.ok());
        EXPECT_EQ(status.error().code, ExitCode::kInternal);
        EXPECT_THAT(status.error().what, HasSubstr("kubectl printed JSON slipway cannot read"));
        EXPECT_EQ(status.error().where, "kubectl get -o json");
    }
}

// JSON of the wrong shape is an Error too (the header's contract), never an exception.
TEST(JobStatusTest, JsonOfTheWrongShapeIsAnErrorNotAnException) {
    for (const auto& [workload, pods] : std::vector<std::pair<std::string, std::string>>{
             {kRunningJob, "[]"},
             {kRunningJob, "null"},
             {kRunningJob, R"({"items": [{"status": {"containerStatuses": [42]}}]})"},
             {R"({"kind": "Job", "status": {"conditions": ["Failed"]}})", kNoPods},
         }) {
        Result<std::string> status = Error{ExitCode::kInternal, "not run", "", ""};
        EXPECT_NO_THROW(status = format_job_status(workload, pods)) << workload << "\n" << pods;
        EXPECT_FALSE(status.ok()) << workload << "\n" << pods;
    }
}

}  // namespace
}  // namespace slipway::launch
