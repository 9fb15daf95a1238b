#pragma once

#include <cstddef>
#include <cstdlib>
#include <memory>
#include <new>

namespace slipway::cpu {

// A float array on a 64-byte boundary (one cache line, one AVX-512 vector) so BLAS and the
// elementwise loops start aligned. Contents are not preserved by resize().
class AlignedBuffer {
public:
    AlignedBuffer() = default;
    explicit AlignedBuffer(size_t count) { resize(count); }

    void resize(size_t count) {
        if (count == size_) return;
        data_.reset();
        size_ = 0;
        if (count == 0) return;
        const size_t bytes = (count * sizeof(float) + 63) / 64 * 64;
        data_.reset(static_cast<float*>(std::aligned_alloc(64, bytes)));
        if (!data_) throw std::bad_alloc();
        size_ = count;
    }

    float* data() { return data_.get(); }
    const float* data() const { return data_.get(); }
    size_t size() const { return size_; }

private:
    struct Free {
        void operator()(float* p) const { std::free(p); }
    };
    std::unique_ptr<float[], Free> data_;
    size_t size_ = 0;
};

}  // namespace slipway::cpu
