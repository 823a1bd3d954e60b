#include "worldmodel/eval/identifiability.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>

#include "sim/scene_library.h"

namespace wm::worldmodel {
namespace {

// An episode of `steps` steps of a built-in scene's layout whose state
// after step t and action over step t come from `fill(t, qpos, qvel,
// ctrl)` (ctrl is null for the last state).
struct Maker {
  explicit Maker(const std::string& scene_name)
      : scene(*sim::LoadScene(scene_name)) {}

  datasets::Episode Make(
      int64_t steps,
      const std::function<void(int64_t, double*, double*, double*)>& fill) {
    datasets::Episode episode;
    episode.nq = scene->nq();
    episode.nv = scene->nv();
    episode.nu = scene->nu();
    episode.qpos.assign((steps + 1) * episode.nq, 0.0);
    episode.qvel.assign((steps + 1) * episode.nv, 0.0);
    episode.ctrl.assign(steps * episode.nu, 0.0);
    for (int64_t t = 0; t <= steps; ++t) {
      episode.time.push_back(t * scene->dt());
      for (int i = 0; i < episode.nq; ++i) {
        episode.qpos[t * episode.nq + i] = scene->model().qpos0[i];
      }
      fill(t, &episode.qpos[t * episode.nq], &episode.qvel[t * episode.nv],
           t < steps ? episode.ctrl.data() + t * episode.nu : nullptr);
    }
    return episode;
  }

  bool Identifiable(const std::string& parameter,
                    const datasets::Episode& episode, int64_t first = 0,
                    int64_t count = 1000) const {
    return IsIdentifiable(scene->name(), parameter, scene->spec(), episode,
                          first, count);
  }

  std::shared_ptr<const sim::Scene> scene;
};

// slide: qvel 0, 1 are the box's x and y speeds; ctrl fx, fy in N.
TEST(IdentifiabilityTest, SlideFrictionNeedsSlidingAndMassAForce) {
  Maker slide("slide");  // dt 0.02 s
  auto sliding =
      slide.Make(50, [](int64_t, double*, double* v, double*) { v[0] = 0.3; });
  auto resting = slide.Make(50, [](int64_t, double*, double*, double* u) {
    if (u) u[0] = 5.0;  // a force too small to move it
  });
  EXPECT_TRUE(slide.Identifiable("box_floor/friction", sliding));
  EXPECT_FALSE(slide.Identifiable("box/mass", sliding));  // coasting
  EXPECT_FALSE(slide.Identifiable("box_floor/friction", resting));
  EXPECT_FALSE(slide.Identifiable("box/mass", resting));

  // 0.2 s of sliding is enough, 0.18 s is not: transitions end in states
  // 1..10 vs 1..9.
  for (int moving : {9, 10}) {
    auto brief =
        slide.Make(50, [moving](int64_t t, double*, double* v, double* u) {
          if (t >= 1 && t <= moving) v[1] = -0.2;
          if (u && t < moving) u[1] = -3.0;
        });
    EXPECT_EQ(slide.Identifiable("box_floor/friction", brief), moving == 10);
    EXPECT_EQ(slide.Identifiable("box/mass", brief), moving == 10);
  }
}

TEST(IdentifiabilityTest, WindowsAreClippedToTheEpisode) {
  Maker slide("slide");
  auto late = slide.Make(60, [](int64_t t, double*, double* v, double*) {
    if (t > 40) v[0] = 0.5;  // slides only after step 40
  });
  EXPECT_FALSE(slide.Identifiable("box_floor/friction", late, 0, 40));
  EXPECT_TRUE(slide.Identifiable("box_floor/friction", late, 40, 20));
  EXPECT_TRUE(slide.Identifiable("box_floor/friction", late, 30, 1000));
  EXPECT_FALSE(slide.Identifiable("box_floor/friction", late, 40, 0));
}

// push: box free joint (qpos 0-6, qvel 0-5), pusher_x, pusher_y (qpos 7, 8;
// qvel 6, 7); ctrl vx, vy in m/s. dt 0.05 s.
TEST(IdentifiabilityTest, PushRules) {
  Maker push("push");
  auto pushed = [&](double gap, double lag) {
    return push.Make(10, [gap, lag](int64_t, double* q, double* v, double* u) {
      q[7] = q[0] - gap;
      v[0] = 0.1;  // box moving along x
      v[6] = 0.1;  // pusher following
      if (u) u[0] = 0.1 + lag;
    });
  };
  EXPECT_TRUE(push.Identifiable("box_table/friction", pushed(0.07, 0)));
  EXPECT_TRUE(push.Identifiable("pusher_box/friction", pushed(0.07, 0)));
  EXPECT_FALSE(push.Identifiable("pusher_box/friction", pushed(0.5, 0)));
  EXPECT_FALSE(push.Identifiable("box/mass", pushed(0.07, 0.0)));
  EXPECT_TRUE(push.Identifiable("box/mass", pushed(0.07, 0.1)));
  auto still = push.Make(10, [](int64_t, double* q, double* v, double* u) {
    q[7] = q[0] - 0.07;
    if (u) u[0] = 0.3;  // the pusher strains against a box that stays put
  });
  EXPECT_FALSE(push.Identifiable("box_table/friction", still));
  EXPECT_FALSE(push.Identifiable("box/mass", still));
}

// toss: cube free joint (qpos 0-6, qvel 0-5), ground top at z = 0.
TEST(IdentifiabilityTest, TossRules) {
  Maker toss("toss");  // dt 1/148 s
  auto skid = toss.Make(20, [](int64_t, double* q, double* v, double*) {
    q[2] = 0.053;
    v[0] = 0.3;
  });
  auto flight = toss.Make(20, [](int64_t t, double* q, double* v, double*) {
    v[2] = 1.0 - 9.81 * t / 148.0;
    q[2] = 0.3;
    v[0] = 0.3;
  });
  auto bounce = toss.Make(20, [](int64_t t, double* q, double* v, double*) {
    q[2] = 0.06;
    v[2] = t < 10 ? -1.0 : 0.5;
  });
  EXPECT_TRUE(toss.Identifiable("cube_ground/friction", skid));
  EXPECT_FALSE(toss.Identifiable("cube_ground/friction", flight));
  EXPECT_TRUE(toss.Identifiable("cube_ground/solref_stiffness", bounce));
  EXPECT_TRUE(toss.Identifiable("cube_ground/solref_damping", bounce));
  EXPECT_FALSE(toss.Identifiable("cube_ground/solref_damping", flight));
  EXPECT_FALSE(toss.Identifiable("cube_ground/solref_damping", skid));
  EXPECT_FALSE(toss.Identifiable("cube/mass", bounce));
}

// double_pendulum: hinges shoulder (qvel 0) and elbow (qvel 1); dt 2 ms.
TEST(IdentifiabilityTest, DoublePendulumRules) {
  Maker pendulum("double_pendulum");
  auto swing = pendulum.Make(
      100, [](int64_t, double*, double* v, double*) { v[0] = 1.0; });
  EXPECT_TRUE(pendulum.Identifiable("shoulder/damping", swing));
  EXPECT_TRUE(pendulum.Identifiable("shoulder/frictionloss", swing));
  EXPECT_TRUE(pendulum.Identifiable("shoulder/armature", swing));
  EXPECT_FALSE(pendulum.Identifiable("elbow/damping", swing));
  EXPECT_FALSE(pendulum.Identifiable("upper/mass", swing));
  EXPECT_FALSE(pendulum.Identifiable("lower/com_z", swing));
  EXPECT_FALSE(pendulum.Identifiable("upper/inertia_y", swing));
  // 0.1 s of motion (50 steps) is needed.
  auto twitch = pendulum.Make(100, [](int64_t t, double*, double* v, double*) {
    if (t >= 1 && t <= 49) v[1] = -0.5;
  });
  EXPECT_FALSE(pendulum.Identifiable("elbow/damping", twitch));
}

TEST(IdentifiabilityTest, UnknownScenesNeedAnyMotion) {
  Maker slide("slide");
  auto moving = slide.Make(5, [](int64_t t, double*, double* v, double*) {
    if (t == 3) v[3] = 0.05;
  });
  auto still = slide.Make(5, [](int64_t, double*, double*, double*) {});
  EXPECT_TRUE(IsIdentifiable("pinball", "ball/mass", slide.scene->spec(),
                             moving, 0, 5));
  EXPECT_FALSE(
      IsIdentifiable("pinball", "ball/mass", slide.scene->spec(), still, 0, 5));
  // A joint quantity follows the joint rule in any scene.
  auto spin =
      slide.Make(20, [](int64_t, double*, double* v, double*) { v[3] = 0.5; });
  EXPECT_TRUE(IsIdentifiable("pinball", "box_yaw/damping", slide.scene->spec(),
                             spin, 0, 20));
  EXPECT_FALSE(IsIdentifiable("pinball", "box_x/damping", slide.scene->spec(),
                              spin, 0, 20));
}

}  // namespace
}  // namespace wm::worldmodel
