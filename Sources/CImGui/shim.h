// Only here so that SwiftPM resolves pkg-config `imgui` (include paths, -limgui -lstb) for the C++ shim.
// No Swift module imports this: the shim's pure C header (CImGuiShim) is Dear ImGui's only face to Swift.
#pragma once
