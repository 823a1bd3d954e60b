// The ingest service over gRPC with the C++ client: idempotent uploads,
// refusals as named INVALID_ARGUMENT, the bearer token, TLS, and `wm
// serve`'s server carrying the ingest service beside the models.

#include "services/ingest/ingest_server.h"

#include <cstdlib>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "datasets/dataset.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "services/world_model_server.h"
#include "tests/services/ingest/ingest_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/temp_dir.h"
#include "util/file_util.h"
#include "worldmodel/model_factory.h"

namespace wm::services {
namespace {

using ::testing::HasSubstr;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

class IngestServerTest : public ::testing::Test {
 protected:
  IngestServerTest() : manifest_(testing::PushManifest()) {
    ingest_.set_store(temp_.Join("store"));
    ingest_.set_publish_seconds(3600);
    options_.retry_for = absl::Seconds(1);
  }

  void Start(v1::ServerConfig config = {}) {
    auto server = IngestServer::Start(ingest_, config, &manifest_);
    ASSERT_THAT(server, IsOk());
    server_ = *std::move(server);
  }

  std::string Address() const {
    return absl::StrCat("127.0.0.1:", server_->port());
  }

  std::unique_ptr<IngestClient> Client(ClientOptions options = {}) {
    auto client = IngestClient::Connect(Address(), options);
    EXPECT_THAT(client, IsOk());
    return client.ok() ? *std::move(client) : nullptr;
  }

  ::wm::testing::TempDir temp_;
  v1::DatasetManifest manifest_;
  v1::IngestConfig ingest_;
  UploadOptions options_;
  std::unique_ptr<IngestServer> server_;
};

TEST_F(IngestServerTest, UploadingAgainStoresNothingTwice) {
  Start();
  auto client = Client();
  const EpisodeUpload episode =
      testing::MakePushEpisode(manifest_, "r1", "e1", 600, 1);
  auto first = client->UploadEpisode(episode, options_);
  ASSERT_THAT(first, IsOk());
  EXPECT_EQ(first->chunks_stored, 3);  // 256 + 256 + 88 samples
  ASSERT_EQ(first->reply.episodes_size(), 1);
  EXPECT_TRUE(first->reply.episodes(0).complete());
  EXPECT_EQ(first->reply.episodes(0).next_sequence(), 3);
  auto second = client->UploadEpisode(episode, options_);
  ASSERT_THAT(second, IsOk());
  EXPECT_EQ(second->chunks_stored, 0);
  EXPECT_EQ(second->chunks_duplicate, 3);
  ASSERT_THAT(server_->store().PublishNow(), IsOk());
  auto dataset = datasets::Dataset::Open(ingest_.store());
  ASSERT_THAT(dataset, IsOk());
  EXPECT_EQ((*dataset)->num_episodes(), 1);
  EXPECT_EQ((*dataset)->manifest().num_transitions(), 599);
}

TEST_F(IngestServerTest, ARefusedChunkIsANamedInvalidArgumentNotRetried) {
  Start();
  auto client = Client();
  EpisodeUpload episode =
      testing::MakePushEpisode(manifest_, "r1", "e1", 40, 2);
  episode.scene = "slide";
  const absl::Time start = absl::Now();
  EXPECT_THAT(
      client->UploadEpisode(episode, options_),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("robot r1 episode e1 chunk 0: scene 'slide'")));
  EXPECT_LT(absl::Now() - start, absl::Milliseconds(900));
  EXPECT_THAT(server_->store().RenderPrometheus(),
              HasSubstr("wm_ingest_refused_total{reason=\"scene\"} 1"));
}

TEST_F(IngestServerTest, TheBearerTokenIsRequiredWhenConfigured) {
  const std::string token_file = temp_.Join("token");
  ASSERT_THAT(WriteFileAtomically(token_file, "s3cret\n"), IsOk());
  v1::ServerConfig config;
  config.set_token_file(token_file);
  Start(config);
  const EpisodeUpload episode =
      testing::MakePushEpisode(manifest_, "r1", "e1", 40, 3);
  EXPECT_THAT(Client()->UploadEpisode(episode, options_),
              StatusIs(absl::StatusCode::kUnauthenticated));
  ClientOptions wrong;
  wrong.bearer_token = "guess";
  EXPECT_THAT(
      Client(wrong)->UploadEpisode(episode, options_),
      StatusIs(absl::StatusCode::kUnauthenticated, HasSubstr("not valid")));
  ClientOptions right;
  right.bearer_token = "s3cret";
  EXPECT_THAT(Client(right)->UploadEpisode(episode, options_), IsOk());
}

TEST_F(IngestServerTest, TlsServesOnlyClientsThatTrustItsCertificate) {
  const std::string cert = temp_.Join("server.crt"),
                    key = temp_.Join("server.key");
  ASSERT_EQ(
      std::system(
          absl::StrCat("openssl req -x509 -newkey rsa:2048 -nodes -days 1 "
                       "-subj /CN=localhost -addext "
                       "subjectAltName=DNS:localhost,IP:127.0.0.1 -keyout ",
                       key, " -out ", cert, " 2>/dev/null")
              .c_str()),
      0);
  v1::ServerConfig config;
  config.set_tls_cert_file(cert);
  config.set_tls_key_file(key);
  Start(config);
  const EpisodeUpload episode =
      testing::MakePushEpisode(manifest_, "r1", "e1", 40, 4);
  ClientOptions tls;
  auto root = ReadFileToString(cert);
  ASSERT_THAT(root, IsOk());
  tls.root_certificates = *root;
  EXPECT_THAT(Client(tls)->UploadEpisode(episode, options_), IsOk());
  ClientOptions plain;
  plain.timeout = absl::Seconds(2);
  EXPECT_THAT(Client(plain)->UploadEpisode(episode, options_),
              StatusIs(absl::StatusCode::kUnavailable));
}

TEST_F(IngestServerTest, WmServeCarriesTheIngestServiceOnItsPort) {
  auto store = IngestStore::Open(ingest_, &manifest_);
  ASSERT_THAT(store, IsOk());
  IngestServiceImpl service(store->get(), "");
  ServerExtras extras;
  extras.services.push_back(&service);
  std::filesystem::create_directories(temp_.Join("models"));
  worldmodel::ModelFactory factory;
  v1::ServerConfig config;
  auto server = WorldModelServer::Start(config, temp_.Join("models"), &factory,
                                        std::move(extras));
  ASSERT_THAT(server, IsOk());
  auto client =
      IngestClient::Connect(absl::StrCat("127.0.0.1:", (*server)->port()), {});
  ASSERT_THAT(client, IsOk());
  auto uploaded = (*client)->UploadEpisode(
      testing::MakePushEpisode(manifest_, "r9", "e1", 30, 5), options_);
  ASSERT_THAT(uploaded, IsOk());
  EXPECT_EQ(uploaded->chunks_stored, 1);
  (*server)->Shutdown(absl::Seconds(1));
}

}  // namespace
}  // namespace wm::services
