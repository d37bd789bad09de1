// Only here so that SwiftPM resolves pkg-config `bullet-float64` (include path, libraries) for the C++ shim.
// No Swift module imports this: the shim's pure C header (CBulletShim) is Bullet's only face to Swift.
#pragma once
