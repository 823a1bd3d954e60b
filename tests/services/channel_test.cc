// How --server values become gRPC targets: one address as is, several IP
// literals as one ipv4:/ipv6: target with the first host as TLS name, URIs
// as is, and the malformed lists refused with what is wrong.

#include "services/client/channel.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/status_matchers.h"

namespace wm::services {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::StatusIs;

TEST(ParseServerTargetTest, OneAddressOrAUriStaysAsIs) {
  for (const char* server :
       {"127.0.0.1:50051", "localhost:50051", "dns:///wm.example:50051",
        "ipv4:10.0.0.1:1,10.0.0.2:1", "unix:/run/wm.sock"}) {
    absl::StatusOr<ChannelTarget> target = ParseServerTarget(server);
    ASSERT_TRUE(target.ok()) << server << ": " << target.status();
    EXPECT_EQ(target->uri, server);
    EXPECT_EQ(target->tls_server_name, "");
  }
}

TEST(ParseServerTargetTest, SeveralAddressesBecomeOneTarget) {
  absl::StatusOr<ChannelTarget> v4 =
      ParseServerTarget("10.0.0.1:50051, 10.0.0.2:50052");
  ASSERT_TRUE(v4.ok()) << v4.status();
  EXPECT_EQ(v4->uri, "ipv4:10.0.0.1:50051,10.0.0.2:50052");
  EXPECT_EQ(v4->tls_server_name, "10.0.0.1");
  absl::StatusOr<ChannelTarget> v6 = ParseServerTarget("[::1]:1,[fe80::2]:2");
  ASSERT_TRUE(v6.ok()) << v6.status();
  EXPECT_EQ(v6->uri, "ipv6:[::1]:1,[fe80::2]:2");
  EXPECT_EQ(v6->tls_server_name, "::1");
}

TEST(ParseServerTargetTest, RefusesMalformedLists) {
  EXPECT_THAT(ParseServerTarget(" "),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
  EXPECT_THAT(
      ParseServerTarget("10.0.0.1:1,"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty address")));
  EXPECT_THAT(ParseServerTarget("wm-a:1,wm-b:1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("dns:///NAME:PORT")));
  EXPECT_THAT(
      ParseServerTarget("10.0.0.1:1,10.0.0.2"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("HOST:PORT")));
  EXPECT_THAT(
      ParseServerTarget("10.0.0.1:1,10.0.0.2:70000"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 to 65535")));
  EXPECT_THAT(
      ParseServerTarget("10.0.0.1:1,[::1]:1"),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("IPv4 and IPv6")));
}

TEST(ServiceConfigTest, BalancesRoundRobinAndRetriesUnavailable) {
  EXPECT_THAT(ServiceConfigJson(), HasSubstr("\"round_robin\""));
  EXPECT_THAT(ServiceConfigJson(),
              HasSubstr("\"service\": \"wm.v1.WorldModelService\""));
  EXPECT_THAT(ServiceConfigJson(),
              HasSubstr("[\"UNAVAILABLE\", \"CANCELLED\"]"));
}

}  // namespace
}  // namespace wm::services
