#pragma once

// Internal to trainer/checkpoint: a whole-file checksum in the HDF5 userblock.
//
// HDF5 1.10 can crash on damaged metadata instead of reporting it (a flipped bit in a string's
// global-heap entry makes H5Aread copy out of bounds), so the reader must not hand HDF5 a file
// it has not verified. The writer reserves the first kSealBytes of the file (an HDF5
// userblock, which HDF5, h5py and h5dump skip) and, once HDF5 has closed the file, writes
// there one line with the file's size and the CRC-32 of every byte after the seal:
//     "slipway-checkpoint 1 size=2173896 crc32=1a2b3c4d\n", then NUL bytes.

#include <hdf5.h>

#include <string>

#include "common/status.h"

namespace slipway::checkpoint_format {

inline constexpr hsize_t kSealBytes = 512;

// Writes the seal into `path` (created by h5::File::create with a kSealBytes userblock and
// closed) and fsyncs the file.
Status seal_file(const std::string& path);

enum class Seal {
    kValid,   // the seal matches the file
    kAbsent,  // the file does not start with a seal: not a slipway checkpoint
};
// An Error when the file has a seal that does not match it (torn, truncated, corrupt) or
// cannot be read.
Result<Seal> check_seal(const std::string& path);

}  // namespace slipway::checkpoint_format
