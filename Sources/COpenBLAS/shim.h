// OpenBLAS (CBLAS) and LAPACKE from Debian's libopenblas-dev and liblapacke-dev.
#pragma once
#include <cblas.h>
#include <lapacke.h>
// Thread control: pin OpenBLAS to one thread next to physics and rendering (native-layer.md).
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
