#pragma once

// The rendezvous wire protocol, spoken over one TCP connection from each rank to rank 0.
//
// Framing: every message is a frame
//     uint32 length (big-endian, bytes that follow, 1 .. kMaxPayload)   payload
// and every payload starts with one op byte. Inside a payload:
//     u8, u32 (big-endian), u64 (big-endian), str = u32 length + that many bytes (keys, values
//     and texts alike: binary-safe).
//
// Conversation (client -> server, then server -> client):
//     JOIN  magic u32 "SLPW", version u32, owner_nonce u64, token str, rank u32, world_size u32,
//           signature str, host str
//       -> ADMITTED, then later ALL_JOINED once every rank is admitted
//              or REFUSED(kJob) if the job gets refused in the meantime
//       -> REFUSED  kind u8 (Refusal), reason str; the server closes the connection
//     SET   key str, value str                       -> OK
//     GET   key str, timeout_ms u32                  -> VALUE value str | ERROR message str
//     WAIT  timeout_ms u32, count u32, count x key str -> OK | ERROR message str
// A connection must JOIN first (within 30 s, in a frame of at most kMaxJoinPayload) and may
// send store requests only after ALL_JOINED; one request at a time.
//
// The one exception, a first frame that needs no JOIN:
//     ABORT magic u32 "SLPW", version u32, token str, rank u32, reason str
//       -> OK; the server closes the connection
// A rank that saw a peer fail reports it on a connection of its own (its store connection may
// be busy or broken). With the job's token (compared in constant time, as for JOIN) the server
// sets kAbortKey = "rank R: reason" unless an earlier report set it (the first report wins),
// which wakes every rank watching that key (TcpStore::watch_for_abort). A wrong token, another
// version or a malformed frame is dropped without a word, like any foreign client. Anything else (an HTTP
// request, a port scanner, a stray length) makes the server close that connection and nothing
// more: the magic number turns away foreign clients before any field is believed.
// owner_nonce: a random number the server gives its own process, so only the process serving
// the job can take rank 0; other ranks send 0.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "comm/rendezvous/socket.h"
#include "comm/rendezvous/tcp_store.h"

namespace slipway::rdv {

inline constexpr std::uint32_t kMagic = 0x534c5057;  // "SLPW"
inline constexpr std::uint32_t kProtocolVersion = 1;
inline constexpr std::size_t kMaxPayload = std::size_t{64} << 20;
inline constexpr std::size_t kMaxJoinPayload = std::size_t{64} << 10;
// The key an ABORT sets; its value is "rank R: reason".
inline constexpr char kAbortKey[] = "slipway/abort";

enum class Op : std::uint8_t {
    kJoin = 0x01,
    kSet = 0x02,
    kGet = 0x03,
    kWait = 0x04,
    kAbort = 0x05,
    kAdmitted = 0x81,
    kRefused = 0x82,
    kAllJoined = 0x83,
    kOk = 0x84,
    kValue = 0x85,
    kError = 0x86,
};

// Who a refusal is about; the client words its message from it.
enum class Refusal : std::uint8_t {
    kStray = 1,  // wrong token: this process belongs to another job; the job goes on
    kRank = 2,   // this rank cannot join (taken, out of range, wrong protocol); the job goes on
    kJob = 3,    // the ranks disagree: the whole job is refused
};

// Builds one frame: length prefix reserved up front, filled in by finish().
class FrameWriter {
public:
    explicit FrameWriter(Op op);
    FrameWriter& u8(std::uint8_t value);
    FrameWriter& u32(std::uint32_t value);
    FrameWriter& u64(std::uint64_t value);
    FrameWriter& str(std::string_view value);
    FrameWriter& bytes(const std::vector<char>& value);
    std::vector<char> finish();  // once: moves the frame out

private:
    std::vector<char> frame_;
};

// Reads a payload; every read checks the bytes left, so a lying length never reads past the end
// nor allocates more than the payload holds.
class FrameReader {
public:
    explicit FrameReader(const std::vector<char>& payload) : payload_(payload) {}
    bool op(Op* value);
    bool u8(std::uint8_t* value);
    bool u32(std::uint32_t* value);
    bool u64(std::uint64_t* value);
    bool str(std::string* value);
    bool bytes(std::vector<char>* value);
    bool at_end() const { return offset_ == payload_.size(); }

private:
    bool take(std::size_t size, const char** at);

    const std::vector<char>& payload_;
    std::size_t offset_ = 0;
};

std::vector<char> encode_join(const JoinRequest& request, std::uint64_t owner_nonce);

struct DecodedJoin {
    std::uint32_t version = 0;
    std::uint64_t owner_nonce = 0;
    JoinRequest request;
};

// False for anything that is not a well-formed JOIN with slipway's magic number.
bool decode_join(const std::vector<char>& payload, DecodedJoin* join);

struct AbortReport {
    std::string token;
    int rank = 0;
    std::string reason;
};

std::vector<char> encode_abort(const AbortReport& report);

// False for anything that is not a well-formed ABORT of this protocol version.
bool decode_abort(const std::vector<char>& payload, AbortReport* report);

IoResult send_frame(int fd, const std::vector<char>& frame, Clock::time_point deadline,
                    const Interrupt& interrupt);

// Reads one frame's payload; kTooLarge for a length of 0 or above `max_payload` (the bytes are
// not read: the caller drops the connection).
IoResult recv_frame(int fd, std::size_t max_payload, std::vector<char>* payload,
                    Clock::time_point deadline, const Interrupt& interrupt);

}  // namespace slipway::rdv
