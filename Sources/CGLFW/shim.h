// GLFW 3.3 windows and input. GL itself comes from BenchtopRender, so GLFW must not pull in GL headers.
#define GLFW_INCLUDE_NONE 1
#include <GLFW/glfw3.h>
