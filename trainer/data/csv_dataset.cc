#include "data/csv_dataset.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <numeric>

#include "common/rng.h"

namespace slipway {

namespace {

// More classes than this is almost surely a quantity mistaken for a class index.
constexpr double kMaxClasses = 1 << 20;

std::string trim(const std::string& text) {
    const size_t begin = text.find_first_not_of(" \t");
    if (begin == std::string::npos) return {};
    const size_t end = text.find_last_not_of(" \t");
    return text.substr(begin, end - begin + 1);
}

// Splits one line on commas; a cell may be double-quoted (with "" for a quote), which
// header names written by spreadsheets often are. Cells come back trimmed and unquoted.
std::vector<std::string> split_cells(const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (size_t i = 0; i < line.size(); ++i) {
        const char c = line[i];
        if (quoted) {
            if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
                cell += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                cell += c;
            }
        } else if (c == '"') {
            quoted = true;
        } else if (c == ',') {
            cells.push_back(trim(cell));
            cell.clear();
        } else {
            cell += c;
        }
    }
    cells.push_back(trim(cell));
    return cells;
}

bool parse_number(const std::string& cell, double& value) {
    const char* begin = cell.data();
    const char* end = cell.data() + cell.size();
    if (begin != end && *begin == '+') ++begin;  // from_chars rejects a leading '+'
    if (begin == end) return false;
    const auto [ptr, ec] = std::from_chars(begin, end, value);
    return ec == std::errc() && ptr == end;
}

bool is_class_index(double value) {
    return value >= 0 && value < kMaxClasses && value == std::floor(value);
}

std::string format_number(double value) {
    char text[32];
    const auto [ptr, ec] = std::to_chars(text, text + sizeof(text), value);
    return std::string(text, ec == std::errc() ? ptr : text);
}

struct Table {
    std::vector<float> x;        // rows x features
    std::vector<double> labels;  // rows
    std::vector<size_t> lines;   // rows: the file line each row came from
    size_t features = 0;
};

Result<Table> parse(const std::string& path, const std::string& label_column) {
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return data_error(path, "file not found");
    std::ifstream in(path);
    if (!in) return data_error(path, "cannot open for reading");

    std::vector<std::string> header;
    size_t header_line = 0;
    size_t label_index = 0;
    Table table;
    std::string line;
    size_t line_number = 0;
    while (std::getline(in, line)) {
        ++line_number;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (trim(line).empty()) continue;
        const std::string where = path + ":" + std::to_string(line_number);
        std::vector<std::string> cells = split_cells(line);
        if (header.empty()) {
            header = std::move(cells);
            header_line = line_number;
            std::string listing;
            size_t matches = 0;
            for (size_t i = 0; i < header.size(); ++i) {
                listing += (i ? ", " : "") + ("'" + header[i] + "'");
                if (header[i] == label_column) {
                    if (matches++ == 0) label_index = i;
                }
            }
            if (matches == 0) {
                return data_error(
                    where,
                    "label column '" + label_column + "' not found; the header has " + listing,
                    "pass --label with one of these names");
            }
            if (matches > 1) {
                return data_error(where, "label column '" + label_column + "' appears " +
                                             std::to_string(matches) + " times in the header");
            }
            if (header.size() < 2) {
                return data_error(where, "the header has only the label column; no features");
            }
            table.features = header.size() - 1;
            continue;
        }
        if (cells.size() != header.size()) {
            return data_error(where, "row has " + std::to_string(cells.size()) +
                                         " cells but the header (line " +
                                         std::to_string(header_line) + ") has " +
                                         std::to_string(header.size()) + " columns");
        }
        for (size_t i = 0; i < cells.size(); ++i) {
            double value = 0;
            const std::string column = "column '" + header[i] + "' (" + std::to_string(i + 1) + ")";
            if (!parse_number(cells[i], value)) {
                return data_error(where, column + ": cannot parse '" + cells[i] + "' as a number");
            }
            if (!std::isfinite(value)) {
                return data_error(where, column + ": '" + cells[i] + "' is not a finite number");
            }
            // Features and targets are stored as float32: 1e300 parses as a finite double
            // but would become inf.
            if (!std::isfinite(static_cast<float>(value))) {
                return data_error(where, column + ": '" + cells[i] +
                                             "' is outside the float32 range (about +-3.4e38)");
            }
            if (i == label_index) {
                table.labels.push_back(value);
            } else {
                table.x.push_back(static_cast<float>(value));
            }
        }
        table.lines.push_back(line_number);
    }
    if (in.bad()) return data_error(path, "read error");
    if (header.empty()) return data_error(path, "empty file; expected a header line");
    if (table.labels.empty()) {
        return data_error(
            path, "no data rows after the header (line " + std::to_string(header_line) + ")");
    }
    return table;
}

Status check_options(const CsvOptions& options) {
    if (!(options.test_fraction >= 0.0 && options.test_fraction < 1.0)) {
        return spec_error("--test-fraction",
                          "must lie in [0, 1), got " + format_number(options.test_fraction));
    }
    if (options.num_classes) {
        if (options.task == CsvTask::kRegression) {
            return spec_error("--num-classes", "applies to classification, not regression");
        }
        if (*options.num_classes < 1 || *options.num_classes > kMaxClasses) {
            return spec_error("--num-classes", "must lie in [1, " + format_number(kMaxClasses) +
                                                   "], got " +
                                                   std::to_string(*options.num_classes));
        }
    }
    return Status::success();
}

// Decides the task and checks the labels against it; returns num_classes (0: regression).
Result<int> resolve_classes(const std::string& path, const Table& table,
                            const CsvOptions& options) {
    bool classification = options.task == CsvTask::kClassification;
    if (options.task == CsvTask::kAuto) {
        classification = options.num_classes.has_value() ||
                         std::all_of(table.labels.begin(), table.labels.end(), is_class_index);
    }
    if (!classification) return 0;
    double largest = 0;
    for (size_t i = 0; i < table.labels.size(); ++i) {
        const double label = table.labels[i];
        const std::string where = path + ":" + std::to_string(table.lines[i]);
        if (!is_class_index(label)) {
            return data_error(where,
                              "label column '" + options.label_column +
                                  "': " + format_number(label) + " is not a class index",
                              "classes are integers >= 0; use --task regression for quantities");
        }
        if (options.num_classes && label >= *options.num_classes) {
            return data_error(where,
                              "label " + format_number(label) + " is outside [0, " +
                                  std::to_string(*options.num_classes) + ")",
                              "raise --num-classes or fix the label");
        }
        largest = std::max(largest, label);
    }
    return options.num_classes ? *options.num_classes : static_cast<int>(largest) + 1;
}

void take_rows(const Table& table, const std::vector<size_t>& order, size_t begin, size_t end,
               int num_classes, Split& split) {
    split.rows = end - begin;
    split.features = table.features;
    split.target_width = num_classes > 0 ? 0 : 1;
    split.x.reserve(split.rows * split.features);
    for (size_t i = begin; i < end; ++i) {
        const size_t row = order[i];
        const float* source = table.x.data() + row * table.features;
        split.x.insert(split.x.end(), source, source + table.features);
        if (num_classes > 0) {
            split.labels.push_back(static_cast<int32_t>(table.labels[row]));
        } else {
            split.targets.push_back(static_cast<float>(table.labels[row]));
        }
    }
}

}  // namespace

Result<Dataset> read_csv_dataset(const std::string& path, const CsvOptions& options) {
    SLIPWAY_RETURN_IF_ERROR(check_options(options));
    auto table = parse(path, options.label_column);
    SLIPWAY_RETURN_IF_ERROR(table);
    auto classes = resolve_classes(path, *table, options);
    SLIPWAY_RETURN_IF_ERROR(classes);

    const size_t rows = table->labels.size();
    std::vector<size_t> order(rows);
    std::iota(order.begin(), order.end(), size_t{0});
    SplitMix64 rng(mix64(options.seed));
    for (size_t i = rows; i > 1; --i) std::swap(order[i - 1], order[rng.bounded64(i)]);
    // Round down, with a little slack so 10 x 0.3 holds out 3 rows despite binary fractions.
    // Train keeps at least one row.
    const auto test_rows = std::min(
        rows - 1,
        static_cast<size_t>(std::floor(static_cast<double>(rows) * options.test_fraction + 1e-9)));

    Dataset dataset;
    dataset.num_classes = *classes;
    take_rows(*table, order, 0, test_rows, dataset.num_classes, dataset.test);
    take_rows(*table, order, test_rows, rows, dataset.num_classes, dataset.train);
    compute_feature_stats(dataset.train, dataset.feature_mean, dataset.feature_std);
    return dataset;
}

}  // namespace slipway
