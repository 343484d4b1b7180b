#include "autograd/grad_mode.h"

namespace attn {

namespace {
thread_local bool g_grad_enabled = true;  // per thread, like PyTorch
}

bool grad_enabled() {
  return g_grad_enabled;
}
void set_grad_enabled(bool on) {
  g_grad_enabled = on;
}

}  // namespace attn
