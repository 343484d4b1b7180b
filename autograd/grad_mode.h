#pragma once
// Grad mode: while it is off, ops record nothing (inference, optimizer
// updates, and the backward pass itself, which never builds a second graph).
//   { NoGradGuard no_grad; auto y = model(x); }
namespace attn {

bool grad_enabled();
void set_grad_enabled(bool on);

class NoGradGuard {
 public:
  NoGradGuard() : prev_(grad_enabled()) { set_grad_enabled(false); }
  ~NoGradGuard() { set_grad_enabled(prev_); }
  NoGradGuard(const NoGradGuard&) = delete;
  NoGradGuard& operator=(const NoGradGuard&) = delete;

 private:
  bool prev_;
};

}  // namespace attn
