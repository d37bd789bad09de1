// Joint-space rows: each articulation's motors and speculative joint limits as one Bullet constraint.
#include "shim_internal.h"

namespace benchtop_shim {

namespace {

// A joint-space row (one degree of freedom of one multibody) filled as btMultiBodyConstraint::fillMultiBodyConstraint
// would, but with the multibody on side A only. Bullet's motor and limit name the same body as A and B, with a zero
// Jacobian on B: that doubles a row's cost (two calcAccelerationDeltasMultiDof at set-up, two dot products and two
// updates in every solver iteration) and adds exactly zero. The solver sees the same numbers. Returns the joint's
// velocity along the row.
btScalar fillJointRow(btMultiBodySolverConstraint& c, btMultiBodyJacobianData& data, btMultiBody* mb, int link,
                      btScalar sign, btScalar lower, btScalar upper, btScalar desiredVelocity,
                      JointSpaceInertia* inertia) {
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
    btScalar* jac = &data.m_jacobians[c.m_jacAindex];
    for (int i = 0; i < ndof; ++i)
        jac[i] = 0;
    jac[6 + mb->getLink(link).m_dofOffset] = sign;
    btScalar* delta = &data.m_deltaVelocitiesUnitImpulse[c.m_jacAindex];
    if (inertia && inertia->supported) {
        const btScalar* column = inertia->column(mb->getLink(link).m_dofOffset);
        for (int i = 0; i < 6; ++i)
            delta[i] = 0;
        for (int i = 0; i < ndof - 6; ++i)
            delta[6 + i] = sign * column[i];
    } else {
        mb->calcAccelerationDeltasMultiDof(jac, delta, data.scratch_r, data.scratch_v);
    }
    btScalar denom = 0, relVel = 0;
    const btScalar* v = mb->getVelocityVector();
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

} // namespace

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

JointDrive::JointDrive(btMultiBody* body)
    : btMultiBodyConstraint(body, body, -1, -1, 3 * body->getNumLinks(), true, MULTIBODY_CONSTRAINT_1DOF_JOINT_MOTOR),
      motors(body->getNumLinks()), limits(body->getNumLinks()) {
    m_maxAppliedImpulse = 100; // limit rows, as Bullet's limit constraint
}

void JointDrive::finalizeMultiDof() {
    allocateJacobiansMultiDof();
    m_numDofsFinalized = m_jacSizeBoth;
}

void JointDrive::createConstraintRows(btMultiBodyConstraintArray& rows, btMultiBodyJacobianData& data,
                                      const btContactSolverInfo& info) {
    if (m_numDofsFinalized != m_jacSizeBoth) finalizeMultiDof();
    const btScalar dt = info.m_timeStep;
    for (int link = 0; link < (int)motors.size(); ++link) {
        if (m_bodyA->getLink(link).m_dofCount != 1) continue;
        const btScalar q = m_bodyA->getJointPos(link), qd = m_bodyA->getJointVel(link);
        const Motor& m = motors[link];
        if (m.enabled && m.maxImpulse != 0) {
            btScalar rhs = m.kp * ((m.position - q) / dt) + qd + m.kd * (m.velocity - qd);
            if (rhs > m.speedCap) rhs = m.speedCap;
            if (rhs < -m.speedCap) rhs = -m.speedCap;
            btMultiBodySolverConstraint& c = rows.expandNonInitializing();
            fillJointRow(c, data, m_bodyA, link, 1, -m.maxImpulse, m.maxImpulse, rhs, inertia);
            c.m_orgConstraint = this;
            c.m_orgDofIndex = 3 * link;
        }
        const Limit& l = limits[link];
        if (!l.enabled) continue;
        for (int side = 0; side < 2; ++side) {
            const btScalar distance = side ? l.upper - q : q - l.lower;
            const btScalar approach = side ? qd : -qd; // speed towards this limit
            // Coupled motion can speed the joint up during the solve: keep a margin of a few rad/s (m/s) beyond
            // the speed it has now. An inactive row costs nothing; an active one far from binding applies none.
            if (distance > dt * (2 * btFabs(approach) + 4)) continue;
            btMultiBodySolverConstraint& c = rows.expandNonInitializing();
            const btScalar relVel =
                fillJointRow(c, data, m_bodyA, link, side ? -1 : 1, 0, m_maxAppliedImpulse, 0, inertia);
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

int JointDrive::islandId() const {
    if (const btMultiBodyLinkCollider* c = m_bodyA->getBaseCollider()) return c->getIslandTag();
    for (int i = 0; i < m_bodyA->getNumLinks(); ++i)
        if (m_bodyA->getLink(i).m_collider) return m_bodyA->getLink(i).m_collider->getIslandTag();
    return -1;
}

} // namespace benchtop_shim
