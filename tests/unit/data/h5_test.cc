#include "data/h5.h"

#include <gtest/gtest.h>

#include <cstring>
#include <numeric>

#include "test_files.h"

namespace slipway::h5 {
namespace {

using slipway::testing::TempDir;

TEST(H5Test, DatasetRoundTripWithChunksAndCompression) {
    TempDir dir;
    const std::string path = dir.file("a.h5");
    std::vector<float> x(30 * 4);
    std::iota(x.begin(), x.end(), 0.0f);
    std::vector<int32_t> y(30);
    std::iota(y.begin(), y.end(), -5);
    {
        File file = File::create(path);
        file.write("/group/x", x, {30, 4}, DatasetOptions{8, 4, true});
        file.write("/group/y", y, {30});
        file.close();
    }
    auto opened = File::open(path);
    ASSERT_TRUE(opened.ok()) << opened.error().message();
    auto read_x = opened->read<float>("/group/x", 2);
    ASSERT_TRUE(read_x.ok()) << read_x.error().message();
    EXPECT_EQ(read_x->shape, (Shape{30, 4}));
    EXPECT_EQ(read_x->values, x);
    auto read_y = opened->read<int32_t>("/group/y");
    ASSERT_TRUE(read_y.ok());
    EXPECT_EQ(read_y->values, y);

    auto info = opened->dataset_info("/group/x");
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->type.name, "float32");
    EXPECT_EQ(info->chunk, (Shape{8, 4}));
    EXPECT_EQ(info->filters, (std::vector<std::string>{"shuffle", "deflate(4)"}));
    auto y_info = opened->dataset_info("/group/y");
    ASSERT_TRUE(y_info.ok());
    EXPECT_TRUE(y_info->chunk.empty());
    EXPECT_EQ(y_info->type.name, "int32");

    EXPECT_TRUE(opened->exists("/group/x"));
    EXPECT_FALSE(opened->exists("/group/z"));
    EXPECT_FALSE(opened->exists("/nothing/x"));
    EXPECT_TRUE(opened->is_group("/group"));
    EXPECT_TRUE(opened->is_dataset("/group/y"));
    EXPECT_EQ(opened->list_datasets(), (std::vector<std::string>{"/group/x", "/group/y"}));
}

TEST(H5Test, RowRangeReadIsAHyperslab) {
    TempDir dir;
    const std::string path = dir.file("rows.h5");
    std::vector<double> x(10 * 3);
    std::iota(x.begin(), x.end(), 0.0);
    {
        File file = File::create(path);
        file.write("/x", x, {10, 3}, DatasetOptions{4, 1, false});
    }
    auto file = File::open(path);
    ASSERT_TRUE(file.ok());
    auto rows = file->read_rows<double>("/x", 3, 7);
    ASSERT_TRUE(rows.ok()) << rows.error().message();
    EXPECT_EQ(rows->shape, (Shape{4, 3}));
    EXPECT_EQ(rows->values, std::vector<double>(x.begin() + 9, x.begin() + 21));
    auto empty = file->read_rows<double>("/x", 5, 5);
    ASSERT_TRUE(empty.ok());
    EXPECT_TRUE(empty->values.empty());
    EXPECT_FALSE(file->read_rows<double>("/x", 8, 11).ok());
}

TEST(H5Test, AttributesOfEveryKind) {
    TempDir dir;
    const std::string path = dir.file("attrs.h5");
    {
        File file = File::create(path);
        file.write_scalar_attribute<int32_t>("/", "num_classes", 10);
        file.write_scalar_attribute<uint64_t>("/", "step", 1ull << 40);
        file.write_attribute<float>("/", "mean", {0.5f, 1.5f});
        file.write_string_attribute("/", "spec", "name: test\n");
        file.write_strings_attribute("/", "names", {"a", "", "T-shirt/top"});
        file.write_scalar_attribute<int32_t>("/", "num_classes", 12);  // replaces
        file.write("/d", std::vector<uint8_t>{1, 2}, {2});
        file.write_scalar_attribute<double>("/d", "scale", 0.25);
    }
    auto file = File::open(path);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(*file->read_scalar_attribute<int32_t>("/", "num_classes"), 12);
    EXPECT_EQ(*file->read_scalar_attribute<uint64_t>("/", "step"), 1ull << 40);
    EXPECT_EQ(*file->read_attribute<float>("/", "mean"), (std::vector<float>{0.5f, 1.5f}));
    EXPECT_EQ(*file->read_string_attribute("/", "spec"), "name: test\n");
    EXPECT_EQ(*file->read_strings_attribute("/", "names"),
              (std::vector<std::string>{"a", "", "T-shirt/top"}));
    EXPECT_EQ(*file->read_scalar_attribute<double>("/d", "scale"), 0.25);
    // Integer attributes convert between widths.
    EXPECT_EQ(*file->read_scalar_attribute<int64_t>("/", "num_classes"), 12);
    EXPECT_EQ(file->attribute_names("/"),
              (std::vector<std::string>{"mean", "names", "num_classes", "spec", "step"}));
    auto info = file->attribute_info("/", "mean");
    ASSERT_TRUE(info.ok());
    EXPECT_EQ(info->shape, (Shape{2}));
    EXPECT_EQ(info->type.name, "float32");

    EXPECT_FALSE(file->read_scalar_attribute<int32_t>("/", "missing").ok());
    EXPECT_FALSE(file->read_scalar_attribute<int32_t>("/", "mean").ok());  // float, 2 values
    EXPECT_FALSE(file->read_attribute<float>("/", "names").ok());          // strings
    EXPECT_FALSE(file->read_strings_attribute("/", "mean").ok());
}

TEST(H5Test, LargeAttributesAndStringDatasets) {
    TempDir dir;
    const std::string path = dir.file("large.h5");
    std::vector<float> wide(100000, 1.0f);  // 400 KB: beyond the 64 KiB compact limit
    const std::string text(200000, 'x');
    {
        File file = File::create(path);
        file.write_attribute("/", "wide", wide);
        file.write_string("/meta/spec", text);
    }
    auto file = File::open(path);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(file->read_attribute<float>("/", "wide")->size(), wide.size());
    EXPECT_EQ(*file->read_string("/meta/spec"), text);
    EXPECT_FALSE(file->read_string("/wide").ok());
}

TEST(H5Test, ReadsFixedLengthStringAttributes) {
    TempDir dir;
    const std::string path = dir.file("fixed.h5");
    {
        // What other tools (h5py with numpy bytes) write: fixed-size, NUL-padded strings.
        File file = File::create(path);
        TypeHandle type(SLIPWAY_H5_CHECK(H5Tcopy(H5T_C_S1)));
        SLIPWAY_H5_CHECK(H5Tset_size(type.get(), 4));
        hsize_t count = 2;
        SpaceHandle space(SLIPWAY_H5_CHECK(H5Screate_simple(1, &count, nullptr)));
        AttributeHandle attribute(SLIPWAY_H5_CHECK(
            H5Acreate2(file.id(), "names", type.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT)));
        const char data[8] = {'c', 'a', 't', '\0', 'b', 'i', 'r', 'd'};
        SLIPWAY_H5_CHECK(H5Awrite(attribute.get(), type.get(), data));
    }
    auto file = File::open(path);
    ASSERT_TRUE(file.ok());
    EXPECT_EQ(*file->read_strings_attribute("/", "names"),
              (std::vector<std::string>{"cat", "bird"}));
}

TEST(H5Test, ExpectedProblemsAreErrorValues) {
    TempDir dir;
    auto missing = File::open(dir.file("missing.h5"));
    ASSERT_FALSE(missing.ok());
    EXPECT_EQ(missing.error().code, ExitCode::kBadData);
    EXPECT_NE(missing.error().message().find("file not found"), std::string::npos);

    slipway::testing::write_text(dir.file("text.h5"), "not hdf5 at all");
    auto not_hdf5 = File::open(dir.file("text.h5"), false, ExitCode::kBadCheckpoint);
    ASSERT_FALSE(not_hdf5.ok());
    EXPECT_EQ(not_hdf5.error().code, ExitCode::kBadCheckpoint);
    EXPECT_NE(not_hdf5.error().message().find("not an HDF5 file"), std::string::npos);

    const std::string path = dir.file("a.h5");
    {
        File file = File::create(path);
        file.write("/x", std::vector<int32_t>{1, 2, 3}, {3});
    }
    auto file = File::open(path);
    ASSERT_TRUE(file.ok());
    auto absent = file->read<float>("/y");
    ASSERT_FALSE(absent.ok());
    EXPECT_EQ(absent.error().message(), path + ":/y: dataset not found");
    auto wrong_type = file->read<float>("/x");
    ASSERT_FALSE(wrong_type.ok());
    EXPECT_NE(wrong_type.error().message().find("has dtype int32, expected float"),
              std::string::npos);
    auto wrong_rank = file->read<int32_t>("/x", 2);
    ASSERT_FALSE(wrong_rank.ok());
    EXPECT_NE(wrong_rank.error().message().find("expected rank 2"), std::string::npos);
}

TEST(H5Test, FailedCallsThrowHdf5ErrorNamingTheCall) {
    TempDir dir;
    File file = File::create(dir.file("a.h5"));
    file.write("/x", std::vector<float>{1.0f}, {1});
    try {
        file.write("/x", std::vector<float>{2.0f}, {1});  // already exists
        FAIL() << "expected Hdf5Error";
    } catch (const Hdf5Error& e) {
        const std::string message = e.what();
        EXPECT_EQ(e.call(), "H5Dcreate2");
        EXPECT_NE(message.find("h5.cc:"), std::string::npos) << message;
        EXPECT_NE(message.find("H5Dcreate2"), std::string::npos) << message;
        EXPECT_NE(message.find("exists"), std::string::npos) << message;
    }
    EXPECT_THROW(File::create(dir.file("no/such/dir/b.h5")), Hdf5Error);
}

// Each query below used to pass HDF5's error value on as an answer (describe_type of a bad id
// gave kind "other" with size 0; a failed H5Dget_storage_size gave 0 bytes).
TEST(H5Test, DescribeTypeThrowsWhenTheQueriesFail) {
    init();
    EXPECT_THROW(describe_type(H5I_INVALID_HID), Hdf5Error);
    SpaceHandle space(SLIPWAY_H5_CHECK(H5Screate(H5S_SCALAR)));
    try {
        describe_type(space.get());  // a dataspace, not a datatype
        FAIL() << "expected Hdf5Error";
    } catch (const Hdf5Error& e) {
        EXPECT_EQ(e.call(), "H5Tget_class");
    }
    EXPECT_EQ(describe_type(H5T_NATIVE_UINT16).name, "uint16");
    EXPECT_EQ(describe_type(H5T_IEEE_F64LE).name, "float64");
}

TEST(H5Test, CheckedQueriesThrowWhenTheCallFails) {
    init();
    SpaceHandle space(SLIPWAY_H5_CHECK(H5Screate(H5S_SCALAR)));
    TypeHandle integer(SLIPWAY_H5_CHECK(H5Tcopy(H5T_NATIVE_INT32)));
    auto call_of = [](auto&& query) -> std::string {
        try {
            query();
        } catch (const Hdf5Error& e) {
            return e.call();
        }
        return "no exception";
    };
    EXPECT_EQ(call_of([&] { identifier_type(H5I_INVALID_HID); }), "H5Iget_type");
    EXPECT_EQ(call_of([&] { dataset_layout(space.get()); }), "H5Pget_layout");
    EXPECT_EQ(call_of([&] { storage_size(space.get()); }), "H5Dget_storage_size");
    EXPECT_EQ(call_of([&] { point_count(integer.get()); }), "H5Sget_simple_extent_npoints");
    EXPECT_EQ(call_of([&] { string_padding(integer.get()); }), "H5Tget_strpad");  // not a string

    EXPECT_EQ(identifier_type(space.get()), H5I_DATASPACE);
    EXPECT_EQ(point_count(space.get()), 1u);
}

TEST(H5Test, ZeroStorageSizeOfAnEmptyDatasetIsNotAnError) {
    TempDir dir;
    const std::string path = dir.file("empty.h5");
    {
        File file = File::create(path);
        file.write("/empty", std::vector<float>{}, {0, 3}, DatasetOptions{4, 4, true});
        file.write("/full", std::vector<float>(12, 1.0f), {4, 3}, DatasetOptions{4, 4, true});
    }
    auto file = File::open(path);
    ASSERT_TRUE(file.ok());
    auto empty = file->dataset_info("/empty");
    ASSERT_TRUE(empty.ok());
    EXPECT_EQ(empty->storage_bytes, 0u);
    EXPECT_TRUE(empty->chunk.empty());  // an empty dataset stays contiguous
    auto full = file->dataset_info("/full");
    ASSERT_TRUE(full.ok());
    EXPECT_GT(full->storage_bytes, 0u);
    EXPECT_EQ(full->chunk, (Shape{4, 3}));
}

TEST(H5Test, HandlesCloseOnceAndMove) {
    init();
    SpaceHandle a(SLIPWAY_H5_CHECK(H5Screate(H5S_SCALAR)));
    const hid_t id = a.get();
    SpaceHandle b(std::move(a));
    EXPECT_FALSE(a.valid());
    EXPECT_EQ(b.get(), id);
    b.reset();
    EXPECT_FALSE(b.valid());
    EXPECT_LE(H5Iis_valid(id), 0);
}

TEST(H5Test, ShapeHelpers) {
    EXPECT_EQ(shape_string({}), "scalar");
    EXPECT_EQ(shape_string({60000, 784}), "[60000, 784]");
    EXPECT_EQ(element_count({3, 4}), 12u);
    EXPECT_EQ(element_count({0, 4}), 0u);
}

}  // namespace
}  // namespace slipway::h5
