// net::DnsResolver against a real NSD in a private network namespace (tests/world): TXT joining,
// MX, addresses, CNAME chains and loops, TLSA, DNSSEC secure / insecure / bogus, timeouts.
#include <mtasts/net/dns.hpp>

#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../world/world.hpp"

namespace {

using namespace mtasts;
using net::DnssecStatus;

// One world per test process: a namespace and an NSD with the zones below.
class DnsWorld : public ::testing::Environment
{
public:
  void SetUp() override
  {
    if (auto error = testworld::enter_private_network()) {
      FAIL() << *error;
    }
    const std::vector<testworld::Zone> zones = {
        {"plain.test",
         {"_mta-sts IN TXT \"v=STSv1; \" \"id=abc\"", "two IN TXT \"first\"",
          "two IN TXT \"second\"", "@ IN MX 20 mx2.plain.test.", "@ IN MX 10 MX1.plain.test.",
          "mx1 IN A 127.0.0.2", "mx1 IN AAAA ::1", "mx2 IN A 127.0.0.3", "alias IN CNAME alias2",
          "alias2 IN CNAME target", "target IN TXT \"at the end\"", "loop1 IN CNAME loop2",
          "loop2 IN CNAME loop1",
          "_25._tcp.mx1 IN TLSA 3 1 1 "
          "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20",
          "nomx IN A 127.0.0.4"},
         false,
         false,
         false},
        {"signed.test",
         {"_mta-sts IN TXT \"v=STSv1; id=signed1\"", "mx1 IN A 127.0.0.5"},
         true,
         true,
         false},
        {"unanchored.test", {"_mta-sts IN TXT \"v=STSv1; id=x\""}, true, false, false},
        {"broken.test", {"_mta-sts IN TXT \"v=STSv1; id=broken\""}, true, true, true},
    };
    auto nsd = testworld::Nsd::start(s_scratch.path(), zones);
    ASSERT_TRUE(nsd) << nsd.error();
    s_nsd.emplace(std::move(*nsd));
  }
  void TearDown() override { s_nsd.reset(); }

  static testworld::ScratchDir s_scratch;
  static std::optional<testworld::Nsd> s_nsd;
};

testworld::ScratchDir DnsWorld::s_scratch;
std::optional<testworld::Nsd> DnsWorld::s_nsd;

const auto* const k_world = ::testing::AddGlobalTestEnvironment(new DnsWorld);

// Runs one coroutine on a fresh io_context with a resolver pointed at the world's NSD.
template <typename Body>
auto with_resolver(Body body, std::chrono::milliseconds timeout = std::chrono::seconds(5))
{
  net::asio::io_context io;
  net::DnsOptions options;
  options.servers = {DnsWorld::s_nsd->server()};
  options.trust_anchor_file = DnsWorld::s_nsd->trust_anchors().string();
  options.timeout = timeout;
  auto resolver = net::DnsResolver::create(io, options);
  EXPECT_TRUE(resolver) << resolver.error();
  using Result = typename decltype(body(std::declval<net::DnsResolver&>()))::value_type;
  std::optional<Result> result;
  net::asio::co_spawn(
      io, [&]() -> net::Awaitable<void> { result = co_await body(**resolver); },
      net::asio::detached);
  io.run();
  return *result;
}

net::Awaitable<net::DnsAnswer> lookup(net::DnsResolver& resolver, std::string name, int type)
{
  co_return co_await resolver.query(std::move(name), type);
}

} // namespace

// --- failures first ----------------------------------------------------------------------------

TEST(Dns, BogusSignatureIsReportedAsBogus)
{
  const auto answer = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "_mta-sts.broken.test", net::rrtype::txt); });
  EXPECT_TRUE(answer.failed()) << "rcode " << answer.rcode << " dnssec "
                               << net::dnssec_status_name(answer.dnssec) << " rdata "
                               << answer.rdata.size() << " why " << answer.why_bogus;
  EXPECT_EQ(answer.dnssec, DnssecStatus::bogus);
  EXPECT_FALSE(answer.why_bogus.empty());
}

TEST(Dns, CnameLoopIsAFailure)
{
  const auto chain =
      with_resolver([](net::DnsResolver& r) -> net::Awaitable<net::DnsResolver::CnameChain> {
        co_return co_await r.cname_chain("loop1.plain.test");
      });
  EXPECT_NE(chain.failure.find("loop"), std::string::npos) << chain.failure;
  const auto answer = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "loop1.plain.test", net::rrtype::txt); });
  EXPECT_TRUE(answer.failed());
}

TEST(Dns, NxdomainAndNodataAreAnswersNotFailures)
{
  const auto missing = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "nothing.plain.test", net::rrtype::txt); });
  EXPECT_FALSE(missing.failed()) << missing.failure;
  EXPECT_TRUE(missing.nxdomain);
  EXPECT_FALSE(missing.has_data());
  const auto nodata = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "nomx.plain.test", net::rrtype::mx); });
  EXPECT_FALSE(nodata.failed()) << nodata.failure;
  EXPECT_FALSE(nodata.nxdomain);
  EXPECT_FALSE(nodata.has_data());
}

TEST(Dns, SilentServerTimesOutWithinTheDeadline)
{
  // A server that accepts nothing on UDP and never answers on TCP.
  const int udp = socket(AF_INET, SOCK_DGRAM, 0);
  const int tcp = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_port = htons(53);
  inet_pton(AF_INET, "127.0.0.99", &address.sin_addr);
  ASSERT_EQ(bind(udp, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(bind(tcp, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
  ASSERT_EQ(listen(tcp, 16), 0);

  net::asio::io_context io;
  net::DnsOptions options;
  options.servers = {"127.0.0.99"};
  options.timeout = std::chrono::milliseconds(300);
  auto resolver = net::DnsResolver::create(io, options);
  ASSERT_TRUE(resolver) << resolver.error();
  net::DnsAnswer answer;
  const auto start = std::chrono::steady_clock::now();
  net::asio::co_spawn(
      io,
      [&]() -> net::Awaitable<void> {
        answer = co_await (*resolver)->query("x.plain.test", net::rrtype::txt);
      },
      net::asio::detached);
  io.run(); // returns only if the resolver leaves the loop idle after the timeout
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_TRUE(answer.failed());
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  close(udp);
  close(tcp);
}

TEST(Dns, BadServerAddressIsRejected)
{
  net::asio::io_context io;
  net::DnsOptions options;
  options.servers = {"not-an-ip"};
  EXPECT_FALSE(net::DnsResolver::create(io, options));
  EXPECT_FALSE(net::to_unbound_address("127.0.0.1:0"));
  EXPECT_FALSE(net::to_unbound_address("[::1"));
  EXPECT_EQ(*net::to_unbound_address("[::1]:5353"), "::1@5353");
  EXPECT_EQ(*net::to_unbound_address("127.0.0.53"), "127.0.0.53@53");
}

// --- answers -----------------------------------------------------------------------------------

TEST(Dns, TxtStringsAreJoinedPerRecord)
{
  const auto answer = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "_mta-sts.plain.test", net::rrtype::txt); });
  ASSERT_TRUE(answer.has_data()) << answer.failure;
  ASSERT_EQ(answer.rdata.size(), 1U);
  EXPECT_EQ(net::decode_txt(answer.rdata[0]), "v=STSv1; id=abc");
  EXPECT_EQ(answer.dnssec, DnssecStatus::insecure);
  const auto two = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "two.plain.test", net::rrtype::txt); });
  EXPECT_EQ(two.rdata.size(), 2U);
}

TEST(Dns, MxAndAddresses)
{
  const auto answer =
      with_resolver([](net::DnsResolver& r) { return lookup(r, "plain.test", net::rrtype::mx); });
  ASSERT_EQ(answer.rdata.size(), 2U);
  std::vector<net::MxRecord> records;
  for (const auto& rdata : answer.rdata) {
    records.push_back(*net::decode_mx(rdata));
  }
  std::ranges::sort(records, {}, &net::MxRecord::preference);
  EXPECT_EQ(records[0].preference, 10);
  EXPECT_EQ(records[0].exchange, "mx1.plain.test");
  EXPECT_EQ(records[1].exchange, "mx2.plain.test");
  const auto v4 = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "mx1.plain.test", net::rrtype::a); });
  EXPECT_EQ(*net::decode_address(v4.rdata.at(0)), "127.0.0.2");
  const auto v6 = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "mx1.plain.test", net::rrtype::aaaa); });
  EXPECT_EQ(*net::decode_address(v6.rdata.at(0)), "::1");
}

TEST(Dns, CnameChainIsFollowedAndReported)
{
  const auto answer = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "alias.plain.test", net::rrtype::txt); });
  ASSERT_TRUE(answer.has_data()) << answer.failure;
  EXPECT_EQ(answer.canonical_name, "target.plain.test");
  EXPECT_EQ(net::decode_txt(answer.rdata[0]), "at the end");
  const auto chain =
      with_resolver([](net::DnsResolver& r) -> net::Awaitable<net::DnsResolver::CnameChain> {
        co_return co_await r.cname_chain("alias.plain.test");
      });
  EXPECT_TRUE(chain.failure.empty()) << chain.failure;
  EXPECT_EQ(chain.targets, (std::vector<std::string>{"alias2.plain.test", "target.plain.test"}));
}

TEST(Dns, TlsaRecord)
{
  const auto answer = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "_25._tcp.mx1.plain.test", net::rrtype::tlsa); });
  ASSERT_EQ(answer.rdata.size(), 1U);
  const auto tlsa = net::decode_tlsa(answer.rdata[0]);
  ASSERT_TRUE(tlsa);
  EXPECT_EQ(tlsa->to_string(),
            "3 1 1 0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20");
}

TEST(Dns, SignedZoneWithTrustAnchorIsSecure)
{
  const auto answer = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "_mta-sts.signed.test", net::rrtype::txt); });
  ASSERT_TRUE(answer.has_data()) << answer.failure;
  EXPECT_EQ(answer.dnssec, DnssecStatus::secure);
  const auto missing = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "none.signed.test", net::rrtype::txt); });
  EXPECT_TRUE(missing.nxdomain);
  EXPECT_EQ(missing.dnssec, DnssecStatus::secure); // NSEC3 proof validated
}

TEST(Dns, SignedZoneWithoutTrustAnchorIsInsecure)
{
  const auto answer = with_resolver(
      [](net::DnsResolver& r) { return lookup(r, "_mta-sts.unanchored.test", net::rrtype::txt); });
  ASSERT_TRUE(answer.has_data()) << answer.failure;
  EXPECT_EQ(answer.dnssec, DnssecStatus::insecure);
}

TEST(Dns, ConcurrentQueriesShareOneLoop)
{
  const auto count = with_resolver([](net::DnsResolver& r) -> net::Awaitable<int> {
    int answered = 0;
    auto executor = co_await net::asio::this_coro::executor;
    std::vector<std::string> names = {"mx1.plain.test", "mx2.plain.test", "nomx.plain.test",
                                      "mx1.signed.test"};
    std::size_t remaining = names.size();
    net::asio::steady_timer done(executor, std::chrono::steady_clock::time_point::max());
    for (const auto& name : names) {
      net::asio::co_spawn(
          executor,
          [&, name]() -> net::Awaitable<void> {
            const auto answer = co_await r.query(name, net::rrtype::a);
            answered += answer.has_data() ? 1 : 0;
            if (--remaining == 0) {
              done.cancel();
            }
          },
          net::asio::detached);
    }
    boost::system::error_code ignored;
    co_await done.async_wait(net::asio::redirect_error(net::asio::use_awaitable, ignored));
    co_return answered;
  });
  EXPECT_EQ(count, 4);
}
