#include "comm/rendezvous/tcp_store.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gloo/allreduce.h>
#include <gloo/common/error.h>
#include <gloo/math.h>
#include <gloo/rendezvous/context.h>
#include <gloo/rendezvous/prefix_store.h>
#include <gloo/transport/tcp/device.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "comm/rendezvous/wire.h"
#include "common/stop_signal.h"

namespace slipway {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;
using testing::HasSubstr;

constexpr char kSignature[] = "mlp 784-128-10 relu";

// A port nobody listens on right now: bind port 0, read what the kernel chose, let it go.
int free_port() {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_ANY);
    EXPECT_EQ(::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    socklen_t length = sizeof address;
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
    ::close(fd);
    return ntohs(address.sin_port);
}

RendezvousOptions options(int port, std::chrono::milliseconds timeout = 10s,
                          std::string addr = "127.0.0.1") {
    RendezvousOptions result;
    result.master_addr = std::move(addr);
    result.master_port = port;
    result.timeout = timeout;
    result.operation_timeout = 5s;
    return result;
}

JoinRequest request(int rank, int world_size, std::string token = "job-secret",
                    std::string signature = kSignature) {
    return JoinRequest{std::move(token), rank, world_size, std::move(signature),
                       "host" + std::to_string(rank)};
}

struct Joined {
    std::unique_ptr<TcpStore> store;
    RendezvousError error{RendezvousFailure::kRefused, "not run"};
};

// One rank joining on its own thread after `delay`.
std::future<Joined> start(RendezvousOptions opts, JoinRequest req,
                          std::chrono::milliseconds delay = 0ms) {
    return std::async(std::launch::async, [opts = std::move(opts), req = std::move(req), delay] {
        std::this_thread::sleep_for(delay);
        Joined joined;
        joined.store = TcpStore::join(opts, req, &joined.error);
        return joined;
    });
}

std::vector<Joined> collect(std::vector<std::future<Joined>>& futures) {
    std::vector<Joined> results;
    for (auto& future : futures) results.push_back(future.get());
    return results;
}

void expect_all_joined(const std::vector<Joined>& results) {
    for (std::size_t rank = 0; rank < results.size(); ++rank) {
        EXPECT_TRUE(results[rank].store) << "rank " << rank << ": " << results[rank].error.message;
    }
}

std::vector<char> bytes(const std::string& text) { return {text.begin(), text.end()}; }

TEST(TcpStore, ThreeRanksJoinAndExchangeKeys) {
    int port = free_port();
    std::vector<std::future<Joined>> futures;
    for (int rank = 0; rank < 3; ++rank) futures.push_back(start(options(port), request(rank, 3)));
    auto ranks = collect(futures);
    expect_all_joined(ranks);
    ASSERT_TRUE(ranks[0].store && ranks[1].store && ranks[2].store);
    EXPECT_EQ(ranks[0].store->local_address(), "127.0.0.1");
    EXPECT_EQ(ranks[1].store->local_address(), "127.0.0.1");

    std::vector<std::future<void>> work;
    for (int rank = 0; rank < 3; ++rank) {
        work.push_back(std::async(std::launch::async, [&ranks, rank] {
            TcpStore& store = *ranks[rank].store;
            store.set("key" + std::to_string(rank), bytes("value" + std::to_string(rank)));
            store.wait({"key0", "key1", "key2"}, 5000ms);
            for (int other = 0; other < 3; ++other) {
                EXPECT_EQ(store.get("key" + std::to_string(other)),
                          bytes("value" + std::to_string(other)));
            }
        }));
    }
    for (auto& done : work) done.get();

    // get blocks until another rank sets the key.
    auto setter = std::async(std::launch::async, [&ranks] {
        std::this_thread::sleep_for(300ms);
        ranks[2].store->set("late", bytes("here"));
    });
    EXPECT_EQ(ranks[1].store->get("late"), bytes("here"));
    setter.get();

    // Binary values survive, an empty value too.
    std::vector<char> binary = {'\0', '\xff', '\n', '\0'};
    ranks[0].store->set("binary", binary);
    ranks[0].store->set("empty", {});
    EXPECT_EQ(ranks[2].store->get("binary"), binary);
    EXPECT_TRUE(ranks[1].store->get("empty").empty());

    auto started = Clock::now();
    try {
        ranks[1].store->wait({"key0", "never-set"}, 300ms);
        ADD_FAILURE() << "wait for a missing key returned";
    } catch (const gloo::IoException& e) {
        EXPECT_THAT(e.what(), HasSubstr("never-set"));
        EXPECT_THAT(e.what(), HasSubstr("127.0.0.1:" + std::to_string(port)));
    }
    EXPECT_LT(Clock::now() - started, 2s);
    // The connection is still usable after a timed-out wait.
    EXPECT_EQ(ranks[1].store->get("key2"), bytes("value2"));
}

TEST(TcpStore, SingleRankJoinsAlone) {
    auto joined = start(options(free_port(), 2s, ""), request(0, 1)).get();
    ASSERT_TRUE(joined.store) << joined.error.message;
    EXPECT_EQ(joined.store->local_address(), "127.0.0.1");
    joined.store->set("solo", bytes("1"));
    EXPECT_EQ(joined.store->get("solo"), bytes("1"));
}

TEST(TcpStore, OthersFailFastOnceRankZeroIsGone) {
    int port = free_port();
    std::vector<std::future<Joined>> futures;
    for (int rank = 0; rank < 2; ++rank) futures.push_back(start(options(port), request(rank, 2)));
    auto ranks = collect(futures);
    expect_all_joined(ranks);
    ASSERT_TRUE(ranks[0].store && ranks[1].store);

    auto started = Clock::now();
    ranks[0].store.reset();  // stops the server
    EXPECT_LT(Clock::now() - started, 1s);
    EXPECT_THROW(ranks[1].store->get("anything"), gloo::IoException);
    EXPECT_THROW(ranks[1].store->set("anything", bytes("x")), gloo::IoException);
    EXPECT_LT(Clock::now() - started, 2s);
}

TEST(TcpStore, RanksStartedInReverseOrderJoin) {
    int port = free_port();
    std::vector<std::future<Joined>> futures;
    for (int rank = 2; rank >= 0; --rank) {
        futures.push_back(start(options(port), request(rank, 3), (2 - rank) * 1000ms));
    }
    auto ranks = collect(futures);
    expect_all_joined(ranks);
}

TEST(TcpStore, RankZeroStartingLateStillWorks) {
    int port = free_port();
    std::vector<std::future<Joined>> futures;
    futures.push_back(start(options(port), request(0, 3), 1500ms));
    futures.push_back(start(options(port), request(1, 3)));
    futures.push_back(start(options(port), request(2, 3)));
    auto ranks = collect(futures);
    expect_all_joined(ranks);
    ASSERT_TRUE(ranks[0].store && ranks[2].store);
    ranks[2].store->set("k", bytes("v"));
    EXPECT_EQ(ranks[0].store->get("k"), bytes("v"));
}

TEST(TcpStore, UnresolvableMasterTimesOutNamingAddressAndResolverError) {
    int port = free_port();
    auto started = Clock::now();
    auto joined = start(options(port, 1500ms, "no-such-host.invalid"), request(1, 2)).get();
    auto waited = Clock::now() - started;
    EXPECT_FALSE(joined.store);
    EXPECT_EQ(joined.error.kind, RendezvousFailure::kTimedOut);
    EXPECT_THAT(joined.error.message, HasSubstr("no-such-host.invalid:" + std::to_string(port)));
    EXPECT_THAT(joined.error.message, HasSubstr("cannot resolve"));
    EXPECT_GE(waited, 1400ms);
    EXPECT_LT(waited, 2500ms);
}

TEST(TcpStore, ClosedPortTimesOutWithConnectionRefused) {
    int port = free_port();
    auto joined = start(options(port, 700ms), request(1, 2)).get();
    EXPECT_EQ(joined.error.kind, RendezvousFailure::kTimedOut);
    EXPECT_THAT(joined.error.message, HasSubstr("Connection refused"));
    EXPECT_THAT(joined.error.message, HasSubstr("127.0.0.1:" + std::to_string(port)));
}

TEST(TcpStore, RankZeroTimesOutNamingMissingRanks) {
    int port = free_port();
    auto joined = start(options(port, 800ms), request(0, 3)).get();
    EXPECT_EQ(joined.error.kind, RendezvousFailure::kTimedOut);
    EXPECT_THAT(joined.error.message, HasSubstr("1 of 3 joined"));
    EXPECT_THAT(joined.error.message, HasSubstr("missing rank(s) 1, 2"));
}

TEST(TcpStore, WrongTokenIsRefusedAndTheJobGoesOn) {
    int port = free_port();
    auto rank0 = start(options(port), request(0, 2));
    auto stray = start(options(port), request(1, 2, "some-other-job"), 300ms).get();
    EXPECT_FALSE(stray.store);
    EXPECT_EQ(stray.error.kind, RendezvousFailure::kRefused);
    EXPECT_THAT(stray.error.message, HasSubstr("token"));
    EXPECT_THAT(stray.error.message, HasSubstr("127.0.0.1:" + std::to_string(port)));
    EXPECT_THAT(stray.error.message, testing::Not(HasSubstr("job-secret")));

    auto rank1 = start(options(port), request(1, 2));
    EXPECT_TRUE(rank1.get().store);
    EXPECT_TRUE(rank0.get().store);
}

TEST(TcpStore, DuplicateRankIsRefused) {
    int port = free_port();
    std::vector<std::future<Joined>> futures;
    futures.push_back(start(options(port), request(0, 3)));
    futures.push_back(start(options(port), request(1, 3)));
    JoinRequest duplicate = request(1, 3);
    duplicate.host = "otherhost";
    auto second = start(options(port), duplicate, 600ms).get();
    EXPECT_EQ(second.error.kind, RendezvousFailure::kRefused);
    EXPECT_THAT(second.error.message, HasSubstr("rank 1 already joined from host1"));

    futures.push_back(start(options(port), request(2, 3)));
    expect_all_joined(collect(futures));
}

TEST(TcpStore, WorldSizeMismatchRefusesEveryRank) {
    int port = free_port();
    std::vector<std::future<Joined>> futures;
    futures.push_back(start(options(port), request(0, 3)));
    futures.push_back(start(options(port), request(1, 3)));
    futures.push_back(start(options(port), request(2, 4), 400ms));
    auto started = Clock::now();
    auto ranks = collect(futures);
    EXPECT_LT(Clock::now() - started, 3s);
    for (const auto& rank : ranks) {
        EXPECT_FALSE(rank.store);
        EXPECT_EQ(rank.error.kind, RendezvousFailure::kRefused) << rank.error.message;
        EXPECT_THAT(rank.error.message,
                    HasSubstr("rank 2 (host2) says world size 4, rank 0 says 3"));
    }
}

TEST(TcpStore, SignatureMismatchRefusesEveryRank) {
    int port = free_port();
    std::vector<std::future<Joined>> futures;
    futures.push_back(start(options(port), request(0, 2)));
    futures.push_back(
        start(options(port), request(1, 2, "job-secret", "mlp 784-256-10 relu"), 300ms));
    auto ranks = collect(futures);
    for (const auto& rank : ranks) {
        EXPECT_FALSE(rank.store);
        EXPECT_EQ(rank.error.kind, RendezvousFailure::kRefused) << rank.error.message;
        EXPECT_THAT(rank.error.message,
                    HasSubstr("rank 1 (host1) trains 'mlp 784-256-10 relu' but rank 0 trains "
                              "'mlp 784-128-10 relu'"));
    }
}

TEST(TcpStore, InconsistentRequestIsRefusedLocally) {
    JoinRequest bad = request(3, 3);
    auto joined = start(options(free_port()), bad).get();
    EXPECT_EQ(joined.error.kind, RendezvousFailure::kRefused);
    EXPECT_THAT(joined.error.message, HasSubstr("rank 3"));
}

// Connects to 127.0.0.1:port, sends `junk` (then ends our side when `half_close`), and reports
// whether the server hung up within 2 s instead of waiting for more, answering, or crashing.
bool server_drops(int port, const std::string& junk, bool half_close = false) {
    int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(static_cast<uint16_t>(port));
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&address), sizeof address) != 0) {
        ::close(fd);
        return false;
    }
    timeval timeout{2, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
    ::send(fd, junk.data(), junk.size(), MSG_NOSIGNAL);
    if (half_close) ::shutdown(fd, SHUT_WR);
    char buffer[256];
    ssize_t got = 0;
    std::size_t answered = 0;
    while ((got = ::recv(fd, buffer, sizeof buffer, 0)) > 0) answered += static_cast<size_t>(got);
    ::close(fd);
    return answered == 0 && (got == 0 || (got < 0 && errno == ECONNRESET));
}

std::string frame(const std::string& payload) {
    uint32_t size = htonl(static_cast<uint32_t>(payload.size()));
    return std::string(reinterpret_cast<const char*>(&size), 4) + payload;
}

TEST(TcpStore, GarbageDoesNotBreakAFollowingJoin) {
    int port = free_port();
    auto rank0 = start(options(port), request(0, 2));
    std::this_thread::sleep_for(300ms);  // the server is listening by now

    EXPECT_TRUE(server_drops(port, "GET / HTTP/1.1\r\nHost: example\r\n\r\n"));
    EXPECT_TRUE(server_drops(port, std::string(4, '\0')));                 // zero length
    EXPECT_TRUE(server_drops(port, frame(std::string(100, '\x7f'))));      // unknown op
    EXPECT_TRUE(server_drops(port, frame(std::string("\x01WRONGMAGIC", 11))));
    EXPECT_TRUE(server_drops(port, frame(std::string("\x02\0\0\0\x01k", 6))));  // SET unjoined
    EXPECT_TRUE(server_drops(port, frame("\x01SLPW")));  // the magic, then nothing
    EXPECT_TRUE(server_drops(port, frame(std::string(5000, '\x01'))));
    EXPECT_TRUE(server_drops(port, std::string("\x00\x00\x10", 3), /*half_close=*/true));
    EXPECT_TRUE(server_drops(port, frame("\x01SL"), /*half_close=*/true));
    EXPECT_TRUE(server_drops(port, "", /*half_close=*/true));

    auto rank1 = start(options(port), request(1, 2)).get();
    ASSERT_TRUE(rank1.store) << rank1.error.message;
    auto joined0 = rank0.get();
    ASSERT_TRUE(joined0.store) << joined0.error.message;
    rank1.store->set("after", bytes("garbage"));
    EXPECT_EQ(joined0.store->get("after"), bytes("garbage"));
}

// SIGTERM must end a join promptly with kStopped. The stop flag is process-wide, so the rank
// runs in a child process.
TEST(TcpStore, SigtermDuringJoinStops) {
    int port = free_port();
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        install_stop_signal_handlers();
        RendezvousError error{};
        auto store = TcpStore::join(options(port, 20s), request(1, 2), &error);
        bool stopped = !store && error.kind == RendezvousFailure::kStopped;
        ::_exit(stopped ? 42 : 1);
    }
    std::this_thread::sleep_for(400ms);
    auto signalled = Clock::now();
    ::kill(child, SIGTERM);
    int status = 0;
    pid_t done = 0;
    while ((done = ::waitpid(child, &status, WNOHANG)) == 0 && Clock::now() - signalled < 3s) {
        std::this_thread::sleep_for(10ms);
    }
    if (done == 0) {
        ::kill(child, SIGKILL);
        ::waitpid(child, &status, 0);
        FAIL() << "join did not return after SIGTERM";
    }
    EXPECT_LT(Clock::now() - signalled, 500ms);
    ASSERT_TRUE(WIFEXITED(status));
    EXPECT_EQ(WEXITSTATUS(status), 42);
}

TEST(TcpStore, GlooAllreduceThroughTheStore) {
    static constexpr int kWorld = 3;
    int port = free_port();
    struct Rank {
        Joined joined;
        std::shared_ptr<gloo::rendezvous::Context> context;
        std::vector<float> data;
    };
    std::vector<std::future<Rank>> futures;
    for (int rank = 0; rank < kWorld; ++rank) {
        futures.push_back(std::async(std::launch::async, [port, rank] {
            Rank result;
            result.joined.store =
                TcpStore::join(options(port), request(rank, kWorld), &result.joined.error);
            if (!result.joined.store) return result;
            gloo::transport::tcp::attr attr;
            attr.hostname = result.joined.store->local_address();
            auto device = gloo::transport::tcp::CreateDevice(attr);
            result.context = std::make_shared<gloo::rendezvous::Context>(rank, kWorld);
            result.context->setTimeout(5s);
            gloo::rendezvous::PrefixStore store("gloo", *result.joined.store);
            result.context->connectFullMesh(store, device);

            result.data.assign(1000, static_cast<float>(rank + 1));
            gloo::AllreduceOptions allreduce(result.context);
            allreduce.setOutput(result.data.data(), result.data.size());
            allreduce.setReduceFunction(
                static_cast<void (*)(void*, const void*, const void*, size_t)>(&gloo::sum<float>));
            gloo::allreduce(allreduce);
            return result;
        }));
    }
    std::vector<Rank> ranks;
    for (auto& future : futures) ranks.push_back(future.get());
    for (int rank = 0; rank < kWorld; ++rank) {
        ASSERT_TRUE(ranks[rank].joined.store) << ranks[rank].joined.error.message;
        ASSERT_EQ(ranks[rank].data.size(), 1000u);
        EXPECT_EQ(ranks[rank].data.front(), 6.0f);
        EXPECT_EQ(ranks[rank].data.back(), 6.0f);
    }
}

// What one rank's abort watcher reported, and when.
struct Aborts {
    std::mutex mutex;
    std::condition_variable changed;
    std::vector<std::string> messages;
    std::optional<Clock::time_point> first;

    std::function<void(const std::string&)> callback() {
        return [this](const std::string& message) {
            std::lock_guard lock(mutex);
            messages.push_back(message);
            if (!first) first = Clock::now();
            changed.notify_all();
        };
    }

    // The first message within `timeout`, or nullopt.
    std::optional<std::string> await(std::chrono::milliseconds timeout) {
        std::unique_lock lock(mutex);
        if (!changed.wait_for(lock, timeout, [this] { return !messages.empty(); })) {
            return std::nullopt;
        }
        return messages.front();
    }

    std::size_t count() {
        std::lock_guard lock(mutex);
        return messages.size();
    }
};

std::vector<Joined> join_ranks(int port, int world) {
    std::vector<std::future<Joined>> futures;
    for (int rank = 0; rank < world; ++rank) {
        futures.push_back(start(options(port), request(rank, world)));
    }
    auto ranks = collect(futures);
    expect_all_joined(ranks);
    return ranks;
}

template <class F>
std::chrono::milliseconds time_of(F&& run) {
    auto started = Clock::now();
    run();
    return std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - started);
}

TEST(TcpStoreAbort, AReportReachesEveryWatcherAtOnce) {
    int port = free_port();
    auto ranks = join_ranks(port, 3);
    ASSERT_TRUE(ranks[0].store && ranks[1].store && ranks[2].store);
    Aborts aborts[3];
    for (int rank = 0; rank < 3; ++rank) ranks[rank].store->watch_for_abort(aborts[rank].callback());
    std::this_thread::sleep_for(200ms);  // the watchers are waiting on the server by now
    EXPECT_EQ(aborts[0].count() + aborts[1].count() + aborts[2].count(), 0u);

    auto reported = Clock::now();
    EXPECT_TRUE(ranks[2].store->report_failure(
        "at step 7 (epoch 1): Connection closed by peer [10.0.0.9]:4242", 2s));
    for (int rank = 0; rank < 2; ++rank) {
        auto message = aborts[rank].await(1s);
        ASSERT_TRUE(message) << "rank " << rank << " was not told";
        EXPECT_EQ(*message,
                  "rank 2 reports: at step 7 (epoch 1): Connection closed by peer [10.0.0.9]:4242");
        EXPECT_LT(*aborts[rank].first - reported, 1s);
    }
    // The reporting rank ends on its own path: its own watcher stays silent, and a later
    // report changes nothing (the first one names the failure).
    EXPECT_TRUE(ranks[1].store->report_failure("a consequence", 2s));
    std::this_thread::sleep_for(300ms);
    EXPECT_EQ(aborts[2].count(), 0u);
    EXPECT_EQ(aborts[0].count(), 1u);
    EXPECT_EQ(aborts[1].count(), 1u);

    // A watched store is the watcher's: the caller can no longer use it.
    EXPECT_THROW(ranks[2].store->get("anything"), gloo::IoException);
    for (int rank : {2, 1, 0}) {
        EXPECT_LT(time_of([&] { ranks[rank].store.reset(); }), 500ms) << "rank " << rank;
    }
}

TEST(TcpStoreAbort, TheFirstReportWins) {
    int port = free_port();
    auto ranks = join_ranks(port, 3);
    ASSERT_TRUE(ranks[0].store && ranks[1].store && ranks[2].store);
    EXPECT_TRUE(ranks[1].store->report_failure("first", 2s));
    EXPECT_TRUE(ranks[2].store->report_failure("second", 2s));
    Aborts aborts;
    ranks[0].store->watch_for_abort(aborts.callback());
    EXPECT_EQ(aborts.await(1s), "rank 1 reports: first");
}

TEST(TcpStoreAbort, AReportWithTheWrongTokenOrGarbageIsDropped) {
    int port = free_port();
    auto ranks = join_ranks(port, 2);
    ASSERT_TRUE(ranks[0].store && ranks[1].store);
    Aborts aborts[2];
    for (int rank = 0; rank < 2; ++rank) ranks[rank].store->watch_for_abort(aborts[rank].callback());

    auto report = [](std::string token, int version = 1) {
        auto frame = rdv::FrameWriter(rdv::Op::kAbort)
                         .u32(rdv::kMagic)
                         .u32(static_cast<uint32_t>(version))
                         .str(token)
                         .u32(1)
                         .str("forged")
                         .finish();
        return std::string(frame.begin(), frame.end());
    };
    EXPECT_TRUE(server_drops(port, report("not-the-token")));
    EXPECT_TRUE(server_drops(port, report("")));
    EXPECT_TRUE(server_drops(port, report("job-secret", 2)));  // another protocol version
    std::string truncated = report("job-secret");
    truncated.resize(truncated.size() - 3);
    EXPECT_TRUE(server_drops(port, truncated, /*half_close=*/true));
    EXPECT_TRUE(server_drops(port, frame("\x05SLPW")));
    EXPECT_FALSE(aborts[0].await(1500ms)) << "a forged report was believed";
    EXPECT_EQ(aborts[1].count(), 0u);

    // The store still works for the real thing, sent by hand.
    EXPECT_FALSE(server_drops(port, report("job-secret")));  // answered: OK
    EXPECT_EQ(aborts[0].await(1s), "rank 1 reports: forged");
    EXPECT_EQ(aborts[1].await(1s), "rank 1 reports: forged");
}

TEST(TcpStoreAbort, DestroyingAWatchedStoreIsPromptAndSilent) {
    int port = free_port();
    auto ranks = join_ranks(port, 3);
    ASSERT_TRUE(ranks[0].store && ranks[1].store && ranks[2].store);
    Aborts aborts[3];
    for (int rank = 0; rank < 3; ++rank) ranks[rank].store->watch_for_abort(aborts[rank].callback());
    std::this_thread::sleep_for(300ms);  // in the middle of a server-side wait
    for (int rank : {1, 2, 0}) {
        EXPECT_LT(time_of([&] { ranks[rank].store.reset(); }), 500ms) << "rank " << rank;
    }
    std::this_thread::sleep_for(200ms);
    for (int rank = 0; rank < 3; ++rank) EXPECT_EQ(aborts[rank].count(), 0u) << "rank " << rank;
}

TEST(TcpStoreAbort, LosingRankZeroFiresAfterTheGracePeriodUnlessTheRankEnded) {
    int port = free_port();
    auto ranks = join_ranks(port, 3);
    ASSERT_TRUE(ranks[0].store && ranks[1].store && ranks[2].store);
    Aborts aborts[3];
    for (int rank = 1; rank < 3; ++rank) ranks[rank].store->watch_for_abort(aborts[rank].callback());
    std::this_thread::sleep_for(200ms);

    auto gone = Clock::now();
    ranks[0].store.reset();  // rank 0 ended (or died): its server is gone
    std::this_thread::sleep_for(1s);
    EXPECT_EQ(aborts[1].count(), 0u) << "fired within the grace period";
    ranks[2].store.reset();  // rank 2 ends normally within the grace period: never told

    auto message = aborts[1].await(8s);
    ASSERT_TRUE(message) << "losing rank 0 went unnoticed";
    EXPECT_THAT(*message, HasSubstr("lost the connection to rank 0 (the rendezvous server at "
                                    "127.0.0.1:" + std::to_string(port) + ")"));
    auto after = *aborts[1].first - gone;
    EXPECT_GE(after, 4900ms);
    EXPECT_LT(after, 7s);
    EXPECT_EQ(aborts[2].count(), 0u);

    // Nobody is left to tell: the report fails within its bound, and throws nothing.
    bool told = true;
    EXPECT_LT(time_of([&] { told = ranks[1].store->report_failure("late", 500ms); }), 1s);
    EXPECT_FALSE(told);
    EXPECT_EQ(aborts[1].count(), 1u);
}

}  // namespace
}  // namespace slipway
