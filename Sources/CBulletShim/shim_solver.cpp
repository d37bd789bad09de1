// The multibody solver's iteration: a sparse pass over joint-space rows and extra sweeps over joint limits.
#include "shim_internal.h"

namespace benchtop_shim {

// The multibody solver, with two changes to its iterations:
// - Joint-space rows (JointDrive's, on fixed-base multibodies) are solved by a sparse routine:
//   their Jacobian is one +-1 on one joint, so the row's velocity is one entry of the multibody's velocity change
//   instead of a dot product over all 6 + n entries, and the update skips the six (zero) base entries. They are
//   solved first in each iteration (Bullet solves rigid-body rows first), in Bullet's alternating direction.
// - Extra sweeps over the active joint-limit rows. A joint stopped hard at its limit (so100's shoulder arriving at
//   2.7 rad/s) whips the next joint into its own limit; with one sweep per iteration the two limit rows fight through
//   the other rows and 10 iterations leave the elbow 0.02 rad past its limit. The limit rows alone are a small system
//   (rows near a limit only) and converge in a few extra sweeps.

btScalar Solver::solveSingleIteration(int iteration, btCollisionObject** bodies, int numBodies,
                                      btPersistentManifold** manifolds, int numManifolds,
                                      btTypedConstraint** constraints, int numConstraints,
                                      const btContactSolverInfo& info, btIDebugDraw* draw) {
    if (iteration == 0) classifyRows(info);
    btScalar residual = 0;
    for (int inner = 0; inner < info.m_numNonContactInnerIterations; ++inner) {
        const int count = (int)rows.size();
        for (int j = 0; j < count; ++j) {
            const Row& r = rows[iteration & 1 ? j : count - 1 - j];
            btMultiBodySolverConstraint& c = m_multiBodyNonContactConstraints[r.index];
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
            const Row& r = rows[i];
            btMultiBodySolverConstraint& c = m_multiBodyNonContactConstraints[r.index];
            change = btMax(change, btFabs(r.dof >= 0 ? resolveJointRow(c, r) : resolveSingleConstraintRowGeneric(c)));
        }
        if (change < 1e-5) break;
    }
    // Bullet's iteration for the rest (rigid bodies, multibody contacts), with the rows above hidden from it.
    // (resizeNoInitialize keeps the storage and its contents: the rows come back unchanged.)
    const int count = m_multiBodyNonContactConstraints.size();
    m_multiBodyNonContactConstraints.resizeNoInitialize(0);
    const btScalar rest = btMultiBodyConstraintSolver::solveSingleIteration(
        iteration, bodies, numBodies, manifolds, numManifolds, constraints, numConstraints, info, draw);
    m_multiBodyNonContactConstraints.resizeNoInitialize(count);
    return btMax(residual, rest);
}

// Bullet's solver also accumulates every row's velocity change in the multibody itself (DIRECTLY_UPDATE_VELOCITY_
// DURING_SOLVER_ITERATIONS, btMultiBodyConstraintSolver.h), the copy applied to its velocities after the solve and
// read by nothing before. For the joint rows that is done once here, with each row's total impulse (rows start
// from zero: articulated warm starting is off, see classifyRows).
btScalar Solver::solveGroupCacheFriendlyFinish(btCollisionObject** bodies, int numBodies,
                                               const btContactSolverInfo& info) {
    for (const Row& r : rows) {
        if (r.dof < 0) continue;
        const btMultiBodySolverConstraint& c = m_multiBodyNonContactConstraints[r.index];
        c.m_multiBodyA->applyDeltaVeeMultiDof2(&m_data.m_deltaVelocitiesUnitImpulse[c.m_jacAindex], c.m_appliedImpulse);
    }
    rows.clear();
    return btMultiBodyConstraintSolver::solveGroupCacheFriendlyFinish(bodies, numBodies, info);
}

void Solver::classifyRows(const btContactSolverInfo& info) {
    const bool warmStarted = info.m_solverMode & SOLVER_USE_ARTICULATED_WARMSTARTING;
    rows.clear();
    limitRows.clear();
    for (int i = 0; i < m_multiBodyNonContactConstraints.size(); ++i) {
        const btMultiBodySolverConstraint& c = m_multiBodyNonContactConstraints[i];
        Row r{i, -1, 0, 0};
        const bool drive = dynamic_cast<const JointDrive*>(c.m_orgConstraint) != nullptr;
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
btScalar Solver::resolveJointRow(const btMultiBodySolverConstraint& c, const Row& r) {
    btScalar* dv = &m_data.m_deltaVelocities[c.m_deltaVelAindex];
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
    const btScalar* unit = &m_data.m_deltaVelocitiesUnitImpulse[c.m_jacAindex];
    for (int i = 6; i < r.ndof; ++i)
        dv[i] += unit[i] * deltaImpulse;
    return deltaImpulse / c.m_jacDiagABInv;
}

} // namespace benchtop_shim
