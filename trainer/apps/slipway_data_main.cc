// slipway-data: turns datasets into the HDF5 layout of DESIGN.md and describes such files.
// A thin main: parsing flags and mapping failures to exit codes; the work is in trainer/data.

#include <spdlog/sinks/stdout_sinks.h>

#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <new>
#include <optional>
#include <string>

#include "common/exit_code.h"
#include "common/log.h"
#include "common/status.h"
#include "common/system_error.h"
#include "data/csv_dataset.h"
#include "data/dataset_file.h"
#include "data/fashion_mnist.h"
#include "data/inspect.h"

namespace slipway {
namespace {

constexpr const char* kProgram = "slipway-data";

int fail(const Error& error) {
    std::cerr << kProgram << ": error: " << error.message() << "\n";
    return to_int(error.code);
}

std::string seconds_since(std::chrono::steady_clock::time_point start) {
    const std::chrono::duration<double> elapsed = std::chrono::steady_clock::now() - start;
    char text[32];
    std::snprintf(text, sizeof(text), "%.1f s", elapsed.count());
    return text;
}

int write_and_report(const Dataset& dataset, const std::string& output,
                     std::chrono::steady_clock::time_point start) {
    spdlog::info("writing {}", output);
    Status written = write_dataset_file(output, dataset);
    if (!written) return fail(written.error());
    const std::string task =
        dataset.is_classification()
            ? std::to_string(dataset.num_classes) + " classes"
            : "regression, " + std::to_string(dataset.train.target_width) + " target(s)";
    std::cout << "wrote " << output << ": " << dataset.train.rows << " train + "
              << dataset.test.rows << " test rows, " << dataset.train.features << " features, "
              << task << " (" << seconds_since(start) << ")\n";
    return 0;
}

struct FashionFlags {
    std::string source = kFashionMnistDefaultDir;
    std::string output;
};

struct CsvFlags {
    std::string input;
    std::string output;
    std::string task = "auto";
    int num_classes = 0;
    CsvOptions options;
};

int run(int argc, char** argv) {
    CLI::App app{
        "slipway-data: converts datasets into slipway's HDF5 layout (/train/x, /train/y,\n"
        "/test/x, /test/y; attributes num_classes, class_names, feature_mean, feature_std)\n"
        "and describes such files.",
        kProgram};
    app.require_subcommand(1);
    app.fallthrough();  // --log-level may follow the subcommand
    app.footer(
        "Examples:\n"
        "  slipway-data fashion-mnist -o data/fashion-mnist.h5\n"
        "  slipway-data csv houses.csv --label price --task regression -o data/houses.h5\n"
        "  slipway-data inspect data/fashion-mnist.h5\n"
        "\n"
        "Exit codes:\n"
        "   0  done\n"
        "   2  bad flags\n"
        "   3  bad or missing data (input or output file; also a failed HDF5 call)\n"
        "  11  out of memory");
    std::optional<std::string> log_level;
    app.add_option("--log-level", log_level,
                   "trace|debug|info|warn|error|off (default info, or $SLIPWAY_LOG_LEVEL)");

    FashionFlags fashion;
    CLI::App* fashion_cmd = app.add_subcommand(
        "fashion-mnist",
        "Convert the four gzipped IDX files of Fashion-MNIST (60000 train, 10000 test\n"
        "images of 28x28) into one HDF5 file: 784 features scaled to [0,1], 10 classes.");
    fashion_cmd
        ->add_option("--source", fashion.source,
                     "directory with train-images-idx3-ubyte.gz, train-labels-idx1-"
                     "ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz")
        ->capture_default_str();
    fashion_cmd->add_option("-o,--output", fashion.output, "HDF5 file to write")->required();
    fashion_cmd->footer("Example:\n  slipway-data fashion-mnist -o /tmp/fm.h5");

    CsvFlags csv;
    CLI::App* csv_cmd = app.add_subcommand(
        "csv",
        "Convert a numeric CSV file with a header line: the --label column is the target,\n"
        "every other column a feature. Rows are shuffled with --seed and --test-fraction of\n"
        "them (rounded down) become /test. Integer labels >= 0 mean classification\n"
        "(num_classes = largest + 1 unless --num-classes), anything else regression.");
    csv_cmd->add_option("input", csv.input, "CSV file to read")->required();
    csv_cmd->add_option("--label", csv.options.label_column, "name of the label column")
        ->required();
    csv_cmd
        ->add_option("--test-fraction", csv.options.test_fraction,
                     "share of rows held out as /test, in [0, 1)")
        ->capture_default_str();
    csv_cmd->add_option("--seed", csv.options.seed, "seed of the row shuffle")
        ->capture_default_str();
    csv_cmd->add_option("--task", csv.task, "auto, classification or regression")
        ->check(CLI::IsMember({"auto", "classification", "regression"}))
        ->capture_default_str();
    CLI::Option* num_classes_option = csv_cmd->add_option(
        "--num-classes", csv.num_classes,
        "number of classes K (labels must lie in [0, K)); default: largest label + 1");
    csv_cmd->add_option("-o,--output", csv.output, "HDF5 file to write")->required();
    csv_cmd->footer(
        "Example:\n"
        "  slipway-data csv iris.csv --label species --num-classes 3 --test-fraction 0.2 "
        "-o /tmp/iris.h5");

    std::string inspect_path;
    CLI::App* inspect_cmd = app.add_subcommand(
        "inspect",
        "Describe an HDF5 file: every dataset (shape, dtype, chunks, compression), the\n"
        "attributes on '/' and a histogram of integer label datasets (/train/y, /test/y).");
    inspect_cmd->add_option("file", inspect_path, "HDF5 file to describe")->required();
    inspect_cmd->footer("Example:\n  slipway-data inspect /tmp/fm.h5");

    try {
        app.parse(argc, argv);
    } catch (const CLI::CallForHelp& e) {
        return app.exit(e);
    } catch (const CLI::CallForAllHelp& e) {
        return app.exit(e);
    } catch (const CLI::ParseError& e) {
        std::cerr << kProgram << ": error: " << e.what() << "\n"
                  << "Run '" << kProgram << " --help' for usage.\n";
        return to_int(ExitCode::kBadSpec);
    }
    if (log_level && !parse_log_level(*log_level)) {
        return fail(spec_error("--log-level", "unknown level '" + *log_level + "'",
                               "use trace, debug, info, warn, error or off"));
    }
    init_program_logging(kProgram, log_level);
    const auto start = std::chrono::steady_clock::now();

    if (fashion_cmd->parsed()) {
        spdlog::info("reading Fashion-MNIST from {}", fashion.source);
        auto dataset = read_fashion_mnist(fashion.source);
        if (!dataset) return fail(dataset.error());
        return write_and_report(*dataset, fashion.output, start);
    }
    if (csv_cmd->parsed()) {
        if (csv.task == "classification") csv.options.task = CsvTask::kClassification;
        if (csv.task == "regression") csv.options.task = CsvTask::kRegression;
        if (num_classes_option->count() > 0) csv.options.num_classes = csv.num_classes;
        spdlog::info("reading {}", csv.input);
        auto dataset = read_csv_dataset(csv.input, csv.options);
        if (!dataset) return fail(dataset.error());
        return write_and_report(*dataset, csv.output, start);
    }
    auto text = describe_dataset_file(inspect_path);
    if (!text) return fail(text.error());
    std::cout << *text;
    return 0;
}

}  // namespace
}  // namespace slipway

int main(int argc, char** argv) {
    using slipway::ExitCode;
    try {
        return slipway::run(argc, argv);
    } catch (const std::bad_alloc&) {
        std::cerr << slipway::kProgram << ": error: out of memory\n";
        return slipway::to_int(ExitCode::kOutOfMemory);
    } catch (const std::exception& e) {
        // Hdf5Error and friends: a failed call while reading or writing data.
        std::cerr << slipway::kProgram << ": error: " << e.what() << "\n";
        return slipway::to_int(ExitCode::kBadData);
    }
}
