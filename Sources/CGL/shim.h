// Desktop OpenGL core profile entry points. libOpenGL (glvnd) dispatches them to whichever context is current:
// an EGL context (headless) or the GLX context a GLFW window creates, so one GL code path serves both.
#define GL_GLEXT_PROTOTYPES 1
#include <GL/glcorearb.h>
