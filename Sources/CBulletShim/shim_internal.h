// Private to the shim: the C++ types behind benchtop_bullet.h, shared by its concern files (MuJoCo's engine_<stage>.c
// layout). No Swift module sees this header; benchtop_bullet.h stays the one C interface.
//
//   shim_world.cpp         world life cycle, the step, contacts, and the world's step changes (DynamicsWorld,
//   PairFilter) shim_bodies.cpp        shapes, rigid bodies, materials, body state shim_articulation.cpp  multibody
//   construction, joint state, motors shim_inertia.cpp       the joint-space mass matrix (JointSpaceInertia)
//   shim_drive.cpp         joint-space rows: motors and speculative limits (JointDrive)
//   shim_solver.cpp        the solver's iteration over those rows (Solver)
#ifndef BENCHTOP_SHIM_INTERNAL_H
#define BENCHTOP_SHIM_INTERNAL_H

#include "benchtop_bullet.h"

#include <BulletCollision/CollisionShapes/btConvexHullShape.h>
#include <BulletCollision/CollisionShapes/btShapeHull.h>
#include <BulletDynamics/Featherstone/btMultiBody.h>
#include <BulletDynamics/Featherstone/btMultiBodyConstraintSolver.h>
#include <BulletDynamics/Featherstone/btMultiBodyDynamicsWorld.h>
#include <BulletDynamics/Featherstone/btMultiBodyLinkCollider.h>
#include <btBulletDynamicsCommon.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

// btMultiBodyDynamicsWorld.h defines this (Bullet 3.x): applyGravity adds gravity to the multibodies' link forces
// before the step, and solveExternalForces does not. DynamicsWorld::solveExternalForces relies on it.
#ifndef BT_USE_VIRTUAL_CLEARFORCES_AND_GRAVITY
#error "expected Bullet 3.x's btMultiBodyDynamicsWorld (gravity applied through applyGravity)"
#endif

namespace benchtop_shim {

struct JointSpaceInertia;
class JointDrive;

struct BodyRef {
    btCollisionObject* object = nullptr; // rigid body or link collider
    btRigidBody* rigid = nullptr;        // set for rigid bodies
    int multibody = -1;                  // set for links
    int link = -2;
};

struct Articulation {
    btMultiBody* body = nullptr;
    std::vector<btMultiBodyLinkCollider*> colliders; // index link + 1 (base first)
    std::vector<int> body_ids;                       // index link + 1
    JointDrive* drive = nullptr;                     // motors and limits, set when finalized
    std::shared_ptr<JointSpaceInertia> inertia;      // set when finalized
    std::vector<btScalar> damping;                   // per link, viscous; empty: none
    bool finalized = false;
};

inline btTransform toTransform(const double p[7]) {
    return btTransform(btQuaternion(p[3], p[4], p[5], p[6]), btVector3(p[0], p[1], p[2]));
}

inline void fromTransform(const btTransform& t, double* out) {
    const btVector3& o = t.getOrigin();
    btQuaternion q = t.getRotation();
    out[0] = o.x();
    out[1] = o.y();
    out[2] = o.z();
    out[3] = q.x();
    out[4] = q.y();
    out[5] = q.z();
    out[6] = q.w();
}

/// Surface properties and friction anchors on a rigid body or link collider (shim_bodies.cpp).
void applyMaterial(btCollisionObject* object, const bs_material* m);

// The joint-space mass matrix M of a fixed-base multibody at the current step, its Cholesky factor and its inverse
// (shim_inertia.cpp says why and how).
struct JointSpaceInertia {
    btMultiBody* body = nullptr;
    bool supported = false; // fixed base, one-dof or fixed joints, no kinematic links
    bool factored = false;
    int n = 0;
    std::vector<btScalar> factor;          // Cholesky factor L of M (n x n, row-major, lower)
    std::vector<btScalar> inverseDiagonal; // 1 / L[i][i]
    std::vector<btScalar> columns;         // column k of M^-1 at k * n
    std::vector<btScalar> scratch;
    bool inverted = false;
    std::vector<btVector3> angular, linear, com, moment;
    std::vector<btScalar> mass;
    std::vector<btMatrix3x3> inertia;
    std::vector<btVector3> omega, alpha, accel, force, torque;
    std::vector<btScalar> bias, step;

    explicit JointSpaceInertia(btMultiBody* mb);
    void invalidate() {
        factored = false;
        inverted = false;
    }
    void build();
    void stepVelocities(btScalar dt);
    const btScalar* column(int k);
    void invert();
};

// Every joint motor and joint limit of one articulation as one Bullet constraint (shim_drive.cpp).
class JointDrive : public btMultiBodyConstraint {
  public:
    struct Motor {
        bool enabled = false;
        btScalar position = 0, velocity = 0, kp = 0, kd = 1, maxImpulse = 0, speedCap = SIMD_INFINITY;
    };
    struct Limit {
        bool enabled = false;
        btScalar lower = 0, upper = 0;
    };
    std::vector<Motor> motors; // per link
    std::vector<Limit> limits; // per link
    JointSpaceInertia* inertia = nullptr;

    explicit JointDrive(btMultiBody* body);

    static bool isLimitRow(int row) { return row % 3 != 0; }

    void finalizeMultiDof() override;
    int getIslandIdA() const override { return islandId(); }
    int getIslandIdB() const override { return islandId(); }
    void debugDraw(btIDebugDraw*) override {}
    void createConstraintRows(btMultiBodyConstraintArray& rows, btMultiBodyJacobianData& data,
                              const btContactSolverInfo& info) override;

  private:
    int islandId() const;
};

// The multibody solver with a sparse pass over joint-space rows and extra joint-limit sweeps (shim_solver.cpp).
class Solver : public btMultiBodyConstraintSolver {
  public:
    int limitSweeps = 8; // at most, per iteration

  protected:
    btScalar solveSingleIteration(int iteration, btCollisionObject** bodies, int numBodies,
                                  btPersistentManifold** manifolds, int numManifolds, btTypedConstraint** constraints,
                                  int numConstraints, const btContactSolverInfo& info, btIDebugDraw* draw) override;
    btScalar solveGroupCacheFriendlyFinish(btCollisionObject** bodies, int numBodies,
                                           const btContactSolverInfo& info) override;

  private:
    struct Row {
        int index; // in m_multiBodyNonContactConstraints
        int dof;   // joint index for a joint-space row, -1: generic
        btScalar sign;
        int ndof;
    };
    std::vector<Row> rows;
    std::vector<int> limitRows; // indices into rows

    void classifyRows(const btContactSolverInfo& info);
    btScalar resolveJointRow(const btMultiBodySolverConstraint& c, const Row& r);
};

// The multibody world with two changes to Bullet's step (shim_world.cpp).
class DynamicsWorld : public btMultiBodyDynamicsWorld {
  public:
    using btMultiBodyDynamicsWorld::btMultiBodyDynamicsWorld;
    std::vector<JointSpaceInertia*> inertias;

  protected:
    void predictUnconstraintMotion(btScalar timeStep) override;
    void solveExternalForces(btContactSolverInfo& info) override;

  private:
    std::vector<JointSpaceInertia*> fast;

    static btCollisionObject* marker(btMultiBody* mb);
    bool touching(btMultiBody* mb);
};

// Keeps pairs that can never collide out of the broadphase (shim_world.cpp).
struct PairFilter : public btOverlapFilterCallback {
    bool needBroadphaseCollision(btBroadphaseProxy* p0, btBroadphaseProxy* p1) const override;
};

} // namespace benchtop_shim

struct bs_world {
    bs_world_config config;
    std::unique_ptr<btDefaultCollisionConfiguration> collision_config;
    std::unique_ptr<btCollisionDispatcher> dispatcher;
    std::unique_ptr<btDbvtBroadphase> broadphase;
    benchtop_shim::PairFilter pair_filter;
    std::unique_ptr<benchtop_shim::Solver> solver;
    std::unique_ptr<benchtop_shim::DynamicsWorld> world;
    std::vector<std::unique_ptr<btCollisionShape>> shapes;
    std::vector<std::unique_ptr<btRigidBody>> rigid_bodies;
    std::vector<benchtop_shim::Articulation> articulations;
    std::vector<benchtop_shim::BodyRef> bodies;
    long long steps = 0;

    bool validShape(int s) const { return s >= 0 && s < (int)shapes.size(); }
    bool validBody(int b) const { return b >= 0 && b < (int)bodies.size(); }
    bool validMB(int m) const { return m >= 0 && m < (int)articulations.size(); }

    int addShape(btCollisionShape* shape) {
        shapes.emplace_back(shape);
        return (int)shapes.size() - 1;
    }
    int addBody(benchtop_shim::BodyRef ref) {
        bodies.push_back(ref);
        int id = (int)bodies.size() - 1;
        ref.object->setUserIndex(id);
        return id;
    }
};

#endif
