#include "data/h5.h"

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <type_traits>

namespace slipway::h5 {

namespace {

herr_t collect_error(unsigned /*n*/, const H5E_error2_t* entry, void* data) {
    auto* lines = static_cast<std::vector<std::string>*>(data);
    std::string line = entry->func_name ? entry->func_name : "?";
    if (entry->desc && *entry->desc) line += ": " + std::string(entry->desc);
    lines->push_back(std::move(line));
    return 0;
}

// "/train/x" -> {"train", "x"}
std::vector<std::string> split_path(const std::string& path) {
    std::vector<std::string> parts;
    size_t start = 0;
    while (start <= path.size()) {
        size_t slash = path.find('/', start);
        if (slash == std::string::npos) slash = path.size();
        if (slash > start) parts.push_back(path.substr(start, slash - start));
        start = slash + 1;
    }
    return parts;
}

TypeHandle vlen_string_type() {
    TypeHandle type(SLIPWAY_H5_CHECK(H5Tcopy(H5T_C_S1)));
    SLIPWAY_H5_CHECK(H5Tset_size(type.get(), H5T_VARIABLE));
    SLIPWAY_H5_CHECK(H5Tset_cset(type.get(), H5T_CSET_UTF8));
    return type;
}

Shape space_shape(hid_t space) {
    const int rank = SLIPWAY_H5_CHECK(H5Sget_simple_extent_ndims(space));
    Shape shape(static_cast<size_t>(rank));
    if (rank > 0) SLIPWAY_H5_CHECK(H5Sget_simple_extent_dims(space, shape.data(), nullptr));
    return shape;
}

template <class T>
constexpr TypeInfo::Kind kind_of() {
    return std::is_floating_point_v<T> ? TypeInfo::Kind::kFloat : TypeInfo::Kind::kInteger;
}

const char* kind_name(TypeInfo::Kind kind) {
    switch (kind) {
        case TypeInfo::Kind::kInteger:
            return "integer";
        case TypeInfo::Kind::kFloat:
            return "float";
        case TypeInfo::Kind::kString:
            return "string";
        case TypeInfo::Kind::kOther:
            break;
    }
    return "other";
}

void reclaim_vlen(hid_t mem_type, hid_t space, void* buffer) {
#if H5_VERSION_GE(1, 12, 0)
    SLIPWAY_H5_CHECK(H5Treclaim(mem_type, space, H5P_DEFAULT, buffer));
#else
    SLIPWAY_H5_CHECK(H5Dvlen_reclaim(mem_type, space, H5P_DEFAULT, buffer));
#endif
}

// Reads the strings of an attribute, variable-length or fixed-length.
std::vector<std::string> read_strings(hid_t attribute) {
    TypeHandle file_type(SLIPWAY_H5_CHECK(H5Aget_type(attribute)));
    SpaceHandle space(SLIPWAY_H5_CHECK(H5Aget_space(attribute)));
    const auto count = static_cast<size_t>(point_count(space.get()));
    std::vector<std::string> out;
    out.reserve(count);
    if (SLIPWAY_H5_CHECK(H5Tis_variable_str(file_type.get())) > 0) {
        TypeHandle mem_type = vlen_string_type();
        std::vector<char*> pointers(count, nullptr);
        if (count > 0) {
            SLIPWAY_H5_CHECK(H5Aread(attribute, mem_type.get(), pointers.data()));
        }
        for (char* p : pointers) out.emplace_back(p ? p : "");
        if (count > 0) reclaim_vlen(mem_type.get(), space.get(), pointers.data());
        return out;
    }
    const size_t width = SLIPWAY_H5_CHECK_NONZERO(H5Tget_size(file_type.get()));
    TypeHandle mem_type(SLIPWAY_H5_CHECK(H5Tcopy(H5T_C_S1)));
    SLIPWAY_H5_CHECK(H5Tset_size(mem_type.get(), width));
    const bool space_padded = string_padding(file_type.get()) == H5T_STR_SPACEPAD;
    std::vector<char> buffer(count * width);
    if (count > 0) SLIPWAY_H5_CHECK(H5Aread(attribute, mem_type.get(), buffer.data()));
    for (size_t i = 0; i < count; ++i) {
        const char* begin = buffer.data() + i * width;
        size_t length = strnlen(begin, width);
        if (space_padded) {
            while (length > 0 && begin[length - 1] == ' ') --length;
        }
        out.emplace_back(begin, length);
    }
    return out;
}

}  // namespace

// --- errors ---

void init() {
    static std::once_flag once;
    std::call_once(once, [] { SLIPWAY_H5_CHECK(H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr)); });
}

bool error_stack_empty() { return H5Eget_num(H5E_DEFAULT) == 0; }

void throw_error(const char* call, const char* file, int line) {
    // Read the stack first: any further HDF5 call clears it.
    std::vector<std::string> stack;
    const herr_t walked = H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_error, &stack);
    std::string detail;
    if (walked < 0) {
        detail = "HDF5 error stack unreadable";  // nothing better to report; already throwing
    } else if (stack.empty()) {
        detail = "no HDF5 error stack";
    } else {
        detail = stack.front();
        if (stack.size() > 1) detail += " <- " + stack.back();
    }
    std::string name = call;
    if (auto paren = name.find('('); paren != std::string::npos) name.resize(paren);
    throw Hdf5Error(name, detail, file, line);
}

// --- types and shapes ---

std::string shape_string(const Shape& shape) {
    if (shape.empty()) return "scalar";
    std::string text = "[";
    for (size_t i = 0; i < shape.size(); ++i) {
        if (i > 0) text += ", ";
        text += std::to_string(shape[i]);
    }
    return text + "]";
}

hsize_t element_count(const Shape& shape) {
    hsize_t count = 1;
    for (hsize_t d : shape) count *= d;
    return count;
}

TypeInfo describe_type(hid_t type) {
    TypeInfo info;
    const H5T_class_t type_class = SLIPWAY_H5_CHECK(H5Tget_class(type));
    info.size = SLIPWAY_H5_CHECK_NONZERO(H5Tget_size(type));
    switch (type_class) {
        case H5T_INTEGER:
            info.kind = TypeInfo::Kind::kInteger;
            info.is_signed = SLIPWAY_H5_CHECK(H5Tget_sign(type)) == H5T_SGN_2;
            info.name = (info.is_signed ? "int" : "uint") + std::to_string(info.size * 8);
            break;
        case H5T_FLOAT:
            info.kind = TypeInfo::Kind::kFloat;
            info.is_signed = true;
            info.name = "float" + std::to_string(info.size * 8);
            break;
        case H5T_STRING:
            info.kind = TypeInfo::Kind::kString;
            if (SLIPWAY_H5_CHECK(H5Tis_variable_str(type)) > 0) {
                info.size = 0;
                info.name = "string";
            } else {
                info.name = "string[" + std::to_string(info.size) + "]";
            }
            break;
        case H5T_COMPOUND:
            info.name = "compound";
            break;
        case H5T_ENUM:
            info.name = "enum";
            break;
        case H5T_ARRAY:
            info.name = "array";
            break;
        case H5T_VLEN:
            info.name = "vlen";
            break;
        case H5T_OPAQUE:
            info.name = "opaque";
            break;
        default:
            info.name = "other";
            break;
    }
    return info;
}

H5I_type_t identifier_type(hid_t id) { return SLIPWAY_H5_CHECK(H5Iget_type(id)); }

H5D_layout_t dataset_layout(hid_t create_plist) {
    return SLIPWAY_H5_CHECK(H5Pget_layout(create_plist));
}

hsize_t storage_size(hid_t dataset) {
    return SLIPWAY_H5_CHECK_AMBIGUOUS_ZERO(H5Dget_storage_size(dataset));
}

hsize_t point_count(hid_t space) {
    return static_cast<hsize_t>(SLIPWAY_H5_CHECK(H5Sget_simple_extent_npoints(space)));
}

H5T_str_t string_padding(hid_t string_type) { return SLIPWAY_H5_CHECK(H5Tget_strpad(string_type)); }

template <>
hid_t native_type<float>() {
    return H5T_NATIVE_FLOAT;
}
template <>
hid_t native_type<double>() {
    return H5T_NATIVE_DOUBLE;
}
template <>
hid_t native_type<int8_t>() {
    return H5T_NATIVE_INT8;
}
template <>
hid_t native_type<uint8_t>() {
    return H5T_NATIVE_UINT8;
}
template <>
hid_t native_type<int32_t>() {
    return H5T_NATIVE_INT32;
}
template <>
hid_t native_type<uint32_t>() {
    return H5T_NATIVE_UINT32;
}
template <>
hid_t native_type<int64_t>() {
    return H5T_NATIVE_INT64;
}
template <>
hid_t native_type<uint64_t>() {
    return H5T_NATIVE_UINT64;
}

// --- files ---

File File::create(const std::string& path, ExitCode error_code, hsize_t userblock_bytes) {
    init();
    PlistHandle access(SLIPWAY_H5_CHECK(H5Pcreate(H5P_FILE_ACCESS)));
    // The 1.8 object format at least: it stores attributes larger than 64 KiB (feature
    // statistics of wide data) densely instead of failing.
    SLIPWAY_H5_CHECK(H5Pset_libver_bounds(access.get(), H5F_LIBVER_V18, H5F_LIBVER_LATEST));
    PlistHandle creation(SLIPWAY_H5_CHECK(H5Pcreate(H5P_FILE_CREATE)));
    if (userblock_bytes > 0) SLIPWAY_H5_CHECK(H5Pset_userblock(creation.get(), userblock_bytes));
    FileHandle file(
        SLIPWAY_H5_CHECK(H5Fcreate(path.c_str(), H5F_ACC_TRUNC, creation.get(), access.get())));
    return File(path, std::move(file), error_code);
}

Result<File> File::open(const std::string& path, bool writable, ExitCode error_code) {
    init();
    auto fail = [&](std::string what, std::string hint = {}) {
        return Error{error_code, std::move(what), path, std::move(hint)};
    };
    std::error_code ec;
    if (!std::filesystem::exists(path, ec)) return fail("file not found");
    if (std::filesystem::is_directory(path, ec)) return fail("is a directory, not an HDF5 file");
    const htri_t is_hdf5 = H5Fis_hdf5(path.c_str());
    if (is_hdf5 <= 0) {
        return fail(is_hdf5 == 0 ? "not an HDF5 file" : "cannot be read as HDF5 (permissions?)");
    }
    const hid_t id = H5Fopen(path.c_str(), writable ? H5F_ACC_RDWR : H5F_ACC_RDONLY, H5P_DEFAULT);
    if (id < 0) {
        // A file HDF5 recognises but cannot open (locked, damaged): report it as bad data
        // with HDF5's reason rather than throwing.
        try {
            throw_error("H5Fopen", __FILE__, __LINE__);
        } catch (const Hdf5Error& e) {
            return fail(std::string("cannot open: ") + e.what());
        }
    }
    return File(path, FileHandle(id), error_code);
}

void File::close() {
    if (!file_.valid()) return;
    SLIPWAY_H5_CHECK(H5Fflush(file_.get(), H5F_SCOPE_LOCAL));
    SLIPWAY_H5_CHECK(H5Fclose(file_.release()));
}

Error File::error(const std::string& object, std::string what, std::string hint) const {
    return Error{error_code_, std::move(what), object.empty() ? path_ : path_ + ":" + object,
                 std::move(hint)};
}

// --- structure ---

bool File::exists(const std::string& object) const {
    if (object.empty() || object == "/") return true;
    std::string prefix;
    for (const std::string& part : split_path(object)) {
        prefix += "/" + part;
        if (SLIPWAY_H5_CHECK(H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT)) <= 0) {
            return false;
        }
        if (SLIPWAY_H5_CHECK(H5Oexists_by_name(file_.get(), prefix.c_str(), H5P_DEFAULT)) <= 0) {
            return false;  // a dangling soft link
        }
    }
    return true;
}

namespace {
H5I_type_t object_type(hid_t file, const std::string& object) {
    ObjectHandle handle(SLIPWAY_H5_CHECK(H5Oopen(file, object.c_str(), H5P_DEFAULT)));
    return identifier_type(handle.get());
}
}  // namespace

bool File::is_dataset(const std::string& object) const {
    return exists(object) && object_type(file_.get(), object) == H5I_DATASET;
}

bool File::is_group(const std::string& object) const {
    return exists(object) && object_type(file_.get(), object) == H5I_GROUP;
}

void File::create_group(const std::string& group) {
    std::string prefix;
    for (const std::string& part : split_path(group)) {
        prefix += "/" + part;
        if (SLIPWAY_H5_CHECK(H5Lexists(file_.get(), prefix.c_str(), H5P_DEFAULT)) > 0) continue;
        GroupHandle created(SLIPWAY_H5_CHECK(
            H5Gcreate2(file_.get(), prefix.c_str(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
    }
}

std::vector<Entry> File::list(const std::string& group) const {
    GroupHandle handle(SLIPWAY_H5_CHECK(H5Gopen2(file_.get(), group.c_str(), H5P_DEFAULT)));
    H5G_info_t info;
    SLIPWAY_H5_CHECK(H5Gget_info(handle.get(), &info));
    std::vector<Entry> entries;
    for (hsize_t i = 0; i < info.nlinks; ++i) {
        const ssize_t length = SLIPWAY_H5_CHECK(H5Lget_name_by_idx(
            handle.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0, H5P_DEFAULT));
        std::string name(static_cast<size_t>(length) + 1, '\0');
        SLIPWAY_H5_CHECK(H5Lget_name_by_idx(handle.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i,
                                            name.data(), name.size(), H5P_DEFAULT));
        name.resize(static_cast<size_t>(length));
        Entry entry{name, Entry::Kind::kOther};
        if (SLIPWAY_H5_CHECK(H5Oexists_by_name(handle.get(), name.c_str(), H5P_DEFAULT)) > 0) {
            const H5I_type_t type = object_type(handle.get(), name);
            if (type == H5I_GROUP) entry.kind = Entry::Kind::kGroup;
            if (type == H5I_DATASET) entry.kind = Entry::Kind::kDataset;
        }
        entries.push_back(std::move(entry));
    }
    return entries;
}

std::vector<std::string> File::list_datasets(const std::string& group) const {
    std::vector<std::string> paths;
    const std::string base = group == "/" ? "" : group;
    for (const Entry& entry : list(group)) {
        const std::string path = base + "/" + entry.name;
        if (entry.kind == Entry::Kind::kDataset) paths.push_back(path);
        if (entry.kind == Entry::Kind::kGroup) {
            for (std::string& child : list_datasets(path)) paths.push_back(std::move(child));
        }
    }
    return paths;
}

// --- datasets ---

void File::write_raw(const std::string& name, hid_t mem_type, const void* data, const Shape& shape,
                     const DatasetOptions& options) {
    SpaceHandle space(
        SLIPWAY_H5_CHECK(H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr)));
    PlistHandle link(SLIPWAY_H5_CHECK(H5Pcreate(H5P_LINK_CREATE)));
    SLIPWAY_H5_CHECK(H5Pset_create_intermediate_group(link.get(), 1));
    PlistHandle create(SLIPWAY_H5_CHECK(H5Pcreate(H5P_DATASET_CREATE)));
    // A chunk may not be empty, so an empty dataset stays contiguous.
    const bool chunked = options.chunk_rows > 0 && !shape.empty() && element_count(shape) > 0;
    if (chunked) {
        Shape chunk = shape;
        chunk[0] = std::min(options.chunk_rows, shape[0]);
        SLIPWAY_H5_CHECK(H5Pset_chunk(create.get(), static_cast<int>(chunk.size()), chunk.data()));
        if (options.shuffle) SLIPWAY_H5_CHECK(H5Pset_shuffle(create.get()));
        if (options.deflate > 0) {
            SLIPWAY_H5_CHECK(H5Pset_deflate(create.get(), static_cast<unsigned>(options.deflate)));
        }
    }
    DatasetHandle dataset(SLIPWAY_H5_CHECK(H5Dcreate2(
        file_.get(), name.c_str(), mem_type, space.get(), link.get(), create.get(), H5P_DEFAULT)));
    if (element_count(shape) > 0) {
        SLIPWAY_H5_CHECK(H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data));
    }
}

template <class T>
void File::write(const std::string& name, const T* data, const Shape& shape,
                 const DatasetOptions& options) {
    write_raw(name, native_type<T>(), data, shape, options);
}

void File::write_string(const std::string& name, const std::string& text) {
    TypeHandle type = vlen_string_type();
    SpaceHandle space(SLIPWAY_H5_CHECK(H5Screate(H5S_SCALAR)));
    PlistHandle link(SLIPWAY_H5_CHECK(H5Pcreate(H5P_LINK_CREATE)));
    SLIPWAY_H5_CHECK(H5Pset_create_intermediate_group(link.get(), 1));
    DatasetHandle dataset(SLIPWAY_H5_CHECK(H5Dcreate2(
        file_.get(), name.c_str(), type.get(), space.get(), link.get(), H5P_DEFAULT, H5P_DEFAULT)));
    const char* pointer = text.c_str();
    SLIPWAY_H5_CHECK(H5Dwrite(dataset.get(), type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &pointer));
}

Result<DatasetHandle> File::open_dataset(const std::string& name) const {
    if (!exists(name)) return error(name, "dataset not found");
    if (object_type(file_.get(), name) != H5I_DATASET) return error(name, "is not a dataset");
    return DatasetHandle(SLIPWAY_H5_CHECK(H5Dopen2(file_.get(), name.c_str(), H5P_DEFAULT)));
}

Result<DatasetInfo> File::dataset_info(const std::string& name) const {
    auto dataset = open_dataset(name);
    SLIPWAY_RETURN_IF_ERROR(dataset);
    DatasetInfo info;
    {
        SpaceHandle space(SLIPWAY_H5_CHECK(H5Dget_space(dataset->get())));
        info.shape = space_shape(space.get());
        TypeHandle type(SLIPWAY_H5_CHECK(H5Dget_type(dataset->get())));
        info.type = describe_type(type.get());
    }
    PlistHandle create(SLIPWAY_H5_CHECK(H5Dget_create_plist(dataset->get())));
    if (dataset_layout(create.get()) == H5D_CHUNKED) {
        info.chunk.resize(info.shape.size());
        SLIPWAY_H5_CHECK(
            H5Pget_chunk(create.get(), static_cast<int>(info.chunk.size()), info.chunk.data()));
    }
    const int filters = SLIPWAY_H5_CHECK(H5Pget_nfilters(create.get()));
    for (int i = 0; i < filters; ++i) {
        unsigned flags = 0;
        size_t values_count = 4;
        unsigned values[4] = {0, 0, 0, 0};
        char name_buffer[64] = {0};
        unsigned config = 0;
        const H5Z_filter_t filter = SLIPWAY_H5_CHECK(
            H5Pget_filter2(create.get(), static_cast<unsigned>(i), &flags, &values_count, values,
                           sizeof(name_buffer), name_buffer, &config));
        if (filter == H5Z_FILTER_DEFLATE) {
            info.filters.push_back("deflate(" + std::to_string(values_count > 0 ? values[0] : 0) +
                                   ")");
        } else if (filter == H5Z_FILTER_SHUFFLE) {
            info.filters.push_back("shuffle");
        } else {
            info.filters.push_back(*name_buffer ? name_buffer : "filter " + std::to_string(filter));
        }
    }
    info.storage_bytes = storage_size(dataset->get());
    return info;
}

Status File::check_kind(const std::string& where, const TypeInfo& stored,
                        TypeInfo::Kind wanted) const {
    if (stored.kind != wanted) {
        return error(where, "has dtype " + stored.name + ", expected " + kind_name(wanted));
    }
    return Status::success();
}

template <class T>
Result<Array<T>> File::read(const std::string& name, int rank) const {
    auto info = dataset_info(name);
    SLIPWAY_RETURN_IF_ERROR(info);
    SLIPWAY_RETURN_IF_ERROR(check_kind(name, info->type, kind_of<T>()));
    if (rank >= 0 && info->shape.size() != static_cast<size_t>(rank)) {
        return error(name, "has shape " + shape_string(info->shape) + ", expected rank " +
                               std::to_string(rank));
    }
    auto dataset = open_dataset(name);
    SLIPWAY_RETURN_IF_ERROR(dataset);
    Array<T> array;
    array.shape = info->shape;
    array.values.resize(element_count(array.shape));
    if (!array.values.empty()) {
        SLIPWAY_H5_CHECK(H5Dread(dataset->get(), native_type<T>(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                 array.values.data()));
    }
    return array;
}

template <class T>
Result<Array<T>> File::read_rows(const std::string& name, hsize_t begin, hsize_t end) const {
    auto info = dataset_info(name);
    SLIPWAY_RETURN_IF_ERROR(info);
    SLIPWAY_RETURN_IF_ERROR(check_kind(name, info->type, kind_of<T>()));
    if (info->shape.empty()) return error(name, "is a scalar; it has no rows");
    if (begin > end || end > info->shape[0]) {
        return error(name, "rows [" + std::to_string(begin) + ", " + std::to_string(end) +
                               ") outside its " + std::to_string(info->shape[0]) + " rows");
    }
    auto dataset = open_dataset(name);
    SLIPWAY_RETURN_IF_ERROR(dataset);
    Array<T> array;
    array.shape = info->shape;
    array.shape[0] = end - begin;
    array.values.resize(element_count(array.shape));
    if (array.values.empty()) return array;
    SpaceHandle file_space(SLIPWAY_H5_CHECK(H5Dget_space(dataset->get())));
    Shape start(info->shape.size(), 0);
    start[0] = begin;
    SLIPWAY_H5_CHECK(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                         array.shape.data(), nullptr));
    SpaceHandle mem_space(SLIPWAY_H5_CHECK(
        H5Screate_simple(static_cast<int>(array.shape.size()), array.shape.data(), nullptr)));
    SLIPWAY_H5_CHECK(H5Dread(dataset->get(), native_type<T>(), mem_space.get(), file_space.get(),
                             H5P_DEFAULT, array.values.data()));
    return array;
}

Result<std::string> File::read_string(const std::string& name) const {
    auto dataset = open_dataset(name);
    SLIPWAY_RETURN_IF_ERROR(dataset);
    TypeHandle file_type(SLIPWAY_H5_CHECK(H5Dget_type(dataset->get())));
    SpaceHandle space(SLIPWAY_H5_CHECK(H5Dget_space(dataset->get())));
    const TypeInfo type = describe_type(file_type.get());
    if (type.kind != TypeInfo::Kind::kString || type.size != 0 || point_count(space.get()) != 1) {
        return error(name, "has dtype " + type.name + " and shape " +
                               shape_string(space_shape(space.get())) +
                               ", expected a scalar variable-length string");
    }
    TypeHandle mem_type = vlen_string_type();
    char* pointer = nullptr;
    SLIPWAY_H5_CHECK(
        H5Dread(dataset->get(), mem_type.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, &pointer));
    std::string text = pointer ? pointer : "";
    reclaim_vlen(mem_type.get(), space.get(), &pointer);
    return text;
}

// --- attributes ---

void File::write_attribute_raw(const std::string& object, const std::string& name, hid_t mem_type,
                               const void* data, const Shape& shape) {
    if (SLIPWAY_H5_CHECK(
            H5Aexists_by_name(file_.get(), object.c_str(), name.c_str(), H5P_DEFAULT)) > 0) {
        SLIPWAY_H5_CHECK(H5Adelete_by_name(file_.get(), object.c_str(), name.c_str(), H5P_DEFAULT));
    }
    SpaceHandle space(SLIPWAY_H5_CHECK(
        shape.empty() ? H5Screate(H5S_SCALAR)
                      : H5Screate_simple(static_cast<int>(shape.size()), shape.data(), nullptr)));
    AttributeHandle attribute(
        SLIPWAY_H5_CHECK(H5Acreate_by_name(file_.get(), object.c_str(), name.c_str(), mem_type,
                                           space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT)));
    if (element_count(shape) > 0) SLIPWAY_H5_CHECK(H5Awrite(attribute.get(), mem_type, data));
}

template <class T>
void File::write_attribute(const std::string& object, const std::string& name,
                           const std::vector<T>& values) {
    write_attribute_raw(object, name, native_type<T>(), values.data(), Shape{values.size()});
}

template <class T>
void File::write_scalar_attribute(const std::string& object, const std::string& name, T value) {
    write_attribute_raw(object, name, native_type<T>(), &value, Shape{});
}

void File::write_string_attribute(const std::string& object, const std::string& name,
                                  const std::string& value) {
    TypeHandle type = vlen_string_type();
    const char* pointer = value.c_str();
    write_attribute_raw(object, name, type.get(), &pointer, Shape{});
}

void File::write_strings_attribute(const std::string& object, const std::string& name,
                                   const std::vector<std::string>& values) {
    TypeHandle type = vlen_string_type();
    std::vector<const char*> pointers;
    pointers.reserve(values.size());
    for (const std::string& value : values) pointers.push_back(value.c_str());
    write_attribute_raw(object, name, type.get(), pointers.data(), Shape{values.size()});
}

bool File::has_attribute(const std::string& object, const std::string& name) const {
    return exists(object) && SLIPWAY_H5_CHECK(H5Aexists_by_name(file_.get(), object.c_str(),
                                                                name.c_str(), H5P_DEFAULT)) > 0;
}

namespace {
herr_t collect_attribute_name(hid_t /*location*/, const char* name, const H5A_info_t* /*info*/,
                              void* data) {
    static_cast<std::vector<std::string>*>(data)->emplace_back(name);
    return 0;
}
}  // namespace

std::vector<std::string> File::attribute_names(const std::string& object) const {
    std::vector<std::string> names;
    SLIPWAY_H5_CHECK(H5Aiterate_by_name(file_.get(), object.c_str(), H5_INDEX_NAME, H5_ITER_INC,
                                        nullptr, collect_attribute_name, &names, H5P_DEFAULT));
    return names;
}

Result<AttributeHandle> File::open_attribute(const std::string& object,
                                             const std::string& name) const {
    if (!exists(object))
        return error(object, "object not found (looking for attribute " + name + ")");
    if (!has_attribute(object, name)) return error(object, "attribute " + name + " not found");
    return AttributeHandle(SLIPWAY_H5_CHECK(
        H5Aopen_by_name(file_.get(), object.c_str(), name.c_str(), H5P_DEFAULT, H5P_DEFAULT)));
}

Result<AttributeInfo> File::attribute_info(const std::string& object,
                                           const std::string& name) const {
    auto attribute = open_attribute(object, name);
    SLIPWAY_RETURN_IF_ERROR(attribute);
    AttributeInfo info;
    SpaceHandle space(SLIPWAY_H5_CHECK(H5Aget_space(attribute->get())));
    info.shape = space_shape(space.get());
    TypeHandle type(SLIPWAY_H5_CHECK(H5Aget_type(attribute->get())));
    info.type = describe_type(type.get());
    return info;
}

template <class T>
Result<std::vector<T>> File::read_attribute(const std::string& object,
                                            const std::string& name) const {
    auto info = attribute_info(object, name);
    SLIPWAY_RETURN_IF_ERROR(info);
    SLIPWAY_RETURN_IF_ERROR(check_kind(object + " attribute " + name, info->type, kind_of<T>()));
    auto attribute = open_attribute(object, name);
    SLIPWAY_RETURN_IF_ERROR(attribute);
    std::vector<T> values(element_count(info->shape));
    if (!values.empty()) {
        SLIPWAY_H5_CHECK(H5Aread(attribute->get(), native_type<T>(), values.data()));
    }
    return values;
}

template <class T>
Result<T> File::read_scalar_attribute(const std::string& object, const std::string& name) const {
    auto values = read_attribute<T>(object, name);
    SLIPWAY_RETURN_IF_ERROR(values);
    if (values->size() != 1) {
        return error(object, "attribute " + name + " has " + std::to_string(values->size()) +
                                 " elements, expected one");
    }
    return values->front();
}

Result<std::vector<std::string>> File::read_strings_attribute(const std::string& object,
                                                              const std::string& name) const {
    auto info = attribute_info(object, name);
    SLIPWAY_RETURN_IF_ERROR(info);
    SLIPWAY_RETURN_IF_ERROR(
        check_kind(object + " attribute " + name, info->type, TypeInfo::Kind::kString));
    auto attribute = open_attribute(object, name);
    SLIPWAY_RETURN_IF_ERROR(attribute);
    return read_strings(attribute->get());
}

Result<std::string> File::read_string_attribute(const std::string& object,
                                                const std::string& name) const {
    auto values = read_strings_attribute(object, name);
    SLIPWAY_RETURN_IF_ERROR(values);
    if (values->size() != 1) {
        return error(object, "attribute " + name + " has " + std::to_string(values->size()) +
                                 " strings, expected one");
    }
    return values->front();
}

#define SLIPWAY_H5_INSTANTIATE(T)                                                             \
    template void File::write<T>(const std::string&, const T*, const Shape&,                  \
                                 const DatasetOptions&);                                      \
    template Result<Array<T>> File::read<T>(const std::string&, int) const;                   \
    template Result<Array<T>> File::read_rows<T>(const std::string&, hsize_t, hsize_t) const; \
    template void File::write_attribute<T>(const std::string&, const std::string&,            \
                                           const std::vector<T>&);                            \
    template void File::write_scalar_attribute<T>(const std::string&, const std::string&, T); \
    template Result<std::vector<T>> File::read_attribute<T>(const std::string&,               \
                                                            const std::string&) const;        \
    template Result<T> File::read_scalar_attribute<T>(const std::string&, const std::string&) const;

SLIPWAY_H5_INSTANTIATE(float)
SLIPWAY_H5_INSTANTIATE(double)
SLIPWAY_H5_INSTANTIATE(int8_t)
SLIPWAY_H5_INSTANTIATE(uint8_t)
SLIPWAY_H5_INSTANTIATE(int32_t)
SLIPWAY_H5_INSTANTIATE(uint32_t)
SLIPWAY_H5_INSTANTIATE(int64_t)
SLIPWAY_H5_INSTANTIATE(uint64_t)

#undef SLIPWAY_H5_INSTANTIATE

}  // namespace slipway::h5
