// The joint-space mass matrix of a fixed-base multibody: built, factored and inverted once per step.
#include "shim_internal.h"

namespace benchtop_shim {

// The joint-space mass matrix M of a fixed-base multibody at the current step, its Cholesky factor and its inverse.
// A joint-space row (motor, limit) needs the joints' velocity response to a unit impulse on its own joint, which is
// a column of M^-1. Bullet computes each with calcAccelerationDeltasMultiDof, an articulated-body pass over every
// link (about 6,000 instructions for the Franka); here M is built once per step from the link frames, masses and
// inertias (composite rigid bodies), factored, and inverted once. The factor also serves stepVelocities. Same model,
// so the same response up to rounding (checked: 2.5e-13 relative).

namespace {

// (r.r) E - r r^T: the inertia of a unit point mass at r about the origin.
static btMatrix3x3 shift(const btVector3& r) {
    const btScalar d = r.dot(r);
    return btMatrix3x3(d - r.x() * r.x(), -r.x() * r.y(), -r.x() * r.z(), -r.y() * r.x(), d - r.y() * r.y(),
                       -r.y() * r.z(), -r.z() * r.x(), -r.z() * r.y(), d - r.z() * r.z());
}

} // namespace

JointSpaceInertia::JointSpaceInertia(btMultiBody* mb) : body(mb) {
    n = mb->getNumDofs();
    supported = mb->hasFixedBase() && n > 0;
    for (int i = 0; i < mb->getNumLinks() && supported; ++i) {
        const btMultibodyLink& l = mb->getLink(i);
        const bool oneDof = l.m_jointType == btMultibodyLink::eRevolute || l.m_jointType == btMultibodyLink::ePrismatic;
        if (!(oneDof || l.m_jointType == btMultibodyLink::eFixed) || mb->isLinkKinematic(i)) supported = false;
    }
    const int links = mb->getNumLinks();
    factor.assign(n * n, 0);
    inverseDiagonal.assign(n, 0);
    columns.assign(n * n, 0);
    scratch.assign(n * n, 0);
    angular.resize(links);
    linear.resize(links);
    com.resize(links);
    moment.resize(links);
    mass.resize(links);
    inertia.resize(links);
    omega.resize(links);
    alpha.resize(links);
    accel.resize(links);
    force.resize(links);
    torque.resize(links);
    bias.assign(n, 0);
    step.assign(n + 6, 0);
}

// M by composite rigid bodies: unit speed on joint i moves the subtree of link i as one rigid body (mass m, centre
// c, inertia I about c: twist (a_i, b_i at the link's centre p_i)), with momentum P = m (b_i + a_i x (c - p_i))
// and angular momentum about c, I a_i; the generalized momentum at an ancestor joint j is
// M[j][i] = b_j . P + a_j . (I a_i + (c - p_j) x P).
void JointSpaceInertia::build() {
    const int links = body->getNumLinks();
    const btVector3 origin = body->getBasePos(); // positions relative to the base keep the moments small
    for (int i = 0; i < links; ++i) {
        const btMultibodyLink& l = body->getLink(i);
        const btMatrix3x3& r = l.m_cachedWorldTransform.getBasis();
        const btVector3 p = l.m_cachedWorldTransform.getOrigin() - origin;
        const btScalar m = l.m_mass;
        com[i] = p;
        if (l.m_dofCount == 1) {
            angular[i] = r * l.m_axes[0].m_topVec;   // joint axis (revolute) or zero
            linear[i] = r * l.m_axes[0].m_bottomVec; // velocity of the link's centre of mass per unit joint rate
        }
        // Subtree sums, seeded with the link itself: mass, first moment, second moment about the origin.
        mass[i] = m;
        moment[i] = m * p;
        inertia[i] = r.scaled(l.m_inertiaLocal) * r.transpose() + shift(p) * m;
    }
    for (int i = links - 1; i >= 0; --i) { // children have higher indices than their parents
        const int parent = body->getParent(i);
        if (parent < 0) continue;
        mass[parent] += mass[i];
        moment[parent] += moment[i];
        inertia[parent] = inertia[parent] + inertia[i];
    }
    std::vector<btScalar>& mm = factor;
    std::fill(mm.begin(), mm.end(), 0);
    for (int i = 0; i < links; ++i) {
        const btMultibodyLink& l = body->getLink(i);
        if (l.m_dofCount != 1 || !(mass[i] > 0)) continue;
        const btScalar m = mass[i];
        const btVector3 c = moment[i] / m;
        const btMatrix3x3 ic = inertia[i] - shift(c) * m;
        const btVector3 ai = angular[i];
        const btVector3 momentum = m * (linear[i] + ai.cross(c - com[i]));
        const btVector3 spin = ic * ai;
        const int row = l.m_dofOffset;
        for (int j = i; j >= 0; j = body->getParent(j)) {
            const btMultibodyLink& lj = body->getLink(j);
            if (lj.m_dofCount != 1) continue;
            mm[row * n + lj.m_dofOffset] =
                linear[j].dot(momentum) + angular[j].dot(spin + (c - com[j]).cross(momentum));
        }
    }
    // In-place Cholesky of the lower triangle.
    std::vector<btScalar>& m = factor;
    for (int j = 0; j < n; ++j) {
        btScalar d = m[j * n + j];
        for (int k = 0; k < j; ++k)
            d -= m[j * n + k] * m[j * n + k];
        d = btSqrt(btMax(d, btScalar(1e-300)));
        m[j * n + j] = d;
        inverseDiagonal[j] = 1 / d;
        for (int i = j + 1; i < n; ++i) {
            btScalar s = m[i * n + j];
            for (int k = 0; k < j; ++k)
                s -= m[i * n + k] * m[j * n + k];
            m[i * n + j] = s / d;
        }
        for (int i = 0; i < j; ++i)
            m[i * n + j] = 0;
    }
    factored = true;
}

// Replaces Bullet's articulated-body pass for the unconstrained velocity update: the joint-space bias (Coriolis,
// centrifugal and gyroscopic terms, applied link forces, which include gravity) by recursive Newton-Euler with zero
// joint accelerations, then qdd = M^-1 (tau - bias) with the factor built for the joint rows, and qd += dt qdd.
// Checked against Bullet's pass (franka, franka_droid, so100, yam_bimanual holding and tracking): largest relative
// difference in qdd 2.4e-13.
void JointSpaceInertia::stepVelocities(btScalar dt) {
    if (!factored) build();
    const int links = body->getNumLinks();
    const btVector3 zero(0, 0, 0);
    for (int i = 0; i < links; ++i) {
        const btMultibodyLink& l = body->getLink(i);
        const int parent = l.m_parent;
        const btVector3 wp = parent < 0 ? zero : omega[parent], ap = parent < 0 ? zero : alpha[parent];
        const btVector3 cp = parent < 0 ? zero : accel[parent];
        const btVector3 pp = parent < 0 ? zero : com[parent]; // the fixed base sits at the origin of com[]
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
        const btMatrix3x3& r = l.m_cachedWorldTransform.getBasis();
        const btVector3 iw = r * (l.m_inertiaLocal * (w * r)), ia = r * (l.m_inertiaLocal * (a * r)); // I w, I a
        force[i] = m * c - body->getLinkForce(i); // applied forces include gravity (applyGravity)
        torque[i] = ia + w.cross(iw) - body->getLinkTorque(i);
    }
    for (int i = links - 1; i >= 0; --i) {
        const btMultibodyLink& l = body->getLink(i);
        if (l.m_dofCount == 1)
            bias[l.m_dofOffset] = body->getJointTorque(i) - (angular[i].dot(torque[i]) + linear[i].dot(force[i]));
        const int parent = l.m_parent;
        if (parent < 0) continue;
        force[parent] += force[i];
        torque[parent] += torque[i] + (com[i] - com[parent]).cross(force[i]);
    }
    // qdd = M^-1 (tau - bias): L y = b, L^T x = y.
    const std::vector<btScalar>& L = factor;
    for (int i = 0; i < n; ++i) {
        btScalar s = bias[i];
        for (int j = 0; j < i; ++j)
            s -= L[i * n + j] * bias[j];
        bias[i] = s * inverseDiagonal[i];
    }
    for (int i = n - 1; i >= 0; --i) {
        btScalar s = bias[i];
        for (int j = i + 1; j < n; ++j)
            s -= L[j * n + i] * bias[j];
        bias[i] = s * inverseDiagonal[i];
    }
    for (int i = 0; i < 6; ++i)
        step[i] = 0;
    for (int i = 0; i < n; ++i)
        step[6 + i] = bias[i];
    body->applyDeltaVeeMultiDof(step.data(), dt);
    body->clearForcesAndTorques();
}

// Column k of M^-1 (joint accelerations per unit joint impulse on dof k). Every joint has a motor, so the whole
// inverse is formed at the first request: W = L^-1, then M^-1 = W^T W.
const btScalar* JointSpaceInertia::column(int k) {
    if (!factored) build();
    if (!inverted) invert();
    return &columns[k * n];
}

void JointSpaceInertia::invert() {
    const std::vector<btScalar>& L = factor;
    std::vector<btScalar>& W = scratch; // lower triangular, row-major
    for (int j = 0; j < n; ++j) {
        W[j * n + j] = inverseDiagonal[j];
        for (int i = j + 1; i < n; ++i) {
            btScalar s = 0;
            for (int k = j; k < i; ++k)
                s -= L[i * n + k] * W[k * n + j];
            W[i * n + j] = s * inverseDiagonal[i];
        }
    }
    for (int a = 0; a < n; ++a)
        for (int b = 0; b <= a; ++b) {
            btScalar s = 0;
            for (int i = a; i < n; ++i)
                s += W[i * n + a] * W[i * n + b];
            columns[a * n + b] = s;
            columns[b * n + a] = s;
        }
    inverted = true;
}

} // namespace benchtop_shim
