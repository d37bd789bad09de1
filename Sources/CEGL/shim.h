// EGL 1.5 with Mesa's surfaceless platform (headless rendering; see shared/design/native-layer.md).
#include <EGL/egl.h>
#include <EGL/eglext.h>
