#pragma once

// A small wrapper over the HDF5 C API, shared by the dataset files and the checkpoints.
//
// Two kinds of failure, as DESIGN.md "Errors" asks:
//  - a failed HDF5 call (disk full, library bug) throws Hdf5Error naming the call, the source
//    location and the top of HDF5's error stack (SLIPWAY_H5_CHECK);
//  - an expected problem with the file (missing, not HDF5, no such dataset or attribute,
//    wrong dtype or rank) comes back as an Error value whose code is the File's error_code
//    (kBadData unless the opener asks otherwise, e.g. kBadCheckpoint for checkpoints).
//
// Debian's libhdf5 is the serial build, which is not thread-safe: call it from one thread at a
// time (a background checkpoint writer must not overlap with data reads).

#include <hdf5.h>

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "common/exit_code.h"
#include "common/status.h"
#include "common/system_error.h"

namespace slipway::h5 {

// Turns off HDF5's habit of printing its error stack to stderr (we report errors ourselves).
// Idempotent; File::create/open call it, code that calls HDF5 directly should too.
void init();

// Throws Hdf5Error for `call` (the expression text; only the function name is kept), adding
// the outermost and innermost entries of HDF5's error stack.
[[noreturn]] void throw_error(const char* call, const char* file, int line);

template <class T>
T check(T value, const char* call, const char* file, int line) {
    if (value < 0) throw_error(call, file, line);
    return value;
}

// For calls whose only failure value is 0 (H5Tget_size: no type has size 0).
template <class T>
T check_nonzero(T value, const char* call, const char* file, int line) {
    if (value == 0) throw_error(call, file, line);
    return value;
}

// For calls that return 0 both on failure and as a valid answer (H5Dget_storage_size: 0 is
// also the size of a dataset with no storage allocated yet). Every HDF5 API call clears the
// error stack on entry, so a 0 counts as a failure exactly when the call left an error there.
bool error_stack_empty();
template <class T>
T check_ambiguous_zero(T value, const char* call, const char* file, int line) {
    if (value == 0 && !error_stack_empty()) throw_error(call, file, line);
    return value;
}

}  // namespace slipway::h5

// Checks an HDF5 call that signals failure by a negative value (herr_t, hid_t, htri_t,
// ssize_t, and the enums whose error value is -1: H5T_NO_CLASS, H5T_SGN_ERROR, H5T_STR_ERROR,
// H5D_LAYOUT_ERROR, H5I_BADID) and yields its value.
#define SLIPWAY_H5_CHECK(expr) ::slipway::h5::check((expr), #expr, __FILE__, __LINE__)
// Checks a call that signals failure by 0 (H5Tget_size).
#define SLIPWAY_H5_CHECK_NONZERO(expr) \
    ::slipway::h5::check_nonzero((expr), #expr, __FILE__, __LINE__)
// Checks a call for which 0 is ambiguous (H5Dget_storage_size); see check_ambiguous_zero.
#define SLIPWAY_H5_CHECK_AMBIGUOUS_ZERO(expr) \
    ::slipway::h5::check_ambiguous_zero((expr), #expr, __FILE__, __LINE__)

namespace slipway::h5 {

// Owns one HDF5 identifier; Close runs in the destructor, which never throws (a failed close
// there is ignored: use File::close() where the outcome matters).
template <herr_t (*Close)(hid_t)>
class Handle {
 public:
    Handle() = default;
    explicit Handle(hid_t id) : id_(id) {}
    ~Handle() { reset(); }
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    Handle(Handle&& other) noexcept : id_(std::exchange(other.id_, H5I_INVALID_HID)) {}
    Handle& operator=(Handle&& other) noexcept {
        if (this != &other) {
            reset();
            id_ = std::exchange(other.id_, H5I_INVALID_HID);
        }
        return *this;
    }

    hid_t get() const { return id_; }
    bool valid() const { return id_ >= 0; }
    hid_t release() { return std::exchange(id_, H5I_INVALID_HID); }
    void reset() noexcept {
        if (id_ >= 0) Close(id_);
        id_ = H5I_INVALID_HID;
    }

 private:
    hid_t id_ = H5I_INVALID_HID;
};

using FileHandle = Handle<H5Fclose>;
using GroupHandle = Handle<H5Gclose>;
using DatasetHandle = Handle<H5Dclose>;
using SpaceHandle = Handle<H5Sclose>;
using AttributeHandle = Handle<H5Aclose>;
using TypeHandle = Handle<H5Tclose>;  // only for types we own (copies), never H5T_NATIVE_*
using PlistHandle = Handle<H5Pclose>;
using ObjectHandle = Handle<H5Oclose>;  // any object opened with H5Oopen

using Shape = std::vector<hsize_t>;

// "[60000, 784]"; "scalar" for an empty shape.
std::string shape_string(const Shape& shape);
hsize_t element_count(const Shape& shape);

// What a stored type is, reduced to what readers need to check.
struct TypeInfo {
    enum class Kind { kInteger, kFloat, kString, kOther };
    Kind kind = Kind::kOther;
    size_t size = 0;  // bytes per element; for a variable-length string 0
    bool is_signed = false;
    std::string name;  // "float32", "int32", "uint64", "string", "string[16]", "compound"
};
// Throws Hdf5Error when `type` is not a datatype (any HDF5 query on it fails).
TypeInfo describe_type(hid_t type);

// Checked forms of HDF5 queries the wrapper relies on; each throws Hdf5Error when its call
// fails instead of passing on the error value as if it were an answer.
H5I_type_t identifier_type(hid_t id);             // H5Iget_type
H5D_layout_t dataset_layout(hid_t create_plist);  // H5Pget_layout
// H5Dget_storage_size. 0 is a valid answer (nothing allocated yet: an empty dataset, or one
// never written) as well as HDF5's failure value; a 0 left with an HDF5 error throws.
hsize_t storage_size(hid_t dataset);
hsize_t point_count(hid_t space);             // H5Sget_simple_extent_npoints
H5T_str_t string_padding(hid_t string_type);  // H5Tget_strpad

struct DatasetInfo {
    Shape shape;
    TypeInfo type;
    Shape chunk;                       // empty when not chunked
    std::vector<std::string> filters;  // e.g. "shuffle", "deflate(4)"
    hsize_t storage_bytes = 0;         // on disk, after compression; 0 when nothing is allocated
};

struct AttributeInfo {
    Shape shape;  // empty for a scalar
    TypeInfo type;
};

// How a dataset is laid out on disk. Chunking (needed for compression) is by rows: each chunk
// holds `chunk_rows` full rows, so a row-range read touches only the chunks it needs.
struct DatasetOptions {
    hsize_t chunk_rows = 0;  // 0: contiguous
    int deflate = 0;         // 0-9; needs chunk_rows > 0
    bool shuffle = false;    // byte shuffle before deflate; helps float data
};

// A dataset read into memory: values row-major.
template <class T>
struct Array {
    std::vector<T> values;
    Shape shape;
};

// Supported element types: float, double, int8_t, uint8_t, int32_t, uint32_t, int64_t,
// uint64_t. Readers accept a stored type of the same kind (integer for integer T, float for
// float T) and let HDF5 convert the width; another kind is an Error.
template <class T>
hid_t native_type();
template <>
hid_t native_type<float>();
template <>
hid_t native_type<double>();
template <>
hid_t native_type<int8_t>();
template <>
hid_t native_type<uint8_t>();
template <>
hid_t native_type<int32_t>();
template <>
hid_t native_type<uint32_t>();
template <>
hid_t native_type<int64_t>();
template <>
hid_t native_type<uint64_t>();

struct Entry {
    enum class Kind { kGroup, kDataset, kOther };
    std::string name;  // the link name within its group
    Kind kind = Kind::kOther;
};

class File {
 public:
    // Creates (truncating) a file for writing. Throws Hdf5Error when that fails.
    // `userblock_bytes` (0, or a power of two >= 512) reserves that many bytes at the start of
    // the file, which HDF5 leaves to the caller (checkpoints keep a whole-file checksum there).
    static File create(const std::string& path, ExitCode error_code = ExitCode::kBadData,
                       hsize_t userblock_bytes = 0);
    // Opens an existing file. A missing file or one that is not HDF5 is an Error.
    static Result<File> open(const std::string& path, bool writable = false,
                             ExitCode error_code = ExitCode::kBadData);

    File(File&&) = default;
    File& operator=(File&&) = default;

    const std::string& path() const { return path_; }
    hid_t id() const { return file_.get(); }
    // Flushes and closes, throwing on failure: a writer must know its data reached the disk
    // before it renames the file into place. The destructor closes silently.
    void close();

    // An Error of this file's code, located at "path:object".
    Error error(const std::string& object, std::string what, std::string hint = {}) const;

    // --- structure ---
    // True when every component of `object` ("/train/x") exists.
    bool exists(const std::string& object) const;
    bool is_dataset(const std::string& object) const;
    bool is_group(const std::string& object) const;
    // Creates a group and any missing parents; an existing group is fine.
    void create_group(const std::string& group);
    // The links in `group`, in name order.
    std::vector<Entry> list(const std::string& group = "/") const;
    // Full paths of every dataset below `group`, depth first, in name order.
    std::vector<std::string> list_datasets(const std::string& group = "/") const;

    // --- datasets ---
    // Writes a new dataset (missing parent groups are created). `data` holds
    // element_count(shape) values, row-major.
    template <class T>
    void write(const std::string& name, const T* data, const Shape& shape,
               const DatasetOptions& options = {});
    template <class T>
    void write(const std::string& name, const std::vector<T>& data, const Shape& shape,
               const DatasetOptions& options = {}) {
        write(name, data.data(), shape, options);
    }
    // A scalar variable-length UTF-8 string dataset (no 64 KiB limit as for attributes).
    void write_string(const std::string& name, const std::string& text);

    Result<DatasetInfo> dataset_info(const std::string& name) const;
    // The whole dataset; `rank` >= 0 also requires that rank.
    template <class T>
    Result<Array<T>> read(const std::string& name, int rank = -1) const;
    // Rows [begin, end) of the first dimension (a hyperslab), all of the others.
    template <class T>
    Result<Array<T>> read_rows(const std::string& name, hsize_t begin, hsize_t end) const;
    Result<std::string> read_string(const std::string& name) const;

    // --- attributes, on any object ("/" for the file's root) ---
    // Writing replaces an attribute of the same name.
    template <class T>
    void write_attribute(const std::string& object, const std::string& name,
                         const std::vector<T>& values);
    template <class T>
    void write_scalar_attribute(const std::string& object, const std::string& name, T value);
    void write_string_attribute(const std::string& object, const std::string& name,
                                const std::string& value);
    void write_strings_attribute(const std::string& object, const std::string& name,
                                 const std::vector<std::string>& values);

    bool has_attribute(const std::string& object, const std::string& name) const;
    std::vector<std::string> attribute_names(const std::string& object) const;
    Result<AttributeInfo> attribute_info(const std::string& object, const std::string& name) const;
    // All elements (a scalar gives one).
    template <class T>
    Result<std::vector<T>> read_attribute(const std::string& object, const std::string& name) const;
    // Exactly one element.
    template <class T>
    Result<T> read_scalar_attribute(const std::string& object, const std::string& name) const;
    // Variable-length or fixed-length strings; a scalar gives one.
    Result<std::vector<std::string>> read_strings_attribute(const std::string& object,
                                                            const std::string& name) const;
    Result<std::string> read_string_attribute(const std::string& object,
                                              const std::string& name) const;

 private:
    File(std::string path, FileHandle file, ExitCode error_code)
        : path_(std::move(path)), file_(std::move(file)), error_code_(error_code) {}

    void write_raw(const std::string& name, hid_t mem_type, const void* data, const Shape& shape,
                   const DatasetOptions& options);
    void write_attribute_raw(const std::string& object, const std::string& name, hid_t mem_type,
                             const void* data, const Shape& shape);
    Result<DatasetHandle> open_dataset(const std::string& name) const;
    Result<AttributeHandle> open_attribute(const std::string& object,
                                           const std::string& name) const;
    Status check_kind(const std::string& where, const TypeInfo& stored,
                      TypeInfo::Kind wanted) const;

    std::string path_;
    FileHandle file_;
    ExitCode error_code_ = ExitCode::kBadData;
};

}  // namespace slipway::h5
