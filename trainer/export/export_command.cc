#include "export/export_command.h"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <new>

#include "common/log.h"
#include "common/status.h"
#include "common/system_error.h"
#include "export/export.h"

namespace slipway {
namespace {

int fail(const Error& error) {
    spdlog::error("{}", error.message());
    return to_int(error.code);
}

int export_model(const ExportCommand& command) {
    ExportRequest request;
    request.checkpoint = command.checkpoint;
    request.repository = command.repository;
    request.name = command.name;
    request.max_batch_size = command.max_batch_size;
    auto result = export_checkpoint(request);
    if (!result.ok()) return fail(result.error());
    spdlog::info("exported {} (step {}) as model '{}' version {}", result->checkpoint, result->step,
                 result->name, result->version);
    spdlog::info("wrote {}/{{model.onnx,slipway.json}} and {}/config.pbtxt", result->version_dir,
                 std::filesystem::path(result->version_dir).parent_path().string());
    std::printf("%s\n", result->version_dir.c_str());
    return 0;
}

}  // namespace

int run_export_command(const ExportCommand& command) {
    init_program_logging("export", command.log_level);
    if (command.log_level && !parse_log_level(*command.log_level)) {
        return fail(spec_error("--log-level", "unknown level '" + *command.log_level + "'",
                               "use trace, debug, info, warn, error or off"));
    }
    try {
        return export_model(command);
    } catch (const Hdf5Error& failure) {
        spdlog::error("{}", failure.what());  // reading the checkpoint
        return to_int(ExitCode::kBadCheckpoint);
    } catch (const std::filesystem::filesystem_error& failure) {
        spdlog::error("{} (check the --repository and --checkpoint paths)", failure.what());
        return to_int(ExitCode::kBadCheckpoint);
    } catch (const std::bad_alloc&) {
        spdlog::error("out of memory: an allocation failed");
        return to_int(ExitCode::kOutOfMemory);
    } catch (const std::exception& failure) {
        spdlog::error("unexpected error (please report it): {}", failure.what());
        return to_int(ExitCode::kInternal);
    }
}

}  // namespace slipway
