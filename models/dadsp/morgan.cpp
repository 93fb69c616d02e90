#include "models/dadsp/morgan.h"

#include "engine/error.h"

#ifdef GRIPCU_HAVE_RDKIT
#include <memory>

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/MorganFingerprints.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <RDGeneral/RDLog.h>
#include <RDGeneral/versions.h>
#endif

namespace gripcu::dadsp {

#ifdef GRIPCU_HAVE_RDKIT
bool rdkit_available() { return true; }
std::string rdkit_version() { return RDKit::rdkitVersion; }

std::vector<float> morgan_fingerprint(const std::string& smiles, int radius, int n_bits, const std::string& where) {
  GRIPCU_CHECK(radius >= 0 && n_bits > 0, "morgan_fingerprint: radius ", radius, ", bits ", n_bits);
  static const bool quiet = [] {
    boost::logging::disable_logs("rdApp.*");  // parse errors are reported by us, with file and line
    return true;
  }();
  (void)quiet;
  if (smiles.empty()) throw InputError(where, "empty SMILES");
  std::unique_ptr<RDKit::RWMol> mol;
  try {
    mol.reset(RDKit::SmilesToMol(smiles));
  } catch (const std::exception& e) {
    throw InputError(where, "invalid SMILES '" + smiles + "' (" + e.what() + ")");
  }
  if (!mol) throw InputError(where, "invalid SMILES '" + smiles + "' (RDKit could not parse or sanitize it)");
  std::unique_ptr<ExplicitBitVect> fp(RDKit::MorganFingerprints::getFingerprintAsBitVect(
      *mol, static_cast<unsigned>(radius), static_cast<unsigned>(n_bits)));
  std::vector<float> bits(static_cast<size_t>(n_bits), 0.f);
  for (int i = 0; i < n_bits; ++i) bits[static_cast<size_t>(i)] = fp->getBit(static_cast<unsigned>(i)) ? 1.f : 0.f;
  return bits;
}
#else
bool rdkit_available() { return false; }
std::string rdkit_version() { return ""; }
std::vector<float> morgan_fingerprint(const std::string&, int, int, const std::string& where) {
  throw InputError(where, "this table holds SMILES, but gripcu was built without RDKit: install Debian's "
                          "librdkit-dev and rebuild (CMake finds it; -DGRIPCU_RDKIT=ON to require it), or pass "
                          "a precomputed fingerprint table (name,bit0,bit1,...)");
}
#endif

}  // namespace gripcu::dadsp
