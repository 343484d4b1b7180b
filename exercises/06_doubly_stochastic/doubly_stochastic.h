#pragma once
// Exercise 6: the doubly stochastic attention regulariser of Show, Attend and Tell (Xu et
// al. 2015, eq. 14). You write doubly_stochastic.cpp; this header is given.
//
// A captioner attends over L image regions at each of T decoding steps: alpha [B, T, L], each
// row alpha_t a softmax over the regions (sum_i alpha_ti = 1: stochastic over i). The
// regulariser asks the other sum, over time, to be about 1 as well: every region looked at
// about once over the whole caption.
//   mask [B, T]: 1 on a caption's real steps, 0 on its padding (padded steps do not count)
//   received [B, L]     = sum_t mask_bt alpha_bti          how much attention region i got
//   penalty  []         = lambda * (1/B) * sum_b sum_i (1 - received_bi)^2
#include "autograd/tensor.h"

namespace attn::exercises {

// alpha [B, T, L], mask [B, T] -> received [B, L]. Shapes that do not fit throw attn::Error
// naming attention_received and both shapes.
Tensor attention_received(const Tensor& alpha, const Tensor& mask);

// alpha [B, T, L], mask [B, T], lambda >= 0 -> the penalty, a scalar tensor [].
Tensor doubly_stochastic_penalty(const Tensor& alpha, const Tensor& mask, double lambda);

}  // namespace attn::exercises
