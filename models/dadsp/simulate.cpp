#include "models/dadsp/simulate.h"

#include <cmath>
#include <cstdio>

#include "engine/error.h"
#include "engine/json.h"
#include "engine/rng.h"

namespace gripcu::dadsp {

namespace {
struct Draw {
  const Rng& rng;
  uint64_t stream;
  uint64_t i = 0;
  double normal() { return rng.normal(stream, i++); }
  double uniform() { return rng.uniform(stream, i++); }
};
std::string name(const char* prefix, int64_t i, int width) {
  char b[32];
  std::snprintf(b, sizeof b, "%s%0*lld", prefix, width, static_cast<long long>(i + 1));
  return b;
}
// Stream ids: fixed per quantity.
enum Stream : uint64_t {
  kGeneBase = 1, kGeneSd, kLoad, kShiftA, kShiftB, kLatentS, kLatentT, kNoiseS, kNoiseT, kFp, kProj, kPot,
  kLabelS, kLabelT, kMaskS, kMaskT, kShiftD
};
}  // namespace

SimData simulate_response(const SimConfig& c) {
  const bool real_fp = !c.fingerprints.names.empty();
  const int64_t D = real_fp ? static_cast<int64_t>(c.fingerprints.names.size()) : c.drugs;
  const int64_t B = real_fp ? c.fingerprints.dim : c.fp_bits;
  const int64_t G = c.genes, L = c.latent;
  GRIPCU_CHECK(c.source_cells >= 1 && c.target_cells >= 1 && D >= 1 && G >= 2 && L >= 2 && B >= 1,
               "simulate response: need cells >= 1 per domain, drugs >= 1, genes >= 2, latent >= 2, bits >= 1");
  GRIPCU_CHECK(c.gene_names.empty() || static_cast<int64_t>(c.gene_names.size()) == G, "simulate response: ",
               c.gene_names.size(), " gene names for ", G, " genes");
  GRIPCU_CHECK(c.source_measured > 0 && c.source_measured <= 1 && c.target_measured > 0 && c.target_measured <= 1,
               "simulate response: measured fractions must be in (0, 1]");
  const Rng rng(c.seed);
  SimData r;

  // Genes.
  std::vector<double> base(G), sd(G), W(G * L), a(G), b(G), delta(L);
  Draw gb{rng, kGeneBase}, gs{rng, kGeneSd}, gl{rng, kLoad}, sa{rng, kShiftA}, sb{rng, kShiftB}, sd_{rng, kShiftD};
  for (auto& v : delta) v = c.shift * sd_.normal() / std::sqrt(double(L));
  for (int64_t g = 0; g < G; ++g) {
    base[g] = 4.0 + 6.0 * gb.uniform();
    sd[g] = 0.5 + gs.uniform();
    for (int64_t l = 0; l < L; ++l) W[g * L + l] = sd[g] * gl.normal() / std::sqrt(double(L));
    a[g] = 1.0 - c.scale + 2.0 * c.scale * sa.uniform();
    // The gene's offset: along the biological programs (W_g . delta) plus a gene-wise part.
    double along = 0;
    for (int64_t l = 0; l < L; ++l) along += W[g * L + l] * delta[l];
    b[g] = along + 0.5 * c.shift * sd[g] * sb.normal();
  }
  std::vector<std::string> genes(G);
  for (int64_t g = 0; g < G; ++g) genes[g] = c.gene_names.empty() ? name("G", g, 4) : c.gene_names[g];

  // Drugs.
  DrugTable& dt = r.drugs;
  dt.dim = B;
  dt.kind = "fingerprint";
  dt.source = real_fp ? c.fingerprints.source : "simulated";
  if (real_fp) {
    dt.names = c.fingerprints.names;
    dt.features = c.fingerprints.features;
  } else {
    Draw fp{rng, kFp};
    for (int64_t d = 0; d < D; ++d) {
      dt.names.push_back(name("D", d, 2));
      for (int64_t k = 0; k < B; ++k) dt.features.push_back(fp.uniform() < 0.12 ? 1.f : 0.f);
    }
  }
  std::vector<double> e(D * L), mu(D);
  {
    Draw pj{rng, kProj}, pq{rng, kPot};
    std::vector<double> P(L * B), q(B);
    for (auto& v : P) v = pj.normal();
    for (auto& v : q) v = pq.normal();
    for (int64_t d = 0; d < D; ++d) {
      const float* f = dt.row(d);
      double nnz = 0;
      for (int64_t k = 0; k < B; ++k) nnz += f[k] > 0.5f;
      const double norm = 1.0 / std::sqrt(std::max(1.0, nnz));
      double m = 0;
      for (int64_t k = 0; k < B; ++k) m += q[k] * (f[k] > 0.5f);
      mu[d] = m * norm;
      for (int64_t l = 0; l < L; ++l) {
        double s = 0;
        for (int64_t k = 0; k < B; ++k) s += P[l * B + k] * (f[k] > 0.5f);
        e[d * L + l] = std::tanh(s * norm);
      }
    }
  }

  // Cells and responses, one domain at a time.
  auto domain = [&](bool target, int64_t n, CellExpression& ex, std::vector<ResponseRow>& resp) {
    Draw lat{rng, target ? kLatentT : kLatentS}, noi{rng, target ? kNoiseT : kNoiseS};
    Draw lab{rng, target ? kLabelT : kLabelS}, msk{rng, target ? kMaskT : kMaskS};
    ex.genes = genes;
    ex.source = target ? "simulated target" : "simulated source";
    ex.mapping_note = "samples are cell lines";
    ex.values.resize(static_cast<size_t>(n * G));
    const double nz = target ? c.target_noise : c.noise, frac = target ? c.target_measured : c.source_measured;
    for (int64_t i = 0; i < n; ++i) {
      ex.cells.push_back(name(target ? "T" : "S", i, 4));
      std::vector<double> u(L);
      for (auto& v : u) v = lat.normal();
      for (int64_t g = 0; g < G; ++g) {
        double s = 0;
        for (int64_t l = 0; l < L; ++l) s += W[g * L + l] * u[l];
        ex.values[i * G + g] = target ? base[g] + a[g] * s + b[g] + nz * sd[g] * noi.normal()
                                      : base[g] + s + nz * sd[g] * noi.normal();
      }
      for (int64_t d = 0; d < D; ++d) {
        const bool keep = msk.uniform() < frac;
        const double eps = lab.normal();
        if (!keep) continue;
        double ue = 0;
        for (int64_t l = 0; l < L; ++l) ue += u[l] * e[d * L + l];
        const double y = mu[d] + 1.5 * std::tanh(ue) + 0.5 * std::tanh(u[0] * u[1]) + c.label_noise * eps;
        resp.push_back({ex.cells.back(), dt.names[d], y, 0});
      }
    }
  };
  domain(false, c.source_cells, r.source, r.source_resp);
  domain(true, c.target_cells, r.target, r.target_resp);

  JsonWriter j;
  j.begin_object();
  j.kv("generator", "gripcu simulate response").kv("seed", static_cast<long long>(c.seed));
  j.kv("source_cells", c.source_cells).kv("target_cells", c.target_cells).kv("drugs", D).kv("genes", G);
  j.kv("latent", L).kv("fingerprint_bits", B).kv("real_fingerprints", real_fp);
  j.key("latent_offset").begin_array();
  for (double v : delta) j.value(v);
  j.end_array();
  j.kv("shift", c.shift).kv("scale", c.scale).kv("noise", c.noise).kv("target_noise", c.target_noise);
  j.kv("label_noise", c.label_noise).kv("source_measured", c.source_measured).kv("target_measured", c.target_measured);
  j.kv("source_pairs", static_cast<long long>(r.source_resp.size()));
  j.kv("target_pairs", static_cast<long long>(r.target_resp.size()));
  j.kv("response", "y = mu_d + 1.5 tanh(u . e_d) + 0.5 tanh(u_1 u_2) + label_noise N(0,1); see models/dadsp/simulate.h");
  j.end_object();
  r.truth_json = j.str();
  return r;
}

}  // namespace gripcu::dadsp
