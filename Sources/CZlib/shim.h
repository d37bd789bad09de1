// zlib from Debian (zlib1g-dev): deflate/inflate for PNG.
#pragma once
#include <zlib.h>
