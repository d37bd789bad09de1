// EGL 1.5 with Mesa's surfaceless platform (headless rendering; see docs/native-layer.md).
#include <EGL/egl.h>
#include <EGL/eglext.h>
