#pragma once
// The two line plots every tutorial draws.
//
// Training loss: window means of the per-step losses, one series per model, on a log scale
// (a loss falls by orders of magnitude; the late, slow part is as interesting as the early,
// fast one).
//   train::LinePlot plot = train::loss_plot("Training loss", "Adam step", "cross-entropy");
//   train::add_loss_series(plot, "attention", log.losses);
//   plot.save(out / "loss.svg");
//
// Accuracy: on a fixed 0..1 axis, so two runs' figures compare at a glance.
//   train::accuracy_plot("Accuracy after each epoch", "epoch", "accuracy")
//       .add_series("test", epochs, test_accuracy)
//       .save(out / "accuracy.svg");
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

// A LinePlot with the title and axis labels given and the y axis fixed at [0, 1].
LinePlot accuracy_plot(std::string title, std::string x_label, std::string y_label);

}  // namespace attn::train
