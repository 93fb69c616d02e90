#include "tools/grip_common.h"

#include "engine/io/atomic_file.h"
#include "engine/io/svg.h"
#include "engine/log.h"
#include "engine/signals.h"
#include "models/grip/workflow.h"

namespace gripcu::tools {

grip::PairedData load_pairs(const std::string& baseline, const std::string& treated, bool by_name) {
  const io::ExprMatrix b = io::read_expression(baseline), t = io::read_expression(treated);
  grip::PairReport rep;
  grip::PairedData d = grip::pair_profiles(b, t, by_name ? grip::PairBy::name : grip::PairBy::order, &rep);
  log_info("paired " + std::to_string(d.n()) + " samples x " + std::to_string(d.g()) + " genes (" + rep.summary() + ")");
  return d;
}

void write_loss_svg(const grip::GripModel& m, const std::string& path) {
  io::write_file_atomic(path, io::svg_line_chart("GRIP-Lung training", "epoch", "loss",
                                                 {{"generator loss", "#1f77b4", m.state.g_loss},
                                                  {"discriminator loss", "#d62728", m.state.d_loss},
                                                  {"generator MSE", "#2ca02c", m.state.mse}}));
}

bool train_to_dir(grip::GripModel& m, const grip::PairedData& d, const std::vector<size_t>& rows, const std::string& dir,
                  int64_t every) {
  install_stop_handlers();
  const std::string ckpt = dir + "/model.safetensors";
  const bool done = grip::train_model(m, d, rows, [&](int64_t epoch) {
    if (epoch % every == 0 || epoch == m.tcfg.epochs) m.save(ckpt);
  }, [] { return stop_requested(); });
  m.save(ckpt);
  write_loss_svg(m, dir + "/losses.svg");
  if (!done) log_info("interrupted at epoch " + std::to_string(m.state.epoch) + ", batch " + std::to_string(m.state.batch) +
                      "; checkpoint written to " + ckpt + " (continue with --resume)");
  return done;
}

}  // namespace gripcu::tools
