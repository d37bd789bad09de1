// Articulations (Featherstone multibodies): construction, joint state and motors.
#include "shim_internal.h"

using namespace benchtop_shim;

extern "C" {

// MARK: articulations

int bs_multibody_create(bs_world* w, int links, double base_mass, const double base_inertia[3], int fixed_base,
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

int bs_multibody_setup_link(bs_world* w, int m, int link, int parent, int type, double mass, const double inertia[3],
                            const double rot[4], const double axis[3], const double p2pivot[3],
                            const double pivot2com[3], double lower, double upper, double damping, double friction) {
    if (!w->validMB(m)) return -1;
    Articulation& a = w->articulations[m];
    if (link < 0 || link >= a.body->getNumLinks() || parent >= link || parent < -1 || a.finalized) return -1;
    btVector3 I(inertia[0], inertia[1], inertia[2]);
    btQuaternion q(rot[0], rot[1], rot[2], rot[3]);
    btVector3 ax(axis[0], axis[1], axis[2]), off1(p2pivot[0], p2pivot[1], p2pivot[2]),
        off2(pivot2com[0], pivot2com[1], pivot2com[2]);
    switch (type) {
    case BS_JOINT_FIXED:
        a.body->setupFixed(link, mass, I, parent, q, off1, off2, true);
        break;
    case BS_JOINT_REVOLUTE:
        a.body->setupRevolute(link, mass, I, parent, q, ax, off1, off2, true);
        break;
    case BS_JOINT_PRISMATIC:
        a.body->setupPrismatic(link, mass, I, parent, q, ax, off1, off2, true);
        break;
    default:
        return -1;
    }
    btMultibodyLink& l = a.body->getLink(link);
    l.m_jointDamping = damping;
    l.m_jointFriction = friction;
    l.m_jointLowerLimit = lower;
    l.m_jointUpperLimit = upper;
    return 0;
}

int bs_multibody_set_link_shape(bs_world* w, int m, int link, int shape, const bs_material* material) {
    if (!w->validMB(m) || !w->validShape(shape)) return -1;
    Articulation& a = w->articulations[m];
    if (link < -1 || link >= a.body->getNumLinks() || a.colliders[link + 1] || a.finalized) return -1;
    auto* c = new btMultiBodyLinkCollider(a.body, link);
    c->setCollisionShape(w->shapes[shape].get());
    applyMaterial(c, material);
    c->setActivationState(DISABLE_DEACTIVATION);
    a.colliders[link + 1] = c;
    if (link < 0)
        a.body->setBaseCollider(c);
    else
        a.body->getLink(link).m_collider = c;
    BodyRef ref;
    ref.object = c;
    ref.multibody = m;
    ref.link = link;
    int id = w->addBody(ref);
    a.body_ids[link + 1] = id;
    return id;
}

int bs_multibody_finalize(bs_world* w, int m) {
    if (!w->validMB(m)) return -1;
    Articulation& a = w->articulations[m];
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
        btMultiBodyLinkCollider* c = a.colliders[i];
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
        const btMultibodyLink& l = a.body->getLink(i);
        if (l.m_jointType != btMultibodyLink::eRevolute && l.m_jointType != btMultibodyLink::ePrismatic) continue;
        if (l.m_jointLowerLimit <= l.m_jointUpperLimit)
            a.drive->limits[i] = {true, l.m_jointLowerLimit, l.m_jointUpperLimit};
    }
    w->world->addMultiBodyConstraint(a.drive);
    a.finalized = true;
    return 0;
}

int bs_multibody_link_body(const bs_world* w, int m, int link) {
    if (!w->validMB(m)) return -1;
    const Articulation& a = w->articulations[m];
    if (link < -1 || link >= a.body->getNumLinks()) return -1;
    return a.body_ids[link + 1];
}

int bs_multibody_dof_count(const bs_world* w, int m) {
    return w->validMB(m) ? w->articulations[m].body->getNumDofs() : 0;
}

void bs_multibody_get_joints(bs_world* w, int m, double* q, double* v) {
    if (!w->validMB(m)) return;
    btMultiBody* mb = w->articulations[m].body;
    int k = 0;
    for (int i = 0; i < mb->getNumLinks(); ++i) {
        if (mb->getLink(i).m_dofCount != 1) continue;
        if (q) q[k] = mb->getJointPos(i);
        if (v) v[k] = mb->getJointVel(i);
        ++k;
    }
}

void bs_multibody_set_joints(bs_world* w, int m, const double* q, const double* v) {
    if (!w->validMB(m)) return;
    btMultiBody* mb = w->articulations[m].body;
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

void bs_multibody_get_link_poses(bs_world* w, int m, double* out) {
    if (!w->validMB(m)) return;
    btMultiBody* mb = w->articulations[m].body;
    btAlignedObjectArray<btQuaternion> sq;
    btAlignedObjectArray<btVector3> sm;
    mb->forwardKinematics(sq, sm);
    fromTransform(mb->getBaseWorldTransform(), out);
    for (int i = 0; i < mb->getNumLinks(); ++i)
        fromTransform(mb->getLink(i).m_cachedWorldTransform, out + 7 * (i + 1));
}

void bs_multibody_set_motor(bs_world* w, int m, int link, double target_position, double target_velocity,
                            double position_gain, double velocity_gain, double max_effort) {
    if (!w->validMB(m)) return;
    Articulation& a = w->articulations[m];
    if (!a.drive || link < 0 || link >= a.body->getNumLinks() || a.body->getLink(link).m_dofCount != 1) return;
    JointDrive::Motor& motor = a.drive->motors[link];
    motor.enabled = true;
    motor.position = target_position;
    motor.velocity = target_velocity;
    motor.kp = position_gain;
    motor.kd = velocity_gain;
    motor.maxImpulse = max_effort * w->config.time_step;
}

void bs_multibody_set_motor_max_velocity(bs_world* w, int m, int link, double max_velocity) {
    if (!w->validMB(m)) return;
    Articulation& a = w->articulations[m];
    if (!a.drive || link < 0 || link >= a.body->getNumLinks() || !a.drive->motors[link].enabled) return;
    // The motor's row asks for the velocity kp * error / dt + kd * (target velocity - velocity) + velocity; the cap
    // clamps that request, which is how a joint speed limit enters (PyBullet's maxVelocity).
    a.drive->motors[link].speedCap = max_velocity > 0 ? max_velocity : SIMD_INFINITY;
}

void bs_multibody_set_joint_damping(bs_world* w, int m, int link, double damping) {
    if (!w->validMB(m)) return;
    Articulation& a = w->articulations[m];
    if (link < 0 || link >= a.body->getNumLinks() || a.body->getLink(link).m_dofCount != 1 || !(damping >= 0)) return;
    if (a.damping.empty()) a.damping.assign(a.body->getNumLinks(), 0);
    a.damping[link] = damping;
}

void bs_multibody_get_motor_efforts(bs_world* w, int m, double* out) {
    if (!w->validMB(m)) return;
    Articulation& a = w->articulations[m];
    int k = 0;
    for (int i = 0; i < a.body->getNumLinks(); ++i) {
        if (a.body->getLink(i).m_dofCount != 1) continue;
        const bool on = a.drive && a.drive->motors[i].enabled;
        out[k++] = on ? a.drive->getAppliedImpulse(3 * i) / w->config.time_step : 0;
    }
}

} // extern "C"
