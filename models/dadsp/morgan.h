#pragma once
// Morgan (circular, ECFP-like) fingerprints from SMILES through RDKit's C++ library (Debian's
// librdkit-dev), an optional build dependency: CMake enables it when the headers and libraries are
// found (GRIPCU_RDKIT=AUTO|ON|OFF). Without it, asking for fingerprints from SMILES is a clear
// InputError that says how to get them (install librdkit-dev and rebuild, or pass a precomputed
// fingerprint table).
#include <string>
#include <vector>

namespace gripcu::dadsp {

bool rdkit_available();
std::string rdkit_version();  // "" without RDKit
// Bits (0/1) of RDKit's Morgan fingerprint (radius, n_bits; RDKit's defaults otherwise: atom
// invariants, bond types, no chirality). An unparsable SMILES is an InputError at `where`.
std::vector<float> morgan_fingerprint(const std::string& smiles, int radius, int n_bits, const std::string& where);

}  // namespace gripcu::dadsp
