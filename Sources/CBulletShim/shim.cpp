// The C++ side of benchtop_bullet.h. Everything Bullet-specific stays in this file.
#include "benchtop_bullet.h"

#include <btBulletDynamicsCommon.h>
#include <BulletDynamics/Featherstone/btMultiBody.h>
#include <BulletDynamics/Featherstone/btMultiBodyConstraintSolver.h>
#include <BulletDynamics/Featherstone/btMultiBodyDynamicsWorld.h>
#include <BulletDynamics/Featherstone/btMultiBodyLinkCollider.h>
#include <BulletCollision/CollisionShapes/btConvexHullShape.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

// btMultiBodyDynamicsWorld.h defines this (Bullet 3.x): applyGravity adds gravity to the multibodies' link forces
// before the step, and solveExternalForces does not. DynamicsWorld::solveExternalForces relies on it.
#ifndef BT_USE_VIRTUAL_CLEARFORCES_AND_GRAVITY
#error "expected Bullet 3.x's btMultiBodyDynamicsWorld (gravity applied through applyGravity)"
#endif

namespace {

struct JointSpaceInertia;
class JointDrive;

struct BodyRef {
    btCollisionObject *object = nullptr;   // rigid body or link collider
    btRigidBody *rigid = nullptr;          // set for rigid bodies
    int multibody = -1;                    // set for links
    int link = -2;
};

struct Articulation {
    btMultiBody *body = nullptr;
    std::vector<btMultiBodyLinkCollider *> colliders;   // index link + 1 (base first)
    std::vector<int> body_ids;                          // index link + 1
    JointDrive *drive = nullptr;                        // motors and limits, set when finalized
    std::shared_ptr<JointSpaceInertia> inertia;   // set when finalized
    bool finalized = false;
};

btTransform toTransform(const double p[7]) {
    return btTransform(btQuaternion(p[3], p[4], p[5], p[6]), btVector3(p[0], p[1], p[2]));
}

void fromTransform(const btTransform &t, double *out) {
    const btVector3 &o = t.getOrigin();
    btQuaternion q = t.getRotation();
    out[0] = o.x(); out[1] = o.y(); out[2] = o.z();
    out[3] = q.x(); out[4] = q.y(); out[5] = q.z(); out[6] = q.w();
}

void applyMaterial(btCollisionObject *object, const bs_material *m) {
    // Friction anchors: a contact point whose friction stays inside the Coulomb cone keeps its first position, and
    // the friction rows pull back any drift from it. Without them a held cube creeps about 1 mm/s down the fingers;
    // a point whose friction leaves the cone is replaced as before, so sliding and pushing still slide.
    object->setCollisionFlags(object->getCollisionFlags() | btCollisionObject::CF_HAS_FRICTION_ANCHOR);
    if (!m) return;
    object->setFriction(m->friction);
    object->setRollingFriction(m->rolling_friction);
    object->setSpinningFriction(m->spinning_friction);
    object->setRestitution(m->restitution);
    if (auto *rigid = btRigidBody::upcast(object)) rigid->setDamping(m->linear_damping, m->angular_damping);
}

// The joint-space mass matrix M of a fixed-base multibody at the current step, its Cholesky factor and its inverse.
// A joint-space row (motor, limit) needs the joints' velocity response to a unit impulse on its own joint, which is
// a column of M^-1. Bullet computes each with calcAccelerationDeltasMultiDof, an articulated-body pass over every
// link (about 6,000 instructions for the Franka); here M is built once per step from the link frames, masses and
// inertias (composite rigid bodies), factored, and inverted once. The factor also serves stepVelocities. Same model,
// so the same response up to rounding (checked: 2.5e-13 relative).
struct JointSpaceInertia {
    btMultiBody *body = nullptr;
    bool supported = false;   // fixed base, one-dof or fixed joints, no kinematic links
    bool factored = false;
    int n = 0;
    std::vector<btScalar> factor;     // Cholesky factor L of M (n x n, row-major, lower)
    std::vector<btScalar> inverseDiagonal;   // 1 / L[i][i]
    std::vector<btScalar> columns;    // column k of M^-1 at k * n
    std::vector<btScalar> scratch;
    bool inverted = false;
    std::vector<btVector3> angular, linear, com, moment;
    std::vector<btScalar> mass;
    std::vector<btMatrix3x3> inertia;
    std::vector<btVector3> omega, alpha, accel, force, torque;
    std::vector<btScalar> bias, step;

    // (r.r) E - r r^T: the inertia of a unit point mass at r about the origin.
    static btMatrix3x3 shift(const btVector3 &r) {
        const btScalar d = r.dot(r);
        return btMatrix3x3(d - r.x() * r.x(), -r.x() * r.y(), -r.x() * r.z(),
                           -r.y() * r.x(), d - r.y() * r.y(), -r.y() * r.z(),
                           -r.z() * r.x(), -r.z() * r.y(), d - r.z() * r.z());
    }

    explicit JointSpaceInertia(btMultiBody *mb) : body(mb) {
        n = mb->getNumDofs();
        supported = mb->hasFixedBase() && n > 0;
        for (int i = 0; i < mb->getNumLinks() && supported; ++i) {
            const btMultibodyLink &l = mb->getLink(i);
            const bool oneDof = l.m_jointType == btMultibodyLink::eRevolute || l.m_jointType == btMultibodyLink::ePrismatic;
            if (!(oneDof || l.m_jointType == btMultibodyLink::eFixed) || mb->isLinkKinematic(i)) supported = false;
        }
        const int links = mb->getNumLinks();
        factor.assign(n * n, 0);
        inverseDiagonal.assign(n, 0);
        columns.assign(n * n, 0);
        scratch.assign(n * n, 0);
        angular.resize(links); linear.resize(links); com.resize(links); moment.resize(links); mass.resize(links);
        inertia.resize(links);
        omega.resize(links); alpha.resize(links); accel.resize(links); force.resize(links); torque.resize(links);
        bias.assign(n, 0);
        step.assign(n + 6, 0);
    }

    void invalidate() {
        factored = false;
        inverted = false;
    }

    // M by composite rigid bodies: unit speed on joint i moves the subtree of link i as one rigid body (mass m, centre
    // c, inertia I about c: twist (a_i, b_i at the link's centre p_i)), with momentum P = m (b_i + a_i x (c - p_i))
    // and angular momentum about c, I a_i; the generalized momentum at an ancestor joint j is
    // M[j][i] = b_j . P + a_j . (I a_i + (c - p_j) x P).
    void build() {
        const int links = body->getNumLinks();
        const btVector3 origin = body->getBasePos();   // positions relative to the base keep the moments small
        for (int i = 0; i < links; ++i) {
            const btMultibodyLink &l = body->getLink(i);
            const btMatrix3x3 &r = l.m_cachedWorldTransform.getBasis();
            const btVector3 p = l.m_cachedWorldTransform.getOrigin() - origin;
            const btScalar m = l.m_mass;
            com[i] = p;
            if (l.m_dofCount == 1) {
                angular[i] = r * l.m_axes[0].m_topVec;    // joint axis (revolute) or zero
                linear[i] = r * l.m_axes[0].m_bottomVec;  // velocity of the link's centre of mass per unit joint rate
            }
            // Subtree sums, seeded with the link itself: mass, first moment, second moment about the origin.
            mass[i] = m;
            moment[i] = m * p;
            inertia[i] = r.scaled(l.m_inertiaLocal) * r.transpose() + shift(p) * m;
        }
        for (int i = links - 1; i >= 0; --i) {   // children have higher indices than their parents
            const int parent = body->getParent(i);
            if (parent < 0) continue;
            mass[parent] += mass[i];
            moment[parent] += moment[i];
            inertia[parent] = inertia[parent] + inertia[i];
        }
        std::vector<btScalar> &mm = factor;
        std::fill(mm.begin(), mm.end(), 0);
        for (int i = 0; i < links; ++i) {
            const btMultibodyLink &l = body->getLink(i);
            if (l.m_dofCount != 1 || !(mass[i] > 0)) continue;
            const btScalar m = mass[i];
            const btVector3 c = moment[i] / m;
            const btMatrix3x3 ic = inertia[i] - shift(c) * m;
            const btVector3 ai = angular[i];
            const btVector3 momentum = m * (linear[i] + ai.cross(c - com[i]));
            const btVector3 spin = ic * ai;
            const int row = l.m_dofOffset;
            for (int j = i; j >= 0; j = body->getParent(j)) {
                const btMultibodyLink &lj = body->getLink(j);
                if (lj.m_dofCount != 1) continue;
                mm[row * n + lj.m_dofOffset] = linear[j].dot(momentum) + angular[j].dot(spin + (c - com[j]).cross(momentum));
            }
        }
        // In-place Cholesky of the lower triangle.
        std::vector<btScalar> &m = factor;
        for (int j = 0; j < n; ++j) {
            btScalar d = m[j * n + j];
            for (int k = 0; k < j; ++k) d -= m[j * n + k] * m[j * n + k];
            d = btSqrt(btMax(d, btScalar(1e-300)));
            m[j * n + j] = d;
            inverseDiagonal[j] = 1 / d;
            for (int i = j + 1; i < n; ++i) {
                btScalar s = m[i * n + j];
                for (int k = 0; k < j; ++k) s -= m[i * n + k] * m[j * n + k];
                m[i * n + j] = s / d;
            }
            for (int i = 0; i < j; ++i) m[i * n + j] = 0;
        }
        factored = true;
    }

    // Replaces Bullet's articulated-body pass for the unconstrained velocity update: the joint-space bias (Coriolis,
    // centrifugal and gyroscopic terms, applied link forces, which include gravity) by recursive Newton-Euler with zero
    // joint accelerations, then qdd = M^-1 (tau - bias) with the factor built for the joint rows, and qd += dt qdd.
    // Checked against Bullet's pass (franka, franka_droid, so100, yam_bimanual holding and tracking): largest relative
    // difference in qdd 2.4e-13.
    void stepVelocities(btScalar dt) {
        if (!factored) build();
        const int links = body->getNumLinks();
        const btVector3 zero(0, 0, 0);
        for (int i = 0; i < links; ++i) {
            const btMultibodyLink &l = body->getLink(i);
            const int parent = l.m_parent;
            const btVector3 wp = parent < 0 ? zero : omega[parent], ap = parent < 0 ? zero : alpha[parent];
            const btVector3 cp = parent < 0 ? zero : accel[parent];
            const btVector3 pp = parent < 0 ? zero : com[parent];   // the fixed base sits at the origin of com[]
            const btVector3 p = com[i];
            const btScalar qd = l.m_dofCount == 1 ? body->getJointVel(i) : 0;
            btVector3 w = wp, a = ap, c;
            if (l.m_jointType == btMultibodyLink::eRevolute) {
                const btVector3 pivot = p - l.m_cachedWorldTransform.getBasis() * l.m_dVector;
                const btVector3 ro = pivot - pp, rc = p - pivot;
                const btVector3 turn = angular[i] * qd;
                w = wp + turn;
                a = ap + wp.cross(turn);
                c = cp + ap.cross(ro) + wp.cross(wp.cross(ro)) + a.cross(rc) + w.cross(w.cross(rc));
            } else {
                const btVector3 r = p - pp;
                c = cp + ap.cross(r) + wp.cross(wp.cross(r));
                if (l.m_jointType == btMultibodyLink::ePrismatic) c += 2 * wp.cross(linear[i] * qd);
            }
            omega[i] = w;
            alpha[i] = a;
            accel[i] = c;
            const btScalar m = l.m_mass;
            const btMatrix3x3 &r = l.m_cachedWorldTransform.getBasis();
            const btVector3 iw = r * (l.m_inertiaLocal * (w * r)), ia = r * (l.m_inertiaLocal * (a * r));   // I w, I a
            force[i] = m * c - body->getLinkForce(i);   // applied forces include gravity (applyGravity)
            torque[i] = ia + w.cross(iw) - body->getLinkTorque(i);
        }
        for (int i = links - 1; i >= 0; --i) {
            const btMultibodyLink &l = body->getLink(i);
            if (l.m_dofCount == 1) bias[l.m_dofOffset] = body->getJointTorque(i) - (angular[i].dot(torque[i]) + linear[i].dot(force[i]));
            const int parent = l.m_parent;
            if (parent < 0) continue;
            force[parent] += force[i];
            torque[parent] += torque[i] + (com[i] - com[parent]).cross(force[i]);
        }
        // qdd = M^-1 (tau - bias): L y = b, L^T x = y.
        const std::vector<btScalar> &L = factor;
        for (int i = 0; i < n; ++i) {
            btScalar s = bias[i];
            for (int j = 0; j < i; ++j) s -= L[i * n + j] * bias[j];
            bias[i] = s * inverseDiagonal[i];
        }
        for (int i = n - 1; i >= 0; --i) {
            btScalar s = bias[i];
            for (int j = i + 1; j < n; ++j) s -= L[j * n + i] * bias[j];
            bias[i] = s * inverseDiagonal[i];
        }
        for (int i = 0; i < 6; ++i) step[i] = 0;
        for (int i = 0; i < n; ++i) step[6 + i] = bias[i];
        body->applyDeltaVeeMultiDof(step.data(), dt);
        body->clearForcesAndTorques();
    }

    // Column k of M^-1 (joint accelerations per unit joint impulse on dof k). Every joint has a motor, so the whole
    // inverse is formed at the first request: W = L^-1, then M^-1 = W^T W.
    const btScalar *column(int k) {
        if (!factored) build();
        if (!inverted) invert();
        return &columns[k * n];
    }

    void invert() {
        const std::vector<btScalar> &L = factor;
        std::vector<btScalar> &W = scratch;   // lower triangular, row-major
        for (int j = 0; j < n; ++j) {
            W[j * n + j] = inverseDiagonal[j];
            for (int i = j + 1; i < n; ++i) {
                btScalar s = 0;
                for (int k = j; k < i; ++k) s -= L[i * n + k] * W[k * n + j];
                W[i * n + j] = s * inverseDiagonal[i];
            }
        }
        for (int a = 0; a < n; ++a)
            for (int b = 0; b <= a; ++b) {
                btScalar s = 0;
                for (int i = a; i < n; ++i) s += W[i * n + a] * W[i * n + b];
                columns[a * n + b] = s;
                columns[b * n + a] = s;
            }
        inverted = true;
    }
};

// A joint-space row (one degree of freedom of one multibody) filled as btMultiBodyConstraint::fillMultiBodyConstraint
// would, but with the multibody on side A only. Bullet's motor and limit name the same body as A and B, with a zero
// Jacobian on B: that doubles a row's cost (two calcAccelerationDeltasMultiDof at set-up, two dot products and two
// updates in every solver iteration) and adds exactly zero. The solver sees the same numbers. Returns the joint's
// velocity along the row.
btScalar fillJointRow(btMultiBodySolverConstraint &c, btMultiBodyJacobianData &data, btMultiBody *mb, int link,
                      btScalar sign, btScalar lower, btScalar upper, btScalar desiredVelocity,
                      JointSpaceInertia *inertia) {
    c.m_multiBodyA = mb;
    c.m_multiBodyB = nullptr;
    c.m_linkA = link;
    c.m_linkB = -1;
    c.m_solverBodyIdA = -1;
    c.m_solverBodyIdB = -1;
    const int ndof = mb->getNumDofs() + 6;
    c.m_deltaVelAindex = mb->getCompanionId();
    if (c.m_deltaVelAindex < 0) {
        c.m_deltaVelAindex = data.m_deltaVelocities.size();
        mb->setCompanionId(c.m_deltaVelAindex);
        data.m_deltaVelocities.resize(data.m_deltaVelocities.size() + ndof);
    }
    c.m_jacAindex = data.m_jacobians.size();
    data.m_jacobians.resize(c.m_jacAindex + ndof);
    data.m_deltaVelocitiesUnitImpulse.resize(c.m_jacAindex + ndof);
    btScalar *jac = &data.m_jacobians[c.m_jacAindex];
    for (int i = 0; i < ndof; ++i) jac[i] = 0;
    jac[6 + mb->getLink(link).m_dofOffset] = sign;
    btScalar *delta = &data.m_deltaVelocitiesUnitImpulse[c.m_jacAindex];
    if (inertia && inertia->supported) {
        const btScalar *column = inertia->column(mb->getLink(link).m_dofOffset);
        for (int i = 0; i < 6; ++i) delta[i] = 0;
        for (int i = 0; i < ndof - 6; ++i) delta[6 + i] = sign * column[i];
    } else {
        mb->calcAccelerationDeltasMultiDof(jac, delta, data.scratch_r, data.scratch_v);
    }
    btScalar denom = 0, relVel = 0;
    const btScalar *v = mb->getVelocityVector();
    for (int i = 0; i < ndof; ++i) {
        denom += jac[i] * delta[i];
        relVel += v[i] * jac[i];
    }
    c.m_jacDiagABInv = denom > SIMD_EPSILON ? 1 / denom : 0;
    c.m_friction = 0;
    c.m_appliedImpulse = 0;
    c.m_appliedPushImpulse = 0;
    c.m_rhs = (desiredVelocity - relVel) * c.m_jacDiagABInv;
    c.m_rhsPenetration = 0;
    c.m_cfm = 0;
    c.m_lowerLimit = lower;
    c.m_upperLimit = upper;
    // No directions: they only serve the constraint forces Bullet records for joint feedback (not used).
    c.m_contactNormal1.setZero();
    c.m_relpos1CrossNormal.setZero();
    c.m_contactNormal2.setZero();
    c.m_relpos2CrossNormal.setZero();
    return relVel;
}

// Every joint motor and joint limit of one articulation as one Bullet constraint. Bullet sorts its multibody
// constraints by island and walks them every step (virtual calls per constraint); one per articulation instead of
// two per joint. Rows: 3 per link, row 3 i = link i's motor, 3 i + 1 its lower limit, 3 i + 2 its upper limit.
//
// Motor: btMultiBodyJointMotor's implicit velocity motor (the row asks for kp * (q* - q) / dt + v + kd * (v* - v),
// clamped to the speed cap, with at most max_effort * dt of impulse).
//
// Limits: Bullet's btMultiBodyJointLimitConstraint adds a limit row only once the joint is already past its limit,
// so a joint arriving at speed v ends its step about v * dt beyond it (so100's elbow, whipped by the other joints:
// 0.023 rad). These rows are added speculatively, while the joint could still reach the limit within the step, and
// ask that the step end on the limit at most (velocity >= -distance / dt); past the limit they behave as Bullet's.
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
    std::vector<Motor> motors;   // per link
    std::vector<Limit> limits;   // per link
    JointSpaceInertia *inertia = nullptr;

    explicit JointDrive(btMultiBody *body)
        : btMultiBodyConstraint(body, body, -1, -1, 3 * body->getNumLinks(), true, MULTIBODY_CONSTRAINT_1DOF_JOINT_MOTOR),
          motors(body->getNumLinks()), limits(body->getNumLinks()) {
        m_maxAppliedImpulse = 100;   // limit rows, as Bullet's limit constraint
    }

    static bool isLimitRow(int row) { return row % 3 != 0; }

    void finalizeMultiDof() override {
        allocateJacobiansMultiDof();
        m_numDofsFinalized = m_jacSizeBoth;
    }

    int getIslandIdA() const override { return islandId(); }
    int getIslandIdB() const override { return islandId(); }
    void debugDraw(btIDebugDraw *) override {}

    void createConstraintRows(btMultiBodyConstraintArray &rows, btMultiBodyJacobianData &data,
                              const btContactSolverInfo &info) override {
        if (m_numDofsFinalized != m_jacSizeBoth) finalizeMultiDof();
        const btScalar dt = info.m_timeStep;
        for (int link = 0; link < (int)motors.size(); ++link) {
            if (m_bodyA->getLink(link).m_dofCount != 1) continue;
            const btScalar q = m_bodyA->getJointPos(link), qd = m_bodyA->getJointVel(link);
            const Motor &m = motors[link];
            if (m.enabled && m.maxImpulse != 0) {
                btScalar rhs = m.kp * ((m.position - q) / dt) + qd + m.kd * (m.velocity - qd);
                if (rhs > m.speedCap) rhs = m.speedCap;
                if (rhs < -m.speedCap) rhs = -m.speedCap;
                btMultiBodySolverConstraint &c = rows.expandNonInitializing();
                fillJointRow(c, data, m_bodyA, link, 1, -m.maxImpulse, m.maxImpulse, rhs, inertia);
                c.m_orgConstraint = this;
                c.m_orgDofIndex = 3 * link;
            }
            const Limit &l = limits[link];
            if (!l.enabled) continue;
            for (int side = 0; side < 2; ++side) {
                const btScalar distance = side ? l.upper - q : q - l.lower;
                const btScalar approach = side ? qd : -qd;   // speed towards this limit
                // Coupled motion can speed the joint up during the solve: keep a margin of a few rad/s (m/s) beyond
                // the speed it has now. An inactive row costs nothing; an active one far from binding applies none.
                if (distance > dt * (2 * btFabs(approach) + 4)) continue;
                btMultiBodySolverConstraint &c = rows.expandNonInitializing();
                const btScalar relVel = fillJointRow(c, data, m_bodyA, link, side ? -1 : 1, 0, m_maxAppliedImpulse, 0, inertia);
                c.m_orgConstraint = this;
                c.m_orgDofIndex = 3 * link + 1 + side;
                if (distance > 0) {
                    // Inside: the step may close the gap but not cross it.
                    c.m_rhs = (-distance / dt - relVel) * c.m_jacDiagABInv;
                } else {
                    // Past the limit (as Bullet's limit): stop, and pull back by erp of the error per step.
                    const bool split = info.m_splitImpulse && distance <= info.m_splitImpulsePenetrationThreshold;
                    const btScalar erp = split ? info.m_erp2 : info.m_erp;
                    const btScalar positional = -distance * erp / dt * c.m_jacDiagABInv;
                    const btScalar velocity = -relVel * c.m_jacDiagABInv;
                    c.m_rhs = split ? velocity : positional + velocity;
                    c.m_rhsPenetration = split ? positional : 0;
                }
            }
        }
    }

private:
    int islandId() const {
        if (const btMultiBodyLinkCollider *c = m_bodyA->getBaseCollider()) return c->getIslandTag();
        for (int i = 0; i < m_bodyA->getNumLinks(); ++i)
            if (m_bodyA->getLink(i).m_collider) return m_bodyA->getLink(i).m_collider->getIslandTag();
        return -1;
    }
};

// The multibody solver, with two changes to its iterations:
// - Joint-space rows (JointDrive's, on fixed-base multibodies) are solved by a sparse routine:
//   their Jacobian is one +-1 on one joint, so the row's velocity is one entry of the multibody's velocity change
//   instead of a dot product over all 6 + n entries, and the update skips the six (zero) base entries. They are
//   solved first in each iteration (Bullet solves rigid-body rows first), in Bullet's alternating direction.
// - Extra sweeps over the active joint-limit rows. A joint stopped hard at its limit (so100's shoulder arriving at
//   2.7 rad/s) whips the next joint into its own limit; with one sweep per iteration the two limit rows fight through
//   the other rows and 10 iterations leave the elbow 0.02 rad past its limit. The limit rows alone are a small system
//   (rows near a limit only) and converge in a few extra sweeps.
class Solver : public btMultiBodyConstraintSolver {
public:
    int limitSweeps = 8;   // at most, per iteration

protected:
    btScalar solveSingleIteration(int iteration, btCollisionObject **bodies, int numBodies, btPersistentManifold **manifolds,
                                  int numManifolds, btTypedConstraint **constraints, int numConstraints,
                                  const btContactSolverInfo &info, btIDebugDraw *draw) override {
        if (iteration == 0) classifyRows(info);
        btScalar residual = 0;
        for (int inner = 0; inner < info.m_numNonContactInnerIterations; ++inner) {
            const int count = (int)rows.size();
            for (int j = 0; j < count; ++j) {
                const Row &r = rows[iteration & 1 ? j : count - 1 - j];
                btMultiBodySolverConstraint &c = m_multiBodyNonContactConstraints[r.index];
                const btScalar change = r.dof >= 0 ? resolveJointRow(c, r) : resolveSingleConstraintRowGeneric(c);
                residual = btMax(residual, change * change);
                if (c.m_multiBodyA) c.m_multiBodyA->setPosUpdated(false);
                if (c.m_multiBodyB) c.m_multiBodyB->setPosUpdated(false);
            }
        }
        // Until the sweep changes no joint speed by more than 1e-5 rad/s (m/s): a joint resting on its limit costs one
        // sweep per iteration.
        for (int sweep = 0; sweep < limitSweeps && !limitRows.empty(); ++sweep) {
            btScalar change = 0;
            for (int i : limitRows) {
                const Row &r = rows[i];
                btMultiBodySolverConstraint &c = m_multiBodyNonContactConstraints[r.index];
                change = btMax(change, btFabs(r.dof >= 0 ? resolveJointRow(c, r) : resolveSingleConstraintRowGeneric(c)));
            }
            if (change < 1e-5) break;
        }
        // Bullet's iteration for the rest (rigid bodies, multibody contacts), with the rows above hidden from it.
        // (resizeNoInitialize keeps the storage and its contents: the rows come back unchanged.)
        const int count = m_multiBodyNonContactConstraints.size();
        m_multiBodyNonContactConstraints.resizeNoInitialize(0);
        const btScalar rest = btMultiBodyConstraintSolver::solveSingleIteration(iteration, bodies, numBodies, manifolds,
                                                                                numManifolds, constraints, numConstraints,
                                                                                info, draw);
        m_multiBodyNonContactConstraints.resizeNoInitialize(count);
        return btMax(residual, rest);
    }

private:
    struct Row {
        int index;     // in m_multiBodyNonContactConstraints
        int dof;       // joint index for a joint-space row, -1: generic
        btScalar sign;
        int ndof;
    };
    std::vector<Row> rows;
    std::vector<int> limitRows;   // indices into rows

    // Bullet's solver also accumulates every row's velocity change in the multibody itself (DIRECTLY_UPDATE_VELOCITY_
    // DURING_SOLVER_ITERATIONS, btMultiBodyConstraintSolver.h), the copy applied to its velocities after the solve and
    // read by nothing before. For the joint rows that is done once here, with each row's total impulse (rows start
    // from zero: articulated warm starting is off, see classifyRows).
    btScalar solveGroupCacheFriendlyFinish(btCollisionObject **bodies, int numBodies, const btContactSolverInfo &info) override {
        for (const Row &r : rows) {
            if (r.dof < 0) continue;
            const btMultiBodySolverConstraint &c = m_multiBodyNonContactConstraints[r.index];
            c.m_multiBodyA->applyDeltaVeeMultiDof2(&m_data.m_deltaVelocitiesUnitImpulse[c.m_jacAindex], c.m_appliedImpulse);
        }
        rows.clear();
        return btMultiBodyConstraintSolver::solveGroupCacheFriendlyFinish(bodies, numBodies, info);
    }

    void classifyRows(const btContactSolverInfo &info) {
        const bool warmStarted = info.m_solverMode & SOLVER_USE_ARTICULATED_WARMSTARTING;
        rows.clear();
        limitRows.clear();
        for (int i = 0; i < m_multiBodyNonContactConstraints.size(); ++i) {
            const btMultiBodySolverConstraint &c = m_multiBodyNonContactConstraints[i];
            Row r{i, -1, 0, 0};
            const bool drive = dynamic_cast<const JointDrive *>(c.m_orgConstraint) != nullptr;
            if (!warmStarted && drive && c.m_multiBodyA && !c.m_multiBodyB && c.m_solverBodyIdB < 0 &&
                c.m_multiBodyA->hasFixedBase() && c.m_linkA >= 0) {
                r.dof = c.m_multiBodyA->getLink(c.m_linkA).m_dofOffset;
                r.ndof = c.m_multiBodyA->getNumDofs() + 6;
                r.sign = m_data.m_jacobians[c.m_jacAindex + 6 + r.dof];
            }
            if (drive && JointDrive::isLimitRow(c.m_orgDofIndex)) limitRows.push_back((int)rows.size());
            rows.push_back(r);
        }
    }

    // resolveSingleConstraintRowGeneric for a row whose Jacobian is sign on one joint of a fixed-base multibody.
    btScalar resolveJointRow(const btMultiBodySolverConstraint &c, const Row &r) {
        btScalar *dv = &m_data.m_deltaVelocities[c.m_deltaVelAindex];
        btScalar deltaImpulse = c.m_rhs - btScalar(c.m_appliedImpulse) * c.m_cfm;
        deltaImpulse -= r.sign * dv[6 + r.dof] * c.m_jacDiagABInv;
        const btScalar sum = btScalar(c.m_appliedImpulse) + deltaImpulse;
        if (sum < c.m_lowerLimit) {
            deltaImpulse = c.m_lowerLimit - c.m_appliedImpulse;
            c.m_appliedImpulse = c.m_lowerLimit;
        } else if (sum > c.m_upperLimit) {
            deltaImpulse = c.m_upperLimit - c.m_appliedImpulse;
            c.m_appliedImpulse = c.m_upperLimit;
        } else {
            c.m_appliedImpulse = sum;
        }
        const btScalar *unit = &m_data.m_deltaVelocitiesUnitImpulse[c.m_jacAindex];
        for (int i = 6; i < r.ndof; ++i) dv[i] += unit[i] * deltaImpulse;
        return deltaImpulse / c.m_jacDiagABInv;
    }
};

// The multibody world with two changes to Bullet's step:
// - No predicted link transforms. btMultiBodyDynamicsWorld::predictUnconstraintMotion also steps every multibody's
//   positions ahead into its colliders' interpolation transforms, which only continuous collision detection reads
//   (not used here: a link collider's AABB comes from its current transform).
// - The unconstrained velocity update of a fixed-base multibody that touches nothing this step comes from
//   JointSpaceInertia::stepVelocities instead of Bullet's articulated-body pass. That pass also caches what
//   calcAccelerationDeltasMultiDof needs for contact rows, so a multibody with contact points keeps it. Bullet's
//   solveExternalForces runs the pass for every multibody not marked asleep: the chosen ones are marked asleep for
//   the duration of the call (nothing else in it reads the mark; islands are built before and solved after).
class DynamicsWorld : public btMultiBodyDynamicsWorld {
public:
    using btMultiBodyDynamicsWorld::btMultiBodyDynamicsWorld;
    std::vector<JointSpaceInertia *> inertias;

protected:
    void predictUnconstraintMotion(btScalar timeStep) override { btDiscreteDynamicsWorld::predictUnconstraintMotion(timeStep); }

    void solveExternalForces(btContactSolverInfo &info) override {
        fast.clear();
        for (JointSpaceInertia *js : inertias)
            if (js->supported && !touching(js->body)) fast.push_back(js);
        for (JointSpaceInertia *js : fast) marker(js->body)->forceActivationState(ISLAND_SLEEPING);
        btMultiBodyDynamicsWorld::solveExternalForces(info);
        for (JointSpaceInertia *js : fast) {
            marker(js->body)->forceActivationState(DISABLE_DEACTIVATION);
            js->stepVelocities(info.m_timeStep);
        }
    }

private:
    std::vector<JointSpaceInertia *> fast;

    // The collider Bullet's loop checks first for sleep.
    static btCollisionObject *marker(btMultiBody *mb) {
        if (mb->getBaseCollider()) return mb->getBaseCollider();
        for (int i = 0; i < mb->getNumLinks(); ++i)
            if (mb->getLink(i).m_collider) return mb->getLink(i).m_collider;
        return nullptr;
    }

    bool touching(btMultiBody *mb) {
        if (!marker(mb)) return true;   // no collider to mark: keep Bullet's pass
        btDispatcher *d = getDispatcher();
        for (int m = 0; m < d->getNumManifolds(); ++m) {
            const btPersistentManifold *manifold = d->getManifoldByIndexInternal(m);
            if (manifold->getNumContacts() == 0) continue;
            const auto *a = btMultiBodyLinkCollider::upcast(manifold->getBody0());
            const auto *b = btMultiBodyLinkCollider::upcast(manifold->getBody1());
            if ((a && a->m_multiBody == mb) || (b && b->m_multiBody == mb)) return true;
        }
        return false;
    }
};

// Keeps pairs that can never collide out of the broadphase: links of one multibody without self-collision. Bullet
// rejects them only later, in the dispatcher (btMultiBodyLinkCollider::checkCollideWithOverride), after keeping them
// in the pair cache and visiting each of them every step (36 of the Franka's 38 pairs on pick_cube).
struct PairFilter : public btOverlapFilterCallback {
    bool needBroadphaseCollision(btBroadphaseProxy *p0, btBroadphaseProxy *p1) const override {
        if (!(p0->m_collisionFilterGroup & p1->m_collisionFilterMask) || !(p1->m_collisionFilterGroup & p0->m_collisionFilterMask))
            return false;
        const auto *a = btMultiBodyLinkCollider::upcast(static_cast<const btCollisionObject *>(p0->m_clientObject));
        const auto *b = btMultiBodyLinkCollider::upcast(static_cast<const btCollisionObject *>(p1->m_clientObject));
        return !(a && b && a->m_multiBody == b->m_multiBody && !a->m_multiBody->hasSelfCollision());
    }
};

}  // namespace

struct bs_world {
    bs_world_config config;
    std::unique_ptr<btDefaultCollisionConfiguration> collision_config;
    std::unique_ptr<btCollisionDispatcher> dispatcher;
    std::unique_ptr<btDbvtBroadphase> broadphase;
    PairFilter pair_filter;
    std::unique_ptr<Solver> solver;
    std::unique_ptr<DynamicsWorld> world;
    std::vector<std::unique_ptr<btCollisionShape>> shapes;
    std::vector<std::unique_ptr<btRigidBody>> rigid_bodies;
    std::vector<Articulation> articulations;
    std::vector<BodyRef> bodies;
    long long steps = 0;

    bool validShape(int s) const { return s >= 0 && s < (int)shapes.size(); }
    bool validBody(int b) const { return b >= 0 && b < (int)bodies.size(); }
    bool validMB(int m) const { return m >= 0 && m < (int)articulations.size(); }

    int addShape(btCollisionShape *shape) {
        shapes.emplace_back(shape);
        return (int)shapes.size() - 1;
    }
    int addBody(BodyRef ref) {
        bodies.push_back(ref);
        int id = (int)bodies.size() - 1;
        ref.object->setUserIndex(id);
        return id;
    }
};

extern "C" {

int bs_is_double_precision(void) {
#ifdef BT_USE_DOUBLE_PRECISION
    return sizeof(btScalar) == sizeof(double) ? 1 : 0;
#else
    return 0;
#endif
}

bs_world *bs_world_create(const bs_world_config *config) {
    if (!config || !(config->time_step > 0)) return nullptr;
    auto *w = new bs_world();
    w->config = *config;
    w->collision_config = std::make_unique<btDefaultCollisionConfiguration>();
    w->dispatcher = std::make_unique<btCollisionDispatcher>(w->collision_config.get());
    w->broadphase = std::make_unique<btDbvtBroadphase>();
    w->solver = std::make_unique<Solver>();
    w->world = std::make_unique<DynamicsWorld>(w->dispatcher.get(), w->broadphase.get(),
                                                          w->solver.get(), w->collision_config.get());
    w->world->setGravity(btVector3(config->gravity[0], config->gravity[1], config->gravity[2]));
    btContactSolverInfo &info = w->world->getSolverInfo();
    info.m_numIterations = config->solver_iterations > 0 ? config->solver_iterations : 10;
    info.m_erp2 = config->contact_erp;
    info.m_splitImpulse = config->split_impulse ? 1 : 0;
    info.m_splitImpulsePenetrationThreshold = config->split_impulse_threshold;
    // Determinism: solve constraints in a fixed order (no SOLVER_RANDMIZE_ORDER) and sort pairs.
    info.m_solverMode &= ~SOLVER_RANDMIZE_ORDER;
    if (config->friction_directions >= 2) info.m_solverMode |= SOLVER_USE_2_FRICTION_DIRECTIONS;
    w->world->getDispatchInfo().m_deterministicOverlappingPairs = true;
    w->world->getPairCache()->setOverlapFilterCallback(&w->pair_filter);
    return w;
}

void bs_world_destroy(bs_world *w) {
    if (!w) return;
    for (auto &a : w->articulations) {
        if (a.drive) { w->world->removeMultiBodyConstraint(a.drive); delete a.drive; }
        for (auto *c : a.colliders) if (c) { w->world->removeCollisionObject(c); delete c; }
        if (a.finalized) w->world->removeMultiBody(a.body);
        delete a.body;
    }
    for (auto &b : w->rigid_bodies) w->world->removeRigidBody(b.get());
    w->rigid_bodies.clear();
    w->world.reset();
    delete w;
}

int bs_world_step(bs_world *w, int steps) {
    for (int i = 0; i < steps; ++i) {
        for (auto &a : w->articulations) if (a.inertia) a.inertia->invalidate();
        // maxSubSteps = 0: exactly one step of time_step, no accumulator and no interpolation.
        w->world->stepSimulation(w->config.time_step, 0, w->config.time_step);
        w->steps += 1;
    }
    for (auto &b : w->rigid_bodies) {
        const btVector3 &o = b->getWorldTransform().getOrigin();
        const btVector3 &v = b->getLinearVelocity();
        if (!std::isfinite(o.x() + o.y() + o.z() + v.x() + v.y() + v.z())) return -1;
    }
    for (auto &a : w->articulations) {
        for (int i = 0; i < a.body->getNumLinks(); ++i)
            if (!std::isfinite(a.body->getJointPos(i) + (a.body->getLink(i).m_dofCount ? a.body->getJointVel(i) : 0)))
                return -1;
    }
    return 0;
}

long long bs_world_step_count(const bs_world *w) { return w->steps; }

double bs_world_max_rigid_speed(const bs_world *w, int *out_body) {
    double best = 0;
    int body = -1;
    for (auto &b : w->rigid_bodies) {
        double v = b->getLinearVelocity().length();
        if (v > best) { best = v; body = b->getUserIndex(); }
    }
    if (out_body) *out_body = body;
    return best;
}

// MARK: shapes

int bs_shape_box(bs_world *w, double hx, double hy, double hz) {
    if (!(hx > 0 && hy > 0 && hz > 0)) return -1;
    return w->addShape(new btBoxShape(btVector3(hx, hy, hz)));
}

int bs_shape_sphere(bs_world *w, double r) {
    if (!(r > 0)) return -1;
    return w->addShape(new btSphereShape(r));
}

int bs_shape_cylinder(bs_world *w, double r, double hh) {
    if (!(r > 0 && hh > 0)) return -1;
    return w->addShape(new btCylinderShapeZ(btVector3(r, r, hh)));
}

int bs_shape_capsule(bs_world *w, double r, double hh) {
    if (!(r > 0 && hh >= 0)) return -1;
    return w->addShape(new btCapsuleShapeZ(r, 2 * hh));
}

int bs_shape_convex_hull(bs_world *w, const double *xyz, int n) {
    if (!xyz || n < 4) return -1;
    auto *hull = new btConvexHullShape();
    for (int i = 0; i < n; ++i) hull->addPoint(btVector3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]), false);
    // Bullet's default 4 cm margin pads the hull outwards (boxes and spheres absorb theirs); a hull would float
    // 4 cm above the table. 1 mm keeps contact robust and the error below what the tests tolerate.
    hull->setMargin(0.001);
    hull->recalcLocalAabb();
    return w->addShape(hull);
}

int bs_shape_compound(bs_world *w) { return w->addShape(new btCompoundShape(true)); }

int bs_shape_compound_add(bs_world *w, int compound, int child, const double pose[7]) {
    if (!w->validShape(compound) || !w->validShape(child) || compound == child) return -1;
    auto *c = dynamic_cast<btCompoundShape *>(w->shapes[compound].get());
    if (!c) return -1;
    c->addChildShape(toTransform(pose), w->shapes[child].get());
    return 0;
}

void bs_shape_inertia(const bs_world *w, int shape, double mass, double out[3]) {
    btVector3 inertia(0, 0, 0);
    if (w->validShape(shape) && mass > 0) w->shapes[shape]->calculateLocalInertia(mass, inertia);
    out[0] = inertia.x(); out[1] = inertia.y(); out[2] = inertia.z();
}

// MARK: rigid bodies

int bs_body_create(bs_world *w, int shape, double mass, const double *inertia, const double pose[7],
                   const bs_material *material) {
    if (!w->validShape(shape) || mass < 0) return -1;
    btCollisionShape *s = w->shapes[shape].get();
    btVector3 local(0, 0, 0);
    if (mass > 0) {
        if (inertia) local = btVector3(inertia[0], inertia[1], inertia[2]);
        else s->calculateLocalInertia(mass, local);
    }
    btRigidBody::btRigidBodyConstructionInfo info(mass, nullptr, s, local);
    info.m_startWorldTransform = toTransform(pose);
    auto body = std::make_unique<btRigidBody>(info);
    applyMaterial(body.get(), material);
    body->setActivationState(DISABLE_DEACTIVATION);   // no sleeping: sleep breaks determinism after edits
    w->world->addRigidBody(body.get());
    BodyRef ref;
    ref.object = body.get();
    ref.rigid = body.get();
    w->rigid_bodies.push_back(std::move(body));
    return w->addBody(ref);
}

int bs_body_count(const bs_world *w) { return (int)w->bodies.size(); }

static void linkPose(bs_world *w, const BodyRef &ref, double *out) {
    btMultiBody *mb = w->articulations[ref.multibody].body;
    btTransform t = ref.link < 0 ? mb->getBaseWorldTransform() : mb->getLink(ref.link).m_cachedWorldTransform;
    fromTransform(t, out);
}

void bs_body_get_state(bs_world *w, int b, double out[13]) {
    if (!w->validBody(b)) return;
    const BodyRef &ref = w->bodies[b];
    if (ref.rigid) {
        fromTransform(ref.rigid->getWorldTransform(), out);
        const btVector3 &v = ref.rigid->getLinearVelocity(), &a = ref.rigid->getAngularVelocity();
        out[7] = v.x(); out[8] = v.y(); out[9] = v.z();
        out[10] = a.x(); out[11] = a.y(); out[12] = a.z();
    } else {
        linkPose(w, ref, out);
        btMultiBody *mb = w->articulations[ref.multibody].body;
        btVector3 v(0, 0, 0), a(0, 0, 0);
        if (ref.link < 0) { v = mb->getBaseVel(); a = mb->getBaseOmega(); }
        out[7] = v.x(); out[8] = v.y(); out[9] = v.z();
        out[10] = a.x(); out[11] = a.y(); out[12] = a.z();
    }
}

void bs_world_get_body_states(bs_world *w, double *out) {
    // Link frames are cached by forward kinematics; refresh them once for all articulations.
    btAlignedObjectArray<btQuaternion> scratch_q;
    btAlignedObjectArray<btVector3> scratch_m;
    for (auto &a : w->articulations) if (a.finalized) a.body->forwardKinematics(scratch_q, scratch_m);
    for (int b = 0; b < (int)w->bodies.size(); ++b) bs_body_get_state(w, b, out + 13 * b);
}

void bs_body_set_pose(bs_world *w, int b, const double pose[7]) {
    if (!w->validBody(b) || !w->bodies[b].rigid) return;
    w->bodies[b].rigid->setWorldTransform(toTransform(pose));
    w->bodies[b].rigid->setInterpolationWorldTransform(toTransform(pose));
}

void bs_body_set_velocity(bs_world *w, int b, const double lin[3], const double ang[3]) {
    if (!w->validBody(b) || !w->bodies[b].rigid) return;
    w->bodies[b].rigid->setLinearVelocity(btVector3(lin[0], lin[1], lin[2]));
    w->bodies[b].rigid->setAngularVelocity(btVector3(ang[0], ang[1], ang[2]));
}

void bs_body_apply_force(bs_world *w, int b, const double f[3], const double p[3]) {
    if (!w->validBody(b)) return;
    const BodyRef &ref = w->bodies[b];
    btVector3 force(f[0], f[1], f[2]), point(p[0], p[1], p[2]);
    if (ref.rigid) {
        ref.rigid->applyForce(force, point - ref.rigid->getCenterOfMassPosition());
    } else {
        btMultiBody *mb = w->articulations[ref.multibody].body;
        if (ref.link < 0) {
            mb->addBaseForce(force);
            mb->addBaseTorque((point - mb->getBasePos()).cross(force));
        } else {
            mb->addLinkForce(ref.link, force);
            btVector3 com = mb->getLink(ref.link).m_cachedWorldTransform.getOrigin();
            mb->addLinkTorque(ref.link, (point - com).cross(force));
        }
    }
}

void bs_body_apply_impulse(bs_world *w, int b, const double j[3], const double p[3]) {
    if (!w->validBody(b) || !w->bodies[b].rigid) return;
    btRigidBody *r = w->bodies[b].rigid;
    r->applyImpulse(btVector3(j[0], j[1], j[2]), btVector3(p[0], p[1], p[2]) - r->getCenterOfMassPosition());
}

void bs_body_set_material(bs_world *w, int b, const bs_material *m) {
    if (w->validBody(b)) applyMaterial(w->bodies[b].object, m);
}

double bs_body_mass(const bs_world *w, int b) {
    if (!w->validBody(b)) return 0;
    const BodyRef &ref = w->bodies[b];
    if (ref.rigid) return ref.rigid->getInvMass() > 0 ? 1.0 / ref.rigid->getInvMass() : 0;
    btMultiBody *mb = w->articulations[ref.multibody].body;
    return ref.link < 0 ? mb->getBaseMass() : mb->getLinkMass(ref.link);
}

// MARK: contacts

int bs_world_contacts(bs_world *w, bs_contact *out, int capacity) {
    int total = 0;
    btDispatcher *d = w->world->getDispatcher();
    const double dt = w->config.time_step;
    for (int m = 0; m < d->getNumManifolds(); ++m) {
        btPersistentManifold *manifold = d->getManifoldByIndexInternal(m);
        int a = manifold->getBody0()->getUserIndex(), b = manifold->getBody1()->getUserIndex();
        for (int p = 0; p < manifold->getNumContacts(); ++p) {
            const btManifoldPoint &pt = manifold->getContactPoint(p);
            // Points carrying load, or touching; speculative points ahead of contact are skipped.
            if (pt.getDistance() > 0 && pt.getAppliedImpulse() <= 0) continue;
            if (out && total < capacity) {
                bs_contact &c = out[total];
                c.body_a = a; c.body_b = b;
                const btVector3 &pa = pt.getPositionWorldOnA(), &pb = pt.getPositionWorldOnB(), &n = pt.m_normalWorldOnB;
                c.position_on_a[0] = pa.x(); c.position_on_a[1] = pa.y(); c.position_on_a[2] = pa.z();
                c.position_on_b[0] = pb.x(); c.position_on_b[1] = pb.y(); c.position_on_b[2] = pb.z();
                c.normal_on_b[0] = n.x(); c.normal_on_b[1] = n.y(); c.normal_on_b[2] = n.z();
                c.distance = pt.getDistance();
                c.normal_force = pt.getAppliedImpulse() / dt;
            }
            ++total;
        }
    }
    return total;
}

// MARK: articulations

int bs_multibody_create(bs_world *w, int links, double base_mass, const double base_inertia[3], int fixed_base,
                        const double base_pose[7]) {
    if (links < 0 || base_mass < 0) return -1;
    Articulation a;
    a.body = new btMultiBody(links, base_mass, btVector3(base_inertia[0], base_inertia[1], base_inertia[2]),
                             fixed_base != 0, false);
    btTransform t = toTransform(base_pose);
    a.body->setBasePos(t.getOrigin());
    a.body->setWorldToBaseRot(t.getRotation().inverse());
    a.body->setCanSleep(false);
    a.body->setHasSelfCollision(false);
    a.body->setLinearDamping(0);
    a.body->setAngularDamping(0);
    a.colliders.assign(links + 1, nullptr);
    a.body_ids.assign(links + 1, -1);
    w->articulations.push_back(a);
    return (int)w->articulations.size() - 1;
}

int bs_multibody_setup_link(bs_world *w, int m, int link, int parent, int type, double mass, const double inertia[3],
                            const double rot[4], const double axis[3], const double p2pivot[3],
                            const double pivot2com[3], double lower, double upper, double damping, double friction) {
    if (!w->validMB(m)) return -1;
    Articulation &a = w->articulations[m];
    if (link < 0 || link >= a.body->getNumLinks() || parent >= link || parent < -1 || a.finalized) return -1;
    btVector3 I(inertia[0], inertia[1], inertia[2]);
    btQuaternion q(rot[0], rot[1], rot[2], rot[3]);
    btVector3 ax(axis[0], axis[1], axis[2]), off1(p2pivot[0], p2pivot[1], p2pivot[2]),
        off2(pivot2com[0], pivot2com[1], pivot2com[2]);
    switch (type) {
        case BS_JOINT_FIXED: a.body->setupFixed(link, mass, I, parent, q, off1, off2, true); break;
        case BS_JOINT_REVOLUTE: a.body->setupRevolute(link, mass, I, parent, q, ax, off1, off2, true); break;
        case BS_JOINT_PRISMATIC: a.body->setupPrismatic(link, mass, I, parent, q, ax, off1, off2, true); break;
        default: return -1;
    }
    btMultibodyLink &l = a.body->getLink(link);
    l.m_jointDamping = damping;
    l.m_jointFriction = friction;
    l.m_jointLowerLimit = lower;
    l.m_jointUpperLimit = upper;
    return 0;
}

int bs_multibody_set_link_shape(bs_world *w, int m, int link, int shape, const bs_material *material) {
    if (!w->validMB(m) || !w->validShape(shape)) return -1;
    Articulation &a = w->articulations[m];
    if (link < -1 || link >= a.body->getNumLinks() || a.colliders[link + 1] || a.finalized) return -1;
    auto *c = new btMultiBodyLinkCollider(a.body, link);
    c->setCollisionShape(w->shapes[shape].get());
    applyMaterial(c, material);
    c->setActivationState(DISABLE_DEACTIVATION);
    a.colliders[link + 1] = c;
    if (link < 0) a.body->setBaseCollider(c); else a.body->getLink(link).m_collider = c;
    BodyRef ref;
    ref.object = c;
    ref.multibody = m;
    ref.link = link;
    int id = w->addBody(ref);
    a.body_ids[link + 1] = id;
    return id;
}

int bs_multibody_finalize(bs_world *w, int m) {
    if (!w->validMB(m)) return -1;
    Articulation &a = w->articulations[m];
    if (a.finalized) return -1;
    a.body->finalizeMultiDof();
    w->world->addMultiBody(a.body);
    a.inertia = std::make_shared<JointSpaceInertia>(a.body);
    w->world->inertias.push_back(a.inertia.get());
    btAlignedObjectArray<btQuaternion> sq;
    btAlignedObjectArray<btVector3> sm;
    a.body->forwardKinematics(sq, sm);
    btAlignedObjectArray<btQuaternion> wq;
    btAlignedObjectArray<btVector3> wl;
    a.body->updateCollisionObjectWorldTransforms(wq, wl);
    for (int i = 0; i < (int)a.colliders.size(); ++i) {
        btMultiBodyLinkCollider *c = a.colliders[i];
        if (!c) continue;
        bool fixedBase = a.body->hasFixedBase() && i == 0;
        int group = fixedBase ? int(btBroadphaseProxy::StaticFilter) : int(btBroadphaseProxy::DefaultFilter);
        int mask = fixedBase ? int(btBroadphaseProxy::AllFilter ^ btBroadphaseProxy::StaticFilter)
                             : int(btBroadphaseProxy::AllFilter);
        w->world->addCollisionObject(c, group, mask);
    }
    a.drive = new JointDrive(a.body);
    a.drive->inertia = a.inertia.get();
    for (int i = 0; i < a.body->getNumLinks(); ++i) {
        const btMultibodyLink &l = a.body->getLink(i);
        if (l.m_jointType != btMultibodyLink::eRevolute && l.m_jointType != btMultibodyLink::ePrismatic) continue;
        if (l.m_jointLowerLimit <= l.m_jointUpperLimit) a.drive->limits[i] = {true, l.m_jointLowerLimit, l.m_jointUpperLimit};
    }
    w->world->addMultiBodyConstraint(a.drive);
    a.finalized = true;
    return 0;
}

int bs_multibody_link_body(const bs_world *w, int m, int link) {
    if (!w->validMB(m)) return -1;
    const Articulation &a = w->articulations[m];
    if (link < -1 || link >= a.body->getNumLinks()) return -1;
    return a.body_ids[link + 1];
}

int bs_multibody_dof_count(const bs_world *w, int m) {
    return w->validMB(m) ? w->articulations[m].body->getNumDofs() : 0;
}

void bs_multibody_get_joints(bs_world *w, int m, double *q, double *v) {
    if (!w->validMB(m)) return;
    btMultiBody *mb = w->articulations[m].body;
    int k = 0;
    for (int i = 0; i < mb->getNumLinks(); ++i) {
        if (mb->getLink(i).m_dofCount != 1) continue;
        if (q) q[k] = mb->getJointPos(i);
        if (v) v[k] = mb->getJointVel(i);
        ++k;
    }
}

void bs_multibody_set_joints(bs_world *w, int m, const double *q, const double *v) {
    if (!w->validMB(m)) return;
    btMultiBody *mb = w->articulations[m].body;
    int k = 0;
    for (int i = 0; i < mb->getNumLinks(); ++i) {
        if (mb->getLink(i).m_dofCount != 1) continue;
        if (q) mb->setJointPos(i, q[k]);
        if (v) mb->setJointVel(i, v[k]);
        ++k;
    }
    btAlignedObjectArray<btQuaternion> sq;
    btAlignedObjectArray<btVector3> sm;
    mb->forwardKinematics(sq, sm);
    btAlignedObjectArray<btQuaternion> wq;
    btAlignedObjectArray<btVector3> wl;
    mb->updateCollisionObjectWorldTransforms(wq, wl);
}

void bs_multibody_get_link_poses(bs_world *w, int m, double *out) {
    if (!w->validMB(m)) return;
    btMultiBody *mb = w->articulations[m].body;
    btAlignedObjectArray<btQuaternion> sq;
    btAlignedObjectArray<btVector3> sm;
    mb->forwardKinematics(sq, sm);
    fromTransform(mb->getBaseWorldTransform(), out);
    for (int i = 0; i < mb->getNumLinks(); ++i) fromTransform(mb->getLink(i).m_cachedWorldTransform, out + 7 * (i + 1));
}

void bs_multibody_set_motor(bs_world *w, int m, int link, double target_position, double target_velocity,
                            double position_gain, double velocity_gain, double max_effort) {
    if (!w->validMB(m)) return;
    Articulation &a = w->articulations[m];
    if (!a.drive || link < 0 || link >= a.body->getNumLinks() || a.body->getLink(link).m_dofCount != 1) return;
    JointDrive::Motor &motor = a.drive->motors[link];
    motor.enabled = true;
    motor.position = target_position;
    motor.velocity = target_velocity;
    motor.kp = position_gain;
    motor.kd = velocity_gain;
    motor.maxImpulse = max_effort * w->config.time_step;
}

void bs_multibody_set_motor_max_velocity(bs_world *w, int m, int link, double max_velocity) {
    if (!w->validMB(m)) return;
    Articulation &a = w->articulations[m];
    if (!a.drive || link < 0 || link >= a.body->getNumLinks() || !a.drive->motors[link].enabled) return;
    // The motor's row asks for the velocity kp * error / dt + kd * (target velocity - velocity) + velocity; the cap
    // clamps that request, which is how a joint speed limit enters (PyBullet's maxVelocity).
    a.drive->motors[link].speedCap = max_velocity > 0 ? max_velocity : SIMD_INFINITY;
}

void bs_multibody_get_motor_efforts(bs_world *w, int m, double *out) {
    if (!w->validMB(m)) return;
    Articulation &a = w->articulations[m];
    int k = 0;
    for (int i = 0; i < a.body->getNumLinks(); ++i) {
        if (a.body->getLink(i).m_dofCount != 1) continue;
        const bool on = a.drive && a.drive->motors[i].enabled;
        out[k++] = on ? a.drive->getAppliedImpulse(3 * i) / w->config.time_step : 0;
    }
}

}  // extern "C"
