// Convex decomposition of triangle meshes by HACD (Khaled Mamou's hierarchical approximate convex decomposition, in
// Bullet's Extras; Debian ships it as libHACD in libbullet-extras-dev). Independent of any world: the result is
// plain point clouds that Swift caches and turns into compound shapes of convex hulls.
#include "benchtop_bullet.h"

#include <HACD/hacdHACD.h>

#include <algorithm>
#include <mutex>
#include <vector>

struct bs_decomposition {
    std::vector<std::vector<double>> hulls; // xyz triples per hull
};

namespace {
// HACD keeps a global cancel flag (gCancelRequest): one decomposition at a time.
std::mutex hacdLock;
} // namespace

bs_decomposition* bs_decompose(const double* xyz, int point_count, const int* triangles, int triangle_count,
                               double concavity, int min_hulls, int max_hull_vertices) {
    if (!xyz || !triangles || point_count < 4 || triangle_count < 4 || concavity <= 0 || min_hulls < 1 ||
        max_hull_vertices < 4)
        return nullptr;
    std::vector<HACD::Vec3<HACD::Real>> points(point_count);
    for (int i = 0; i < point_count; ++i)
        points[i] = HACD::Vec3<HACD::Real>(xyz[3 * i], xyz[3 * i + 1], xyz[3 * i + 2]);
    std::vector<HACD::Vec3<long>> faces(triangle_count);
    for (int t = 0; t < triangle_count; ++t) {
        for (int k = 0; k < 3; ++k)
            if (triangles[3 * t + k] < 0 || triangles[3 * t + k] >= point_count) return nullptr;
        faces[t] = HACD::Vec3<long>(triangles[3 * t], triangles[3 * t + 1], triangles[3 * t + 2]);
    }
    std::lock_guard<std::mutex> guard(hacdLock);
    HACD::HACD hacd;
    hacd.SetPoints(points.data());
    hacd.SetNPoints(points.size());
    hacd.SetTriangles(faces.data());
    hacd.SetNTriangles(faces.size());
    // HACD scales the mesh so that its bounding-box diagonal is 2 * scale: concavity arrives as a fraction of the
    // diagonal. Weights as in Bullet's ConvexDecompositionDemo. Concavity is measured at distance points: with the
    // vertices alone a coarse mesh (a U of 40 triangles) never looks concave and merges into one hull, so face
    // centres and the points facing them across the hollow count too (O(triangles^2) rays, once per cached mesh).
    const double scale = 1000.0;
    hacd.SetScaleFactor(scale);
    hacd.SetConcavity(concavity * 2.0 * scale);
    hacd.SetNClusters(static_cast<size_t>(min_hulls));
    hacd.SetNVerticesPerCH(static_cast<size_t>(max_hull_vertices));
    hacd.SetCompacityWeight(0.1);
    hacd.SetVolumeWeight(0.0);
    hacd.SetAddExtraDistPoints(true);
    hacd.SetAddNeighboursDistPoints(false);
    hacd.SetAddFacesPoints(true);
    if (!hacd.Compute()) return nullptr;
    auto* result = new bs_decomposition;
    for (size_t c = 0; c < hacd.GetNClusters(); ++c) {
        std::vector<HACD::Vec3<HACD::Real>> hullPoints(hacd.GetNPointsCH(c));
        std::vector<HACD::Vec3<long>> hullFaces(hacd.GetNTrianglesCH(c));
        if (hullPoints.size() < 4 || !hacd.GetCH(c, hullPoints.data(), hullFaces.data())) continue;
        std::vector<double> flat;
        flat.reserve(3 * hullPoints.size());
        for (const auto& p : hullPoints) {
            flat.push_back(p.X());
            flat.push_back(p.Y());
            flat.push_back(p.Z());
        }
        result->hulls.push_back(std::move(flat));
    }
    return result;
}

int bs_decomposition_hull_count(const bs_decomposition* d) {
    return d ? static_cast<int>(d->hulls.size()) : 0;
}

int bs_decomposition_hull(const bs_decomposition* d, int hull, double* out, int capacity) {
    if (!d || hull < 0 || hull >= static_cast<int>(d->hulls.size())) return -1;
    const auto& h = d->hulls[hull];
    const int count = static_cast<int>(h.size() / 3);
    if (out)
        for (int i = 0; i < 3 * std::min(count, capacity); ++i)
            out[i] = h[i];
    return count;
}

void bs_decomposition_free(bs_decomposition* d) {
    delete d;
}
