import BenchtopCore
import BenchtopScene
import BenchtopVariation
import Foundation
import Testing

/// Novel objects and distractors drawn from mesh files (the object library).
@Suite struct ObjectLibraryTests {
    @Test func theShippedMeshesAreInTheLibraryAndScaleToTheAskedSize() throws {
        let files = ObjectLibrary.files(environment: [:])
        #expect(files.contains { $0.path.hasSuffix("scenes/assets/toy_nut.obj") }, "\(files.map(\.path))")
        let (_, asset) = try #require(ObjectLibrary.asset(0, width: 0.04, height: 0.1))
        let h = asset.halfExtents
        #expect(abs(2 * max(h.x, h.y) - 0.04) < 1e-9)
    }

    @Test func theAxesDrawMeshesAmongTheirObjects() throws {
        let scene = try loadScene("pick_cube")
        let ctx = try context(scene)
        var novel = 0
        var distractors = 0
        for seed: UInt64 in 0..<12 {
            let v = try Variations.apply(scene, axis: .novelObjects, level: 3, seed: seed, context: ctx)
            if case .mesh = v.scene.object(named: "cube")!.asset { novel += 1 }
            let d = try Variations.apply(scene, axis: .distractors, level: 2, seed: seed, context: ctx)
            distractors += d.scene.objects.filter { if case .mesh = $0.asset { return true } else { return false } }.count
            // Same seed, same draw.
            #expect(try Variations.apply(scene, axis: .distractors, level: 2, seed: seed, context: ctx).scene == d.scene)
        }
        #expect(novel > 0 && novel < 12, "some novel objects are library meshes: \(novel) of 12")
        #expect(distractors > 0, "some distractors are library meshes")
    }
}
