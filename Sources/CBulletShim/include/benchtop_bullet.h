// Benchtop's only door into Bullet: a pure C API with an opaque world handle and plain doubles.
// No C++ type crosses this header. Poses are 7 doubles [x, y, z, qx, qy, qz, qw]; body states are
// 13 doubles [pose(7), linear velocity(3), angular velocity(3)]. Every index is owned by the world.
#ifndef BENCHTOP_BULLET_H
#define BENCHTOP_BULLET_H

#ifdef __cplusplus
extern "C" {
#endif

typedef struct bs_world bs_world;

/// Solver and integration settings fixed at creation.
typedef struct {
    double gravity[3];
    double time_step; // fixed step in seconds; every bs_world_step advances exactly this
    int solver_iterations;
    double contact_erp; // error reduction for contacts (Baumgarte / split impulse)
    int split_impulse;  // 1: position correction without adding energy
    double split_impulse_threshold;
    int friction_directions; // 1 or 2 friction directions per contact
} bs_world_config;

/// Surface and damping properties of a rigid body or link collider.
typedef struct {
    double friction; // lateral (Coulomb) coefficient
    double rolling_friction;
    double spinning_friction;
    double restitution;
    double linear_damping;
    double angular_damping;
    int friction_anchor; // 1: contacts touching this collider keep their first point while they stick
} bs_material;

/// One contact point; bodies are body ids (a link's id for articulated robots).
typedef struct {
    int body_a;
    int body_b;
    double position_on_a[3];
    double position_on_b[3];
    double normal_on_b[3]; // world frame, from B towards A
    double distance;       // negative when penetrating
    double normal_force;   // N, from the last step's applied impulse
} bs_contact;

enum { BS_JOINT_FIXED = 0, BS_JOINT_REVOLUTE = 1, BS_JOINT_PRISMATIC = 2 };

/// 1 when the shim was compiled with BT_USE_DOUBLE_PRECISION (it must be).
int bs_is_double_precision(void);

bs_world* bs_world_create(const bs_world_config* config);
void bs_world_destroy(bs_world* world);
/// Advances `steps` fixed steps. Returns 0, or -1 if a body's state became non-finite.
int bs_world_step(bs_world* world, int steps);
long long bs_world_step_count(const bs_world* world);
/// The fastest rigid body's linear speed (m/s) and its body id (out_body may be NULL); cheap: no kinematics.
double bs_world_max_rigid_speed(const bs_world* world, int* out_body);

// MARK: shapes (return a shape index, or -1 on bad arguments)
int bs_shape_box(bs_world* world, double half_x, double half_y, double half_z);
int bs_shape_sphere(bs_world* world, double radius);
/// A cylinder along local z.
int bs_shape_cylinder(bs_world* world, double radius, double half_height);
/// A capsule along local z; half_height is half the distance between the sphere centres.
int bs_shape_capsule(bs_world* world, double radius, double half_height);
int bs_shape_convex_hull(bs_world* world, const double* xyz, int point_count);
/// Simplifies a point cloud's convex hull for collision (Bullet's btShapeHull: at most about 100 vertices, whatever the
/// input). Writes up to capacity points (3 doubles each) to out; returns the number of hull points, or -1.
int bs_convex_hull_simplify(const double* xyz, int point_count, double* out, int capacity);
/// A convex decomposition of a triangle mesh (HACD, from Bullet's Extras): a list of convex point clouds.
typedef struct bs_decomposition bs_decomposition;
/// Decomposes a closed triangle mesh (point_count xyz triples, triangle_count index triples) into convex hulls.
/// concavity: the largest concavity a hull may hide, as a fraction of the mesh's bounding-box diagonal; min_hulls:
/// merging stops at this many hulls; max_hull_vertices: vertices per hull. NULL on bad input or failure.
bs_decomposition* bs_decompose(const double* xyz, int point_count, const int* triangles, int triangle_count,
                               double concavity, int min_hulls, int max_hull_vertices);
int bs_decomposition_hull_count(const bs_decomposition* decomposition);
/// Writes up to capacity points (3 doubles each) of one hull to out; returns the hull's point count, or -1.
int bs_decomposition_hull(const bs_decomposition* decomposition, int hull, double* out, int capacity);
void bs_decomposition_free(bs_decomposition* decomposition);
int bs_shape_compound(bs_world* world);
int bs_shape_compound_add(bs_world* world, int compound, int child, const double pose[7]);
/// Principal moments of inertia of a shape for the given mass, as Bullet computes them.
void bs_shape_inertia(const bs_world* world, int shape, double mass, double out_inertia[3]);

// MARK: rigid bodies (return a body id, or -1)
/// mass 0 makes a static body. inertia NULL: computed from the shape.
int bs_body_create(bs_world* world, int shape, double mass, const double* inertia, const double pose[7],
                   const bs_material* material);
int bs_body_count(const bs_world* world);
/// Writes 13 doubles per body, for bodies 0..count-1, into out.
void bs_world_get_body_states(bs_world* world, double* out);
void bs_body_get_state(bs_world* world, int body, double out[13]);
void bs_body_set_pose(bs_world* world, int body, const double pose[7]);
void bs_body_set_velocity(bs_world* world, int body, const double linear[3], const double angular[3]);
/// A force (N) at a world point, held for the next step only.
void bs_body_apply_force(bs_world* world, int body, const double force[3], const double world_point[3]);
void bs_body_apply_impulse(bs_world* world, int body, const double impulse[3], const double world_point[3]);
void bs_body_set_material(bs_world* world, int body, const bs_material* material);
double bs_body_mass(const bs_world* world, int body);

// MARK: contacts
/// Copies up to capacity contact points; returns the total number of points in the world.
int bs_world_contacts(bs_world* world, bs_contact* out, int capacity);

// MARK: articulations (Featherstone multibodies; return an articulation index, or -1)
/// Frames are the links' centre-of-mass principal frames, as Bullet requires.
int bs_multibody_create(bs_world* world, int link_count, double base_mass, const double base_inertia[3], int fixed_base,
                        const double base_pose[7]);
/// Sets up link `link` (0-based) under `parent` (-1 = base). rot_parent_to_this rotates vectors from the
/// parent's frame into this link's frame at q = 0; offsets as in btMultiBody::setupRevolute.
int bs_multibody_setup_link(bs_world* world, int mb, int link, int parent, int joint_type, double mass,
                            const double inertia[3], const double rot_parent_to_this[4], const double joint_axis[3],
                            const double parent_com_to_pivot[3], const double pivot_to_this_com[3], double lower_limit,
                            double upper_limit, double joint_damping, double joint_friction);
/// Attaches a collision shape to a link (-1 = base); gives the link its body id. Returns the body id.
int bs_multibody_set_link_shape(bs_world* world, int mb, int link, int shape, const bs_material* material);
/// Ends construction: adds the multibody and its colliders to the world. Returns 0 or -1.
int bs_multibody_finalize(bs_world* world, int mb);
/// Body id of a link (-1 = base), or -1 if it has no collider.
int bs_multibody_link_body(const bs_world* world, int mb, int link);
int bs_multibody_dof_count(const bs_world* world, int mb);
/// Joint positions and velocities for every link with one degree of freedom, in link order.
void bs_multibody_get_joints(bs_world* world, int mb, double* positions, double* velocities);
void bs_multibody_set_joints(bs_world* world, int mb, const double* positions, const double* velocities);
/// World poses of the base and each link frame (7 doubles each, base first: (link_count + 1) * 7).
void bs_multibody_get_link_poses(bs_world* world, int mb, double* out);
/// An implicit position/velocity motor on a link's joint (btMultiBodyJointMotor's law, one row of the articulation's
/// joint drive in the shim): the solver drives
/// position_gain * (q* - q) / dt + velocity_gain * (v* - v) towards zero with at most max_effort (N m or N).
/// Implicit, so stiff gains stay stable at the fixed step.
void bs_multibody_set_motor(bs_world* world, int mb, int link, double target_position, double target_velocity,
                            double position_gain, double velocity_gain, double max_effort);
/// Viscous joint damping (N m s/rad or N s/m): a torque of -damping * velocity on the joint, applied before each
/// step. Bullet's multibody keeps a link's m_jointDamping but never applies it.
void bs_multibody_set_joint_damping(bs_world* world, int mb, int link, double damping);
/// Joint torques/forces applied by the motors in the last step (dof order).
void bs_multibody_get_motor_efforts(bs_world* world, int mb, double* out);
/// Caps the speed a link's motor may ask for (rad/s or m/s; <= 0: no cap). Applies to the motor created by
/// bs_multibody_set_motor (call after it).
void bs_multibody_set_motor_max_velocity(bs_world* world, int mb, int link, double max_velocity);

#ifdef __cplusplus
}
#endif
#endif
