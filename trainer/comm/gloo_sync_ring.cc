#include "comm/gloo_sync_ring.h"

#include <gloo/allreduce.h>
#include <gloo/common/error.h>
#include <gloo/math.h>
#include <gloo/transport/pair.h>

#include <algorithm>
#include <cstring>
#include <fstream>

namespace slipway {
namespace {

constexpr size_t kLargestBlock = size_t{1} << 20;
// What Linux ships as net.core.wmem_max when /proc cannot be read.
constexpr size_t kDefaultWmemMax = 212992;

template <class T>
void add_into(T* target, const T* source, size_t count) {
    for (size_t i = 0; i < count; ++i) target[i] += source[i];
}

// Which elements of a round's `count` belong to block `index` of `parts`.
struct Span {
    size_t first;
    size_t count;
};
Span block_span(size_t count, int parts, int index) {
    const size_t base = count / static_cast<size_t>(parts);
    const size_t extra = count % static_cast<size_t>(parts);
    const size_t i = static_cast<size_t>(index);
    return {i * base + std::min(i, extra), base + (i < extra ? 1 : 0)};
}

int wrap(int index, int size) { return ((index % size) + size) % size; }

}  // namespace

size_t sync_ring_block_bytes() {
    size_t wmem_max = kDefaultWmemMax;
    std::ifstream file("/proc/sys/net/core/wmem_max");
    if (size_t value = 0; file >> value && value > 0) wmem_max = value;
    // Whole doubles, so a block never splits an element of either type.
    return std::max<size_t>(std::min(wmem_max, kLargestBlock) / 8 * 8, 8);
}

GlooSyncRing::GlooSyncRing(std::shared_ptr<gloo::Context> context, size_t local_block_bytes)
    : context_(std::move(context)),
      rank_(context_->rank),
      size_(context_->size),
      block_bytes_(std::max<size_t>(local_block_bytes / 8 * 8, 8)) {
    if (size_ == 1) return;
    {
        // Every rank must cut the same blocks, and hosts may differ in wmem_max: the smallest
        // wins. Still in async mode here, so gloo's own allreduce does it.
        double block = static_cast<double>(block_bytes_);
        gloo::AllreduceOptions smallest(context_);
        smallest.setOutput(&block, 1);
        smallest.setReduceFunction(
            static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::min<double>));
        gloo::allreduce(smallest);
        block_bytes_ = static_cast<size_t>(block);
    }
    for (int peer = 0; peer < size_; ++peer) {
        if (peer != rank_) context_->getPair(peer)->setSync(true, false);
    }
    outbox_.resize(block_bytes_);
    inbox_.resize(block_bytes_);
    auto& right = context_->getPair(wrap(rank_ + 1, size_));
    auto& left = context_->getPair(wrap(rank_ - 1, size_));
    // Same slot numbers on every rank: the constructor runs in the same order everywhere.
    const int data_slot = context_->nextSlot();
    to_right_ = right->createSendBuffer(data_slot, outbox_.data(), block_bytes_);
    from_left_ = left->createRecvBuffer(data_slot, inbox_.data(), block_bytes_);
    const int credit_slot = context_->nextSlot();
    credit_to_left_ = left->createSendBuffer(credit_slot, &credit_token_, sizeof(credit_token_));
    credit_from_right_ =
        right->createRecvBuffer(credit_slot, &credit_inbox_, sizeof(credit_inbox_));
}

void GlooSyncRing::allreduce_sum(float* data, size_t count) { reduce(data, count); }
void GlooSyncRing::allreduce_sum(double* data, size_t count) { reduce(data, count); }

void GlooSyncRing::send_block(const void* source, size_t bytes) {
    if (!have_credit_) credit_from_right_->waitRecv();
    have_credit_ = false;
    std::memcpy(outbox_.data(), source, bytes);
    to_right_->send(0, bytes);
    to_right_->waitSend();  // sync mode: the bytes are in the kernel already
}

void GlooSyncRing::receive_block() { from_left_->waitRecv(); }

void GlooSyncRing::consumed_block() {
    credit_to_left_->send();
    credit_to_left_->waitSend();
}

template <class T>
void GlooSyncRing::reduce(T* data, size_t count) {
    if (size_ == 1 || count == 0) return;
    const size_t block = block_bytes_ / sizeof(T);
    const size_t round = block * static_cast<size_t>(size_);
    const T* inbox = reinterpret_cast<const T*>(inbox_.data());
    for (size_t start = 0; start < count; start += round) {
        T* slice = data + start;
        const size_t slice_count = std::min(round, count - start);
        // Reduce-scatter: after size-1 steps this rank holds the full sum of block rank+1.
        for (int step = 0; step < size_ - 1; ++step) {
            const Span out = block_span(slice_count, size_, wrap(rank_ - step, size_));
            const Span in = block_span(slice_count, size_, wrap(rank_ - step - 1, size_));
            send_block(slice + out.first, out.count * sizeof(T));
            receive_block();
            add_into(slice + in.first, inbox, in.count);
            consumed_block();
        }
        // Allgather: pass the finished blocks around the ring.
        for (int step = 0; step < size_ - 1; ++step) {
            const Span out = block_span(slice_count, size_, wrap(rank_ + 1 - step, size_));
            const Span in = block_span(slice_count, size_, wrap(rank_ - step, size_));
            send_block(slice + out.first, out.count * sizeof(T));
            receive_block();
            std::memcpy(slice + in.first, inbox, in.count * sizeof(T));
            consumed_block();
        }
    }
}

}  // namespace slipway
