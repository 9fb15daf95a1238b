#include "comm/rendezvous/wire.h"

#include <utility>

namespace slipway::rdv {
namespace {

void put_u32(char* at, std::uint32_t value) {
    at[0] = static_cast<char>(value >> 24);
    at[1] = static_cast<char>(value >> 16);
    at[2] = static_cast<char>(value >> 8);
    at[3] = static_cast<char>(value);
}

std::uint32_t get_u32(const char* at) {
    auto byte = [at](int i) {
        return static_cast<std::uint32_t>(static_cast<unsigned char>(at[i]));
    };
    return byte(0) << 24 | byte(1) << 16 | byte(2) << 8 | byte(3);
}

}  // namespace

FrameWriter::FrameWriter(Op op) : frame_(4, '\0') { u8(static_cast<std::uint8_t>(op)); }

FrameWriter& FrameWriter::u8(std::uint8_t value) {
    frame_.push_back(static_cast<char>(value));
    return *this;
}

FrameWriter& FrameWriter::u32(std::uint32_t value) {
    std::size_t at = frame_.size();
    frame_.resize(at + 4);
    put_u32(frame_.data() + at, value);
    return *this;
}

FrameWriter& FrameWriter::u64(std::uint64_t value) {
    u32(static_cast<std::uint32_t>(value >> 32));
    return u32(static_cast<std::uint32_t>(value));
}

FrameWriter& FrameWriter::str(std::string_view value) {
    u32(static_cast<std::uint32_t>(value.size()));
    frame_.insert(frame_.end(), value.begin(), value.end());
    return *this;
}

FrameWriter& FrameWriter::bytes(const std::vector<char>& value) {
    return str(std::string_view(value.data(), value.size()));
}

std::vector<char> FrameWriter::finish() {
    put_u32(frame_.data(), static_cast<std::uint32_t>(frame_.size() - 4));
    return std::move(frame_);
}

bool FrameReader::take(std::size_t size, const char** at) {
    if (payload_.size() - offset_ < size) return false;
    *at = payload_.data() + offset_;
    offset_ += size;
    return true;
}

bool FrameReader::op(Op* value) {
    std::uint8_t raw = 0;
    if (!u8(&raw)) return false;
    *value = static_cast<Op>(raw);
    return true;
}

bool FrameReader::u8(std::uint8_t* value) {
    const char* at = nullptr;
    if (!take(1, &at)) return false;
    *value = static_cast<std::uint8_t>(*at);
    return true;
}

bool FrameReader::u32(std::uint32_t* value) {
    const char* at = nullptr;
    if (!take(4, &at)) return false;
    *value = get_u32(at);
    return true;
}

bool FrameReader::u64(std::uint64_t* value) {
    std::uint32_t high = 0;
    std::uint32_t low = 0;
    if (!u32(&high) || !u32(&low)) return false;
    *value = std::uint64_t{high} << 32 | low;
    return true;
}

bool FrameReader::str(std::string* value) {
    std::uint32_t size = 0;
    const char* at = nullptr;
    if (!u32(&size) || !take(size, &at)) return false;
    value->assign(at, size);
    return true;
}

bool FrameReader::bytes(std::vector<char>* value) {
    std::uint32_t size = 0;
    const char* at = nullptr;
    if (!u32(&size) || !take(size, &at)) return false;
    value->assign(at, at + size);
    return true;
}

std::vector<char> encode_join(const JoinRequest& request, std::uint64_t owner_nonce) {
    return FrameWriter(Op::kJoin)
        .u32(kMagic)
        .u32(kProtocolVersion)
        .u64(owner_nonce)
        .str(request.token)
        .u32(static_cast<std::uint32_t>(request.rank))
        .u32(static_cast<std::uint32_t>(request.world_size))
        .str(request.signature)
        .str(request.host)
        .finish();
}

bool decode_join(const std::vector<char>& payload, DecodedJoin* join) {
    FrameReader reader(payload);
    Op op{};
    std::uint32_t magic = 0;
    std::uint32_t rank = 0;
    std::uint32_t world_size = 0;
    if (!reader.op(&op) || op != Op::kJoin || !reader.u32(&magic) || magic != kMagic) {
        return false;
    }
    // Fields after the version may change with it: a newer client still gets a clean refusal.
    if (!reader.u32(&join->version)) return false;
    if (join->version != kProtocolVersion) return true;
    JoinRequest& request = join->request;
    if (!reader.u64(&join->owner_nonce) || !reader.str(&request.token) || !reader.u32(&rank) ||
        !reader.u32(&world_size) || !reader.str(&request.signature) || !reader.str(&request.host) ||
        !reader.at_end()) {
        return false;
    }
    request.rank = static_cast<int>(rank);
    request.world_size = static_cast<int>(world_size);
    return true;
}

std::vector<char> encode_abort(const AbortReport& report) {
    return FrameWriter(Op::kAbort)
        .u32(kMagic)
        .u32(kProtocolVersion)
        .str(report.token)
        .u32(static_cast<std::uint32_t>(report.rank))
        .str(report.reason)
        .finish();
}

bool decode_abort(const std::vector<char>& payload, AbortReport* report) {
    FrameReader reader(payload);
    Op op{};
    std::uint32_t magic = 0;
    std::uint32_t version = 0;
    std::uint32_t rank = 0;
    if (!reader.op(&op) || op != Op::kAbort || !reader.u32(&magic) || magic != kMagic ||
        !reader.u32(&version) || version != kProtocolVersion || !reader.str(&report->token) ||
        !reader.u32(&rank) || !reader.str(&report->reason) || !reader.at_end()) {
        return false;
    }
    report->rank = static_cast<int>(rank);
    return true;
}

IoResult send_frame(int fd, const std::vector<char>& frame, Clock::time_point deadline,
                    const Interrupt& interrupt) {
    return send_all(fd, frame.data(), frame.size(), deadline, interrupt);
}

IoResult recv_frame(int fd, std::size_t max_payload, std::vector<char>* payload,
                    Clock::time_point deadline, const Interrupt& interrupt) {
    char prefix[4];
    IoResult result = recv_exact(fd, prefix, sizeof prefix, deadline, interrupt);
    if (!result.ok()) return result;
    std::uint32_t size = get_u32(prefix);
    if (size == 0 || size > max_payload) {
        return {IoStatus::kTooLarge, "frame of " + std::to_string(size) + " bytes (limit " +
                                         std::to_string(max_payload) + ")"};
    }
    payload->resize(size);
    return recv_exact(fd, payload->data(), size, deadline, interrupt);
}

}  // namespace slipway::rdv
