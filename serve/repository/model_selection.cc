#include "serve/repository/model_selection.h"

#include <algorithm>
#include <filesystem>
#include <system_error>
#include <vector>

#include "export/model_repository.h"

namespace slipway::serve {
namespace {

namespace fs = std::filesystem;

Error repository_error(const std::string& where, std::string what, std::string hint) {
    return Error{ExitCode::kBadCheckpoint, std::move(what), where, std::move(hint)};
}

std::string joined(const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& name : names) out += (out.empty() ? "" : ", ") + name;
    return out;
}

}  // namespace

Result<std::string> select_model(const std::string& repository,
                                 const std::optional<std::string>& name) {
    std::error_code error;
    if (!fs::is_directory(repository, error)) {
        return repository_error(repository, "model repository is not a directory",
                                "pass --repository DIR written by `slipway-train export`");
    }
    std::vector<std::string> models;
    for (const fs::directory_entry& entry : fs::directory_iterator(repository, error)) {
        const std::string folder = entry.path().filename().string();
        if (entry.is_directory(error) && valid_model_name(folder)) models.push_back(folder);
    }
    std::sort(models.begin(), models.end());
    if (name) {
        if (std::find(models.begin(), models.end(), *name) != models.end()) return *name;
        return repository_error(
            repository, "no model named '" + *name + "'",
            models.empty() ? "the repository holds no model yet" : "it holds: " + joined(models));
    }
    if (models.size() == 1) return models.front();
    if (models.empty()) {
        return repository_error(repository, "the model repository holds no model",
                                "export one: slipway-train export --checkpoint FILE "
                                "--repository " +
                                    repository);
    }
    return repository_error(repository, "the repository holds several models: " + joined(models),
                            "choose one with --model NAME");
}

}  // namespace slipway::serve
