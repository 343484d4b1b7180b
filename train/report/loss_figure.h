#pragma once
// The training-loss figure of every tutorial: window means of the per-step losses, one
// series per model, on a log scale (a loss falls by orders of magnitude; the late, slow part
// is as interesting as the early, fast one).
//
//   train::LinePlot plot = train::loss_plot("Training loss", "Adam step", "cross-entropy");
//   train::add_loss_series(plot, "attention", log.losses);
//   plot.save(out / "loss.svg");
#include <cstddef>
#include <string>
#include <vector>

#include "train/report/figures.h"

namespace attn::train {

// A LinePlot with the title and axis labels given, a log y axis and no point markers.
LinePlot loss_plot(std::string title, std::string x_label, std::string y_label);

// Adds window_means(losses, max_points) (train/loop/loss_curve.h) as a series named `name`.
LinePlot& add_loss_series(LinePlot& plot, std::string name, const std::vector<double>& losses,
                          size_t max_points = 300);

}  // namespace attn::train
