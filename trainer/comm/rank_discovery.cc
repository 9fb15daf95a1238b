#include "comm/rank_discovery.h"

#include <charconv>
#include <cstdlib>

namespace slipway {

const char* to_string(LaunchSource source) {
    switch (source) {
        case LaunchSource::kMpi: return "mpi";
        case LaunchSource::kTorchrun: return "torchrun";
        case LaunchSource::kIndexedJob: return "indexed-job";
        case LaunchSource::kSlurm: return "slurm";
        case LaunchSource::kSingle: return "single";
    }
    return "unknown";
}

namespace {

constexpr const char* kWhere = "environment";

// Reads an integer variable into `out` (left alone when unset); appends NAME=value to evidence.
Status read_int(const EnvLookup& env, const std::string& name, int min_value, int& out,
                std::string& evidence, bool& present) {
    present = false;
    auto text = env(name);
    if (!text) return Status::success();
    present = true;
    evidence += (evidence.empty() ? "" : " ") + name + "=" + *text;
    int value = 0;
    const char* begin = text->data();
    const char* end = begin + text->size();
    auto [ptr, ec] = std::from_chars(begin, end, value);
    if (ec != std::errc() || ptr != end || text->empty()) {
        return spec_error(kWhere, name + "='" + *text + "' is not an integer",
                          "unset it or give a whole number");
    }
    if (value < min_value) {
        return spec_error(kWhere, name + "=" + *text + " is below " + std::to_string(min_value));
    }
    out = value;
    return Status::success();
}

Status read_int(const EnvLookup& env, const std::string& name, int min_value, int& out,
                std::string& evidence) {
    bool present = false;
    return read_int(env, name, min_value, out, evidence, present);
}

Status check_rank_bounds(const RankInfo& info) {
    if (info.world_size > 0 && info.rank >= info.world_size) {
        return spec_error(kWhere,
                          "rank " + std::to_string(info.rank) + " is not below world size " +
                              std::to_string(info.world_size) + " (" + info.evidence + ")",
                          "the launcher's variables disagree; check how the job was started");
    }
    if (info.local_world_size > 0 && info.local_rank >= info.local_world_size) {
        return spec_error(kWhere,
                          "local rank " + std::to_string(info.local_rank) +
                              " is not below local world size " +
                              std::to_string(info.local_world_size) + " (" + info.evidence + ")");
    }
    return Status::success();
}

// MASTER_ADDR/MASTER_PORT: required once more than one rank must meet without MPI.
Status read_rendezvous(const EnvLookup& env, RankInfo& info) {
    auto addr = env("MASTER_ADDR");
    if (addr) {
        info.master_addr = *addr;
        info.evidence += " MASTER_ADDR=" + *addr;
    }
    bool port_present = false;
    SLIPWAY_RETURN_IF_ERROR(read_int(env, "MASTER_PORT", 1, info.master_port, info.evidence,
                                     port_present));
    if (port_present && info.master_port > 65535) {
        return spec_error(kWhere, "MASTER_PORT=" + std::to_string(info.master_port) +
                                      " is not a TCP port");
    }
    if (info.world_size > 1 && (info.master_addr.empty() || !port_present)) {
        return spec_error(kWhere,
                          "world size " + std::to_string(info.world_size) +
                              " but no rendezvous address (" + info.evidence + ")",
                          "set MASTER_ADDR and MASTER_PORT to rank 0's host and a free port");
    }
    return Status::success();
}

// MPI and Slurm launches need no rendezvous, but may carry one for --comm gloo.
Status read_optional_rendezvous(const EnvLookup& env, RankInfo& info) {
    if (!env("MASTER_ADDR") || !env("MASTER_PORT")) return Status::success();
    RankInfo probe = info;
    probe.world_size = 1;  // presence only: do not demand it
    SLIPWAY_RETURN_IF_ERROR(read_rendezvous(env, probe));
    info.master_addr = probe.master_addr;
    info.master_port = probe.master_port;
    return Status::success();
}

Result<RankInfo> from_mpi(const EnvLookup& env) {
    RankInfo info;
    info.source = LaunchSource::kMpi;
    info.world_size = 0;
    info.local_world_size = 0;
    bool present = false;
    if (env("OMPI_COMM_WORLD_RANK")) {
        SLIPWAY_RETURN_IF_ERROR(read_int(env, "OMPI_COMM_WORLD_RANK", 0, info.rank, info.evidence));
        SLIPWAY_RETURN_IF_ERROR(
            read_int(env, "OMPI_COMM_WORLD_SIZE", 1, info.world_size, info.evidence));
        SLIPWAY_RETURN_IF_ERROR(
            read_int(env, "OMPI_COMM_WORLD_LOCAL_RANK", 0, info.local_rank, info.evidence));
        SLIPWAY_RETURN_IF_ERROR(read_int(env, "OMPI_COMM_WORLD_LOCAL_SIZE", 1,
                                         info.local_world_size, info.evidence));
    } else if (env("PMI_RANK")) {
        SLIPWAY_RETURN_IF_ERROR(read_int(env, "PMI_RANK", 0, info.rank, info.evidence));
        SLIPWAY_RETURN_IF_ERROR(read_int(env, "PMI_SIZE", 1, info.world_size, info.evidence));
        SLIPWAY_RETURN_IF_ERROR(
            read_int(env, "MPI_LOCALRANKID", 0, info.local_rank, info.evidence, present));
        SLIPWAY_RETURN_IF_ERROR(
            read_int(env, "MPI_LOCALNRANKS", 1, info.local_world_size, info.evidence, present));
    } else {
        SLIPWAY_RETURN_IF_ERROR(read_int(env, "PMIX_RANK", 0, info.rank, info.evidence));
    }
    SLIPWAY_RETURN_IF_ERROR(check_rank_bounds(info));
    SLIPWAY_RETURN_IF_ERROR(read_optional_rendezvous(env, info));
    return info;
}

Result<RankInfo> from_torchrun(const EnvLookup& env) {
    RankInfo info;
    info.source = LaunchSource::kTorchrun;
    bool has_world = false;
    SLIPWAY_RETURN_IF_ERROR(read_int(env, "RANK", 0, info.rank, info.evidence));
    SLIPWAY_RETURN_IF_ERROR(
        read_int(env, "WORLD_SIZE", 1, info.world_size, info.evidence, has_world));
    if (!has_world) {
        return spec_error(kWhere, "RANK is set but WORLD_SIZE is not (" + info.evidence + ")",
                          "set WORLD_SIZE to the total number of ranks");
    }
    bool present = false;
    SLIPWAY_RETURN_IF_ERROR(read_int(env, "LOCAL_RANK", 0, info.local_rank, info.evidence, present));
    SLIPWAY_RETURN_IF_ERROR(
        read_int(env, "LOCAL_WORLD_SIZE", 1, info.local_world_size, info.evidence, present));
    SLIPWAY_RETURN_IF_ERROR(check_rank_bounds(info));
    SLIPWAY_RETURN_IF_ERROR(read_rendezvous(env, info));
    return info;
}

Result<RankInfo> from_indexed_job(const EnvLookup& env) {
    RankInfo info;
    info.source = LaunchSource::kIndexedJob;
    int pod_index = 0;
    bool has_world = false;
    SLIPWAY_RETURN_IF_ERROR(read_int(env, "JOB_COMPLETION_INDEX", 0, pod_index, info.evidence));
    SLIPWAY_RETURN_IF_ERROR(
        read_int(env, "WORLD_SIZE", 1, info.world_size, info.evidence, has_world));
    if (!has_world) {
        return spec_error(kWhere,
                          "JOB_COMPLETION_INDEX is set but WORLD_SIZE is not (" + info.evidence +
                              ")",
                          "an Indexed Job pod needs WORLD_SIZE (pods x processes per pod)");
    }
    bool present = false;
    SLIPWAY_RETURN_IF_ERROR(
        read_int(env, "LOCAL_WORLD_SIZE", 1, info.local_world_size, info.evidence, present));
    SLIPWAY_RETURN_IF_ERROR(read_int(env, "LOCAL_RANK", 0, info.local_rank, info.evidence, present));
    info.rank = pod_index * info.local_world_size + info.local_rank;
    SLIPWAY_RETURN_IF_ERROR(check_rank_bounds(info));
    SLIPWAY_RETURN_IF_ERROR(read_rendezvous(env, info));
    return info;
}

Result<RankInfo> from_slurm(const EnvLookup& env) {
    RankInfo info;
    info.source = LaunchSource::kSlurm;
    bool has_world = false;
    SLIPWAY_RETURN_IF_ERROR(read_int(env, "SLURM_PROCID", 0, info.rank, info.evidence));
    SLIPWAY_RETURN_IF_ERROR(
        read_int(env, "SLURM_NTASKS", 1, info.world_size, info.evidence, has_world));
    if (!has_world) {
        return spec_error(kWhere, "SLURM_PROCID is set but SLURM_NTASKS is not (" +
                                      info.evidence + ")");
    }
    bool present = false;
    SLIPWAY_RETURN_IF_ERROR(
        read_int(env, "SLURM_LOCALID", 0, info.local_rank, info.evidence, present));
    info.local_world_size = 0;  // SLURM_NTASKS_PER_NODE may be "2(x3)"; MPI tells us later
    SLIPWAY_RETURN_IF_ERROR(check_rank_bounds(info));
    return info;
}

}  // namespace

Result<RankInfo> discover_ranks(const EnvLookup& env) {
    if (env("OMPI_COMM_WORLD_RANK") || env("PMI_RANK") || env("PMIX_RANK")) return from_mpi(env);
    if (env("RANK")) return from_torchrun(env);
    if (env("JOB_COMPLETION_INDEX")) return from_indexed_job(env);
    if (env("SLURM_PROCID")) return from_slurm(env);
    if (auto world = env("WORLD_SIZE"); world && *world != "1") {
        return spec_error(kWhere, "WORLD_SIZE=" + *world + " is set without RANK or "
                          "JOB_COMPLETION_INDEX, so this process cannot tell its rank",
                          "set RANK (torchrun-style) or run under mpirun");
    }
    RankInfo single;
    single.evidence = "no launcher variables";
    return single;
}

}  // namespace slipway
