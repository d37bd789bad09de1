// Raw Bullet baseline for `benchtop bench physics`: builds the exported scene with Bullet's C++ API directly,
// configured exactly as Benchtop's shim configures its world, and reports steps per second. The difference
// to Benchtop's figure is the cost of the C shim and the Swift layer above it.
// Build: g++ -O2 -DBT_USE_DOUBLE_PRECISION raw_bullet.cpp $(pkg-config --cflags --libs bullet-float64)
#include <btBulletDynamicsCommon.h>
#include <BulletDynamics/Featherstone/btMultiBodyConstraintSolver.h>
#include <BulletDynamics/Featherstone/btMultiBodyDynamicsWorld.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

int main(int argc, char **argv) {
    if (argc < 4) { std::fprintf(stderr, "usage: raw_bullet SCENE.txt STEPS RUNS\n"); return 2; }
    const int steps = std::atoi(argv[2]), runs = std::atoi(argv[3]);
    std::vector<double> rates;
    for (int run = 0; run < runs; ++run) {
        std::ifstream in(argv[1]);
        if (!in) { std::fprintf(stderr, "cannot read %s\n", argv[1]); return 2; }
        btDefaultCollisionConfiguration config;
        btCollisionDispatcher dispatcher(&config);
        btDbvtBroadphase broadphase;
        btMultiBodyConstraintSolver solver;
        btMultiBodyDynamicsWorld world(&dispatcher, &broadphase, &solver, &config);
        std::vector<std::unique_ptr<btCollisionShape>> shapes;
        std::vector<std::unique_ptr<btRigidBody>> bodies;
        double dt = 1.0 / 240;
        std::string line;
        while (std::getline(in, line)) {
            std::istringstream s(line);
            std::string kind;
            s >> kind;
            if (kind == "physics") {
                int iterations; double gx, gy, gz;
                s >> dt >> iterations >> gx >> gy >> gz;
                world.setGravity(btVector3(gx, gy, gz));
                btContactSolverInfo &info = world.getSolverInfo();
                info.m_numIterations = iterations;
                info.m_erp2 = 0.2;
                info.m_splitImpulse = 1;
                info.m_splitImpulsePenetrationThreshold = -0.04;
                info.m_solverMode &= ~SOLVER_RANDMIZE_ORDER;
                info.m_solverMode |= SOLVER_USE_2_FRICTION_DIRECTIONS;
                world.getDispatchInfo().m_deterministicOverlappingPairs = true;
                continue;
            }
            double m, x, y, z, qx, qy, qz, qw, mu, roll, spin, rest, a, b, c;
            s >> m >> x >> y >> z >> qx >> qy >> qz >> qw >> mu >> roll >> spin >> rest >> a >> b >> c;
            btCollisionShape *shape = nullptr;
            if (kind == "box") shape = new btBoxShape(btVector3(a, b, c));
            else if (kind == "sphere") shape = new btSphereShape(a);
            else if (kind == "cylinder") shape = new btCylinderShapeZ(btVector3(a, a, b));
            else continue;
            shapes.emplace_back(shape);
            btVector3 inertia(0, 0, 0);
            if (m > 0) shape->calculateLocalInertia(m, inertia);
            btRigidBody::btRigidBodyConstructionInfo ci(m, nullptr, shape, inertia);
            ci.m_startWorldTransform = btTransform(btQuaternion(qx, qy, qz, qw), btVector3(x, y, z));
            auto body = std::make_unique<btRigidBody>(ci);
            body->setFriction(mu);
            body->setRollingFriction(roll);
            body->setSpinningFriction(spin);
            body->setRestitution(rest);
            body->setActivationState(DISABLE_DEACTIVATION);
            // As Benchtop: no friction anchors on scene objects (only robot links have them, and this scene has none).
            world.addRigidBody(body.get());
            bodies.push_back(std::move(body));
        }
        auto start = std::chrono::steady_clock::now();
        for (int i = 0; i < steps; ++i) world.stepSimulation(dt, 0, dt);
        double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        rates.push_back(steps / seconds);
        for (auto &b : bodies) world.removeRigidBody(b.get());
    }
    std::sort(rates.begin(), rates.end());
    std::printf("%.1f\n", rates[rates.size() / 2]);
    return 0;
}
