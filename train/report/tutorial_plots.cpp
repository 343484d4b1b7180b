#include "train/report/tutorial_plots.h"

#include <utility>

#include "train/loop/loss_curve.h"

namespace attn::train {

namespace {

LinePlot labelled(std::string title, std::string x_label, std::string y_label) {
  LinePlot plot;
  plot.title(std::move(title)).x_label(std::move(x_label)).y_label(std::move(y_label));
  return plot;
}

}  // namespace

LinePlot loss_plot(std::string title, std::string x_label, std::string y_label) {
  LinePlot plot = labelled(std::move(title), std::move(x_label), std::move(y_label));
  plot.log_y().markers(false);
  return plot;
}

LinePlot& add_loss_series(LinePlot& plot, std::string name, const std::vector<double>& losses,
                          size_t max_points) {
  const Curve c = window_means(losses, max_points);
  return plot.add_series(std::move(name), c.x, c.y);
}

LinePlot accuracy_plot(std::string title, std::string x_label, std::string y_label) {
  LinePlot plot = labelled(std::move(title), std::move(x_label), std::move(y_label));
  plot.y_range(0, 1);
  return plot;
}

}  // namespace attn::train
