// `slipway-launch spec-reference`: every spec key with its type, default and meaning.
#include <cstdio>
#include <fstream>
#include <sstream>

#include "cli/commands.h"
#include "cli/spec_loading.h"
#include "spec/spec_parser.h"

namespace slipway::launch {
namespace {

constexpr const char* kBegin = "<!-- spec-reference:begin -->\n";
constexpr const char* kEnd = "<!-- spec-reference:end -->";

// Replaces the text between the markers of `path` with the generated table.
int write_reference(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) return report(Error{ExitCode::kBadSpec, "cannot read '" + path + "'", "--write", ""});
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    const size_t begin = text.find(kBegin);
    const size_t end = text.find(kEnd);
    if (begin == std::string::npos || end == std::string::npos || end < begin) {
        return report(Error{ExitCode::kBadSpec,
                            "'" + path + "' has no spec-reference markers",
                            "--write", std::string("add the lines ") + kBegin + kEnd});
    }
    text = text.substr(0, begin + std::string(kBegin).size()) + spec_reference_markdown() +
           text.substr(end);
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) return report(Error{ExitCode::kBadSpec, "cannot write '" + path + "'", "--write", ""});
    std::fprintf(stderr, "updated the spec reference in %s\n", path.c_str());
    return 0;
}

}  // namespace

void add_spec_reference_command(CLI::App& app, int& exit_code) {
    auto write_path = std::make_shared<std::string>();
    CLI::App* command = app.add_subcommand(
        "spec-reference",
        "Print every job spec key (type, default, meaning) as a Markdown table, generated from\n"
        "the parser's own schema; --write FILE updates the table between the markers in FILE.");
    command->add_option("--write", *write_path, "Update the reference inside this file");
    command->callback([write_path, &exit_code] {
        if (!write_path->empty()) {
            exit_code = write_reference(*write_path);
            return;
        }
        const std::string table = spec_reference_markdown();
        std::fwrite(table.data(), 1, table.size(), stdout);
        exit_code = 0;
    });
}

}  // namespace slipway::launch
