// Safe defaults of `wm serve`: no listening beyond loopback without TLS
// and a token (unless insecure is asked for), the metrics page on loopback
// unless told otherwise, and Prometheus label values escaped.

#include <httplib.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "services/server_metrics.h"
#include "tests/services/test_server.h"

namespace wm::services {
namespace {

using ::testing::HasSubstr;
using testing::PublishSlideVersion;
using testing::ServerFixture;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

TEST(ServerSafetyTest, LoopbackHostsAreRecognised) {
  for (const char* host :
       {"127.0.0.1", "127.1.2.3", "localhost", "::1", "[::1]"}) {
    EXPECT_TRUE(IsLoopbackHost(host)) << host;
  }
  for (const char* host :
       {"0.0.0.0", "10.0.0.1", "::", "[::]", "127.0.0", "127.0.0.1.5",
        "128.0.0.1", "127.0.0.256", "example", ""}) {
    EXPECT_FALSE(IsLoopbackHost(host)) << host;
  }
}

TEST(ServerSafetyTest, ExposureNeedsTlsAndATokenOrInsecure) {
  v1::ServerConfig config;
  config.set_host("0.0.0.0");
  EXPECT_THAT(CheckExposure(config, false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("refusing to listen on 0.0.0.0")));
  EXPECT_THAT(
      CheckExposure(config, false),
      StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("--insecure")));
  EXPECT_THAT(CheckExposure(config, true),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("without TLS")));
  config.set_tls_cert_file("cert.pem");
  config.set_tls_key_file("key.pem");
  EXPECT_THAT(CheckExposure(config, false),
              StatusIs(absl::StatusCode::kFailedPrecondition,
                       HasSubstr("a bearer token")));
  EXPECT_THAT(CheckExposure(config, true), IsOk());
  config.clear_tls_cert_file();
  config.set_insecure(true);
  EXPECT_THAT(CheckExposure(config, false), IsOk());
  config.set_insecure(false);
  config.set_host("127.0.0.1");
  EXPECT_THAT(CheckExposure(config, false), IsOk());
}

class ServerSafetyServerTest : public ServerFixture {};

TEST_F(ServerSafetyServerTest, AnExposedServerWithoutProtectionIsRefused) {
  PublishSlideVersion(models_dir(), "slide", 1);
  v1::ServerConfig config;
  config.set_host("0.0.0.0");
  config.set_port(0);
  auto server = WorldModelServer::Start(config, models_dir(), &factory_);
  EXPECT_THAT(server.status(), StatusIs(absl::StatusCode::kFailedPrecondition,
                                        HasSubstr("0.0.0.0")));
}

// True when /proc/net/tcp lists a socket listening on 127.0.0.1:`port`;
// false when it listens on another address, or not at all.
bool ListensOnLoopbackOnly(int port) {
  std::ifstream table("/proc/net/tcp");
  std::string line;
  std::getline(table, line);  // header
  bool loopback = false, other = false;
  const std::string port_hex = absl::StrFormat("%04X", port);
  while (std::getline(table, line)) {
    std::istringstream fields(line);
    std::string slot, local, remote, state;
    fields >> slot >> local >> remote >> state;
    if (state != "0A" || local.substr(local.find(':') + 1) != port_hex) {
      continue;  // not listening, or another port
    }
    (local.rfind("0100007F:", 0) == 0 ? loopback : other) = true;
  }
  return loopback && !other;
}

TEST_F(ServerSafetyServerTest, MetricsBindLoopbackAndEscapeLabels) {
  PublishSlideVersion(models_dir(), "slide", 1);
  // A model directory named with a quote and a newline.
  const std::string odd = "we\"ird\nname";
  PublishSlideVersion(models_dir(), odd, 1);
  v1::ServerConfig config;
  config.set_metrics_port(-1);
  StartServer(config);
  EXPECT_EQ(server_->config().metrics_address(), "127.0.0.1");
  ASSERT_GT(server_->metrics_port(), 0);
  EXPECT_TRUE(ListensOnLoopbackOnly(server_->metrics_port()));

  httplib::Client client("127.0.0.1", server_->metrics_port());
  auto page = client.Get("/metrics");
  ASSERT_TRUE(page) << "no metrics page";
  EXPECT_THAT(page->body,
              HasSubstr("wm_loaded_versions{model=\"we\\\"ird\\nname\"} 1"));
  // Every line is a comment or one sample: name, optional labels of
  // escaped values, a number.
  const std::regex sample(
      R"(^[a-z_]+(\{([a-z_]+="([^"\\]|\\.)*",?)*\})? [-+0-9.eE]+$)");
  for (absl::string_view line : absl::StrSplit(page->body, '\n')) {
    if (line.empty() || line[0] == '#') continue;
    EXPECT_TRUE(std::regex_match(std::string(line), sample)) << line;
  }
}

TEST(ServerSafetyTest, LabelValuesAreEscaped) {
  EXPECT_EQ(EscapeLabelValue("plain"), "plain");
  EXPECT_EQ(EscapeLabelValue("a\"b"), "a\\\"b");
  EXPECT_EQ(EscapeLabelValue("a\\b"), "a\\\\b");
  EXPECT_EQ(EscapeLabelValue("a\nb"), "a\\nb");
}

}  // namespace
}  // namespace wm::services
