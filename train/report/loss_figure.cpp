#include "train/report/loss_figure.h"

#include <utility>

#include "train/loop/loss_curve.h"

namespace attn::train {

LinePlot loss_plot(std::string title, std::string x_label, std::string y_label) {
  LinePlot plot;
  plot.title(std::move(title))
      .x_label(std::move(x_label))
      .y_label(std::move(y_label))
      .log_y()
      .markers(false);
  return plot;
}

LinePlot& add_loss_series(LinePlot& plot, std::string name, const std::vector<double>& losses,
                          size_t max_points) {
  const Curve c = window_means(losses, max_points);
  return plot.add_series(std::move(name), c.x, c.y);
}

}  // namespace attn::train
