// Snappy (libsnappy-dev, C API) and Zstandard (libzstd-dev): Parquet page compression.
// Imported only by BenchtopDataset.
#pragma once
#include <snappy-c.h>
#include <zstd.h>
