#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include <gloo/context.h>
#include <gloo/transport/buffer.h>

namespace slipway {

// The largest block that a blocking write completes without the peer reading, on this host:
// gloo asks for a send buffer of the message's size, which the kernel caps at
// net.core.wmem_max (and doubles for its bookkeeping). 1 MiB at most: larger blocks gain
// nothing on loopback or a 25 Gb/s link.
size_t sync_ring_block_bytes();

// Sum-allreduce over gloo's TCP pairs switched to gloo's synchronous mode, in which the calling
// thread does its own blocking reads and writes. Why not gloo::allreduce: in the default
// (asynchronous) mode a device thread moves the data and spins on epoll while the calling
// thread holds the pair's lock; on a machine where each rank has about one core that spin
// takes the core from the thread that would make progress, and a 1 MiB allreduce after a
// compute phase took 2.3-2.5 ms against 0.4-0.7 ms in sync mode (bench/allreduce, --compute-us;
// docs/benchmarks-allreduce.md).
//
// The algorithm is the ring: reduce-scatter then allgather, in rounds of size x block
// elements. Blocks go through fixed staging buffers (gloo's pinned Buffers are bound to one
// address each) with one credit per direction: a rank sends its next block only after its
// right neighbour said it consumed the last one. So at most one block per direction is ever
// unread, and a block is never larger than the socket send buffer gloo sets up
// (net.core.wmem_max): both neighbours' blocking writes then complete without either reading,
// which is what keeps two ranks that write to each other at once from waiting on each other.
//
// Every read and write is bounded by the context's timeout (SO_RCVTIMEO/SO_SNDTIMEO); a peer
// that dies or stops answering raises gloo::IoException. One instance per context; not
// thread-safe; every rank must make the same calls in the same order.
class GlooSyncRing {
public:
    // Agrees with the other ranks on the block size (the smallest any host affords), then
    // switches every pair of `context` to sync mode: after this, only old-style (Buffer
    // based) gloo algorithms work on it (gloo::BarrierAllToAll, gloo::BroadcastOneToAll).
    // `local_block_bytes`: what this host affords (tests pass their own).
    explicit GlooSyncRing(std::shared_ptr<gloo::Context> context,
                          size_t local_block_bytes = sync_ring_block_bytes());

    void allreduce_sum(float* data, size_t count);
    void allreduce_sum(double* data, size_t count);

    size_t block_bytes() const { return block_bytes_; }

private:
    template <class T>
    void reduce(T* data, size_t count);
    void send_block(const void* source, size_t bytes);
    void receive_block();
    void consumed_block();

    std::shared_ptr<gloo::Context> context_;
    int rank_;
    int size_;
    size_t block_bytes_;
    std::vector<char> outbox_;
    std::vector<char> inbox_;
    int credit_token_ = 0;  // the payload of credit messages (content unused)
    int credit_inbox_ = 0;
    bool have_credit_ = true;  // the right neighbour's inbox is free
    std::unique_ptr<gloo::transport::Buffer> to_right_;
    std::unique_ptr<gloo::transport::Buffer> from_left_;
    std::unique_ptr<gloo::transport::Buffer> credit_to_left_;
    std::unique_ptr<gloo::transport::Buffer> credit_from_right_;
};

}  // namespace slipway
