// The world's life cycle and step, contacts, and the two changes to Bullet's multibody step.
#include "shim_internal.h"

namespace benchtop_shim {

// The multibody world with two changes to Bullet's step:
// - No predicted link transforms. btMultiBodyDynamicsWorld::predictUnconstraintMotion also steps every multibody's
//   positions ahead into its colliders' interpolation transforms, which only continuous collision detection reads
//   (not used here: a link collider's AABB comes from its current transform).
// - The unconstrained velocity update of a fixed-base multibody that touches nothing this step comes from
//   JointSpaceInertia::stepVelocities instead of Bullet's articulated-body pass. That pass also caches what
//   calcAccelerationDeltasMultiDof needs for contact rows, so a multibody with contact points keeps it. Bullet's
//   solveExternalForces runs the pass for every multibody not marked asleep: the chosen ones are marked asleep for
//   the duration of the call (nothing else in it reads the mark; islands are built before and solved after).

void DynamicsWorld::predictUnconstraintMotion(btScalar timeStep) {
    btDiscreteDynamicsWorld::predictUnconstraintMotion(timeStep);
}

void DynamicsWorld::solveExternalForces(btContactSolverInfo& info) {
    fast.clear();
    for (JointSpaceInertia* js : inertias)
        if (js->supported && !touching(js->body)) fast.push_back(js);
    for (JointSpaceInertia* js : fast)
        marker(js->body)->forceActivationState(ISLAND_SLEEPING);
    btMultiBodyDynamicsWorld::solveExternalForces(info);
    for (JointSpaceInertia* js : fast) {
        marker(js->body)->forceActivationState(DISABLE_DEACTIVATION);
        js->stepVelocities(info.m_timeStep);
    }
}

// The collider Bullet's loop checks first for sleep.
btCollisionObject* DynamicsWorld::marker(btMultiBody* mb) {
    if (mb->getBaseCollider()) return mb->getBaseCollider();
    for (int i = 0; i < mb->getNumLinks(); ++i)
        if (mb->getLink(i).m_collider) return mb->getLink(i).m_collider;
    return nullptr;
}

bool DynamicsWorld::touching(btMultiBody* mb) {
    if (!marker(mb)) return true; // no collider to mark: keep Bullet's pass
    btDispatcher* d = getDispatcher();
    for (int m = 0; m < d->getNumManifolds(); ++m) {
        const btPersistentManifold* manifold = d->getManifoldByIndexInternal(m);
        if (manifold->getNumContacts() == 0) continue;
        const auto* a = btMultiBodyLinkCollider::upcast(manifold->getBody0());
        const auto* b = btMultiBodyLinkCollider::upcast(manifold->getBody1());
        if ((a && a->m_multiBody == mb) || (b && b->m_multiBody == mb)) return true;
    }
    return false;
}

// Keeps pairs that can never collide out of the broadphase: links of one multibody without self-collision. Bullet
// rejects them only later, in the dispatcher (btMultiBodyLinkCollider::checkCollideWithOverride), after keeping them
// in the pair cache and visiting each of them every step (36 of the Franka's 38 pairs on pick_cube).
bool PairFilter::needBroadphaseCollision(btBroadphaseProxy* p0, btBroadphaseProxy* p1) const {
    if (!(p0->m_collisionFilterGroup & p1->m_collisionFilterMask) ||
        !(p1->m_collisionFilterGroup & p0->m_collisionFilterMask))
        return false;
    const auto* a = btMultiBodyLinkCollider::upcast(static_cast<const btCollisionObject*>(p0->m_clientObject));
    const auto* b = btMultiBodyLinkCollider::upcast(static_cast<const btCollisionObject*>(p1->m_clientObject));
    return !(a && b && a->m_multiBody == b->m_multiBody && !a->m_multiBody->hasSelfCollision());
}

} // namespace benchtop_shim

using namespace benchtop_shim;

extern "C" {

int bs_is_double_precision(void) {
#ifdef BT_USE_DOUBLE_PRECISION
    return sizeof(btScalar) == sizeof(double) ? 1 : 0;
#else
    return 0;
#endif
}

bs_world* bs_world_create(const bs_world_config* config) {
    if (!config || !(config->time_step > 0)) return nullptr;
    auto* w = new bs_world();
    w->config = *config;
    w->collision_config = std::make_unique<btDefaultCollisionConfiguration>();
    w->dispatcher = std::make_unique<btCollisionDispatcher>(w->collision_config.get());
    w->broadphase = std::make_unique<btDbvtBroadphase>();
    w->solver = std::make_unique<Solver>();
    w->world = std::make_unique<DynamicsWorld>(w->dispatcher.get(), w->broadphase.get(), w->solver.get(),
                                               w->collision_config.get());
    w->world->setGravity(btVector3(config->gravity[0], config->gravity[1], config->gravity[2]));
    btContactSolverInfo& info = w->world->getSolverInfo();
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

void bs_world_destroy(bs_world* w) {
    if (!w) return;
    for (auto& a : w->articulations) {
        if (a.drive) {
            w->world->removeMultiBodyConstraint(a.drive);
            delete a.drive;
        }
        for (auto* c : a.colliders)
            if (c) {
                w->world->removeCollisionObject(c);
                delete c;
            }
        if (a.finalized) w->world->removeMultiBody(a.body);
        delete a.body;
    }
    for (auto& b : w->rigid_bodies)
        w->world->removeRigidBody(b.get());
    w->rigid_bodies.clear();
    w->world.reset();
    delete w;
}

int bs_world_step(bs_world* w, int steps) {
    for (int i = 0; i < steps; ++i) {
        for (auto& a : w->articulations)
            if (a.inertia) a.inertia->invalidate();
        for (auto& a : w->articulations) {
            for (int l = 0; l < (int)a.damping.size(); ++l)
                if (a.damping[l] > 0) a.body->addJointTorque(l, -a.damping[l] * a.body->getJointVel(l));
        }
        // maxSubSteps = 0: exactly one step of time_step, no accumulator and no interpolation.
        w->world->stepSimulation(w->config.time_step, 0, w->config.time_step);
        w->steps += 1;
    }
    for (auto& b : w->rigid_bodies) {
        const btVector3& o = b->getWorldTransform().getOrigin();
        const btVector3& v = b->getLinearVelocity();
        if (!std::isfinite(o.x() + o.y() + o.z() + v.x() + v.y() + v.z())) return -1;
    }
    for (auto& a : w->articulations) {
        for (int i = 0; i < a.body->getNumLinks(); ++i)
            if (!std::isfinite(a.body->getJointPos(i) + (a.body->getLink(i).m_dofCount ? a.body->getJointVel(i) : 0)))
                return -1;
    }
    return 0;
}

long long bs_world_step_count(const bs_world* w) {
    return w->steps;
}

double bs_world_max_rigid_speed(const bs_world* w, int* out_body) {
    double best = 0;
    int body = -1;
    for (auto& b : w->rigid_bodies) {
        double v = b->getLinearVelocity().length();
        if (v > best) {
            best = v;
            body = b->getUserIndex();
        }
    }
    if (out_body) *out_body = body;
    return best;
}

// MARK: contacts

int bs_world_contacts(bs_world* w, bs_contact* out, int capacity) {
    int total = 0;
    btDispatcher* d = w->world->getDispatcher();
    const double dt = w->config.time_step;
    for (int m = 0; m < d->getNumManifolds(); ++m) {
        btPersistentManifold* manifold = d->getManifoldByIndexInternal(m);
        int a = manifold->getBody0()->getUserIndex(), b = manifold->getBody1()->getUserIndex();
        for (int p = 0; p < manifold->getNumContacts(); ++p) {
            const btManifoldPoint& pt = manifold->getContactPoint(p);
            // Points carrying load, or touching; speculative points ahead of contact are skipped.
            if (pt.getDistance() > 0 && pt.getAppliedImpulse() <= 0) continue;
            if (out && total < capacity) {
                bs_contact& c = out[total];
                c.body_a = a;
                c.body_b = b;
                const btVector3 &pa = pt.getPositionWorldOnA(), &pb = pt.getPositionWorldOnB(),
                                &n = pt.m_normalWorldOnB;
                c.position_on_a[0] = pa.x();
                c.position_on_a[1] = pa.y();
                c.position_on_a[2] = pa.z();
                c.position_on_b[0] = pb.x();
                c.position_on_b[1] = pb.y();
                c.position_on_b[2] = pb.z();
                c.normal_on_b[0] = n.x();
                c.normal_on_b[1] = n.y();
                c.normal_on_b[2] = n.z();
                c.distance = pt.getDistance();
                c.normal_force = pt.getAppliedImpulse() / dt;
            }
            ++total;
        }
    }
    return total;
}

} // extern "C"
