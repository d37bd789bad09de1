// Shapes, rigid bodies, materials and body state.
#include "shim_internal.h"

namespace benchtop_shim {

void applyMaterial(btCollisionObject* object, const bs_material* m) {
    // Friction anchors: a contact point whose friction stays inside the Coulomb cone keeps its first position, and
    // the friction rows pull back any drift from it. Without them a held cube creeps about 1 mm/s down the fingers;
    // a point whose friction leaves the cone is replaced as before, so sliding and pushing still slide. Bullet anchors
    // a contact when either collider has the flag, so it goes on the grippers only: anchored on the table, a sphere or
    // a lying can rolls away on its own (the anchor's pull-back turns it a little each step, and it never settles).
    const int anchor = btCollisionObject::CF_HAS_FRICTION_ANCHOR;
    const int flags = object->getCollisionFlags();
    object->setCollisionFlags(m && m->friction_anchor ? flags | anchor : flags & ~anchor);
    if (!m) return;
    object->setFriction(m->friction);
    object->setRollingFriction(m->rolling_friction);
    object->setSpinningFriction(m->spinning_friction);
    object->setRestitution(m->restitution);
    if (auto* rigid = btRigidBody::upcast(object)) rigid->setDamping(m->linear_damping, m->angular_damping);
}

} // namespace benchtop_shim

using namespace benchtop_shim;

extern "C" {

// MARK: shapes

int bs_shape_box(bs_world* w, double hx, double hy, double hz) {
    if (!(hx > 0 && hy > 0 && hz > 0)) return -1;
    return w->addShape(new btBoxShape(btVector3(hx, hy, hz)));
}

int bs_shape_sphere(bs_world* w, double r) {
    if (!(r > 0)) return -1;
    return w->addShape(new btSphereShape(r));
}

int bs_shape_cylinder(bs_world* w, double r, double hh) {
    if (!(r > 0 && hh > 0)) return -1;
    return w->addShape(new btCylinderShapeZ(btVector3(r, r, hh)));
}

int bs_shape_capsule(bs_world* w, double r, double hh) {
    if (!(r > 0 && hh >= 0)) return -1;
    return w->addShape(new btCapsuleShapeZ(r, 2 * hh));
}

int bs_shape_convex_hull(bs_world* w, const double* xyz, int n) {
    if (!xyz || n < 4) return -1;
    auto* hull = new btConvexHullShape();
    for (int i = 0; i < n; ++i)
        hull->addPoint(btVector3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]), false);
    // Bullet's default 4 cm margin pads the hull outwards (boxes and spheres absorb theirs); a hull would float
    // 4 cm above the table. 1 mm keeps contact robust and the error below what the tests tolerate.
    hull->setMargin(0.001);
    hull->recalcLocalAabb();
    return w->addShape(hull);
}

int bs_convex_hull_simplify(const double* xyz, int n, double* out, int capacity) {
    if (!xyz || n < 4 || capacity < 0) return -1;
    btConvexHullShape hull;
    for (int i = 0; i < n; ++i)
        hull.addPoint(btVector3(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]), false);
    hull.setMargin(0);
    hull.recalcLocalAabb();
    btShapeHull simplified(&hull);
    if (!simplified.buildHull(0)) return -1;
    const int count = simplified.numVertices();
    for (int i = 0; i < count && i < capacity; ++i) {
        const btVector3& p = simplified.getVertexPointer()[i];
        out[3 * i] = p.x();
        out[3 * i + 1] = p.y();
        out[3 * i + 2] = p.z();
    }
    return count;
}

int bs_shape_compound(bs_world* w) {
    return w->addShape(new btCompoundShape(true));
}

int bs_shape_compound_add(bs_world* w, int compound, int child, const double pose[7]) {
    if (!w->validShape(compound) || !w->validShape(child) || compound == child) return -1;
    auto* c = dynamic_cast<btCompoundShape*>(w->shapes[compound].get());
    if (!c) return -1;
    c->addChildShape(toTransform(pose), w->shapes[child].get());
    return 0;
}

void bs_shape_inertia(const bs_world* w, int shape, double mass, double out[3]) {
    btVector3 inertia(0, 0, 0);
    if (w->validShape(shape) && mass > 0) w->shapes[shape]->calculateLocalInertia(mass, inertia);
    out[0] = inertia.x();
    out[1] = inertia.y();
    out[2] = inertia.z();
}

// MARK: rigid bodies

int bs_body_create(bs_world* w, int shape, double mass, const double* inertia, const double pose[7],
                   const bs_material* material) {
    if (!w->validShape(shape) || mass < 0) return -1;
    btCollisionShape* s = w->shapes[shape].get();
    btVector3 local(0, 0, 0);
    if (mass > 0) {
        if (inertia)
            local = btVector3(inertia[0], inertia[1], inertia[2]);
        else
            s->calculateLocalInertia(mass, local);
    }
    btRigidBody::btRigidBodyConstructionInfo info(mass, nullptr, s, local);
    info.m_startWorldTransform = toTransform(pose);
    auto body = std::make_unique<btRigidBody>(info);
    applyMaterial(body.get(), material);
    body->setActivationState(DISABLE_DEACTIVATION); // no sleeping: sleep breaks determinism after edits
    w->world->addRigidBody(body.get());
    BodyRef ref;
    ref.object = body.get();
    ref.rigid = body.get();
    w->rigid_bodies.push_back(std::move(body));
    return w->addBody(ref);
}

int bs_body_count(const bs_world* w) {
    return (int)w->bodies.size();
}

static void linkPose(bs_world* w, const BodyRef& ref, double* out) {
    btMultiBody* mb = w->articulations[ref.multibody].body;
    btTransform t = ref.link < 0 ? mb->getBaseWorldTransform() : mb->getLink(ref.link).m_cachedWorldTransform;
    fromTransform(t, out);
}

void bs_body_get_state(bs_world* w, int b, double out[13]) {
    if (!w->validBody(b)) return;
    const BodyRef& ref = w->bodies[b];
    if (ref.rigid) {
        fromTransform(ref.rigid->getWorldTransform(), out);
        const btVector3 &v = ref.rigid->getLinearVelocity(), &a = ref.rigid->getAngularVelocity();
        out[7] = v.x();
        out[8] = v.y();
        out[9] = v.z();
        out[10] = a.x();
        out[11] = a.y();
        out[12] = a.z();
    } else {
        linkPose(w, ref, out);
        btMultiBody* mb = w->articulations[ref.multibody].body;
        btVector3 v(0, 0, 0), a(0, 0, 0);
        if (ref.link < 0) {
            v = mb->getBaseVel();
            a = mb->getBaseOmega();
        }
        out[7] = v.x();
        out[8] = v.y();
        out[9] = v.z();
        out[10] = a.x();
        out[11] = a.y();
        out[12] = a.z();
    }
}

void bs_world_get_body_states(bs_world* w, double* out) {
    // Link frames are cached by forward kinematics; refresh them once for all articulations.
    btAlignedObjectArray<btQuaternion> scratch_q;
    btAlignedObjectArray<btVector3> scratch_m;
    for (auto& a : w->articulations)
        if (a.finalized) a.body->forwardKinematics(scratch_q, scratch_m);
    for (int b = 0; b < (int)w->bodies.size(); ++b)
        bs_body_get_state(w, b, out + 13 * b);
}

void bs_body_set_pose(bs_world* w, int b, const double pose[7]) {
    if (!w->validBody(b) || !w->bodies[b].rigid) return;
    w->bodies[b].rigid->setWorldTransform(toTransform(pose));
    w->bodies[b].rigid->setInterpolationWorldTransform(toTransform(pose));
}

void bs_body_set_velocity(bs_world* w, int b, const double lin[3], const double ang[3]) {
    if (!w->validBody(b) || !w->bodies[b].rigid) return;
    w->bodies[b].rigid->setLinearVelocity(btVector3(lin[0], lin[1], lin[2]));
    w->bodies[b].rigid->setAngularVelocity(btVector3(ang[0], ang[1], ang[2]));
}

void bs_body_apply_force(bs_world* w, int b, const double f[3], const double p[3]) {
    if (!w->validBody(b)) return;
    const BodyRef& ref = w->bodies[b];
    btVector3 force(f[0], f[1], f[2]), point(p[0], p[1], p[2]);
    if (ref.rigid) {
        ref.rigid->applyForce(force, point - ref.rigid->getCenterOfMassPosition());
    } else {
        btMultiBody* mb = w->articulations[ref.multibody].body;
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

void bs_body_apply_impulse(bs_world* w, int b, const double j[3], const double p[3]) {
    if (!w->validBody(b) || !w->bodies[b].rigid) return;
    btRigidBody* r = w->bodies[b].rigid;
    r->applyImpulse(btVector3(j[0], j[1], j[2]), btVector3(p[0], p[1], p[2]) - r->getCenterOfMassPosition());
}

void bs_body_set_material(bs_world* w, int b, const bs_material* m) {
    if (w->validBody(b)) applyMaterial(w->bodies[b].object, m);
}

double bs_body_mass(const bs_world* w, int b) {
    if (!w->validBody(b)) return 0;
    const BodyRef& ref = w->bodies[b];
    if (ref.rigid) return ref.rigid->getInvMass() > 0 ? 1.0 / ref.rigid->getInvMass() : 0;
    btMultiBody* mb = w->articulations[ref.multibody].body;
    return ref.link < 0 ? mb->getBaseMass() : mb->getLinkMass(ref.link);
}

} // extern "C"
