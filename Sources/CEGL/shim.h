// EGL 1.5 with Mesa's surfaceless platform and the device platform (headless rendering; see docs/native-layer.md
// and docs/gpu.md).
#include <EGL/egl.h>
#include <EGL/eglext.h>
#include <stddef.h>

#ifndef EGL_RENDERER_EXT
#define EGL_RENDERER_EXT 0x335F
#endif

// The device extensions are reached through eglGetProcAddress (glvnd exports no prototypes for them); these helpers
// hide the function-pointer casts from Swift. Each returns 0 / NULL when the driver lacks the extension.

/// Writes up to `max` EGL devices to `devices` (NULL: count only) and returns how many exist.
static inline EGLint benchtop_egl_query_devices(EGLDeviceEXT* devices, EGLint max) {
    PFNEGLQUERYDEVICESEXTPROC query = (PFNEGLQUERYDEVICESEXTPROC)eglGetProcAddress("eglQueryDevicesEXT");
    EGLint count = 0;
    if (query == NULL || query(devices == NULL ? 0 : max, devices, &count) != EGL_TRUE) return 0;
    return count;
}

/// A device's string (EGL_EXTENSIONS, EGL_DRM_DEVICE_FILE_EXT, EGL_RENDERER_EXT), or NULL.
static inline const char* benchtop_egl_device_string(EGLDeviceEXT device, EGLint name) {
    PFNEGLQUERYDEVICESTRINGEXTPROC query = (PFNEGLQUERYDEVICESTRINGEXTPROC)eglGetProcAddress("eglQueryDeviceStringEXT");
    if (query == NULL) return NULL;
    const char* value = query(device, name);
    if (value == NULL) eglGetError(); // clear the error a missing name leaves
    return value;
}
