#include "supervise/child_env.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <charconv>
#include <cstdlib>

#include "supervise/posix_call.h"
#include "supervise/unique_fd.h"

namespace slipway::launch {

namespace {

// A whole, non-negative decimal number; nullopt for anything else ("", "2x", "-1", " 3").
std::optional<int> parse_count(const std::string& text) {
    int value = 0;
    const char* end = text.data() + text.size();
    const auto [stop, error] = std::from_chars(text.data(), end, value);
    if (text.empty() || error != std::errc() || stop != end || value < 0) return std::nullopt;
    return value;
}

// Reads `name` as a count of at least `minimum`; `fallback` when unset.
Result<int> read_count(const EnvLookup& env, const std::string& name, int minimum, int fallback) {
    const std::optional<std::string> text = env(name);
    if (!text) return fallback;
    const std::optional<int> value = parse_count(*text);
    if (!value || *value < minimum) {
        return spec_error(
            "environment variable " + name,
            name + "='" + *text + "' is not a whole number >= " + std::to_string(minimum),
            "fix or unset it in the pod spec");
    }
    return *value;
}

}  // namespace

Result<ExecLayout> exec_layout(const EnvLookup& env, const ExecFlags& flags) {
    ExecLayout layout;
    if (flags.nproc) {
        if (*flags.nproc < 1) {
            return spec_error("--nproc",
                              "--nproc " + std::to_string(*flags.nproc) + " asks for no processes",
                              "give at least 1");
        }
        layout.local_world_size = *flags.nproc;
    } else {
        Result<int> local = read_count(env, "LOCAL_WORLD_SIZE", 1, 1);
        if (!local.ok()) return local.error();
        layout.local_world_size = *local;
    }

    std::string node_source = "--node-rank";
    if (flags.node_rank) {
        if (*flags.node_rank < 0) {
            return spec_error("--node-rank",
                              "--node-rank " + std::to_string(*flags.node_rank) + " is negative",
                              "give this pod's index, from 0");
        }
        layout.node_rank = *flags.node_rank;
    } else {
        node_source = "JOB_COMPLETION_INDEX";
        Result<int> index = read_count(env, "JOB_COMPLETION_INDEX", 0, 0);
        if (!index.ok()) return index.error();
        layout.node_rank = *index;
    }

    const std::string local_text = "LOCAL_WORLD_SIZE=" + std::to_string(layout.local_world_size);
    const std::string node_text = node_source + "=" + std::to_string(layout.node_rank);
    if (!env("WORLD_SIZE")) {
        if (layout.node_rank != 0) {
            return spec_error(
                "environment variable WORLD_SIZE",
                "WORLD_SIZE is not set but " + node_text + " says this is not the only pod",
                "set WORLD_SIZE to pods x processes per pod");
        }
        layout.world_size = layout.local_world_size;
    } else {
        Result<int> world = read_count(env, "WORLD_SIZE", 1, 1);
        if (!world.ok()) return world.error();
        layout.world_size = *world;
    }
    const std::string world_text = "WORLD_SIZE=" + std::to_string(layout.world_size);
    if (layout.world_size % layout.local_world_size != 0) {
        return spec_error(
            "environment variable WORLD_SIZE",
            world_text + " is not a multiple of " + local_text + " (processes per pod)",
            "every pod runs the same number of processes: set WORLD_SIZE to "
            "pods x processes per pod");
    }
    const int pods = layout.world_size / layout.local_world_size;
    if (layout.node_rank >= pods) {
        const long first_rank = static_cast<long>(layout.node_rank) * layout.local_world_size;
        return spec_error("environment variable " + node_source,
                          node_text + " gives RANK " + std::to_string(first_rank) +
                              " >= " + world_text + " (" + std::to_string(pods) + " pod" +
                              (pods == 1 ? "" : "s") + " of " +
                              std::to_string(layout.local_world_size) + ")",
                          "the pod index must be below WORLD_SIZE / LOCAL_WORLD_SIZE: check "
                          "the Job's completions and parallelism against WORLD_SIZE");
    }

    if (std::optional<std::string> address = env("MASTER_ADDR"); address && !address->empty()) {
        layout.master_addr = *address;
    } else if (pods == 1) {
        layout.master_addr = "127.0.0.1";
    } else {
        return spec_error("environment variable MASTER_ADDR",
                          "MASTER_ADDR is not set, and " + world_text + " spans " +
                              std::to_string(pods) + " pods",
                          "set MASTER_ADDR to the address of the pod running rank 0 (the "
                          "headless service's name for index 0)");
    }
    Result<int> port = read_count(env, "MASTER_PORT", 1, kDefaultMasterPort);
    if (!port.ok()) return port.error();
    if (*port > 65535) {
        return spec_error("environment variable MASTER_PORT",
                          "MASTER_PORT=" + std::to_string(*port) + " is not a TCP port",
                          "give a port between 1 and 65535");
    }
    layout.master_port = *port;
    return layout;
}

std::vector<ChildSpec> exec_children(const ExecLayout& layout,
                                     const std::vector<std::string>& command) {
    std::vector<ChildSpec> children;
    children.reserve(static_cast<std::size_t>(layout.local_world_size));
    for (int local_rank = 0; local_rank < layout.local_world_size; ++local_rank) {
        ChildSpec child;
        child.rank = layout.node_rank * layout.local_world_size + local_rank;
        child.argv = command;
        child.env = {
            {"RANK", std::to_string(child.rank)},
            {"LOCAL_RANK", std::to_string(local_rank)},
            {"WORLD_SIZE", std::to_string(layout.world_size)},
            {"LOCAL_WORLD_SIZE", std::to_string(layout.local_world_size)},
            {"MASTER_ADDR", layout.master_addr},
            {"MASTER_PORT", std::to_string(layout.master_port)},
        };
        children.push_back(std::move(child));
    }
    return children;
}

std::vector<ChildSpec> local_children(int np, const std::vector<std::string>& command,
                                      int master_port) {
    ExecLayout layout;
    layout.local_world_size = np;
    layout.world_size = np;
    layout.master_addr = "127.0.0.1";
    layout.master_port = master_port;
    return exec_children(layout, command);
}

int find_free_port() {
    UniqueFd socket_fd(SLIPWAY_CHECK_POSIX(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)));
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    address.sin_port = 0;
    SLIPWAY_CHECK_POSIX(
        ::bind(socket_fd.get(), reinterpret_cast<const sockaddr*>(&address), sizeof address));
    socklen_t length = sizeof address;
    SLIPWAY_CHECK_POSIX(
        ::getsockname(socket_fd.get(), reinterpret_cast<sockaddr*>(&address), &length));
    return ntohs(address.sin_port);
}

}  // namespace slipway::launch
