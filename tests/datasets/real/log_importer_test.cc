#include "datasets/real/log_importer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tests/testing/status_matchers.h"

namespace wm::datasets {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Pointwise;
using ::wm::testing::IsOk;
using ::wm::testing::StatusIs;

constexpr double kExact = 1e-12;

// One free joint, as the toss scene: qpos x y z qw qx qy qz, qvel linear
// (world) and angular (body); no actuators.
v1::StateSpec FreeJointSpec() {
  v1::StateSpec spec;
  spec.set_nq(7);
  spec.set_nv(6);
  v1::Joint* joint = spec.add_joints();
  joint->set_name("cube");
  joint->set_type(v1::Joint::FREE);
  joint->set_quaternion_offset(3);
  joint->set_linear_velocity_frame(v1::Joint::WORLD);
  joint->set_angular_velocity_frame(v1::Joint::BODY);
  return spec;
}

// Columns t,x,y,z,qw,qx,qy,qz,vx,vy,vz,wx,wy,wz mapped one to one.
v1::ImportConfig FreeJointConfig() {
  v1::ImportConfig config;
  config.set_dt(0.01);
  config.mutable_time()->set_name("t");
  for (const char* name : {"x", "y", "z", "qw", "qx", "qy", "qz"}) {
    config.add_qpos()->set_name(name);
  }
  for (const char* name : {"vx", "vy", "vz", "wx", "wy", "wz"}) {
    config.add_qvel()->set_name(name);
  }
  config.set_angular_velocity_frame(v1::Joint::BODY);
  return config;
}

constexpr char kHeader[] = "t,x,y,z,qw,qx,qy,qz,vx,vy,vz,wx,wy,wz\n";
constexpr char kRow0[] = "0,0,0,1,1,0,0,0,1,0,0,0,0,0\n";
constexpr char kRow1[] = "0.01,0.01,0,1,1,0,0,0,1,0,0,0,0,0\n";

LogImporter MakeImporter(const v1::ImportConfig& config,
                         const v1::StateSpec& spec) {
  absl::StatusOr<LogImporter> importer = LogImporter::Create(config, spec);
  EXPECT_THAT(importer, IsOk());
  return std::move(importer).value();
}

absl::StatusOr<RawTrajectory> MapText(
    const std::string& text,
    const v1::ImportConfig& config = FreeJointConfig()) {
  absl::StatusOr<CsvLog> log = ParseCsvLog(text, "toss.csv");
  EXPECT_THAT(log, IsOk());
  return MakeImporter(config, FreeJointSpec()).Map(*log, nullptr);
}

TEST(LogImporterTest, ConfigMustMatchTheSpec) {
  v1::ImportConfig config = FreeJointConfig();
  config.mutable_qvel()->RemoveLast();
  EXPECT_THAT(LogImporter::Create(config, FreeJointSpec()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("5 qvel entries, the scene's StateSpec has "
                                 "6")));
  config = FreeJointConfig();
  config.set_dt(0);
  EXPECT_THAT(LogImporter::Create(config, FreeJointSpec()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("dt")));
}

TEST(LogImporterTest, MissingColumnNamesFileAndHeaderLine) {
  EXPECT_THAT(MapText("t,x,y,z,qw,qx,qy,vx,vy,vz,wx,wy,wz\n0,0,0,0,1,0,0,0,0,"
                      "0,0,0,0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("toss.csv:1: missing column 'qz' (for "
                                 "qpos[6])")));
}

TEST(LogImporterTest, NanAndInfNameFileLineAndColumn) {
  EXPECT_THAT(MapText(std::string(kHeader) + kRow0 +
                      "0.01,0.01,0,nan,1,0,0,0,1,0,0,0,0,0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("toss.csv:3: qpos[2] (column 'z') is NaN")));
  EXPECT_THAT(MapText(std::string(kHeader) + kRow0 +
                      "0.01,0.01,0,1,1,0,0,0,1,0,0,0,-inf,0\n"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("toss.csv:3: qvel[4] (column 'wy') is Inf")));
}

TEST(LogImporterTest, TimeGoingBackwardsOrRepeatingNamesTheLine) {
  EXPECT_THAT(
      MapText(std::string(kHeader) + kRow0 + kRow1 +
              "0.005,0.01,0,1,1,0,0,0,1,0,0,0,0,0\n"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("toss.csv:4: time 0.005 s goes backwards (line 3 "
                         "has 0.01 s)")));
  EXPECT_THAT(MapText(std::string(kHeader) + kRow0 + kRow1 + kRow1),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("toss.csv:4: time 0.01 s repeats")));
}

TEST(LogImporterTest, NonUnitQuaternionRefusedNearUnitRenormalised) {
  EXPECT_THAT(
      MapText(std::string(kHeader) + kRow0 +
              "0.01,0.01,0,1,1.01,0,0,0,1,0,0,0,0,0\n"),
      StatusIs(absl::StatusCode::kInvalidArgument,
               HasSubstr("toss.csv:3: quaternion qpos[3] (column 'qw').."
                         "qpos[6] (column 'qz') has norm 1.01, not unit")));
  absl::StatusOr<CsvLog> log =
      ParseCsvLog(std::string(kHeader) + kRow0 +
                      "0.01,0.01,0,1,0.6006,0.8,0,0,1,0,0,0,0,0\n",
                  "toss.csv");
  ASSERT_THAT(log, IsOk());
  LogImporter::Result result;
  absl::StatusOr<RawTrajectory> raw =
      MakeImporter(FreeJointConfig(), FreeJointSpec()).Map(*log, &result);
  ASSERT_THAT(raw, IsOk());
  const double norm = std::hypot(0.6006, 0.8);
  EXPECT_NEAR(raw->qpos[7 + 3], 0.6006 / norm, kExact);
  EXPECT_NEAR(raw->qpos[7 + 4], 0.8 / norm, kExact);
  EXPECT_EQ(result.quaternions_renormalised, 1);
}

TEST(LogImporterTest, UnitScalesApplyToTimeAndEntries) {
  v1::ImportConfig config = FreeJointConfig();
  config.mutable_time()->set_scale(1e-3);         // ms
  config.mutable_qpos(0)->set_scale(1e-3);        // mm
  config.mutable_qvel(3)->set_scale(M_PI / 180);  // deg/s
  absl::StatusOr<RawTrajectory> raw =
      MapText(std::string(kHeader) + "0,250,0,1,1,0,0,0,1,0,0,90,0,0\n" +
                  "10,260,0,1,1,0,0,0,1,0,0,90,0,0\n",
              config);
  ASSERT_THAT(raw, IsOk());
  EXPECT_THAT(raw->time, Pointwise(DoubleNear(kExact), {0.0, 0.01}));
  EXPECT_NEAR(raw->qpos[0], 0.25, kExact);
  EXPECT_NEAR(raw->qpos[7], 0.26, kExact);
  EXPECT_NEAR(raw->qvel[3], M_PI / 2, kExact);
}

TEST(LogImporterTest, XyzwColumnsBecomeWxyz) {
  v1::ImportConfig config = FreeJointConfig();
  config.set_quaternion_order(v1::ImportConfig::XYZW);
  // The quaternion's columns listed in the log's x y z w order.
  const char* order[] = {"qx", "qy", "qz", "qw"};
  for (int i = 0; i < 4; ++i) config.mutable_qpos(3 + i)->set_name(order[i]);
  // q = (w 0.5, x 0.5, y -0.5, z 0.5).
  absl::StatusOr<RawTrajectory> raw = MapText(
      std::string(kHeader) + "0,0,0,1,0.5,0.5,-0.5,0.5,0,0,0,0,0,0\n", config);
  ASSERT_THAT(raw, IsOk());
  EXPECT_THAT(std::vector<double>(raw->qpos.begin() + 3, raw->qpos.end()),
              Pointwise(DoubleNear(kExact), {0.5, 0.5, -0.5, 0.5}));
  // Column values really were reordered: a log whose w column holds 0.5
  // and x column 0.1 etc. comes out w first.
  config.mutable_qpos(3)->set_name("qw");  // x <- column qw
  config.mutable_qpos(6)->set_name("qx");  // w <- column qx
  raw = MapText(std::string(kHeader) + "0,0,0,1,0.1,0.7,0.1,0.7,0,0,0,0,0,0\n",
                config);
  ASSERT_THAT(raw, IsOk());
  EXPECT_THAT(std::vector<double>(raw->qpos.begin() + 3, raw->qpos.end()),
              Pointwise(DoubleNear(kExact), {0.7, 0.1, 0.1, 0.7}));
}

TEST(LogImporterTest, WorldAngularVelocityBecomesBodyFrame) {
  v1::ImportConfig config = FreeJointConfig();
  config.set_angular_velocity_frame(v1::Joint::WORLD);
  // The body is turned 90 degrees about world z: body x = world y, body y =
  // world -x. A spin of 1 rad/s about world x is -1 rad/s about body y; the
  // linear velocity stays in the world frame.
  const double c = std::sqrt(0.5);
  const std::string row = "0,0,0,1," + std::to_string(c) + ",0,0," +
                          std::to_string(c) + ",2,3,4,1,0,0\n";
  absl::StatusOr<RawTrajectory> raw =
      MapText(std::string(kHeader) + row, config);
  ASSERT_THAT(raw, IsOk());
  // std::to_string keeps 6 decimals: the quaternion is renormalised.
  constexpr double kRounding = 1e-6;
  EXPECT_NEAR(raw->qvel[3], 0.0, kRounding);
  EXPECT_NEAR(raw->qvel[4], -1.0, kRounding);
  EXPECT_NEAR(raw->qvel[5], 0.0, kRounding);
  EXPECT_THAT(std::vector<double>(raw->qvel.begin(), raw->qvel.begin() + 3),
              ElementsAre(2, 3, 4));
}

// A hinge with one motor, as one joint of the pendulum.
v1::StateSpec HingeSpec() {
  v1::StateSpec spec;
  spec.set_nq(1);
  spec.set_nv(1);
  spec.set_nu(1);
  v1::Joint* joint = spec.add_joints();
  joint->set_type(v1::Joint::HINGE);
  joint->set_quaternion_offset(-1);
  return spec;
}

TEST(LogImporterTest, ConstantWhenAllZeroReplacesAnOffMotorsColumn) {
  v1::ImportConfig config;
  config.set_dt(0.002);
  config.mutable_time()->set_name("time");
  config.add_qpos()->set_name("pos");
  config.add_qvel()->set_name("vel");
  v1::ImportColumn* ctrl = config.add_ctrl();
  ctrl->set_name("tau_meas");
  ctrl->set_constant_when_all_zero("tau_con");
  const LogImporter importer = MakeImporter(config, HingeSpec());

  absl::StatusOr<CsvLog> off = ParseCsvLog(
      "time,pos,vel,tau_con,tau_meas\n0,0,0,0,0.05\n0.002,0,0,0,-0.03\n",
      "off.csv");
  ASSERT_THAT(off, IsOk());
  LogImporter::Result result;
  absl::StatusOr<RawTrajectory> raw = importer.Map(*off, &result);
  ASSERT_THAT(raw, IsOk());
  EXPECT_THAT(raw->ctrl, ElementsAre(0.0, 0.0));
  EXPECT_THAT(result.constant_entries, ElementsAre("ctrl[0]"));

  absl::StatusOr<CsvLog> on = ParseCsvLog(
      "time,pos,vel,tau_con,tau_meas\n0,0,0,0,0.05\n0.002,0,0,0.1,-0.03\n",
      "on.csv");
  ASSERT_THAT(on, IsOk());
  result = {};
  raw = importer.Map(*on, &result);
  ASSERT_THAT(raw, IsOk());
  EXPECT_THAT(raw->ctrl, ElementsAre(0.05, -0.03));
  EXPECT_TRUE(result.constant_entries.empty());
}

TEST(LogImporterTest, ImportResamplesToTheConfigDt) {
  absl::StatusOr<CsvLog> log = ParseCsvLog(
      std::string(kHeader) + kRow0 + "0.02,0.02,0,1,1,0,0,0,1,0,0,0,0,0\n",
      "toss.csv");
  ASSERT_THAT(log, IsOk());
  absl::StatusOr<LogImporter::Result> result =
      MakeImporter(FreeJointConfig(), FreeJointSpec()).Import(*log);
  ASSERT_THAT(result, IsOk());
  ASSERT_EQ(result->resampled.episodes.size(), 1u);
  const Episode& episode = result->resampled.episodes[0];
  EXPECT_EQ(episode.num_steps(), 2);
  EXPECT_NEAR(episode.qpos[7], 0.01, kExact);
}

}  // namespace
}  // namespace wm::datasets
