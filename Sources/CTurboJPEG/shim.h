// libjpeg-turbo's TurboJPEG API from Debian (libturbojpeg0-dev): JPEG texture maps of mesh objects.
#pragma once
#include <stddef.h>
#include <turbojpeg.h>
